"""The weekly batch's shortcuts keep every guarantee (issue 18): the selection's first try over
the week's first posts gives what SPEC §5 gives; a digest built and emailed in one call takes two
commits and the same email as one read again; the claim, the failures and the races still send
each week once."""

import random
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from connections.models import Mute
from connections.tests.factories import TagFactory, TagMembershipFactory, connect
from digest import emails, selectors, services
from digest.models import Digest, DigestDelivery, DigestMemory
from digest.selectors import digest_select
from digest.services import (
    ALREADY_DONE,
    SENT,
    SKIPPED_EMPTY,
    digest_build,
    digest_deliver,
)
from digest.tests.helpers import at, make_circle, post_at
from digest.weeks import Week
from intentional.tests.races import postgres_only, race
from social import services as social_services
from social.models import Photo, Post
from social.tests.factories import UserFactory

W6 = Week(2026, 6)  # 2 - 8 February 2026
NOW = "2026-02-09 09:00:00+00:00"  # Monday, after 08:00 UTC: week 6 is due


# --- the selection's first try ------------------------------------------------------------------


def _spec_selection(viewer, week, settings) -> list[int]:
    """SPEC §5 steps 1-5 in plain Python, over the posts `visible_to` gives the viewer."""
    start, end = week.bounds(viewer.timezone)
    muted = Mute.objects.active().filter(muter=viewer).values("muted")
    posts = list(
        Post.objects.visible_to(viewer)
        .exclude(author=viewer)
        .exclude(author__in=muted)
        .filter(created_at__gte=start, created_at__lt=end)
    )
    posts = [post for post in posts if post.importance >= settings.DIGEST_MIN_IMPORTANCE]
    if any(post.importance >= settings.DIGEST_EVENT_IMPORTANCE for post in posts):
        posts = [p for p in posts if p.importance >= settings.DIGEST_LOW_PRIORITY_IMPORTANCE]
    order = lambda post: (-post.importance, post.created_at, post.pk)  # noqa: E731
    zone = ZoneInfo(viewer.timezone)
    kept, per_day = [], Counter()
    for post in sorted(posts, key=order):
        day = (post.author_id, post.created_at.astimezone(zone).date())
        if per_day[day] < settings.DIGEST_PER_PERSON_PER_DAY:
            per_day[day] += 1
            kept.append(post)
    kept = sorted(kept, key=order)[: settings.DIGEST_MAX_PAGES]
    return [post.pk for post in sorted(kept, key=lambda post: (post.created_at, post.pk))]


@pytest.fixture
def busy_week(db):
    """A week of 90 posts by six connections and a stranger: every audience (tags the viewers
    carry or not), importance ties, several posts of one person on one day; `me` (in Tokyo)
    muted one of them."""
    rng = random.Random(18)
    me = UserFactory(username="me", timezone="Asia/Tokyo")
    friends = [UserFactory(username=f"friend{i}") for i in range(6)]
    stranger = UserFactory(username="stranger")
    for friend in friends:
        connect(me, friend)
    connect(friends[0], friends[1])
    Mute.objects.create(muter=me, muted=friends[5])
    tags = {}
    for friend in friends:
        carried = TagFactory(owner=friend, name="close")
        for target in (me, friends[0]):
            TagMembershipFactory(tag=carried, target=target, include_earlier_posts=True)
        tags[friend] = (carried, TagFactory(owner=friend, name="others"))
    start = at("2026-02-02 00:00", "Asia/Tokyo")
    for _index in range(90):
        author = rng.choice([*friends, stranger])
        audience = rng.choice(["connections"] * 5 + ["private", "tags", "tags"])
        fields = {"audience": audience}
        if audience == "tags" and author == stranger:
            fields = {"audience": "private"}
        elif audience == "tags":
            fields["audience_tags"] = [rng.choice(tags[author])]
        when = start + timedelta(hours=rng.randrange(0, 7 * 24), minutes=rng.choice([0, 30]))
        importance = rng.choice([1.0, 1.6, 2.0, 2.0, 2.5, 3.0, 3.5, 5.0, 5.0, 7.5])
        post_at(author, when, importance, **fields)
    return {"me": me, "friends": friends}


