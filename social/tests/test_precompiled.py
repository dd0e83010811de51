"""Compiled SQL reused between requests (`intentional.db.PrecompiledQuery`, SPEC §3): the feed,
timeline, post and comment reads run SQL compiled once per process and bound to each viewer,
and must give every viewer exactly what `visible_to` gives them — two viewers with different
circles in a row, and the same viewer after each kind of permission change."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connections import selectors as connections_selectors
from connections import services as connection_services
from connections.models import Mute
from connections.tests.factories import TagFactory, TagMembershipFactory, connect
from intentional.db import PrecompiledQuery, prepares_statements
from social import selectors
from social import services as social_services
from social.models import Comment, Notification, NotificationKind, Post, User
from social.tests.factories import CommentFactory, PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def _visible_feed(viewer, size=20):
    """The feed as the plain queryset gives it, compiled afresh."""
    queryset = Post.objects.visible_to(viewer).in_circle_of(viewer).newest_first()
    return list(queryset.values_list("pk", flat=True)[:size])


def _feed_ids(viewer, **arguments):
    return [post.pk for post in selectors.feed_for(viewer=viewer, **arguments).items]


@pytest.fixture
def circles():
    """ana and bo share one friend (cy) and each has one of their own; cy posts to a tag
    only ana carries, and privately; everyone comments."""
    ana, bo, cy, dee, eve = (
        UserFactory(username=name) for name in ["ana", "bo", "cy", "dee", "eve"]
    )
    for one, other in [(ana, cy), (bo, cy), (ana, dee), (bo, eve)]:
        connect(one, other)
    family = TagFactory(owner=cy, name="family")
    TagMembershipFactory(tag=family, target=ana)
    posts = {
        "cy_all": PostFactory(author=cy),
        "cy_family": PostFactory(author=cy, audience="tags", audience_tags=[family]),
        "cy_private": PostFactory(author=cy, audience="private"),
        "dee_all": PostFactory(author=dee),
        "eve_all": PostFactory(author=eve),
        "ana_own": PostFactory(author=ana, audience="private"),
    }
    CommentFactory(post=posts["cy_all"], author=ana)
    CommentFactory(post=posts["cy_all"], author=bo)
    return {"ana": ana, "bo": bo, "cy": cy, "dee": dee, "eve": eve, "family": family, **posts}


def test_two_viewers_in_a_row_each_get_what_visible_to_gives_them(circles):
    ana, bo = circles["ana"], circles["bo"]
    for viewer in (ana, bo, ana, bo):
        assert _feed_ids(viewer) == _visible_feed(viewer)
    assert set(_feed_ids(ana)) == {
        circles[name].pk for name in ("cy_all", "cy_family", "dee_all", "ana_own")
    }
    assert set(_feed_ids(bo)) == {circles[name].pk for name in ("cy_all", "eve_all")}


def _prepared_feed_runs() -> tuple[int, int]:
    """(runs with the generic plan, runs planned for their values) of the first feed page
    (20 posts) prepared on this connection, which earlier tests may have run already."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ['%"connections_mute"%LIMIT 21'],
        )
        rows = cursor.fetchall()
    assert len(rows) <= 1  # one statement, whoever the viewer
    return rows[0] if rows else (0, 0)


@pytest.mark.skipif(
    not prepares_statements(connection), reason="prepared statements: PostgreSQL, when on"
)
def test_one_prepared_statement_and_one_plan_serve_every_viewer(circles):
    """On PostgreSQL the feed's SQL is prepared once per connection and planned once (a
    generic plan, settings): the viewer is only ever a bound value, so the plan made for
    the first viewer gives the next one exactly what visible_to gives them, and a
    permission change shows at the next read through the same plan."""
    ana, bo, cy = circles["ana"], circles["bo"], circles["cy"]
    generic, custom = _prepared_feed_runs()
    for viewer in (ana, bo, ana, bo):
        assert _feed_ids(viewer) == _visible_feed(viewer)
    assert _prepared_feed_runs() == (generic + 4, custom)
    connection_services.connection_remove(user=cy, username="ana")
    after = _feed_ids(ana)
    assert after == _visible_feed(ana)
    assert not {circles[name].pk for name in ("cy_all", "cy_family")} & set(after)
    assert _feed_ids(bo) == _visible_feed(bo)
    assert _prepared_feed_runs() == (generic + 6, custom)


