"""factory-boy factories for the social graph, and a helper to connect two people."""

import factory
from django.utils import timezone

from connections.models import Block, Connection, Invitation, Mute, Tag, TagMembership
from social.tests.factories import UserFactory


def connect(user, other, *, status: str = Connection.Status.ACCEPTED) -> Connection:
    """Store the pair (user, other) in the right order, requested by `user`."""
    first, second = sorted([user, other], key=lambda person: person.pk)
    return Connection.objects.create(
        user_a=first,
        user_b=second,
        requested_by=user,
        status=status,
        accepted_at=timezone.now() if status == Connection.Status.ACCEPTED else None,
    )


class BlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Block

    blocker = factory.SubFactory(UserFactory)
    blocked = factory.SubFactory(UserFactory)


class MuteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mute

    muter = factory.SubFactory(UserFactory)
    muted = factory.SubFactory(UserFactory)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    inviter = factory.SubFactory(UserFactory)


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"tag {n}")


class TagMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TagMembership

    tag = factory.SubFactory(TagFactory)
    target = factory.SubFactory(UserFactory)
