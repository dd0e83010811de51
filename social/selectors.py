"""Reads of the social app, by use case. Posts, comments and photos are read only through
`visible_to` (SPEC §3): a post the viewer may not see does not exist for them (the model's
DoesNotExist, which pages and the API answer with 404)."""

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import Count, Exists, FloatField, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy

from connections import selectors as connections_selectors
from connections.models import Block, Connection, Mute, Tag, TagMembership
from intentional.db import PrecompiledQuery, Sentinels
from intentional.links import link
from intentional.validators import validate_one_line
from social.models import (
    Comment,
    Notification,
    NotificationActor,
    NotificationKind,
    Photo,
    Post,
    PostAudienceTag,
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


@dataclass(frozen=True)
class AccountSecurity:
    """What protects a person's login (SPEC §11), as the Security card on /settings/ says it."""

    authenticator_app: bool
    # None until recovery codes exist (they are made with the first authenticator).
    recovery_codes_unused: int | None
    recovery_codes_total: int
    passkey_names: list[str]
    # allauth refuses a second factor while an email address is unverified (an attacker who
    # signed up with someone's address must not lock its owner out).
    can_add: bool


def account_security_for(*, user: User) -> AccountSecurity:
    """The person's authenticators, never their secrets: two queries whatever they have (the
    authenticators, oldest first; whether an email address awaits verification)."""
    authenticator_app = False
    recovery_codes = None
    passkey_names = []
    for authenticator in Authenticator.objects.filter(user_id=user.pk).order_by("created_at", "pk"):
        if authenticator.type == Authenticator.Type.TOTP:
            authenticator_app = True
        elif authenticator.type == Authenticator.Type.RECOVERY_CODES:
            recovery_codes = authenticator.wrap()
        elif authenticator.type == Authenticator.Type.WEBAUTHN:
            passkey_names.append(authenticator.wrap().name)
    can_add = mfa_settings.ALLOW_UNVERIFIED_EMAIL or not (
        EmailAddress.objects.filter(user_id=user.pk, verified=False).exists()
    )
    return AccountSecurity(
        authenticator_app=authenticator_app,
        recovery_codes_unused=(
            len(recovery_codes.get_unused_codes()) if recovery_codes is not None else None
        ),
        recovery_codes_total=(
            len(recovery_codes.generate_codes())
            if recovery_codes is not None
            else mfa_settings.RECOVERY_CODE_COUNT
        ),
        passkey_names=passkey_names,
        can_add=can_add,
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


# --- Audience preview (SPEC §10) -----------------------------------------------------------------


@dataclass
class AudiencePreview:
    """Who would see a post: `people`; for an existing post also who would start (`gains`)
    and stop (`loses`) seeing it. None when there is no existing post."""

    people: list
    gains: list | None = None
    loses: list | None = None


class _PreviewDone(Exception):
    """Leaves the preview's savepoint (rolling back its writes), carrying the answer."""

    def __init__(self, people: list):
        self.people = people


def audience_preview(
    *, author: User, audience: str, audience_tags: list[int], post_id: int | None = None
) -> AudiencePreview:
    """Who would see `author`'s post with this audience and these tags (SPEC §10), asked of
    the audience rule itself: `post_audience` (visible_to with each connection as the viewer)
    on the post as it would be.

    The rule reads posts and their audience tags from the database, so the post as it would be
    is written inside a savepoint that is always rolled back: a new post with these settings,
    or `post_id` (the author's own; Post.DoesNotExist otherwise) with its audience and tags
    changed. Nothing is committed, so nobody else ever sees those rows (their transaction
    cannot read uncommitted ones); an edited post's row stays locked only while the preview
    runs. Tags that are not the author's own: ValidationError on `audience_tags`."""
    if audience not in Post.Audience.values:
        raise ValidationError(
            {"audience": _("Choose who can see this: connections, tags or only you.")}
        )
    tag_ids = list(dict.fromkeys(audience_tags)) if audience == Post.Audience.TAGS else []
    if tag_ids and Tag.objects.owned_by(author).filter(pk__in=tag_ids).count() != len(tag_ids):
        raise ValidationError({"audience_tags": _("Choose among your own tags.")})
    post = None
    if post_id is not None:
        post = Post.objects.visible_to(author).filter(author_id=author.pk, pk=post_id).first()
        if post is None:
            raise Post.DoesNotExist(f"no post {post_id} by user {author.pk}")
    # Writes only inside the savepoint, always rolled back (the post: the author's own, above).
    posts = Post.objects  # audience-ok: written in the savepoint below, never read
    try:
        with transaction.atomic():
            if post is None:
                hypothetical = posts.create(author=author, audience=audience)
            else:
                posts.filter(pk=post.pk).update(audience=audience)
                PostAudienceTag.objects.filter(post_id=post.pk).delete()
                hypothetical = Post(pk=post.pk, author_id=author.pk, audience=audience)
            PostAudienceTag.objects.bulk_create(
                PostAudienceTag(post_id=hypothetical.pk, tag_id=tag_id) for tag_id in tag_ids
            )
            raise _PreviewDone(post_audience(post=hypothetical))
    except _PreviewDone as done:
        people = done.people
    if post is None:
        return AudiencePreview(people=people)
    before = post_audience(post=post)
    before_ids, after_ids = {person.pk for person in before}, {person.pk for person in people}
    return AudiencePreview(
        people=people,
        gains=[person for person in people if person.pk not in before_ids],
        loses=[person for person in before if person.pk not in after_ids],
    )


def tag_earlier_posts(*, owner: User, tag_id: int, username: str) -> int:
    """How many of `owner`'s posts shared with the tag were written before `username` was (or,
    not yet labelled, would now be) labelled with it: what "also show them the earlier posts"
    decides (SPEC §10). Tag.DoesNotExist for a tag that is not the owner's; ValidationError
    for someone who is not their accepted connection (only they can be labelled)."""
    tag = connections_selectors.tags_owned(owner=owner).get(pk=tag_id)
    person = connections_selectors.connected_people(user=owner).filter(
        username__iexact=(username or "").strip()
    )
    person = person.first()
    if person is None:
        raise ValidationError(
            {"username": _("Only your connections can be labelled.")}, code="not_a_connection"
        )
    membership = TagMembership.objects.filter(tag=tag, target=person).first()
    labelled_at = membership.created_at if membership else timezone.now()
    shared = PostAudienceTag.objects.filter(post=OuterRef("pk"), tag=tag)
    return (
        Post.objects.visible_to(owner)
        .filter(author_id=owner.pk, audience=Post.Audience.TAGS, created_at__lt=labelled_at)
        .filter(Exists(shared))
        .count()
    )


# --- Search (SPEC §9) ---------------------------------------------------------------------------

SEARCH_MIN_LENGTH, SEARCH_MAX_LENGTH = 2, 200
# PostgreSQL text search configuration of each language (SPEC §12). Each one needs its GIN
# index on to_tsvector(config, body) (social/migrations/0007_post_body_search.py).
SEARCH_CONFIGS = {"en": "english"}


def search_config(viewer) -> str:
    """The text search configuration (stemming) for `viewer`'s language; English until people
    have a language."""
    return SEARCH_CONFIGS.get(getattr(viewer, "language", "en"), SEARCH_CONFIGS["en"])


def search_query_clean(query) -> str:
    """The text to search for, stripped; ValidationError on `q` unless 2–200 characters on
    one line."""
    query = (query or "").strip()
    if not SEARCH_MIN_LENGTH <= len(query) <= SEARCH_MAX_LENGTH:
        raise ValidationError(
            {
                "q": _("Search for %(min)s to %(max)s characters.")
                % {"min": SEARCH_MIN_LENGTH, "max": SEARCH_MAX_LENGTH}
            }
        )
    try:
        validate_one_line(query)
    except ValidationError as error:
        raise ValidationError({"q": error.messages}) from None
    return query


@dataclass
class SearchResults:
    """One page of search: matching posts, and (first page only) matching connections."""

    posts: list
    people: list
    next_cursor: str | None = None


def search_cursor_encode(rank: float, created_at: datetime, pk: int) -> str:
    """An opaque cursor for the position just after (rank, created_at, pk)."""
    raw = f"{rank!r}|{created_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def search_cursor_decode(cursor: str) -> tuple[float, datetime, int]:
    """(rank, created_at, pk) from a search cursor; ValidationError if it is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        rank, stamp, pk = raw.split("|")
        created_at = datetime.fromisoformat(stamp)
        if created_at.tzinfo is None:
            raise ValueError("naive")
        return float(rank), created_at, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationError({"cursor": _("This cursor is not valid.")}) from None


def _search_posts(*, viewer, query: str):
    """`viewer`'s visible posts (`posts_visible`, so `visible_to`: nothing else is searched)
    that match `query`, annotated with `rank` and ordered best first, then newest.

    PostgreSQL: full-text search in the viewer's configuration (the GIN index on
    to_tsvector(config, body)), `rank` = ts_rank as double precision (exact through a cursor).
    Elsewhere (SQLite): every word of the query in the body, any case; `rank` 0 for all, so
    the order is newest first."""
    # The viewer's circle first, as one list: visible_to lets nothing else through, and the
    # planner then reads the circle's (author, created) ranges for a common word instead of
    # every match in the site (4M posts: over 45 s a search before, about 0.4 s after; a rare
    # word still takes the GIN index).
    posts = posts_visible(viewer=viewer).in_circle_of(viewer, one_list=True)
    if connections[router.db_for_read(Post)].vendor == "postgresql":
        config = search_config(viewer)
        document = SearchVector("body", config=config)
        terms = SearchQuery(query, config=config, search_type="websearch")
        posts = posts.alias(document=document).filter(document=terms)
        rank = Cast(SearchRank(document, terms), FloatField())
    else:
        for word in query.split():
            posts = posts.filter(body__icontains=word)
        rank = Value(0.0, output_field=FloatField())
    return posts.annotate(rank=rank).order_by("-rank", "-created_at", "-id")


def search_for(
    *, viewer, query: str, cursor: str | None = None, page_size: int | None = None
) -> SearchResults:
    """Search (SPEC §9): posts `viewer` may see whose text matches `query` (keyset pages over
    (rank, created_at, id), best first then newest; one query) and, on the first page, their
    accepted connections whose name or username matches (one query)."""
    query = search_query_clean(query)
    if not viewer.is_authenticated:
        return SearchResults(posts=[], people=[])
    size = page_size or settings.FEED_PAGE_SIZE
    posts = _search_posts(viewer=viewer, query=query)
    if cursor:
        rank, created_at, pk = search_cursor_decode(cursor)
        posts = posts.filter(
            Q(rank__lt=rank)
            | Q(rank=rank, created_at__lt=created_at)
            | Q(rank=rank, created_at=created_at, pk__lt=pk)
        )
    rows = list(posts[: size + 1])
    items = rows[:size]
    next_cursor = None
    if len(rows) > size:
        last = items[-1]
        next_cursor = search_cursor_encode(last.rank, last.created_at, last.pk)
    people = []
    if not cursor:
        # The viewer's connections by id (`other_ids_of`: each a probe of the people's primary
        # key), then the name test on those few rows only.
        circle = Connection.objects.accepted().other_ids_of(viewer)
        people = list(
            User.objects.filter(pk__in=circle)
            .filter(Q(username__icontains=query) | Q(display_name__icontains=query))
            .order_by(connections_selectors.person_order(), "pk")
        )
    return SearchResults(posts=items, people=people, next_cursor=next_cursor)


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

# What each kind says, about the names of who did it (a whole sentence per kind: the names'
# place in it is the language's). Plural by the number of people: in English the verb is the
# same for one or several, in other languages it agrees ("comentó" / "comentaron").
_NOTIFICATION_SENTENCES = {
    NotificationKind.CONNECTION_REQUEST: ngettext_lazy(
        "%(names)s asked to connect with you", "%(names)s asked to connect with you", "people"
    ),
    NotificationKind.CONNECTION_ACCEPTED: ngettext_lazy(
        "%(names)s accepted your request to connect",
        "%(names)s accepted your request to connect",
        "people",
    ),
    NotificationKind.COMMENT_ON_YOUR_POST: ngettext_lazy(
        "%(names)s commented on your post", "%(names)s commented on your post", "people"
    ),
    NotificationKind.COMMENT_AFTER_YOU: ngettext_lazy(
        "%(names)s commented on a post you commented on",
        "%(names)s commented on a post you commented on",
        "people",
    ),
    NotificationKind.INVITATION_ACCEPTED: ngettext_lazy(
        "%(names)s joined through your invitation",
        "%(names)s joined through your invitation",
        "people",
    ),
}


def notification_names(actors: list[User], count: int) -> str:
    """ "Ana", "Ana and Bob", "Ana and 2 others": who did it, the latest first."""
    if count <= 1:
        return actors[0].name
    if count == 2:
        return _("%(a)s and %(b)s") % {"a": actors[0].name, "b": actors[1].name}
    others = count - 1
    return ngettext("%(a)s and %(n)s other", "%(a)s and %(n)s others", others) % {
        "a": actors[0].name,
        "n": others,
    }


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
    return _notifications_given_rows(notifications, rows)


def _notifications_given_rows(notifications: list[Notification], rows) -> list[Notification]:
    """`_notifications_with_actors` once the visible actor rows are read (newest first)."""
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
        notification.summary = _NOTIFICATION_SENTENCES[notification.kind] % {
            "names": names,
            "people": notification.actor_count,
        }
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


def _unread_count_build(sentinels: Sentinels):
    # The count rides on the viewer's own row, so the compiled query gives model instances
    # like every precompiled read; `now` decides which mutes are in force.
    viewer = sentinels.instance("viewer", User)
    unread = (
        Notification.objects.visible_to(viewer, now=sentinels.datetime("now"))
        .unread()
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        User.objects.filter(pk=viewer.pk)
        .only("pk")
        .annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)))
    )


_UNREAD_COUNT = PrecompiledQuery(User, _unread_count_build)


def notifications_unread_count(*, viewer) -> int:
    """How many unread notifications `viewer` may still see (one query, compiled once: every
    page's navigation asks it)."""
    if not viewer.is_authenticated:
        return 0
    rows = _UNREAD_COUNT.fetch(viewer=viewer, now=timezone.now())
    return rows[0].unread if rows else 0


def _between_values(sentinels: Sentinels):
    return (sentinels.instance("viewer", User), sentinels.datetime("now")), {
        "created_at__gte": sentinels.datetime("start"),
        "created_at__lt": sentinels.datetime("end"),
    }


def _between_build(sentinels: Sentinels, *, kinds: tuple):
    # One shape per set of kinds (a handful): the kinds are written in, the rest is bound.
    (viewer, now), window = _between_values(sentinels)
    return (
        Notification.objects.visible_to(viewer, now=now)
        .filter(kind__in=kinds, **window)
        .order_by("created_at", "id")
    )


def _between_rows_build(sentinels: Sentinels, *, kinds: tuple):
    # The visible actor rows of the same notifications, read by the same filter.
    (viewer, now), window = _between_values(sentinels)
    return (
        NotificationActor.objects.visible_to(viewer, now=now)
        .filter(
            notification__kind__in=kinds,
            **{f"notification__{lookup}": value for lookup, value in window.items()},
        )
        .select_related("actor", "comment")
        .order_by("-created_at", "-pk")
    )


_BETWEEN = PrecompiledQuery(Notification, _between_build)
_BETWEEN_ROWS = PrecompiledQuery(NotificationActor, _between_rows_build)


def notifications_between(*, viewer, start, end, kinds) -> list[Notification]:
    """`viewer`'s notifications of `kinds` with activity in [start, end) that they may still
    see, oldest first (the weekly digest email): two queries, compiled once (every digest
    email asks)."""
    if not kinds:
        return []
    values = {"viewer": viewer, "now": timezone.now(), "start": start, "end": end}
    kinds = tuple(sorted(kinds))
    notifications = _BETWEEN.fetch(shape={"kinds": kinds}, **values)
    if not notifications:
        return []
    rows = _BETWEEN_ROWS.fetch(shape={"kinds": kinds}, **values)
    return _notifications_given_rows(notifications, rows)


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
