"""Celery tasks of the digest app: the hourly schedule and one email per user and week."""

import logging
from smtplib import SMTPException

from celery import shared_task
from django.utils import timezone

from digest.selectors import digest_due_users
from digest.services import digest_deliver
from digest.weeks import week_parse

logger = logging.getLogger(__name__)


@shared_task
def digest_schedule() -> int:
    """Hourly (beat): enqueue one `digest_send` per user whose digest email is due."""
    due = digest_due_users(now=timezone.now())
    for user_id, week in due:
        digest_send.delay(user_id, week)
    logger.info("digest schedule: %d emails due", len(due))
    return len(due)


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=60,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=5,
)
def digest_send(user_id: int, week: str) -> str:
    """Build and email one user's digest of `week`, at most once (see `digest_deliver`)."""
    return digest_deliver(user_id=user_id, week=week_parse(week))
