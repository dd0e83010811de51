"""Hostile input answers a clear 4xx, never a 500 (SPEC §6, §7): a NUL or another control
character in a path, a query string, a form field or a cookie (PostgreSQL refuses NUL in a
string, so these fail there, not on SQLite: CI runs them on PostgreSQL), JSON nested too deeply,
bodies that are not JSON objects, wrong content types, overlong URLs.

Every route of the authorization sweep's table is tried, as the owner of the objects so that
each request reaches as far into the view as it can.
"""

import pytest
from django.urls import get_resolver
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from intentional.tests.test_authorization_sweep import SWEEP, Case, _request, world  # noqa: F401

pytestmark = pytest.mark.django_db

NUL = "a\x00b"
# The placeholders of SWEEP's URLs that are free text (the others are integer ids).
TEXT_PLACEHOLDERS = ("owner", "member", "week", "token")

NUL_CASES = [
    pytest.param(case, id=f"{case.method} {case.url}")
    for cases in SWEEP.values()
    for case in cases
    if any("{" + name + "}" in case.url for name in TEXT_PLACEHOLDERS)
] + [
    pytest.param(Case("GET", "/digest/unsubscribe/{token}/"), id="GET unsubscribe"),
    pytest.param(Case("POST", "/digest/unsubscribe/{token}/"), id="POST unsubscribe"),
    pytest.param(Case("GET", "/people/{owner}/", data={}), id="GET profile"),
    pytest.param(Case("GET", "/static/{owner}.css"), id="GET static"),
]


def _owner_client(world, url: str):  # noqa: F811
    if url.startswith("{api}"):
        client = APIClient()
        token = RefreshToken.for_user(world["owner"]).access_token
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client
    client = APIClient()  # a Django test client with the API client's methods
    client.force_login(world["owner"])
    return client


def _assert_404(response, *, api: bool):
    assert response.status_code == 404, response.content[:300]
    if api:
        assert response.json()["error"]["type"] == "not_found"
    else:
        assert response["Content-Type"].startswith("text/html")
        assert "Nothing here" in response.content.decode()


@pytest.mark.parametrize("control", ["\x00", "\x01", "\x1f", "\x7f"])
@pytest.mark.parametrize("case", NUL_CASES)
def test_a_control_character_in_the_path_is_404(case, control, world, settings):  # noqa: F811
    settings.RATELIMIT_ENABLE = False
    values = {
        **world["ids"],
        **{name: NUL.replace("\x00", control) for name in TEXT_PLACEHOLDERS},
    }
    client = _owner_client(world, case.url)
    response = _request(client, case, values)
    _assert_404(response, api=case.url.startswith("{api}"))


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/posts/?author={nul}",
        "/api/v1/posts/?author={owner}&cursor={nul}",
        "/api/v1/feed/?cursor={nul}",
        "/api/v1/feed/?page_size={nul}",
        "/api/v1/posts/{post}/comments/?cursor={nul}",
        "/api/v1/connections/requests/?direction={nul}",
        "/api/v1/connections/requests/?cursor={nul}",
        "/api/v1/blocks/?cursor={nul}",
        "/api/v1/tags/?cursor={nul}",
        "/api/v1/invitations/?cursor={nul}",
        "/api/v1/me/?{nul}=1",
        "/feed/?cursor={nul}",
        "/people/?q={nul}",
        "/people/{owner}/?cursor={nul}",
        "/photos/{photo}/display/?t={nul}",
        "/digest/?week={nul}",
        "/accounts/login/?next={nul}",
    ],
)
def test_a_nul_in_the_query_string_is_400(url, world):  # noqa: F811
    url = url.format(**world["ids"], nul="%00")
    client = _owner_client(world, "{api}" if url.startswith("/api/") else "")
    response = client.get(url)
    assert response.status_code == 400, response.content[:300]
    if url.startswith("/api/"):
        assert response.json()["error"]["type"] == "bad_request"
    else:
        assert "didn't make sense" in response.content.decode()


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/tags/{tag}/members/", {"username": NUL}),
        ("/tags/{tag}/members/", {"username": "{member}", "back": NUL}),
        ("/people/requests/{request}/accept/", {"username": NUL, "back": "profile"}),
        ("/people/requests/{request}/decline/", {"username": NUL, "back": "profile"}),
        ("/people/{member}/remove/", {"back": NUL}),
        ("/tags/new/", {"name": NUL}),
        ("/posts/new/", {"body": NUL, "audience": "connections"}),
        ("/accounts/login/", {"login": NUL, "password": "x"}),
    ],
)
@pytest.mark.parametrize("content", ["urlencoded", "multipart"])
def test_a_nul_in_a_form_field_is_400(url, data, content, world, client):  # noqa: F811
    client.force_login(world["owner"])
    url = url.format(**world["ids"])
    data = {key: value.format(**world["ids"]) for key, value in data.items()}
    if content == "urlencoded":
        from urllib.parse import urlencode

        response = client.post(
            url, urlencode(data), content_type="application/x-www-form-urlencoded"
        )
    else:
        response = client.post(url, data)
    assert response.status_code == 400, response.content[:300]


