"""Errors in one shape: JSON `{"error": {"type", "message", "fields"?}}` for the API (SPEC §6),
friendly pages for the browser. Nothing internal (stack, SQL, paths) is ever shown.

Services speak the domain (STYLE.md "Errors"): `ValidationError` (bad input, by field),
`ObjectDoesNotExist` (nothing the caller may see: hidden and missing alike), `PermissionDenied`
(seen but not theirs to change), `Unavailable` (a part we depend on is down),
`AuthenticationRefused` (a sign-in that needs more than it was given). Two places turn them
into answers: `exception_handler` (DRF's EXCEPTION_HANDLER) for the API, and
`page_exception_response` (intentional.middleware.ExceptionAnswersMiddleware) for pages."""

import logging

from django.contrib import messages as page_messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import resolve
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext
from rest_framework import exceptions as drf
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework_simplejwt.exceptions import InvalidToken

from intentional.api import api_person_language
from intentional.ratelimit import RateLimited

logger = logging.getLogger(__name__)


class Unavailable(Exception):
    """A part the service depends on (e.g. photo storage) failed: nothing was changed. The API
    answers 503 with `error_type` and Retry-After."""

    error_type = "service_unavailable"
    retry_after = 30


class AuthenticationRefused(Exception):
    """Credentials were checked and are not enough to sign in (e.g. a second factor is
    missing or wrong): the API answers 401 with `error_type` and the message."""

    error_type = "not_authenticated"


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def error_json(status: int, type_: str, message: str, fields=None, headers=None) -> JsonResponse:
    """The API's error response."""
    error = {"type": type_, "message": str(message)}
    if fields is not None:
        error["fields"] = fields
    response = JsonResponse({"error": error}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field_messages(detail) -> dict:
    """DRF's nested ValidationError detail as `{field: [message, ...]}`."""
    if isinstance(detail, dict):
        return {
            key: _flatten(value) if not isinstance(value, dict) else _field_messages(value)
            for key, value in detail.items()
        }
    return {"non_field_errors": _flatten(detail)}


def _flatten(detail) -> list:
    if isinstance(detail, list):
        out = []
        for item in detail:
            out.extend(_flatten(item) if isinstance(item, list | dict) else [str(item)])
        return out
    if isinstance(detail, dict):
        return [f"{key}: {msg}" for key, value in detail.items() for msg in _flatten(value)]
    return [str(detail)]


def _first_message(fields: dict) -> str:
    for key, messages in fields.items():
        if isinstance(messages, dict):
            return _first_message(messages)
        if messages:
            return messages[0] if key == "non_field_errors" else f"{key}: {messages[0]}"
    return _("The request is invalid.")


# DRF exception class → (status, error type); checked in order, the first match wins.
_DRF_TYPES = [
    (drf.NotAuthenticated, 401, "not_authenticated"),
    (drf.AuthenticationFailed, 401, "not_authenticated"),
    (drf.PermissionDenied, 403, "permission_denied"),
    (drf.NotFound, 404, "not_found"),
    (drf.MethodNotAllowed, 405, "method_not_allowed"),
    (drf.NotAcceptable, 406, "not_acceptable"),
    (drf.UnsupportedMediaType, 415, "unsupported_media_type"),
    (drf.ParseError, 400, "parse_error"),
]


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every API error in the shape of SPEC §6."""
    if isinstance(exc, RateLimited):
        return _rate_limited_json(exc.retry_after)
    if isinstance(exc, RequestDataTooBig):
        return error_json(413, "payload_too_large", _("The request body is too large."))
    if isinstance(exc, DjangoValidationError):
        return _validation_error_json(exc)
    if isinstance(exc, Unavailable):
        return error_json(
            503, exc.error_type, str(exc), headers={"Retry-After": str(exc.retry_after)}
        )
    if isinstance(exc, AuthenticationRefused):
        return error_json(401, exc.error_type, str(exc))
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        exc = drf.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf.PermissionDenied()
    if isinstance(exc, drf.Throttled):
        return _rate_limited_json(int(exc.wait or 60))
    if isinstance(exc, drf.ValidationError):
        fields = _field_messages(exc.detail)
        return error_json(400, "validation_error", _first_message(fields), fields=fields)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's handler500 answers (server_error)
    status, type_ = response.status_code, "error"
    for cls, cls_status, cls_type in _DRF_TYPES:
        if isinstance(exc, cls):
            status, type_ = cls_status, cls_type
            break
    message = _human_message(exc) if isinstance(exc, drf.APIException) else _("Error.")
    headers = {
        key: value
        for key, value in response.items()
        if key in ("WWW-Authenticate", "Allow", "Retry-After")
    }
    return error_json(status, type_, message, headers=headers)


def _validation_error_json(error: DjangoValidationError) -> JsonResponse:
    """A service's refusal: 400 with its messages by field (`non_field_errors` when it names
    none); 413 when a field's problem is its size (an oversized image)."""
    if hasattr(error, "error_dict"):
        fields = error.message_dict
        for field, items in error.error_dict.items():
            if any(item.code == "too_large" for item in items):
                return error_json(413, "payload_too_large", fields[field][0], fields=fields)
    else:
        fields = {"non_field_errors": error.messages}
    return error_json(400, "validation_error", _first_message(fields), fields=fields)


