"""django-allauth adapters: the site's own rules for accounts, by email or by Google."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from connections.services import invitation_accept
from connections.views import INVITATION_SESSION_KEY
from intentional.languages import person_language, request_language
from social.models import User


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


def _recipient(email: str, user) -> User | None:
    """The person an allauth email goes to: the one its context names, else the owner of the
    address (None for an address nobody has, e.g. a reset asked for an unknown email)."""
    if isinstance(user, User) and user.pk:
        return user
    address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
    if address is not None:
        return address.user
    return User.objects.filter(email__iexact=email).first()


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up through an invitation link connects the newcomer with the inviter (SPEC §2)."""

    def new_user(self, request):
        """A newcomer (by email or by Google) keeps the language their sign-up was shown in:
        Accept-Language's choice among the site's languages (SPEC §12)."""
        user = super().new_user(request)
        user.language = request_language()
        return user

    def send_mail(self, template_prefix, email, context):
        """allauth's emails say "Hello from Intentional!" and name SITE_URL's host, not the
        sites framework's placeholder "example.com" (the subjects have no prefix: settings).

        Written in the recipient's language when the address is a known person's who chose
        one (a password reset, an address to confirm), else in the page's (SPEC §12)."""
        site = SimpleNamespace(name="Intentional", domain=urlsplit(settings.SITE_URL).netloc)
        language = person_language(_recipient(email, context.get("user"))) or request_language()
        with translation.override(language):
            super().send_mail(template_prefix, email, {"current_site": site, **context})

    def render_mail(self, template_prefix, email, context, headers=None):
        """The email says which language it is in (it is rendered inside `send_mail`'s)."""
        return super().render_mail(
            template_prefix,
            email,
            context,
            headers={**(headers or {}), "Content-Language": translation.get_language()},
        )

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