def test_a_cookie_with_a_nul_is_ignored(world, client):  # noqa: F811
    """A session key with a NUL would reach the session table: the cookie is dropped."""
    client.cookies["sessionid"] = "abcdefgh" + "\x00" + "x" * 24
    response = client.get("/people/")
    assert response.status_code == 302  # to the login page: no session
    api = APIClient()
    api.cookies["sessionid"] = "abcdefgh" + "\x00" + "x" * 24
    assert api.get("/api/v1/me/").status_code == 401


# --- URL length ------------------------------------------------------------------------------


def test_an_overlong_url_is_414_json_under_the_api(auth_api, settings):
    response = auth_api.get("/api/v1/feed/?cursor=" + "x" * settings.MAX_URL_LENGTH)
    assert response.status_code == 414
    assert response.json()["error"]["type"] == "uri_too_long"
    long_path = "/api/v1/users/" + "x" * settings.MAX_URL_LENGTH + "/"
    assert auth_api.get(long_path).json()["error"]["type"] == "uri_too_long"


def test_an_overlong_url_is_a_414_page(client, user, settings):
    client.force_login(user)
    response = client.get("/people/?q=" + "x" * settings.MAX_URL_LENGTH)
    assert response.status_code == 414
    assert "too long" in response.content.decode()
    # Just under the limit is served as usual.
    path = "/people/?q="
    assert client.get(path + "x" * (settings.MAX_URL_LENGTH - len(path))).status_code == 200


def test_gunicorn_reads_request_lines_longer_than_the_apps_limit(settings):
    """The Procfile raises gunicorn's request-line limit (4094 by default) above
    MAX_URL_LENGTH, so a long URL gets the app's 414 instead of gunicorn's own page."""
    from intentional.tests.test_protection import ROOT

    web = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:")
    )
    limit = int(web.split("--limit-request-line ")[1].split()[0])
    # The request line is "METHOD URL HTTP/1.1".
    assert limit >= settings.MAX_URL_LENGTH + len("OPTIONS  HTTP/1.1")


# --- Bodies on every API write endpoint ------------------------------------------------------


def _api_write_endpoints() -> list:
    """(method, URL template) of every API write: SWEEP's parametrized routes and the routes
    without parameters, each with every write method its view has."""
    from intentional.tests.test_authorization_sweep import _routes

    endpoints = set()
    for route, pattern in _routes(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "view_class", None)
        if not route.startswith("api/v1/") or view_class is None:
            continue
        methods = {m.upper() for m in ("post", "put", "patch", "delete") if hasattr(view_class, m)}
        if "<" in route:
            urls = {case.url for case in SWEEP[route]}
        else:
            urls = {"{api}/" + route.removeprefix("api/v1/")}
        endpoints |= {(method, url) for method in methods for url in urls}
    return sorted(endpoints)


DEEP = "[" * 100_000 + "]" * 100_000
HOSTILE_BODIES = [
    ("application/json", DEEP.encode()),
    ("application/json", ('{"body": ' + DEEP + ', "bio": ' + DEEP + "}").encode()),
    ("application/json", b"[]"),
    ("application/json", b'"x"'),
    ("application/json", b"null"),
    ("application/json", b"12345678901234567890123456789"),
    ("application/json", b'{"body": "\xff\xfe", "name": "\xc3("}'),
    ("application/json", b'{"username": "a\\u0000b", "name": "a\\u0000b", "body": "\\u0000"}'),
    ("application/xml", b"<body>x</body>"),
    ("text/plain", b"x"),
]


