"""Two-factor login and passkeys in a real headless Chromium (SPEC §11, issue 16 acceptance 1),
at desktop (1280 px) and phone (390 px) width: an authenticator app set up from /settings/ (the
test reads the key on the page and computes the codes itself), then logging in with password
and code, then with a recovery code; a passkey registered with Chromium's virtual authenticator
(DevTools WebAuthn), then logging in with it alone. Each page is checked for horizontal
scrolling and axe-core violations; screenshots go to
test-artifacts/mfa-<journey>-<width>-<step>.png; the `page_factory` fixture fails a journey on
any console error or CSP violation.

WebAuthn needs a secure context and a domain for its relying party: the live server is
http://localhost:<port> (pytest-django's default host), which browsers treat as secure and
python-fido2 accepts without MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN.
"""

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from intentional.tests.browser import ARTIFACTS, VIEWPORTS
from social.tests.factories import PASSWORD, UserFactory
from social.tests.mfa import totp_code

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def _shoot(browser_page, journey: str, label: str, step: str) -> None:
    browser_page.screenshot(f"mfa-{journey}-{label}-{step}")


def _fits(browser_page, where: str) -> None:
    """No horizontal scrolling (at 390 px too) and no serious or critical axe-core violation."""
    assert browser_page.horizontal_overflow() == 0, f"horizontal scrolling on {where}"
    assert browser_page.axe_violations() == [], where


