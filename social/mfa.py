"""Two-factor login through the API (SPEC §11), on django-allauth's MFA app: its Authenticator
rows, its TOTP and recovery codes (allauth checks the codes and remembers which were used),
its adapter and its signals. The pages for the same are allauth's own, under /accounts/2fa/.

Which accounts need a code: any with an authenticator of any kind (`allauth.mfa.utils.
is_mfa_enabled`) — an authenticator app, recovery codes or a passkey. A passkey cannot sign an
API request, so an account that has only passkeys signs in to the API with one of its
recovery codes (allauth creates them with the first passkey); the API is never a way around
the second factor the pages ask for.

Setting up an authenticator app takes two requests: `totp_setup_start` makes a secret and keeps
it, pending, in the cache (encrypted as allauth stores secrets, `MFA_ADAPTER.encrypt`) for
`TOTP_SETUP_SECONDS`; `totp_activate` turns it into the account's authenticator once a code from
it is right. Only the latest pending secret counts."""

import base64
import hashlib

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.mfa import signals
from allauth.mfa.adapter import DefaultMFAAdapter, get_adapter
from allauth.mfa.base.internal.flows import delete_dangling_recovery_codes
from allauth.mfa.internal.flows.add import validate_can_add_authenticator
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, validate_totp_code
from allauth.mfa.utils import decrypt, encrypt, is_mfa_enabled
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from intentional.errors import AuthenticationRefused, Unavailable
from social.models import User

# How long a secret from `totp_setup_start` waits for its first code.
TOTP_SETUP_SECONDS = 15 * 60

# Kinds of authenticator that take a typed code (a passkey answers a WebAuthn challenge).
CODE_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES)


class MFARequired(AuthenticationRefused):
    """The password is right and the account has two-factor login on: a code is needed."""

    error_type = "mfa_required"


class InvalidCode(AuthenticationRefused):
    """The password is right but the code is not (wrong, expired, or already used)."""

    error_type = "invalid_code"


class SetupUnavailable(Unavailable):
    """The cache could not keep a pending secret: a set-up started now could never finish."""


def mfa_login_check(*, request, user: User, code: str) -> None:
    """The second factor of an API sign-in whose password was right: nothing to do without
    two-factor login; MFARequired without a code; InvalidCode when no authenticator takes it."""
    if not is_mfa_enabled(user):
        return
    if not code:
        if is_mfa_enabled(user, [Authenticator.Type.TOTP]):
            message = _(
                "This account has two-factor login: send a code from your authenticator app, "
                "or one of your recovery codes, as “code”."
            )
        else:
            message = _(
                "This account has two-factor login: send one of your recovery codes as "
                "“code” (passkeys can't be used with the API)."
            )
        raise MFARequired(message)
    if mfa_code_use(request=request, user=user, code=code) is None:
        raise InvalidCode(_("This code is not right, or it has been used already."))


def mfa_code_use(*, request, user: User, code: str) -> Authenticator | None:
    """The authenticator of `user` that takes `code` — a current authenticator-app code or an
    unused recovery code — with the code now used up (allauth: a TOTP code in the cache for its
    period, a recovery code in the row, checked and marked under a row lock); None when none
    takes it. Success and failure are announced with allauth's signals, as its pages do."""
    authenticators = sorted(
        Authenticator.objects.filter(user_id=user.pk, type__in=CODE_TYPES),
        # The app first: a six-digit code is nearly always one of its codes.
        key=lambda authenticator: authenticator.type != Authenticator.Type.TOTP,
    )
    for authenticator in authenticators:
        wrapper = authenticator.wrap()
        if wrapper.validate_code(code):
            used = wrapper.instance  # RecoveryCodes reloads the row it locked
            used.record_usage()
            signals.authenticator_used.send(
                sender=Authenticator,
                request=request,
                user=user,
                authenticator=used,
                reauthenticated=False,
                passwordless=False,
            )
            return used
    if authenticators:
        signals.authentication_failed.send(
            sender=Authenticator,
            request=request,
            user=user,
            authenticator=authenticators[0],
            reauthentication=False,
        )
    return None


def _pending_key(user: User) -> str:
    return f"mfa:totp-setup:{user.pk}"


def _refuse_if_totp_active(user: User) -> None:
    if is_mfa_enabled(user, [Authenticator.Type.TOTP]):
        raise ValidationError(
            _("An authenticator app is already set up. Remove it first to set up another one.")
        )


