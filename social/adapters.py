"""django-allauth adapter: the site's own rules for accounts."""

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Hooks for sign-up (invitations are wired in by the connections app)."""
