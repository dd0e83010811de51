"""Staff see and remove connections, blocks, invitations and tags in the admin (and only there
see tag names); they cannot create or edit them by hand."""

import pytest

from connections.models import Connection, TagMembership
from connections.tests.factories import (
    BlockFactory,
    InvitationFactory,
    TagFactory,
    TagMembershipFactory,
    connect,
)
from social.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["connection", "block", "invitation", "tag"])
def test_staff_see_the_lists_and_cannot_add(staff_client, model):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    connect(alice, bob)
    BlockFactory(blocker=alice)
    InvitationFactory(inviter=alice)
    TagMembershipFactory(tag=TagFactory(owner=alice, name="climbing crew"), target=bob)
    response = staff_client.get(f"/admin/connections/{model}/")
    assert response.status_code == 200
    assert "alice" in response.content.decode()
    assert staff_client.get(f"/admin/connections/{model}/add/").status_code == 403


def test_staff_see_tag_names(staff_client):
    TagFactory(name="climbing crew")
    assert "climbing crew" in staff_client.get("/admin/connections/tag/").content.decode()


def test_staff_removing_a_connection_removes_both_sides_labels(staff_client):
    alice, bob = UserFactory(), UserFactory()
    connection = connect(alice, bob)
    TagMembershipFactory(tag=TagFactory(owner=alice), target=bob)
    TagMembershipFactory(tag=TagFactory(owner=bob), target=alice)
    response = staff_client.post(
        "/admin/connections/connection/",
        {"action": "delete_selected", "_selected_action": [connection.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Connection.objects.exists() and not TagMembership.objects.exists()


def test_invitation_tokens_are_not_shown(staff_client):
    invitation = InvitationFactory()
    page = staff_client.get(f"/admin/connections/invitation/{invitation.pk}/change/")
    assert page.status_code == 200 and invitation.token not in page.content.decode()


def test_non_staff_cannot_open_the_graph_admin(client, user):
    client.force_login(user)
    assert client.get("/admin/connections/tag/").status_code == 302