def totp_setup_start(*, user: User) -> dict[str, str]:
    """A new secret for an authenticator app, `{secret, otpauth_url}`, pending until
    `totp_activate` (any earlier pending one is forgotten). ValidationError when an app is
    already set up or an email address of the account is unverified (allauth's rule: else a
    squatter could lock the address's owner out)."""
    _refuse_if_totp_active(user)
    validate_can_add_authenticator(user)
    secret = generate_totp_secret()
    stored = encrypt(secret)
    cache.set(_pending_key(user), stored, timeout=TOTP_SETUP_SECONDS)
    # With the cache down (its errors are ignored: SPEC §7) the secret could never be confirmed.
    if cache.get(_pending_key(user)) != stored:
        raise SetupUnavailable(_("Two-factor set-up is unavailable right now. Try again soon."))
    return {"secret": secret, "otpauth_url": get_adapter().build_totp_url(user, secret)}


def totp_activate(*, request, user: User, code: str) -> list[str]:
    """Make the pending secret the account's authenticator app once `code` from it is right,
    with recovery codes if the account has none yet; the unused recovery codes. ValidationError
    (on `code` for a wrong one) otherwise, leaving nothing active."""
    _refuse_if_totp_active(user)
    validate_can_add_authenticator(user)
    stored = cache.get(_pending_key(user))
    if not stored:
        raise ValidationError(
            _("No authenticator app set-up is waiting (or it expired): start again.")
        )
    secret = decrypt(stored)
    if not validate_totp_code(secret, code):
        raise ValidationError({"code": _("This code is not right. Check your device's clock.")})
    with transaction.atomic():
        # One activation at a time per account: two racing confirms cannot both pass the check.
        User.objects.select_for_update().get(pk=user.pk)
        _refuse_if_totp_active(user)
        had_codes = Authenticator.objects.filter(
            user_id=user.pk, type=Authenticator.Type.RECOVERY_CODES
        ).exists()
        totp = TOTP.activate(user, secret).instance
        recovery = RecoveryCodes.activate(user)  # the existing ones if a passkey made them
        added = [totp] if had_codes else [totp, recovery.instance]
        transaction.on_commit(lambda: _announce(request, user, signals.authenticator_added, added))
        transaction.on_commit(
            lambda: get_account_adapter(request).send_notification_mail(
                "mfa/email/totp_activated", user
            )
        )
    cache.delete(_pending_key(user))
    return recovery.get_unused_codes()


def totp_deactivate(*, request, user: User, code: str) -> None:
    """Remove the authenticator app after a current code (or an unused recovery code), and the
    recovery codes with it when nothing else (a passkey) needs them, as allauth's page does.
    ObjectDoesNotExist without an app; ValidationError on `code` for a wrong code."""
    totp = Authenticator.objects.get(user_id=user.pk, type=Authenticator.Type.TOTP)
    adapter = get_adapter()
    if not adapter.can_delete_authenticator(totp):
        raise ValidationError(adapter.error_messages["cannot_delete_authenticator"])
    if mfa_code_use(request=request, user=user, code=code) is None:
        raise ValidationError({"code": _("This code is not right, or it has been used already.")})
    with transaction.atomic():
        totp.delete()
        recovery = delete_dangling_recovery_codes(user)
        removed = [totp] if recovery is None else [totp, recovery]
        transaction.on_commit(
            lambda: _announce(request, user, signals.authenticator_removed, removed)
        )
        transaction.on_commit(
            lambda: get_account_adapter(request).send_notification_mail(
                "mfa/email/totp_deactivated", user
            )
        )


def _announce(request, user: User, signal, authenticators: list[Authenticator]) -> None:
    for authenticator in authenticators:
        signal.send(sender=Authenticator, request=request, user=user, authenticator=authenticator)


class MFAAdapter(DefaultMFAAdapter):
    """allauth's MFA adapter, with the secrets it stores (an authenticator app's key, the seed
    of the recovery codes) encrypted at rest: a copy of the database alone cannot make codes.

    Fernet (AES-128-CBC + HMAC) with a key derived from SECRET_KEY; the keys of
    SECRET_KEY_FALLBACKS still decrypt, so rotating SECRET_KEY the way Django documents keeps
    every authenticator working."""

    def encrypt(self, text: str) -> str:
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return _fernet().decrypt(encrypted_text.encode()).decode()


def _fernet_key(secret_key: str) -> bytes:
    digest = hashlib.sha256(b"intentional.mfa.secrets:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([Fernet(_fernet_key(key)) for key in keys])
