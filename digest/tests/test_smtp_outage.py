"""SMTP down during the digest run (issue 7, acceptance 4), through Django's real SMTP backend:
first nothing listens on the mail port (recorded as failed, nothing sent), then a real SMTP
server (aiosmtpd) comes up there and the next hourly run sends it, once; later runs never send
it again, even with the server gone once more."""

import pytest
import time_machine
from aiosmtpd.controller import Controller

from digest.models import DigestDelivery
from digest.tasks import digest_schedule, digest_send
from digest.tests.helpers import at, make_circle, post_at
from intentional.tests.servers import free_port

pytestmark = pytest.mark.django_db


class Inbox:
    """aiosmtpd handler: keeps every message the server accepts."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_port(settings, monkeypatch):
    # As on a worker: a failed task is retried, not raised into the beat job that queued it.
    monkeypatch.setattr(digest_send.app.conf, "task_eager_propagates", False)
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return port


def test_smtp_down_is_recorded_retried_later_and_never_sent_twice(smtp_port):
    circle = make_circle()
    post_at(circle.alice, at("2026-02-04 10:00", "UTC"), 3.0)
    with time_machine.travel(at("2026-02-09 09:00", "UTC"), tick=False):
        # 1. Nothing listens on the mail port: the send fails and is recorded.
        digest_schedule()
        delivery = DigestDelivery.objects.get(digest__user=circle.me)
        assert delivery.status == DigestDelivery.Status.FAILED
        assert delivery.attempts == 6  # the first try and the task's 5 retries
        assert "Connection refused" in delivery.last_error or "111" in delivery.last_error
        assert delivery.sent_at is None

        # 2. The mail server is back: the next hourly run sends it.
        inbox = Inbox()
        server = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
        server.start()
        try:
            digest_schedule()
            digest_schedule()  # a re-run in the same hour
        finally:
            server.stop()
        assert [recipients for recipients, _ in inbox.messages] == [[circle.me.email]]
        delivery.refresh_from_db()
        assert delivery.status == DigestDelivery.Status.SENT
        assert delivery.attempts == 7 and delivery.last_error == ""

        # 3. The server is gone again: a later run has nothing to send, so nothing fails.
        assert digest_schedule() == 0  # nothing is due any more: `me`'s week is done
        delivery.refresh_from_db()
        assert delivery.status == DigestDelivery.Status.SENT
    assert len(inbox.messages) == 1


def test_the_smtp_server_really_received_a_complete_digest(smtp_port):
    circle = make_circle()
    post_at(circle.alice, at("2026-02-04 10:00", "UTC"), 3.0, body="Moving day at last")
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    server.start()
    try:
        with time_machine.travel(at("2026-02-09 09:00", "UTC"), tick=False):
            digest_schedule()
    finally:
        server.stop()
    [(recipients, content)] = inbox.messages
    assert recipients == [circle.me.email]
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in content
    assert b"Moving day at last" in content