def test_keyset_pages_follow_visible_to(circles):
    ana = circles["ana"]
    first = selectors.feed_for(viewer=ana, page_size=2)
    second = selectors.feed_for(viewer=ana, cursor=first.next_cursor, page_size=2)
    assert [p.pk for p in first.items + second.items] == _visible_feed(ana, size=4)
    assert second.next_cursor is None


@pytest.mark.parametrize(
    "change",
    ["remove_connection", "block", "unlabel", "delete_tag", "narrow", "widen"],
)
def test_a_permission_change_shows_at_the_next_read(circles, change):
    ana, cy = circles["ana"], circles["cy"]
    before = _feed_ids(ana)
    if change == "remove_connection":
        connection_services.connection_remove(user=cy, username="ana")
    elif change == "block":
        connection_services.block_create(user=ana, username="cy")
    elif change == "unlabel":
        connection_services.tag_member_remove(owner=cy, tag_id=circles["family"].pk, username="ana")
    elif change == "delete_tag":
        connection_services.tag_delete(owner=cy, tag_id=circles["family"].pk)
    elif change == "narrow":
        Post.objects.filter(pk=circles["cy_all"].pk).update(audience="private")  # audience-ok
    elif change == "widen":
        Post.objects.filter(pk=circles["cy_private"].pk).update(
            audience="connections"
        )  # audience-ok
    after = _feed_ids(ana)
    assert after == _visible_feed(ana)
    assert after != before


def test_post_comments_and_timeline_follow_visible_to(circles):
    ana, bo, cy = circles["ana"], circles["bo"], circles["cy"]
    family_post = circles["cy_family"].pk
    assert selectors.post_for(viewer=ana, post_id=family_post).pk == family_post
    with pytest.raises((Http404, ObjectDoesNotExist)):
        selectors.post_for(viewer=bo, post_id=family_post)
    timeline = [p.pk for p in selectors.profile_posts_for(viewer=bo, author=cy).items]
    plain = Post.objects.visible_to(bo).filter(author=cy).newest_first()
    assert timeline == list(plain.values_list("pk", flat=True))
    post = circles["cy_all"].pk
    for viewer in (ana, bo):
        comments = [c.pk for c in selectors.comments_for(viewer=viewer, post_id=post).items]
        plain = Comment.objects.visible_to(viewer).filter(post_id=post).oldest_first()
        assert comments == list(plain.values_list("pk", flat=True))
        page = selectors.post_for(viewer=viewer, post_id=post, with_comments=True)
        assert [c.pk for c in page.visible_comments] == comments
    # ana and bo are not connected: each sees their own comment and not the other's.
    assert len(comments) == 1


def test_the_sql_run_is_the_sql_django_compiles_for_that_viewer(circles):
    """Byte for byte, with the viewer's and the cursor's values in their places."""
    for viewer in (circles["ana"], circles["bo"]):
        page = selectors.feed_for(viewer=viewer, page_size=1)
        created_at, pk = selectors.cursor_decode(page.next_cursor)
        with time_machine.travel(timezone.now(), tick=False):
            with CaptureQueriesContext(connection) as reused:
                selectors.feed_for(viewer=viewer, cursor=page.next_cursor, page_size=1)
            # The mute exclusion's `now` is this call's (bound, not compiled in).
            muted = Mute.objects.active(now=timezone.now()).by(viewer, OuterRef("author"))
        queryset = (
            selectors.posts_visible(viewer=viewer)
            .in_circle_of(viewer)
            .exclude(Exists(muted))
            .newest_first()
            .filter(selectors._after(created_at, pk, newest_first=True))[:2]
        )
        with CaptureQueriesContext(connection) as fresh:
            list(queryset)
        assert [q["sql"] for q in reused.captured_queries] == [
            q["sql"] for q in fresh.captured_queries
        ]


def test_a_value_written_into_the_sql_text_is_refused():
    # LIMIT is written into the SQL: a sentinel there could never be bound again.
    query = PrecompiledQuery(User, lambda s: User.objects.all()[: s.id("size")])
    with pytest.raises(Exception, match="size"):
        query.fetch(size=3)


