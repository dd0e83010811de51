"""Reads of the digest app: the selection of SPEC §5, and digests as a viewer sees them."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, F, Max, Min, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber, TruncDate
from django.utils import timezone

from connections.models import Mute
from digest.models import Digest, DigestDelivery, DigestEntry, DigestMemory
from digest.summary import SOURCE_BUILTIN, summary_basis, summary_builtin
from digest.weeks import (
    MIN_YEAR,
    Week,
    week_current,
    week_last_completed,
    week_of,
    week_parse,
)
from intentional.db import PrecompiledQuery, Sentinels
from intentional.routers import replica_or_primary
from social.models import Post, User
from social.selectors import posts_visible

logger = logging.getLogger(__name__)


@dataclass
class DigestPage:
    """A digest as one viewer sees it now: pages, API and email all show this."""

    week: Week
    starts_at: datetime
    ends_at: datetime
    summary: str
    summary_source: str
    # Chronological, each visible to the viewer right now, photos prefetched.
    posts: list = field(default_factory=list)
    # "From past years" (SPEC §5): posts of the same ISO week in earlier years, visible to the
    # viewer right now, most important first; empty when the viewer turned memories off.
    memories: list = field(default_factory=list)
    # The current week, selected live and not stored.
    is_preview: bool = False
    digest: Digest | None = None
    # No link to the week before this one (digest_first_week). A page after the week the
    # viewer joined carries that week instead: all the link needs, and no query.
    first_week: Week | None = None

    @property
    def people(self) -> list[User]:
        """Who shared, in order of first appearance."""
        seen: dict[int, User] = {}
        for post in self.posts:
            seen.setdefault(post.author_id, post.author)
        return list(seen.values())

    @property
    def previous_week(self) -> Week | None:
        """The week before, unless this is the viewer's first week."""
        if self.first_week is not None and self.week <= self.first_week:
            return None
        return self.week.shifted(-1)

    @property
    def next_week(self) -> Week | None:
        """The following week if it has started (the current week is a preview)."""
        return None if self.is_preview else self.week.shifted(1)


def digest_candidates(*, recipient: User, week: Week):
    """Posts `recipient` can see, by someone else they have not muted, created within `week`
    in their timezone."""
    return _candidates_between(recipient, *week.bounds(recipient.timezone))


def _candidates_between(recipient: User, start: datetime, end: datetime, now=None):
    return _of_the_circle_between(Post.objects.visible_to(recipient), recipient, start, end, now)


def _of_the_circle_between(posts, recipient: User, start: datetime, end: datetime, now=None):
    """`posts` by the recipient's connections, not muted by them, created in [start, end)."""
    # People the recipient muted are left out (SPEC §5, §8), as of `now` (a value the
    # precompiled selection binds per call).
    muted = Mute.objects.active(now).by(recipient, OuterRef("author"))
    # `in_circle_of` changes nothing that visible_to lets through (only connections' posts
    # can be visible to someone else), but lets the plan walk each connection's (author,
    # created) range instead of every post of the week.
    return (
        posts.in_circle_of(recipient, with_own=False)
        .filter(created_at__gte=start, created_at__lt=end)
        .exclude(Exists(muted))
    )


def digest_joined_week(*, viewer: User, now: datetime) -> Week:
    """The week `viewer` joined, in their timezone, or the last completed week if that is
    earlier: the default digest (the last completed week) is always there to show."""
    joined = week_of(viewer.date_joined, viewer.timezone)
    return min(joined, week_last_completed(viewer.timezone, now=now))


def digest_first_week(*, viewer: User, now: datetime) -> Week:
    """The first week of `viewer`'s digests (its page has no link to the week before; earlier
    weeks are refused): the week they joined (`digest_joined_week`), or an earlier week with
    a post by someone else that they can see now (a new connection's older posts) or with a
    digest of theirs stored (the email links to it). In their timezone. Two queries."""
    first = digest_joined_week(viewer=viewer, now=now)
    earliest_post = (
        Post.objects.visible_to(viewer)
        .in_circle_of(viewer, with_own=False)
        .aggregate(first=Min("created_at"))["first"]
    )
    if earliest_post is not None:
        first = min(first, week_of(earliest_post, viewer.timezone))
    earliest_digest = Digest.objects.of(viewer).aggregate(first=Min("week"))["first"]
    if earliest_digest is not None:
        first = min(first, week_parse(earliest_digest))
    return first


