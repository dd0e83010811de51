"""Reads of the social app, by use case. Posts, comments and photos are read only through
`visible_to` (SPEC §3): a post the viewer may not see does not exist for them (the model's
DoesNotExist, which pages and the API answer with 404)."""

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from connections import selectors as connections_selectors
from connections.models import Block, Connection, Mute
from intentional.db import PrecompiledQuery, Sentinels
from intentional.links import link
from social.models import (
    Comment,
    Notification,
    NotificationActor,
    NotificationKind,
    Photo,
    Post,
    User,
)


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


def profile_person(*, viewer, username: str) -> User:
    """The person whose profile `viewer` opens (User.DoesNotExist for nobody and across a
    block), with `.relationship`, `.pending` (connections.selectors.person_with_relationship)
    `.muted` / `.muted_until` (the viewer's mute of them, read with the person), and
    `.details_visible`: bio and avatar for connections and self (SPEC §2) — the lookup
    already ruled out a block, so the relationship decides. Two queries (three when a request
    is pending)."""
    person = connections_selectors.person_for(viewer=viewer, username=username, with_mute=True)
    person = connections_selectors.person_with_relationship(viewer=viewer, person=person)
    person.details_visible = person.relationship in (
        connections_selectors.SELF,
        connections_selectors.CONNECTED,
    )
    return person


def user_for_login(*, login: str) -> User | None:
    """The account a typed login names: its username or any of its email addresses, in any case
    (as allauth logs in), in one query; None for a login that names no account."""
    login = login.strip()
    if not login:
        return None
    address = EmailAddress.objects.filter(user=OuterRef("pk"), email__iexact=login)
    return (
        User.objects.filter(Q(username__iexact=login) | Q(email__iexact=login) | Exists(address))
        .order_by("pk")
        .first()
    )


# --- Keyset pages -------------------------------------------------------------------------------


@dataclass
class Page:
    """One page of a keyset-paginated list; `next_cursor` is None on the last page."""

    items: list
    next_cursor: str | None = None


def cursor_encode(created_at: datetime, pk: int) -> str:
    """An opaque cursor for the position just after (created_at, pk)."""
    raw = f"{created_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[datetime, int]:
    """(created_at, pk) from a cursor; ValidationError if it was not made by `cursor_encode`."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.split("|")
        created_at = datetime.fromisoformat(stamp)
        if created_at.tzinfo is None:
            raise ValueError("naive")
        return created_at, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationError({"cursor": _("This cursor is not valid.")}) from None


def page_size_clean(page_size) -> int:
    """The page size asked for (1–FEED_MAX_PAGE_SIZE), or the default; ValidationError."""
    if page_size in (None, ""):
        return settings.FEED_PAGE_SIZE
    try:
        size = int(page_size)
    except (TypeError, ValueError):
        size = 0
    if not 1 <= size <= settings.FEED_MAX_PAGE_SIZE:
        raise ValidationError(
            {
                "page_size": _("Choose a page size from 1 to %(n)s.")
                % {"n": settings.FEED_MAX_PAGE_SIZE}
            }
        )
    return size


def _after(created_at, pk, *, newest_first: bool) -> Q:
    """Rows past the keyset position (created_at, pk) in the list's order."""
    if newest_first:
        return Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk)
    return Q(created_at__gt=created_at) | Q(created_at=created_at, pk__gt=pk)


def _keyset_fetch(query: PrecompiledQuery, *, cursor: str | None, page_size: int, **values) -> Page:
    """One keyset page of a precompiled list (built by `_keyset_build`): page_size + 1 rows in
    one query, the extra row only telling whether there is a next page."""
    shape = {"page_size": page_size, "after": bool(cursor)}
    if cursor:
        values["created_at"], values["pk"] = cursor_decode(cursor)
    rows = query.fetch(shape=shape, **values)
    items = rows[:page_size]
    next_cursor = None
    if len(rows) > page_size:
        last = items[-1]
        next_cursor = cursor_encode(last.created_at, last.pk)
    return Page(items=items, next_cursor=next_cursor)


def _keyset_build(queryset, sentinels: Sentinels, *, page_size: int, after: bool, newest_first):
    """The queryset of one keyset page (already ordered), for `PrecompiledQuery`."""
    if after:
        position = (sentinels.datetime("created_at"), sentinels.id("pk"))
        queryset = queryset.filter(_after(*position, newest_first=newest_first))
    return queryset[: page_size + 1]


