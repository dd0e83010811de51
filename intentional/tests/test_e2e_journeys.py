"""The six journeys of the product, in a real headless Chromium, at desktop (1280 px) and phone
(390 px) width. Each saves screenshots to test-artifacts/journey<N>-<width>-<step>.png, and the
`page_factory` fixture fails it on any console error or CSP violation.

Each journey starts from the state the previous one leaves (made with factories and services,
so that one failure does not hide the others) and then does its own part through the pages only.
"""

import io
import re
import zipfile
from datetime import UTC, datetime, time, timedelta

import pytest
from playwright.sync_api import expect

from connections.models import Connection, Tag, TagMembership
from connections.tests.factories import TagFactory, TagMembershipFactory, connect
from digest.weeks import week_last_completed
from intentional.tests.browser import VIEWPORTS
from social import services
from social.models import Comment, Post, User
from social.tests.factories import PASSWORD, UserFactory
from social.tests.helpers import image_bytes, upload

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

MILESTONE = "We got the keys to our first home today! Housewarming soon, you're all invited."


# The natural width of an <img> once it has loaded (it is lazy: it may still be on its way).
LOADED_WIDTH = """img => (img.complete && img.naturalWidth) ? img.naturalWidth : new Promise(
  (done, fail) => {
    img.addEventListener("load", () => done(img.naturalWidth));
    img.addEventListener("error", () => fail(new Error("the photo did not load")));
  })"""


def _shoot(browser_page, journey: int, label: str, step: str) -> None:
    browser_page.screenshot(f"journey{journey}-{label}-{step}")


def _nav(page, name: str):
    """A link of the site's main navigation."""
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


def _photo_upload(size=(1200, 800), color=(96, 140, 170)):
    return upload(image_bytes(size=size, color=color))


@pytest.fixture
def circle(db):
    """Ana and Ben (connected, Ben tagged "family" by Ana) and Cara (connected, untagged)."""
    ana = UserFactory(username="ana", display_name="Ana Lima")
    ben = UserFactory(username="ben", display_name="Ben Adeyemi")
    cara = UserFactory(username="cara", display_name="Cara Novak")
    connect(ana, ben)
    connect(cara, ana)
    family = TagFactory(owner=ana, name="family")
    TagMembershipFactory(tag=family, target=ben)
    return {"ana": ana, "ben": ben, "cara": cara, "family": family}


def _family_milestone(circle, **extra) -> Post:
    """Ana's milestone with a photo, shared with her "family" tag (journey 2's result)."""
    return services.post_create(
        author=circle["ana"],
        body=MILESTONE,
        audience=Post.Audience.TAGS,
        audience_tags=[circle["family"]],
        is_milestone=True,
        photos=[_photo_upload()],
        **extra,
    )


@pytest.mark.parametrize(("viewport", "label"), VIEWPORTS)
def test_journey1_two_people_sign_up_and_connect(page_factory, viewport, label):
    """Two people sign up; one requests a connection, the other accepts."""
    ana_page, ben_page = page_factory(viewport), page_factory(viewport)
    for browser_page, username in [(ana_page, "ana"), (ben_page, "ben")]:
        page = browser_page.page
        page.goto("/")
        page.get_by_role("link", name="Create your account").click()
        page.get_by_label("Email").fill(f"{username}@example.com")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password", exact=True).fill("window seat 1984")
        page.get_by_label("Password (again)").fill("window seat 1984")
        page.get_by_role("button", name="Sign up", exact=True).click()
        page.wait_for_url("**/feed/")
    _shoot(ben_page, 1, label, "1-new-feed")

    page = ana_page.page
    page.get_by_role("link", name="Find people you know").click()  # the empty feed's next step
    page.get_by_label("Find a person").fill("ben")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("button", name="Connect").click()
    expect(page.get_by_role("button", name="Cancel request").first).to_be_visible()
    _shoot(ana_page, 1, label, "2-request-sent")

    page = ben_page.page
    _nav(page, "People").click()
    requests = page.get_by_role("region", name="Requests for you")
    expect(requests).to_contain_text("@ana")
    _shoot(ben_page, 1, label, "3-request-received")
    requests.get_by_role("button", name="Accept").click()
    connections = page.get_by_role("region", name="Your connections")
    expect(connections).to_contain_text("@ana")
    expect(page.get_by_role("region", name="Requests for you")).to_contain_text("No one is waiting")
    _shoot(ben_page, 1, label, "4-connected")
    ana, ben = User.objects.get(username="ana"), User.objects.get(username="ben")
    assert Connection.objects.accepted_between(ana, ben).exists()


