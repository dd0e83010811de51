"""Scheduling and sending: exactly one email per user and week, whatever runs how often."""

import threading
from datetime import timedelta
from io import StringIO
from smtplib import SMTPServerDisconnected

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.db.models.functions import Now

from digest.models import Digest, DigestDelivery
from digest.selectors import digest_due_week
from digest.services import (
    ALREADY_DONE,
    SENT,
    SKIPPED_DISABLED,
    SKIPPED_EMPTY,
    digest_build,
    digest_deliver,
)
from digest.tasks import digest_schedule, digest_send
from digest.tests.helpers import at, make_circle, post_at
from digest.weeks import Week
from intentional.metrics import DIGEST_EMAILS
from social.tests.factories import UserFactory

W6 = Week(2026, 6)  # 2 - 8 February 2026; Monday 9 February is the sending day


def _sent_metric(outcome):
    return DIGEST_EMAILS.labels(outcome=outcome)._value.get()


@pytest.mark.parametrize(
    ("utc", "tz", "due"),
    [
        ("2026-02-09 07:59", "UTC", None),
        ("2026-02-09 08:00", "UTC", W6),
        ("2026-02-11 03:00", "UTC", W6),
        ("2026-02-08 23:00", "Asia/Tokyo", W6),  # Monday 08:00 in Tokyo
        ("2026-02-08 22:59", "Asia/Tokyo", None),
        ("2026-02-09 15:59", "America/Los_Angeles", None),  # Monday 07:59 in LA
        ("2026-02-09 16:00", "America/Los_Angeles", W6),
        ("2026-02-09 06:00", "America/Los_Angeles", Week(2026, 5)),  # still Sunday there
        # Monday 9 March, after the spring change: 08:00 PDT is 15:00 UTC.
        ("2026-03-09 14:59", "America/Los_Angeles", None),
        ("2026-03-09 15:00", "America/Los_Angeles", Week(2026, 10)),
    ],
)
def test_due_week_is_the_previous_week_after_monday_eight_local(utc, tz, due):
    assert digest_due_week(tz, now=at(utc, "UTC")) == due


@pytest.mark.django_db
def test_schedule_sends_once_per_user_and_week_across_runs_and_retries():
    circle = make_circle("Asia/Tokyo")
    la = UserFactory(timezone="America/Los_Angeles")
    off = UserFactory(digest_email_enabled=False)
    quiet = UserFactory(timezone="Asia/Tokyo")
    from connections.tests.factories import connect

    connect(la, circle.alice)
    connect(off, circle.alice)
    post_at(circle.alice, at("2026-02-04 10:00", "UTC"), 3.0, body="Hello week six.")
    sent_before = _sent_metric("sent")

    # Monday 9 February 00:00 UTC: 09:00 in Tokyo, so week 6 is due there; Sunday 16:00 in
    # Los Angeles, where week 5 is the one due (empty); 00:00 in UTC, where nothing is due.
    with time_machine.travel(at("2026-02-09 00:00", "UTC"), tick=False):
        assert digest_schedule() == 3  # me and quiet (week 6), la (week 5); `off` never
        assert digest_schedule() == 0  # an hour later, say: all done (sent or empty)
    assert [m.to for m in mail.outbox] == [[circle.me.email]]
    assert DigestDelivery.objects.get(digest__user=quiet).status == "skipped"
    assert DigestDelivery.objects.get(digest__user=la, digest__week="2026-W05").status == "skipped"
    assert not Digest.objects.filter(user=off).exists()

    # A retried task for a sent week sends nothing.
    assert digest_send.apply(args=[circle.me.pk, "2026-W06"]).get() == ALREADY_DONE

    # Monday 16:00 UTC: 08:00 in Los Angeles (and past 08:00 for alice, bob and carol in UTC,
    # whose weeks are empty).
    with time_machine.travel(at("2026-02-09 16:00", "UTC"), tick=False):
        assert digest_schedule() == 4
        assert digest_schedule() == 0
    assert [m.to for m in mail.outbox] == [[circle.me.email], [la.email]]
    assert _sent_metric("sent") - sent_before == 2
    me_digest = Digest.objects.get(user=circle.me, week="2026-W06")
    assert me_digest.emailed_at is not None
    assert me_digest.delivery.status == "sent" and me_digest.delivery.attempts == 1


