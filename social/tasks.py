"""Background jobs of the social app (Celery; eager in development and tests)."""

from smtplib import SMTPException

from celery import shared_task

from social.storage import storage_delete


@shared_task(
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def storage_delete_files(keys: list[str]) -> None:
    """Delete the stored files of a deleted post or photo; idempotent (missing files are fine)."""
    storage_delete(list(keys))


@shared_task(
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def data_export_build(export_id: int) -> None:
    """Build a large account's export zip into storage and email its link (idempotent)."""
    from social.exports import export_build

    export_build(export_id=export_id)


@shared_task(
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=6,
)
def notification_email_send(recipient_id: int) -> str:
    """Email a person's pending instant notifications as one email, each once (idempotent:
    see `notification_email_deliver`)."""
    from social.services import notification_email_deliver

    return notification_email_deliver(recipient_id=recipient_id)
