"""Security headers and the strict CSP on every page type (SPEC §7), and no inline script
anywhere: every template is scanned, and every page the URLconf serves is rendered and scanned
(a new page without a place in `PAGES` fails the coverage test)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from connections.models import Connection
from connections.tests.factories import InvitationFactory, TagFactory, connect
from social import services
from social.tests.factories import PASSWORD, UserFactory
from social.tests.helpers import upload
from social.tests.mfa import add_passkey, enable_totp

ROOT = Path(__file__).resolve().parents[2]

SPEC_HEADERS = {
    "Content-Security-Policy",
    "Strict-Transport-Security",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "Cross-Origin-Opener-Policy",
}


class InlineCode(HTMLParser):
    """Collects what a strict CSP (script-src 'self', style-src 'self') would block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:…>")
            if name == "style":
                self.problems.append(f"<{tag} style=…> inline style")
        if tag == "script":
            if (attributes.get("type") or "").strip().lower() == "application/json":
                pass  # a data block (json_script, allauth's script settings): never executed
            elif "src" not in attributes:
                self._in_inline_script = True
                self.problems.append("<script> without src")
            elif not re.match(r"^/(?!/)", attributes["src"]):  # same origin only
                self.problems.append(f"<script src={attributes['src']}> from elsewhere")
        if tag == "style":
            self.problems.append("<style> element")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.problems


def _page_templates() -> list[Path]:
    """Every template a browser renders (emails are not pages: no CSP applies there)."""
    folders = [ROOT / "templates"]
    return sorted(
        path
        for folder in folders
        for path in folder.rglob("*.html")
        if "email" not in path.relative_to(folder).parts
    )


def test_the_scanner_finds_what_csp_blocks():
    assert inline_code("<script>alert(1)</script>") == ["<script> without src"]
    assert inline_code('<a href="#" onclick="x()">a</a>') == ["<a onclick=…> event handler"]
    assert inline_code('<a href="javascript:x()">a</a>') == ["<a href=javascript:…>"]
    assert inline_code('<p style="color:red">a</p>') == ["<p style=…> inline style"]
    assert inline_code('<script src="https://cdn.example/x.js"></script>') == [
        "<script src=https://cdn.example/x.js> from elsewhere"
    ]
    assert inline_code('<script src="/static/js/site.js" defer></script>') == []
    # Data for a script, which the browser does not run: json_script's, allauth's settings.
    assert inline_code('<script id="d" type="application/json">{"a": 1}</script>') == []
    assert inline_code('<script type="text/javascript">x()</script>') == ["<script> without src"]
    assert inline_code('<script type="module">x()</script>') == ["<script> without src"]


