"""Writes of the social graph (SPEC §2): requests, blocks, invitations and private tags.

Every service that touches a pair of people first locks both people's rows, in id order
(`_lock_people`). That serializes everything about a pair and about each person's connection
count, so two crossing requests end up as one accepted connection and two accepts racing for
someone's last free slot cannot both win. (PostgreSQL honours the locks; SQLite serializes
writers anyway.)

Bad input raises `ValidationError` with a message for a person (under the field it is about,
when there is one); an object that is not the caller's raises the model's `DoesNotExist`
(pages and API answer 404: intentional.errors). Nothing changes then.
"""

import functools
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from connections import events
from connections.models import Block, Connection, Invitation, Mute, Tag, TagMembership
from intentional.metrics import CONNECTION_ACCEPTS, CONNECTION_REQUESTS
from intentional.validators import validate_one_line

logger = logging.getLogger(__name__)

User = get_user_model()

TAG_NAME_MAX_LENGTH = Tag._meta.get_field("name").max_length


# --- Helpers ----------------------------------------------------------------------------------


def _refusals_on(field: str):
    """The decorated service's refusals that name no field are about `field` (its input): the
    API lists them under it, forms show them next to it."""

    def decorate(service):
        @functools.wraps(service)
        def wrapper(*args, **kwargs):
            try:
                return service(*args, **kwargs)
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    raise
                raise ValidationError({field: error.error_list}) from None

        return wrapper

    return decorate


