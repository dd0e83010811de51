"""Two-factor login and passkeys through the pages (SPEC §11): allauth.mfa's views under
/accounts/2fa/, in the site's layout and words (templates/mfa/, templates/allauth/elements/),
and the second step of logging in. The browser journeys are in test_e2e_mfa.py."""

import base64
import re
from html import unescape

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from social.tests.factories import PASSWORD, UserFactory
from social.tests.mfa import add_passkey, enable_totp, totp_code

pytestmark = pytest.mark.django_db


def _reauthenticated(user) -> Client:
    """A client signed in as `user` who has just confirmed their password, as allauth asks
    before anything changes on /accounts/2fa/."""
    client = Client()
    client.force_login(user)
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302
    return client


def _squashed(html: str) -> str:
    """The page with every run of white space made one space (allauth's elements indent)."""
    return " ".join(html.split())


def _h1(html: str) -> str:
    return " ".join(unescape(re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)).split())


def _assert_site_layout(html: str) -> None:
    """The site's own page around allauth's content: its stylesheet, navigation and card."""
    assert '<link rel="stylesheet" href="/static/css/site.css">' in html
    assert '<nav class="nav" aria-label="Main">' in html
    assert '<main id="main" class="main narrow card-page">' in html
    assert '<footer class="site-footer">' in html


@pytest.fixture
def plain(db):
    """Someone with no second factor yet."""
    return UserFactory(username="plain")


@pytest.fixture
def guarded(db):
    """Someone with an authenticator app, recovery codes and a passkey."""
    user = UserFactory(username="guarded")
    secret, codes = enable_totp(user)
    passkey = add_passkey(user, "Ana's phone")
    return {"user": user, "secret": secret, "codes": codes, "passkey": passkey}


PLAIN_PAGES = [
    ("/accounts/2fa/", "Two-factor login and passkeys"),
    ("/accounts/2fa/totp/activate/", "Set up an authenticator app"),
    ("/accounts/2fa/webauthn/", "Passkeys"),
    ("/accounts/2fa/webauthn/add/", "Add a passkey"),
]
GUARDED_PAGES = [
    ("/accounts/2fa/", "Two-factor login and passkeys"),
    ("/accounts/2fa/totp/deactivate/", "Turn off the authenticator app"),
    ("/accounts/2fa/recovery-codes/", "Recovery codes"),
    ("/accounts/2fa/recovery-codes/generate/", "New recovery codes"),
    ("/accounts/2fa/webauthn/", "Passkeys"),
    ("/accounts/2fa/webauthn/add/", "Add a passkey"),
    ("/accounts/2fa/webauthn/keys/{passkey}/edit/", "Rename a passkey"),
    ("/accounts/2fa/webauthn/keys/{passkey}/remove/", "Remove a passkey"),
    ("/accounts/2fa/reauthenticate/", "Confirm access"),
    ("/accounts/2fa/webauthn/reauthenticate/", "Confirm access"),
]


@pytest.mark.parametrize(("url", "title"), PLAIN_PAGES)
def test_two_factor_pages_render_in_the_site_layout(plain, url, title):
    response = _reauthenticated(plain).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    _assert_site_layout(html)
    assert _h1(html) == title


@pytest.mark.parametrize(("url", "title"), GUARDED_PAGES)
def test_two_factor_pages_of_someone_with_every_method(guarded, url, title):
    response = _reauthenticated(guarded["user"]).get(url.format(passkey=guarded["passkey"].pk))
    assert response.status_code == 200
    html = response.content.decode()
    _assert_site_layout(html)
    assert _h1(html) == title


def test_the_overview_says_what_is_set_up(plain, guarded):
    html = _squashed(_reauthenticated(plain).get("/accounts/2fa/").content.decode())
    assert "Off. Any authenticator app works" in html
    assert (
        '<a href="/accounts/2fa/totp/activate/" class="button"> Set up an authenticator app </a>'
        in html
    )
    assert '<a href="/accounts/2fa/webauthn/add/" class="button"> Add a passkey </a>' in html
    assert "No passkeys yet." in html
    assert "None yet: they are made when you set up an authenticator app" in html
    html = _squashed(_reauthenticated(guarded["user"]).get("/accounts/2fa/").content.decode())
    assert "On: after your password, you enter the code" in html
    assert '<a href="/accounts/2fa/totp/deactivate/" class="button danger"> Turn off </a>' in html
    assert "You have added 1 passkey or security key." in html
    assert "10 of 10 recovery codes are unused." in html
    assert '<a href="/accounts/2fa/recovery-codes/" class="button"> View </a>' in html