@pytest.mark.parametrize(("method", "url"), _api_write_endpoints())
def test_hostile_bodies_on_every_api_write_are_4xx_json(method, url, world, settings):  # noqa: F811
    settings.RATELIMIT_ENABLE = False
    client = _owner_client(world, "{api}")
    url = url.format(**world["ids"])
    for content_type, body in HOSTILE_BODIES:
        response = client.generic(method, url, body, content_type=content_type)
        assert response.status_code < 500, (content_type, body[:40], response.content[:300])
        if response.status_code >= 400:
            error = response.json()["error"]
            assert error["message"] and "ErrorDetail" not in error["message"]


def test_there_are_api_write_endpoints_to_try():
    endpoints = _api_write_endpoints()
    assert ("POST", "{api}/posts/") in endpoints and ("PATCH", "{api}/me/") in endpoints
    assert len(endpoints) >= 20


BODY_READING = pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "/api/v1/posts/"),
        ("PATCH", "/api/v1/me/"),
        ("DELETE", "/api/v1/me/"),
        ("POST", "/api/v1/auth/token/"),
        ("POST", "/api/v1/auth/token/refresh/"),
        ("POST", "/api/v1/auth/register/"),
        ("POST", "/api/v1/auth/logout/"),
        ("POST", "/api/v1/connections/requests/"),
        ("POST", "/api/v1/tags/"),
        ("POST", "/api/v1/blocks/"),
    ],
)


@BODY_READING
@pytest.mark.parametrize("content_type", ["application/xml", "text/plain", "application/x-yaml"])
def test_a_body_of_another_content_type_is_415(method, url, content_type, auth_api):
    response = auth_api.generic(method, url, b"body: x", content_type=content_type)
    assert response.status_code == 415, response.content[:300]
    assert response.json()["error"]["type"] == "unsupported_media_type"


@BODY_READING
@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_json_nested_too_deeply_is_a_400_parse_error(method, url, depth, auth_api):
    body = '{"body": ' + "[" * depth + "]" * depth + "}"
    response = auth_api.generic(method, url, body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert error == {"type": "parse_error", "message": "The JSON is nested too deeply."}


# --- Other input that once could have reached a query as it was -------------------------------

HUGE = "9" * 30  # past PostgreSQL's bigint


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("get", f"/api/v1/posts/{HUGE}/", 404),
        ("patch", f"/api/v1/posts/{HUGE}/", 404),
        ("post", f"/api/v1/posts/{HUGE}/comments/", 404),
        ("delete", f"/api/v1/comments/{HUGE}/", 404),
        ("post", f"/api/v1/connections/requests/{HUGE}/accept/", 404),
        ("put", f"/api/v1/tags/{HUGE}/members/{{member}}/", 404),
        ("get", f"/api/v1/feed/?page_size={HUGE}", 400),
        ("get", f"/api/v1/digest/{HUGE}-W01/", 400),
        ("get", "/api/v1/users/%ff%fe/", 404),
        ("get", "/api/v1/feed/?cursor=%ff%fe", 400),
        ("get", f"/posts/{HUGE}/", 404),
        ("get", f"/photos/{HUGE}/display/", 404),
        ("get", f"/photos/{{photo}}/display/?t={HUGE}", 404),
        ("get", f"/settings/export/{HUGE}/", 404),
        ("get", f"/digest/{HUGE}-W01/", 400),
        ("get", "/people/%ff/", 404),
        ("get", "/people/?q=%ff%fe", 200),
    ],
)
def test_huge_numbers_and_broken_utf8_are_never_a_500(method, url, status, world):  # noqa: F811
    client = _owner_client(world, "{api}" if url.startswith("/api/") else "")
    url = url.format(**world["ids"])
    data = {"body": "x"} if method in ("patch", "post", "put") else None
    response = getattr(client, method)(url, data, format="json")
    assert response.status_code == status, response.content[:300]
