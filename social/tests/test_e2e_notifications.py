"""Notifications in a real browser (issue 14, acceptance 6): someone comments; the post's
author sees the count in the navigation, opens the notification and lands on the comment — at
1280 and 390 px, by keyboard too, with nothing failing axe."""

import re

import pytest
from playwright.sync_api import expect

from connections.tests.factories import connect
from intentional.tests.browser import DESKTOP, VIEWPORTS
from social import services
from social.tests.factories import PASSWORD, PostFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.mark.parametrize(("viewport", "label"), VIEWPORTS)
def test_a_comment_reaches_its_post_s_author(page_factory, viewport, label):
    pat = UserFactory(username="pat", display_name="Pat")
    ana = UserFactory(username="ana", display_name="Ana")
    connect(pat, ana)
    post = PostFactory(author=pat, body="Our first hike of the year")
    # Outside a transaction here (transactional test): notified at once, as after a commit.
    comment = services.comment_create(author=ana, post_id=post.pk, body="What a view!")

    browser_page = page_factory(viewport)
    page = browser_page.page
    browser_page.log_in("pat", PASSWORD)
    nav = page.get_by_role("navigation", name="Main")
    link = nav.get_by_role("link", name=re.compile(r"^Notifications 1 unread$"))
    expect(link).to_be_visible()
    browser_page.screenshot(f"notifications-nav-{label}")
    link.click()
    page.wait_for_url("**/notifications/")
    assert browser_page.axe_violations() == []
    assert browser_page.horizontal_overflow() == 0
    browser_page.screenshot(f"notifications-{label}")
    page.get_by_role("link", name="Ana commented on your post").click()
    page.wait_for_url(re.compile(rf"/posts/{post.pk}/#comment-{comment.pk}$"))
    expect(page.locator(f"#comment-{comment.pk}")).to_contain_text("What a view!")
    # Opened: read, and the navigation no longer counts it.
    expect(nav.get_by_role("link", name="Notifications", exact=True)).to_be_visible()


def test_mark_all_read_with_the_keyboard(page_factory):
    pat, ana = UserFactory(username="pat"), UserFactory(username="ana", display_name="Ana")
    connect(pat, ana)
    for body in ("One", "Two"):
        post = PostFactory(author=pat, body=body)
        services.comment_create(author=ana, post_id=post.pk, body=f"Re: {body}")
    browser_page = page_factory(DESKTOP)
    page = browser_page.page
    browser_page.log_in("pat", PASSWORD)
    page.goto("/notifications/")
    button = page.get_by_role("button", name="Mark all read")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.innerText") == "Mark all read":
            break
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/notifications/")
    expect(page.get_by_role("button", name="Mark all read")).to_have_count(0)
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