@pytest.mark.parametrize("per_page", [1, 2, 4, 1000])
@pytest.mark.parametrize("pages", [3, 6, 12])
def test_the_first_try_gives_what_spec_section_5_gives(busy_week, settings, monkeypatch,
                                                        per_page, pages):  # fmt: skip
    """However many of the week's first posts the first try looks at (a page's worth, or
    all), and whether it falls back or not, the selection is SPEC §5's."""
    settings.DIGEST_MAX_PAGES = pages
    monkeypatch.setattr(selectors, "_PREFIX_PER_PAGE", per_page)
    for viewer in [busy_week["me"], *busy_week["friends"][:3]]:
        expected = _spec_selection(viewer, W6, settings)
        assert [post.pk for post in digest_select(recipient=viewer, week=W6)] == expected


@pytest.mark.django_db
def test_first_posts_the_viewer_cannot_see_or_from_one_busy_day_fall_back_to_the_whole_week(
    settings, django_assert_num_queries
):
    """The week's most important posts are hidden from `me`, or one person's one day: the first
    try finds less than a digest, and the whole week is selected."""
    settings.DIGEST_MAX_PAGES = 2  # the first try looks at the first 8 posts
    circle = make_circle()
    for hour in range(8):
        post_at(circle.alice, at(f"2026-02-03 {hour:02d}:00", "UTC"), 6.0, audience="private")
    flood = [post_at(circle.bob, at(f"2026-02-04 {h:02d}:00", "UTC"), 5.0) for h in range(8)]
    later = post_at(circle.alice, at("2026-02-05 10:00", "UTC"), 2.5)
    with django_assert_num_queries(2):
        selected = digest_select(recipient=circle.me, week=W6)
    # Bob's day gives its two first; Alice's visible post comes after all the hidden ones.
    assert [post.pk for post in selected] == [flood[0].pk, flood[1].pk]
    for post in flood[2:]:
        post.delete()
    assert [post.pk for post in digest_select(recipient=circle.me, week=W6)] == [
        flood[0].pk,
        flood[1].pk,
    ]
    flood[1].delete()
    assert [post.pk for post in digest_select(recipient=circle.me, week=W6)] == [
        flood[0].pk,
        later.pk,
    ]


# --- one delivery: its commits, its page --------------------------------------------------------


def _statements(queries) -> list[str]:
    return [query["sql"].split()[0] for query in queries]


def _writes_outside_transactions(statements: list[str]) -> int:
    inside, outside = False, 0
    for statement in statements:
        if statement == "BEGIN":
            inside = True
        elif statement in ("COMMIT", "ROLLBACK"):
            inside = False
        elif statement in ("INSERT", "UPDATE", "DELETE") and not inside:
            outside += 1
    return outside


@pytest.mark.django_db(transaction=True)
def test_a_digest_built_and_emailed_in_one_call_takes_two_commits():
    circle = make_circle()
    for day in range(2, 8):
        post_at(circle.alice, at(f"2026-02-0{day} 10:00", "UTC"), 3.0)
        post_at(circle.bob, at(f"2026-02-0{day} 11:00", "UTC"), 3.0)
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
        assert digest_deliver(user_id=circle.me.pk, week=W6) == SENT
    statements = _statements(queries)
    # The person, their digest (none yet), the selection (a full digest: one query), the
    # memories; the digest, its entries and its delivery row claimed, in one transaction; the
    # week's notifications (none: no more queries); sent, in the second.
    assert statements == [
        "SELECT", "SELECT", "SELECT", "SELECT",
        "BEGIN", "INSERT", "INSERT", "INSERT", "COMMIT",
        "SELECT",
        "BEGIN", "UPDATE", "UPDATE", "COMMIT",
    ]  # fmt: skip
    assert DigestDelivery.objects.get().status == "sent" and len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_an_empty_week_is_stored_skipped_in_one_commit():
    circle = make_circle()
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
        assert digest_deliver(user_id=circle.me.pk, week=W6) == SKIPPED_EMPTY
    statements = _statements(queries)
    assert statements.count("COMMIT") == 1 and _writes_outside_transactions(statements) == 0
    assert DigestDelivery.objects.get().status == "skipped"
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_digest_stored_before_is_claimed_and_sent_in_two_commits():
    """Built by a page view (no delivery row): the claim creates the row claimed."""
    circle = make_circle()
    post_at(circle.alice, at("2026-02-04 10:00", "UTC"), 3.0)
    digest_build(user=circle.me, week=W6)
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
        assert digest_deliver(user_id=circle.me.pk, week=W6) == SENT
    statements = _statements(queries)
    assert statements.count("COMMIT") == 2 and _writes_outside_transactions(statements) == 0
    delivery = DigestDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("sent", 1)


