"""Building, storing and showing digests: the service, the pages and the API."""

from datetime import UTC, timedelta
from importlib import import_module

import pytest
import time_machine
from django.apps import apps as django_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from connections.models import Connection
from connections.tests.factories import BlockFactory
from digest.models import Digest, DigestEntry
from digest.selectors import digest_select
from digest.services import FutureWeek, WeekBeforeFirst, digest_build, digest_show
from digest.summary import QUIET_WEEK, summary_basis
from digest.tests.helpers import at, joined_at, make_circle, post_at
from digest.weeks import Week
from social.exports import export_data
from social.models import Post
from social.services import post_destroy, post_update
from social.tests.factories import CommentFactory

pytestmark = pytest.mark.django_db

W6 = Week(2026, 6)  # 2 - 8 February 2026
# Wednesday of week 7: week 6 is the last completed week, week 7 the current one.
NOW = "2026-02-11 12:00:00+00:00"


def _week_posts(circle, count):
    """`count` qualifying posts in W6, spread over authors and days."""
    people = [circle.alice, circle.bob]
    start = at("2026-02-02 08:00", "UTC")
    return [
        post_at(people[i % 2], start + timedelta(hours=5 * i), 2.0 + (i % 5)) for i in range(count)
    ]


# --- build ------------------------------------------------------------------------------------


def test_build_stores_the_selection_in_order_and_is_idempotent():
    circle = make_circle()
    posts = _week_posts(circle, 4)
    digest = digest_build(user=circle.me, week=W6)
    assert digest.week == "2026-W06"
    assert digest.summary_source == "builtin"
    assert "Alice and Bob shared 4 moments with you." in digest.summary
    assert [entry.post_id for entry in digest.entries.all()] == [post.pk for post in posts]
    assert digest.starts_at == at("2026-02-02 00:00", "UTC")
    # A second build returns the stored digest, even if more posts appear.
    post_at(circle.alice, at("2026-02-07 10:00", "UTC"), 2.0)
    again = digest_build(user=circle.me, week=W6)
    assert again.pk == digest.pk
    assert again.entries.count() == 4
    assert Digest.objects.count() == 1
    # A rebuild selects again.
    rebuilt = digest_build(user=circle.me, week=W6, rebuild=True)
    assert rebuilt.pk == digest.pk
    assert rebuilt.entries.count() == 5


@pytest.mark.parametrize("count", [3, 40])
def test_building_runs_a_constant_number_of_queries(django_assert_num_queries, count):
    circle = make_circle()
    _week_posts(circle, count)
    # Look up a stored digest; select (steps 1-4 and the authors in one query, or two for a
    # week short of a full digest: `digest_select`); select the memories (one query, none
    # found here); then write: savepoint, insert the digest, bulk-insert its entries, release
    # the savepoint.
    with django_assert_num_queries(7 if count >= 12 else 8):
        digest = digest_build(user=circle.me, week=W6)
    assert digest.entries.count() == min(count, 12)


@pytest.mark.parametrize("count", [3, 40])
def test_selection_is_one_query(django_assert_num_queries, count):
    """One query for a full digest; a week short of one is selected again over all its posts
    (`digest_select`): two. Never a query per post."""
    circle = make_circle()
    _week_posts(circle, count)
    with django_assert_num_queries(1 if count >= 12 else 2):
        selected = digest_select(recipient=circle.me, week=W6)
    assert [post.author.name for post in selected]  # authors came with the same query


