"""Every API error has the shape `{"error": {"type", "message", "fields"?}}` with the right
status (SPEC §6), and pages get friendly error pages. One test per status."""

import json

import pytest
from rest_framework.test import APIClient

from social.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _error(response, status: int, type_: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["type"] == type_
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert set(body["error"]) <= {"type", "message", "fields"}
    return body["error"]


def test_400_validation_error_has_fields(api_client):
    response = api_client.post("/api/v1/auth/register/", {"email": "x"}, format="json")
    error = _error(response, 400, "validation_error")
    assert set(error["fields"]) == {"email", "username", "password"}
    assert all(isinstance(messages, list) for messages in error["fields"].values())


def test_400_malformed_json(api_client):
    response = api_client.post(
        "/api/v1/auth/token/", data="{not json", content_type="application/json"
    )
    _error(response, 400, "parse_error")


def test_401_not_authenticated(api_client):
    response = api_client.get("/api/v1/me/")
    _error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_401_bad_token(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    _error(api_client.get("/api/v1/me/"), 401, "not_authenticated")


def test_403_permission_denied_session_without_csrf(user):
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username=user.username, password=PASSWORD)
    response = client.patch("/api/v1/me/", {"bio": "x"}, format="json")
    _error(response, 403, "permission_denied")


def test_404_unknown_api_path(api_client):
    _error(api_client.get("/api/v1/no/such/thing/"), 404, "not_found")
    _error(api_client.get("/api/nothing"), 404, "not_found")


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-thing/", "/api/v2/feed/", "/api/", "/api/v1/me/extra/", "/api/x"]
)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_404_unknown_api_route_is_json_whatever_debug(auth_api, settings, debug, path, method):
    """`make run` serves the API with DEBUG on: no HTML 404 page under /api/ even then."""
    settings.DEBUG = debug
    response = auth_api.generic(method, path)
    error = _error(response, 404, "not_found")
    assert error["message"] == "Not found."


@pytest.mark.parametrize("debug", [True, False])
def test_405_method_not_allowed(auth_api, settings, debug):
    settings.DEBUG = debug
    response = auth_api.delete("/api/v1/auth/token/")
    _error(response, 405, "method_not_allowed")
    assert response["Allow"]
    _error(auth_api.put("/api/v1/feed/"), 405, "method_not_allowed")


def test_413_payload_too_large(auth_api):
    response = auth_api.generic(
        "PATCH",
        "/api/v1/me/",
        data=b'{"bio": "' + b"x" * (2 * 1024 * 1024) + b'"}',
        content_type="application/json",
    )
    _error(response, 413, "payload_too_large")


def test_415_unsupported_media_type(auth_api):
    response = auth_api.generic(
        "PATCH", "/api/v1/me/", data=b"<bio>x</bio>", content_type="application/xml"
    )
    _error(response, 415, "unsupported_media_type")


def test_429_rate_limited_with_retry_after(api_client, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "register": "1/h"}
    payload = {"email": "a@example.com", "username": "first", "password": "long pass phrase 1"}
    assert api_client.post("/api/v1/auth/register/", payload, format="json").status_code == 201
    payload = {"email": "b@example.com", "username": "second", "password": "long pass phrase 1"}
    response = api_client.post("/api/v1/auth/register/", payload, format="json")
    _error(response, 429, "rate_limited")
    assert 1 <= int(response["Retry-After"]) <= 3600


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.urls("intentional.tests.urls_errors")
def test_500_server_error_without_internals(auth_api, settings, debug):
    """With DEBUG on too: an API client gets JSON, the traceback goes to the log."""
    settings.DEBUG = debug
    auth_api.raise_request_exception = False
    response = auth_api.get("/api/v1/boom/")
    _error(response, 500, "server_error")
    assert b"secret" not in response.content and b"Traceback" not in response.content


@pytest.mark.parametrize("debug", [True, False])
def test_400_bad_host_is_json_under_the_api(api_client, settings, debug):
    settings.DEBUG = debug
    settings.ALLOWED_HOSTS = ["testserver"]
    response = api_client.get("/api/v1/me/", HTTP_HOST="evil.example")
    _error(response, 400, "bad_request")


@pytest.mark.parametrize(
    "exc",
    [
        "NotFound({'detail': 'Gone away.', 'code': 'gone'})",
        "PermissionDenied(['Gone away.', 'And more.'])",
        "APIException({'thing': ['Gone away.']})",
        "AuthenticationFailed({'detail': 'Gone away.', 'messages': [{'a': 'b'}]})",
    ],
)
def test_no_exception_detail_is_shown_as_a_python_repr(exc):
    from rest_framework import exceptions

    from intentional.errors import exception_handler

    response = exception_handler(eval(exc, vars(exceptions)), {})  # noqa: S307
    message = json.loads(response.content)["error"]["message"]
    assert message in ("Gone away.", "thing: Gone away.")


# --- Pages -----------------------------------------------------------------------------------


def test_page_404_is_friendly(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "Nothing here" in response.content.decode()


@pytest.mark.urls("intentional.tests.urls_errors")
def test_page_500_is_friendly_without_internals(client):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "secret" not in html and "Traceback" not in html


def test_page_403_csrf_failure_is_friendly(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert response.status_code == 403
    assert "can't do that" in response.content.decode()


def test_page_413_is_friendly(client):
    response = client.generic(
        "POST", "/accounts/login/", data=b"x" * (1024 * 1024 + 1), content_type="text/plain"
    )
    assert response.status_code == 413
    assert "too much" in response.content.decode()
