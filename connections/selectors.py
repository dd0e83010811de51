"""Reads of the social graph, by use case. Tags are only ever read through their owner."""

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils import timezone

from connections.models import Block, Connection, Invitation, Mute, Tag, TagMembership
from intentional.db import PrecompiledQuery, Sentinels

User = get_user_model()

# Relationship of a viewer to a person (the API's `connection` field, SPEC §6).
SELF, CONNECTED, PENDING_OUTGOING, PENDING_INCOMING, NONE = (
    "self",
    "connected",
    "pending_outgoing",
    "pending_incoming",
    "none",
)
RELATIONSHIPS = [SELF, CONNECTED, PENDING_OUTGOING, PENDING_INCOMING, NONE]


def person_order():
    """Order people by what pages call them (display name, else username), any case."""
    return Lower(Coalesce(NullIf("display_name", Value("")), "username"))


def people_visible_to(viewer: User) -> QuerySet[User]:
    """Active people, minus those `viewer` blocked or who blocked `viewer` (SPEC §2)."""
    return User.objects.filter(is_active=True).exclude(
        Exists(Block.objects.between(viewer, OuterRef("pk")))
    )


def _person_build(sentinels: Sentinels, *, with_mute: bool):
    viewer = sentinels.id("viewer")
    people = people_visible_to(viewer).filter(username__iexact=sentinels.text("username"))
    if with_mute:
        mute = Mute.objects.active(now=sentinels.datetime("now")).by(viewer, OuterRef("pk"))
        people = people.annotate(muted=Exists(mute), muted_until=Subquery(mute.values("until")[:1]))
    return people


_PERSON = PrecompiledQuery(User, _person_build)


def person_for(*, viewer: User, username: str, with_mute: bool = False) -> User:
    """The person `viewer` may look at, by username in any case; User.DoesNotExist otherwise.
    `with_mute`: with `.muted` and `.muted_until`, the viewer's mute of them in force (the
    profile's Mute/Unmute), read in the same query (compiled once: every profile asks)."""
    rows = _PERSON.fetch(
        shape={"with_mute": with_mute},
        viewer=viewer,
        username=(username or "").strip(),
        now=timezone.now(),
    )
    if not rows:  # usernames are unique in any case: one row or none
        raise User.DoesNotExist
    return rows[0]


def person_find(*, viewer: User, query: str) -> User | None:
    """Exact match on username or email: no browsing of who is on the site."""
    query = (query or "").strip()
    if not query:
        return None
    people = people_visible_to(viewer)
    if "@" in query.lstrip("@"):
        return people.filter(email__iexact=query).first()
    return people.filter(username__iexact=query.lstrip("@")).first()


_PAIR = PrecompiledQuery(
    Connection,
    lambda sentinels: (
        Connection.objects.between(sentinels.id("viewer"), sentinels.id("user"))
        .only("status", "requested_by_id")
        .order_by("pk")[:1]
    ),
)


def relationship(*, viewer: User, user: User) -> str:
    """One of RELATIONSHIPS: how `viewer` stands with `user` (one query, compiled once)."""
    if viewer.pk == user.pk:
        return SELF
    rows = _PAIR.fetch(viewer=viewer, user=user)
    if not rows:
        return NONE
    row = rows[0]
    if row.status == Connection.Status.ACCEPTED:
        return CONNECTED
    return PENDING_OUTGOING if row.requested_by_id == viewer.pk else PENDING_INCOMING


def pending_request_between(*, viewer: User, user: User) -> Connection | None:
    """The pending row of the pair, if any (for accept / decline / cancel buttons)."""
    return Connection.objects.pending().between(viewer, user).first()


def person_with_relationship(*, viewer: User, person: User) -> User:
    """`person` with what the action buttons need: `.relationship` and `.pending`, the pending
    row of the pair if any (templates/connections/_person_actions.html)."""
    person.relationship = relationship(viewer=viewer, user=person)
    person.pending = (
        pending_request_between(viewer=viewer, user=person)
        if person.relationship in (PENDING_INCOMING, PENDING_OUTGOING)
        else None
    )
    return person


