"""Reads of the social app, by use case."""

from connections.models import Block, Connection
from social.models import User


def profile_details_visible(*, viewer, user: User) -> bool:
    """Whether `viewer` may see `user`'s bio and avatar (SPEC §2: connections and self)."""
    if not viewer.is_authenticated:
        return False
    if viewer.pk == user.pk:
        return True
    return (
        Connection.objects.accepted_between(viewer, user).exists()
        and not Block.objects.between(viewer, user).exists()
    )