# --- Posts --------------------------------------------------------------------------------------


def posts_visible(*, viewer):
    """Posts `viewer` may see, with what a post's display needs, in constant queries:
    the author (joined), photos and the viewer's own audience tags (JSON subqueries, installed
    as prefetched), and the number of comments this viewer can see (a subquery): one query."""
    # The outer post is visible_to(viewer): its comments need only the comment half.
    visible_comments = (
        Comment.objects.filter(post=OuterRef("pk"))  # audience-ok: outer row is visible_to
        .on_visible_post(viewer)
        .order_by()
        .values("post")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Post.objects.visible_to(viewer)
        .select_related("author")
        .with_photos_and_own_tags(viewer)
        .annotate(
            comment_count=Coalesce(
                Subquery(visible_comments, output_field=IntegerField()), Value(0)
            )
        )
    )


def _feed_build(sentinels: Sentinels, **shape):
    viewer = sentinels.instance("viewer", User)
    # People the viewer muted leave the feed (SPEC §4, §8); `now` is bound per call, so a
    # snooze ends on time in the compiled query too.
    muted = Mute.objects.active(now=sentinels.datetime("now")).by(viewer, OuterRef("author"))
    queryset = (
        posts_visible(viewer=viewer).in_circle_of(viewer).exclude(Exists(muted)).newest_first()
    )
    return _keyset_build(queryset, sentinels, newest_first=True, **shape)


_FEED = PrecompiledQuery(Post, _feed_build)


def feed_for(*, viewer, cursor: str | None = None, page_size: int | None = None) -> Page:
    """The viewer's feed (SPEC §4): their and their connections' visible posts, newest first."""
    if not viewer.is_authenticated:
        return Page(items=[])
    size = page_size or settings.FEED_PAGE_SIZE
    return _keyset_fetch(_FEED, cursor=cursor, page_size=size, viewer=viewer, now=timezone.now())


def _profile_build(sentinels: Sentinels, **shape):
    viewer = sentinels.instance("viewer", User)
    queryset = posts_visible(viewer=viewer).filter(author_id=sentinels.id("author"))
    return _keyset_build(queryset.newest_first(), sentinels, newest_first=True, **shape)


_PROFILE = PrecompiledQuery(Post, _profile_build)


def profile_posts_for(
    *, viewer, author: User, cursor: str | None = None, page_size: int | None = None
) -> Page:
    """`author`'s posts that `viewer` may see, newest first (the profile timeline)."""
    if not viewer.is_authenticated:
        return Page(items=[])
    size = page_size or settings.FEED_PAGE_SIZE
    return _keyset_fetch(_PROFILE, cursor=cursor, page_size=size, viewer=viewer, author=author)


_POST = PrecompiledQuery(
    Post,
    lambda sentinels: posts_visible(viewer=sentinels.instance("viewer", User)).filter(
        pk=sentinels.id("post")
    ),
)


def _post_comments_build(sentinels: Sentinels):
    # Asked only for a post already known to be visible to the viewer (its page).
    return (
        Comment.objects.visible_to(sentinels.instance("viewer", User))
        .filter(post_id=sentinels.id("post"))
        .select_related("author")
        .oldest_first()
    )


_POST_COMMENTS = PrecompiledQuery(Comment, _post_comments_build)


def post_for(*, viewer, post_id: int, with_comments: bool = False) -> Post:
    """One post `viewer` may see (DoesNotExist otherwise); optionally with its visible
    comments in `post.visible_comments`, oldest first."""
    rows = _POST.fetch(viewer=viewer, post=post_id) if viewer.is_authenticated else []
    if not rows:
        raise Post.DoesNotExist
    post = rows[0]
    if with_comments:
        post.visible_comments = _POST_COMMENTS.fetch(viewer=viewer, post=post.pk)
    return post


def post_owned_by(*, user, post_id: int) -> Post:
    """The post if `user` is its author (for the edit form); DoesNotExist otherwise."""
    post = posts_visible(viewer=user).filter(author_id=user.pk, pk=post_id).first()
    if post is None:
        raise Post.DoesNotExist
    return post


