"""Sign-up, login, logout and password reset through the pages (django-allauth), and the
API account round-trip (SPEC §6)."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from social.models import User
from social.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _csrf_post(client: Client, url: str, data: dict):
    """GET the page for its CSRF cookie, then POST with the token, like a browser."""
    client.get(url)
    token = client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


@pytest.mark.parametrize("url", ["/", "/accounts/signup/", "/accounts/login/", "/api/docs/"])
def test_public_pages_answer(client, url):
    assert client.get(url).status_code == 200


def test_api_docs_use_local_static_files_only(client):
    html = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert "<script>" not in html  # no inline script: the CSP forbids it


def test_signup_page_creates_account_and_signs_in():
    client = Client(enforce_csrf_checks=True)
    response = _csrf_post(
        client,
        "/accounts/signup/",
        {
            "email": "nora@example.com",
            "username": "nora_b",
            "password1": "a quiet harbour 42",
            "password2": "a quiet harbour 42",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="nora_b")
    assert user.email == "nora@example.com"
    assert user.timezone == "UTC" and user.digest_email_enabled
    # Email verification is optional by default: a verification email goes out, login works.
    assert any("nora@example.com" in message.to for message in mail.outbox)
    assert client.get("/settings/").status_code == 200


def test_signup_page_shows_errors_next_to_fields(client):
    User.objects.create_user(username="Taken", email="taken@example.com", password=PASSWORD)
    response = client.post(
        "/accounts/signup/",
        {"email": "TAKEN@example.com", "username": "taken", "password1": "x", "password2": "y"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["username"] and form.errors["email"]
    assert User.objects.count() == 1


@pytest.mark.parametrize("login_field", ["username", "email"])
def test_login_with_username_or_email_and_logout(user, login_field):
    client = Client(enforce_csrf_checks=True)
    response = _csrf_post(
        client, "/accounts/login/", {"login": getattr(user, login_field), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/settings/").status_code == 200
    response = _csrf_post(client, "/accounts/logout/", {})
    assert response.status_code == 302
    assert client.get("/settings/").status_code == 302  # back to the login page


def test_wrong_password_is_refused(client, user):
    response = client.post("/accounts/login/", {"login": user.username, "password": "nope"})
    assert response.status_code == 200
    assert client.get("/settings/").status_code == 302


def test_password_reset_sends_an_email(client, user):
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert user.email in mail.outbox[0].to
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_demo_user_can_log_in(client):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # idempotent  # noqa: SIM115
    assert User.objects.filter(username="alice").count() == 1
    response = client.post(
        "/accounts/login/", {"login": "alice@example.com", "password": "intentional-demo"}
    )
    assert response.status_code == 302
    assert client.get("/settings/").status_code == 200


def test_google_button_only_when_configured(client, settings):
    assert "Google" not in client.get("/accounts/login/").content.decode()
    settings.SOCIALACCOUNT_PROVIDERS = {
        "google": {"APPS": [{"client_id": "id", "secret": "secret", "key": ""}]}
    }
    assert "Google" in client.get("/accounts/login/").content.decode()


# --- API -----------------------------------------------------------------------------------


def test_api_register_token_me_round_trip(api_client):
    response = api_client.post(
        "/api/v1/auth/register/",
        {"email": "Mia@example.com", "username": "mia", "password": "lanterns at dusk 7"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "username", "email"}
    assert body["username"] == "mia"

    for login in ("mia", "mia@example.com", "MIA"):
        response = api_client.post(
            "/api/v1/auth/token/", {"login": login, "password": "lanterns at dusk 7"}, format="json"
        )
        assert response.status_code == 200, login
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    me = api_client.get("/api/v1/me/").json()
    assert me == {
        "id": body["id"],
        "username": "mia",
        "email": "Mia@example.com",
        "display_name": "",
        "bio": "",
        "timezone": "UTC",
        "language": "en",  # no Accept-Language at sign-up: the site's default
        "digest_email_enabled": True,
        "memories_enabled": True,
        "avatar_url": None,
    }
    response = api_client.patch(
        "/api/v1/me/",
        {"display_name": "Mia K.", "timezone": "Asia/Tokyo", "digest_email_enabled": False},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["timezone"] == "Asia/Tokyo"
    user = User.objects.get(username="mia")
    assert (user.display_name, user.timezone, user.digest_email_enabled) == (
        "Mia K.",
        "Asia/Tokyo",
        False,
    )

    refreshed = api_client.post(
        "/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert refreshed.status_code == 200
    assert "access" in refreshed.json()


def test_api_me_ignores_read_only_fields(auth_api):
    response = auth_api.patch(
        "/api/v1/me/", {"username": "hijack", "email": "x@y.z"}, format="json"
    )
    assert response.status_code == 200
    auth_api.user.refresh_from_db()
    assert auth_api.user.username != "hijack"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            {"email": "not-an-email", "username": "okname", "password": "long enough pass 1"},
            "email",
        ),
        (
            {"email": "a@example.com", "username": "no spaces", "password": "long pass 12"},
            "username",
        ),
        (
            {"email": "a@example.com", "username": "ab", "password": "long enough pass 1"},
            "username",
        ),
        ({"email": "a@example.com", "username": "okname", "password": "123"}, "password"),
        ({"username": "okname", "password": "long enough pass 1"}, "email"),
    ],
)
def test_api_register_bad_input(api_client, payload, field):
    response = api_client.post("/api/v1/auth/register/", payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "validation_error"
    assert field in error["fields"]
    assert error["message"]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "TAKEN@example.com", "username": "fresh", "password": "long enough pass 1"},
        {"email": "fresh@example.com", "username": "TAKEN", "password": "long enough pass 1"},
    ],
)
def test_api_register_duplicate_is_a_clear_400(api_client, payload):
    User.objects.create_user(username="taken", email="taken@example.com", password=PASSWORD)
    response = api_client.post("/api/v1/auth/register/", payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "validation_error"
    assert "already exists" in error["message"] or "taken" in error["message"]
    assert User.objects.count() == 1


def test_api_token_wrong_password(api_client, user):
    response = api_client.post(
        "/api/v1/auth/token/", {"login": user.username, "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "validation_error"


def test_api_patch_me_validates_timezone(auth_api):
    response = auth_api.patch("/api/v1/me/", {"timezone": "Mars/Olympus"}, format="json")
    assert response.status_code == 400
    assert "timezone" in response.json()["error"]["fields"]


@pytest.mark.parametrize("name", ["requests", "Admin", "ME"])
def test_reserved_usernames_are_refused(api_client, client, name):
    response = api_client.post(
        "/api/v1/auth/register/",
        {"email": "r@example.com", "username": name, "password": "long pass phrase 12"},
        format="json",
    )
    assert response.status_code == 400
    assert "username" in response.json()["error"]["fields"]
    page = client.post(
        "/accounts/signup/",
        {
            "email": "r@example.com",
            "username": name,
            "password1": "long pass phrase 12",
            "password2": "long pass phrase 12",
        },
    )
    assert page.status_code == 200 and "username" in page.context["form"].errors
    assert not User.objects.exists()


def test_google_auto_signup_through_an_invitation_connects_the_two(rf):
    """Google sign-ups that skip the form (allauth's auto sign-up) still use the invitation."""
    from allauth.socialaccount.models import SocialAccount, SocialLogin
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    from connections.models import Connection
    from connections.tests.factories import InvitationFactory
    from connections.views import INVITATION_SESSION_KEY
    from social.adapters import SocialAccountAdapter

    invitation = InvitationFactory()
    request = rf.get("/accounts/google/login/callback/")
    request.session = SessionStore()
    request.session[INVITATION_SESSION_KEY] = invitation.token
    request._messages = FallbackStorage(request)
    newcomer = User(email="newcomer@example.com", username="newcomer")
    sociallogin = SocialLogin(user=newcomer, account=SocialAccount(provider="google", uid="g-1"))

    user = SocialAccountAdapter(request).save_user(request, sociallogin)

    assert Connection.objects.accepted_between(user, invitation.inviter).exists()
    invitation.refresh_from_db()
    assert invitation.used_by_id == user.pk
    assert INVITATION_SESSION_KEY not in request.session


# The allauth pages the product uses (SPEC §6), anonymous and signed in.
ANONYMOUS_ACCOUNT_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/password/reset/key/1-not-a-key/",
    "/accounts/password/reset/key/done/",
    "/accounts/confirm-email/",
    "/accounts/confirm-email/not-a-key/",
    "/accounts/inactive/",
    "/accounts/3rdparty/login/cancelled/",
    "/accounts/3rdparty/login/error/",
]
SIGNED_IN_ACCOUNT_PAGES = [
    "/accounts/logout/",
    "/accounts/password/change/",
    "/accounts/email/",
    "/accounts/3rdparty/",
    "/accounts/reauthenticate/",
]
# Words that keep their capital inside a sentence-case title, label or button.
PROPER_NOUNS = {"Intentional", "Google", "I"}


