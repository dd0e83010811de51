"""What happened in the social graph, for the apps above to act on (SPEC §8 notifications).

`connections` is the lowest app: it may not import `social`, where notifications live. Its
services therefore announce, after their transaction commits, that a request was made or
accepted, and `social` subscribes in its AppConfig.ready (social.apps) to turn each into a
notification. These are explicit announcements from the services, sent once per event — not
model signals — and the receivers only call a service.

Every signal is sent with `connection_id`, `actor_id` (who acted) and `recipient_id` (who is
told).
"""

from django.db import transaction
from django.dispatch import Signal

# Someone asked `recipient` to connect.
connection_requested = Signal()
# `actor` accepted the request `recipient` had sent.
connection_accepted = Signal()
# `actor` signed up through `recipient`'s invitation (and they are now connected).
invitation_accepted = Signal()


def announce_on_commit(signal: Signal, *, connection_id: int, actor_id: int, recipient_id: int):
    """Send `signal` once the current transaction commits (never for a rolled-back one).
    Robust: a receiver's failure is logged and never fails the action that was announced."""
    transaction.on_commit(
        lambda: signal.send(
            sender=None, connection_id=connection_id, actor_id=actor_id, recipient_id=recipient_id
        ),
        robust=True,
    )
