"""The social graph through the pages: POST forms with CSRF that work without JavaScript, land
back with a message, answer bad input with 400 and the reason, and 404 what is not yours."""

import html
import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from connections.models import Block, Connection, Invitation, Tag, TagMembership
from connections.tests.factories import (
    BlockFactory,
    InvitationFactory,
    MuteFactory,
    TagFactory,
    TagMembershipFactory,
    connect,
)
from social.models import User
from social.tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return UserFactory(username="alice", display_name="Alice", bio="Climber and baker.")


@pytest.fixture
def bob():
    return UserFactory(username="bob", display_name="Bob", bio="Astronomer.")


def client_for(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def _csrf(client: Client, page: str = "/people/") -> str:
    """The token a browser would send, read from a rendered form."""
    html = client.get(page).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def post(client: Client, url: str, data: dict | None = None, *, page: str = "/people/"):
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": _csrf(client, page)})


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _html(response) -> str:
    """The page's text, with HTML entities decoded (so "can't" reads as typed)."""
    return html.unescape(response.content.decode())


def test_life_cycle_through_the_pages(alice, bob):
    as_alice, as_bob = client_for(alice), client_for(bob)

    # Find by exact username, then connect.
    found = as_alice.get("/people/", {"q": "BOB"})
    assert 'action="/people/bob/connect/"' in _html(found)
    response = post(as_alice, "/people/bob/connect/")
    assert response.status_code == 302 and response.url == "/people/"
    assert "Request sent to @bob." in _messages(response)
    assert "Cancel request" in _html(as_alice.get("/people/"))

    # Bob sees and accepts it.
    request = Connection.objects.get()
    page = _html(as_bob.get("/people/"))
    assert f"/people/requests/{request.pk}/accept/" in page
    response = post(as_bob, f"/people/requests/{request.pk}/accept/")
    assert response.status_code == 302
    assert Connection.objects.accepted_between(alice, bob).exists()

    # Tags: create, label, rename, unlabel, delete.
    response = post(as_alice, "/tags/new/", {"name": "family"}, page="/tags/")
    assert response.status_code == 302 and response.url == "/tags/"
    tag = Tag.objects.get()
    response = post(as_alice, f"/tags/{tag.pk}/members/", {"username": "bob"}, page="/tags/")
    assert response.status_code == 302
    assert TagMembership.objects.filter(tag=tag, target=bob).exists()
    assert "family" in _html(as_alice.get("/people/"))  # her tags on her connections
    response = post(as_alice, f"/tags/{tag.pk}/rename/", {"name": "Family"}, page="/tags/")
    assert response.status_code == 302
    assert Tag.objects.get().name == "Family"
    response = post(as_alice, f"/tags/{tag.pk}/members/bob/remove/", page="/tags/")
    assert response.status_code == 302 and not TagMembership.objects.exists()
    response = post(as_alice, f"/tags/{tag.pk}/delete/", page="/tags/")
    assert response.status_code == 302 and not Tag.objects.exists()

    # Remove from the profile; decline; cancel.
    response = post(as_alice, "/people/bob/remove/", {"back": "profile"}, page="/people/bob/")
    assert response.status_code == 302 and response.url == "/people/bob/"
    assert not Connection.objects.exists()
    post(as_alice, "/people/bob/connect/")
    response = post(as_bob, f"/people/requests/{Connection.objects.get().pk}/decline/")
    assert response.status_code == 302 and not Connection.objects.exists()
    post(as_alice, "/people/bob/connect/")
    response = post(as_alice, f"/people/requests/{Connection.objects.get().pk}/cancel/")
    assert response.status_code == 302 and not Connection.objects.exists()

    # Block from the profile, then unblock from /people/.
    response = post(as_bob, "/people/alice/block/", page="/people/alice/")
    assert response.status_code == 302 and response.url == "/people/"
    assert Block.objects.filter(blocker=bob, blocked=alice).exists()
    assert as_bob.get("/people/alice/").status_code == 404
    assert as_alice.get("/people/bob/").status_code == 404
    assert 'action="/people/alice/unblock/"' in _html(as_bob.get("/people/"))
    response = post(as_bob, "/people/alice/unblock/")
    assert response.status_code == 302 and not Block.objects.exists()
    assert as_alice.get("/people/bob/").status_code == 200


def test_crossing_request_on_the_page_says_you_are_connected(alice, bob):
    connect(bob, alice, status=Connection.Status.PENDING)
    response = post(client_for(alice), "/people/bob/connect/")
    assert "@bob had asked you too: you're now connected." in _messages(response)
    assert Connection.objects.accepted_between(alice, bob).exists()


def test_invitation_sign_up_through_the_pages(alice):
    response = post(client_for(alice), "/invitations/")
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    page = _html(client_for(alice).get("/people/"))
    assert f"/invite/{invitation.token}/" in page and "data-copy-target" in page

    newcomer = Client(enforce_csrf_checks=True)
    response = newcomer.get(f"/invite/{invitation.token}/")
    assert response.status_code == 302 and response.url == "/accounts/signup/"
    response = post(
        newcomer,
        "/accounts/signup/",
        {
            "email": "nora@example.com",
            "username": "nora",
            "password1": "a quiet harbour 42",
            "password2": "a quiet harbour 42",
        },
        page="/accounts/signup/",
    )
    assert response.status_code == 302
    nora = User.objects.get(username="nora")
    assert Connection.objects.accepted_between(alice, nora).exists()
    invitation.refresh_from_db()
    assert invitation.used_by == nora
    assert "You're connected with Alice." in _messages(response)


def test_used_invitation_link_says_so(alice, client):
    invitation = InvitationFactory(inviter=alice, used_by=UserFactory())
    response = client.get(f"/invite/{invitation.token}/")
    assert response.status_code == 404
    assert "expired or was already used" in _html(response)
    assert "invitation_token" not in client.session


# --- Bad input on the pages -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setup", "username", "message"),
    [
        (None, "alice", "You can't connect with yourself."),
        (None, "nobody", "No one here has the username “nobody”."),
        ("pending", "bob", "You already asked @bob to connect"),
        ("blocked", "bob", "You can't connect with @bob."),
    ],
)
def test_connect_refusals_answer_400_with_the_reason(alice, bob, setup, username, message):
    if setup == "pending":
        connect(alice, bob, status=Connection.Status.PENDING)
    elif setup == "blocked":
        BlockFactory(blocker=bob, blocked=alice)
    before = list(Connection.objects.values())
    response = post(client_for(alice), f"/people/{username}/connect/")
    assert response.status_code == 400
    assert message in _html(response)
    assert list(Connection.objects.values()) == before


