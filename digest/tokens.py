"""Signed one-click unsubscribe tokens of the digest email: they work without logging in (SPEC
§5, RFC 8058), built with social.tokens under the digest's own salt."""

from django.conf import settings
from django.urls import reverse

from social.models import User
from social.tokens import person_from_token, person_token

SALT = "digest-unsubscribe"


def unsubscribe_token(user: User) -> str:
    """A signed token naming `user` (and their email at the time)."""
    return person_token(user, salt=SALT)


def unsubscribe_user(token: str) -> User | None:
    """The user a token names, or None if it is tampered with, stale or unknown."""
    return person_from_token(token, salt=SALT)


def unsubscribe_url(user: User) -> str:
    """The absolute one-click unsubscribe URL for `user`'s emails."""
    path = reverse("digest:unsubscribe", args=[unsubscribe_token(user)])
    return f"{settings.SITE_URL}{path}"
