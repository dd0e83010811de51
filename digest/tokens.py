"""Signed one-click unsubscribe tokens: they work without logging in (SPEC §5, RFC 8058).

The token names the user and the email address it was sent to, so a link from an old address
stops working once the address changes; anything tampered with is refused.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from social.models import User

SALT = "digest-unsubscribe"


def unsubscribe_token(user: User) -> str:
    """A signed token naming `user` (and their email at the time)."""
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=SALT, compress=True)


def unsubscribe_user(token: str) -> User | None:
    """The user a token names, or None if it is tampered with, stale or unknown."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or user.email.lower() != data.get("e"):
        return None
    return user


def unsubscribe_url(user: User) -> str:
    """The absolute one-click unsubscribe URL for `user`'s emails."""
    path = reverse("digest:unsubscribe", args=[unsubscribe_token(user)])
    return f"{settings.SITE_URL}{path}"
