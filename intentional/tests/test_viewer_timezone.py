"""Every page shows times in the viewer's time zone, as the digest does (SPEC §6):
intentional.middleware.ViewerTimezoneMiddleware."""

import re

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from digest.tests.helpers import at, make_circle, post_at
from social.models import Comment
from social.tests.factories import CommentFactory

# 08:00 UTC on Wednesday 4 February 2026 is 09:00 in Paris (winter: +01:00); ISO week 2026-W06.
POSTED = at("2026-02-04 08:00", "UTC")
PARIS_ISO = "2026-02-04T09:00:00+01:00"


@pytest.fixture
def paris(db, settings):
    settings.RATELIMIT_ENABLE = False
    circle = make_circle("Europe/Paris")
    circle.post = post_at(circle.alice, POSTED, importance=8.0, body="Breakfast in Lyon")
    comment = CommentFactory(post=circle.post, author=circle.bob, body="Looks good")
    Comment.objects.filter(pk=comment.pk).update(created_at=POSTED)
    circle.client = Client()
    circle.client.force_login(circle.me)
    return circle


def times(html: str) -> list[tuple[str, str]]:
    """(datetime attribute, text) of every <time> element of the page."""
    return re.findall(r'<time datetime="([^"]+)">([^<]+)</time>', html)


def test_feed_post_profile_and_digest_show_the_viewers_local_time(paris):
    pages = {
        "feed": "/feed/",
        "post": f"/posts/{paris.post.pk}/",
        "profile": "/people/alice/",
        "digest": "/digest/2026-W06/",
    }
    for name, path in pages.items():
        html = paris.client.get(path).content.decode()
        shown = [(iso, text) for iso, text in times(html) if iso.startswith("2026-02-04")]
        assert shown, f"{name}: the post's time is missing"
        for iso, text in shown:
            assert iso == PARIS_ISO, f"{name}: datetime={iso}"
            assert "09:00" in text and "08:00" not in text, f"{name}: {text}"
    # The post page's comment too.
    post_page = paris.client.get(pages["post"]).content.decode()
    assert [iso for iso, _ in times(post_page)].count(PARIS_ISO) == 2


def test_people_page_shows_connected_since_in_the_viewers_zone(paris):
    # Accepted at 23:30 UTC on 31 January: already February in Paris.
    from connections.models import Connection

    Connection.objects.accepted_between(paris.me, paris.alice).update(
        accepted_at=at("2026-01-31 23:30", "UTC")
    )
    html = paris.client.get("/people/").content.decode()
    assert ("2026-02-01T00:30:00+01:00", "Feb 2026") in times(html)


def test_a_viewer_in_utc_sees_utc(paris):
    paris.me.timezone = "UTC"
    paris.me.save(update_fields=["timezone"])
    html = paris.client.get("/feed/").content.decode()
    assert ("2026-02-04T08:00:00+00:00", "Wed 4 Feb 2026, 08:00") in times(html)


def test_the_api_answers_in_utc_whoever_asks(paris):
    body = paris.client.get(f"/api/v1/posts/{paris.post.pk}/").json()
    assert body["created_at"] == "2026-02-04T08:00:00Z"


def test_the_zone_is_the_requests_only(paris):
    paris.client.get("/feed/")
    assert timezone.get_current_timezone_name() == django_settings.TIME_ZONE


def test_no_extra_query(paris, settings):
    """The person is the one the page loads anyway."""

    def feed_queries() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert paris.client.get("/feed/").status_code == 200
        return [query["sql"] for query in queries.captured_queries]

    with_zone = feed_queries()
    middleware = "intentional.middleware.ViewerTimezoneMiddleware"
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != middleware]
    assert len(feed_queries()) == len(with_zone)