@pytest.mark.django_db
def test_the_email_of_a_digest_built_in_the_same_call_is_the_one_read_again(monkeypatch):
    """Milestone, photos with and without alt text, a tags post, a memory, a summary: the email
    made from the build's own selection is the email made from the stored digest read again."""
    circle = make_circle()
    family = TagFactory(owner=circle.bob, name="family")
    TagMembershipFactory(tag=family, target=circle.me, include_earlier_posts=True)
    milestone = post_at(circle.alice, at("2026-02-03 10:00", "UTC"), 8.0, is_milestone=True,
                        body="We got married & moved!")  # fmt: skip
    for position, alt in enumerate(["The two of us", ""]):
        Photo.objects.create(post=milestone, position=position, display_key=f"d{position}.jpg",
                             thumbnail_key=f"t{position}.jpg", width=800, height=600,
                             thumbnail_width=400, thumbnail_height=300, alt=alt)  # fmt: skip
    post_at(circle.bob, at("2026-02-05 10:00", "UTC"), 3.5, audience="tags",
            audience_tags=[family], body="Family only")  # fmt: skip
    post_at(circle.bob, at("2025-02-04 10:00", "UTC"), 3.0, body="A year ago")
    reads = Counter()
    read_page = services.digest_stored_page

    def counted(**arguments):
        reads["stored page"] += 1
        return read_page(**arguments)

    monkeypatch.setattr(services, "digest_stored_page", counted)
    with time_machine.travel(NOW, tick=False):
        assert digest_deliver(user_id=circle.me.pk, week=W6) == SENT
        assert reads["stored page"] == 0  # built here: the build's selection is the page
        # As if a later run found it unsent: the stored digest is read again, as the recipient.
        DigestDelivery.objects.update(status=DigestDelivery.Status.FAILED)
        assert digest_deliver(user_id=circle.me.pk, week=W6) == SENT
        assert reads["stored page"] == 1
    built, read_again = mail.outbox
    assert "A year ago" in built.body and "Family only" in built.body
    assert "The two of us" in built.body and "The two of us" in built.alternatives[0][0]
    assert (built.subject, built.body, built.alternatives, built.extra_headers) == (
        read_again.subject,
        read_again.body,
        read_again.alternatives,
        read_again.extra_headers,
    )


@pytest.mark.django_db
def test_with_a_summary_endpoint_the_page_is_read_again_when_sending(settings, monkeypatch):
    """An endpoint may take seconds: a post narrowed meanwhile is not sent, nor quoted."""
    settings.LLM_API_URL = "http://127.0.0.1:9/v1/chat/completions"
    circle = make_circle()
    post_at(circle.alice, at("2026-02-03 10:00", "UTC"), 3.0, body="Still visible")
    narrowed = post_at(circle.bob, at("2026-02-04 10:00", "UTC"), 3.0, body="NARROWED-LATER")

    def slow_endpoint(posts):
        Post.objects.filter(pk=narrowed.pk).update(audience=Post.Audience.PRIVATE)
        return "A summary quoting NARROWED-LATER.", "llm"

    monkeypatch.setattr(services, "summary_generate", slow_endpoint)
    with time_machine.travel(NOW, tick=False):
        assert digest_deliver(user_id=circle.me.pk, week=W6) == SENT
    [message] = mail.outbox
    assert "Still visible" in message.body
    assert "NARROWED-LATER" not in message.body + message.alternatives[0][0]


@pytest.mark.django_db
def test_a_memory_another_digest_took_meanwhile_is_not_emailed(monkeypatch):
    circle = make_circle()
    post_at(circle.alice, at("2026-02-04 10:00", "UTC"), 3.0, body="This week")
    memory = post_at(circle.alice, at("2025-02-04 10:00", "UTC"), 3.0, body="TAKEN-MEMORY")
    kept = post_at(circle.bob, at("2025-02-05 10:00", "UTC"), 2.0, body="Kept memory")
    other = Digest.objects.create(user=circle.me, week="2026-W05", starts_at=at(
        "2026-01-26 00:00", "UTC"), ends_at=at("2026-02-02 00:00", "UTC"),
        built_at=at("2026-02-02 09:00", "UTC"))  # fmt: skip
    choose = services.digest_memories_select

    def racing(**arguments):
        chosen = choose(**arguments)
        # Another worker builds another digest of theirs and stores the same memory first.
        DigestMemory.objects.create(digest=other, user=circle.me, post=memory)
        return chosen

    monkeypatch.setattr(services, "digest_memories_select", racing)
    with time_machine.travel(NOW, tick=False):
        assert digest_deliver(user_id=circle.me.pk, week=W6) == SENT
    [message] = mail.outbox
    assert "Kept memory" in message.body and "TAKEN-MEMORY" not in message.body
    digest = Digest.objects.get(user=circle.me, week="2026-W06")
    assert list(digest.memories.values_list("post_id", flat=True)) == [kept.pk]


