"""Audience foresight and search in a real browser (SPEC §9, §10), at 1280 and 390 px: the
compose box's preview changes as tags are picked (script on) and the "Preview" button shows
the same list without script; search from the navigation box and open a result."""

import re

import pytest
from playwright.sync_api import expect

from connections.tests.factories import TagFactory, TagMembershipFactory, connect
from intentional.tests.browser import VIEWPORTS
from social.models import Post
from social.tests.factories import PASSWORD, PostFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def circle():
    ana = UserFactory(username="ana", display_name="Ana")
    ben = UserFactory(username="ben", display_name="Ben")
    cleo = UserFactory(username="cleo", display_name="Cleo")
    connect(ana, ben)
    connect(ana, cleo)
    family = TagFactory(owner=ana, name="family")
    TagMembershipFactory(tag=family, target=ben)
    return {"ana": ana, "family": family}


@pytest.mark.parametrize(("viewport", "label"), VIEWPORTS)
def test_the_preview_changes_as_tags_are_picked(page_factory, circle, viewport, label):
    browser_page = page_factory(viewport)
    browser_page.log_in("ana", PASSWORD)
    compose = browser_page.compose()
    preview = compose.locator(".audience-preview-people")
    compose.get_by_label("What would you like to share?").fill("Who sees this?")
    expect(preview).to_have_text("Visible to 2 people: Ben, Cleo")
    compose.get_by_label("Only people with these tags").check()
    expect(preview).to_have_text("Visible to nobody but you.")
    compose.get_by_label("family").check()
    expect(preview).to_have_text("Visible to 1 person: Ben")
    compose.get_by_label("Only me").check()
    expect(preview).to_have_text("Visible to nobody but you.")
    browser_page.screenshot(f"foresight-compose-{label}")
    assert not Post.objects.exists()  # audience-ok: previewing saves nothing


@pytest.mark.parametrize(("viewport", "label"), VIEWPORTS)
def test_the_preview_button_works_without_javascript(page_factory, circle, viewport, label):
    browser_page = page_factory(viewport, javascript=False)
    page = browser_page.page
    browser_page.log_in("ana", PASSWORD)
    compose = browser_page.compose()
    compose.get_by_label("Only people with these tags").check()
    compose.get_by_label("family").check()
    compose.get_by_role("button", name="Preview").click()
    expect(page.locator(".audience-preview-people")).to_have_text("Visible to 1 person: Ben")
    # The choice is kept: posting now posts to the tag.
    browser_page.compose().get_by_label("What would you like to share?").fill("For family")
    browser_page.compose().get_by_role("button", name="Post", exact=True).click()
    page.wait_for_url(re.compile(r"/posts/\d+/$"))
    assert Post.objects.get().audience == "tags"  # audience-ok: test


@pytest.mark.parametrize("javascript", [True, False])
@pytest.mark.parametrize(("viewport", "label"), VIEWPORTS)
def test_search_from_the_navigation_and_open_a_result(
    page_factory, circle, viewport, label, javascript
):
    post = PostFactory(author=circle["ana"], body="The lighthouse at dawn")
    PostFactory(author=circle["ana"], body="The lighthouse, privately", audience="private")
    browser_page = page_factory(viewport, javascript=javascript)
    page = browser_page.page
    browser_page.log_in("ben", PASSWORD)
    page.get_by_role("searchbox", name="Search").fill("lighthouse")
    page.get_by_role("searchbox", name="Search").press("Enter")
    page.wait_for_url("**/search/?q=lighthouse")
    results = page.get_by_role("region", name="Posts")
    expect(results).to_contain_text("The lighthouse at dawn")
    expect(results).not_to_contain_text("privately")
    browser_page.screenshot(f"search-{label}-{'js' if javascript else 'nojs'}")
    results.get_by_role("link", name=re.compile(r"\d{4}")).first.click()
    page.wait_for_url(f"**{post.get_absolute_url()}")


@pytest.mark.parametrize("javascript", [True, False])
@pytest.mark.parametrize(("viewport", "label"), VIEWPORTS)
def test_label_only_from_now_on_keeps_an_earlier_tag_post_hidden(
    page_factory, circle, viewport, label, javascript
):
    ana, family = circle["ana"], circle["family"]
    earlier = PostFactory(
        author=ana, body="Earlier, for family", audience="tags", audience_tags=[family]
    )
    owner_page = page_factory(viewport, javascript=javascript)
    page = owner_page.page
    owner_page.log_in("ana", PASSWORD)
    page.goto("/tags/")
    card = page.get_by_role("region", name=re.compile("^family"))
    card.get_by_label("Add a connection").select_option("cleo")
    question = card.locator(".field-include_earlier_posts legend")
    if javascript:
        expect(question).to_have_text("Also show them the 1 earlier post shared with this tag?")
    else:
        expect(question).to_have_text("Also show them the earlier posts shared with this tag?")
    card.get_by_label("Only from now on").check()
    card.get_by_role("button", name="Add to “family”").click()
    expect(page.get_by_role("region", name=re.compile("^family"))).to_contain_text("@cleo")
    later = PostFactory(
        author=ana, body="Later, for family", audience="tags", audience_tags=[family]
    )

    cleo_page = page_factory(viewport, javascript=javascript)
    cleo_page.log_in("cleo", PASSWORD)
    feed = cleo_page.page.get_by_role("region", name="Posts")
    expect(feed).to_contain_text("Later, for family")
    expect(feed).not_to_contain_text("Earlier, for family")
    cleo_page.screenshot(f"foresight-from-now-{label}-{'js' if javascript else 'nojs'}")
    cleo_page.page.goto(later.get_absolute_url())
    expect(cleo_page.page.get_by_text("Later, for family")).to_be_visible()
    cleo_page.expect_error_status(earlier.get_absolute_url())
    assert cleo_page.page.goto(earlier.get_absolute_url()).status == 404
