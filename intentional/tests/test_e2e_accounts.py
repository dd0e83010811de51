"""In a real browser: sign up, log out, log in again; pages fit a phone screen."""

import pytest

from intentional.tests.browser import DESKTOP, PHONE
from social.models import User

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.mark.parametrize(("viewport", "label"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_sign_up_log_out_and_log_in(page_factory, viewport, label):
    browser_page = page_factory(viewport)
    page = browser_page.page
    page.goto("/")
    assert browser_page.horizontal_overflow() == 0
    browser_page.screenshot(f"landing-{label}")
    page.get_by_role("link", name="Create your account").click()
    page.get_by_label("Email").fill(f"rosa-{label}@example.com")
    page.get_by_label("Username").fill(f"rosa_{label}")
    page.get_by_label("Password", exact=True).fill("window seat 1984")
    page.get_by_label("Password (again)").fill("window seat 1984")
    browser_page.screenshot(f"signup-{label}")
    page.get_by_role("button", name="Sign up", exact=True).click()
    page.wait_for_url("**/feed/")
    assert User.objects.filter(username=f"rosa_{label}").exists()
    assert browser_page.horizontal_overflow() == 0

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("link", name="Create your account").wait_for()  # back on the landing page
    page.goto("/accounts/login/")
    page.get_by_label("Login").fill(f"rosa-{label}@example.com")
    page.get_by_label("Password").fill("window seat 1984")
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url("**/feed/")
    page.goto("/settings/")
    assert browser_page.horizontal_overflow() == 0
    browser_page.screenshot(f"settings-{label}")
