"""The database itself keeps the pair rules (acceptance 3), and the querysets the audience rule
is built from answer for users, ids and OuterRef alike."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from connections.models import Block, Connection, TagMembership
from connections.tests.factories import BlockFactory, TagFactory, TagMembershipFactory, connect
from social.models import User
from social.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    return sorted([UserFactory(), UserFactory()], key=lambda person: person.pk)


def test_database_refuses_a_second_row_for_a_pair(pair):
    low, high = pair
    connect(low, high)
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.create(user_a=low, user_b=high, requested_by=high)
    assert Connection.objects.count() == 1


@pytest.mark.parametrize("order", ["reversed", "same"])
def test_database_refuses_user_a_not_below_user_b(pair, order):
    low, high = pair
    first, second = (high, low) if order == "reversed" else (low, low)
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.create(user_a=first, user_b=second, requested_by=first)
    assert not Connection.objects.exists()


def test_database_refuses_a_requester_outside_the_pair(pair):
    low, high = pair
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.create(user_a=low, user_b=high, requested_by=UserFactory())


def test_database_refuses_blocking_yourself_and_twice(pair):
    low, high = pair
    with pytest.raises(IntegrityError), transaction.atomic():
        Block.objects.create(blocker=low, blocked=low)
    Block.objects.create(blocker=low, blocked=high)
    with pytest.raises(IntegrityError), transaction.atomic():
        Block.objects.create(blocker=low, blocked=high)


def test_tag_names_are_unique_per_owner_whatever_the_case():
    tag = TagFactory(name="Family")
    with pytest.raises(IntegrityError), transaction.atomic():
        TagFactory(owner=tag.owner, name="fAMILY")
    assert TagFactory(name="family").owner != tag.owner  # another owner may use it


def test_accepted_between_finds_the_pair_in_either_order(pair):
    low, high = pair
    connect(high, low)
    assert Connection.objects.accepted_between(low, high).exists()
    assert Connection.objects.accepted_between(high.pk, low.pk).exists()
    assert not Connection.objects.accepted_between(low, UserFactory()).exists()


def test_pending_is_not_accepted(pair):
    low, high = pair
    connect(low, high, status=Connection.Status.PENDING)
    assert not Connection.objects.accepted_between(low, high).exists()
    assert list(Connection.objects.pending_for(high)) == list(Connection.objects.pending_from(low))
    assert not Connection.objects.pending_for(low).exists()


def test_querysets_work_with_outerref():
    viewer, friend, requested, stranger, blocked = UserFactory.create_batch(5)
    connect(viewer, friend)
    connect(viewer, requested, status=Connection.Status.PENDING)
    BlockFactory(blocker=blocked, blocked=viewer)
    connected = User.objects.filter(
        Exists(Connection.objects.accepted_between(viewer, OuterRef("pk")))
    )
    assert list(connected) == [friend]
    blocking = User.objects.filter(Exists(Block.objects.between(viewer, OuterRef("pk"))))
    assert list(blocking) == [blocked]
    assert stranger not in connected


def test_of_lists_rows_on_either_side(pair):
    low, high = pair
    other = UserFactory()
    first = connect(low, high)
    second = connect(other, high, status=Connection.Status.PENDING)
    assert set(Connection.objects.of(high)) == {first, second}
    assert set(Connection.objects.of(low)) == {first}


def test_tag_membership_queryset():
    membership = TagMembershipFactory()
    assert list(TagMembership.objects.of_target(membership.target)) == [membership]
    assert list(TagMembership.objects.between(membership.tag.owner, membership.target)) == [
        membership
    ]
    assert not TagMembership.objects.between(membership.target, membership.tag.owner).exists()
