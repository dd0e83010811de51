"""Alt text in a real browser (issue 17, acceptance 1): the author describes photos on the
compose box and the edit page (JavaScript off: plain forms), is reminded gently of one without a
description, and every page then gives each photo's `img` the author's words as its `alt` —
markup in them shown as text. The digest email's HTML is checked in social/tests/test_alt_text.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from connections.tests.factories import connect
from digest.weeks import week_current
from intentional.tests.browser import DESKTOP, PHONE
from social.models import Post
from social.tests.factories import PASSWORD, UserFactory
from social.tests.helpers import image_bytes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

CAKE = '<b>Grandma</b> & the "big" cake, candles lit'
CANDLES = "Nine candles blown out at once, smoke curling up."

# Every img of the page: its alt attribute as the browser reads it (null: none at all).
IMAGES = """() => [...document.images].map(img => ({
  src: img.getAttribute("src"), alt: img.getAttribute("alt")
}))"""


def _photo_alts(page) -> list[str]:
    """The alt of each photo of a post on the page (avatars are decorative, alt="");
    no img at all may lack the attribute."""
    images = page.evaluate(IMAGES)
    assert all(image["alt"] is not None for image in images), images
    return [image["alt"] for image in images if "/photos/" in (image["src"] or "")]


@pytest.mark.parametrize(("viewport", "label"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_every_photo_carries_the_alt_its_author_gave(page_factory, viewport, label):
    ana = UserFactory(username="ana", display_name="Ana")
    ben = UserFactory(username="ben", display_name="Ben")
    connect(ana, ben)
    browser_page = page_factory(viewport, javascript=False)
    page = browser_page.page
    browser_page.log_in("ana", PASSWORD)

    compose = browser_page.compose()
    compose.get_by_label("What would you like to share?").fill("Her 90th!")
    compose.get_by_label("Photos", exact=True).set_input_files(
        [
            {"name": f"{n}.png", "mimeType": "image/png", "buffer": image_bytes(fmt="PNG")}
            for n in range(2)
        ]
    )
    # The descriptions are folded until wanted (the summary opens them, script or not).
    compose.get_by_text("Describe your photos (alt text)").click()
    compose.get_by_label("Description of photo 1").fill(CAKE)
    compose.get_by_role("button", name="Post").click()
    page.wait_for_url(re.compile(r"/posts/\d+/$"))
    post = Post.objects.get(author=ana)
    # Posted, with a gentle reminder for the photo without a description.
    expect(page.get_by_text("Photo 2 has no description yet.")).to_be_visible()
    assert _photo_alts(page) == [CAKE, "Photo 2 of 2 shared by Ana"]
    browser_page.screenshot(f"alt-reminder-{label}")

    page.get_by_role("link", name="Add one for photo 2").click()
    page.wait_for_url(re.compile(r"/posts/\d+/edit/"))
    expect(page.get_by_label("Description of photo 1 (alt text)")).to_have_value(CAKE)
    page.get_by_label("Description of photo 2 (alt text)").fill(CANDLES)
    page.get_by_role("button", name="Save").click()
    # (The browser keeps the "#photos" of the edit link across the redirect.)
    page.wait_for_url(re.compile(rf"{post.get_absolute_url()}(#photos)?$"))
    expect(page.get_by_text("No description yet")).to_have_count(0)
    # Markup typed in a description is text: no <b> element appeared anywhere.
    assert page.locator(".post b").count() == 0

    for path in (post.get_absolute_url(), "/feed/", "/people/ana/"):
        page.goto(path)
        assert _photo_alts(page) == [CAKE, CANDLES], path

    # Ben, connected: the feed, the post and this week's digest (a preview so far).
    browser_page.context.clear_cookies()
    browser_page.log_in("ben", PASSWORD)
    week = week_current(ben.timezone, now=timezone.now())
    for path in ("/feed/", post.get_absolute_url(), f"/digest/{week}/"):
        page.goto(path)
        assert _photo_alts(page) == [CAKE, CANDLES], path
    # What a screen reader announces for the first photo: the author's words, as text.
    expect(page.get_by_role("img", name=CAKE)).to_have_count(1)
