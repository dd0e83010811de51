"""The instant notification email (SPEC §8): one email for everything that became due within
the batching window, text and HTML, with one-click unsubscribe headers."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from intentional.languages import recipient_language
from intentional.validators import one_line_text
from social.models import User
from social.tokens import notifications_unsubscribe_url


def notification_email_message(*, user: User, items: list) -> EmailMultiAlternatives:
    """The email of `items` (social.selectors.notification_email_items: what `user` may see
    now) to `user`. It names who did what and links to it; it quotes only a comment that
    `user` can see at this moment (the items were read through visible_to just before).
    In `user`'s language, like the items' summaries (`notification_email_deliver`)."""
    with recipient_language(user):
        return _notification_email_message(user=user, items=items)


def _notification_email_message(*, user: User, items: list) -> EmailMultiAlternatives:
    unsubscribe = notifications_unsubscribe_url(user)
    entries = [
        {
            "summary": str(item.summary),
            "url": settings.SITE_URL + item.url,
            "quote": item.comment.body if item.comment is not None else "",
        }
        for item in items
    ]
    if len(entries) == 1:
        subject = entries[0]["summary"]
    else:
        subject = ngettext(
            "%(n)s new notification on Intentional",
            "%(n)s new notifications on Intentional",
            len(entries),
        ) % {"n": len(entries)}
    context = {
        "user": user,
        "entries": entries,
        "notifications_url": settings.SITE_URL + reverse("social:notifications"),
        "settings_url": settings.SITE_URL + reverse("social:settings"),
        "unsubscribe_url": unsubscribe,
    }
    message = EmailMultiAlternatives(
        # A header: never a line break, whatever the names.
        subject=one_line_text(subject) or _("New notifications"),
        body=render_to_string("social/email/notifications.txt", context),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            # RFC 8058: mail clients may unsubscribe with one POST to the URL above.
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Content-Language": translation.get_language(),
        },
    )
    message.attach_alternative(
        render_to_string("social/email/notifications.html", context), "text/html"
    )
    return message
