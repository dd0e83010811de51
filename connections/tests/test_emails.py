"""Notification emails (acceptance 7): queued after commit through Celery, sent once each."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from connections import services, tasks
from connections.models import Connection, Invitation
from connections.tests.factories import connect
from social.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(username="alice", display_name="Alice <Moreau>")


@pytest.fixture
def bob():
    return UserFactory(username="bob", display_name="Bob")


def test_request_email_goes_to_the_recipient_after_commit(
    alice, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        connection = services.connection_request(user=alice, username="bob")
        assert mail.outbox == []  # not before the commit
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [bob.email]
    assert "Alice <Moreau> (@alice)" in message.subject  # plain text: as typed, not escaped
    assert "/people/" in message.body and "&lt;" not in message.body
    connection.refresh_from_db()
    assert connection.request_emailed_at is not None


def test_accept_email_goes_to_the_requester_once(alice, bob, django_capture_on_commit_callbacks):
    request = connect(alice, bob, status=Connection.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        services.connection_accept(user=bob, connection_id=request.pk)
        assert mail.outbox == []
    assert [message.to for message in mail.outbox] == [[alice.email]]
    assert "Bob" in mail.outbox[0].subject
    # A retried or duplicated task sends nothing more.
    assert tasks.connection_accepted_email.delay(request.pk).get() is False
    assert len(mail.outbox) == 1


def test_crossing_request_sends_only_the_accept_email(
    alice, bob, django_capture_on_commit_callbacks
):
    connect(alice, bob, status=Connection.Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        services.connection_request(user=bob, username="alice")
    assert [message.to for message in mail.outbox] == [[alice.email]]


def test_nothing_is_sent_when_the_transaction_rolls_back(
    alice, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.connection_request(user=alice, username="bob")
    assert callbacks  # queued for the commit, which never comes in this test
    assert mail.outbox == []


def test_a_refused_request_queues_nothing(alice, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError),
    ):
        services.connection_request(user=alice, username="alice")
    assert callbacks == [] and mail.outbox == []


def test_request_email_is_sent_once_and_not_for_a_withdrawn_request(alice, bob):
    request = connect(alice, bob, status=Connection.Status.PENDING)
    assert tasks.connection_request_email.delay(request.pk).get() is True
    assert tasks.connection_request_email.delay(request.pk).get() is False
    assert len(mail.outbox) == 1
    other = connect(UserFactory(), bob, status=Connection.Status.PENDING)
    other_id = other.pk
    other.delete()
    assert tasks.connection_request_email.delay(other_id).get() is False
    assert len(mail.outbox) == 1


def test_a_failed_send_releases_the_claim_for_the_retry(alice, bob, monkeypatch):
    request = connect(alice, bob, status=Connection.Status.PENDING)

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(services, "send_mail", broken)
    with pytest.raises(OSError):
        services.connection_notify(connection_id=request.pk, email="request_received")
    request.refresh_from_db()
    assert request.request_emailed_at is None
    monkeypatch.undo()
    assert services.connection_notify(connection_id=request.pk, email="request_received") is True
    assert len(mail.outbox) == 1


def test_invitation_sign_up_tells_the_inviter(alice, django_capture_on_commit_callbacks):
    invitation = Invitation.objects.create(inviter=alice)
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_accept(user=UserFactory(username="nora"), token=invitation.token)
    assert [message.to for message in mail.outbox] == [[alice.email]]
    assert "@nora" in mail.outbox[0].body
