"""Memories, "From past years" (SPEC §5, issue 17): up to 3 posts of the same ISO week number in
earlier years that the viewer can see now (their own included), most important first, never
twice, off when the viewer turns them off; on the digest page, in the API and in the email."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from connections.models import Connection
from digest.models import DigestMemory
from digest.selectors import digest_memories_select, digests_export
from digest.services import SENT, digest_build, digest_deliver, digest_show
from digest.tests.helpers import at, make_circle, post_at
from digest.weeks import Week
from social.models import Post, User

pytestmark = pytest.mark.django_db

W6 = Week(2026, 6)  # 2 - 8 February 2026
NOW = "2026-02-11 12:00:00+00:00"  # week 7: week 6 is the last completed one


def _ids(posts) -> list[int]:
    return [post.pk for post in posts]


def _this_week(circle):
    """A post of week 6 itself, so that its digest is stored."""
    return post_at(circle.alice, at("2026-02-04 10:00", "UTC"), 3.0, body="This week")


def test_same_week_of_earlier_years_most_important_first_own_included():
    circle = make_circle()
    _this_week(circle)
    # 2025-W06 is 3 - 9 Feb 2025; 2024-W06 is 5 - 11 Feb 2024.
    low = post_at(circle.alice, at("2025-02-04 10:00", "UTC"), 2.0)
    own = post_at(circle.me, at("2025-02-09 23:30", "UTC"), 5.0, audience="private")
    older_tie = post_at(circle.bob, at("2024-02-05 00:00", "UTC"), 3.0)
    newer_tie = post_at(circle.bob, at("2025-02-05 10:00", "UTC"), 3.0)
    post_at(circle.alice, at("2025-02-10 00:00", "UTC"), 9.0)  # 2025-W07
    post_at(circle.alice, at("2025-02-02 23:59", "UTC"), 9.0)  # 2025-W05
    post_at(circle.carol, at("2025-02-04 10:00", "UTC"), 9.0)  # a stranger's
    post_at(circle.alice, at("2026-02-03 10:00", "UTC"), 9.0)  # this year's week 6
    selected = list(digest_memories_select(viewer=circle.me, week=W6))
    assert _ids(selected) == [own.pk, older_tie.pk, newer_tie.pk]
    assert low.pk not in _ids(selected)
    # Stored with the digest, and shown with it.
    digest = digest_build(user=circle.me, week=W6)
    assert set(DigestMemory.objects.filter(digest=digest).values_list("post_id", flat=True)) == {
        own.pk,
        older_tie.pk,
        newer_tie.pk,
    }
    with time_machine.travel(NOW, tick=False):
        page = digest_show(viewer=circle.me, week=W6)
    assert _ids(page.memories) == [own.pk, older_tie.pk, newer_tie.pk]
    assert own.pk not in _ids(page.posts)


def test_week_53_and_the_weeks_that_straddle_new_year():
    """ISO weeks, not calendar ones: 2026-W53 (28 Dec 2026 - 3 Jan 2027) remembers 2020-W53
    (28 Dec 2020 - 3 Jan 2021) and 2015-W53; 2027-W01 remembers each year's week 1, which may
    begin in December. In the viewer's timezone."""
    circle = make_circle()
    in_2020_w53 = post_at(circle.alice, at("2020-12-31 10:00", "UTC"), 3.0)
    in_2020_w53_january = post_at(circle.alice, at("2021-01-03 22:00", "UTC"), 4.0)
    in_2015_w53 = post_at(circle.bob, at("2016-01-01 10:00", "UTC"), 2.0)
    in_2021_w52 = post_at(circle.alice, at("2021-12-31 10:00", "UTC"), 9.0)
    in_2020_w01 = post_at(circle.alice, at("2019-12-30 10:00", "UTC"), 5.0)
    in_2021_w01 = post_at(circle.bob, at("2021-01-04 10:00", "UTC"), 2.5)

    week_53 = digest_memories_select(viewer=circle.me, week=Week(2026, 53))
    assert _ids(week_53) == [in_2020_w53_january.pk, in_2020_w53.pk, in_2015_w53.pk]
    week_1 = digest_memories_select(viewer=circle.me, week=Week(2027, 1))
    assert _ids(week_1) == [in_2020_w01.pk, in_2021_w01.pk]
    week_52 = digest_memories_select(viewer=circle.me, week=Week(2026, 52))
    assert _ids(week_52) == [in_2021_w52.pk]

    # Sunday 3 Jan 2021 22:00 UTC is already Monday of 2021-W01 in Tokyo.
    User.objects.filter(pk=circle.me.pk).update(timezone="Asia/Tokyo")
    circle.me.refresh_from_db()
    assert in_2020_w53_january.pk not in _ids(
        digest_memories_select(viewer=circle.me, week=Week(2026, 53))
    )
    assert in_2020_w53_january.pk in _ids(
        digest_memories_select(viewer=circle.me, week=Week(2027, 1))
    )


