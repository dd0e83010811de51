"""Writes of the digest app: building digests, showing them on demand, emailing them."""

import logging
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext as _

from digest.emails import digest_email_message
from digest.models import Digest, DigestDelivery, DigestEntry, DigestMemory
from digest.selectors import (
    DigestPage,
    digest_built_page,
    digest_first_week,
    digest_joined_week,
    digest_live_page,
    digest_memories_select,
    digest_preview,
    digest_select,
    digest_stored_page,
)
from digest.summary import summary_basis, summary_generate
from digest.weeks import Week, week_current, week_last_completed
from intentional.db import PrecompiledQuery, Sentinels
from intentional.languages import recipient_language
from intentional.metrics import DIGEST_EMAILS, DIGEST_SECONDS
from social.models import User

logger = logging.getLogger(__name__)


class FutureWeek(ObjectDoesNotExist):
    """The week has not started yet in the viewer's timezone: there is nothing to show (pages
    and the API answer 404, intentional.errors)."""


class WeekBeforeFirst(Exception):
    """The week comes before the viewer's first week (`digest_first_week`): nothing to show."""

    def __init__(self, first: Week):
        super().__init__(
            _("Your digests begin with the week of %(dates)s (%(week)s).")
            % {"dates": first.label(), "week": first}
        )
        self.first = first


def digest_build(
    *, user: User, week: Week, rebuild: bool = False, store_empty: bool = True
) -> Digest | None:
    """`user`'s stored digest of `week`, built and stored if missing (or if `rebuild`).

    `store_empty=False` (looking at a week): a missing digest whose selection is empty is not
    stored and None is returned, so looking at empty weeks stores nothing (SPEC §5). The email
    stores it (`store_empty`), its delivery row recording that the week was skipped.

    Its memories (SPEC §5) are chosen now, with the week's posts, and stored with it: a week
    with no post of its own carries none (nothing would show them in an email).

    Idempotent: two workers building the same digest end with one row (the unique
    (user, week) constraint decides) and both return it.
    """
    existing = Digest.objects.filter(user=user, week=str(week)).first()
    if existing is not None and not rebuild:
        return existing
    try:
        stored = _digest_store(user=user, week=week, existing=existing, store_empty=store_empty)
    except IntegrityError:
        # Someone else stored it first: theirs is the digest.
        return Digest.objects.get(user=user, week=str(week))
    return stored.digest


class _Stored(NamedTuple):
    """What `_digest_store` stored."""

    digest: Digest | None
    delivery: DigestDelivery | None = None
    # The email's page (`digest_built_page`) when nothing in it needs reading again.
    page: DigestPage | None = None


def _digest_store(
    *,
    user: User,
    week: Week,
    existing: Digest | None,
    store_empty: bool = True,
    for_delivery: bool = False,
) -> _Stored:
    """Select `week` for `user` and store it as their digest (`existing` rebuilt, else a new
    one); no digest if the selection is empty and not `store_empty`. IntegrityError: another
    worker stored it first (nothing is kept).

    `for_delivery` (a new digest, about to be emailed): its delivery row is stored in the same
    transaction, claimed for sending by this worker (as `_digest_claim` claims a row) or, for
    an empty week, skipped — one commit where a build and a claim took three. The email's
    page comes with it, from what was just selected as the recipient (photos included): the
    moment before, as a read at send time would be. Not when a summary endpoint is configured
    (seconds may pass: the page is read again at send time), nor when another digest of
    theirs took one of the memories meanwhile.
    """
    with DIGEST_SECONDS.time():
        posts = digest_select(recipient=user, week=week)
        if not posts and existing is None and not store_empty:
            return _Stored(None)
        memories = (
            digest_memories_select(viewer=user, week=week, digest=existing, for_email=for_delivery)
            if posts
            else []
        )
        # Outside the transaction: the endpoint may take seconds. In the language the person
        # reads their email in (SPEC §12); a page in another one writes its own (selectors).
        with recipient_language(user):
            summary, source = summary_generate(posts)
            basis = summary_basis(posts)
        start, end = week.bounds(user.timezone)
        delivery = None
        with transaction.atomic():
            if existing is None:
                digest = Digest.objects.create(
                    user=user,
                    week=str(week),
                    starts_at=start,
                    ends_at=end,
                    summary=summary,
                    summary_source=source,
                    summary_basis=basis,
                    built_at=timezone.now(),
                )
            else:
                digest = existing
                digest.entries.all().delete()
                digest.memories.all().delete()
                digest.starts_at, digest.ends_at = start, end
                digest.summary, digest.summary_source = summary, source
                digest.summary_basis = basis
                digest.built_at = timezone.now()
                digest.save(
                    update_fields=[
                        "starts_at",
                        "ends_at",
                        "summary",
                        "summary_source",
                        "summary_basis",
                        "built_at",
                    ]
                )
            DigestEntry.objects.bulk_create(
                DigestEntry(digest=digest, user=user, post=post, position=position)
                for position, post in enumerate(posts)
            )
            all_memories = _memories_store(digest=digest, user=user, memories=memories)
            if for_delivery and existing is None:
                delivery = DigestDelivery.objects.create(
                    digest=digest, **(_claimed() if posts else _SKIPPED)
                )
    page = None
    if posts and delivery is not None and all_memories and not settings.LLM_API_URL:
        page = digest_built_page(digest=digest, posts=posts, memories=memories)
    return _Stored(digest, delivery, page)