def _title_case_words(html: str) -> list[str]:
    """Capitalised words after the first one in titles, headings, labels and buttons."""
    found = []
    for tag in ("title", "h1", "h2", "label", "button", "legend"):
        for inner in re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", html, flags=re.S):
            text = re.sub(r"<[^>]+>", " ", inner).split("·")[0]
            if "@" in text:  # an email address with its badges ("Verified", "Primary")
                continue
            words = re.findall(r"[A-Za-z][\w'-]*", text)
            found += [f"{tag}: {text.strip()}" for word in words[1:] if word[0].isupper()]
            found = [item for item in found if not any(noun in item for noun in PROPER_NOUNS)]
    return found


def test_the_login_page_says_log_in_and_remember_me(client):
    html = client.get("/accounts/login/").content.decode()
    assert re.search(r"<title>\s*Log in\s*· Intentional</title>", html)
    assert re.search(r"<h1[^>]*>\s*Log in\s*</h1>", html)
    assert re.search(r"<button[^>]*>\s*Log in\s*</button>", html)
    assert re.search(r"<label[^>]*>\s*Remember me\s*</label>", html)
    assert "Sign In" not in html and "Remember Me" not in html


@pytest.mark.parametrize("path", ANONYMOUS_ACCOUNT_PAGES + SIGNED_IN_ACCOUNT_PAGES)
def test_account_pages_use_the_sites_wording(user, path, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    client = Client()
    if path in SIGNED_IN_ACCOUNT_PAGES:
        client.force_login(user)
    response = client.get(path)
    # A third-party login error is a 401 page.
    assert response.status_code == (401 if path.endswith("/error/") else 200)
    html = response.content.decode()
    for wrong in ("Sign In", "Sign in", "Sign Up", "Sign Out", "Sign out", "sign in", "sign out"):
        assert wrong not in html, wrong
    assert _title_case_words(html) == []


def test_account_emails_use_the_sites_wording(client, user):
    _csrf_post(
        client,
        "/accounts/signup/",
        {
            "email": "lea@example.com",
            "username": "lea",
            "password1": "a quiet harbour 42",
            "password2": "a quiet harbour 42",
        },
    )
    _csrf_post(Client(), "/accounts/password/reset/", {"email": user.email})
    subjects = [message.subject for message in mail.outbox]
    assert subjects and all(subject == subject[:1] + subject[1:].lower() for subject in subjects)
    assert any("Please confirm your email address" in subject for subject in subjects)
    bodies = "".join(message.body for message in mail.outbox)
    assert "Hello from Intentional!" in bodies and "example.com" not in bodies.replace(
        "@example.com", ""
    )