def test_showing_a_stored_digest_runs_a_constant_number_of_queries():
    circle = make_circle()
    _week_posts(circle, 3)  # week 6
    people = [circle.alice, circle.bob]
    start = at("2026-01-26 08:00", "UTC")  # week 5
    for i in range(40):
        post_at(people[i % 2], start + timedelta(hours=4 * i), 2.0 + (i % 5))
    counts = {}
    with time_machine.travel(NOW, tick=False):
        for week in (W6, W6.shifted(-1)):
            digest_show(viewer=circle.me, week=week)  # builds and stores
            with CaptureQueriesContext(connection) as queries:
                page = digest_show(viewer=circle.me, week=week)
            counts[len(page.posts)] = len(queries)
    assert set(counts) == {3, 12}
    # How far back their digests go (the earliest visible post, the earliest digest: they
    # joined after both weeks), the stored digest, and its posts still visible with their
    # details in entry order with the memories stored with it that are visible now (one).
    assert counts[3] == counts[12] == 4


def test_a_deleted_post_leaves_the_stored_digest_and_its_summary():
    circle = make_circle()
    from_alice = post_at(circle.alice, at("2026-02-03 10:00", "UTC"), 8.0, body="We got married!")
    from_bob = post_at(circle.bob, at("2026-02-04 10:00", "UTC"), 3.0, body="New bike.")
    with time_machine.travel(NOW, tick=False):
        digest = digest_build(user=circle.me, week=W6)
        assert "married" in digest.summary
        Post.objects.filter(pk=from_alice.pk).delete()
        page = digest_show(viewer=circle.me, week=W6)
    assert [entry.post_id for entry in DigestEntry.objects.filter(digest=digest)] == [
        None,
        from_bob.pk,
    ]
    assert [post.pk for post in page.posts] == [from_bob.pk]
    # The stored summary quoted the deleted post: the one shown is written from what is left.
    assert "married" not in page.summary and "Alice" not in page.summary


def test_showing_a_stored_digest_rechecks_visibility():
    circle = make_circle()
    from_alice = post_at(circle.alice, at("2026-02-03 10:00", "UTC"), 8.0, body="We got married!")
    from_bob = post_at(circle.bob, at("2026-02-04 10:00", "UTC"), 3.0, body="New bike.")
    with time_machine.travel(NOW, tick=False):
        page = digest_show(viewer=circle.me, week=W6)
        assert [post.pk for post in page.posts] == [from_alice.pk, from_bob.pk]
        assert "married" in page.summary
        Connection.objects.filter(user_a__in=[circle.me, circle.alice]).filter(
            user_b__in=[circle.me, circle.alice]
        ).delete()
        page = digest_show(viewer=circle.me, week=W6)
    assert [post.pk for post in page.posts] == [from_bob.pk]
    # The stored summary mentioned the hidden post: the one shown is written from what is left.
    assert "married" not in page.summary and "Alice" not in page.summary
    assert page.summary_source == "builtin"
    assert [person.username for person in page.people] == ["bob"]


def _change(post, how):
    """The author edits `post`, narrows it to themselves, or deletes it."""
    if how == "edit":
        post_update(user=post.author, post_id=post.pk, body="We eloped!")
    elif how == "narrow":
        post_update(user=post.author, post_id=post.pk, audience="private")
    else:
        post_destroy(post=post)


def _summary_on(surface, client, viewer) -> str:
    """The summary of W6 that `viewer` gets on a surface: the page, the API or their export."""
    if surface == "page":
        client.force_login(viewer)
        html = client.get("/digest/2026-W06/").content.decode()
        return html.split('class="digest-summary">')[1].split("</p>")[0]
    if surface == "api":
        api = APIClient()
        api.force_authenticate(viewer)
        return api.get("/api/v1/digest/2026-W06/").json()["summary"]
    [digest] = export_data(user=viewer)["digests"]
    return digest["summary"] or ""


