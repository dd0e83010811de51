"""Two-factor login through the API (SPEC §11, issue 16): the token endpoint with a code, the
authenticator-app set-up endpoints, and the "mfa" limit on code entry, one counter for the
API and the two-factor pages (SPEC §7's pattern)."""

import time

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa import signals
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from intentional.tests.races import postgres_only, race
from social import mfa
from social.tests.factories import PASSWORD, UserFactory

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = "2026-02-04 12:00:10+00:00"  # 10 s into a 30 s TOTP period


def code_for(secret: str, *, seconds_later: int = 0) -> str:
    """The authenticator app's code for `secret` now (or that many seconds from now)."""
    return format_hotp_value(hotp_value(secret, (int(time.time()) + seconds_later) // 30))


@pytest.fixture(autouse=True)
def _clock():
    """The clock stands still (codes and rate-limit windows); tests move it on purpose."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _with_totp(user, secret=SECRET) -> list[str]:
    """Give `user` an authenticator app and recovery codes, as allauth's set-up does."""
    TOTP.activate(user, secret)
    return RecoveryCodes.activate(user).get_unused_codes()


def _with_passkey(user) -> list[str]:
    """A passkey only (allauth makes recovery codes with the first one)."""
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.WEBAUTHN, data={"name": "Phone", "credential": {}}
    )
    return RecoveryCodes.activate(user).get_unused_codes()


def _token(user, password=PASSWORD, code=None, login=None, **extra):
    body = {"login": login or user.username, "password": password}
    if code is not None:
        body["code"] = code
    return APIClient().post("/api/v1/auth/token/", body, format="json", **extra)


def _error(response) -> dict:
    return response.json()["error"]


def _signed_in(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def _types(user) -> set[str]:
    return set(Authenticator.objects.filter(user=user).values_list("type", flat=True))


# --- The token endpoint -------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_a_code_the_answer_is_mfa_required(user):
    _with_totp(user)
    response = _token(user)
    assert response.status_code == 401
    error = _error(response)
    assert error["type"] == "mfa_required"
    assert "authenticator app" in error["message"]
    assert "access" not in response.json()
    # A blank code is no code.
    assert _error(_token(user, code=""))["type"] == "mfa_required"


@pytest.mark.django_db
def test_a_current_code_gives_tokens_and_is_recorded(user):
    _with_totp(user)
    used = []
    signals.authenticator_used.connect(receiver := lambda **kw: used.append(kw), weak=False)
    try:
        response = _token(user, code=code_for(SECRET))
    finally:
        signals.authenticator_used.disconnect(receiver)
    assert response.status_code == 200, response.content
    tokens = response.json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert client.get("/api/v1/me/").json()["username"] == user.username
    totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert totp.last_used_at is not None
    assert [(kw["user"], kw["authenticator"].type) for kw in used] == [(user, "totp")]


@pytest.mark.django_db
def test_a_code_typed_with_spaces_and_by_email_works(user):
    _with_totp(user)
    code = code_for(SECRET)
    response = _token(user, code=f" {code[:3]} {code[3:]} ", login=user.email.upper())
    assert response.status_code == 200


@pytest.mark.django_db
def test_an_app_code_works_once(user, _clock):
    _with_totp(user)
    code = code_for(SECRET)
    assert _token(user, code=code).status_code == 200
    again = _token(user, code=code)
    assert again.status_code == 401
    assert _error(again)["type"] == "invalid_code"
    _clock.shift(30)  # the next period's code
    assert _token(user, code=code_for(SECRET)).status_code == 200


@pytest.mark.django_db
def test_an_expired_code_is_refused(user):
    _with_totp(user)
    response = _token(user, code=code_for(SECRET, seconds_later=-60))
    assert response.status_code == 401
    assert _error(response)["type"] == "invalid_code"


@pytest.mark.django_db
def test_a_recovery_code_works_once(user):
    codes = _with_totp(user)
    assert _token(user, code=codes[0]).status_code == 200
    again = _token(user, code=codes[0])
    assert again.status_code == 401
    assert _error(again) == {
        "type": "invalid_code",
        "message": "This code is not right, or it has been used already.",
    }
    assert _token(user, code=codes[1]).status_code == 200
    recovery = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    assert recovery.wrap().get_unused_codes() == codes[2:]


@pytest.mark.django_db
def test_a_wrong_code_is_invalid_code(user):
    _with_totp(user)
    wrong = "000000" if code_for(SECRET) != "000000" else "111111"
    response = _token(user, code=wrong)
    assert response.status_code == 401
    assert _error(response)["type"] == "invalid_code"


@pytest.mark.django_db
def test_a_wrong_password_says_nothing_about_two_factor(user):
    """The same answer for an account with two-factor login and one without, with a code and
    without, right code or not: the password is checked first."""
    plain = UserFactory()
    _with_totp(user)
    answers = [
        _token(person, password="wrong", code=code).json()
        for person in (user, plain)
        for code in (None, code_for(SECRET), "000000")
    ]
    assert answers == [answers[0]] * 6
    assert answers[0]["error"]["type"] == "validation_error"
    assert answers[0]["error"]["message"] == "The login or the password is not right."
    # A wrong password did not spend the code.
    assert _token(user, code=code_for(SECRET)).status_code == 200


@pytest.mark.django_db
def test_without_two_factor_a_code_is_not_needed_nor_checked(user):
    assert _token(user).status_code == 200
    assert _token(user, code="000000").status_code == 200


@pytest.mark.django_db
def test_an_account_with_passkeys_only_signs_in_with_a_recovery_code(user):
    """Passkeys cannot sign API requests: the API asks for a recovery code instead of letting
    the password alone in (the pages would ask for the passkey)."""
    codes = _with_passkey(user)
    response = _token(user)
    assert response.status_code == 401
    assert _error(response)["type"] == "mfa_required"
    assert "recovery codes" in _error(response)["message"]
    assert "authenticator app" not in _error(response)["message"]
    assert _error(_token(user, code=code_for(SECRET)))["type"] == "invalid_code"
    assert _token(user, code=codes[0]).status_code == 200


@pytest.mark.django_db
def test_a_wrong_code_is_announced_with_allauths_signal(user):
    _with_totp(user)
    failed = []
    signals.authentication_failed.connect(receiver := lambda **kw: failed.append(kw), weak=False)
    try:
        _token(user, code="12345678")
    finally:
        signals.authentication_failed.disconnect(receiver)
    assert [(kw["user"], kw["authenticator"].type) for kw in failed] == [(user, "totp")]


# --- Setting up and removing the authenticator app -------------------------------------------


@pytest.mark.django_db
def test_set_up_round_trip(user, _clock, django_capture_on_commit_callbacks):
    client = _signed_in(user)
    started = client.post("/api/v1/me/2fa/totp/")
    assert started.status_code == 200
    secret = started.json()["secret"]
    url = started.json()["otpauth_url"]
    assert url.startswith("otpauth://totp/") and f"secret={secret}" in url
    assert "issuer=Intentional" in url
    assert _types(user) == set()  # nothing active before the code
    assert _token(user).status_code == 200

    added = []
    signals.authenticator_added.connect(receiver := lambda **kw: added.append(kw), weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            confirmed = client.post(
                "/api/v1/me/2fa/totp/confirm/", {"code": code_for(secret)}, format="json"
            )
    finally:
        signals.authenticator_added.disconnect(receiver)
    assert confirmed.status_code == 200, confirmed.content
    recovery_codes = confirmed.json()["recovery_codes"]
    assert len(recovery_codes) == 10 and len(set(recovery_codes)) == 10
    assert _types(user) == {"totp", "recovery_codes"}
    assert sorted(kw["authenticator"].type for kw in added) == ["recovery_codes", "totp"]

    assert _error(_token(user))["type"] == "mfa_required"
    _clock.shift(30)
    assert _token(user, code=code_for(secret)).status_code == 200
    assert _token(user, code=recovery_codes[3]).status_code == 200

    _clock.shift(30)
    removed = client.delete("/api/v1/me/2fa/totp/", {"code": code_for(secret)}, format="json")
    assert removed.status_code == 204, removed.content
    assert _types(user) == set()  # the recovery codes went with the app
    assert _token(user).status_code == 200


@pytest.mark.django_db
def test_confirm_with_a_wrong_code_sets_up_nothing(user):
    client = _signed_in(user)
    secret = client.post("/api/v1/me/2fa/totp/").json()["secret"]
    wrong = code_for(secret, seconds_later=90)
    response = client.post("/api/v1/me/2fa/totp/confirm/", {"code": wrong}, format="json")
    assert response.status_code == 400
    assert _error(response)["type"] == "validation_error"
    assert list(_error(response)["fields"]) == ["code"]
    assert _types(user) == set()
    assert _token(user).status_code == 200
    # The set-up is still waiting: the right code finishes it.
    response = client.post(
        "/api/v1/me/2fa/totp/confirm/", {"code": code_for(secret)}, format="json"
    )
    assert response.status_code == 200
    assert _types(user) == {"totp", "recovery_codes"}


@pytest.mark.django_db
def test_starting_twice_keeps_only_the_latest_secret(user):
    client = _signed_in(user)
    first = client.post("/api/v1/me/2fa/totp/").json()["secret"]
    second = client.post("/api/v1/me/2fa/totp/").json()["secret"]
    assert first != second
    response = client.post("/api/v1/me/2fa/totp/confirm/", {"code": code_for(first)}, format="json")
    assert response.status_code == 400
    assert _types(user) == set()
    response = client.post(
        "/api/v1/me/2fa/totp/confirm/", {"code": code_for(second)}, format="json"
    )
    assert response.status_code == 200
    assert TOTP(Authenticator.objects.get(user=user, type="totp")).validate_code(code_for(second))


@pytest.mark.django_db
def test_a_second_app_is_refused_while_one_is_set_up(user):
    _with_totp(user)
    client = _signed_in(user)
    response = client.post("/api/v1/me/2fa/totp/")
    assert response.status_code == 400
    assert "already set up" in _error(response)["message"]
    response = client.post("/api/v1/me/2fa/totp/confirm/", {"code": "123456"}, format="json")
    assert response.status_code == 400
    assert "already set up" in _error(response)["message"]
    assert Authenticator.objects.filter(user=user, type="totp").count() == 1


@pytest.mark.django_db
def test_confirm_without_a_set_up_waiting(user, _clock, settings):
    # The pending secret's expiry is the cache's: Redis keeps its own clock, which the test's
    # clock travel cannot move, so this test keeps its cache in the process.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    client = _signed_in(user)
    response = client.post("/api/v1/me/2fa/totp/confirm/", {"code": "123456"}, format="json")
    assert response.status_code == 400
    assert "start again" in _error(response)["message"]
    # A set-up waits TOTP_SETUP_SECONDS, no longer.
    secret = client.post("/api/v1/me/2fa/totp/").json()["secret"]
    _clock.shift(mfa.TOTP_SETUP_SECONDS + 1)
    client = _signed_in(user)  # the access token expired too
    response = client.post(
        "/api/v1/me/2fa/totp/confirm/", {"code": code_for(secret)}, format="json"
    )
    assert response.status_code == 400
    assert "start again" in _error(response)["message"]
    assert _types(user) == set()


@pytest.mark.django_db
def test_an_account_with_an_unverified_address_cannot_set_up(user):
    """allauth's rule: else someone who signed up with another person's address could lock
    its owner out of the account they would get by verifying it."""
    EmailAddress.objects.filter(user=user).update(verified=False)
    response = _signed_in(user).post("/api/v1/me/2fa/totp/")
    assert response.status_code == 400
    assert _error(response)["type"] == "validation_error"
    assert _types(user) == set()


@pytest.mark.django_db
def test_set_up_needs_the_cache(user):
    """With the cache unreachable (its errors are ignored, SPEC §7) a secret could never be
    confirmed: 503 instead of a secret that leads nowhere."""
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    ):
        response = _signed_in(user).post("/api/v1/me/2fa/totp/")
    assert response.status_code == 503
    assert _error(response)["type"] == "service_unavailable"
    assert "secret" not in response.json()


@pytest.mark.django_db
def test_with_a_passkey_confirm_answers_the_existing_recovery_codes(user):
    codes = _with_passkey(user)
    client = _signed_in(user)
    secret = client.post("/api/v1/me/2fa/totp/").json()["secret"]
    response = client.post(
        "/api/v1/me/2fa/totp/confirm/", {"code": code_for(secret)}, format="json"
    )
    assert response.json() == {"recovery_codes": codes}
    assert Authenticator.objects.filter(user=user, type="recovery_codes").count() == 1


@pytest.mark.django_db
def test_remove_without_an_app_is_404(user):
    response = _signed_in(user).delete("/api/v1/me/2fa/totp/", {"code": "123456"}, format="json")
    assert response.status_code == 404
    assert _error(response)["type"] == "not_found"


@pytest.mark.django_db
def test_remove_needs_a_right_code(user):
    _with_totp(user)
    client = _signed_in(user)
    for body in ({"code": "000000" if code_for(SECRET) != "000000" else "111111"}, {}):
        response = client.delete("/api/v1/me/2fa/totp/", body, format="json")
        assert response.status_code == 400
        assert list(_error(response)["fields"]) == ["code"]
    assert _types(user) == {"totp", "recovery_codes"}


@pytest.mark.django_db
def test_remove_with_a_recovery_code_keeps_the_codes_a_passkey_needs(user):
    """Lost the phone: a recovery code removes the app; a passkey still uses the codes."""
    codes = _with_passkey(user)
    TOTP.activate(user, SECRET)
    response = _signed_in(user).delete("/api/v1/me/2fa/totp/", {"code": codes[0]}, format="json")
    assert response.status_code == 204
    assert _types(user) == {"webauthn", "recovery_codes"}
    assert _error(_token(user, code=codes[0]))["type"] == "invalid_code"
    assert _token(user, code=codes[1]).status_code == 200


@pytest.mark.django_db
def test_removing_mine_leaves_someone_elses(user):
    other = UserFactory()
    _with_totp(user)
    _with_totp(other)
    response = _signed_in(user).delete(
        "/api/v1/me/2fa/totp/", {"code": code_for(SECRET)}, format="json"
    )
    assert response.status_code == 204
    assert _types(user) == set()
    assert _types(other) == {"totp", "recovery_codes"}


@pytest.mark.django_db
def test_set_up_endpoints_need_a_signed_in_person():
    client = APIClient()
    assert client.post("/api/v1/me/2fa/totp/").status_code == 401
    assert (
        client.post("/api/v1/me/2fa/totp/confirm/", {"code": "1"}, format="json").status_code == 401
    )
    assert client.delete("/api/v1/me/2fa/totp/", {"code": "1"}, format="json").status_code == 401


# --- Rate limits: one "mfa" counter per account, API and pages -----------------------------


def _page_login(client, user):
    """Password on the login page: allauth then asks for the code."""
    response = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"


def _assert_limited(response, *, api: bool):
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 300
    if api:
        assert _error(response)["type"] == "rate_limited"
    else:
        assert "Too many tries" in response.content.decode()


def test_code_limit_defaults_to_allauths_pace(settings):
    assert settings.RATELIMITS["mfa"] == "5/5m"


@pytest.mark.django_db
def test_token_codes_are_limited_per_account(user):
    _with_totp(user)
    for n in range(5):
        response = _token(user, code="00000000", REMOTE_ADDR=f"198.51.100.{n}")
        assert response.status_code == 401, n
    # The right code, from yet another address: refused, and it is not used up.
    code = code_for(SECRET)
    _assert_limited(_token(user, code=code, REMOTE_ADDR="198.51.100.99"), api=True)
    # Without a code nothing is guessed: the code limit does not apply.
    assert _error(_token(user))["type"] == "mfa_required"
    # Someone else is not affected.
    other = UserFactory()
    _with_totp(other)
    assert _token(other, code=code).status_code == 200


@pytest.mark.django_db
def test_an_unknown_login_with_a_code_is_limited_like_a_known_one(user):
    """The code limit counts before the password is checked, so its answers cannot tell who
    has two-factor login, or who exists."""
    answers = {}
    for login in (user.username, "nobody-here"):
        cache.clear()
        answers[login] = [
            _token(user, password="wrong", code="123456", login=login).status_code for _ in range(6)
        ]
    assert answers[user.username] == answers["nobody-here"] == [400] * 5 + [429]


@pytest.mark.django_db
def test_the_login_page_and_the_token_endpoint_share_the_code_counter(client, user):
    _with_totp(user)
    _page_login(client, user)
    for _ in range(3):
        response = client.post("/accounts/2fa/authenticate/", {"code": "00000000"})
        assert response.status_code == 200  # the form again, with its error
    for _ in range(2):
        assert _token(user, code="00000000").status_code == 401
    _assert_limited(_token(user, code=code_for(SECRET)), api=True)
    _assert_limited(
        client.post("/accounts/2fa/authenticate/", {"code": code_for(SECRET)}), api=False
    )
    # Refused, not signed in: the page still asks for the code.
    assert client.get("/settings/").status_code == 302


@pytest.mark.django_db
def test_the_login_page_code_works_within_the_limit(client, user):
    _with_totp(user)
    _page_login(client, user)
    response = client.post("/accounts/2fa/authenticate/", {"code": code_for(SECRET)})
    assert response.status_code == 302
    assert client.get("/settings/").status_code == 200


@pytest.mark.django_db
def test_set_up_and_removal_codes_share_the_counter(client, user):
    api = _signed_in(user)
    secret = api.post("/api/v1/me/2fa/totp/").json()["secret"]
    wrong = code_for(secret, seconds_later=120)
    for _ in range(2):
        response = api.post("/api/v1/me/2fa/totp/confirm/", {"code": wrong}, format="json")
        assert response.status_code == 400
    assert (
        api.post(
            "/api/v1/me/2fa/totp/confirm/", {"code": code_for(secret)}, format="json"
        ).status_code
        == 200
    )
    assert api.delete("/api/v1/me/2fa/totp/", {"code": wrong}, format="json").status_code == 400
    _page_login(client, user)
    assert client.post("/accounts/2fa/authenticate/", {"code": wrong}).status_code == 200
    # Five codes tried: the sixth, right or not, on any surface, is refused and changes nothing
    # (the clock stands still: a limit's window ends at a moment of its own).
    _assert_limited(
        api.delete("/api/v1/me/2fa/totp/", {"code": code_for(secret)}, format="json"), api=True
    )
    assert _types(user) == {"totp", "recovery_codes"}
    _assert_limited(
        client.post("/accounts/2fa/authenticate/", {"code": code_for(secret)}), api=False
    )


@pytest.mark.django_db
def test_the_reauthenticate_page_counts_codes(client, user):
    _with_totp(user)
    for _ in range(5):
        assert _token(user, code="00000000").status_code == 401
    client.force_login(user)
    _assert_limited(
        client.post("/accounts/2fa/reauthenticate/", {"code": code_for(SECRET)}), api=False
    )


@pytest.mark.django_db
def test_the_activate_page_counts_codes(client, user):
    client.force_login(user)
    # The page asks to confirm the password first (allauth's reauthentication): done.
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    api = _signed_in(user)
    api.post("/api/v1/me/2fa/totp/")
    for _ in range(5):
        api.post("/api/v1/me/2fa/totp/confirm/", {"code": "x"}, format="json")
    _assert_limited(client.post("/accounts/2fa/totp/activate/", {"code": "123456"}), api=False)
    assert _types(user) == set()


@pytest.mark.django_db
def test_passkey_answers_on_the_login_page_are_not_counted(client, user):
    """Only typed codes are guesses; a passkey's signed answer (no `code`) is not counted."""
    _with_totp(user)
    _page_login(client, user)
    for _ in range(6):
        response = client.post("/accounts/2fa/authenticate/", {"credential": "{}"})
        assert response.status_code == 200
    assert client.post("/accounts/2fa/authenticate/", {"code": code_for(SECRET)}).status_code == 302


@pytest.mark.django_db
def test_turning_limits_off_turns_the_code_limit_off(settings, user):
    settings.RATELIMIT_ENABLE = False
    _with_totp(user)
    for _ in range(7):
        assert _token(user, code="00000000").status_code == 401


# --- Races (PostgreSQL: SQLite serializes writers) -----------------------------------------


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_one_recovery_code_used_twice_at_once_signs_in_once():
    for _round in range(5):
        user = UserFactory()
        code = _with_totp(user)[0]
        outcomes = race(
            *[lambda user=user, code=code: mfa.mfa_login_check(request=None, user=user, code=code)]
            * 3
        )
        assert sum(outcome is None for outcome in outcomes) == 1, outcomes
        assert sum(isinstance(outcome, mfa.InvalidCode) for outcome in outcomes) == 2, outcomes


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_confirms_at_once_set_up_one_app():
    user = UserFactory()
    secret = mfa.totp_setup_start(user=user)["secret"]
    code = code_for(secret)
    outcomes = race(*[lambda: mfa.totp_activate(request=None, user=user, code=code)] * 2)
    assert sum(isinstance(outcome, list) for outcome in outcomes) == 1, outcomes
    assert Authenticator.objects.filter(user=user, type="totp").count() == 1


# --- The schema ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_schema_documents_two_factor_without_warnings(client, tmp_path):
    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    token = paths["/api/v1/auth/token/"]["post"]
    assert "code" in schema["components"]["schemas"]["TokenInputRequest"]["properties"]
    examples = token["responses"]["401"]["content"]["application/json"]["examples"]
    assert {example["value"]["error"]["type"] for example in examples.values()} == {
        "mfa_required",
        "invalid_code",
    }
    request_examples = token["requestBody"]["content"]["application/json"]["examples"]
    assert any("code" in example["value"] for example in request_examples.values())
    setup = paths["/api/v1/me/2fa/totp/"]
    assert set(setup) >= {"post", "delete"}
    assert "requestBody" in setup["delete"]
    assert "examples" in setup["post"]["responses"]["200"]["content"]["application/json"]
    confirm = paths["/api/v1/me/2fa/totp/confirm/"]["post"]
    assert confirm["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RecoveryCodes"
    }


@pytest.mark.django_db
def test_the_schemas_examples_are_the_real_answers(client, user):
    """The documented messages are the ones the API gives (in English)."""
    _with_totp(user)
    schema = client.get("/api/schema/?format=json").json()
    documented = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]["401"]["content"][
        "application/json"
    ]["examples"]
    by_type = {
        example["value"]["error"]["type"]: example["value"] for example in documented.values()
    }
    assert _token(user).json() == by_type["mfa_required"]
    assert _token(user, code="00000000").json() == by_type["invalid_code"]