@pytest.mark.django_db
def test_disabled_and_empty_get_nothing():
    circle = make_circle()
    with time_machine.travel(at("2026-02-09 09:00", "UTC"), tick=False):
        assert digest_deliver(user_id=circle.me.pk, week=W6) == SKIPPED_EMPTY
        circle.alice.digest_email_enabled = False
        circle.alice.save(update_fields=["digest_email_enabled"])
        post_at(circle.me, at("2026-02-04 10:00", "UTC"), 3.0)
        assert digest_deliver(user_id=circle.alice.pk, week=W6) == SKIPPED_DISABLED
    assert mail.outbox == []


class FlakyBackend:
    """An email backend that fails the first `failures` sends, then delivers to the outbox."""

    failures = 0

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise SMTPServerDisconnected("the server went away")
        mail.outbox.extend(messages)
        return len(messages)


@pytest.mark.django_db
def test_a_failed_send_is_recorded_and_retried(settings, monkeypatch):
    # As on a worker: a retry is scheduled, not raised to the caller (here: run at once).
    monkeypatch.setattr(digest_send.app.conf, "task_eager_propagates", False)
    settings.EMAIL_BACKEND = "digest.tests.test_delivery.FlakyBackend"
    circle = make_circle()
    post_at(circle.alice, at("2026-02-04 10:00", "UTC"), 3.0)
    failed_before = _sent_metric("failed")
    # Eager Celery runs the retry at once: fail, retry, succeed.
    FlakyBackend.failures = 1
    with time_machine.travel(at("2026-02-09 09:00", "UTC"), tick=False):
        assert digest_send.apply(args=[circle.me.pk, "2026-W06"]).get() == SENT
    delivery = DigestDelivery.objects.get(digest__user=circle.me)
    assert delivery.status == "sent" and delivery.attempts == 2 and delivery.last_error == ""
    assert len(mail.outbox) == 1
    assert _sent_metric("failed") - failed_before == 1


