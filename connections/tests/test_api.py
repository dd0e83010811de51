"""The social graph through the API (SPEC §6): the whole life cycle, bad input, privacy of
tags, query counts and the schema."""

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from connections.models import Block, Connection, Invitation, Tag, TagMembership
from connections.tests.factories import BlockFactory, TagFactory, TagMembershipFactory, connect
from social.models import User
from social.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def api_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def alice():
    return UserFactory(username="alice", display_name="Alice", bio="Climber.")


@pytest.fixture
def bob():
    return UserFactory(username="bob", display_name="Bob")


def _error(response, status: int, field: str | None = None) -> str:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    if field:
        assert error["fields"][field]
    return error["message"]


def test_life_cycle(alice, bob):
    as_alice, as_bob = api_for(alice), api_for(bob)

    # Request, and the recipient sees it.
    response = as_alice.post("/api/v1/connections/requests/", {"username": "bob"}, format="json")
    assert response.status_code == 201
    request = response.json()
    assert request["from_user"] == {"username": "alice", "display_name": "Alice"}
    assert request["to_user"] == {"username": "bob", "display_name": "Bob"}
    assert request["status"] == "pending" and request["created_at"]
    incoming = as_bob.get("/api/v1/connections/requests/?direction=incoming").json()
    assert [row["id"] for row in incoming["results"]] == [request["id"]]
    assert incoming["next"] is None
    outgoing = as_alice.get("/api/v1/connections/requests/?direction=outgoing").json()
    assert [row["id"] for row in outgoing["results"]] == [request["id"]]
    assert as_alice.get("/api/v1/connections/requests/").json()["results"] == []

    # Accept.
    response = as_bob.post(f"/api/v1/connections/requests/{request['id']}/accept/")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    connections = as_alice.get("/api/v1/connections/").json()
    assert connections["next"] is None
    assert [row["user"] for row in connections["results"]] == [
        {"username": "bob", "display_name": "Bob"}
    ]
    assert connections["results"][0]["since"]

    # Tags: create, label, rename, unlabel, delete.
    response = as_alice.post("/api/v1/tags/", {"name": "family"}, format="json")
    assert response.status_code == 201
    tag = response.json()
    assert tag == {"id": tag["id"], "name": "family", "members": []}
    assert as_alice.put(f"/api/v1/tags/{tag['id']}/members/bob/").status_code == 204
    assert as_alice.get("/api/v1/tags/").json()["results"] == [
        {"id": tag["id"], "name": "family", "members": ["bob"]}
    ]
    response = as_alice.patch(f"/api/v1/tags/{tag['id']}/", {"name": "Family"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Family"
    assert response.json()["members"] == ["bob"]
    assert as_alice.delete(f"/api/v1/tags/{tag['id']}/members/bob/").status_code == 204
    assert not TagMembership.objects.exists()
    assert as_alice.delete(f"/api/v1/tags/{tag['id']}/").status_code == 204
    assert not Tag.objects.exists()

    # Remove; then decline; then cancel.
    assert as_bob.delete("/api/v1/connections/alice/").status_code == 204
    assert as_alice.get("/api/v1/connections/").json()["results"] == []
    again = as_alice.post("/api/v1/connections/requests/", {"username": "bob"}, format="json")
    assert (
        as_bob.post(f"/api/v1/connections/requests/{again.json()['id']}/decline/").status_code
        == 204
    )
    assert not Connection.objects.exists()
    again = as_alice.post("/api/v1/connections/requests/", {"username": "bob"}, format="json")
    assert as_alice.delete(f"/api/v1/connections/requests/{again.json()['id']}/").status_code == 204
    assert not Connection.objects.exists()

    # Block and unblock.
    as_alice.post("/api/v1/connections/requests/", {"username": "bob"}, format="json")
    response = as_bob.post("/api/v1/blocks/", {"username": "alice"}, format="json")
    assert response.status_code == 201 and response.json() == {"username": "alice"}
    assert not Connection.objects.exists()
    assert as_bob.get("/api/v1/blocks/").json() == {
        "results": [{"username": "alice"}],
        "next": None,
    }
    assert as_alice.get("/api/v1/blocks/").json()["results"] == []
    assert as_bob.delete("/api/v1/blocks/alice/").status_code == 204
    assert not Block.objects.exists()


def test_crossing_request_accepts(alice, bob):
    api_for(alice).post("/api/v1/connections/requests/", {"username": "bob"}, format="json")
    response = api_for(bob).post(
        "/api/v1/connections/requests/", {"username": "alice"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["status"] == "accepted"
    assert response.json()["from_user"]["username"] == "alice"
    assert Connection.objects.accepted_between(alice, bob).exists()


def test_invitation_sign_up_through_the_api(alice, api_client):
    as_alice = api_for(alice)
    response = as_alice.post("/api/v1/invitations/")
    assert response.status_code == 201
    invitation = response.json()
    assert set(invitation) == {"token", "url", "expires_at", "used_by"}
    assert invitation["url"].endswith(f"/invite/{invitation['token']}/")
    assert invitation["used_by"] is None
    response = api_client.post(
        "/api/v1/auth/register/",
        {
            "email": "nora@example.com",
            "username": "nora",
            "password": "a quiet harbour 42",
            "invitation": invitation["token"],
        },
        format="json",
    )
    assert response.status_code == 201
    nora = User.objects.get(username="nora")
    assert Connection.objects.accepted_between(alice, nora).exists()
    listed = as_alice.get("/api/v1/invitations/").json()["results"]
    assert listed == [{**invitation, "used_by": "nora"}]


def test_register_with_a_used_invitation_creates_nothing(alice, api_client):
    invitation = Invitation.objects.create(inviter=alice, used_by=UserFactory())
    response = api_client.post(
        "/api/v1/auth/register/",
        {
            "email": "nora@example.com",
            "username": "nora",
            "password": "a quiet harbour 42",
            "invitation": invitation.token,
        },
        format="json",
    )
    assert "expired or was already used" in _error(response, 400, "invitation")
    assert not User.objects.filter(username="nora").exists()


# --- Bad input: a clear 400 or 404, and nothing changes ---------------------------------------


@pytest.mark.parametrize(
    ("setup", "username", "message"),
    [
        (None, "alice", "yourself"),
        (None, "nobody", "No one here has the username"),
        ("blocker", "bob", "You blocked @bob"),
        ("blocked", "bob", "You can't connect with @bob"),
        ("pending", "bob", "already asked"),
        ("accepted", "bob", "already connected"),
        ("full", "bob", "You already have 1 connections"),
    ],
)
def test_request_refusals(alice, bob, settings, setup, username, message):
    settings.INTENTIONAL_MAX_CONNECTIONS = 1
    if setup == "blocker":
        BlockFactory(blocker=alice, blocked=bob)
    elif setup == "blocked":
        BlockFactory(blocker=bob, blocked=alice)
    elif setup == "pending":
        connect(alice, bob, status=Connection.Status.PENDING)
    elif setup == "accepted":
        connect(alice, bob)
    elif setup == "full":
        connect(alice, UserFactory())
    before = list(Connection.objects.values())
    response = api_for(alice).post(
        "/api/v1/connections/requests/", {"username": username}, format="json"
    )
    assert message in _error(response, 400, "username")
    assert response.json()["error"]["type"] == "validation_error"
    assert list(Connection.objects.values()) == before


def test_request_without_username_is_400(alice):
    _error(api_for(alice).post("/api/v1/connections/requests/", {}, format="json"), 400, "username")


def test_accepting_what_is_not_yours(alice, bob):
    request = connect(alice, bob, status=Connection.Status.PENDING)
    message = _error(api_for(alice).post(f"/api/v1/connections/requests/{request.pk}/accept/"), 400)
    assert "only @bob can accept" in message
    stranger = api_for(UserFactory())
    _error(stranger.post(f"/api/v1/connections/requests/{request.pk}/accept/"), 404)
    _error(stranger.post(f"/api/v1/connections/requests/{request.pk}/decline/"), 404)
    _error(stranger.delete(f"/api/v1/connections/requests/{request.pk}/"), 404)
    _error(api_for(bob).post("/api/v1/connections/requests/999999/accept/"), 404)
    assert Connection.objects.get().status == Connection.Status.PENDING


def test_accepting_what_is_no_longer_pending(alice, bob):
    connection = connect(alice, bob)
    message = _error(
        api_for(bob).post(f"/api/v1/connections/requests/{connection.pk}/accept/"), 400
    )
    assert "already connected" in message


def test_remove_without_a_connection_is_404(alice, bob):
    _error(api_for(alice).delete("/api/v1/connections/bob/"), 404)
    _error(api_for(alice).delete("/api/v1/connections/nobody/"), 404)


def test_bad_direction_is_400(alice):
    _error(api_for(alice).get("/api/v1/connections/requests/?direction=sideways"), 400, "direction")


def test_labelling_someone_not_connected(alice, bob):
    tag = TagFactory(owner=alice)
    connect(alice, bob, status=Connection.Status.PENDING)
    message = _error(api_for(alice).put(f"/api/v1/tags/{tag.pk}/members/bob/"), 400)
    assert "not one of your connections" in message
    _error(api_for(alice).put(f"/api/v1/tags/{tag.pk}/members/nobody/"), 400)
    assert not TagMembership.objects.exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "Give the tag a name"), ("x" * 41, "at most 40"), ("FAMILY", "already have a tag")],
)
def test_tag_name_refusals(alice, name, message):
    TagFactory(owner=alice, name="family")
    other = TagFactory(owner=alice, name="friends")
    client = api_for(alice)
    assert message in _error(
        client.post("/api/v1/tags/", {"name": name}, format="json"), 400, "name"
    )
    response = client.patch(f"/api/v1/tags/{other.pk}/", {"name": name}, format="json")
    assert message in _error(response, 400, "name")
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["family", "friends"]


def test_block_refusals(alice, bob):
    client = api_for(alice)
    _error(client.post("/api/v1/blocks/", {"username": "alice"}, format="json"), 400, "username")
    _error(client.post("/api/v1/blocks/", {"username": "nobody"}, format="json"), 400, "username")
    _error(client.delete("/api/v1/blocks/bob/"), 404)
    assert not Block.objects.exists()


def test_anonymous_gets_401(api_client):
    for path in ["/api/v1/connections/", "/api/v1/tags/", "/api/v1/users/alice/"]:
        assert api_client.get(path).status_code == 401


def test_connection_requests_are_rate_limited(alice, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "connection_request": "2/d"}
    client = api_for(alice)
    for person in UserFactory.create_batch(2):
        response = client.post(
            "/api/v1/connections/requests/", {"username": person.username}, format="json"
        )
        assert response.status_code == 201
    response = client.post(
        "/api/v1/connections/requests/", {"username": UserFactory().username}, format="json"
    )
    assert response.status_code == 429 and response["Retry-After"]
    assert Connection.objects.count() == 2


def test_invitations_are_rate_limited(alice, settings):
    settings.RATELIMITS = {**settings.RATELIMITS, "invitation": "1/d"}
    client = api_for(alice)
    assert client.post("/api/v1/invitations/").status_code == 201
    assert client.post("/api/v1/invitations/").status_code == 429
    assert Invitation.objects.count() == 1


# --- Privacy: nobody but the owner reads a tag's name or members (acceptance 5) ---------------


def test_nobody_but_the_owner_reads_a_tag(alice, bob):
    connect(alice, bob)
    tag = TagFactory(owner=alice, name="secret circle")
    TagMembershipFactory(tag=tag, target=bob)
    as_bob = api_for(bob)
    assert as_bob.get("/api/v1/tags/").json()["results"] == []
    _error(as_bob.patch(f"/api/v1/tags/{tag.pk}/", {"name": "mine"}, format="json"), 404)
    _error(as_bob.delete(f"/api/v1/tags/{tag.pk}/"), 404)
    _error(as_bob.put(f"/api/v1/tags/{tag.pk}/members/alice/"), 404)
    _error(as_bob.delete(f"/api/v1/tags/{tag.pk}/members/bob/"), 404)
    for path in ["/api/v1/users/alice/", "/api/v1/users/bob/", "/api/v1/connections/"]:
        assert "secret circle" not in as_bob.get(path).content.decode()
    assert Tag.objects.get().name == "secret circle" and TagMembership.objects.count() == 1


# --- Profiles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "connection", "details"),
    [
        ("self", "self", True),
        ("connected", "connected", True),
        ("outgoing", "pending_outgoing", False),
        ("incoming", "pending_incoming", False),
        ("none", "none", False),
    ],
)
def test_user_profile(alice, bob, setup, connection, details):
    viewer = alice if setup == "self" else bob
    if setup == "connected":
        connect(alice, bob)
    elif setup == "outgoing":
        connect(bob, alice, status=Connection.Status.PENDING)
    elif setup == "incoming":
        connect(alice, bob, status=Connection.Status.PENDING)
    response = api_for(viewer).get("/api/v1/users/ALICE/")
    assert response.status_code == 200
    assert response.json() == {
        "username": "alice",
        "display_name": "Alice",
        "bio": "Climber." if details else None,
        "avatar_url": None,
        "connection": connection,
    }


