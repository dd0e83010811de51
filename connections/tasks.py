"""Background jobs of the social graph: the two notification emails (SPEC §2)."""

from smtplib import SMTPException

from celery import shared_task

from connections import services

# Network trouble with the mail server is worth retrying; a bug is not.
_RETRY = {
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 3600,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(**_RETRY)
def connection_request_email(connection_id: int) -> bool:
    """Tell the recipient that someone asked to connect (sent once per request)."""
    return services.connection_notify(connection_id=connection_id, email="request_received")


@shared_task(**_RETRY)
def connection_accepted_email(connection_id: int) -> bool:
    """Tell the requester (or inviter) that they are now connected (sent once)."""
    return services.connection_notify(connection_id=connection_id, email="request_accepted")
