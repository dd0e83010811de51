"""Operations endpoints (SPEC §6): liveness, readiness and Prometheus metrics."""

import hmac
import ipaddress
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpResponseForbidden, JsonResponse
from django.views.decorators.cache import never_cache
from django_prometheus.exports import ExportToDjangoView

from intentional.routers import REPLICA

logger = logging.getLogger(__name__)


@never_cache
def health(request):
    """Liveness: the process answers. Touches nothing."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    # django-redis ignores outages (IGNORE_EXCEPTIONS), so probe the client itself when present.
    client = getattr(cache, "client", None)
    if client is not None and hasattr(client, "get_client"):
        client.get_client(write=True).ping()
        return
    cache.set("health:ready", "ok", 5)
    if cache.get("health:ready") != "ok":
        raise RuntimeError("cache did not return what was stored")


def _check_replica() -> None:
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _report(checks) -> dict[str, str]:
    report = {}
    for name, check in checks.items():
        try:
            check()
            report[name] = "ok"
        except Exception:  # any failure means "not ready"; the detail goes to the log only
            logger.exception("readiness check failed: %s", name)
            report[name] = "unavailable"
    return report


@never_cache
def ready(request):
    """Readiness: the database and the cache each answer; 503 names the part that does not.

    A configured replica is named too, but its outage is "degraded" with a 200: the web tier
    never reads it (only the digest batch does, and falls back to the primary), so a load
    balancer must not take web nodes out for it."""
    report = _report({"database": _check_database, "cache": _check_cache})
    healthy = all(value == "ok" for value in report.values())
    status = "ok" if healthy else "unavailable"
    if REPLICA in settings.DATABASES:
        report.update(_report({"replica": _check_replica}))
        if healthy and report["replica"] != "ok":
            status = "degraded"
    return JsonResponse({"status": status, **report}, status=200 if healthy else 503)


def _metrics_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    try:
        return ipaddress.ip_address(request.client_ip).is_loopback
    except ValueError:
        return False


@never_cache
def metrics(request):
    """Prometheus text, from loopback or with `Authorization: Bearer $METRICS_TOKEN`."""
    if not _metrics_allowed(request):
        return HttpResponseForbidden("Forbidden\n", content_type="text/plain")
    return ExportToDjangoView(request)
