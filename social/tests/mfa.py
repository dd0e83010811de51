"""Two-factor set-ups for tests (SPEC §11), made with allauth.mfa's own classes: an authenticator
app with its recovery codes, and passkeys with a real (software-made) WebAuthn credential, so
that allauth parses them as it would a browser's."""

import hashlib
import json
import os
import time

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_encode
from fido2.webauthn import Aaguid, AttestationObject, AttestedCredentialData, AuthenticatorData

TOTP_PERIOD = 30  # seconds: allauth's default (MFA_TOTP_PERIOD)


def totp_code(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows for `secret` now (RFC 6238, allauth's HOTP)."""
    counter = int(time.time() if at is None else at) // TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def enable_totp(user) -> tuple[str, list[str]]:
    """An authenticator app and recovery codes for `user`: (the TOTP secret, the codes)."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    codes = RecoveryCodes.activate(user).generate_codes()
    return secret, codes


def passkey_credential(*, rp_id: str = "testserver", passwordless: bool = True) -> dict:
    """A registration response as webauthn-json sends it (attestation "none"), for a new key."""
    key = ec.generate_private_key(ec.SECP256R1())
    credential_id = os.urandom(16)
    credential_data = AttestedCredentialData.create(
        Aaguid.NONE, credential_id, ES256.from_cryptography_key(key.public_key())
    )
    flags = AuthenticatorData.FLAG.UP | AuthenticatorData.FLAG.UV | AuthenticatorData.FLAG.AT
    auth_data = AuthenticatorData.create(
        hashlib.sha256(rp_id.encode()).digest(), flags, 0, credential_data
    )
    client_data = json.dumps(
        {
            "type": "webauthn.create",
            "challenge": websafe_encode(os.urandom(32)),
            "origin": f"https://{rp_id}",
        }
    ).encode()
    attestation = AttestationObject.create("none", auth_data, {})
    return {
        "type": "public-key",
        "id": websafe_encode(credential_id),
        "rawId": websafe_encode(credential_id),
        "response": {
            "clientDataJSON": websafe_encode(client_data),
            "attestationObject": websafe_encode(bytes(attestation)),
        },
        "clientExtensionResults": {"credProps": {"rk": passwordless}},
    }


def add_passkey(user, name: str, **credential) -> Authenticator:
    """A passkey named `name` for `user`, stored as allauth stores one."""
    return Authenticator.objects.create(
        user=user,
        type=Authenticator.Type.WEBAUTHN,
        data={"name": name, "credential": passkey_credential(**credential)},
    )