@pytest.mark.parametrize(("viewport", "label"), VIEWPORTS)
def test_journey2_tag_a_connection_and_post_to_the_tag(page_factory, viewport, label):
    """The first labels the second with a tag and posts to that tag with a photo and a
    milestone."""
    ana = UserFactory(username="ana", display_name="Ana Lima")
    ben = UserFactory(username="ben", display_name="Ben Adeyemi")
    connect(ana, ben)
    browser_page = page_factory(viewport)
    page = browser_page.page
    browser_page.log_in("ana", PASSWORD)

    _nav(page, "Tags").click()
    page.get_by_role("region", name="New tag").get_by_label("Tag name").fill("family")
    page.get_by_role("button", name="Create tag").click()
    card = page.get_by_role("region", name=re.compile("^family"))
    card.get_by_label("Add a connection").select_option("ben")
    card.get_by_role("button", name="Add to “family”").click()
    expect(page.get_by_role("region", name=re.compile("^family"))).to_contain_text("@ben")
    _shoot(browser_page, 2, label, "1-tagged")
    family = Tag.objects.get(owner=ana, name="family")
    assert TagMembership.objects.filter(tag=family, target=ben).exists()

    _nav(page, "Feed").click()
    compose = browser_page.compose()
    compose.get_by_label("What would you like to share?").fill(MILESTONE)
    compose.get_by_label("Only people with these tags").check()
    compose.get_by_label("family").check()
    compose.get_by_label("This is a life event").check()
    compose.get_by_label("Photos").set_input_files(
        [{"name": "keys.jpg", "mimeType": "image/jpeg", "buffer": image_bytes(size=(1200, 800))}]
    )
    _shoot(browser_page, 2, label, "2-compose")
    compose.get_by_role("button", name="Post").click()
    page.wait_for_url(re.compile(r"/posts/\d+/$"))

    expect(page.get_by_text("Life event")).to_be_visible()
    photo = page.get_by_role("img", name=re.compile("Photo 1 of 1"))
    photo.scroll_into_view_if_needed()
    expect(photo).to_be_visible()
    assert photo.evaluate(LOADED_WIDTH) == 1200  # the display version, really served
    who = page.get_by_role("region", name="Who can see this")
    expect(who).to_contain_text("Tags: family")
    expect(who).to_contain_text("Ben Adeyemi")
    _shoot(browser_page, 2, label, "3-posted")
    post = Post.objects.get(author=ana)
    assert (post.audience, post.is_milestone, post.photos.count()) == ("tags", True, 1)
    assert list(post.audience_tags.all()) == [family]


