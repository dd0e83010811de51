"""Rate limits of SPEC §7 on pages and API alike: the SPEC's defaults, 429 with Retry-After on
both surfaces, one counter shared by both, nothing created by a refused request, and
RATELIMIT_ENABLE=false turning them off. (Login, token and registration by address and by
account: intentional/tests/test_protection.py.)"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from connections.models import Connection, Invitation
from connections.tests.factories import connect
from social.models import Comment, Post
from social.tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db

PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def test_limits_default_to_the_spec(settings):
    assert settings.RATELIMITS == {
        "login": "10/m",
        "register": "5/h",
        "post": "30/h",
        "comment": "60/h",
        "connection_request": "50/d",
        "invitation": "20/d",
        "export": "10/h",
    }
    assert settings.RATELIMIT_ENABLE is True


@dataclass
class Surface:
    """One way to do a limited thing: `act(client, world, n)` does it the n-th time."""

    act: Callable
    # How many of the things exist (a refused request must create none).
    count: Callable
    api: bool


def _world():
    me = UserFactory(username="limited")
    friend = UserFactory()
    connect(me, friend)
    post = PostFactory(author=friend)
    others = [UserFactory(username=f"target{n}") for n in range(4)]
    return {"me": me, "post": post, "others": others}


def _posts(world):
    return Post.objects.filter(author=world["me"]).count()  # audience-ok: test


def _comments(world):
    return Comment.objects.filter(author=world["me"]).count()  # audience-ok: test


def _requests(world):
    return Connection.objects.pending_from(world["me"]).count()


def _invitations(world):
    return Invitation.objects.filter(inviter=world["me"]).count()


def _exports(world):
    return 0  # a download creates nothing: its responses are what is checked


SURFACES = {
    "post": [
        Surface(
            lambda c, w, n: c.post("/posts/new/", {"body": f"p{n}", "audience": "connections"}),
            _posts,
            api=False,
        ),
        Surface(
            lambda c, w, n: c.post("/api/v1/posts/", {"body": f"p{n}"}, format="json"),
            _posts,
            api=True,
        ),
    ],
    "comment": [
        Surface(
            lambda c, w, n: c.post(f"/posts/{w['post'].pk}/comments/", {"body": f"c{n}"}),
            _comments,
            api=False,
        ),
        Surface(
            lambda c, w, n: c.post(
                f"/api/v1/posts/{w['post'].pk}/comments/", {"body": f"c{n}"}, format="json"
            ),
            _comments,
            api=True,
        ),
    ],
    "connection_request": [
        Surface(
            lambda c, w, n: c.post(f"/people/{w['others'][n].username}/connect/"),
            _requests,
            api=False,
        ),
        Surface(
            lambda c, w, n: c.post(
                "/api/v1/connections/requests/",
                {"username": w["others"][n].username},
                format="json",
            ),
            _requests,
            api=True,
        ),
    ],
    "invitation": [
        Surface(lambda c, w, n: c.post("/invitations/"), _invitations, api=False),
        Surface(lambda c, w, n: c.post("/api/v1/invitations/"), _invitations, api=True),
    ],
    "export": [
        Surface(lambda c, w, n: c.post("/settings/export/"), _exports, api=False),
        Surface(lambda c, w, n: c.get("/api/v1/me/export/"), _exports, api=True),
    ],
}


def _client(surface: Surface, user, client):
    if surface.api:
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        return api
    client.force_login(user)
    return client


def _assert_limited(response, *, api: bool, period: int):
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= period
    if api:
        assert response.json()["error"]["type"] == "rate_limited"
    else:
        assert "Too many tries" in response.content.decode()


CASES = [
    pytest.param(name, index, id=f"{name}-{'api' if surface.api else 'page'}")
    for name, surfaces in SURFACES.items()
    for index, surface in enumerate(surfaces)
]


@pytest.mark.parametrize(("name", "index"), CASES)
def test_third_within_the_period_is_429_and_creates_nothing(name, index, settings, client):
    settings.RATELIMITS = {**settings.RATELIMITS, name: "2/h"}
    surface = SURFACES[name][index]
    world = _world()
    http = _client(surface, world["me"], client)
    for n in range(2):
        response = surface.act(http, world, n)
        assert response.status_code in (200, 201, 202, 302), response.content[:300]
    before = surface.count(world)
    _assert_limited(surface.act(http, world, 2), api=surface.api, period=3600)
    assert surface.count(world) == before


@pytest.mark.parametrize("name", list(SURFACES))
def test_pages_and_api_share_one_counter(name, settings, client):
    """The same limit on both surfaces: a client cannot double it by switching."""
    settings.RATELIMITS = {**settings.RATELIMITS, name: "2/d"}
    world = _world()
    page, api = SURFACES[name]
    assert page.act(_client(page, world["me"], client), world, 0).status_code in (200, 302)
    assert api.act(_client(api, world["me"], client), world, 1).status_code in (200, 201)
    _assert_limited(page.act(client, world, 2), api=False, period=86400)
    _assert_limited(api.act(_client(api, world["me"], client), world, 3), api=True, period=86400)


@pytest.mark.parametrize("name", list(SURFACES))
def test_limits_count_per_person(name, settings, client):
    settings.RATELIMITS = {**settings.RATELIMITS, name: "1/h"}
    world = _world()
    page = SURFACES[name][0]
    http = _client(page, world["me"], client)
    assert page.act(http, world, 0).status_code in (200, 302)
    assert page.act(http, world, 1).status_code == 429
    # Someone else is not affected by `me` reaching the limit.
    other = {**_world_for_other(world), "others": world["others"][2:]}
    http = _client(page, other["me"], client)
    assert page.act(http, other, 0).status_code in (200, 302)


def _world_for_other(world):
    other = UserFactory()
    connect(other, world["post"].author)
    return {"me": other, "post": world["post"]}


def test_turning_limits_off_turns_them_all_off(settings, client):
    settings.RATELIMIT_ENABLE = False
    settings.RATELIMITS = dict.fromkeys(settings.RATELIMITS, "1/d")
    world = _world()
    client.force_login(world["me"])
    for n in range(3):
        assert (
            client.post("/posts/new/", {"body": f"p{n}", "audience": "connections"}).status_code
            == 302
        )
        assert client.post(f"/posts/{world['post'].pk}/comments/", {"body": "x"}).status_code == 302
        assert client.post("/invitations/").status_code == 302
        assert client.post(f"/people/{world['others'][n].username}/connect/").status_code == 302


def test_login_page_and_token_endpoint_share_one_limit(client, user):
    from social.tests.factories import PASSWORD

    api = APIClient()
    for attempt in range(5):
        client.post("/accounts/login/", {"login": f"nobody{attempt}", "password": "x"})
        api.post("/api/v1/auth/token/", {"login": f"nobody{attempt}", "password": "x"})
    response = api.post(
        "/api/v1/auth/token/", {"login": user.username, "password": PASSWORD}, format="json"
    )
    _assert_limited(response, api=True, period=60)
    response = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    _assert_limited(response, api=False, period=60)


def test_sign_up_page_and_register_endpoint_share_one_limit(client):
    api = APIClient()
    for n in range(3):
        client.post("/accounts/signup/", {"email": f"p{n}@example.com"})
    for n in range(2):
        payload = {"email": f"a{n}@example.com", "username": f"api{n}", "password": "pass phrase 9"}
        assert api.post("/api/v1/auth/register/", payload, format="json").status_code == 201
    payload = {"email": "late@example.com", "username": "late", "password": "pass phrase 9"}
    _assert_limited(
        api.post("/api/v1/auth/register/", payload, format="json"), api=True, period=3600
    )
    _assert_limited(client.post("/accounts/signup/", {}), api=False, period=3600)