def test_the_unread_count_follows_visible_to_for_each_viewer_and_each_moment(
    circles, django_capture_on_commit_callbacks
):
    """The navigation's unread count (compiled once) for two recipients in a row, then with
    one commenter muted until a moment that passes: `now` is bound per call, not compiled."""
    ana, bo, cy = circles["ana"], circles["bo"], circles["cy"]
    with django_capture_on_commit_callbacks(execute=True):
        # ana's and bo's comments on cy's post notify cy; cy's reply notifies both of them.
        social_services.comment_create(author=ana, post_id=circles["cy_all"].pk, body="one")
        social_services.comment_create(author=cy, post_id=circles["cy_all"].pk, body="two")

    def counted(viewer) -> int:
        return Notification.objects.visible_to(viewer).unread().count()

    for viewer in (ana, bo, cy, ana, bo, cy):
        assert selectors.notifications_unread_count(viewer=viewer) == counted(viewer)
    assert [selectors.notifications_unread_count(viewer=v) for v in (ana, bo)] == [1, 1]
    connection_services.mute_create(
        user=ana, username="cy", until=timezone.now() + timedelta(hours=1)
    )
    assert selectors.notifications_unread_count(viewer=ana) == 0
    assert selectors.notifications_unread_count(viewer=bo) == 1
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        assert selectors.notifications_unread_count(viewer=ana) == 1 == counted(ana)


def test_the_profile_lookups_follow_blocks_mutes_and_each_pair(circles):
    """The profile's person and relationship reads (compiled once, connections.selectors) for
    several viewers in a row, across a block, and a snooze that ends: `now` is bound."""
    ana, bo, cy = circles["ana"], circles["bo"], circles["cy"]
    for viewer in (ana, bo, ana):
        assert connections_selectors.person_for(viewer=viewer, username=" CY ").pk == cy.pk
    relationships = [
        connections_selectors.relationship(viewer=viewer, user=person)
        for viewer, person in [(ana, cy), (ana, bo), (bo, cy), (cy, cy)]
    ]
    assert relationships == ["connected", "none", "connected", "self"]
    connection_services.block_create(user=cy, username="bo")
    with pytest.raises(User.DoesNotExist):
        connections_selectors.person_for(viewer=bo, username="cy", with_mute=True)
    assert not connections_selectors.person_for(viewer=ana, username="cy", with_mute=True).muted
    connection_services.mute_create(
        user=ana, username="cy", until=timezone.now() + timedelta(hours=1)
    )
    assert connections_selectors.person_for(viewer=ana, username="cy", with_mute=True).muted
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        person = connections_selectors.person_for(viewer=ana, username="cy", with_mute=True)
        assert not person.muted


def test_the_weekly_notifications_follow_visible_to_for_each_viewer_and_each_moment(
    circles, django_capture_on_commit_callbacks
):
    """The digest email's list (compiled once per set of kinds) for two recipients in a row,
    each kind set apart, a commenter muted until a moment that passes, and a comment deleted."""
    ana, bo, cy = circles["ana"], circles["bo"], circles["cy"]
    start = timezone.now() - timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        social_services.comment_create(author=ana, post_id=circles["cy_all"].pk, body="one")
        reply = social_services.comment_create(author=cy, post_id=circles["cy_all"].pk, body="2")
    end = timezone.now() + timedelta(days=1)
    after_you = [NotificationKind.COMMENT_AFTER_YOU]
    every_kind = list(NotificationKind.values)

    def listed(viewer, kinds) -> list[tuple[str, list[str]]]:
        found = selectors.notifications_between(viewer=viewer, start=start, end=end, kinds=kinds)
        return [(n.kind, [actor.username for actor in n.actors]) for n in found]

    for _round in range(2):
        assert listed(ana, after_you) == [("comment_after_you", ["cy"])]
        assert listed(bo, after_you) == [("comment_after_you", ["cy"])]
        assert listed(cy, after_you) == []
        assert listed(cy, every_kind) == [("comment_on_your_post", ["ana"])]
    connection_services.mute_create(
        user=ana, username="cy", until=timezone.now() + timedelta(hours=1)
    )
    assert listed(ana, after_you) == [] and listed(bo, after_you) != []
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        assert listed(ana, after_you) == [("comment_after_you", ["cy"])]
    Comment.objects.filter(pk=reply.pk).delete()
    assert listed(ana, after_you) == listed(bo, after_you) == []
