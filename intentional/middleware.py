"""Cross-cutting middleware: request id and access log, body-size limits, security headers,
hostile input, JSON errors under /api/, rate-limit answers."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.exception import response_for_exception
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import UnreadablePostError
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.middleware.security import SecurityMiddleware as DjangoSecurityMiddleware
from django.utils import timezone, translation

from intentional.clientip import client_ip
from intentional.errors import (
    api_error_json,
    handler400,
    handler404,
    is_api,
    page_exception_response,
    payload_too_large_response,
    rate_limited_response,
    request_timeout_response,
    service_unavailable_response,
    uri_too_long_response,
)
from intentional.languages import activate_person_language
from intentional.logging import request_id_var
from intentional.ratelimit import RateLimited

access_log = logging.getLogger("intentional.access")
logger = logging.getLogger(__name__)

# An incoming X-Request-ID is kept only if it looks like an id, never arbitrary text in logs.
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    """Accepts or generates X-Request-ID, echoes it, and logs one line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.client_ip = client_ip(request)
        token = request_id_var.set(request.id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.id
            user_id = _user_id(request)
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "client_ip": request.client_ip,
                    "user_id": user_id,
                },
            )
            return response
        finally:
            request_id_var.reset(token)


def _user_id(request) -> int | None:
    """The signed-in person's id for the access log, None if anonymous or unknowable."""
    user = getattr(request, "user", None)
    try:
        return user.pk if user is not None and user.is_authenticated else None
    except DatabaseError:  # the session could not be read: the 503 is already answered
        return None


class RequestSizeLimitMiddleware:
    """413 from Content-Length before the body is read: 1 MB, or 45 MB for uploads (SPEC §7).

    A body without Content-Length is read as empty by Django, so it cannot slip past.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        is_upload = request.META.get("CONTENT_TYPE", "").startswith("multipart/form-data")
        limit = settings.MAX_UPLOAD_BODY_BYTES if is_upload else settings.MAX_REQUEST_BODY_BYTES
        if length > limit:
            return payload_too_large_response(request)
        return self.get_response(request)


# C0 controls and DEL: never part of a username, token, week or any other path segment, and
# PostgreSQL refuses a NUL in a string outright (a 500 if one reached a query).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


class HostileInputMiddleware:
    """Refuses, before any view or query sees it, input no view can use: a URL longer than
    MAX_URL_LENGTH (414), a control character in the path (404: nothing lives there), a NUL
    in the query string or in a page's form fields (400); a cookie holding a NUL is dropped
    (a session key with one would reach the database)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if len(request.get_full_path()) > settings.MAX_URL_LENGTH:
            return uri_too_long_response(request)
        if _CONTROL_CHARACTERS.search(request.path_info):
            return handler404(request)
        for name in [name for name, value in request.COOKIES.items() if "\x00" in name + value]:
            del request.COOKIES[name]
        try:
            hostile = _has_nul(request.GET) or (
                # Page forms read fields raw here and there; the API's serializers refuse NUL.
                request.method == "POST" and not is_api(request) and _has_nul(request.POST)
            )
        except UnreadablePostError:  # the body stopped arriving (a stalled upload)
            return request_timeout_response(request)
        if hostile:
            return handler400(request)
        return self.get_response(request)


def _has_nul(query_dict) -> bool:
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in query_dict.lists()
    )


class ApiErrorsMiddleware:
    """Under /api/, an error Django answers rather than DRF (an unknown route, a bad Host, and
    with DEBUG on its technical 404 and 500 pages) becomes the JSON of SPEC §6 for its status.
    The traceback of a 500 is still logged (django.request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return api_error_json(request, self.get_response(request))


class DisallowedHostMiddleware:
    """400 for a Host not in ALLOWED_HOSTS, answered before Django's SecurityMiddleware reads
    the Host to redirect to HTTPS (an exception there would skip its headers); the answer gets
    SecurityMiddleware's headers all the same."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.security = DjangoSecurityMiddleware(get_response)

    def __call__(self, request):
        try:
            request.get_host()
        except DisallowedHost as exception:
            response = api_error_json(request, response_for_exception(request, exception))
            return self.security.process_response(request, response)
        return self.get_response(request)


