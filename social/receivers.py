"""The social graph's announcements (connections.events), as notifications (SPEC §8).

Each receiver calls one service; they run after the announcing transaction committed."""

from social.models import NotificationKind
from social.services import notification_record


def _record(
    kind: str, *, connection_id: int, actor_id: int, recipient_id: int, signal=None
) -> None:
    notification_record(
        recipient_id=recipient_id, kind=kind, actor_id=actor_id, connection_id=connection_id
    )


def connection_requested(sender, **event) -> None:
    """Someone asked the recipient to connect."""
    _record(NotificationKind.CONNECTION_REQUEST, **event)


def connection_accepted(sender, **event) -> None:
    """The recipient's request was accepted."""
    _record(NotificationKind.CONNECTION_ACCEPTED, **event)


def invitation_accepted(sender, **event) -> None:
    """Someone joined through the recipient's invitation."""
    _record(NotificationKind.INVITATION_ACCEPTED, **event)