def _lock_people(*user_ids: int) -> None:
    """Lock the people's rows in id order (the same order everywhere, so no deadlock)."""
    list(
        User.objects.select_for_update()
        .filter(pk__in=sorted(set(user_ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _person(username: str) -> User | None:
    """The active person with this username (any case), or None."""
    username = (username or "").strip().lstrip("@")
    if not username or "\x00" in username:  # PostgreSQL refuses NUL even in a lookup
        return None
    return User.objects.filter(username__iexact=username, is_active=True).first()


def _person_or_invalid(username: str) -> User:
    person = _person(username)
    if person is None:
        raise ValidationError(
            _("No one here has the username “%(username)s”.") % {"username": username.strip()}
        )
    return person


def _refuse_if_blocked(user: User, other: User) -> None:
    blocks = set(Block.objects.between(user, other).values_list("blocker_id", flat=True))
    if user.pk in blocks:
        raise ValidationError(
            _("You blocked @%(username)s. Unblock them first to connect.")
            % {"username": other.username}
        )
    if other.pk in blocks:
        raise ValidationError(
            _("You can't connect with @%(username)s.") % {"username": other.username}
        )


def _refuse_over_cap(user: User, other: User) -> None:
    """Refuse when a new accepted connection would take either side past the cap."""
    limit = settings.INTENTIONAL_MAX_CONNECTIONS
    if Connection.objects.accepted().of(user).count() >= limit:
        raise ValidationError(
            _(
                "You already have %(limit)s connections, the most anyone can have. "
                "Remove one to make room."
            )
            % {"limit": limit}
        )
    if Connection.objects.accepted().of(other).count() >= limit:
        raise ValidationError(
            _("@%(username)s already has %(limit)s connections, the most anyone can have.")
            % {"username": other.username, "limit": limit}
        )


def _forget_labels(user, other) -> None:
    """Both sides' tag memberships of the other (SPEC §2: on removal and on block)."""
    TagMembership.objects.filter(
        Q(tag__owner=user, target=other) | Q(tag__owner=other, target=user)
    ).delete()


def _accept(connection: Connection, *, announce: bool = True) -> Connection:
    """Turn a locked pending row into an accepted connection (cap checked on both sides);
    the requester is told after the commit (events.connection_accepted) if `announce`."""
    requester = User.objects.get(pk=connection.requested_by_id)
    recipient = User.objects.get(pk=connection.other_id(requester))
    _refuse_over_cap(recipient, requester)
    # The caller answers with both people, read here under the lock (not re-read later).
    connection.user_a, connection.user_b = _ordered(requester, recipient)
    connection.status = Connection.Status.ACCEPTED
    connection.accepted_at = timezone.now()
    connection.save(update_fields=["status", "accepted_at"])
    transaction.on_commit(CONNECTION_ACCEPTS.inc)
    if announce:
        events.announce_on_commit(
            events.connection_accepted,
            connection_id=connection.pk,
            actor_id=recipient.pk,
            recipient_id=requester.pk,
        )
    return connection


def _ordered(user: User, other: User) -> tuple[User, User]:
    return (user, other) if user.pk < other.pk else (other, user)


# --- Connections ------------------------------------------------------------------------------


@_refusals_on("username")
@transaction.atomic
def connection_request(*, user: User, username: str) -> Connection:
    """Ask `username` to connect; if they already asked `user`, accept theirs instead."""
    other = _person_or_invalid(username)
    if other.pk == user.pk:
        raise ValidationError(_("You can't connect with yourself."))
    _lock_people(user.pk, other.pk)
    _refuse_if_blocked(user, other)
    # Two rounds: the insert can only lose a race where the rows were not locked; then re-read.
    for _round in range(2):
        existing = Connection.objects.between(user, other).select_for_update().first()
        if existing is not None:
            if existing.status == Connection.Status.ACCEPTED:
                raise ValidationError(
                    _("You're already connected with @%(username)s.") % {"username": other.username}
                )
            if existing.requested_by_id == user.pk:
                raise ValidationError(
                    _("You already asked @%(username)s to connect; they haven't answered yet.")
                    % {"username": other.username}
                )
            transaction.on_commit(CONNECTION_REQUESTS.inc)
            return _accept(existing)
        _refuse_over_cap(user, other)
        first, second = _ordered(user, other)
        try:
            with transaction.atomic():
                connection = Connection.objects.create(
                    user_a=first, user_b=second, requested_by=user
                )
        except IntegrityError:
            continue
        transaction.on_commit(CONNECTION_REQUESTS.inc)
        events.announce_on_commit(
            events.connection_requested,
            connection_id=connection.pk,
            actor_id=user.pk,
            recipient_id=other.pk,
        )
        return connection
    raise ValidationError(_("Something changed while we were at it. Please try again."))


def _locked_request(*, user: User, connection_id: int) -> Connection:
    """The pair row `connection_id` that involves `user`, locked with both people's rows."""
    row = Connection.objects.of(user).filter(pk=connection_id).first()
    if row is None:
        raise Connection.DoesNotExist(f"no request {connection_id} for user {user.pk}")
    _lock_people(row.user_a_id, row.user_b_id)
    row = Connection.objects.select_for_update().filter(pk=connection_id).first()
    if row is None:  # withdrawn while we waited for the lock
        raise Connection.DoesNotExist(f"request {connection_id} is gone")
    return row


def _username(user_id: int) -> str:
    return User.objects.values_list("username", flat=True).get(pk=user_id)


@transaction.atomic
def connection_accept(*, user: User, connection_id: int) -> Connection:
    """The recipient accepts a pending request."""
    connection = _locked_request(user=user, connection_id=connection_id)
    other = _username(connection.other_id(user))
    if connection.status == Connection.Status.ACCEPTED:
        raise ValidationError(
            _("You're already connected with @%(username)s.") % {"username": other}
        )
    if connection.requested_by_id == user.pk:
        raise ValidationError(
            _("You sent this request: only @%(username)s can accept it.") % {"username": other}
        )
    return _accept(connection)


@transaction.atomic
def connection_decline(*, user: User, connection_id: int) -> None:
    """The recipient declines a pending request (the requester is not told)."""
    connection = _locked_request(user=user, connection_id=connection_id)
    if connection.status == Connection.Status.ACCEPTED:
        raise ValidationError(
            _("This request was already accepted; remove the connection instead.")
        )
    if connection.requested_by_id == user.pk:
        raise ValidationError(_("You sent this request: cancel it instead of declining."))
    connection.delete()


@transaction.atomic
def connection_cancel(*, user: User, connection_id: int) -> None:
    """The requester withdraws a pending request."""
    connection = _locked_request(user=user, connection_id=connection_id)
    if connection.status == Connection.Status.ACCEPTED:
        raise ValidationError(
            _("This request was already accepted; remove the connection instead.")
        )
    if connection.requested_by_id != user.pk:
        raise ValidationError(_("This request was sent to you: decline it instead of cancelling."))
    connection.delete()


@transaction.atomic
def connection_remove(*, user: User, username: str) -> None:
    """Either side ends an accepted connection; both sides' labels of the other go with it."""
    other = _person(username)
    if other is None:
        raise Connection.DoesNotExist(f"no active user {username!r}")
    _lock_people(user.pk, other.pk)
    deleted, _rows = Connection.objects.accepted_between(user, other).delete()
    if not deleted:
        raise Connection.DoesNotExist(f"{user.pk} and {other.pk} are not connected")
    _forget_labels(user, other)


@transaction.atomic
def connection_delete(*, connection_id: int) -> None:
    """Staff removal of a pair's row (admin), with both sides' labels of the other."""
    connection = Connection.objects.filter(pk=connection_id).first()
    if connection is None:
        return
    _lock_people(connection.user_a_id, connection.user_b_id)
    Connection.objects.filter(pk=connection_id).delete()
    _forget_labels(connection.user_a_id, connection.user_b_id)


# --- Blocks -----------------------------------------------------------------------------------


@_refusals_on("username")
@transaction.atomic
def block_create(*, user: User, username: str) -> Block:
    """Block `username`: their connection, requests and labels between the two disappear."""
    other = _person_or_invalid(username)
    if other.pk == user.pk:
        raise ValidationError(_("You can't block yourself."))
    _lock_people(user.pk, other.pk)
    if Block.objects.filter(blocker=user, blocked=other).exists():
        raise ValidationError(
            _("You already blocked @%(username)s.") % {"username": other.username}
        )
    block = Block.objects.create(blocker=user, blocked=other)
    Connection.objects.between(user, other).delete()
    _forget_labels(user, other)
    return block


@transaction.atomic
def block_remove(*, user: User, username: str) -> None:
    """Lift a block `user` made (nothing is restored: they may connect again)."""
    username = (username or "").strip()
    deleted = 0
    if "\x00" not in username:  # no one's username has NUL, and PostgreSQL refuses it
        blocks = Block.objects.filter(blocker=user, blocked__username__iexact=username)
        deleted, _rows = blocks.delete()
    if not deleted:
        raise Block.DoesNotExist(f"{user.pk} has not blocked {username!r}")


# --- Invitations ------------------------------------------------------------------------------


def invitation_create(*, user: User) -> Invitation:
    """A new single-use sign-up link, valid for 14 days."""
    return Invitation.objects.create(inviter=user)


def invitation_url(invitation: Invitation) -> str:
    """The absolute link to share."""
    return settings.SITE_URL + reverse("connections:invitation", args=[invitation.token])


def invitation_usable(*, token: str) -> Invitation | None:
    """The invitation behind `token` if it can still be used (and its inviter is active)."""
    if not token:
        return None
    return (
        Invitation.objects.usable()
        .filter(token=token, inviter__is_active=True)
        .select_related("inviter")
        .first()
    )


@_refusals_on("invitation")
@transaction.atomic
def invitation_accept(*, user: User, token: str) -> Connection:
    """`user` signed up through an invitation: use it up and connect them to the inviter."""
    unusable = ValidationError(_("This invitation link has expired or was already used."))
    invitation = invitation_usable(token=token)
    if invitation is None:
        raise unusable
    inviter = invitation.inviter
    if inviter.pk == user.pk:
        raise ValidationError(_("This is your own invitation: share it with someone else."))
    _lock_people(user.pk, inviter.pk)
    if not Invitation.objects.usable().select_for_update().filter(pk=invitation.pk).exists():
        raise unusable
    _refuse_if_blocked(user, inviter)
    Invitation.objects.filter(pk=invitation.pk).update(used_by=user, used_at=timezone.now())
    existing = Connection.objects.between(user, inviter).select_for_update().first()
    if existing is not None:
        if existing.status == Connection.Status.ACCEPTED:
            return existing
        connection = _accept(existing, announce=False)
        _announce_invitation_accepted(connection, user=user, inviter=inviter)
        return connection
    _refuse_over_cap(user, inviter)
    first, second = _ordered(user, inviter)
    connection = Connection.objects.create(
        user_a=first,
        user_b=second,
        requested_by=inviter,
        status=Connection.Status.ACCEPTED,
        accepted_at=timezone.now(),
    )
    transaction.on_commit(CONNECTION_ACCEPTS.inc)
    _announce_invitation_accepted(connection, user=user, inviter=inviter)
    return connection


def _announce_invitation_accepted(connection: Connection, *, user: User, inviter: User) -> None:
    events.announce_on_commit(
        events.invitation_accepted,
        connection_id=connection.pk,
        actor_id=user.pk,
        recipient_id=inviter.pk,
    )


# --- Tags -------------------------------------------------------------------------------------


def _clean_tag_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the tag a name."))
    validate_one_line(name)  # the model field's rule: no line breaks or control characters
    if len(name) > TAG_NAME_MAX_LENGTH:
        raise ValidationError(
            _("A tag name can have at most %(max)s characters (this one has %(length)s).")
            % {"max": TAG_NAME_MAX_LENGTH, "length": len(name)}
        )
    return name


def _duplicate_tag(name: str) -> ValidationError:
    return ValidationError(_("You already have a tag called “%(name)s”.") % {"name": name})


def _own_tag(owner: User, tag_id: int, *, lock: bool = False) -> Tag:
    tags = Tag.objects.owned_by(owner)
    if lock:
        tags = tags.select_for_update()
    return tags.get(pk=tag_id)  # Tag.DoesNotExist for another user's tag: 404


@_refusals_on("name")
@transaction.atomic
def tag_create(*, owner: User, name: str) -> Tag:
    """A new private tag (name ≤ 40 characters, unique per owner whatever the case)."""
    name = _clean_tag_name(name)
    if Tag.objects.owned_by(owner).filter(name__iexact=name).exists():
        raise _duplicate_tag(name)
    try:
        with transaction.atomic():
            return Tag.objects.create(owner=owner, name=name)
    except IntegrityError:  # the same name created a moment ago, or a case iexact missed
        raise _duplicate_tag(name) from None


@_refusals_on("name")
@transaction.atomic
def tag_rename(*, owner: User, tag_id: int, name: str) -> Tag:
    """Rename one of the owner's tags."""
    tag = _own_tag(owner, tag_id, lock=True)
    name = _clean_tag_name(name)
    if Tag.objects.owned_by(owner).filter(name__iexact=name).exclude(pk=tag.pk).exists():
        raise _duplicate_tag(name)
    tag.name = name
    try:
        with transaction.atomic():
            tag.save(update_fields=["name"])
    except IntegrityError:
        raise _duplicate_tag(name) from None
    return tag


@transaction.atomic
def tag_delete(*, owner: User, tag_id: int) -> None:
    """Delete one of the owner's tags and its memberships."""
    _own_tag(owner, tag_id).delete()


def _not_a_connection(username: str) -> ValidationError:
    return ValidationError(
        _("@%(username)s is not one of your connections: only connections can be labelled.")
        % {"username": (username or "").strip()}
    )


@transaction.atomic
def tag_member_add(
    *, owner: User, tag_id: int, username: str, include_earlier_posts: bool | None = None
) -> TagMembership:
    """Label one of the owner's accepted connections (doing it twice changes nothing).

    `include_earlier_posts` (SPEC §2): whether they also see the tag's posts from before the
    labelling; true for a new label unless said otherwise, and an existing label changes only
    when it is given."""
    tag = _own_tag(owner, tag_id)
    target = _person(username)
    if target is None:
        raise _not_a_connection(username)
    _lock_people(owner.pk, target.pk)
    if not Connection.objects.accepted_between(owner, target).exists():
        raise _not_a_connection(target.username)
    membership, created = TagMembership.objects.get_or_create(
        tag=tag,
        target=target,
        defaults={"include_earlier_posts": include_earlier_posts is not False},
    )
    changed = include_earlier_posts not in (None, membership.include_earlier_posts)
    if not created and changed:
        membership.include_earlier_posts = include_earlier_posts
        membership.save(update_fields=["include_earlier_posts"])
    return membership


@transaction.atomic
def tag_member_remove(*, owner: User, tag_id: int, username: str) -> None:
    """Take the label off a person (nothing to take off is fine if they are a connection)."""
    tag = _own_tag(owner, tag_id)
    target = _person(username)
    if target is None:
        raise _not_a_connection(username)
    deleted, _rows = TagMembership.objects.filter(tag=tag, target=target).delete()
    if not deleted and not Connection.objects.accepted_between(owner, target).exists():
        raise _not_a_connection(target.username)


# --- Mutes (SPEC §8) --------------------------------------------------------------------------


@_refusals_on("username")
@transaction.atomic
def mute_create(*, user: User, username: str, until=None) -> Mute:
    """Quietly mute `username`, until unmuted (`until` None) or until a time (a snooze); muting
    again replaces the earlier mute's end. They are never told."""
    other = _person_or_invalid(username)
    if other.pk == user.pk:
        raise ValidationError(_("You can't mute yourself."))
    if Block.objects.between(user, other).exists():
        # Blocked either way they are already out of sight: say nothing more about them.
        raise ValidationError(
            _("No one here has the username “%(username)s”.") % {"username": username.strip()}
        )
    if until is not None and until <= timezone.now():
        raise ValidationError({"until": _("Choose a time in the future.")})
    mute, _created = Mute.objects.update_or_create(
        muter=user, muted=other, defaults={"until": until, "created_at": timezone.now()}
    )
    return mute


@transaction.atomic
def mute_remove(*, user: User, username: str) -> None:
    """Unmute `username` (Mute.DoesNotExist if `user` has no mute of them, ended or not)."""
    username = (username or "").strip().lstrip("@")
    deleted = 0
    if "\x00" not in username:  # no one's username has NUL, and PostgreSQL refuses it
        mutes = Mute.objects.filter(muter=user, muted__username__iexact=username)
        deleted, _rows = mutes.delete()
    if not deleted:
        raise Mute.DoesNotExist(f"{user.pk} has not muted {username!r}")
