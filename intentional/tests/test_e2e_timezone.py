"""A person in Paris sees the same local time for a post on the feed, on its page and in their
digest, in a real browser (intentional.middleware.ViewerTimezoneMiddleware)."""

import pytest

from digest.tests.helpers import at, make_circle, post_at
from social.tests.factories import PASSWORD

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


def test_feed_post_and_digest_agree_on_the_local_time(page_factory):
    circle = make_circle("Europe/Paris")
    # 08:00 UTC on Wednesday 4 February 2026: 09:00 in Paris; in the digest of 2026-W06.
    post = post_at(circle.alice, at("2026-02-04 08:00", "UTC"), importance=8.0, body="Lyon")
    browser_page = page_factory()
    page = browser_page.page
    browser_page.log_in("me", PASSWORD)

    def post_time(path: str, selector: str) -> tuple[str, str]:
        page.goto(path)
        time = page.locator(selector).first
        return time.get_attribute("datetime"), time.inner_text()

    feed = post_time("/feed/", f"article:has(a[href='{post.get_absolute_url()}']) time")
    detail = post_time(post.get_absolute_url(), "time")
    digest = post_time("/digest/2026-W06/", ".digest-page-time time")

    assert feed[0] == detail[0] == digest[0] == "2026-02-04T09:00:00+01:00"
    for iso, text in (feed, detail, digest):
        assert text.endswith("09:00"), (iso, text)
    assert "Wed" in feed[1] and "Wednesday" in digest[1]