@pytest.mark.parametrize("path", _page_templates(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_template_has_inline_script_or_style(path):
    # Template tags are not HTML: drop them so that the parser sees only the markup.
    source = path.read_text(encoding="utf-8")
    source = re.sub(r"{%\s*static\s.*?%}", "/static/file", source, flags=re.S)
    source = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", "", source, flags=re.S)
    assert inline_code(source) == []


# --- Every page, rendered ------------------------------------------------------------------------


def _routes(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


# Page routes (GET) → the URL to render, from the `world` below. Routes that are not pages:
NOT_PAGES = (
    "api/",  # JSON (headers checked below on a sample)
    "admin/",  # the Django admin: its login page is checked; the rest is staff-only
    "accounts/",  # django-allauth: every one of its pages without a key is rendered below
    "health/",
    "metrics",
    "posts/<int:pk>/delete/",  # POST-only actions below: no page of their own
    "posts/<int:pk>/comments/",
    "comments/<int:pk>/delete/",
    "photos/<int:pk>/<str:variant>/",  # images
    "people/<str:username>/avatar/",
    "settings/export/",
    "settings/export/<int:pk>/",  # a zip download
    "settings/delete/",
    "people/requests/",
    "people/<str:username>/connect/",
    "people/<str:username>/remove/",
    "people/<str:username>/block/",
    "people/<str:username>/unblock/",
    "invitations/",
    "invite/<str:token>/",  # redirects to sign-up
    "tags/new/",
    "tags/<int:pk>/",
    "digest/unsubscribe/<str:token>/",  # POST confirms; GET is rendered below
    "notifications/unsubscribe/<str:token>/",  # the same
    "notifications/<int:pk>/",  # marks it read and redirects to what it is about
    "notifications/read/",  # POST-only actions below
    "settings/notifications/",
    "people/<str:username>/mute/",
    "people/<str:username>/unmute/",
)

PAGES = {
    "": "/",
    "feed/": "/feed/",
    "posts/new/": "/posts/new/",
    "posts/<int:pk>/": "/posts/{post}/",
    "posts/<int:pk>/edit/": "/posts/{post}/edit/",
    "settings/": "/settings/",
    "people/": "/people/",
    "people/<str:username>/": "/people/{friend}/",
    "tags/": "/tags/",
    "digest/": "/digest/",
    "digest/<str:week>/": "/digest/2026-W05/",
    "notifications/": "/notifications/",
    "search/": "/search/?q=moment",
}

EXTRA_PAGES = [
    "/digest/unsubscribe/{unsubscribe}/",
    "/notifications/unsubscribe/{notifications_unsubscribe}/",
    "/no/such/page/",  # 404
    "/feed/?cursor=not-a-cursor",  # 400
    "/digest/not-a-week/",  # 400
    "/search/?q=x",  # 400: too short
    "/admin/login/",
    "/api/docs/",
]

ANONYMOUS_PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/confirm-email/",
    "/invite/{invitation}/",
    "/no/such/page/",
]


def test_every_page_route_is_rendered_here():
    routes = set(_routes(get_resolver().url_patterns))
    unplaced = sorted(
        route
        for route in routes
        if route not in PAGES and not any(route.startswith(prefix) for prefix in NOT_PAGES)
    )
    assert unplaced == [], f"render these pages in PAGES (or list them in NOT_PAGES): {unplaced}"


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    from digest.tokens import unsubscribe_token
    from social.tokens import NOTIFICATIONS_SALT, person_token

    me, friend = UserFactory(username="viewer"), UserFactory(username="friendly")
    connect(me, friend)
    connect(me, UserFactory(), status=Connection.Status.PENDING)
    TagFactory(owner=me, name="close")
    with django_capture_on_commit_callbacks(execute=True):
        post = services.post_create(author=me, body="hello <b>there</b>", photos=[upload()])
    with django_capture_on_commit_callbacks(execute=True):  # and its notification
        services.comment_create(author=friend, post_id=post.pk, body="hi")
    return {
        "me": me,
        "post": post.pk,
        "friend": friend.username,
        "unsubscribe": unsubscribe_token(me),
        "notifications_unsubscribe": person_token(me, salt=NOTIFICATIONS_SALT),
        "invitation": InvitationFactory(inviter=friend).token,
    }


def _check(response, url):
    missing = SPEC_HEADERS - {name for name in SPEC_HEADERS if response.has_header(name)}
    assert missing == set(), (url, missing)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = dict(
        (part.strip().split(" ", 1) + [""])[:2]
        for part in response["Content-Security-Policy"].split(";")
    )
    assert csp["script-src"] == "'self'", url
    assert "unsafe-inline" not in csp["script-src"] and "unsafe-eval" not in csp["script-src"]
    assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
    if not url.startswith("/api/docs/"):
        assert csp["style-src"] == "'self'", url
    if response["Content-Type"].startswith("text/html"):
        problems = inline_code(response.content.decode())
        if url.startswith("/api/docs/"):  # Swagger UI styles itself inline (its CSP allows it)
            problems = [problem for problem in problems if "style" not in problem]
        assert problems == [], url


def _signed_in(world) -> Client:
    client = Client()
    client.force_login(world["me"])
    return client


@pytest.mark.django_db
def test_every_page_has_the_headers_and_no_inline_code(world, settings):
    settings.RATELIMIT_ENABLE = False
    client = _signed_in(world)
    urls = [url.format(**world) for url in [*PAGES.values(), *EXTRA_PAGES]]
    for url in urls:
        response = client.get(url, secure=True)
        assert response.status_code in (200, 302, 400, 404), (url, response.status_code)
        _check(response, url)
    anonymous = Client()
    for url in ANONYMOUS_PAGES:
        url = url.format(**world)
        response = anonymous.get(url, secure=True)
        _check(response, url)


# Two-factor login (allauth.mfa, SPEC §11): every route under /accounts/2fa/ → what to render,
# for someone with an authenticator app, recovery codes and a passkey who has just confirmed
# their password (allauth asks before anything changes).
TWO_FACTOR_PAGES = {
    "accounts/2fa/": "/accounts/2fa/",
    "accounts/2fa/reauthenticate/": "/accounts/2fa/reauthenticate/",
    "accounts/2fa/totp/deactivate/": "/accounts/2fa/totp/deactivate/",
    "accounts/2fa/recovery-codes/": "/accounts/2fa/recovery-codes/",
    "accounts/2fa/recovery-codes/generate/": "/accounts/2fa/recovery-codes/generate/",
    "accounts/2fa/recovery-codes/download/": "/accounts/2fa/recovery-codes/download/",  # text
    "accounts/2fa/webauthn/": "/accounts/2fa/webauthn/",
    "accounts/2fa/webauthn/add/": "/accounts/2fa/webauthn/add/",
    "accounts/2fa/webauthn/reauthenticate/": "/accounts/2fa/webauthn/reauthenticate/",
    "accounts/2fa/webauthn/keys/<int:pk>/edit/": "/accounts/2fa/webauthn/keys/{passkey}/edit/",
    "accounts/2fa/webauthn/keys/<int:pk>/remove/": (
        "/accounts/2fa/webauthn/keys/{passkey}/remove/"
    ),
    # Redirects when an app is already set up: rendered below for someone without one.
    "accounts/2fa/totp/activate/": "/accounts/2fa/totp/activate/",
    # The second step of logging in: rendered below after a password step.
    "accounts/2fa/authenticate/": "/accounts/2fa/authenticate/",
    # The passkey login: JSON for the login page's script, a redirect otherwise.
    "accounts/2fa/webauthn/login/": "/accounts/2fa/webauthn/login/",
}


def test_every_two_factor_route_is_rendered_here():
    routes = set(_routes(get_resolver().url_patterns))
    two_factor = {route for route in routes if route.startswith("accounts/2fa/")}
    assert two_factor and two_factor == set(TWO_FACTOR_PAGES)


@pytest.mark.django_db
def test_two_factor_pages_have_the_headers_and_no_inline_code(settings):
    settings.RATELIMIT_ENABLE = False
    person = UserFactory(username="guarded")
    enable_totp(person)
    passkey = add_passkey(person, "Phone")
    client = Client()
    client.force_login(person)
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    statuses = {}
    for url in TWO_FACTOR_PAGES.values():
        url = url.format(passkey=passkey.pk)
        response = client.get(url, secure=True)
        statuses[url] = response.status_code
        _check(response, url)
    assert statuses["/accounts/2fa/totp/activate/"] == 302  # → deactivate
    assert statuses["/accounts/2fa/recovery-codes/download/"] == 200
    assert [url for url, status in statuses.items() if status == 200] == [
        url.format(passkey=passkey.pk)
        for route, url in TWO_FACTOR_PAGES.items()
        if route
        not in (
            "accounts/2fa/totp/activate/",
            "accounts/2fa/authenticate/",
            "accounts/2fa/webauthn/login/",
        )
    ]
    # The set-up page (its QR code is a data: image), for someone without an app.
    newcomer = UserFactory()
    client = Client()
    client.force_login(newcomer)
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    response = client.get("/accounts/2fa/totp/activate/", secure=True)
    assert response.status_code == 200
    _check(response, "/accounts/2fa/totp/activate/")
    # The second step of logging in, with its passkey alternative.
    client = Client()
    login = {"login": person.username, "password": PASSWORD}
    assert client.post("/accounts/login/", login, secure=True)["Location"] == (
        "/accounts/2fa/authenticate/"
    )
    response = client.get("/accounts/2fa/authenticate/", secure=True)
    assert response.status_code == 200 and b"mfa_webauthn_authenticate" in response.content
    _check(response, "/accounts/2fa/authenticate/")


@pytest.mark.django_db
def test_error_pages_have_the_headers_and_no_inline_code(world, settings):
    client = _signed_in(world)
    # 403: a form posted without its CSRF token.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world["me"])
    response = strict.post("/posts/new/", {"body": "x"}, secure=True)
    assert response.status_code == 403
    _check(response, "403")
    # 413: a body past the limit.
    response = client.generic(
        "POST", "/settings/", b"x", secure=True, CONTENT_LENGTH=str(100 * 1024 * 1024)
    )
    assert response.status_code == 413
    _check(response, "413")
    # 429: past a rate limit.
    settings.RATELIMITS = {**settings.RATELIMITS, "invitation": "1/h"}
    client.post("/invitations/", secure=True)
    response = client.post("/invitations/", secure=True)
    assert response.status_code == 429
    _check(response, "429")
    # 405
    response = client.get("/settings/delete/", secure=True)
    assert response.status_code == 405
    _check(response, "405")
    # Hostile input: a NUL in the query (400), a control character in the path (404), a URL
    # past MAX_URL_LENGTH (414).
    for url, status in [
        ("/people/?q=%00", 400),
        ("/people/a%01b/", 404),
        ("/people/?q=" + "x" * settings.MAX_URL_LENGTH, 414),
    ]:
        response = client.get(url, secure=True)
        assert response.status_code == status, url
        _check(response, url)


@pytest.mark.django_db
@pytest.mark.urls("intentional.tests.urls_errors")
def test_the_500_page_has_the_headers_and_no_inline_code(world):
    client = _signed_in(world)
    client.raise_request_exception = False
    response = client.get("/boom/", secure=True)
    assert response.status_code == 500
    _check(response, "500")
    assert "secret internal detail" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/api/v1/me/", "/api/v1/feed/", "/api/schema/", "/health/", "/api/v1/posts/999/"]
)
def test_api_and_operations_responses_have_the_headers(world, url):
    client = _signed_in(world)
    _check(client.get(url, secure=True), url)


@pytest.mark.django_db
def test_cookies_set_by_login_are_secure_httponly_and_samesite(settings, user):
    from social.tests.factories import PASSWORD

    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True  # production values
    client = Client(enforce_csrf_checks=False)
    page = client.get("/accounts/login/", secure=True)
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    response = client.post(
        "/accounts/login/", {"login": user.username, "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302
    session = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


# --- Stored XSS: every text a person types, on every page that shows it -------------------------

XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


@pytest.fixture
def hostile(db, django_capture_on_commit_callbacks):
    """Every field a person types holds markup, including an uploaded file's name."""
    author = UserFactory(username="hostile", display_name=XSS, bio=XSS * 3)
    reader = UserFactory(username="reader", display_name=XSS)
    connect(author, reader)
    tag = TagFactory(owner=author, name="<img src=x onerror=alert(4)>")
    from connections.tests.factories import TagMembershipFactory

    TagMembershipFactory(tag=tag, target=reader)
    photo = upload(name='"><img src=x onerror=alert(3)>.jpg')
    with django_capture_on_commit_callbacks(execute=True):
        post = services.post_create(
            author=author,
            body=XSS + '\nhttp://example.com/<x>?a=1&b="2"',
            audience="tags",
            audience_tags=[tag],
            is_milestone=True,
            photos=[photo],
        )
        services.user_set_avatar(user=author, upload=upload(name="<svg onload=alert(5)>.jpg"))
    services.comment_create(author=reader, post_id=post.pk, body=XSS)
    return {"author": author, "reader": reader, "post": post}


def test_no_stored_xss_on_any_page(hostile, settings):
    from digest.weeks import week_current

    settings.RATELIMIT_ENABLE = False
    week = week_current("UTC")
    post = hostile["post"]
    urls = {
        "author": [
            "/feed/",
            f"/posts/{post.pk}/",
            f"/posts/{post.pk}/edit/",
            "/people/",
            "/people/reader/",
            "/tags/",
            "/settings/",
        ],
        "reader": [
            "/feed/",
            f"/posts/{post.pk}/",
            "/people/",
            "/people/hostile/",
            f"/digest/{week}/",
        ],
    }
    for who, pages in urls.items():
        client = Client()
        client.force_login(hostile[who])
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert inline_code(html) == [], url
            # Parsed as HTML, nothing runs (above); and no raw tag of the payload survives.
            assert "<script>alert" not in html and "<img src=x" not in html, url
    # The payload is on the pages, escaped: the checks above are not vacuous.
    client = Client()
    client.force_login(hostile["reader"])
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(f"/posts/{post.pk}/").content.decode()
    )


def test_no_stored_xss_in_the_api_body_html(hostile):
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(hostile['reader']).access_token}"
    )
    post = api.get(f"/api/v1/posts/{hostile['post'].pk}/").json()
    assert post["body"].startswith(XSS)  # stored as typed
    assert inline_code(post["body_html"]) == []
    assert "<script" not in post["body_html"] and "<img" not in post["body_html"]
    assert 'rel="nofollow noopener"' in post["body_html"]
    [comment] = api.get(f"/api/v1/posts/{hostile['post'].pk}/comments/").json()["results"]
    assert inline_code(comment["body_html"]) == [] and "<script" not in comment["body_html"]
    for photo in post["photos"]:
        assert "onerror" not in photo["url"] and "onerror" not in photo["thumbnail_url"]
