"""The layout as a newcomer meets it, in a real browser: on a phone the feed's first post shows
at once (the compose box is folded behind "Share something"), on a wide screen the compose box
is open; every page of the site has the same column width."""

import pytest
from playwright.sync_api import expect

from connections.tests.factories import connect
from intentional.tests.browser import DESKTOP, PHONE
from social.tests.factories import PASSWORD, PostFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def reader(db):
    """Someone whose feed has a few posts from a connection."""
    me = UserFactory(username="me", display_name="Me")
    friend = UserFactory(username="friend", display_name="Friend")
    connect(me, friend)
    for number in range(3):
        PostFactory(author=friend, body=f"Post number {number}")
    return me


def test_on_a_phone_the_first_post_shows_and_share_something_opens_the_form(page_factory, reader):
    browser_page = page_factory(PHONE)
    page = browser_page.page
    browser_page.log_in("me", PASSWORD)
    page.goto("/feed/")
    first_post = page.locator(".post").first
    # Its top in the first screen, with room for it to be read (not a sliver at the bottom).
    assert first_post.bounding_box()["y"] < PHONE["height"] / 2, first_post.bounding_box()
    body = page.get_by_label("What would you like to share?")
    expect(body).to_be_hidden()
    assert browser_page.axe_violations() == []
    browser_page.screenshot("layout-feed-phone", full_page=False)

    # By keyboard: "Share something" is a control that opens the form.
    summary = page.locator("summary", has_text="Share something")
    summary.focus()
    page.keyboard.press("Enter")
    expect(body).to_be_visible()
    # Sent empty, the feed comes back (400) with the error, and the form open to show it.
    browser_page.expect_error_status("/posts/new/")
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_text("Write something or add a photo.")).to_be_visible()
    expect(page.get_by_label("What would you like to share?")).to_be_visible()


def test_on_a_wide_screen_the_form_is_open_at_once(page_factory, reader):
    browser_page = page_factory(DESKTOP)
    page = browser_page.page
    browser_page.log_in("me", PASSWORD)
    page.goto("/feed/")
    expect(page.get_by_label("What would you like to share?")).to_be_visible()
    assert page.locator(".post").first.bounding_box()["y"] < DESKTOP["height"]


def test_people_and_tags_have_the_feeds_column_width(page_factory, reader):
    browser_page = page_factory(DESKTOP)
    page = browser_page.page
    browser_page.log_in("me", PASSWORD)
    widths = {}
    for path in ("/feed/", "/people/", "/tags/", "/settings/"):
        page.goto(path)
        widths[path] = page.locator("main").bounding_box()["width"]
    assert set(widths.values()) == {widths["/feed/"]}, widths