def _memories_store(*, digest: Digest, user: User, memories: list) -> bool:
    """Store `memories` with `digest`; False if another digest of `user` took one of them
    meanwhile: it stays there (a memory is never shown twice)."""
    if not memories:
        return True
    rows = [DigestMemory(digest=digest, user=user, post_id=post.pk) for post in memories]
    try:
        with transaction.atomic():  # a savepoint: the conflict is told, not ignored
            DigestMemory.objects.bulk_create(rows)
        return True
    except IntegrityError:
        DigestMemory.objects.bulk_create(rows, ignore_conflicts=True)
        return False


def digest_show(*, viewer: User, week: Week | None = None, now: datetime | None = None):
    """The DigestPage `viewer` sees for `week` (default: the last completed one).

    The current week is a live preview; a past week is the stored digest, built and stored on
    demand if anything is selected (an empty week is shown, not stored). Raises FutureWeek for
    a week that has not started, WeekBeforeFirst for one before the viewer's first week.
    """
    now = now or timezone.now()
    current = week_current(viewer.timezone, now=now)
    week = week or week_last_completed(viewer.timezone, now=now)
    if week > current:
        raise FutureWeek(str(week))
    joined = digest_joined_week(viewer=viewer, now=now)
    # After the week they joined, the week before is always there to show: only for an
    # earlier week does it matter how far back their digests go (two queries).
    first = joined if week > joined else digest_first_week(viewer=viewer, now=now)
    if week < first:
        raise WeekBeforeFirst(first)
    if week == current:
        return digest_preview(viewer=viewer, week=week, first_week=first)
    digest = digest_build(user=viewer, week=week, store_empty=False)
    if digest is None:
        return digest_live_page(
            viewer=viewer, week=week, selected=[], is_preview=False, first_week=first
        )
    return digest_stored_page(digest=digest, viewer=viewer, first_week=first)


def digest_unsubscribe(*, user: User) -> None:
    """Turn the weekly digest email off (the one-click unsubscribe link)."""
    User.objects.filter(pk=user.pk).update(digest_email_enabled=False)
    user.digest_email_enabled = False


# What `digest_deliver` returns.
SENT, SKIPPED_EMPTY, SKIPPED_DISABLED, ALREADY_DONE = "sent", "empty", "disabled", "already"


def digest_deliver(*, user_id: int, week: Week) -> str:
    """Build `week`'s digest for the user and email it, at most once.

    The delivery row is claimed before sending — stored claimed with a digest built here (one
    commit for both), created claimed, or taken with a conditional UPDATE — so retries, re-runs
    and concurrent workers never send the same week twice; a week with nothing to send is
    stored skipped. A failed send is recorded and re-raised (the task retries); a later claim
    may try again. A claim older than
    DIGEST_CLAIM_LEASE was abandoned (its worker was killed: no task lives past the time
    limit), so the next run claims it again; only a worker killed between the SMTP server's
    acceptance and the SENT update (one UPDATE) can make that a second email.
    """
    user = next(iter(_USER.fetch(user=user_id)), None)
    if user is None or not (user.is_active and user.digest_email_enabled and user.email):
        return SKIPPED_DISABLED
    # The page, its summary and the email in the recipient's language (a task has no request).
    with recipient_language(user):
        return _digest_deliver(user=user, week=week)


def _claimed() -> dict:
    """A new delivery row as its worker claims it: SENDING since now, by the database's clock
    (the one the lease is measured with), its first attempt."""
    return {"status": DigestDelivery.Status.SENDING, "claimed_at": Now(), "attempts": 1}