@pytest.mark.parametrize("direction", ["blocker", "blocked"])
def test_profile_across_a_block_is_404(alice, bob, direction):
    if direction == "blocker":
        BlockFactory(blocker=alice, blocked=bob)
    else:
        BlockFactory(blocker=bob, blocked=alice)
    _error(api_for(alice).get("/api/v1/users/bob/"), 404)
    _error(api_for(bob).get("/api/v1/users/alice/"), 404)


def test_unknown_and_inactive_profiles_are_404(alice):
    UserFactory(username="gone", is_active=False)
    _error(api_for(alice).get("/api/v1/users/gone/"), 404)
    _error(api_for(alice).get("/api/v1/users/nobody/"), 404)


# --- Query counts (acceptance 6) --------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 30])
def test_connections_api_query_count_is_constant(alice, count, django_assert_num_queries):
    for person in UserFactory.create_batch(count):
        connect(alice, person)
    client = api_for(alice)
    # 1. the JWT's user; 2. the connections, each with `since` from a correlated subquery.
    with django_assert_num_queries(2):
        response = client.get("/api/v1/connections/")
    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("count", [2, 30])
def test_tags_and_requests_api_query_counts_are_constant(alice, count, django_assert_num_queries):
    tag = TagFactory(owner=alice)
    for person in UserFactory.create_batch(count):
        connect(alice, person)
        TagMembershipFactory(tag=tag, target=person)
        connect(UserFactory(), alice, status=Connection.Status.PENDING)
    client = api_for(alice)
    # 1. the JWT's user; 2. the tags page; 3. their memberships with the people (prefetch).
    with django_assert_num_queries(3):
        response = client.get("/api/v1/tags/")
    assert len(response.json()["results"][0]["members"]) == count
    # 1. the JWT's user; 2. the pending rows with both people (select_related).
    with django_assert_num_queries(2):
        response = client.get("/api/v1/connections/requests/?direction=incoming")
    assert len(response.json()["results"]) == count


