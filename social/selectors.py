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
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from connections.models import Block, Connection, Tag
from social.models import Comment, Photo, Post, User


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


def _keyset_page(queryset, *, cursor: str | None, page_size: int, newest_first: bool) -> Page:
    """Slice `queryset` (already ordered) after `cursor`: one query, page_size + 1 rows."""
    if cursor:
        created_at, pk = cursor_decode(cursor)
        if newest_first:
            after = Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk)
        else:
            after = Q(created_at__gt=created_at) | Q(created_at=created_at, pk__gt=pk)
        queryset = queryset.filter(after)
    rows = list(queryset[: page_size + 1])
    items = rows[:page_size]
    next_cursor = None
    if len(rows) > page_size:
        last = items[-1]
        next_cursor = cursor_encode(last.created_at, last.pk)
    return Page(items=items, next_cursor=next_cursor)


# --- Posts --------------------------------------------------------------------------------------


def posts_visible(*, viewer):
    """Posts `viewer` may see, with what a post's display needs, in constant queries:
    the author (joined), photos and the viewer's own audience tags (one prefetch each), and
    the number of comments this viewer can see (a subquery)."""
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
        .prefetch_related(
            "photos",
            Prefetch(
                "audience_tags",
                # Only the author's own tags ever show, and only to the author.
                queryset=Tag.objects.owned_by(viewer).order_by("name"),
            ),
        )
        .annotate(
            comment_count=Coalesce(
                Subquery(visible_comments, output_field=IntegerField()), Value(0)
            )
        )
    )


def feed_for(*, viewer, cursor: str | None = None, page_size: int | None = None) -> Page:
    """The viewer's feed (SPEC §4): their and their connections' visible posts, newest first."""
    queryset = posts_visible(viewer=viewer).in_circle_of(viewer).newest_first()
    return _keyset_page(
        queryset,
        cursor=cursor,
        page_size=page_size or settings.FEED_PAGE_SIZE,
        newest_first=True,
    )


def profile_posts_for(
    *, viewer, author: User, cursor: str | None = None, page_size: int | None = None
) -> Page:
    """`author`'s posts that `viewer` may see, newest first (the profile timeline)."""
    queryset = posts_visible(viewer=viewer).filter(author=author).newest_first()
    return _keyset_page(
        queryset,
        cursor=cursor,
        page_size=page_size or settings.FEED_PAGE_SIZE,
        newest_first=True,
    )


def post_for(*, viewer, post_id: int, with_comments: bool = False) -> Post:
    """One post `viewer` may see (DoesNotExist otherwise); optionally with its visible comments in
    `post.visible_comments`, oldest first."""
    queryset = posts_visible(viewer=viewer)
    if with_comments:
        queryset = queryset.prefetch_related(
            Prefetch(
                "comments",
                queryset=Comment.objects.visible_to(viewer).select_related("author").oldest_first(),
                to_attr="visible_comments",
            )
        )
    post = queryset.filter(pk=post_id).first()
    if post is None:
        raise Post.DoesNotExist
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


def comments_for(
    *, viewer, post_id: int, cursor: str | None = None, page_size: int | None = None
) -> Page:
    """The comments of a post `viewer` may see (Post.DoesNotExist if not), oldest first."""
    if not Post.objects.visible_to(viewer).filter(pk=post_id).exists():
        raise Post.DoesNotExist
    queryset = (
        Comment.objects.visible_to(viewer)
        .filter(post_id=post_id)
        .select_related("author")
        .oldest_first()
    )
    return _keyset_page(
        queryset,
        cursor=cursor,
        page_size=page_size or settings.COMMENTS_PAGE_SIZE,
        newest_first=False,
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
