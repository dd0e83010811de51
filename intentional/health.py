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


@never_cache
def ready(request):
    """Readiness: the database and the cache each answer; 503 names the part that does not."""
    checks = {"database": _check_database, "cache": _check_cache}
    report = {}
    for name, check in checks.items():
        try:
            check()
            report[name] = "ok"
        except Exception:  # any failure means "not ready"; the detail goes to the log only
            logger.exception("readiness check failed: %s", name)
            report[name] = "unavailable"
    healthy = all(value == "ok" for value in report.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **report}, status=200 if healthy else 503
    )


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