def test_accepting_someone_elses_request_is_404(alice, bob):
    request = connect(alice, bob, status=Connection.Status.PENDING)
    stranger = client_for(UserFactory())
    assert post(stranger, f"/people/requests/{request.pk}/accept/").status_code == 404
    response = post(client_for(alice), f"/people/requests/{request.pk}/accept/")
    assert response.status_code == 400 and "only @bob can accept" in _html(response)
    assert Connection.objects.get().status == Connection.Status.PENDING


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "Give the tag a name."), ("x" * 41, "at most 40"), ("FAMILY", "already have a tag")],
)
def test_tag_name_errors_show_next_to_the_field(alice, name, message):
    TagFactory(owner=alice, name="family")
    client = client_for(alice)
    response = post(client, "/tags/new/", {"name": name}, page="/tags/")
    assert response.status_code == 400
    assert re.search(r'class="field-error"[^>]*>[^<]*' + re.escape(message), _html(response))
    assert Tag.objects.count() == 1


def test_rename_error_shows_on_that_tag(alice):
    TagFactory(owner=alice, name="family")
    friends = TagFactory(owner=alice, name="friends")
    response = post(
        client_for(alice), f"/tags/{friends.pk}/rename/", {"name": "Family"}, page="/tags/"
    )
    assert response.status_code == 400 and "already have a tag" in _html(response)
    assert Tag.objects.get(pk=friends.pk).name == "friends"


def test_labelling_someone_not_connected_is_400(alice, bob):
    tag = TagFactory(owner=alice)
    response = post(
        client_for(alice), f"/tags/{tag.pk}/members/", {"username": "bob"}, page="/tags/"
    )
    assert response.status_code == 400
    assert "@bob is not one of your connections" in _html(response)
    assert not TagMembership.objects.exists()


def test_another_users_tag_is_404_on_the_pages(alice, bob):
    connect(alice, bob)
    tag = TagFactory(owner=bob, name="bobs")
    client = client_for(alice)
    assert post(client, f"/tags/{tag.pk}/rename/", {"name": "x"}, page="/tags/").status_code == 404
    assert post(client, f"/tags/{tag.pk}/delete/", page="/tags/").status_code == 404
    assert (
        post(client, f"/tags/{tag.pk}/members/", {"username": "bob"}, page="/tags/").status_code
        == 404
    )
    assert Tag.objects.get().name == "bobs"


def test_actions_need_post_and_csrf(alice, bob):
    client = client_for(alice)
    assert client.get("/people/bob/connect/").status_code == 405
    assert client.post("/people/bob/connect/").status_code == 403  # no CSRF token
    assert not Connection.objects.exists()