@pytest.mark.parametrize(("viewport", "label"), VIEWPORTS)
def test_journey3_the_tagged_person_comments_the_untagged_one_sees_nothing(
    page_factory, circle, viewport, label
):
    """The second sees it in the feed, opens it, comments; a third, untagged connection does
    not see it, and its URL shows the 404 page."""
    post = _family_milestone(circle)

    ben_page = page_factory(viewport)
    page = ben_page.page
    ben_page.log_in("ben", PASSWORD)
    item = page.locator(f"#post-{post.pk}")
    expect(item).to_contain_text(MILESTONE)
    expect(item).to_contain_text("Life event")
    _shoot(ben_page, 3, label, "1-feed")
    item.get_by_role("link", name="Comment").click()
    page.wait_for_url(f"**{post.get_absolute_url()}#comments")
    page.get_by_label("Add a comment").fill("Congratulations! I'll bring a plant.")
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.get_by_role("region", name="Comments")).to_contain_text("I'll bring a plant.")
    _shoot(ben_page, 3, label, "2-commented")
    assert Comment.objects.filter(post=post, author=circle["ben"]).count() == 1

    cara_page = page_factory(viewport)
    page = cara_page.page
    cara_page.log_in("cara", PASSWORD)
    expect(page.get_by_role("heading", name="Your feed")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(MILESTONE)
    _shoot(cara_page, 3, label, "3-untagged-feed")
    cara_page.expect_error_status(post.get_absolute_url())
    response = page.goto(post.get_absolute_url())
    assert response.status == 404
    expect(page.get_by_role("heading", name="Nothing here")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(MILESTONE)
    _shoot(cara_page, 3, label, "4-untagged-404")


@pytest.mark.parametrize(("viewport", "label"), VIEWPORTS)
def test_journey4_narrowing_to_private_hides_the_post_on_reload(
    page_factory, circle, viewport, label
):
    """The author narrows the audience to private: the second person's reload no longer
    shows it."""
    post = _family_milestone(circle)
    ben_page = page_factory(viewport)
    ben_page.log_in("ben", PASSWORD)
    ben_page.page.goto(post.get_absolute_url())
    expect(ben_page.page.locator("main")).to_contain_text(MILESTONE)
    _shoot(ben_page, 4, label, "1-before")

    ana_page = page_factory(viewport)
    page = ana_page.page
    ana_page.log_in("ana", PASSWORD)
    page.goto(post.get_absolute_url())
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Only me").check()
    _shoot(ana_page, 4, label, "2-edit")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**{post.get_absolute_url()}")
    expect(page.get_by_role("region", name="Who can see this")).to_contain_text("Only you")
    _shoot(ana_page, 4, label, "3-private")

    page = ben_page.page
    ben_page.expect_error_status(post.get_absolute_url())
    response = page.reload()
    assert response.status == 404
    expect(page.get_by_role("heading", name="Nothing here")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(MILESTONE)
    _shoot(ben_page, 4, label, "4-after-reload")
    _nav(page, "Feed").click()
    expect(page.get_by_role("heading", name="Your feed")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(MILESTONE)


@pytest.mark.parametrize(("viewport", "label"), VIEWPORTS)
def test_journey5_the_digest_puts_the_milestone_first(page_factory, circle, viewport, label):
    """The digest page of that week shows the milestone first in the summary, although it
    was shared after another post."""
    ben, cara = circle["ben"], circle["cara"]
    connect(ben, cara)
    week = week_last_completed(ben.timezone)
    tuesday = datetime.combine(week.monday + timedelta(days=1), time(9), tzinfo=UTC)
    services.post_create(
        author=cara,
        body="A long walk along the coast with my sister. " * 8,  # 72 words: importance ≥ 3
        photos=[_photo_upload(color=(170, 150, 110))],
        created_at=tuesday,
    )
    _family_milestone(circle, created_at=tuesday + timedelta(days=2))

    browser_page = page_factory(viewport)
    page = browser_page.page
    browser_page.log_in("ben", PASSWORD)
    _nav(page, "Digest").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(week.label())
    summary = page.locator(".digest-summary")
    expect(summary).to_have_text(re.compile(r"^Big news from Ana Lima: “We got the keys"))
    expect(summary).to_contain_text("Cara Novak and Ana Lima shared 2 moments with you.")
    pages = page.locator(".digest-page")
    expect(pages).to_have_count(2)
    # The pages themselves are chronological: Cara's walk, then Ana's milestone.
    expect(pages.nth(0)).to_contain_text("Cara Novak")
    expect(pages.nth(1)).to_contain_text("Life event")
    _shoot(browser_page, 5, label, "1-digest")


@pytest.mark.parametrize(("viewport", "label"), VIEWPORTS)
def test_journey6_settings_timezone_digest_email_and_export(page_factory, circle, viewport, label):
    """Settings: change the time zone, turn the digest email off, export one's data."""
    _family_milestone(circle)
    browser_page = page_factory(viewport)
    page = browser_page.page
    browser_page.log_in("ana", PASSWORD)
    _nav(page, "Settings").click()
    page.get_by_label("Time zone").select_option("America/Sao_Paulo")
    page.get_by_label("Weekly digest by email").uncheck()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Your settings are saved.")
    expect(page.get_by_label("Time zone")).to_have_value("America/Sao_Paulo")
    expect(page.get_by_label("Weekly digest by email")).not_to_be_checked()
    _shoot(browser_page, 6, label, "1-saved")
    ana = User.objects.get(username="ana")
    assert (ana.timezone, ana.digest_email_enabled) == ("America/Sao_Paulo", False)

    expect(page.get_by_role("heading", name="Your data")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export my data").click()
    download = download_info.value
    assert download.suggested_filename == "intentional-export-ana.zip"
    with open(download.path(), "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = archive.namelist()
    assert any(name.endswith(".json") for name in names), names
    assert MILESTONE in b"".join(archive.read(n) for n in names if n.endswith(".json")).decode()
    _shoot(browser_page, 6, label, "2-exported")