@pytest.mark.parametrize("how", ["connection removed", "narrowed to private", "deleted"])
def test_a_memory_the_viewer_can_no_longer_see_is_not_shown(how, client):
    circle = make_circle()
    _this_week(circle)
    kept = post_at(circle.bob, at("2025-02-04 10:00", "UTC"), 3.0, body="Kept")
    gone = post_at(circle.alice, at("2025-02-05 10:00", "UTC"), 5.0, body="GONE-MEMORY")
    with time_machine.travel(NOW, tick=False):
        assert _ids(digest_show(viewer=circle.me, week=W6).memories) == [gone.pk, kept.pk]
        if how == "connection removed":
            Connection.objects.between(circle.me, circle.alice).delete()
        elif how == "narrowed to private":
            Post.objects.filter(pk=gone.pk).update(audience="private")  # audience-ok: test
        else:
            Post.objects.filter(pk=gone.pk).delete()  # audience-ok: test
        assert _ids(digest_show(viewer=circle.me, week=W6).memories) == [kept.pk]
        client.force_login(circle.me)
        html = client.get("/digest/2026-W06/").content.decode()
        api = APIClient()
        api.force_authenticate(circle.me)
        data = api.get("/api/v1/digest/2026-W06/").json()
    assert "From past years" in html and "Kept" in html and "GONE-MEMORY" not in html
    assert [post["id"] for post in data["memories"]] == [kept.pk]


def test_a_memory_is_never_shown_twice():
    circle = make_circle()
    _this_week(circle)
    a_year_ago = post_at(circle.alice, at("2025-02-04 10:00", "UTC"), 3.0)
    first = digest_build(user=circle.me, week=W6)
    assert list(first.memories.values_list("post_id", flat=True)) == [a_year_ago.pk]
    # Building again, even a rebuild, keeps it in that digest only (idempotent).
    digest_build(user=circle.me, week=W6)
    digest_build(user=circle.me, week=W6, rebuild=True)
    assert list(DigestMemory.objects.values_list("digest_id", "post_id")) == [
        (first.pk, a_year_ago.pk)
    ]
    # A year later, week 6 again: 2025's post was shown already, 2026's is new.
    post_at(circle.bob, at("2027-02-10 10:00", "UTC"), 3.0)  # 2027-W06 has a post of its own
    this_year = Post.objects.get(body="This week")  # audience-ok: test
    next_year = digest_build(user=circle.me, week=Week(2027, 6))
    assert list(next_year.memories.values_list("post_id", flat=True)) == [this_year.pk]
    # Nor does a week looked at live (the current one) show it again.
    with time_machine.travel("2027-02-10 12:00:00+00:00", tick=False):
        preview = digest_show(viewer=circle.me, week=Week(2027, 6))
    assert preview.is_preview and preview.memories == []
    assert a_year_ago.pk not in _ids(digest_memories_select(viewer=circle.me, week=Week(2028, 6)))