@pytest.mark.parametrize("how", ["edit", "narrow", "delete"])
@pytest.mark.parametrize("surface", ["page", "api", "export"])
@time_machine.travel(NOW, tick=False)
def test_a_stored_summary_never_quotes_text_that_is_gone(client, how, surface):
    circle = make_circle()
    news = post_at(circle.alice, at("2026-02-03 10:00", "UTC"), 8.0, body="We got married!",
                   is_milestone=True)  # fmt: skip
    post_at(circle.bob, at("2026-02-04 10:00", "UTC"), 3.0, body="New bike.")
    digest_show(viewer=circle.me, week=W6)  # built and stored
    assert "married" in _summary_on(surface, client, circle.me)
    _change(news, how)
    summary = _summary_on(surface, client, circle.me)
    assert "married" not in summary
    if surface != "export":  # written again from what is visible now
        assert "New bike." in summary
        assert ("eloped" in summary) == (how == "edit")
    assert Digest.objects.get().summary_basis  # the stored row is left as it was


@time_machine.travel(NOW, tick=False)
def test_a_stored_llm_summary_is_kept_until_its_posts_change():
    circle = make_circle()
    news = post_at(circle.alice, at("2026-02-03 10:00", "UTC"), 8.0, body="We got married!")
    digest = digest_build(user=circle.me, week=W6)
    Digest.objects.filter(pk=digest.pk).update(summary="Alice married.", summary_source="llm")
    # Nothing the summary was written from changed: a new comment, a wider audience.
    CommentFactory(post=news, author=circle.me)
    page = digest_show(viewer=circle.me, week=W6)
    assert (page.summary, page.summary_source) == ("Alice married.", "llm")
    post_update(user=circle.alice, post_id=news.pk, body="We got married! Photos soon.")
    page = digest_show(viewer=circle.me, week=W6)
    assert page.summary_source == "builtin"
    assert "Photos soon." not in page.summary and "We got married!" in page.summary


def test_digests_stored_before_the_basis_get_one_unless_their_posts_changed():
    record_bases = import_module("digest.migrations.0003_digest_summary_basis").record_bases
    circle = make_circle()
    kept = post_at(circle.alice, at("2026-02-03 10:00", "UTC"), 3.0, body="Kept.")
    edited = post_at(circle.alice, at("2026-01-27 10:00", "UTC"), 3.0, body="Before.")
    with time_machine.travel(NOW, tick=False):
        intact = digest_build(user=circle.me, week=W6)
        stale = digest_build(user=circle.me, week=W6.shifted(-1))
        quiet = digest_build(user=circle.me, week=W6.shifted(-2))
    Post.objects.filter(pk=edited.pk).update(body="After.", edited_at=at("2026-02-12", "UTC"))
    Digest.objects.update(summary_basis="")
    record_bases(django_apps, None)
    bases = dict(Digest.objects.values_list("pk", "summary_basis"))
    assert bases[intact.pk] == summary_basis([kept])
    assert bases[quiet.pk] == summary_basis([])
    assert bases[stale.pk] == ""  # unknown: written again whenever shown


def test_the_current_week_is_a_preview_and_not_stored():
    circle = make_circle()
    post = post_at(circle.alice, at("2026-02-10 10:00", "UTC"), 2.0)
    with time_machine.travel(NOW, tick=False):
        page = digest_show(viewer=circle.me, week=Week(2026, 7))
    assert page.is_preview
    assert [p.pk for p in page.posts] == [post.pk]
    assert page.next_week is None
    assert not Digest.objects.exists()


@pytest.mark.parametrize("prefix", ["/digest/", "/api/v1/digest/"])
@time_machine.travel(NOW, tick=False)
def test_looking_at_a_week_stores_it_only_if_completed_and_not_empty(client, prefix):
    circle = make_circle()
    # Week 3: a candidate below DIGEST_MIN_IMPORTANCE, so nothing is selected.
    post_at(circle.alice, at("2026-01-13 10:00", "UTC"), 1.0)
    post_at(circle.alice, at("2026-02-03 10:00", "UTC"), 3.0)  # week 6, the last completed
    post_at(circle.bob, at("2026-02-10 10:00", "UTC"), 3.0)  # week 7, the current one
    client.force_login(circle.me)
    for week in ["2026-W03", "2026-W04", "2026-W05", "2026-W07", "2026-W05"]:
        assert client.get(f"{prefix}{week}/").status_code == 200
    assert not Digest.objects.exists()
    for _ in range(2):
        assert client.get(f"{prefix}2026-W06/").status_code == 200
        assert client.get(prefix).status_code == 200  # the last completed week: W6 again
    assert list(Digest.objects.values_list("week", flat=True)) == ["2026-W06"]