def _log_out(page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/$"))


def _password_step(page, login: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()


def _confirm_password(page) -> None:
    """allauth asks for the password again before anything changes how one logs in."""
    page.wait_for_url("**/accounts/reauthenticate/**")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()


def _security_card(page):
    page.goto("/settings/")
    return page.get_by_role("region", name="Security")


@pytest.mark.parametrize(("viewport", "label"), VIEWPORTS)
def test_authenticator_app_then_password_and_code_then_a_recovery_code(
    page_factory, settings, viewport, label
):
    # A code computed here may reach the server in the next 30-second step: accept the step
    # before too (the reuse of a code is refused all the same).
    settings.MFA_TOTP_TOLERANCE = 1
    ana = UserFactory(username="ana", display_name="Ana Lima")
    browser_page = page_factory(viewport)
    page = browser_page.page
    browser_page.log_in("ana", PASSWORD)

    security = _security_card(page)
    expect(security).to_contain_text("Two-factor login is off")
    _fits(browser_page, "/settings/")
    security.get_by_role("link", name="Set up an authenticator app").click()
    _confirm_password(page)
    page.wait_for_url("**/accounts/2fa/totp/activate/")
    qr = page.get_by_role("img", name=re.compile(r"^[A-Z2-7]{32}$"))
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth") > 0  # the data: URL showed
    secret = page.get_by_label("Or type this key into the app").input_value()
    assert qr.get_attribute("alt") == secret
    _fits(browser_page, "the set-up page")
    _shoot(browser_page, "totp", label, "1-qr-code")
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on").click()

    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    expect(page.get_by_role("status")).to_contain_text("Authenticator app activated")
    codes = page.get_by_label("Unused codes").input_value().split()
    assert len(codes) == 10 and all(re.fullmatch(r"\d{8}", code) for code in codes)
    _fits(browser_page, "the recovery codes")
    _shoot(browser_page, "totp", label, "2-recovery-codes")
    page.get_by_role("link", name="Done").click()
    page.wait_for_url("**/accounts/2fa/")
    expect(page.get_by_role("region", name="Authenticator app")).to_contain_text("On:")
    assert set(Authenticator.objects.filter(user=ana).values_list("type", flat=True)) == {
        "totp",
        "recovery_codes",
    }
    _log_out(page)

    # Password, then the code the app shows now.
    _password_step(page, "ana")
    page.wait_for_url("**/accounts/2fa/authenticate/")
    expect(page.get_by_role("heading", name="Two-factor login")).to_be_visible()
    # No passkey yet: no passkey button.
    expect(page.get_by_role("button", name="Use a passkey instead")).to_have_count(0)
    _fits(browser_page, "the code step")
    _shoot(browser_page, "totp", label, "3-code-step")
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url("**/feed/")
    _log_out(page)

    # Password, then a recovery code instead.
    _password_step(page, "ana@example.com")
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url("**/feed/")
    security = _security_card(page)
    expect(security).to_contain_text("Two-factor login is on")
    expect(security).to_contain_text("9 of 10 unused")
    _fits(browser_page, "/settings/ with two-factor on")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    security.screenshot(path=str(ARTIFACTS / f"mfa-totp-{label}-4-security-card.png"))
    _log_out(page)

    # A used recovery code never works twice.
    _password_step(page, "ana")
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Incorrect code")
    assert page.url.endswith("/accounts/2fa/authenticate/")


@pytest.mark.parametrize(("viewport", "label"), VIEWPORTS)
def test_a_passkey_registered_then_logging_in_with_it_alone(page_factory, viewport, label):
    ana = UserFactory(username="ana", display_name="Ana Lima")
    browser_page = page_factory(viewport)
    page = browser_page.page
    # Chromium's virtual authenticator: a platform passkey that verifies its user.
    devtools = browser_page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    authenticator = devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )["authenticatorId"]
    browser_page.log_in("ana", PASSWORD)

    security = _security_card(page)
    expect(security).to_contain_text("Passkeys None")
    security.get_by_role("link", name="Add a passkey").click()
    _confirm_password(page)
    page.wait_for_url("**/accounts/2fa/webauthn/add/")
    page.get_by_label("Name").fill("Ana's laptop")
    expect(page.get_by_label("Also use it to log in without a password")).to_be_checked()
    _fits(browser_page, "the add-a-passkey page")
    _shoot(browser_page, "passkey", label, "1-add")
    page.get_by_role("button", name="Add a passkey").click()

    # The first second factor comes with recovery codes.
    page.wait_for_url("**/accounts/2fa/recovery-codes/")
    assert len(page.get_by_label("Unused codes").input_value().split()) == 10
    credentials = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert [credential["isResidentCredential"] for credential in credentials["credentials"]] == [
        True
    ]
    passkey = Authenticator.objects.get(user=ana, type="webauthn")
    assert passkey.wrap().name == "Ana's laptop"
    assert passkey.wrap().is_passwordless is True

    security = _security_card(page)
    expect(security).to_contain_text("1 passkey:")
    expect(security).to_contain_text("Ana's laptop")
    security.get_by_role("link", name="Manage passkeys").click()
    page.wait_for_url("**/accounts/2fa/webauthn/")
    item = page.get_by_role("listitem").filter(has_text="Ana's laptop")
    expect(item).to_contain_text("Passkey")
    expect(item).to_contain_text("Not used yet.")
    _fits(browser_page, "the passkey list")
    _shoot(browser_page, "passkey", label, "2-list")
    _log_out(page)

    # Logging in with the passkey alone: no login, no password.
    page.goto("/accounts/login/")
    button = page.get_by_role("button", name="Log in with a passkey")
    expect(button).to_be_visible()
    _fits(browser_page, "the login page")
    _shoot(browser_page, "passkey", label, "3-login")
    button.click()
    page.wait_for_url("**/feed/")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Log out")
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    _shoot(browser_page, "passkey", label, "4-logged-in")


def test_the_passkey_button_stays_hidden_without_javascript(page_factory):
    """Without script a passkey cannot be used: the login page does not offer one."""
    browser_page = page_factory(javascript=False)
    page = browser_page.page
    page.goto("/accounts/login/")
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Log in with a passkey")).to_be_hidden()


def test_a_passkey_that_does_not_work_is_said_on_the_page(page_factory):
    """A device with no passkey for the site: the login page says so next to the button (not
    only in the console, which would fail this test)."""
    browser_page = page_factory()
    page = browser_page.page
    devtools = browser_page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Log in with a passkey").click()
    error = page.get_by_role("alert")
    expect(error).to_contain_text("That did not work")
    # Next to the button that was pressed, and the login form still there.
    assert page.locator("#passkey_login + #webauthn-error").count() == 1
    assert page.url.endswith("/accounts/login/")