# --- Schema -----------------------------------------------------------------------------------


def test_schema_lists_the_graph_endpoints(client):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    expected = {
        "/api/v1/users/{username}/": {"get"},
        "/api/v1/connections/": {"get"},
        "/api/v1/connections/requests/": {"get", "post"},
        "/api/v1/connections/requests/{id}/": {"delete"},
        "/api/v1/connections/requests/{id}/accept/": {"post"},
        "/api/v1/connections/requests/{id}/decline/": {"post"},
        "/api/v1/connections/{username}/": {"delete"},
        "/api/v1/blocks/": {"get", "post"},
        "/api/v1/blocks/{username}/": {"delete"},
        "/api/v1/invitations/": {"get", "post"},
        "/api/v1/tags/": {"get", "post"},
        "/api/v1/tags/{id}/": {"patch", "delete"},
        "/api/v1/tags/{id}/members/{username}/": {"put", "delete"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    assert "200" in paths["/api/v1/connections/requests/{id}/accept/"]["post"]["responses"]
    assert "204" in paths["/api/v1/connections/requests/{id}/decline/"]["post"]["responses"]


# --- A block racing an answer (deterministic; the real race is in test_concurrency.py) --------


def _block_right_after(monkeypatch, name: str, *, blocker, blocked):
    """Make `services.<name>` commit as usual, then `blocker` blocks `blocked` before the view
    writes its answer: the row the service returned is gone by then."""
    from connections import services

    real = getattr(services, name)

    def then_blocked(**kwargs):
        result = real(**kwargs)
        services.block_create(user=blocker, username=blocked.username)
        return result

    monkeypatch.setattr(services, name, then_blocked)


@pytest.mark.parametrize("blocker", ["alice", "bob"])
def test_an_accept_then_a_block_answers_the_accept(
    alice, bob, blocker, monkeypatch, django_capture_on_commit_callbacks, mailoutbox
):
    """The accept won the lock: it answers 200 from what it committed, not a 500 from
    re-reading a row the block has deleted since; the email, sent after the block, is not."""
    request = connect(alice, bob, status=Connection.Status.PENDING)
    people = {"alice": alice, "bob": bob}
    other = bob if blocker == "alice" else alice
    _block_right_after(monkeypatch, "connection_accept", blocker=people[blocker], blocked=other)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(bob).post(f"/api/v1/connections/requests/{request.pk}/accept/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "accepted" and body["id"] == request.pk
    assert body["from_user"]["username"] == "alice" and body["to_user"]["username"] == "bob"
    assert not Connection.objects.between(alice, bob).exists()
    assert mailoutbox == []


def test_a_request_then_a_block_answers_the_request(
    alice, bob, monkeypatch, django_capture_on_commit_callbacks, mailoutbox
):
    _block_right_after(monkeypatch, "connection_request", blocker=bob, blocked=alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(alice).post(
            "/api/v1/connections/requests/", {"username": "bob"}, format="json"
        )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "pending"
    assert not Connection.objects.between(alice, bob).exists()
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("actor", "url"),
    [
        ("bob", "/api/v1/connections/requests/{pk}/accept/"),
        ("bob", "/api/v1/connections/requests/{pk}/decline/"),
        ("alice", "/api/v1/connections/requests/{pk}/"),
    ],
)
def test_an_answer_to_a_request_a_block_removed_meanwhile_is_404(
    alice, bob, actor, url, monkeypatch, django_capture_on_commit_callbacks, mailoutbox
):
    """The block won the lock: the service read the row before waiting for the people's
    locks, and finds it gone after: 404 and no email. (Here the block runs in the service's
    own transaction, so the refusal rolls it back too; test_concurrency.py races for real.)"""
    from connections import services

    request = connect(alice, bob, status=Connection.Status.PENDING)
    real_lock = services._lock_people

    def lock_after_a_block(*user_ids):
        monkeypatch.setattr(services, "_lock_people", real_lock)  # once
        services.block_create(user=alice, username="bob")
        real_lock(*user_ids)

    monkeypatch.setattr(services, "_lock_people", lock_after_a_block)
    client = api_for(alice if actor == "alice" else bob)
    method = client.delete if url.endswith("{pk}/") else client.post
    with django_capture_on_commit_callbacks(execute=True):
        response = method(url.format(pk=request.pk))
    assert response.status_code == 404, response.content
    assert response.json()["error"]["type"] == "not_found"
    assert mailoutbox == []


def test_removing_a_connection_a_block_removed_meanwhile_is_404(alice, bob, monkeypatch):
    from connections import services

    connect(alice, bob)
    real_lock = services._lock_people

    def lock_after_a_block(*user_ids):
        monkeypatch.setattr(services, "_lock_people", real_lock)  # once
        services.block_create(user=bob, username="alice")
        real_lock(*user_ids)

    monkeypatch.setattr(services, "_lock_people", lock_after_a_block)
    response = api_for(alice).delete("/api/v1/connections/bob/")
    assert response.status_code == 404, response.content
    assert response.json()["error"]["type"] == "not_found"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/connections/requests/",
        "/api/v1/connections/requests/?direction=outgoing&",
        "/api/v1/blocks/",
        "/api/v1/invitations/",
        "/api/v1/tags/",
    ],
)
@pytest.mark.parametrize("cursor", ["not-a-cursor", "%ff%fe", "cD0yMDI2"])
def test_a_malformed_cursor_is_400_like_the_feeds(alice, path, cursor):
    separator = "" if path.endswith("&") else "?"
    response = api_for(alice).get(f"{path}{separator}cursor={cursor}")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["type"] == "validation_error"
    assert error["fields"] == {"cursor": ["This cursor is not valid."]}


def test_a_real_next_cursor_still_pages(alice):
    Invitation.objects.bulk_create([Invitation(inviter=alice) for _ in range(51)])
    first = api_for(alice).get("/api/v1/invitations/").json()
    assert len(first["results"]) == 50 and first["next"]
    second = api_for(alice).get(first["next"])
    assert second.status_code == 200
    assert len(second.json()["results"]) == 1
