"""Helpers for the digest tests: people, connections and posts at exact times and importances."""

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from connections.tests.factories import connect
from social.models import Post, User
from social.tests.factories import PostFactory, UserFactory


def at(text: str, tz: str) -> datetime:
    """ "2026-02-02 08:30" in `tz`, as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(tz))


def post_at(author, when: datetime, importance: float = 2.0, **fields) -> Post:
    """A post by `author` created at `when` with a stored importance of exactly `importance`.

    Both are set with an UPDATE after creation: the creation time is automatic and the
    importance is recomputed on save, and these tests need exact values.
    """
    post = PostFactory(author=author, **fields)
    Post.objects.filter(pk=post.pk).update(created_at=when, importance=importance)
    post.refresh_from_db()
    return post


def make_circle(tz: str = "UTC") -> SimpleNamespace:
    """A recipient `me` (in `tz`) connected to alice and bob; carol is a stranger."""
    circle = SimpleNamespace(
        me=UserFactory(username="me", display_name="Me", timezone=tz),
        alice=UserFactory(username="alice", display_name="Alice"),
        bob=UserFactory(username="bob", display_name="Bob"),
        carol=UserFactory(username="carol", display_name="Carol"),
    )
    connect(circle.me, circle.alice)
    connect(circle.bob, circle.me)
    return circle


def joined_at(user, when: datetime):
    """`user`, as if they had joined at `when` (their first digest week depends on it)."""
    User.objects.filter(pk=user.pk).update(date_joined=when)
    user.date_joined = when
    return user