def test_memories_are_off_when_the_viewer_turns_them_off():
    circle = make_circle()
    _this_week(circle)
    a_year_ago = post_at(circle.alice, at("2025-02-04 10:00", "UTC"), 3.0)
    with time_machine.travel(NOW, tick=False):
        assert _ids(digest_show(viewer=circle.me, week=W6).memories) == [a_year_ago.pk]
        # The settings page has the switch; unticked, stored memories are not shown either.
        client = Client()
        client.force_login(circle.me)
        settings_page = client.get("/settings/").content.decode()
        assert 'name="memories_enabled"' in settings_page and "checked" in settings_page
        response = client.post("/settings/", {"display_name": "Me", "bio": "", "timezone": "UTC"})
        assert response.status_code == 302
        circle.me.refresh_from_db()
        assert circle.me.memories_enabled is False
        assert digest_show(viewer=circle.me, week=W6).memories == []
        assert "From past years" not in client.get("/digest/2026-W06/").content.decode()
        assert list(digest_memories_select(viewer=circle.me, week=W6)) == []
    # The API's own profile carries it too, both ways.
    api = APIClient()
    api.force_authenticate(circle.me)
    assert api.get("/api/v1/me/").json()["memories_enabled"] is False
    answer = api.patch("/api/v1/me/", {"memories_enabled": True}, format="json")
    assert answer.json()["memories_enabled"] is True
    circle.me.refresh_from_db()
    assert circle.me.memories_enabled is True


def test_a_digest_built_with_memories_off_stores_none():
    circle = make_circle()
    _this_week(circle)
    post_at(circle.alice, at("2025-02-04 10:00", "UTC"), 3.0)
    User.objects.filter(pk=circle.me.pk).update(memories_enabled=False)
    circle.me.refresh_from_db()
    digest = digest_build(user=circle.me, week=W6)
    assert not digest.memories.exists()


def test_showing_memories_is_one_query_however_many():
    circle = make_circle()
    people = [circle.alice, circle.bob]
    counts = {}
    with time_machine.travel(NOW, tick=False):
        for week, memories in ((W6, 1), (W6.shifted(-1), 3)):
            monday = at(f"{week.monday.isoformat()} 10:00", "UTC")
            post_at(circle.alice, monday, 3.0)
            for i in range(memories):
                year_ago = Week(2025, week.number).monday
                post_at(
                    people[i % 2],
                    at(f"{year_ago.isoformat()} 10:00", "UTC") + timedelta(hours=i),
                    3.0,
                )
            digest_show(viewer=circle.me, week=week)  # builds and stores
            with CaptureQueriesContext(connection) as queries:
                page = digest_show(viewer=circle.me, week=week)
            counts[len(page.memories)] = len(queries)
    assert set(counts) == {1, 3}
    # How far back their digests go (two queries), the stored digest, its visible posts in
    # entry order with the visible memories (one query): the same for one memory and for three.
    assert counts[1] == counts[3] == 4


def test_the_email_has_the_memories():
    circle = make_circle()
    _this_week(circle)
    post_at(circle.alice, at("2025-02-04 10:00", "UTC"), 3.0, body="<b>Last</b> winter")
    with time_machine.travel("2026-02-09 09:00:00+00:00", tick=False):
        assert digest_deliver(user_id=circle.me.pk, week=W6) == SENT
    [message] = mail.outbox
    [(html, _mimetype)] = message.alternatives
    assert "From past years" in html and "&lt;b&gt;Last&lt;/b&gt; winter" in html
    assert "FROM PAST YEARS" in message.body and "<b>Last</b> winter" in message.body


def test_staff_see_a_digests_memories_in_the_admin(client):
    circle = make_circle()
    _this_week(circle)
    memory = post_at(circle.alice, at("2025-02-04 10:00", "UTC"), 3.0)
    digest = digest_build(user=circle.me, week=W6)
    staff = User.objects.create_superuser(username="staff", email="s@example.com", password="x")
    client.force_login(staff)
    html = client.get(f"/admin/digest/digest/{digest.pk}/change/").content.decode()
    assert "Memories (from past years)" in html and str(memory) in html


def test_the_export_lists_the_memories_still_visible():
    circle = make_circle()
    _this_week(circle)
    kept = post_at(circle.bob, at("2025-02-04 10:00", "UTC"), 3.0)
    hidden = post_at(circle.alice, at("2025-02-05 10:00", "UTC"), 5.0)
    digest_build(user=circle.me, week=W6)
    Post.objects.filter(pk=hidden.pk).update(audience="private")  # audience-ok: test
    [exported] = digests_export(user=circle.me)
    assert exported["week"] == "2026-W06" and exported["memories"] == [kept.pk]
