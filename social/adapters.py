"""django-allauth adapters: the site's own rules for accounts, by email or by Google."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from connections.services import invitation_accept
from connections.views import INVITATION_SESSION_KEY


def _accept_pending_invitation(request, user) -> None:
    """Connect a newcomer with whoever invited them, if they came through an invitation link."""
    token = request.session.pop(INVITATION_SESSION_KEY, None) if request else None
    if not token:
        return
    try:
        connection = invitation_accept(user=user, token=token)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
        return
    inviter = connection.user_a if connection.user_b_id == user.pk else connection.user_b
    messages.success(request, _("You're connected with %(name)s.") % {"name": inviter.name})


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up through an invitation link connects the newcomer with the inviter (SPEC §2)."""

    def send_mail(self, template_prefix, email, context):
        """allauth's emails say "Hello from Intentional!" and name SITE_URL's host, not the
        sites framework's placeholder "example.com" (the subjects have no prefix: settings)."""
        site = SimpleNamespace(name="Intentional", domain=urlsplit(settings.SITE_URL).netloc)
        super().send_mail(template_prefix, email, {"current_site": site, **context})

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            _accept_pending_invitation(request, user)
        return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """The same for Google sign-ups, including automatic ones that never show a form."""

    def save_user(self, request, sociallogin, form=None):
        # With a form, allauth calls AccountAdapter.save_user, which has used the token up
        # already; without one (auto sign-up), this is the only place that sees the newcomer.
        user = super().save_user(request, sociallogin, form)
        _accept_pending_invitation(request, user)
        return user
