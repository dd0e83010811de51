"""The rules of SPEC §2, one service at a time: what works, and bad input that changes nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from connections import services
from connections.models import Block, Connection, Invitation, Tag, TagMembership
from connections.tests.factories import (
    BlockFactory,
    InvitationFactory,
    TagFactory,
    TagMembershipFactory,
    connect,
)
from intentional.metrics import CONNECTION_ACCEPTS, CONNECTION_REQUESTS
from social.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(username="alice")


@pytest.fixture
def bob():
    return UserFactory(username="bob")


def _snapshot():
    """Everything the graph holds, to prove a refusal changed nothing."""
    return (
        list(Connection.objects.order_by("pk").values()),
        list(Block.objects.order_by("pk").values()),
        list(Invitation.objects.order_by("pk").values()),
        list(Tag.objects.order_by("pk").values()),
        list(TagMembership.objects.order_by("pk").values()),
    )


def _refused(call, message_part: str):
    before = _snapshot()
    with pytest.raises(ValidationError) as error:
        call()
    assert message_part in " ".join(error.value.messages)
    assert _snapshot() == before


# --- Requests ---------------------------------------------------------------------------------


def test_request_stores_the_pair_once_in_order(alice, bob):
    connection = services.connection_request(user=bob, username="ALICE")
    low, high = sorted([alice.pk, bob.pk])
    assert (connection.user_a_id, connection.user_b_id) == (low, high)
    assert connection.requested_by == bob
    assert connection.status == Connection.Status.PENDING
    assert list(Connection.objects.pending_for(alice)) == [connection]


def test_requesting_someone_who_asked_you_accepts_theirs(alice, bob):
    first = services.connection_request(user=alice, username="bob")
    second = services.connection_request(user=bob, username="alice")
    assert second.pk == first.pk
    assert second.status == Connection.Status.ACCEPTED and second.accepted_at is not None
    assert Connection.objects.count() == 1
    assert Connection.objects.accepted_between(alice, bob).exists()


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("alice", "yourself"),
        ("nobody_here", "No one here has the username"),
        ("", "No one here has the username"),
    ],
)
def test_request_refuses_self_and_unknown(alice, username, message):
    _refused(lambda: services.connection_request(user=alice, username=username), message)


def test_request_refuses_inactive_people(alice):
    UserFactory(username="gone", is_active=False)
    _refused(lambda: services.connection_request(user=alice, username="gone"), "No one here")


def test_request_refuses_an_existing_pair(alice, bob):
    services.connection_request(user=alice, username="bob")
    _refused(lambda: services.connection_request(user=alice, username="bob"), "already asked")
    services.connection_request(user=bob, username="alice")
    _refused(lambda: services.connection_request(user=alice, username="bob"), "already connected")


@pytest.mark.parametrize("direction", ["blocker", "blocked"])
def test_a_block_stops_requests_both_ways(alice, bob, direction):
    if direction == "blocker":
        BlockFactory(blocker=alice, blocked=bob)
        message = "You blocked @bob"
    else:
        BlockFactory(blocker=bob, blocked=alice)
        message = "can't connect with @bob"
    _refused(lambda: services.connection_request(user=alice, username="bob"), message)


def test_request_counts_in_metrics(alice, bob, django_capture_on_commit_callbacks):
    requests, accepts = CONNECTION_REQUESTS._value.get(), CONNECTION_ACCEPTS._value.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.connection_request(user=alice, username="bob")
    assert CONNECTION_REQUESTS._value.get() == requests + 1
    with django_capture_on_commit_callbacks(execute=True):
        services.connection_request(user=bob, username="alice")
    assert CONNECTION_ACCEPTS._value.get() == accepts + 1


# --- Accept, decline, cancel, remove ----------------------------------------------------------


def test_recipient_accepts(alice, bob):
    request = services.connection_request(user=alice, username="bob")
    connection = services.connection_accept(user=bob, connection_id=request.pk)
    assert connection.status == Connection.Status.ACCEPTED
    assert Connection.objects.accepted_between(alice, bob).exists()


def test_only_the_recipient_accepts(alice, bob):
    request = services.connection_request(user=alice, username="bob")
    _refused(
        lambda: services.connection_accept(user=alice, connection_id=request.pk),
        "only @bob can accept",
    )
    with pytest.raises(Connection.DoesNotExist):
        services.connection_accept(user=UserFactory(), connection_id=request.pk)
    assert Connection.objects.get().status == Connection.Status.PENDING


def test_accepting_twice_or_a_withdrawn_request(alice, bob):
    request = services.connection_request(user=alice, username="bob")
    services.connection_accept(user=bob, connection_id=request.pk)
    _refused(
        lambda: services.connection_accept(user=bob, connection_id=request.pk), "already connected"
    )
    other = services.connection_request(user=UserFactory(username="carl"), username="bob")
    services.connection_cancel(user=other.requested_by, connection_id=other.pk)
    with pytest.raises(Connection.DoesNotExist):
        services.connection_accept(user=bob, connection_id=other.pk)


def test_decline_and_cancel(alice, bob):
    request = services.connection_request(user=alice, username="bob")
    _refused(lambda: services.connection_decline(user=alice, connection_id=request.pk), "cancel")
    _refused(lambda: services.connection_cancel(user=bob, connection_id=request.pk), "decline")
    services.connection_decline(user=bob, connection_id=request.pk)
    assert not Connection.objects.exists()
    request = services.connection_request(user=alice, username="bob")
    services.connection_cancel(user=alice, connection_id=request.pk)
    assert not Connection.objects.exists()


def test_decline_or_cancel_an_accepted_connection_is_refused(alice, bob):
    connection = connect(alice, bob)
    _refused(lambda: services.connection_decline(user=bob, connection_id=connection.pk), "remove")
    _refused(lambda: services.connection_cancel(user=alice, connection_id=connection.pk), "remove")


def test_remove_takes_both_sides_labels(alice, bob):
    connect(alice, bob)
    carol = UserFactory()
    connect(alice, carol)
    alices = TagMembershipFactory(tag=TagFactory(owner=alice), target=bob)
    TagMembershipFactory(tag=TagFactory(owner=bob), target=alice)
    kept = TagMembershipFactory(tag=alices.tag, target=carol)
    services.connection_remove(user=bob, username="alice")
    assert not Connection.objects.between(alice, bob).exists()
    assert list(TagMembership.objects.all()) == [kept]


def test_remove_needs_an_accepted_connection(alice, bob):
    connect(alice, bob, status=Connection.Status.PENDING)
    with pytest.raises(Connection.DoesNotExist):
        services.connection_remove(user=alice, username="bob")
    with pytest.raises(Connection.DoesNotExist):
        services.connection_remove(user=alice, username="nobody")
    assert Connection.objects.count() == 1


# --- The cap ----------------------------------------------------------------------------------


@pytest.fixture
def cap_of_two(settings):
    settings.INTENTIONAL_MAX_CONNECTIONS = 2


def test_cap_refuses_a_request_when_you_are_full(alice, bob, cap_of_two):
    connect(alice, UserFactory())
    connect(alice, UserFactory())
    _refused(lambda: services.connection_request(user=alice, username="bob"), "You already have 2")


def test_cap_refuses_a_request_when_they_are_full(alice, bob, cap_of_two):
    connect(bob, UserFactory())
    connect(bob, UserFactory())
    _refused(lambda: services.connection_request(user=alice, username="bob"), "@bob already has 2")


def test_cap_refuses_an_accept_over_it(alice, bob, cap_of_two):
    request = services.connection_request(user=alice, username="bob")
    connect(bob, UserFactory())
    connect(bob, UserFactory())
    _refused(lambda: services.connection_accept(user=bob, connection_id=request.pk), "You already")
    _refused(lambda: services.connection_request(user=bob, username="alice"), "You already")


def test_pending_requests_do_not_count_against_the_cap(alice, bob, cap_of_two):
    for _ in range(3):
        connect(UserFactory(), alice, status=Connection.Status.PENDING)
    assert services.connection_request(user=alice, username="bob").status == "pending"


# --- Blocks -----------------------------------------------------------------------------------


def test_block_removes_connection_and_both_sides_labels(alice, bob):
    connect(alice, bob)
    TagMembershipFactory(tag=TagFactory(owner=alice), target=bob)
    TagMembershipFactory(tag=TagFactory(owner=bob), target=alice)
    block = services.block_create(user=bob, username="alice")
    assert (block.blocker, block.blocked) == (bob, alice)
    assert not Connection.objects.exists()
    assert not TagMembership.objects.exists()
    assert Tag.objects.count() == 2  # the tags themselves stay


@pytest.mark.parametrize("requester", ["alice", "bob"])
def test_block_removes_pending_requests_either_way(alice, bob, requester):
    sender, recipient = (alice, bob) if requester == "alice" else (bob, alice)
    services.connection_request(user=sender, username=recipient.username)
    services.block_create(user=alice, username="bob")
    assert not Connection.objects.exists()


def test_block_bad_input(alice, bob):
    _refused(lambda: services.block_create(user=alice, username="alice"), "yourself")
    _refused(lambda: services.block_create(user=alice, username="nobody"), "No one here")
    services.block_create(user=alice, username="bob")
    _refused(lambda: services.block_create(user=alice, username="bob"), "already blocked")


def test_block_remove(alice, bob):
    services.block_create(user=alice, username="bob")
    with pytest.raises(Block.DoesNotExist):
        services.block_remove(user=bob, username="alice")  # not theirs to lift
    services.block_remove(user=alice, username="BOB")
    assert not Block.objects.exists()
    assert services.connection_request(user=bob, username="alice").status == "pending"


# --- Invitations ------------------------------------------------------------------------------


def test_invitation_connects_the_newcomer_and_is_single_use(alice):
    invitation = services.invitation_create(user=alice)
    assert invitation.expires_at - timezone.now() > timedelta(days=13, hours=23)
    newcomer = UserFactory()
    connection = services.invitation_accept(user=newcomer, token=invitation.token)
    assert connection.status == Connection.Status.ACCEPTED
    assert connection.requested_by == alice
    invitation.refresh_from_db()
    assert invitation.used_by == newcomer and invitation.used_at is not None
    _refused(
        lambda: services.invitation_accept(user=UserFactory(), token=invitation.token), "expired"
    )


def test_invitation_refusals(alice):
    expired = InvitationFactory(inviter=alice, expires_at=timezone.now() - timedelta(seconds=1))
    _refused(lambda: services.invitation_accept(user=UserFactory(), token=expired.token), "expired")
    _refused(lambda: services.invitation_accept(user=UserFactory(), token="nope"), "expired")
    own = InvitationFactory(inviter=alice)
    _refused(lambda: services.invitation_accept(user=alice, token=own.token), "your own")
    blocked = UserFactory()
    BlockFactory(blocker=alice, blocked=blocked)
    _refused(lambda: services.invitation_accept(user=blocked, token=own.token), "@alice")


def test_invitation_respects_the_cap(alice, cap_of_two):
    connect(alice, UserFactory())
    connect(alice, UserFactory())
    invitation = InvitationFactory(inviter=alice)
    _refused(lambda: services.invitation_accept(user=UserFactory(), token=invitation.token), "2")


def test_invitation_accepts_a_pending_request_between_them(alice, bob):
    services.connection_request(user=bob, username="alice")
    invitation = InvitationFactory(inviter=alice)
    connection = services.invitation_accept(user=bob, token=invitation.token)
    assert connection.status == Connection.Status.ACCEPTED
    assert Connection.objects.count() == 1


# --- Tags -------------------------------------------------------------------------------------


def test_tag_create_rename_delete(alice, bob):
    tag = services.tag_create(owner=alice, name="  Family  ")
    assert tag.name == "Family"
    tag = services.tag_rename(owner=alice, tag_id=tag.pk, name="FAMILY")  # its own name, recased
    assert Tag.objects.get().name == "FAMILY"
    connect(alice, bob)
    services.tag_member_add(owner=alice, tag_id=tag.pk, username="bob")
    services.tag_delete(owner=alice, tag_id=tag.pk)
    assert not Tag.objects.exists() and not TagMembership.objects.exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "Give the tag a name"), ("   ", "Give the tag a name"), ("x" * 41, "at most 40")],
)
def test_tag_name_refusals(alice, name, message):
    tag = TagFactory(owner=alice, name="friends")
    _refused(lambda: services.tag_create(owner=alice, name=name), message)
    _refused(lambda: services.tag_rename(owner=alice, tag_id=tag.pk, name=name), message)


def test_tag_names_are_unique_per_owner_case_insensitively(alice):
    TagFactory(owner=alice, name="Family")
    other = TagFactory(owner=alice, name="friends")
    _refused(lambda: services.tag_create(owner=alice, name="fAmily"), "already have a tag")
    _refused(
        lambda: services.tag_rename(owner=alice, tag_id=other.pk, name="FAMILY"),
        "already have a tag",
    )
    assert services.tag_create(owner=UserFactory(), name="family").name == "family"


def test_tag_name_of_exactly_forty_characters_is_fine(alice):
    assert len(services.tag_create(owner=alice, name="x" * 40).name) == 40


def test_another_users_tag_is_not_found(alice, bob):
    tag = TagFactory(owner=bob)
    connect(alice, bob)
    with pytest.raises(Tag.DoesNotExist):
        services.tag_rename(owner=alice, tag_id=tag.pk, name="mine")
    with pytest.raises(Tag.DoesNotExist):
        services.tag_delete(owner=alice, tag_id=tag.pk)
    with pytest.raises(Tag.DoesNotExist):
        services.tag_member_add(owner=alice, tag_id=tag.pk, username="bob")
    with pytest.raises(Tag.DoesNotExist):
        services.tag_member_remove(owner=alice, tag_id=tag.pk, username="bob")
    assert Tag.objects.get().name == tag.name


def test_only_accepted_connections_can_be_labelled(alice, bob):
    tag = TagFactory(owner=alice)
    connect(alice, bob, status=Connection.Status.PENDING)
    for username in ["bob", "nobody", "alice"]:
        _refused(
            lambda username=username: services.tag_member_add(
                owner=alice, tag_id=tag.pk, username=username
            ),
            "not one of your connections",
        )


def test_labelling_twice_and_unlabelling(alice, bob):
    tag = TagFactory(owner=alice)
    connect(alice, bob)
    first = services.tag_member_add(owner=alice, tag_id=tag.pk, username="bob")
    again = services.tag_member_add(owner=alice, tag_id=tag.pk, username="Bob")
    assert first.pk == again.pk and TagMembership.objects.count() == 1
    services.tag_member_remove(owner=alice, tag_id=tag.pk, username="bob")
    services.tag_member_remove(owner=alice, tag_id=tag.pk, username="bob")  # nothing left: fine
    assert not TagMembership.objects.exists()
    _refused(
        lambda: services.tag_member_remove(owner=alice, tag_id=tag.pk, username="stranger"),
        "not one of your connections",
    )