def _select_build(sentinels: Sentinels, *, zone: str, prefix: int | None, **thresholds):
    """The selection query of `digest_select`, from sentinels: the recipient, the week's
    bounds and name. The time zone (in the SQL's date cut), the thresholds and `prefix` are
    its shape.

    `prefix`: only the first `prefix` posts of the week in the order of step 4 (importance,
    then earliest, then lowest id) are looked at, whoever may see them — ids compared inside
    the query, never read out — and `visible_to` checks just those: a few dozen checks
    instead of one per post of the week (a thousand). Exact whenever it gives a full page
    (`digest_select`). None: every post of the week, each checked by `visible_to`."""
    recipient = sentinels.instance("recipient", User)
    start, end = sentinels.datetime("start"), sentinels.datetime("end")
    now = sentinels.datetime("now")
    # A post already in another week's digest (after a timezone change) is not shown twice.
    elsewhere = DigestEntry.objects.filter(user=recipient, post=OuterRef("pk")).exclude(
        digest__week=sentinels.text("week")
    )
    order = ("-importance", "created_at", "pk")

    def step_1(posts):
        return posts.filter(importance__gte=thresholds["minimum"]).exclude(Exists(elsewhere))

    if prefix is None:
        candidates = step_1(_candidates_between(recipient, start, end, now))
    else:
        first = step_1(
            _of_the_circle_between(Post.objects, recipient, start, end, now)  # audience-ok: ids
        )
        first = first.order_by(*order).values("pk")[:prefix]
        candidates = Post.objects.visible_to(recipient).filter(pk__in=first)
    kept = (
        candidates.annotate(
            day_rank=Window(
                RowNumber(),
                partition_by=[F("author_id"), TruncDate("created_at", tzinfo=ZoneInfo(zone))],
                order_by=[F("importance").desc(), F("created_at").asc(), F("pk").asc()],
            ),
            week_top=Window(Max("importance")),
        )
        .filter(day_rank__lte=thresholds["per_day"])
        .filter(Q(week_top__lt=thresholds["event"]) | Q(importance__gte=thresholds["low"]))
        # Step 4 in the database too: the window filter above stays inside, the order and
        # the limit apply to what it left.
        .order_by(*order)
    )
    if prefix is not None:  # a few dozen rows: read whole at once
        return _with_authors_and_photos(kept, recipient)[: thresholds["pages"]]
    # A thousand rows: narrow ones (id, author, time, importance) go through the windows and
    # the sort, and only the kept ones are read whole, with their authors.
    kept = kept.values("pk")[: thresholds["pages"]]
    return _with_authors_and_photos(
        Post.objects.visible_to(recipient).filter(pk__in=kept), recipient
    )


def _with_authors_and_photos(posts, viewer: User):
    """`posts` with what the email shows of them (the authors, the photos) read with them."""
    return posts.select_related("author").with_photos_and_own_tags(viewer)


_SELECT = PrecompiledQuery(Post, _select_build)
# How many of the week's posts the first try looks at, per page of the digest.
_PREFIX_PER_PAGE = 4


def digest_select(*, recipient: User, week: Week) -> list[Post]:
    """The week's posts for `recipient` (SPEC §5 steps 1-5), chronological, in one query
    (two for a week that fills less than a digest), with their authors and photos.

    Steps 1-4 run in the database. The per-(author, local day) rank and the week's top
    importance are window functions over the candidates left after step 1. Ranking before
    step 2 changes nothing: every post step 2 drops ranks below every post it keeps in its
    partition, since partitions are ordered by importance first. Step 5 sorts the (at most
    DIGEST_MAX_PAGES) rows left in Python. The SQL is compiled once per time zone and
    thresholds (`PrecompiledQuery`).

    The first try ranks only the visible posts among the week's first few dozen in step 4's
    order (`_select_build`'s `prefix`). Those are the first visible candidates in that order,
    so each one's rank in its (author, day) and the week's top importance come out as over
    all of them: every post kept there is kept, and any other kept post comes after them.
    A full page of DIGEST_MAX_PAGES is then the answer; anything less (a quiet week, or one
    whose first posts are mostly hidden or from one busy day) is selected again over every
    post of the week.
    """
    start, end = week.bounds(recipient.timezone)
    shape = {
        "zone": recipient.timezone,
        "minimum": settings.DIGEST_MIN_IMPORTANCE,
        "event": settings.DIGEST_EVENT_IMPORTANCE,
        "low": settings.DIGEST_LOW_PRIORITY_IMPORTANCE,
        "per_day": settings.DIGEST_PER_PERSON_PER_DAY,
        "pages": settings.DIGEST_MAX_PAGES,
    }
    values = {
        "recipient": recipient,
        "start": start,
        "end": end,
        "week": str(week),
        "now": timezone.now(),
    }
    prefix = _PREFIX_PER_PAGE * settings.DIGEST_MAX_PAGES
    rows = _SELECT.fetch(shape={**shape, "prefix": prefix}, **values)
    if len(rows) < settings.DIGEST_MAX_PAGES:
        rows = _SELECT.fetch(shape={**shape, "prefix": None}, **values)
    return sorted(rows, key=lambda post: (post.created_at, post.pk))