@pytest.mark.django_db
def test_a_send_that_keeps_failing_is_marked_failed_and_a_later_run_sends_it(settings, monkeypatch):
    monkeypatch.setattr(digest_send.app.conf, "task_eager_propagates", False)
    settings.EMAIL_BACKEND = "digest.tests.test_delivery.FlakyBackend"
    circle = make_circle()
    post_at(circle.alice, at("2026-02-04 10:00", "UTC"), 3.0)
    FlakyBackend.failures = 100
    with time_machine.travel(at("2026-02-09 09:00", "UTC"), tick=False):
        with pytest.raises(SMTPServerDisconnected):
            digest_send.apply(args=[circle.me.pk, "2026-W06"]).get()
        delivery = DigestDelivery.objects.get(digest__user=circle.me)
        assert delivery.status == "failed"
        assert delivery.attempts == 6  # the first try and 5 retries
        assert "went away" in delivery.last_error
        FlakyBackend.failures = 0
        # Not done yet: the next hourly run tries again (with the empty weeks of the others).
        assert digest_schedule() == 4
    assert len(mail.outbox) == 1
    assert DigestDelivery.objects.get(digest__user=circle.me).status == "sent"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_send_one_email():
    circle = make_circle()
    post_at(circle.alice, at("2026-02-04 10:00", "UTC"), 3.0)
    workers = 4
    barrier = threading.Barrier(workers)
    outcomes, errors = [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            outcomes.append(digest_deliver(user_id=circle.me.pk, week=W6))
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    with time_machine.travel(at("2026-02-09 09:00", "UTC"), tick=False):
        threads = [threading.Thread(target=worker) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == []
    assert sorted(outcomes) == sorted([SENT] + [ALREADY_DONE] * (workers - 1))
    assert len(mail.outbox) == 1
    assert Digest.objects.filter(user=circle.me).count() == 1


# --- manage.py send_digests ---------------------------------------------------------------------


def _command(*args):
    out, err = StringIO(), StringIO()
    call_command("send_digests", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_send_digests_dry_run_sends_and_stores_nothing():
    circle = make_circle()
    post_at(circle.alice, at("2026-02-04 10:00", "UTC"), 3.0)
    with time_machine.travel(at("2026-02-10 09:00", "UTC"), tick=False):
        out, _ = _command("--dry-run")
    assert mail.outbox == []
    assert not Digest.objects.exists()
    assert "me 2026-W06: would email 1 post(s)" in out
    assert "Dry run, nothing sent: built 4, emailed 1, skipped 3, failed 0." in out


@pytest.mark.django_db
def test_send_digests_sends_once_with_progress_and_counts():
    circle = make_circle()
    post_at(circle.alice, at("2026-02-04 10:00", "UTC"), 3.0)
    with time_machine.travel(at("2026-02-10 09:00", "UTC"), tick=False):
        out, _ = _command("--user", "ME")
        assert "me 2026-W06: emailed" in out
        assert "built 1, emailed 1, skipped 0, failed 0." in out
        out, _ = _command("--week", "2026-W06")
        assert "me 2026-W06: skipped (already emailed)" in out
        assert "built 3, emailed 0, skipped 4, failed 0." in out
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_send_digests_refuses_bad_arguments():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no week 54"):
        _command("--week", "2026-W54")
    with pytest.raises(CommandError, match="nobody"):
        _command("--user", "nobody")


# --- admin --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_lists_digests_and_rebuilds(client):
    circle = make_circle()
    post_at(circle.alice, at("2026-02-04 10:00", "UTC"), 3.0)
    with time_machine.travel(at("2026-02-09 09:00", "UTC"), tick=False):
        digest_deliver(user_id=circle.me.pk, week=W6)
    digest = Digest.objects.get(user=circle.me)
    late = post_at(circle.bob, at("2026-02-05 10:00", "UTC"), 3.0)
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert "2026-W06" in client.get("/admin/digest/digest/").content.decode()
    assert "sent" in client.get("/admin/digest/digestdelivery/").content.decode()
    detail = client.get(f"/admin/digest/digest/{digest.pk}/change/")
    assert detail.status_code == 200 and "Save" not in detail.content.decode().split("<footer")[0]
    response = client.post(
        "/admin/digest/digest/", {"action": "rebuild", "_selected_action": [digest.pk]}
    )
    assert response.status_code == 302
    assert late.pk in digest.entries.values_list("post_id", flat=True)
    assert client.get("/admin/digest/digest/add/").status_code == 403


@pytest.mark.django_db
def test_a_claim_abandoned_by_a_killed_worker_is_claimed_again_after_its_lease(settings):
    """A worker killed between its claim and the send leaves the row "sending": within the
    lease another run leaves it alone (its owner may still be sending); after it, the next run
    sends it (no task outlives the time limit, which the lease is)."""
    settings.DIGEST_CLAIM_LEASE = 300
    circle = make_circle()
    post_at(circle.alice, at("2026-02-04 10:00", "UTC"), 3.0)
    with time_machine.travel(at("2026-02-09 09:00", "UTC"), tick=False):
        digest = digest_build(user=circle.me, week=W6)
        delivery = DigestDelivery.objects.create(
            digest=digest, status=DigestDelivery.Status.SENDING, claimed_at=Now(), attempts=1
        )
        assert digest_deliver(user_id=circle.me.pk, week=W6) == ALREADY_DONE
        assert len(mail.outbox) == 0
        DigestDelivery.objects.filter(pk=delivery.pk).update(
            claimed_at=Now() - timedelta(seconds=301)
        )
        assert digest_deliver(user_id=circle.me.pk, week=W6) == SENT
        assert digest_deliver(user_id=circle.me.pk, week=W6) == ALREADY_DONE
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
