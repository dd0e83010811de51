"""The social graph (SPEC §2): connections, blocks, invitations and private tags.

The querysets here are what the audience rule (`social.models.PostQuerySet.visible_to`) is
built from: each method works with users, ids or `OuterRef(...)` expressions.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.expressions import Combinable
from django.db.models.functions import Greatest, Least, Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intentional.validators import validate_one_line


def _as_expression(user) -> Combinable:
    """A user, a user id or an expression (OuterRef("author")), as a query expression."""
    if isinstance(user, Combinable) or hasattr(user, "resolve_expression"):
        return user
    pk = getattr(user, "pk", user)
    return Value(pk, output_field=models.BigIntegerField())


def pair_lookup(user, other) -> dict:
    """Filter kwargs for the one row of the unordered pair (user, other), stored a < b."""
    first, second = _as_expression(user), _as_expression(other)
    return {
        "user_a_id": Least(first, second, output_field=models.BigIntegerField()),
        "user_b_id": Greatest(first, second, output_field=models.BigIntegerField()),
    }


def _involving(user) -> Q:
    """Connection rows with `user` (a user, an id or an expression) on either side."""
    pk = getattr(user, "pk", user)
    return Q(user_a_id=pk) | Q(user_b_id=pk)


class ConnectionQuerySet(models.QuerySet):
    def accepted(self):
        """Connections that grant anything (SPEC §2)."""
        return self.filter(status=Connection.Status.ACCEPTED)

    def pending(self):
        """Requests not yet answered."""
        return self.filter(status=Connection.Status.PENDING)

    def between(self, user, other):
        """The pair's row, whatever its status: one probe of the (user_a, user_b) unique index.

        That the row holds `user` on one side is implied, and said again as a filter of its
        own: when PostgreSQL turns an `Exists()` of this into a hashed subplan (it may, for
        many outer rows), it then hashes `user`'s rows — about a hundred — and not every
        connection of the site (at 100k posts, 13 ms of the feed's 18)."""
        return self.filter(**pair_lookup(user, other)).filter(_involving(user))

    def accepted_between(self, user, other):
        """The pair's row if accepted; usable inside `Exists()` with `OuterRef`."""
        return self.accepted().between(user, other)

    def of(self, user):
        """Rows that involve `user`, on either side."""
        return self.filter(_involving(user))

    def other_ids_of(self, user):
        """The other person's id of each row that involves `user` (a `values()` queryset,
        for `__in` subqueries)."""
        pk = getattr(user, "pk", user)
        return (
            self.of(pk)
            .annotate(other=Case(When(user_a_id=pk, then=F("user_b_id")), default=F("user_a_id")))
            .values("other")
        )

    def pending_for(self, user):
        """Requests waiting for `user`'s answer (incoming)."""
        pk = getattr(user, "pk", user)
        return self.pending().of(pk).exclude(requested_by_id=pk)

    def pending_from(self, user):
        """Requests `user` sent that are still waiting (outgoing)."""
        pk = getattr(user, "pk", user)
        return self.pending().filter(requested_by_id=pk)


class Connection(models.Model):
    """An unordered pair of people, stored once with user_a_id < user_b_id."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        ACCEPTED = "accepted", _("accepted")

    user_a = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    user_b = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # Who asked: the other one is the recipient who may accept or decline.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = ConnectionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user_a__lt=F("user_b")), name="connection_ordered_pair"
            ),
            models.UniqueConstraint(fields=["user_a", "user_b"], name="connection_unique_pair"),
            models.CheckConstraint(
                condition=Q(requested_by=F("user_a")) | Q(requested_by=F("user_b")),
                name="connection_requested_by_member",
            ),
        ]
        indexes = [
            # "Who is user X connected to?" from the b side (the unique index serves the a side).
            models.Index(fields=["user_b", "status"], name="connection_b_status"),
            models.Index(fields=["user_a", "status"], name="connection_a_status"),
        ]

    def __str__(self) -> str:
        return f"{self.user_a_id}–{self.user_b_id} ({self.status})"

    def other_id(self, user) -> int:
        """The id of the person on the other side from `user`."""
        pk = getattr(user, "pk", user)
        return self.user_b_id if pk == self.user_a_id else self.user_a_id


class BlockQuerySet(models.QuerySet):
    def between(self, user, other):
        """Blocks in either direction between the two (each side one index probe)."""
        first, second = _as_expression(user), _as_expression(other)
        return self.filter(
            Q(blocker_id=first, blocked_id=second) | Q(blocker_id=second, blocked_id=first)
        )


class Block(models.Model):
    """`blocker` blocked `blocked`: they see nothing of each other and cannot connect."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = BlockQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique_pair"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="block_not_self"),
        ]
        indexes = [models.Index(fields=["blocked", "blocker"], name="block_blocked_blocker")]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


