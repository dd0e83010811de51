"""Protection that belongs to the base (SPEC §7): production settings, security headers,
rate limits on login / token / registration, the client address behind proxies, body limits."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from social.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-" + "a8Zq7!pX2@vR9#mL4$wT6%yB1^cN5&dF0*" * 2,
    "ALLOWED_HOSTS": "intentional.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://intentional.example.com",
    "DATABASE_URL": "postgres://intentional@127.0.0.1:5432/intentional",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "TRUSTED_PROXY_COUNT": "1",
}


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    # Nothing of this test process's settings (test.py sets some variables) may leak in.
    inherited = ("DJANGO_", "DATABASE_", "SECURE_", "SECRET_KEY", "DEBUG", "REDIS_URL")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "intentional.settings.base", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_production_settings_pass_check_deploy_without_any_warning():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.slow
def test_production_refuses_to_start_without_secret_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.slow
def test_production_cookies_are_secure():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = _manage("shell", "--verbosity", "0", "-c", code, env=PRODUCTION_ENV)
    assert result.stdout.split() == ["True"] * 5, result.stderr


SPEC_HEADERS = [
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "Cross-Origin-Opener-Policy",
]


@pytest.mark.parametrize(
    "url", ["/", "/accounts/login/", "/api/v1/me/", "/no/such/page/", "/health/", "/api/docs/"]
)
def test_security_headers_on_every_response(client, url):
    response = client.get(url, secure=True)
    for header in SPEC_HEADERS:
        assert response.has_header(header), (url, header)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    csp = response["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert script_src.split()[1:] == ["'self'"]  # no inline script, no other origin
    assert "frame-ancestors 'none'" in csp


def _assert_spec_headers(response):
    for header in SPEC_HEADERS:
        assert response.has_header(header), header
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_security_headers_on_a_static_file(settings):
    """WhiteNoise answers static files before the rest of the middleware runs."""
    from django.test import Client

    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get("/static/js/site.js", secure=True)  # a new handler: new settings
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    _assert_spec_headers(response)


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/api/v1/me/", "/static/js/site.js"])
@pytest.mark.parametrize("ssl_redirect", [False, True])
def test_security_headers_on_a_bad_host_400(client, settings, url, ssl_redirect):
    settings.ALLOWED_HOSTS = ["intentional.example.com"]
    settings.SECURE_SSL_REDIRECT = ssl_redirect
    response = client.get(url, HTTP_HOST="evil.example", secure=not ssl_redirect)
    assert response.status_code == 400
    _assert_spec_headers(response)


def test_pages_have_no_inline_script(client, user):
    client.force_login(user)
    for url in ["/", "/accounts/login/", "/settings/", "/feed/"]:
        html = client.get(url, follow=True).content.decode()
        assert "<script>" not in html and " onclick=" not in html, url


# --- Rate limits ---------------------------------------------------------------------------


def test_eleventh_login_within_a_minute_from_one_ip_is_429(client, user):
    for attempt in range(10):
        response = client.post(
            "/accounts/login/",
            {"login": f"someone{attempt}", "password": "wrong"},
            REMOTE_ADDR="198.51.100.7",
        )
        assert response.status_code == 200, attempt
    response = client.post(
        "/accounts/login/",
        {"login": user.username, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Too many tries" in response.content.decode()
    # Another address is not affected.
    other = client.post(
        "/accounts/login/", {"login": user.username, "password": PASSWORD}, REMOTE_ADDR="192.0.2.1"
    )
    assert other.status_code == 302


def test_login_is_limited_per_account_across_addresses(client, user):
    for attempt in range(10):
        client.post(
            "/accounts/login/",
            {"login": user.username.upper(), "password": "wrong"},
            REMOTE_ADDR=f"198.51.100.{attempt + 1}",
        )
    response = client.post(
        "/accounts/login/", {"login": user.username, "password": PASSWORD}, REMOTE_ADDR="192.0.2.50"
    )
    assert response.status_code == 429


def test_eleventh_token_request_is_429(api_client, user):
    for _ in range(10):
        api_client.post(
            "/api/v1/auth/token/", {"login": user.username, "password": "wrong"}, format="json"
        )
    response = api_client.post(
        "/api/v1/auth/token/", {"login": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 429
    assert response.json()["error"]["type"] == "rate_limited"
    assert int(response["Retry-After"]) >= 1


def test_sixth_registration_within_an_hour_is_429(client):
    for n in range(5):
        client.post("/accounts/signup/", {"email": f"x{n}@example.com"}, REMOTE_ADDR="203.0.113.3")
    response = client.post("/accounts/signup/", {}, REMOTE_ADDR="203.0.113.3")
    assert response.status_code == 429
    assert int(response["Retry-After"]) <= 3600


def test_rate_limits_can_be_turned_off(client, settings, user):
    settings.RATELIMIT_ENABLE = False
    for _ in range(12):
        response = client.post("/accounts/login/", {"login": user.username, "password": "no"})
    assert response.status_code == 200


def test_forged_forwarded_for_cannot_evade_the_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(10):
        client.post(
            "/accounts/login/",
            {"login": f"someone{n}", "password": "wrong"},
            REMOTE_ADDR="10.0.0.2",  # the proxy
            # The client forges a new address each time; the proxy appends the real one.
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.77",
        )
    response = client.post(
        "/accounts/login/",
        {"login": "someone-else", "password": "wrong"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.200, 198.51.100.77",
    )
    assert response.status_code == 429


def test_without_trusted_proxies_forwarded_for_is_ignored(rf, settings):
    from intentional.clientip import client_ip

    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(request) == "198.51.100.1"
    settings.TRUSTED_PROXY_COUNT = 2
    request = rf.get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.5, 10.0.0.9"
    )
    assert client_ip(request) == "198.51.100.5"
    # A request that skipped a proxy (too few hops) falls back to the socket address.
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert client_ip(request) == "10.0.0.1"


# --- Request bodies --------------------------------------------------------------------------


def test_a_2_mb_json_body_is_413(auth_api):
    body = b'{"bio": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = auth_api.generic("PATCH", "/api/v1/me/", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["type"] == "payload_too_large"


def test_an_oversized_upload_is_refused_from_its_content_length(client, user):
    """A 50 MB multipart request is refused before its body is read."""
    from django.test.client import FakePayload

    client.force_login(user)

    class Unreadable(FakePayload):
        def read(self, *args, **kwargs):
            raise AssertionError("the body must not be read")

    payload = Unreadable(b"")
    response = client.generic(
        "POST",
        "/settings/",
        data=b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
        **{"wsgi.input": payload},
    )
    assert response.status_code == 413


def test_an_upload_whose_body_stops_arriving_is_408_not_500(auth_api):
    """The body read timed out (intentional.runtime.body_read_timeout) or the client went away:
    a 408 in the API's error shape, not a server error."""
    from django.test.client import FakePayload

    class Stalled(FakePayload):
        def read(self, *args, **kwargs):
            raise TimeoutError("timed out")

    response = auth_api.generic(
        "POST",
        "/api/v1/posts/",
        data=b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH="40000000",
        **{"wsgi.input": Stalled(b"")},
    )
    assert response.status_code == 408
    assert response.json()["error"]["type"] == "request_timeout"


