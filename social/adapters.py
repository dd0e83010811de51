"""django-allauth adapter: the site's own rules for accounts."""

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from connections.services import invitation_accept
from connections.views import INVITATION_SESSION_KEY


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up through an invitation link connects the newcomer with the inviter (SPEC §2)."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        token = request.session.pop(INVITATION_SESSION_KEY, None) if request else None
        if commit and token:
            try:
                connection = invitation_accept(user=user, token=token)
            except ValidationError as error:
                messages.warning(request, " ".join(error.messages))
            else:
                inviter = (
                    connection.user_a if connection.user_b_id == user.pk else connection.user_b
                )
                messages.success(
                    request, _("You're connected with %(name)s.") % {"name": inviter.name}
                )
        return user
