"""Rate limits of SPEC §7 on pages and API alike: the SPEC's defaults, 429 with Retry-After on
both surfaces, one counter shared by both, nothing created by a refused request, and
RATELIMIT_ENABLE=false turning them off; login and token counted once per account whichever of
its names is typed, and an unknown login limited like a known one. (Login, token and
registration by address: intentional/tests/test_protection.py.)"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from connections.models import Connection, Invitation
from connections.tests.factories import connect
from social import selectors
from social.models import Comment, Post
from social.tests.factories import PASSWORD, PostFactory, UserFactory

pytestmark = pytest.mark.django_db

PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@pytest.fixture(autouse=True)
def _one_window():
    """The clock stands still: a limit's counter lives in a window of its period, and attempts
    that straddle a window's end (a slow machine) would start counting again."""
    with time_machine.travel("2026-02-04 12:00:00+00:00", tick=False):
        yield


def test_limits_default_to_the_spec(settings):
    assert settings.RATELIMITS == {
        "login": "10/m",
        "register": "5/h",
        "post": "30/h",
        "comment": "60/h",
        "connection_request": "50/d",
        "invitation": "20/d",
        "export": "10/h",
        "mfa": "5/5m",  # two-factor codes (SPEC §11): social/tests/test_api_mfa.py
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


# --- Login and token: one counter per account, whichever of its names is typed (SPEC §7) ----


def _page_login(client, login, n, password="wrong"):
    return client.post(
        "/accounts/login/", {"login": login, "password": password}, REMOTE_ADDR=f"198.51.100.{n}"
    )


def _api_login(client, login, n, password="wrong"):
    return APIClient().post(
        "/api/v1/auth/token/",
        {"login": login, "password": password},
        format="json",
        REMOTE_ADDR=f"198.51.100.{n}",
    )


def _names(user, n):
    """Username, email, and the same in other cases, in turn."""
    return [user.username, user.email, user.email.upper(), user.username.upper()][n % 4]


@pytest.mark.parametrize("surface", [_page_login, _api_login], ids=["page", "api"])
def test_login_alternating_username_and_email_counts_once_per_account(surface, client, user):
    """Ten wrong attempts from ten addresses, half by username and half by email, use the
    account's ten; the eleventh (from yet another address, right password) is 429."""
    for n in range(10):
        assert surface(client, _names(user, n), n + 1).status_code in (200, 400), n
    response = surface(client, _names(user, 10), 11, password=PASSWORD)
    _assert_limited(response, api=surface is _api_login, period=60)
    # Someone else's account is not affected.
    other = UserFactory()
    assert surface(client, other.email, 12, password=PASSWORD).status_code in (200, 302)


def test_login_by_a_secondary_email_counts_on_the_account(client, user):
    """allauth logs in by any of the account's addresses: each counts on the same counter."""
    EmailAddress.objects.create(user=user, email="second@example.org", verified=True)
    for n in range(10):
        login = "Second@example.org" if n % 2 else user.username
        assert _page_login(client, login, n + 1).status_code == 200
    _assert_limited(_api_login(client, user.email, 11, password=PASSWORD), api=True, period=60)
    # The token endpoint accepts the same names as the page.
    cache.clear()
    assert _api_login(client, "SECOND@example.org", 12, password=PASSWORD).status_code == 200


def test_the_account_of_a_login_is_found_in_one_query(user, django_assert_num_queries):
    EmailAddress.objects.create(user=user, email="second@example.org", verified=True)
    for login in (user.username.upper(), user.email.upper(), " second@EXAMPLE.org "):
        with django_assert_num_queries(1):
            assert selectors.user_for_login(login=login) == user
    with django_assert_num_queries(1):
        assert selectors.user_for_login(login="nobody") is None


def test_login_page_and_token_endpoint_share_the_account_counter(client, user):
    for n in range(5):
        assert _page_login(client, user.username, 2 * n + 1).status_code == 200
        assert _api_login(client, user.email, 2 * n + 2).status_code == 400
    _assert_limited(_page_login(client, user.email, 20, PASSWORD), api=False, period=60)
    _assert_limited(_api_login(client, user.username, 21, PASSWORD), api=True, period=60)


def test_an_unknown_login_is_limited_like_a_known_one(client, user):
    """The same answers, attempt by attempt, for a login that names no account and one that
    does: the rate limit cannot tell anyone which logins exist."""
    answers = {}
    for login in (user.username, "nobody-here"):
        cache.clear()
        answers[login] = [
            (
                _page_login(client, login if n % 2 else login.upper(), n + 1).status_code,
                _api_login(client, login, n + 50).status_code,
            )
            for n in range(6)
        ]
    assert answers[user.username] == answers["nobody-here"]
    assert answers["nobody-here"][:5] == [(200, 400)] * 5
    assert answers["nobody-here"][5] == (429, 429)


def test_the_account_counter_is_not_shared_with_a_login_typed_as_its_number(client, user):
    """An unknown login counts under the typed text, never under an account's id."""
    for n in range(10):
        assert _page_login(client, str(user.pk), n + 1).status_code == 200
    assert _page_login(client, user.username, 11, PASSWORD).status_code == 302


def test_account_deletion_password_shares_the_account_counter(client, user, auth_api):
    """Confirming deletion checks the password, so it counts on the same account counter:
    ten wrong logins by email leave no guesses for the deletion form or the API."""
    for n in range(10):
        assert _page_login(client, user.email, n + 1).status_code == 200
    client.force_login(user)
    _assert_limited(client.post("/settings/delete/", {"password": PASSWORD}), api=False, period=60)
    _assert_limited(
        auth_api.delete("/api/v1/me/", {"password": PASSWORD}, format="json"), api=True, period=60
    )
    assert type(user).objects.filter(pk=user.pk).exists()


@pytest.mark.parametrize(
    ("url", "form"),
    [
        (
            "/accounts/password/change/",
            {"oldpassword": PASSWORD, "password1": "new pass phrase 9", "password2": "x"},
        ),
        ("/accounts/reauthenticate/", {"password": PASSWORD}),
    ],
    ids=["password-change", "reauthenticate"],
)
def test_pages_that_check_the_password_share_the_account_counter(url, form, client, user):
    """allauth's own limits are off (ACCOUNT_RATE_LIMITS): the pages that check the current
    password count on the account's login counter, so they are not a way around it."""
    for n in range(10):
        assert _page_login(client, user.email, n + 1).status_code == 200
    client.force_login(user)
    _assert_limited(client.post(url, form), api=False, period=60)


def test_a_password_change_within_the_limit_still_works(client, user):
    client.force_login(user)
    form = {
        "oldpassword": PASSWORD,
        "password1": "new pass phrase 9",
        "password2": "new pass phrase 9",
    }
    assert client.post("/accounts/password/change/", form).status_code == 302
    user.refresh_from_db()
    assert user.check_password("new pass phrase 9")