def test_pages_need_login(client):
    for url in ["/people/", "/tags/", "/people/alice/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url


# --- Privacy (acceptance 5) and what the profile shows ----------------------------------------


def test_nobody_but_the_owner_sees_a_tag_on_the_pages(alice, bob):
    connect(alice, bob)
    tag = TagFactory(owner=alice, name="secret circle")
    TagMembershipFactory(tag=tag, target=bob)
    as_alice, as_bob = client_for(alice), client_for(bob)
    assert "secret circle" in _html(as_alice.get("/people/bob/"))
    assert "secret circle" in _html(as_alice.get("/tags/"))
    for url in ["/people/", "/tags/", "/people/alice/", "/people/bob/"]:
        assert "secret circle" not in _html(as_bob.get(url)), url


def test_profile_shows_bio_only_to_connections_and_self(alice, bob):
    stranger = client_for(bob)
    page = _html(stranger.get("/people/alice/"))
    assert "Climber and baker." not in page
    assert 'action="/people/alice/connect/"' in page
    assert "Climber and baker." in _html(client_for(alice).get("/people/alice/"))
    connect(alice, bob)
    page = _html(stranger.get("/people/alice/"))
    assert "Climber and baker." in page and 'action="/people/alice/remove/"' in page


def test_profile_actions_fit_the_relationship(alice, bob):
    request = connect(alice, bob, status=Connection.Status.PENDING)
    assert f"/people/requests/{request.pk}/cancel/" in _html(client_for(alice).get("/people/bob/"))
    page = _html(client_for(bob).get("/people/alice/"))
    assert f"/people/requests/{request.pk}/accept/" in page
    assert f"/people/requests/{request.pk}/decline/" in page


def test_find_is_exact_and_does_not_list_people(alice, bob):
    client = client_for(alice)
    assert "/people/bob/connect/" in _html(client.get("/people/", {"q": "bob@example.com"}))
    page = _html(client.get("/people/", {"q": "bo"}))
    assert "/people/bob/" not in page and "No one here has that exact" in page
    BlockFactory(blocker=bob, blocked=alice)
    assert "/people/bob/" not in _html(client.get("/people/", {"q": "bob"}))


def test_pages_have_no_inline_script_or_style_and_label_their_fields(alice, bob):
    connect(alice, bob)
    TagFactory(owner=alice)
    client = client_for(alice)
    for url in ["/people/", "/people/bob/", "/tags/", "/people/?q=bob"]:
        page = client.get(url).content.decode()
        assert "<script>" not in page and " style=" not in page, url
        for field_id in re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', page):
            assert f'for="{field_id}"' in page, (url, field_id)


def test_empty_states(alice):
    page = _html(client_for(alice).get("/people/"))
    assert "No connections yet." in page and "No one is waiting for your answer." in page
    assert "You have no tags yet." in _html(client_for(alice).get("/tags/"))


# --- Query counts (acceptance 6) --------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 30])
def test_people_page_query_count_is_constant(alice, count, django_assert_num_queries):
    tag = TagFactory(owner=alice)
    for person in UserFactory.create_batch(count):
        connect(alice, person)
        TagMembershipFactory(tag=tag, target=person)
        connect(UserFactory(), alice, status=Connection.Status.PENDING)
        connect(alice, UserFactory(), status=Connection.Status.PENDING)
        InvitationFactory(inviter=alice)
        BlockFactory(blocker=alice)
        MuteFactory(muter=alice)
    client = Client()
    client.force_login(alice)
    # 1. session; 2. user; 3. her tags on her people; 4. her connections (with `since`);
    # 5. incoming requests; 6. outgoing requests (both with the two people);
    # 7. invitations (with who used them); 8. blocks (with the blocked people); 9. mutes (with
    # the muted people); 10. the navigation's unread notification count.
    with django_assert_num_queries(10):
        response = client.get("/people/")
    assert len(response.context["people"]) == count


@pytest.mark.parametrize("count", [2, 30])
def test_tags_page_query_count_is_constant(alice, count, django_assert_num_queries):
    tags = TagFactory.create_batch(3, owner=alice)
    for person in UserFactory.create_batch(count):
        connect(alice, person)
        for tag in tags:
            TagMembershipFactory(tag=tag, target=person)
    client = Client()
    client.force_login(alice)
    # 1. session; 2. user; 3. her connections; 4. her tags; 5. their members (prefetch);
    # 6. the navigation's unread notification count.
    with django_assert_num_queries(6):
        response = client.get("/tags/")
    assert len(response.context["tags"][0].members) == count


def test_profile_shows_only_the_posts_the_viewer_may_see(alice, bob):
    PostFactory(author=alice, body="Summit day!", audience="connections")
    PostFactory(author=alice, body="Note to self", audience="private")
    stranger_view = _html(client_for(bob).get("/people/alice/"))
    assert "Summit day!" not in stranger_view and "Nothing of theirs to show you." in stranger_view
    connect(alice, bob)
    connected_view = _html(client_for(bob).get("/people/alice/"))
    assert "Summit day!" in connected_view and "Note to self" not in connected_view
    own_view = _html(client_for(alice).get("/people/alice/"))
    assert "Summit day!" in own_view and "Note to self" in own_view
