"""JWT life cycle: short-lived access, refresh rotation, logout blacklisting, revocation on a
password change, deleted accounts (SPEC §6, §7)."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from social.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _tokens(api_client, user) -> dict:
    response = api_client.post(
        "/api/v1/auth/token/", {"login": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    return response.json()


def _me(api_client, access: str) -> int:
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    status = api_client.get("/api/v1/me/").status_code
    api_client.credentials()
    return status


def test_access_tokens_are_short_lived(api_client, user):
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] <= timedelta(minutes=15)
    tokens = _tokens(api_client, user)
    assert _me(api_client, tokens["access"]) == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert _me(api_client, tokens["access"]) == 401


def test_refresh_rotates_and_the_old_refresh_token_is_void(api_client, user):
    tokens = _tokens(api_client, user)
    response = api_client.post(
        "/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert response.status_code == 200
    rotated = response.json()
    assert rotated["refresh"] != tokens["refresh"]
    assert _me(api_client, rotated["access"]) == 200
    again = api_client.post(
        "/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert again.status_code == 401
    assert again.json()["error"]["type"] == "not_authenticated"


def test_logout_blacklists_the_refresh_token(api_client, user):
    tokens = _tokens(api_client, user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    response = api_client.post(
        "/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert response.status_code == 204
    api_client.credentials()
    refused = api_client.post(
        "/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert refused.status_code == 401


def test_logout_refuses_someone_elses_token(api_client, user):
    from social.tests.factories import UserFactory

    other = UserFactory()
    mine, theirs = _tokens(api_client, user), _tokens(api_client, other)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {mine['access']}")
    response = api_client.post(
        "/api/v1/auth/logout/", {"refresh": theirs["refresh"]}, format="json"
    )
    assert response.status_code == 400
    api_client.credentials()
    still_fine = api_client.post(
        "/api/v1/auth/token/refresh/", {"refresh": theirs["refresh"]}, format="json"
    )
    assert still_fine.status_code == 200


def test_a_password_change_revokes_access_and_refresh_tokens(api_client, user):
    tokens = _tokens(api_client, user)
    user.set_password("a completely new passphrase 9")
    user.save()
    assert _me(api_client, tokens["access"]) == 401
    response = api_client.post(
        "/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert response.status_code == 401


def test_refresh_of_a_deleted_account_is_401_not_500(api_client, user):
    tokens = _tokens(api_client, user)
    user.delete()
    response = api_client.post(
        "/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert response.status_code == 401


# --- Refusals speak to a person (never a Python repr) ----------------------------------------

SESSION_OVER = "Your session token is invalid or has expired; log in again."


def _refusal(response) -> str:
    assert response.status_code == 401, response.content
    error = response.json()["error"]
    assert error["type"] == "not_authenticated"
    assert not any(mark in error["message"] for mark in ("{", "[", "ErrorDetail", "'"))
    return error["message"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer not-a-token", SESSION_OVER),
        ("Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl", SESSION_OVER),
        ("Bearer", "The Authorization header must be “Bearer” followed by your access token."),
        (
            "Bearer two parts",
            "The Authorization header must be “Bearer” followed by your access token.",
        ),
    ],
)
def test_a_bad_access_token_or_header_is_refused_in_a_sentence(api_client, header, message):
    api_client.credentials(HTTP_AUTHORIZATION=header)
    assert _refusal(api_client.get("/api/v1/me/")) == message


def test_an_expired_or_wrong_type_token_is_refused_in_a_sentence(api_client, user):
    tokens = _tokens(api_client, user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['refresh']}")  # not an access
    assert _refusal(api_client.get("/api/v1/me/")) == SESSION_OVER
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert _refusal(api_client.get("/api/v1/me/")) == SESSION_OVER


def test_a_failed_refresh_is_refused_in_a_sentence(api_client, user):
    def refresh(token: str):
        return api_client.post("/api/v1/auth/token/refresh/", {"refresh": token}, format="json")

    tokens = _tokens(api_client, user)
    assert _refusal(refresh("not-a-token")) == SESSION_OVER
    assert _refusal(refresh(tokens["access"])) == SESSION_OVER  # wrong type
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        assert _refusal(refresh(tokens["refresh"])) == SESSION_OVER  # expired
    assert refresh(tokens["refresh"]).status_code == 200
    assert _refusal(refresh(tokens["refresh"])) == SESSION_OVER  # blacklisted by rotation
    fresh = _tokens(api_client, user)
    user.set_password("a completely new passphrase 9")
    user.save()
    assert _refusal(refresh(fresh["refresh"])) == "The password changed; log in again."
    fresh = _tokens_after_password(api_client, user)
    user.is_active = False
    user.save()
    assert _refusal(refresh(fresh["refresh"])) == "This account no longer exists or is disabled."


def _tokens_after_password(api_client, user) -> dict:
    response = api_client.post(
        "/api/v1/auth/token/",
        {"login": user.username, "password": "a completely new passphrase 9"},
        format="json",
    )
    assert response.status_code == 200
    return response.json()


def test_each_token_names_its_own_person_and_no_longer_an_account_gone_or_deactivated(
    api_client, user
):
    """The person behind a token is read by SQL compiled once (intentional.api): two people in
    a row each get themselves, and a deactivated or deleted account is refused."""
    other = UserFactory()
    first, second = (RefreshToken.for_user(u).access_token for u in (user, other))
    for access, person in [(first, user), (second, other), (first, user)]:
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        assert api_client.get("/api/v1/me/").json()["username"] == person.username
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert _me(api_client, str(first)) == 401
    other.delete()
    assert _me(api_client, str(second)) == 401