@pytest.mark.django_db
def test_a_failure_before_the_send_gives_the_claim_back(monkeypatch):
    """Claimed in the build's transaction: an error while writing the email marks it failed
    (the next run claims it at once), and nothing is sent twice."""
    circle = make_circle()
    post_at(circle.alice, at("2026-02-04 10:00", "UTC"), 3.0)

    def broken(**arguments):
        raise RuntimeError("template went away")

    write = services.digest_email_message
    monkeypatch.setattr(services, "digest_email_message", broken)
    with time_machine.travel(NOW, tick=False):
        with pytest.raises(RuntimeError):
            digest_deliver(user_id=circle.me.pk, week=W6)
        delivery = DigestDelivery.objects.get()
        assert (delivery.status, delivery.attempts) == ("failed", 1)
        assert "template went away" in delivery.last_error
        monkeypatch.setattr(services, "digest_email_message", write)
        assert digest_deliver(user_id=circle.me.pk, week=W6) == SENT
        assert digest_deliver(user_id=circle.me.pk, week=W6) == ALREADY_DONE
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


# --- the week's notifications -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_week_s_notifications_cost_one_query_when_there_are_none(
    django_assert_num_queries,
):
    """The email's notification list is asked for every person (compiled once): one query
    when the week holds none of theirs, two when it does, and listed."""
    circle = make_circle()
    mine = post_at(circle.me, at("2026-02-03 09:00", "UTC"), 2.0, body="My post")
    post_at(circle.alice, at("2026-02-04 10:00", "UTC"), 3.0)
    page = SimpleNamespace(
        starts_at=at("2026-02-02 00:00", "UTC"), ends_at=at("2026-02-09 00:00", "UTC")
    )
    with django_assert_num_queries(1):
        assert emails._weekly_notifications(user=circle.me, page=page) == []
    # A comment notification of the week (weekly by default): listed.
    with time_machine.travel("2026-02-04 10:00:00+00:00", tick=False):
        comment = social_services.comment_create(author=circle.bob, post_id=mine.pk, body="Lovely")
        social_services.comment_notify(comment_id=comment.pk)
    with django_assert_num_queries(2):
        [listed] = emails._weekly_notifications(user=circle.me, page=page)
    assert [actor.pk for actor in listed.actors] == [circle.bob.pk]
    with time_machine.travel(NOW, tick=False):
        assert digest_deliver(user_id=circle.me.pk, week=W6) == SENT
    assert "Bob commented on your post" in mail.outbox[-1].body


# --- races --------------------------------------------------------------------------------------


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_a_digest_a_page_stored_send_one_email():
    """The digest was built by a page view (no delivery row): the workers race to create the
    row claimed, and one wins."""
    circle = make_circle()
    post_at(circle.alice, at("2026-02-04 10:00", "UTC"), 3.0)
    digest_build(user=circle.me, week=W6)
    with time_machine.travel(NOW, tick=False):
        outcomes = race(*[lambda: digest_deliver(user_id=circle.me.pk, week=W6)] * 4)
    assert sorted(outcomes) == sorted([SENT] + [ALREADY_DONE] * 3)
    assert len(mail.outbox) == 1
    assert DigestDelivery.objects.get().attempts == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_workers_racing_to_build_an_empty_week_store_one_digest_skipped():
    circle = make_circle()
    with time_machine.travel(NOW, tick=False):
        outcomes = race(*[lambda: digest_deliver(user_id=circle.me.pk, week=W6)] * 4)
    assert outcomes.count(SKIPPED_EMPTY) == 1
    assert sorted(outcomes) == sorted([SKIPPED_EMPTY] + [ALREADY_DONE] * 3)
    assert Digest.objects.filter(user=circle.me).count() == 1
    assert DigestDelivery.objects.get().status == "skipped"
    assert mail.outbox == []