def post_audience(*, post: Post) -> list[User]:
    """Who besides the author can see `post` ("who can see this", for the author only).

    Asked of `visible_to` itself (with the candidate as an `OuterRef` viewer) for each of the
    author's accepted connections (nobody else can qualify), so this list cannot disagree with
    the rule: one query, each candidate one probe of the post by its primary key.
    """
    if post.audience == Post.Audience.PRIVATE:
        return []
    return list(
        User.objects.filter(pk__in=Connection.objects.accepted().other_ids_of(post.author_id))
        .filter(Exists(Post.objects.visible_to(OuterRef("pk")).filter(pk=post.pk)))
        .order_by("display_name", "username")
    )


# --- Comments and photos ------------------------------------------------------------------------


def _comments_build(sentinels: Sentinels, **shape):
    viewer = sentinels.instance("viewer", User)
    queryset = (
        Comment.objects.visible_to(viewer)
        .filter(post_id=sentinels.id("post"))
        .select_related("author")
        .oldest_first()
    )
    return _keyset_build(queryset, sentinels, newest_first=False, **shape)


_COMMENTS = PrecompiledQuery(Comment, _comments_build)


def comments_for(
    *, viewer, post_id: int, cursor: str | None = None, page_size: int | None = None
) -> Page:
    """The comments of a post `viewer` may see (Post.DoesNotExist if not), oldest first."""
    if not viewer.is_authenticated or not _POST_EXISTS.fetch(viewer=viewer, post=post_id):
        raise Post.DoesNotExist
    size = page_size or settings.COMMENTS_PAGE_SIZE
    return _keyset_fetch(_COMMENTS, cursor=cursor, page_size=size, viewer=viewer, post=post_id)


_POST_EXISTS = PrecompiledQuery(
    Post,
    lambda sentinels: (
        Post.objects.visible_to(sentinels.instance("viewer", User))
        .filter(pk=sentinels.id("post"))
        .only("pk")[:1]
    ),
)


def comment_visible(*, viewer, comment_id: int) -> Comment:
    """One comment `viewer` may see; DoesNotExist otherwise."""
    comment = (
        Comment.objects.visible_to(viewer).select_related("author").filter(pk=comment_id).first()
    )
    if comment is None:
        raise Comment.DoesNotExist
    return comment


def photo_for(*, viewer, photo_id: int) -> Photo:
    """A photo of a post `viewer` may see; DoesNotExist otherwise (local storage serving)."""
    photo = Photo.objects.visible_to(viewer).filter(pk=photo_id).first()
    if photo is None:
        raise Photo.DoesNotExist
    return photo


# --- Notifications (SPEC §8) --------------------------------------------------------------------

# What each kind says after the names of who did it.
_NOTIFICATION_VERBS = {
    NotificationKind.CONNECTION_REQUEST: gettext_lazy("asked to connect with you"),
    NotificationKind.CONNECTION_ACCEPTED: gettext_lazy("accepted your request to connect"),
    NotificationKind.COMMENT_ON_YOUR_POST: gettext_lazy("commented on your post"),
    NotificationKind.COMMENT_AFTER_YOU: gettext_lazy("commented on a post you commented on"),
    NotificationKind.INVITATION_ACCEPTED: gettext_lazy("joined through your invitation"),
}


def notification_names(actors: list[User], count: int) -> str:
    """ "Ana", "Ana and Bob", "Ana and 2 others": who did it, the latest first."""
    if count <= 1:
        return actors[0].name
    if count == 2:
        return _("%(a)s and %(b)s") % {"a": actors[0].name, "b": actors[1].name}
    return _("%(a)s and %(n)s others") % {"a": actors[0].name, "n": count - 1}