# At most this many memories per digest (SPEC §5).
MEMORIES_PER_DIGEST = 3


def _same_week_of_earlier_years(week: Week, tz: str) -> list[tuple[datetime, datetime]]:
    """Week number `week.number` of each ISO year before `week.year`, in `tz`: one range of
    creation times per year (Monday 00:00 to the next Monday 00:00, as the digest counts
    weeks), so week 53 matches only the years that have one, and the days of a week that
    straddles New Year count with it. Ranges of the creation time: the (created) index serves
    them."""
    ranges = []
    for year in range(MIN_YEAR, week.year):
        try:
            ranges.append(Week(year, week.number).bounds(tz))
        except ValueError:  # no week 53 that year
            continue
    return ranges


def _memories_build(sentinels: Sentinels, *, years: int, elsewhere_only: bool, for_email: bool):
    """The query of `digest_memories_select`, from sentinels: the viewer, one creation time
    range per earlier year and, `elsewhere_only`, the digest whose own memories may be chosen
    again. How many years there are, and how the posts are loaded, are its shape."""
    viewer = sentinels.instance("viewer", User)
    ranges = Q()
    for index in range(years):
        ranges |= Q(
            created_at__gte=sentinels.datetime(f"start_{index}"),
            created_at__lt=sentinels.datetime(f"end_{index}"),
        )
    shown = DigestMemory.objects.filter(user=viewer, post=OuterRef("pk"))
    if elsewhere_only:
        shown = shown.exclude(digest_id=sentinels.id("digest"))
    return (
        _posts_to_show(viewer=viewer, for_email=for_email)
        .in_circle_of(viewer)
        .filter(ranges)
        .exclude(Exists(shown))
        .order_by("-importance", "created_at", "pk")[:MEMORIES_PER_DIGEST]
    )


_MEMORIES = PrecompiledQuery(Post, _memories_build)


def digest_memories_select(
    *, viewer: User, week: Week, digest: Digest | None = None, for_email: bool = False
) -> list[Post]:
    """Up to MEMORIES_PER_DIGEST posts `viewer` can see now (their own included) from the same
    ISO week number in earlier years, never one already shown as a memory in another of their
    digests than `digest`; most important first (ties: earliest). One query (compiled once
    per number of earlier years, `PrecompiledQuery`), loaded like the feed's posts or,
    `for_email`, with what the email shows (`_posts_to_show`); none when the viewer turned
    memories off."""
    ranges = _same_week_of_earlier_years(week, viewer.timezone)
    if not viewer.memories_enabled or not ranges:
        return []
    bounds = {}
    for index, (start, end) in enumerate(ranges):
        bounds[f"start_{index}"], bounds[f"end_{index}"] = start, end
    return _MEMORIES.fetch(
        shape={"years": len(ranges), "elsewhere_only": digest is not None, "for_email": for_email},
        viewer=viewer,
        digest=digest,
        **bounds,
    )


def _memory_order(post: Post):
    return (-post.importance, post.created_at, post.pk)


def _posts_to_show(*, viewer: User, for_email: bool):
    """Posts `viewer` can see, loaded for a page or the API (`posts_visible`) or, `for_email`,
    with only what the email shows."""
    if for_email:
        return (
            Post.objects.visible_to(viewer)
            .select_related("author")
            .with_photos_and_own_tags(viewer)
        )
    return posts_visible(viewer=viewer)


def digest_posts_for(*, viewer: User, post_ids: list[int], for_email: bool = False) -> list[Post]:
    """The posts of `post_ids` that `viewer` can see now, in that order, ready to show.

    Loaded like the feed (`social.selectors.posts_visible`: author joined, photos and the
    viewer's own audience tags prefetched, visible comment count annotated), so pages and the
    API read no more queries per post than the feed does. The email shows only the author,
    text and photos: `for_email` loads just those (the same `visible_to` check, two queries).
    """
    if not post_ids:
        return []
    posts = _posts_to_show(viewer=viewer, for_email=for_email).filter(pk__in=post_ids)
    by_id = {post.pk: post for post in posts}
    return [by_id[pk] for pk in post_ids if pk in by_id]


