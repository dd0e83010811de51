"""Signed tokens naming a person, for links in emails that work without logging in (one-click
unsubscribe, RFC 8058). Each use has its own salt, so one kind of link never works as another.

The token names the user and the email address it was sent to, so a link from an old address
stops working once the address changes; anything tampered with is refused.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from social.models import User


def person_token(user: User, *, salt: str) -> str:
    """A signed token naming `user` (and their email at the time)."""
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=salt, compress=True)


def person_from_token(token: str, *, salt: str) -> User | None:
    """The active user a token names, or None if it is tampered with, stale or unknown."""
    try:
        data = signing.loads(token, salt=salt)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or user.email.lower() != data.get("e"):
        return None
    return user


NOTIFICATIONS_SALT = "notifications-unsubscribe"


def notifications_unsubscribe_url(user: User) -> str:
    """The absolute one-click URL that turns `user`'s instant notification emails off."""
    token = person_token(user, salt=NOTIFICATIONS_SALT)
    return settings.SITE_URL + reverse("social:notifications_unsubscribe", args=[token])