def test_setting_up_an_authenticator_app_shows_the_qr_code_and_the_key(plain):
    client = _reauthenticated(plain)
    page = client.get("/accounts/2fa/totp/activate/")
    # The page's own policy lets the data: image show.
    assert "img-src 'self' data:" in page["Content-Security-Policy"]
    html = page.content.decode()
    qr = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([A-Z2-7]+)"', html)
    assert qr, "no QR code"
    svg = base64.b64decode(qr.group(1)).decode()
    assert svg.lstrip().startswith(("<svg", "<?xml")) and "</svg>" in svg
    secret = qr.group(2)
    assert re.search(rf'<input readonly id="authenticator_secret" value="{secret}"', html)
    # Each visit makes a new secret: the one shown last is the one to confirm.
    response = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    assert not Authenticator.objects.filter(user=plain).exists()
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    types = set(Authenticator.objects.filter(user=plain).values_list("type", flat=True))
    assert types == {"totp", "recovery_codes"}
    html = client.get("/accounts/2fa/recovery-codes/").content.decode()
    codes = re.search(r'<textarea[^>]*id="recovery_codes"[^>]*>(.*?)</textarea>', html, re.S)
    assert len(codes.group(1).split()) == 10
    assert "each of these codes logs you in once" in html


def test_adding_a_passkey_logs_in_without_a_password_by_default(plain):
    html = _reauthenticated(plain).get("/accounts/2fa/webauthn/add/").content.decode()
    assert re.search(r'<input type="checkbox" name="passwordless"[^>]* checked', html)
    assert "Also use it to log in without a password" in html
    # allauth's script, as static files and a JSON data block: nothing inline runs.
    assert '<script src="/static/mfa/js/webauthn.js"></script>' in html
    assert '<script src="/static/js/webauthn-ui.js"></script>' in html
    assert '<script id="js_data" type="application/json">' in html
    assert 'data-allauth-onload="allauth.webauthn.forms.addForm" type="application/json"' in html


def test_the_passkey_list_fits_a_phone_and_names_each_key(guarded):
    html = _reauthenticated(guarded["user"]).get("/accounts/2fa/webauthn/").content.decode()
    assert "<table" not in html
    item = html[html.index('<ul class="passkey-list">') :]
    assert "Ana&#x27;s phone" in item
    assert '<span class="badge badge-ok">' in item and "Passkey" in item
    assert "Not used yet." in item
    passkey = guarded["passkey"].pk
    assert f'href="/accounts/2fa/webauthn/keys/{passkey}/edit/"' in item
    assert f'href="/accounts/2fa/webauthn/keys/{passkey}/remove/"' in item


def test_renaming_and_removing_a_passkey(guarded):
    client = _reauthenticated(guarded["user"])
    passkey = guarded["passkey"]
    response = client.post(f"/accounts/2fa/webauthn/keys/{passkey.pk}/edit/", {"name": "Laptop"})
    assert response.status_code == 302
    passkey.refresh_from_db()
    assert passkey.data["name"] == "Laptop"
    response = client.post(f"/accounts/2fa/webauthn/keys/{passkey.pk}/remove/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(pk=passkey.pk).exists()


def _log_in_with_password(user) -> tuple[Client, str]:
    client = Client()
    response = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client, response["Location"]


def test_logging_in_asks_for_the_second_factor(guarded):
    client, location = _log_in_with_password(guarded["user"])
    assert location == "/accounts/2fa/authenticate/"
    assert client.get("/settings/").status_code == 302  # not logged in yet
    response = client.get(location)
    html = response.content.decode()
    _assert_site_layout(html)
    assert _h1(html) == "Two-factor login"
    assert '<button class="button" type="submit"> Log in </button>' in _squashed(html)
    # Someone with a passkey may use it instead (shown once the browser can).
    assert re.search(r'<button class="button secondary" id="mfa_webauthn_authenticate"', html)
    # A wrong code is refused next to the field.
    response = client.post(location, {"code": "123456"})
    assert response.status_code == 200
    assert 'class="field-error"' in response.content.decode()
    response = client.post(location, {"code": totp_code(guarded["secret"])})
    assert response.status_code == 302
    assert client.get("/settings/").status_code == 200


def test_a_recovery_code_logs_in_once(guarded):
    code = guarded["codes"][3]
    client, location = _log_in_with_password(guarded["user"])
    assert client.post(location, {"code": code}).status_code == 302
    assert client.get("/settings/").status_code == 200
    client, location = _log_in_with_password(guarded["user"])
    response = client.post(location, {"code": code})
    assert response.status_code == 200
    assert client.get("/settings/").status_code == 302


def test_no_passkey_button_for_someone_without_a_passkey(plain):
    enable_totp(plain)
    client, location = _log_in_with_password(plain)
    html = client.get(location).content.decode()
    assert "Use a passkey instead" not in html
    assert "mfa_webauthn_authenticate" not in html


def test_the_login_page_offers_a_passkey_where_the_browser_can(client):
    html = client.get("/accounts/login/").content.decode()
    block = html[html.index('<div class="passkey-login" data-needs-webauthn hidden>') :]
    assert 'id="passkey_login"' in block and "Log in with a passkey" in block
    assert '<form id="mfa_login" action="/accounts/2fa/webauthn/login/" method="post">' in html
    assert '<script src="/static/js/webauthn-ui.js"></script>' in html