def test_showing_an_empty_past_week_stores_nothing_in_two_queries(django_assert_num_queries):
    circle = make_circle()
    joined_at(circle.me, at("2025-06-01 10:00", "UTC"))
    _week_posts(circle, 3)  # week 6; week 5 is empty
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(4):
        # Look up a stored digest; select (two queries: less than a full digest); select the
        # memories, loaded to show (one query). Nothing to store, nothing more to load.
        page = digest_show(viewer=circle.me, week=W6.shifted(-1))
    assert (page.posts, page.summary, page.is_preview) == ([], QUIET_WEEK, False)
    assert page.next_week == W6


def test_a_future_week_is_refused_and_the_default_is_the_last_completed_week():
    circle = make_circle("Asia/Tokyo")
    # Sunday 15:30 UTC = Monday 00:30 in Tokyo: week 7 is already over there.
    with time_machine.travel("2026-02-15 15:30:00+00:00", tick=False):
        with pytest.raises(FutureWeek):
            digest_show(viewer=circle.me, week=Week(2026, 9))
        page = digest_show(viewer=circle.me)
    assert page.week == Week(2026, 7)
    assert not page.is_preview


# --- pages ------------------------------------------------------------------------------------


def _photo(post):
    from social.models import Photo

    return Photo.objects.create(
        post=post,
        position=0,
        display_key="d.jpg",
        thumbnail_key="t.jpg",
        width=1600,
        height=1200,
        thumbnail_width=640,
        thumbnail_height=480,
    )