# simplejwt's refusals, by code, as sentences for a person (its own are terse or a dict).
_AUTH_MESSAGES = {
    "bad_authorization_header": _lazy(
        "The Authorization header must be “Bearer” followed by your access token."
    ),
    "user_not_found": _lazy("This account no longer exists or is disabled."),
    "user_inactive": _lazy("This account no longer exists or is disabled."),
    "password_changed": _lazy("The password changed; log in again."),
}


def _human_message(exc: drf.APIException) -> str:
    """The message of a DRF exception for a person: never the repr of a dict or a list."""
    if isinstance(exc, InvalidToken):  # a bad, expired or wrong-type token, or a failed refresh
        return _("Your session token is invalid or has expired; log in again.")
    detail = exc.detail
    # simplejwt's details are dicts `{detail, code, ...}`; DRF's carry their code.
    code = detail.get("code") if isinstance(detail, dict) else getattr(detail, "code", None)
    if code in _AUTH_MESSAGES:
        return str(_AUTH_MESSAGES[code])
    if isinstance(detail, dict) and "detail" in detail:
        detail = detail["detail"]
    if isinstance(detail, dict | list):
        messages = _flatten(detail)
        return messages[0] if messages else str(exc.default_detail)
    return str(detail)


def _rate_limited_json(retry_after: int) -> JsonResponse:
    return error_json(
        429,
        "rate_limited",
        ngettext(
            "Too many requests. Try again in %(seconds)s second.",
            "Too many requests. Try again in %(seconds)s seconds.",
            retry_after,
        )
        % {"seconds": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


def rate_limited_response(request, retry_after: int):
    """429 for a page or the API, with Retry-After."""
    if is_api(request):
        return _rate_limited_json(retry_after)
    response = render(request, "429.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def payload_too_large_response(request):
    """413, before the body is read (intentional.middleware.RequestSizeLimitMiddleware)."""
    message = _("The request body is too large.")
    if is_api(request):
        return error_json(413, "payload_too_large", message)
    return render(request, "413.html", status=413)


def request_timeout_response(request):
    """408 when the request body stopped arriving (intentional.runtime.body_read_timeout) or
    was cut short; the connection is closed after it."""
    if is_api(request):
        return error_json(408, "request_timeout", _("The request body stopped arriving."))
    return render(request, "408.html", status=408)


def uri_too_long_response(request):
    """414 for a URL longer than MAX_URL_LENGTH (intentional.middleware.HostileInputMiddleware)."""
    if is_api(request):
        return error_json(414, *_API_ERRORS[414])
    return render(request, "414.html", status=414)


def api_error_json(request, response: HttpResponse) -> HttpResponse:
    """Under /api/, the JSON of SPEC §6 in place of an error page Django answered (an unknown
    route, a bad Host, DEBUG's technical pages); any other response as it is."""
    status = response.status_code
    if (
        status < 400
        or not is_api(request)
        or response.get("Content-Type", "").startswith("application/json")
    ):
        return response
    if status >= 500:
        return handler500(request)
    if status in _API_ERRORS:
        json = error_json(status, *_API_ERRORS[status])
    else:
        json = error_json(status, "error", response.reason_phrase)
    for name in ("Allow", "Retry-After", "WWW-Authenticate"):
        if response.has_header(name):
            json[name] = response[name]
    return json


def service_unavailable_response(request):
    """503 while the database is unreachable."""
    if is_api(request):
        return error_json(
            503,
            "service_unavailable",
            _("We can't reach our database right now. Try again in a minute."),
            headers={"Retry-After": "60"},
        )
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = "60"
    return response


# Django's own error answers under /api/, by status: (error type, message).
_API_ERRORS = {
    400: ("bad_request", _lazy("The request could not be understood.")),
    403: ("permission_denied", _lazy("You may not do this.")),
    404: ("not_found", _lazy("Not found.")),
    405: ("method_not_allowed", _lazy("This method is not allowed here.")),
    413: ("payload_too_large", _lazy("The request body is too large.")),
    414: ("uri_too_long", _lazy("The address of the request is too long.")),
}


# --- Pages --------------------------------------------------------------------------------------


def page_exception_response(request, exception):
    """The pages' answer to a service's domain error (ExceptionAnswersMiddleware); None for
    anything else. Nothing the caller may see → the 404 page (exactly like a missing page),
    not theirs to change → 403, a refused action → `refused_response`."""
    if isinstance(exception, ObjectDoesNotExist):
        return handler404(request, exception)
    if isinstance(exception, PermissionDenied):
        return handler403(request, exception)
    if isinstance(exception, DjangoValidationError):
        return refused_response(request, exception)
    return None


def refusals_show_on(request, page) -> None:
    """Where the action being handled shows a refusal: the page at the URL `page` (or that a
    callable returns when asked, after the refusal), answered with 400 and the reason."""
    request.refusal_page = page


def refused_response(request, error: DjangoValidationError):
    """400: the page the action came from (`refusals_show_on`), showing the service's
    messages; without one, the 400 page. A form that shows errors next to its fields catches
    the ValidationError itself (`form_show_refusal`)."""
    page = getattr(request, "refusal_page", None)
    url = page() if callable(page) else page
    if not url:
        return handler400(request, error)
    for message in error.messages:
        page_messages.error(request, message)
    match = resolve(url)
    request.method = "GET"  # the page, as its GET shows it
    response = match.func(request, *match.args, **match.kwargs)
    response.status_code = 400
    return response


def form_show_refusal(form, error: DjangoValidationError) -> int:
    """Show a service's ValidationError next to the form's fields (the form's own errors when
    it names no field of the form); the status to answer: 413 for an oversized file, else 400."""
    status = 400
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            if any(item.code == "too_large" for item in errors):
                status = 413
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
    return status


# Django's handlers (intentional/urls.py): pages get templates, /api/ gets JSON.


def handler400(request, exception=None):
    if isinstance(exception, RequestDataTooBig):
        return payload_too_large_response(request)
    if is_api(request):
        return error_json(400, *_API_ERRORS[400])
    return render(request, "400.html", status=400)


def handler403(request, exception=None):
    if is_api(request):
        return error_json(403, *_API_ERRORS[403])
    return render(request, "403.html", status=403)


def handler404(request, exception=None):
    if is_api(request):
        api_person_language(request)  # no view authenticated them (an unknown route)
        return error_json(404, *_API_ERRORS[404])
    return render(request, "404.html", status=404)


def handler500(request):
    if is_api(request):
        return error_json(500, "server_error", _("Something went wrong on our side."))
    # No RequestContext: the error may have come from a context processor or the database.
    return HttpResponseServerError(loader.get_template("500.html").render())


def csrf_failure(request, reason=""):
    """CSRF failures as a friendly 403 (page) or JSON."""
    return handler403(request)