_SKIPPED = {"status": DigestDelivery.Status.SKIPPED}
_DONE = (DigestDelivery.Status.SENT, DigestDelivery.Status.SKIPPED)


# The batch's two lookups, compiled once (`PrecompiledQuery`): the person, and their digest of a
# week with its delivery row.
_USER = PrecompiledQuery(User, lambda sentinels: User.objects.filter(pk=sentinels.id("user")))


def _digest_of_week_build(sentinels: Sentinels):
    return Digest.objects.filter(
        user_id=sentinels.id("user"), week=sentinels.text("week")
    ).select_related("delivery")


_DIGEST_OF_WEEK = PrecompiledQuery(Digest, _digest_of_week_build)


def _digest_deliver(*, user: User, week: Week) -> str:
    digest = next(iter(_DIGEST_OF_WEEK.fetch(user=user, week=str(week))), None)
    if digest is None:
        # Built here: its delivery row comes with it, claimed (or skipped), in one commit.
        try:
            stored = _digest_store(user=user, week=week, existing=None, for_delivery=True)
        except IntegrityError:
            # Someone else stored it first: theirs is the digest (and its row, if they made one).
            digest = Digest.objects.select_related("delivery").get(user=user, week=str(week))
        else:
            if stored.delivery.status == DigestDelivery.Status.SKIPPED:
                return SKIPPED_EMPTY
            return _digest_send(
                user=user,
                week=week,
                digest=stored.digest,
                delivery_id=stored.delivery.pk,
                page=stored.page,
            )
    delivery = getattr(digest, "delivery", None)
    if delivery is not None and delivery.status in _DONE:
        return ALREADY_DONE
    delivery_id = _digest_claim(digest=digest, delivery=delivery)
    if delivery_id is None:
        return ALREADY_DONE  # another worker has it, or has sent it
    return _digest_send(user=user, week=week, digest=digest, delivery_id=delivery_id)


def _digest_claim(*, digest: Digest, delivery: DigestDelivery | None) -> int | None:
    """Claim `digest`'s email for this worker: the id of its delivery row, now SENDING, or
    None if another worker has it or is done with it. A missing row is created claimed; an
    existing one is claimed with a conditional UPDATE if it is pending, failed, or claimed
    longer than DIGEST_CLAIM_LEASE ago (abandoned)."""
    if delivery is None:
        try:
            with transaction.atomic():
                return DigestDelivery.objects.create(digest=digest, **_claimed()).pk
        except IntegrityError:  # another worker created it meanwhile: its status decides
            delivery = DigestDelivery.objects.get(digest=digest)
    abandoned = Q(
        status=DigestDelivery.Status.SENDING,
        claimed_at__lt=Now() - timedelta(seconds=settings.DIGEST_CLAIM_LEASE),
    )
    claimed = DigestDelivery.objects.filter(
        Q(status__in=[DigestDelivery.Status.PENDING, DigestDelivery.Status.FAILED]) | abandoned,
        pk=delivery.pk,
    ).update(
        status=DigestDelivery.Status.SENDING,
        claimed_at=Now(),  # the database's clock, the one the lease is measured with
        attempts=F("attempts") + 1,
    )
    return delivery.pk if claimed else None


def _digest_send(
    *, user: User, week: Week, digest: Digest, delivery_id: int, page: DigestPage | None = None
) -> str:
    """Email `digest` to `user`, its delivery row `delivery_id` claimed by this worker. `page`:
    the digest as `user` saw it a moment ago (it was built just now), else it is read."""
    deliveries = DigestDelivery.objects.filter(pk=delivery_id)
    try:
        if page is None:
            # As the recipient, now: a post hidden or deleted since the build is not sent.
            page = digest_stored_page(digest=digest, viewer=user, for_email=True)
        if not page.posts:
            deliveries.update(status=DigestDelivery.Status.SKIPPED)
            return SKIPPED_EMPTY
        digest_email_message(page=page, user=user).send()
    except Exception as error:
        # The claim is given back as failed: a retry, or a later run, claims it again.
        deliveries.update(status=DigestDelivery.Status.FAILED, last_error=repr(error)[:2000])
        DIGEST_EMAILS.labels(outcome="failed").inc()
        logger.warning("digest email to user %s for %s failed: %r", user.pk, week, error)
        raise
    sent_at = timezone.now()
    with transaction.atomic():  # one commit for both
        deliveries.update(status=DigestDelivery.Status.SENT, sent_at=sent_at, last_error="")
        Digest.objects.filter(pk=digest.pk).update(emailed_at=sent_at)
    DIGEST_EMAILS.labels(outcome="sent").inc()
    return SENT