@time_machine.travel(NOW, tick=False)
def test_digest_page_shows_the_week_like_a_magazine(client):
    circle = make_circle()
    joined_at(circle.me, at("2025-06-01 10:00", "UTC"))
    milestone = post_at(
        circle.alice, at("2026-02-03 10:00", "UTC"), 8.0, body="<b>We</b> got married!",
        is_milestone=True,
    )  # fmt: skip
    _photo(milestone)
    post_at(circle.bob, at("2026-02-04 10:00", "UTC"), 3.0, body="New bike.")
    post_at(circle.carol, at("2026-02-04 10:00", "UTC"), 3.0, body="Stranger danger.")
    client.force_login(circle.me)
    response = client.get("/digest/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>2 – 8 Feb 2026</h1>" in html
    assert "&lt;b&gt;We&lt;/b&gt; got married!" in html and "<b>We</b>" not in html
    assert "Life event" in html and "is-milestone" in html
    assert 'loading="lazy"' in html and 'width="1600"' in html and 'height="1200"' in html
    assert "New bike." in html and "Stranger danger." not in html
    assert 'href="/digest/2026-W05/"' in html and 'href="/digest/2026-W07/"' in html
    assert "<script>" not in html.split("</main>")[0].split("<main")[1]
    assert client.get("/digest/2026-W06/").content.decode().count("digest-page ") == 2


@time_machine.travel(NOW, tick=False)
def test_a_quiet_week_is_a_friendly_page(client):
    circle = make_circle()
    joined_at(circle.me, at("2025-06-01 10:00", "UTC"))
    client.force_login(circle.me)
    response = client.get("/digest/2026-W03/")
    assert response.status_code == 200
    assert "Nobody shared anything this week" in response.content.decode()


@time_machine.travel(NOW, tick=False)
def test_week_pages_refuse_bad_and_future_weeks(client):
    circle = make_circle()
    client.force_login(circle.me)
    assert client.get("/digest/2026-W54/").status_code == 400
    assert "2026 has no week 54" in client.get("/digest/2026-W54/").content.decode()
    assert client.get("/digest/nonsense/").status_code == 400
    assert client.get("/digest/2026-W08/").status_code == 404
    preview = client.get("/digest/2026-W07/")
    assert preview.status_code == 200 and "This week so far" in preview.content.decode()


def _previous_links(client, start: str) -> list[str]:
    """The weeks met following "previous week" links from `start` until there is none."""
    weeks, url = [], start
    while url and len(weeks) < 10:
        html = client.get(url).content.decode()
        weeks.append(html.split('class="digest-week-code">')[1].split("<")[0])
        url = html.split('rel="prev" href="')[1].split('"')[0] if 'rel="prev"' in html else None
    return weeks


@time_machine.travel(NOW, tick=False)
def test_previous_week_links_stop_at_the_week_the_person_joined(client):
    circle = make_circle()
    joined_at(circle.me, at("2026-01-28 10:00", "UTC"))  # Wednesday of week 5
    post_at(circle.alice, at("2026-02-03 10:00", "UTC"), 3.0)
    client.force_login(circle.me)
    assert _previous_links(client, "/digest/2026-W07/") == ["2026-W07", "2026-W06", "2026-W05"]
    first = client.get("/digest/2026-W05/").content.decode()
    assert 'rel="prev"' not in first and 'href="/digest/2026-W06/"' in first
    before = client.get("/digest/2026-W04/")
    assert before.status_code == 404
    text = before.content.decode()
    assert "Your digests begin with the week of 26 Jan – 1 Feb 2026 (2026-W05)." in text
    assert 'href="/digest/2026-W05/"' in text
    assert client.get("/digest/2000-W01/").status_code == 404
    api = APIClient()
    api.force_authenticate(circle.me)
    assert api.get("/api/v1/digest/2026-W05/").status_code == 200
    response = api.get("/api/v1/digest/2026-W04/")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "type": "not_found",
        "message": "Your digests begin with the week of 26 Jan – 1 Feb 2026 (2026-W05).",
    }
    assert not Digest.objects.exclude(week="2026-W06").exists()


@time_machine.travel(NOW, tick=False)
def test_the_first_week_goes_back_to_posts_they_can_see_and_digests_they_have():
    circle = make_circle()
    joined_at(circle.me, at("2026-02-09 10:00", "UTC"))  # Monday of week 7, the current one
    # Not visible to me: neither of these moves my first week.
    post_at(circle.alice, at("2026-01-06 10:00", "UTC"), 3.0, audience="private")  # week 2
    post_at(circle.carol, at("2026-01-06 10:00", "UTC"), 3.0)  # a stranger, week 2
    with pytest.raises(WeekBeforeFirst) as refused:
        digest_show(viewer=circle.me, week=W6.shifted(-1))
    # The last completed week is always there (/digest/), with no week before it.
    assert refused.value.first == W6
    assert digest_show(viewer=circle.me).previous_week is None
    # A connection's older post that I can see: my digests begin with its week.
    older = post_at(circle.bob, at("2026-01-14 10:00", "UTC"), 3.0)  # week 3
    page = digest_show(viewer=circle.me, week=Week(2026, 3))
    assert [post.pk for post in page.posts] == [older.pk] and page.previous_week is None
    assert digest_show(viewer=circle.me, week=Week(2026, 4)).previous_week == Week(2026, 3)
    # Hidden again: its digest, stored, stays reachable (the email links to it).
    Post.objects.filter(pk=older.pk).update(audience="private")
    page = digest_show(viewer=circle.me, week=Week(2026, 3))
    assert page.posts == [] and page.previous_week is None
    with pytest.raises(WeekBeforeFirst):
        digest_show(viewer=circle.me, week=Week(2026, 2))


