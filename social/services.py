"""Writes of the social app: accounts and profiles (posts and comments come later)."""

import logging
import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from social.images import image_decode, image_encode
from social.models import User

logger = logging.getLogger(__name__)


@transaction.atomic
def user_register(*, email: str, username: str, password: str) -> User:
    """Create an account (API sign-up); its email is recorded unverified, as allauth does."""
    user = User.objects.create_user(username=username, email=email, password=password)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user


def user_update_profile(*, user: User, **fields) -> User:
    """Set any of display name, bio, timezone and the digest email switch."""
    allowed = {"display_name", "bio", "timezone", "digest_email_enabled"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"not profile fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password", "username", "email"])
    user.save(update_fields=list(fields))
    return user


def user_set_avatar(*, user: User, upload) -> User:
    """Replace the avatar with a re-encoded copy of `upload` (ValidationError if unusable)."""
    encoded = image_encode(image_decode(upload), max_side=settings.AVATAR_MAX_SIDE)
    key = default_storage.save(
        f"avatars/{secrets.token_urlsafe(18)}.{encoded.extension}", ContentFile(encoded.content)
    )
    old_key = user.avatar_key
    user.avatar_key = key
    user.save(update_fields=["avatar_key"])
    if old_key:
        transaction.on_commit(lambda: _storage_delete_quietly(old_key))
    return user


def user_remove_avatar(*, user: User) -> User:
    """Drop the avatar; its file is deleted after the commit."""
    old_key = user.avatar_key
    if old_key:
        user.avatar_key = ""
        user.save(update_fields=["avatar_key"])
        transaction.on_commit(lambda: _storage_delete_quietly(old_key))
    return user


def _storage_delete_quietly(key: str) -> None:
    try:
        default_storage.delete(key)
    except Exception:  # the row is already consistent; purge_orphan_media collects leftovers
        logger.exception("could not delete stored file %s", key)
