"""django-allauth's forms with the site's wording: labels in sentence case ("Remember me",
"New password"), like every other label of the site (ACCOUNT_FORMS and MFA_FORMS in settings)."""

from allauth.account import forms as allauth_forms
from allauth.mfa.webauthn import forms as allauth_webauthn_forms
from django.utils.translation import gettext_lazy as _


class _SiteLabels:
    """Replaces allauth's title-case labels with `labels` (field name → label)."""

    labels: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in self.labels.items():
            if name in self.fields:
                self.fields[name].label = label


_NEW_PASSWORD = {"password1": _("New password"), "password2": _("New password (again)")}


class LoginForm(_SiteLabels, allauth_forms.LoginForm):
    labels = {"remember": _("Remember me")}


class ChangePasswordForm(_SiteLabels, allauth_forms.ChangePasswordForm):
    labels = {"oldpassword": _("Current password"), **_NEW_PASSWORD}


class ResetPasswordKeyForm(_SiteLabels, allauth_forms.ResetPasswordKeyForm):
    labels = _NEW_PASSWORD


class AddPasskeyForm(allauth_webauthn_forms.AddWebAuthnForm):
    """Adding a passkey (MFA_FORMS): it logs in without a password unless the person unticks
    it (SPEC §11), and it is named for what it is, a passkey."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Name")
        self.fields["name"].help_text = _("For example “Phone” or “Work laptop”.")
        if "passwordless" in self.fields:
            self.fields["passwordless"].label = _("Also use it to log in without a password")
            self.fields["passwordless"].help_text = _(
                "Your device will ask for your fingerprint, face or PIN each time."
            )
            self.fields["passwordless"].initial = True


class EditPasskeyForm(allauth_webauthn_forms.EditWebAuthnForm):
    """Renaming a passkey, with the same label as when it was added."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Name")