def _summary_unchanged(digest: Digest, posts: list[Post]) -> bool:
    """Was `digest`'s stored summary written from exactly `posts`, as they are now?"""
    return digest.summary_basis == summary_basis(posts)


def _stored_posts_build(sentinels: Sentinels, *, for_email: bool, memories: bool):
    """The posts of a stored digest that the viewer can see now (`_posts_to_show`), in the
    digest's order (`position`) and, with `memories`, the memories stored with it after them
    (no position): one query."""
    viewer = sentinels.instance("viewer", User)
    digest = sentinels.id("digest")
    entries = DigestEntry.objects.filter(digest_id=digest)
    posts = _posts_to_show(viewer=viewer, for_email=for_email)
    if memories:
        stored = DigestMemory.objects.filter(digest_id=digest).order_by().values("post_id")
        ids = entries.order_by().values("post_id").union(stored, all=True)
        posts = posts.filter(pk__in=ids)
    else:
        posts = posts.filter(Exists(entries.filter(post=OuterRef("pk"))))
    position = entries.filter(post=OuterRef("pk")).values("position")[:1]
    return posts.annotate(position=Subquery(position)).order_by("position")


_STORED_POSTS = PrecompiledQuery(Post, _stored_posts_build)


def digest_stored_page(
    *, digest: Digest, viewer: User, for_email: bool = False, first_week: Week | None = None
) -> DigestPage:
    """A stored digest as `viewer` sees it now: posts they can no longer see are left out.

    The stored summary is shown only if it was written from exactly the posts still visible,
    with the same text: after an edit, a narrowed audience or a deletion (an empty entry) it
    may quote text that is gone, so a built-in one is written from what is visible now (SPEC
    §5). Its memories are those stored with it that `viewer` can see now, most important
    first; none when the viewer turned memories off. `for_email`: the posts carry only what
    the email shows. One query, photos included.
    """
    shape = {"for_email": for_email, "memories": viewer.memories_enabled}
    rows = _STORED_POSTS.fetch(shape=shape, viewer=viewer, digest=digest.pk)
    posts = [post for post in rows if post.position is not None]
    memories = sorted((post for post in rows if post.position is None), key=_memory_order)
    summary, source = digest.summary, digest.summary_source
    if not _summary_unchanged(digest, posts):
        summary, source = summary_builtin(posts), SOURCE_BUILTIN
    return DigestPage(
        week=digest.iso_week,
        starts_at=digest.starts_at,
        ends_at=digest.ends_at,
        summary=summary,
        summary_source=source,
        posts=posts,
        memories=memories,
        digest=digest,
        first_week=first_week,
    )


def digest_built_page(*, digest: Digest, posts: list[Post], memories: list[Post]) -> DigestPage:
    """`digest` as its owner sees it right after it was stored from `posts` and `memories`,
    which were selected as them (`digest_select`, `digest_memories_select(for_email=True)`)
    the moment before: the page `digest_stored_page(for_email=True)` would read again."""
    return DigestPage(
        week=digest.iso_week,
        starts_at=digest.starts_at,
        ends_at=digest.ends_at,
        summary=digest.summary,
        summary_source=digest.summary_source,
        posts=list(posts),
        memories=sorted(memories, key=_memory_order),
        digest=digest,
    )


def digest_preview(*, viewer: User, week: Week, first_week: Week | None = None) -> DigestPage:
    """The current week so far: selected live, summarised with the built-in generator."""
    selected = digest_select(recipient=viewer, week=week)
    return digest_live_page(
        viewer=viewer, week=week, selected=selected, is_preview=True, first_week=first_week
    )


def digest_live_page(
    *,
    viewer: User,
    week: Week,
    selected: list[Post],
    is_preview: bool,
    first_week: Week | None = None,
) -> DigestPage:
    """A week as selected now, not stored: the current week so far (`is_preview`), or a past
    week with nothing selected. Summarised with the built-in generator; its memories are
    chosen now and not stored either (nothing of a week shown live is remembered)."""
    posts = digest_posts_for(viewer=viewer, post_ids=[post.pk for post in selected])
    start, end = week.bounds(viewer.timezone)
    return DigestPage(
        week=week,
        starts_at=start,
        ends_at=end,
        summary=summary_builtin(posts),
        summary_source=SOURCE_BUILTIN,
        posts=posts,
        memories=list(digest_memories_select(viewer=viewer, week=week)),
        is_preview=is_preview,
        first_week=first_week,
    )


