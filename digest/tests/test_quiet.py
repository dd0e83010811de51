"""The digest and SPEC §8: muted people's posts stay out of it, and the email lists the week's
notifications its recipient chose to get weekly — only what they may see when it is sent."""

import pytest
import time_machine
from django.core import mail

from connections import services as graph
from digest.selectors import digest_select
from digest.services import SENT, digest_deliver
from digest.tests.helpers import at, make_circle, post_at
from digest.weeks import Week
from social import services
from social.models import Notification, NotificationKind

pytestmark = pytest.mark.django_db

W6 = Week(2026, 6)
NOW = "2026-02-09 09:00:00+00:00"  # Monday, after 08:00 UTC


def test_a_muted_person_s_posts_leave_the_digest_until_the_snooze_ends():
    circle = make_circle()
    alice_post = post_at(circle.alice, at("2026-02-03 10:00", "UTC"), 3.0)
    bob_post = post_at(circle.bob, at("2026-02-04 10:00", "UTC"), 3.0)
    assert digest_select(recipient=circle.me, week=W6) == [alice_post, bob_post]
    with time_machine.travel("2026-02-05 12:00:00+00:00", tick=False):
        graph.mute_create(user=circle.me, username="alice", until=at("2026-02-12 12:00", "UTC"))
        assert digest_select(recipient=circle.me, week=W6) == [bob_post]
        # Alice's own digest does not change: she is never affected by being muted.
        assert digest_select(recipient=circle.alice, week=W6) == []
    with time_machine.travel("2026-02-12 12:00:01+00:00", tick=False):
        assert digest_select(recipient=circle.me, week=W6) == [alice_post, bob_post]


def _comment_notification(circle, body):
    """Alice comments `body` on my post (Wednesday of week 6), notified after the commit."""
    post = post_at(circle.me, at("2026-02-04 09:00", "UTC"), 2.0, body="My post")
    with time_machine.travel("2026-02-04 10:00:00+00:00", tick=False):
        comment = services.comment_create(author=circle.alice, post_id=post.pk, body=body)
        services.comment_notify(comment_id=comment.pk)
    return post, comment


def test_the_email_lists_the_week_s_weekly_notifications():
    circle = make_circle()
    post_at(circle.bob, at("2026-02-04 10:00", "UTC"), 3.0, body="Bob's week")
    _comment_notification(circle, "What a view")
    with time_machine.travel(NOW, tick=False):
        assert digest_deliver(user_id=circle.me.pk, week=W6) == SENT
    (message,) = mail.outbox
    assert "This week's notifications:" in message.body
    assert "Alice commented on your post" in message.body and "“What a view”" in message.body
    assert "Alice commented on your post" in message.alternatives[0][0]


@pytest.mark.parametrize("choice", ["instant", "off"])
def test_other_choices_are_not_listed(choice):
    circle = make_circle()
    services.notification_choices_update(
        user=circle.me, choices={NotificationKind.COMMENT_ON_YOUR_POST: choice}
    )
    post_at(circle.bob, at("2026-02-04 10:00", "UTC"), 3.0, body="Bob's week")
    _comment_notification(circle, "What a view")
    mail.outbox.clear()  # the instant email, when chosen
    with time_machine.travel(NOW, tick=False):
        assert digest_deliver(user_id=circle.me.pk, week=W6) == SENT
    (message,) = mail.outbox
    assert "notifications" not in message.body.split("Read it on the site")[0]
    assert "What a view" not in message.body


def test_a_notification_hidden_before_the_email_is_not_listed_nor_quoted():
    circle = make_circle()
    post_at(circle.bob, at("2026-02-04 10:00", "UTC"), 3.0, body="Bob's week")
    _comment_notification(circle, "SECRET-COMMENT")
    assert Notification.objects.visible_to(circle.me).count() == 1
    graph.connection_remove(user=circle.me, username="alice")
    with time_machine.travel(NOW, tick=False):
        assert digest_deliver(user_id=circle.me.pk, week=W6) == SENT
    (message,) = mail.outbox
    assert "SECRET-COMMENT" not in message.body
    assert "SECRET-COMMENT" not in message.alternatives[0][0]
    assert "This week's notifications" not in message.body