def test_body_reads_time_out_and_a_stalled_client_is_let_go(settings):
    """Under gunicorn (`gunicorn.socket`), reads of the body wait at most
    REQUEST_BODY_TIMEOUT; after a stall the read side is shut, so closing does not linger;
    the response is written without the timeout. A real socket pair stands in for gunicorn."""
    import socket

    from intentional.runtime import body_read_timeout

    settings.REQUEST_BODY_TIMEOUT = 0.05
    server, client = socket.socketpair()
    client.sendall(b"part of a body")
    seen = {}

    class Body:
        def read(self, size=-1):
            return server.recv(size)

    def application(environ, start_response):
        seen["timeout"] = server.gettimeout()
        seen["first"] = environ["wsgi.input"].read(1024)
        with pytest.raises(TimeoutError):
            environ["wsgi.input"].read(1024)
        start_response("408 Request Timeout", [])
        return [b""]

    with server, client:
        wrapped = body_read_timeout(application)
        wrapped({"gunicorn.socket": server, "wsgi.input": Body()}, lambda *args: None)
        assert seen == {"timeout": 0.05, "first": b"part of a body"}
        assert server.gettimeout() is None
        # Read side shut: a read finds the end at once, though the client never closed (the
        # timeout only turns a regression into a failure instead of a hang).
        server.settimeout(5)
        assert server.recv(1) == b""

    # Without gunicorn (the test client, runserver) the application is called as it is.
    assert body_read_timeout(lambda environ, start: [b"ok"])({}, None) == [b"ok"]