def _invitation_token() -> str:
    return secrets.token_urlsafe(24)


def _invitation_expiry():
    return timezone.now() + timedelta(days=14)


class InvitationQuerySet(models.QuerySet):
    def usable(self):
        """Invitations not used and not expired."""
        return self.filter(used_by__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """A single-use sign-up link; whoever signs up through it is connected to the inviter."""

    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    token = models.CharField(max_length=64, unique=True, default=_invitation_token)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=_invitation_expiry)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    used_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["inviter", "-created_at"], name="invitation_inviter")]

    def __str__(self) -> str:
        return f"invitation by {self.inviter_id}"


class TagQuerySet(models.QuerySet):
    def owned_by(self, user):
        """Tags of `user`: nobody else ever sees them (SPEC §2)."""
        return self.filter(owner_id=getattr(user, "pk", user))


class Tag(models.Model):
    """A private label the owner puts on their own connections ("family")."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tags", db_index=False
    )
    name = models.CharField(max_length=40, validators=[validate_one_line])
    created_at = models.DateTimeField(default=timezone.now)

    objects = TagQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint("owner", Lower("name"), name="tag_unique_name_per_owner"),
        ]
        indexes = [models.Index(fields=["owner", "name"], name="tag_owner_name")]

    def __str__(self) -> str:
        return self.name


class TagMembershipQuerySet(models.QuerySet):
    def of_target(self, user):
        """Memberships that label `user` (in anyone's tags)."""
        return self.filter(target_id=getattr(user, "pk", user))

    def between(self, owner, target):
        """`owner`'s labels on `target`."""
        return self.filter(
            tag__owner_id=getattr(owner, "pk", owner), target_id=getattr(target, "pk", target)
        )


class TagMembership(models.Model):
    """The tag's owner labels `target`, one of their accepted connections."""

    tag = models.ForeignKey(
        Tag, on_delete=models.CASCADE, related_name="memberships", db_index=False
    )
    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # When the owner labelled them: with `include_earlier_posts` off, the tag's posts from
    # before then stay hidden from them (SPEC §3, "a membership covers a post").
    created_at = models.DateTimeField(default=timezone.now)
    include_earlier_posts = models.BooleanField(default=True)

    objects = TagMembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tag", "target"], name="tag_membership_unique"),
        ]
        # "Is the viewer in one of these tags?": probe by (target, tag) from the audience rule.
        indexes = [models.Index(fields=["target", "tag"], name="tag_membership_target_tag")]

    def __str__(self) -> str:
        return f"{self.tag_id} → {self.target_id}"


class MuteQuerySet(models.QuerySet):
    def active(self, now=None):
        """Mutes in force at `now` (default: now): forever, or a snooze not yet over. `now` may
        be a value a precompiled query binds per call (the feed)."""
        return self.filter(Q(until__isnull=True) | Q(until__gt=now or timezone.now()))

    def by(self, muter, muted):
        """`muter`'s mute of `muted` (each a user, an id or an `OuterRef`), whatever its state."""
        return self.filter(muter_id=_as_expression(muter), muted_id=_as_expression(muted))


class Mute(models.Model):
    """`muter` quietly muted `muted` (SPEC §8): their posts leave the muter's feed and digest
    and their comments stop notifying the muter. Nothing else changes, and `muted` is never
    told: no read that `muted` makes ever looks at this table."""

    muter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    muted = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # A snooze ends by itself at this time; None: until unmuted.
    until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MuteQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["muter", "muted"], name="mute_unique_pair"),
            models.CheckConstraint(condition=~Q(muter=F("muted")), name="mute_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.muter_id} mutes {self.muted_id}"