class ViewerTimezoneMiddleware:
    """Pages show times in the signed-in person's time zone (SPEC §6), like their digest.

    The person is the one the page loads anyway (AuthenticationMiddleware's lazy user, cached
    on the request): no extra query. The API keeps answering in UTC whoever asks."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        zone = None if is_api(request) else _viewer_timezone(request)
        if zone:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def _viewer_timezone(request) -> str | None:
    """The signed-in person's time zone name, None if anonymous or unknowable."""
    try:
        return request.user.timezone if request.user.is_authenticated else None
    except DatabaseError:  # the session could not be read: the view answers the 503
        return None


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Django's: the language Accept-Language asks for (one of LANGUAGES, else LANGUAGE_CODE),
    and `Content-Language` / `Vary: Accept-Language` on the answer. Placed near the top (no
    URL has a language prefix, so nothing below depends on its place). After the response the
    language in force before it is back (the default, between requests): a thread never
    carries one request's language into the next. Static files are the same in every
    language: their answers do not vary with it."""

    def __call__(self, request):
        before = translation.get_language()
        try:
            return super().__call__(request)
        finally:
            if before is None:
                translation.deactivate_all()
            else:
                translation.activate(before)

    def process_response(self, request, response):
        if request.path.startswith(settings.STATIC_URL):
            return response
        return super().process_response(request, response)


class UserLanguageMiddleware:
    """Pages in the signed-in person's `language` (when they chose one), whatever the browser
    asks (SPEC §12). The person is the one the page loads anyway (AuthenticationMiddleware's
    lazy user, read by ViewerTimezoneMiddleware too): no extra query. The API is answered in
    it once DRF has authenticated the person (intentional.api)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api(request):
            try:
                user = request.user if request.user.is_authenticated else None
            except DatabaseError:  # the session could not be read: the view answers the 503
                user = None
            activate_person_language(request, user)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response (the rest of SPEC §7's
    headers come from Django's SecurityMiddleware and XFrameOptionsMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = self._policy(relaxed_styles=False)
        # Swagger UI (the API docs) sets inline styles; its scripts still come from 'self'.
        self.docs_policy = self._policy(relaxed_styles=True)

    @staticmethod
    def _policy(*, relaxed_styles: bool) -> str:
        img = ["'self'", "data:", *settings.CSP_EXTRA_IMG_SRC]
        form_action = ["'self'", *settings.CSP_EXTRA_FORM_ACTION]
        directives = {
            "default-src": ["'self'"],
            "script-src": ["'self'"],
            "style-src": ["'self'", "'unsafe-inline'"] if relaxed_styles else ["'self'"],
            "img-src": img,
            "font-src": ["'self'"],
            "connect-src": ["'self'"],
            "object-src": ["'none'"],
            "base-uri": ["'self'"],
            "form-action": form_action,
            "frame-ancestors": ["'none'"],
        }
        return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())

    def __call__(self, request):
        response = self.get_response(request)
        policy = self.docs_policy if request.path.startswith("/api/docs/") else self.policy
        response.setdefault("Content-Security-Policy", policy)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class ExceptionAnswersMiddleware:
    """Answers for exceptions that are not bugs: `RateLimited` → 429 with Retry-After; a body
    that stopped arriving → 408; the database unreachable → 503 (a friendly page, or JSON for
    the API), never a stack trace; a service's domain error raised by a page view → its page
    (`intentional.errors.page_exception_response`; the API's are DRF's EXCEPTION_HANDLER's)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, RateLimited):
            return rate_limited_response(request, exception.retry_after)
        if isinstance(exception, UnreadablePostError):
            return request_timeout_response(request)
        if isinstance(exception, OperationalError | InterfaceError) and _database_unreachable():
            logger.error("database unavailable: %s", type(exception).__name__)
            return service_unavailable_response(request)
        return page_exception_response(request, exception)


def _database_unreachable() -> bool:
    """Whether the database is down (as opposed to a failing query, which is a bug: 500).

    Probes with a separate connection, so the request's own connection (and any transaction
    on it) is left as it is."""
    probe = connections.create_connection("default")
    try:
        probe.ensure_connection()
    except DatabaseError:
        return True
    finally:
        probe.close()
    return False