def connected_people(*, user: User) -> QuerySet[User]:
    """`user`'s accepted connections as people, with `since`, by name (one query)."""
    rows = Connection.objects.accepted()
    since = Connection.objects.accepted_between(user, OuterRef("pk")).values("accepted_at")[:1]
    return (
        User.objects.filter(
            Q(pk__in=rows.filter(user_a=user).values("user_b"))
            | Q(pk__in=rows.filter(user_b=user).values("user_a"))
        )
        .annotate(since=Subquery(since))
        .order_by(person_order(), "pk")
    )


def labels_by_person(*, owner: User) -> dict[int, list[Tag]]:
    """The owner's tags on each of their people, by person id (one query)."""
    labels: dict[int, list[Tag]] = defaultdict(list)
    memberships = (
        TagMembership.objects.filter(tag__owner=owner)
        .select_related("tag")
        .order_by(Lower("tag__name"), "tag_id")
    )
    for membership in memberships:
        labels[membership.target_id].append(membership.tag)
    return labels


def connections_with_labels(*, user: User) -> list[User]:
    """`user`'s connections, each with `.labels`: `user`'s own tags on them (two queries)."""
    labels = labels_by_person(owner=user)
    people = list(connected_people(user=user))
    for person in people:
        person.labels = labels.get(person.pk, [])
    return people


def requests_incoming(*, user: User) -> QuerySet[Connection]:
    """Requests waiting for `user`'s answer, newest first."""
    return (
        Connection.objects.pending_for(user)
        .select_related("user_a", "user_b")
        .order_by("-created_at", "-pk")
    )


def requests_outgoing(*, user: User) -> QuerySet[Connection]:
    """Requests `user` sent that still wait, newest first."""
    return (
        Connection.objects.pending_from(user)
        .select_related("user_a", "user_b")
        .order_by("-created_at", "-pk")
    )


def blocks_by(*, user: User) -> QuerySet[Block]:
    """The people `user` blocked, newest first."""
    return Block.objects.filter(blocker=user).select_related("blocked").order_by("-created_at")


def mutes_by(*, user: User) -> QuerySet[Mute]:
    """The mutes `user` has in force (snoozes not over), newest first, with the muted people."""
    return (
        Mute.objects.active()
        .filter(muter=user)
        .select_related("muted")
        .order_by("-created_at", "-pk")
    )


def invitations_by(*, user: User) -> QuerySet[Invitation]:
    """`user`'s invitations, newest first."""
    return (
        Invitation.objects.filter(inviter=user)
        .select_related("used_by")
        .order_by("-created_at", "-pk")
    )


def tags_of(*, owner: User) -> QuerySet[Tag]:
    """The owner's tags by name, each with its memberships and their people (two queries)."""
    members = TagMembership.objects.select_related("target").order_by(Lower("target__username"))
    return (
        Tag.objects.owned_by(owner)
        .prefetch_related(Prefetch("memberships", queryset=members))
        .order_by(Lower("name"), "pk")
    )


def tags_owned(*, owner: User) -> QuerySet[Tag]:
    """The owner's tags by name, without their members."""
    return Tag.objects.owned_by(owner).order_by(Lower("name"), "pk")


def tags_owned_marking(*, owner: User, target: User) -> QuerySet[Tag]:
    """The owner's tags by name, each with `labels_target`: whether it labels `target` (a
    profile's "your tags on them" and "add a tag" in one query)."""
    labels = TagMembership.objects.filter(tag=OuterRef("pk"), target=target)
    return tags_owned(owner=owner).annotate(labels_target=Exists(labels))


def request_people(connection: Connection) -> tuple[User, User]:
    """(requester, recipient) of a pair row loaded with user_a and user_b."""
    if connection.requested_by_id == connection.user_a_id:
        return connection.user_a, connection.user_b
    return connection.user_b, connection.user_a
