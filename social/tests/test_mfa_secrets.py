"""Authenticator secrets at rest (social.mfa.MFAAdapter): the database holds neither an
authenticator app's key nor the recovery codes' seed in the clear, the codes still work, and
rotating SECRET_KEY with the old one in SECRET_KEY_FALLBACKS keeps them working."""

import json

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from cryptography.fernet import InvalidToken

from social.mfa import MFAAdapter
from social.tests.factories import UserFactory
from social.tests.mfa import enable_totp, totp_code

pytestmark = pytest.mark.django_db


def stored_text(user) -> str:
    return json.dumps([row.data for row in Authenticator.objects.filter(user=user)])


def test_the_database_holds_no_secret_in_the_clear():
    user = UserFactory()
    secret, codes = enable_totp(user)
    recovery = Authenticator.objects.get(user=user, type="recovery_codes")
    seed = MFAAdapter().decrypt(recovery.data["seed"])

    stored = stored_text(user)
    assert secret not in stored
    assert seed not in stored
    assert not any(code in stored for code in codes)
    totp = TOTP(Authenticator.objects.get(user=user, type="totp"))
    assert totp.validate_code(totp_code(secret))


def test_codes_still_work_after_the_secret_key_is_rotated(settings):
    user = UserFactory()
    secret, codes = enable_totp(user)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-brand-new-secret-key-" + "y" * 30
    settings.SECRET_KEY_FALLBACKS = [old_key]

    totp = TOTP(Authenticator.objects.get(user=user, type="totp"))
    assert totp.validate_code(totp_code(secret))
    recovery = RecoveryCodes(Authenticator.objects.get(user=user, type="recovery_codes"))
    assert recovery.validate_code(codes[0])


def test_without_the_key_that_encrypted_them_the_secrets_are_unreadable(settings):
    user = UserFactory()
    secret, _codes = enable_totp(user)
    settings.SECRET_KEY = "someone-elses-key-" + "z" * 30
    settings.SECRET_KEY_FALLBACKS = []

    totp = TOTP(Authenticator.objects.get(user=user, type="totp"))
    with pytest.raises(InvalidToken):
        totp.validate_code(totp_code(secret))