def _notifications_with_actors(viewer, notifications: list[Notification], **rows_filter):
    """Give each notification what every surface shows, from the actor rows `viewer` may still
    see (one query): `.actors` (distinct people, the latest first), `.actor_count`, `.comment`
    (the latest visible comment, or None), `.row_ids`, `.summary` and `.url`. A notification
    left with no visible row (hidden since it was read) is dropped."""
    if not notifications:
        return []
    rows = (
        NotificationActor.objects.visible_to(viewer)
        .filter(notification_id__in=[item.pk for item in notifications], **rows_filter)
        .select_related("actor", "comment")
        .order_by("-created_at", "-pk")
    )
    by_notification: dict[int, list[NotificationActor]] = {}
    for row in rows:
        by_notification.setdefault(row.notification_id, []).append(row)
    shown = []
    for notification in notifications:
        own = by_notification.get(notification.pk)
        if not own:
            continue
        people: dict[int, User] = {}
        for row in own:
            people.setdefault(row.actor_id, row.actor)
        notification.actors = list(people.values())
        notification.actor_count = len(people)
        notification.row_ids = [row.pk for row in own]
        notification.comment = next((row.comment for row in own if row.comment_id), None)
        names = notification_names(notification.actors, notification.actor_count)
        notification.summary = f"{names} {_NOTIFICATION_VERBS[notification.kind]}"
        notification.url = _notification_path(notification)
        shown.append(notification)
    return shown


def _notification_path(notification: Notification) -> str:
    """What the notification is about: the comment on its post, the requests on /people/, or
    the new connection's profile."""
    if notification.comment is not None:
        return f"{link('social:post', notification.post_id)}#comment-{notification.comment.pk}"
    if notification.kind == NotificationKind.CONNECTION_REQUEST:
        return reverse("connections:people")
    return notification.actors[0].get_absolute_url()


def notifications_for(*, viewer, cursor: str | None = None, page_size: int | None = None) -> Page:
    """`viewer`'s notifications that they may still see, newest first, one keyset page, each
    with its actors (`_notifications_with_actors`): two queries."""
    if not viewer.is_authenticated:
        return Page(items=[])
    size = page_size or settings.NOTIFICATIONS_PAGE_SIZE
    queryset = Notification.objects.visible_to(viewer).newest_first()
    if cursor:
        queryset = queryset.filter(_after(*cursor_decode(cursor), newest_first=True))
    rows = list(queryset[: size + 1])
    items = rows[:size]
    next_cursor = cursor_encode(items[-1].created_at, items[-1].pk) if len(rows) > size else None
    return Page(items=_notifications_with_actors(viewer, items), next_cursor=next_cursor)


def notification_for(*, viewer, notification_id: int) -> Notification:
    """One of `viewer`'s notifications that they may still see, with its actors (two queries);
    Notification.DoesNotExist otherwise."""
    found = list(Notification.objects.visible_to(viewer).filter(pk=notification_id))
    shown = _notifications_with_actors(viewer, found)
    if not shown:
        raise Notification.DoesNotExist
    return shown[0]


def notifications_unread_count(*, viewer) -> int:
    """How many unread notifications `viewer` may still see (one query)."""
    if not viewer.is_authenticated:
        return 0
    return Notification.objects.visible_to(viewer).unread().count()


def notifications_between(*, viewer, start, end, kinds) -> list[Notification]:
    """`viewer`'s notifications of `kinds` with activity in [start, end) that they may still
    see, oldest first (the weekly digest email): two queries."""
    if not kinds:
        return []
    notifications = list(
        Notification.objects.visible_to(viewer)
        .filter(kind__in=list(kinds), created_at__gte=start, created_at__lt=end)
        .order_by("created_at", "id")
    )
    return _notifications_with_actors(viewer, notifications)


def notification_email_items(*, viewer, claim: str, kinds) -> list[Notification]:
    """The notifications of the rows claimed by `claim` for an instant email, as `viewer` may
    see them now, only of `kinds`; each carries only its claimed rows (`.row_ids`)."""
    notifications = list(
        Notification.objects.visible_to(viewer)
        .filter(kind__in=list(kinds), actor_rows__email_claim=claim)
        .distinct()
        .order_by("created_at", "id")
    )
    return _notifications_with_actors(viewer, notifications, email_claim=claim)


def notifications_export(*, user) -> list[dict]:
    """`user`'s notifications for their data export, as they may see them now (two queries)."""
    items = []
    page = Notification.objects.visible_to(user).newest_first()
    for notification in _notifications_with_actors(user, list(page)):
        items.append(
            {
                "kind": notification.kind,
                "summary": str(notification.summary),
                "actors": [actor.username for actor in notification.actors],
                "post": notification.post_id,
                "comment": notification.comment.pk if notification.comment else None,
                "created_at": notification.created_at.isoformat(),
                "read_at": notification.read_at.isoformat() if notification.read_at else None,
            }
        )
    return items
