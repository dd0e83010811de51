"""The digest email: text and HTML parts, thumbnails, one-click unsubscribe (SPEC §5)."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from digest.photos import photo_thumbnail_absolute_url
from digest.selectors import DigestPage
from digest.tokens import unsubscribe_url
from intentional.languages import recipient_language
from social.models import EmailChoice, User
from social.selectors import notifications_between


def digest_email_subject(page: DigestPage) -> str:
    """The subject, in the active language."""
    return _("Your week with Intentional: %(dates)s (%(week)s)") % {
        "dates": page.week.label(),
        "week": page.week,
    }


def digest_email_message(*, page: DigestPage, user: User) -> EmailMultiAlternatives:
    """The email of `page` to `user` (who must be the viewer `page` was selected for), in
    their language (the page's summary is written in it by `digest_deliver`)."""
    with recipient_language(user):
        return _digest_email_message(page=page, user=user)


def _digest_email_message(*, page: DigestPage, user: User) -> EmailMultiAlternatives:
    unsubscribe = unsubscribe_url(user)
    week_url = settings.SITE_URL + reverse("digest:week", args=[str(page.week)])
    # The week's notifications the recipient chose to get weekly (SPEC §5, §8), as they may
    # see them now: only a comment still visible to them is quoted.
    notifications = [
        {
            "summary": str(item.summary),
            "url": settings.SITE_URL + item.url,
            "quote": item.comment.body if item.comment is not None else "",
        }
        for item in _weekly_notifications(user=user, page=page)
    ]
    # Each post's time, in the recipient's timezone and language: formatted once for both parts.
    zone = ZoneInfo(user.timezone)
    # Translators: a date format
    # (https://docs.djangoproject.com/en/stable/ref/templates/builtins/#date); a letter meant
    # literally needs a backslash
    week_format = pgettext("date format", "l j F, H:i")
    # Translators: a date format
    # (https://docs.djangoproject.com/en/stable/ref/templates/builtins/#date); a letter meant
    # literally needs a backslash
    year_format = pgettext("date format", "l j F Y")
    context = {
        "page": page,
        "notifications": notifications,
        "user": user,
        "entries": [_entry(post, user, zone, week_format) for post in page.posts],
        "memories": [_entry(post, user, zone, year_format) for post in page.memories],
        "week_url": week_url,
        "settings_url": settings.SITE_URL + reverse("social:settings"),
        "unsubscribe_url": unsubscribe,
        "SITE_URL": settings.SITE_URL,
    }
    message = EmailMultiAlternatives(
        subject=digest_email_subject(page),
        body=render_to_string("digest/email/digest.txt", context),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            # RFC 8058: mail clients may unsubscribe with one POST to the URL above.
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Content-Language": translation.get_language(),
        },
    )
    message.attach_alternative(render_to_string("digest/email/digest.html", context), "text/html")
    return message


def _weekly_notifications(*, user: User, page: DigestPage) -> list:
    """The week's notifications `user` chose to get weekly, as `notifications_between` gives
    them (compiled once: one query when the week holds none)."""
    weekly = sorted(
        kind for kind, choice in user.email_choices().items() if choice == EmailChoice.WEEKLY
    )
    if not weekly:
        return []
    return notifications_between(viewer=user, start=page.starts_at, end=page.ends_at, kinds=weekly)


def _entry(post, user: User, zone: ZoneInfo, date_format: str) -> dict:
    """What the email shows of a post: it, its time (`date_format` in `zone`), its link and its
    thumbnails (with their alt text)."""
    return {
        "post": post,
        "date": formats.date_format(timezone.localtime(post.created_at, zone), date_format),
        "url": settings.SITE_URL + _post_path(post),
        "thumbnails": [
            {"url": photo_thumbnail_absolute_url(photo, recipient=user), "photo": photo}
            for photo in post.photos.all()
        ],
    }


def _post_path(post) -> str:
    return post.get_absolute_url()