def test_digest_pages_need_a_login(client):
    response = client.get("/digest/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- API --------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_api_digest_shape(api_client):
    circle = make_circle("America/Los_Angeles")
    post = post_at(circle.alice, at("2026-02-03 10:00", "America/Los_Angeles"), 8.0,
                   body="We got married!", is_milestone=True)  # fmt: skip
    post_at(circle.me, at("2026-02-03 11:00", "America/Los_Angeles"), 8.0, body="My own.")
    api_client.force_authenticate(circle.me)
    data = api_client.get("/api/v1/digest/").json()
    assert set(data) == {
        "week", "starts_at", "ends_at", "summary", "summary_source", "people", "posts",
        "memories",
    }  # fmt: skip
    assert data["memories"] == []
    assert data["week"] == "2026-W06"
    assert data["starts_at"] == "2026-02-02T08:00:00Z"
    assert data["ends_at"] == "2026-02-09T08:00:00Z"
    assert data["summary_source"] == "builtin"
    assert "Alice" in data["summary"] and "My own" not in data["summary"]
    assert data["people"] == [{"username": "alice", "display_name": "Alice"}]
    assert [item["id"] for item in data["posts"]] == [post.pk]
    assert data["posts"][0]["is_milestone"] is True
    assert api_client.get("/api/v1/digest/2026-W06/").json() == data


@time_machine.travel(NOW, tick=False)
def test_api_bad_and_future_weeks(api_client, user):
    api_client.force_authenticate(user)
    response = api_client.get("/api/v1/digest/2026-W54/")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "validation_error"
    assert "week" in error["fields"] and "54" in error["message"]
    response = api_client.get("/api/v1/digest/2026-W99/")
    assert response.status_code == 400
    response = api_client.get("/api/v1/digest/2026-W08/")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"
    preview = api_client.get("/api/v1/digest/2026-W07/").json()
    assert preview["posts"] == [] and preview["summary"] == QUIET_WEEK


def test_api_needs_authentication(api_client):
    assert api_client.get("/api/v1/digest/").status_code == 401


def test_api_with_a_jwt_and_blocked_authors(auth_api):
    # Real time: a JWT issued now is "not yet valid" at an earlier frozen time.
    from datetime import datetime, time

    from connections.tests.factories import connect
    from digest.weeks import week_last_completed

    alice = make_circle().alice
    connect(auth_api.user, alice)
    week = week_last_completed(auth_api.user.timezone)
    tuesday = datetime.combine(week.monday + timedelta(days=1), time(10), tzinfo=UTC)
    post_at(alice, tuesday, 5.0)
    assert len(auth_api.get("/api/v1/digest/").json()["posts"]) == 1
    BlockFactory(blocker=auth_api.user, blocked=alice)
    assert auth_api.get(f"/api/v1/digest/{week}/").json()["posts"] == []


def test_the_llm_endpoint_gets_only_the_selected_posts_the_recipient_can_see(settings):
    from digest.tests.test_summary import LLMServer

    server = LLMServer()
    server.thread.start()
    settings.LLM_API_URL = server.url
    server.answer("Alice had a lovely week.")
    try:
        circle = make_circle()
        post_at(circle.alice, at("2026-02-03 10:00", "UTC"), 3.0, body="Visible to me.")
        post_at(circle.alice, at("2026-02-03 11:00", "UTC"), 9.0, body="Only me.",
                audience="private")  # fmt: skip
        post_at(circle.me, at("2026-02-03 12:00", "UTC"), 9.0, body="My own post.")
        post_at(circle.carol, at("2026-02-03 13:00", "UTC"), 9.0, body="Stranger's post.")
        digest = digest_build(user=circle.me, week=W6)
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
    assert (digest.summary, digest.summary_source) == ("Alice had a lovely week.", "llm")
    [request] = server.requests
    sent = " ".join(message["content"] for message in request["json"]["messages"])
    assert "Alice: Visible to me." in sent
    for secret in ("Only me", "My own post", "Stranger"):
        assert secret not in sent
