"""`manage.py seed_demo`'s graph: the promised shape, and re-running changes nothing."""

import io

import pytest
from django.core.management import call_command

from connections.models import Connection, Tag, TagMembership
from social.models import User

pytestmark = pytest.mark.django_db


def _graph():
    return (
        sorted(Connection.objects.values_list("user_a", "user_b", "status", "requested_by")),
        sorted(
            TagMembership.objects.values_list(
                "tag__owner__username", "tag__name", "target__username"
            )
        ),
    )


def test_seed_demo_graph_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    first = _graph()
    call_command("seed_demo", stdout=io.StringIO())
    assert _graph() == first
    people = {user.username: user for user in User.objects.all()}
    alice = people["alice"]
    for other in ["bob", "carol", "dan"]:
        assert Connection.objects.accepted_between(alice, people[other]).exists()
    assert Connection.objects.accepted_between(people["carol"], people["erin"]).exists()
    assert Connection.objects.pending_for(alice).exists()
    assert set(Tag.objects.filter(owner=alice).values_list("name", flat=True)) >= {
        "family",
        "climbing crew",
    }
    assert ("alice", "family", "bob") in first[1]
    assert ("alice", "climbing crew", "dan") in first[1]