def digests_export(*, user: User) -> list[dict]:
    """`user`'s stored digests for their data export, as they could see them now: only the
    posts and memories still visible, and the summary only while it quotes nothing gone (an
    edit, a narrowed audience or a deletion since it was written). Three queries."""
    visible = Exists(Post.objects.visible_to(user).filter(pk=OuterRef("post")))
    memories_by_digest: dict[int, list[int]] = {}
    memories = (
        DigestMemory.objects.filter(user=user)
        .filter(visible)
        .order_by("digest_id", "post_id")
        .values_list("digest_id", "post_id")
    )
    for digest_id, post_id in memories:
        memories_by_digest.setdefault(digest_id, []).append(post_id)
    entries = (
        DigestEntry.objects.filter(user=user)
        .annotate(visible=visible)
        .order_by("digest_id", "position")
        .values_list("digest_id", "visible", "post_id", "post__is_milestone", "post__body")
    )
    posts_by_digest: dict[int, list[Post]] = {}
    for digest_id, is_visible, post_id, is_milestone, body in entries:
        if is_visible:
            # Only what summary_basis reads; the text of others' posts is not exported.
            post = Post(pk=post_id, is_milestone=is_milestone, body=body)
            posts_by_digest.setdefault(digest_id, []).append(post)
    exported = []
    for digest in Digest.objects.of(user).order_by("week"):
        posts = posts_by_digest.get(digest.pk, [])
        exported.append(
            {
                "week": digest.week,
                "summary": digest.summary if _summary_unchanged(digest, posts) else None,
                "summary_source": digest.summary_source,
                "built_at": digest.built_at.isoformat(),
                "emailed_at": digest.emailed_at.isoformat() if digest.emailed_at else None,
                "posts": [post.pk for post in posts],
                "memories": memories_by_digest.get(digest.pk, []),
            }
        )
    return exported


# --- Who is due an email -------------------------------------------------------------------------


def digest_due_week(timezone_name: str, *, now: datetime) -> Week | None:
    """The week whose email is due for someone in `timezone_name`: the previous week once
    their Monday DIGEST_SEND_HOUR:00 has passed, else None (Monday morning before it)."""
    zone = ZoneInfo(timezone_name)
    current = week_current(zone, now=now)
    send_at = datetime.combine(current.monday, time(settings.DIGEST_SEND_HOUR), tzinfo=zone)
    if now < send_at:
        return None
    return current.shifted(-1)


def digest_candidate_due_weeks(*, now: datetime) -> list[Week]:
    """The (at most two) weeks `digest_due_week` can answer right now, whatever the timezone
    (UTC-12 to UTC+14)."""
    weeks = {
        week_last_completed("UTC", now=now - timedelta(hours=12)),
        week_last_completed("UTC", now=now + timedelta(hours=14)),
    }
    return sorted(weeks)


# A week's email is done once sent, or skipped (nothing to send).
DONE = [DigestDelivery.Status.SENT, DigestDelivery.Status.SKIPPED]


def digest_due_users(*, now) -> list[tuple[int, str]]:
    """(user id, week) for everyone whose previous week's email is due and not yet done (the
    hourly digest_schedule task), read from the replica if there is one."""
    candidates = digest_candidate_due_weeks(now=now)
    done_flags = {
        f"done_{index}": Exists(
            DigestDelivery.objects.filter(
                digest__user=OuterRef("pk"), digest__week=str(week), status__in=DONE
            )
        )
        for index, week in enumerate(candidates)
    }

    def scan() -> list[tuple[int, str]]:
        due = []
        users = (
            User.objects.filter(is_active=True, digest_email_enabled=True)
            .annotate(**done_flags)
            .only("pk", "timezone")
            .order_by("pk")
        )
        for user in users.iterator(chunk_size=2000):
            week = digest_due_week(user.timezone, now=now)
            if week is None:
                continue
            if week in candidates and getattr(user, f"done_{candidates.index(week)}"):
                continue
            due.append((user.pk, str(week)))
        return due

    # A batch scan, harmless if a replica lags: the claim in digest_deliver decides. If the
    # replica fails mid-scan, the scan runs again on the primary.
    due, database = replica_or_primary(scan, what="the digest schedule")
    logger.info("digest schedule: scan read %s", database)
    return due
