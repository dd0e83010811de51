"""/settings/'s Security card (SPEC §11): what protects the person's login, said plainly, with
links to allauth's pages under /accounts/2fa/, read by `selectors.account_security_for` in a
constant number of queries."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

from social.selectors import account_security_for
from social.tests.factories import UserFactory
from social.tests.mfa import add_passkey, enable_totp

pytestmark = pytest.mark.django_db


def _card(client, user) -> str:
    client.force_login(user)
    html = client.get("/settings/").content.decode()
    start = html.index('<section class="card" id="security"')
    card = html[start : html.index("</section>", start)]
    return " ".join(card.split())


def test_the_card_of_someone_without_a_second_factor(client, user):
    card = _card(client, user)
    assert 'aria-labelledby="security-title"' in card
    assert "Two-factor login is off." in card
    assert '<span class="badge">Off</span>' in card
    assert '<a href="/accounts/2fa/totp/activate/">Set up an authenticator app</a>' in card
    assert "None yet: they are made when you set up an authenticator app" in card
    assert '<a href="/accounts/2fa/webauthn/add/">Add a passkey</a>' in card
    assert '<a href="/accounts/2fa/">All two-factor and passkey settings</a>' in card
    assert "Verify your" not in card


def test_the_card_says_what_is_set_up(client, user):
    _secret, codes = enable_totp(user)
    add_passkey(user, "Phone")
    add_passkey(user, "Work <laptop>")
    recovery = RecoveryCodes(user.authenticator_set.get(type="recovery_codes"))
    assert recovery.validate_code(codes[0]) and recovery.validate_code(codes[1])
    card = _card(client, user)
    assert "Two-factor login is on" in card
    assert '<span class="badge badge-ok">On</span>' in card
    assert '<a href="/accounts/2fa/totp/deactivate/">Turn off</a>' in card
    assert "8 of 10 unused" in card
    assert "Running low" not in card
    assert '<a href="/accounts/2fa/recovery-codes/">View</a>' in card
    assert '<a href="/accounts/2fa/recovery-codes/generate/">Make new codes</a>' in card
    # The names, in the order they were added, escaped.
    assert "2 passkeys: <ul><li>Phone</li><li>Work &lt;laptop&gt;</li></ul>" in card
    assert '<a href="/accounts/2fa/webauthn/">Manage passkeys</a>' in card


def test_a_passkey_alone_is_two_factor_login_too(client, user):
    add_passkey(user, "Phone")
    RecoveryCodes.activate(user)
    card = _card(client, user)
    assert "Two-factor login is on" in card
    assert '<span class="badge">Off</span>' in card  # no authenticator app
    assert "1 passkey: <ul><li>Phone</li></ul>" in card


def test_the_card_warns_when_few_recovery_codes_are_left(client, user):
    _secret, codes = enable_totp(user)
    recovery = RecoveryCodes(user.authenticator_set.get(type="recovery_codes"))
    for code in codes[:8]:
        assert recovery.validate_code(code)
    card = _card(client, user)
    assert "2 of 10 unused" in card
    assert "Running low: make new ones" in card


def test_an_unverified_email_address_comes_first(client, user):
    EmailAddress.objects.filter(user=user).update(verified=False)
    card = _card(client, user)
    assert re.search(r'Verify your <a href="/accounts/email/">email address</a> first', card)
    # allauth would refuse: no set-up link leads there.
    assert "/accounts/2fa/totp/activate/" not in card
    assert "/accounts/2fa/webauthn/add/" not in card


@pytest.mark.parametrize("passkeys", [0, 5])
def test_the_security_card_takes_two_queries_whatever_is_set_up(
    passkeys, django_assert_num_queries
):
    user = UserFactory()
    enable_totp(user)
    for number in range(passkeys):
        add_passkey(user, f"Key {number}")
    # The person's authenticators; whether an email address awaits verification.
    with django_assert_num_queries(2):
        security = account_security_for(user=user)
    assert security.authenticator_app is True
    assert security.recovery_codes_unused == security.recovery_codes_total == 10
    assert security.passkey_names == [f"Key {number}" for number in range(passkeys)]
    assert security.can_add is True


def test_the_card_shows_only_the_persons_own_authenticators(client, user):
    other = UserFactory()
    enable_totp(other)
    add_passkey(other, "Someone else's key")
    card = _card(client, user)
    assert "Two-factor login is off." in card
    assert "Someone else" not in card
