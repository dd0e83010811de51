"""Celery tasks of the digest app: the hourly schedule and one email per user and week."""

import logging
from smtplib import SMTPException

from celery import shared_task
from django.db.models import Exists, OuterRef
from django.utils import timezone

from digest.models import DigestDelivery
from digest.services import digest_candidate_due_weeks, digest_deliver, digest_due_week
from digest.weeks import week_parse
from intentional.routers import replica_or_primary
from social.models import User

logger = logging.getLogger(__name__)

DONE = [DigestDelivery.Status.SENT, DigestDelivery.Status.SKIPPED]


def digest_due_users(*, now) -> list[tuple[int, str]]:
    """(user id, week) for everyone whose previous week's email is due and not yet done."""
    candidates = digest_candidate_due_weeks(now=now)
    done_flags = {
        f"done_{index}": Exists(
            DigestDelivery.objects.filter(
                digest__user=OuterRef("pk"), digest__week=str(week), status__in=DONE
            )
        )
        for index, week in enumerate(candidates)
    }

    def scan() -> list[tuple[int, str]]:
        due = []
        users = (
            User.objects.filter(is_active=True, digest_email_enabled=True)
            .annotate(**done_flags)
            .only("pk", "timezone")
            .order_by("pk")
        )
        for user in users.iterator(chunk_size=2000):
            week = digest_due_week(user.timezone, now=now)
            if week is None:
                continue
            if week in candidates and getattr(user, f"done_{candidates.index(week)}"):
                continue
            due.append((user.pk, str(week)))
        return due

    # A batch scan, harmless if a replica lags: the claim in digest_deliver decides. If the
    # replica fails mid-scan, the scan runs again on the primary.
    due, database = replica_or_primary(scan, what="the digest schedule")
    logger.info("digest schedule: scan read %s", database)
    return due


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
