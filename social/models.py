"""Users (and, later, posts, photos and comments) — SPEC §2."""

import hashlib
import zoneinfo

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

username_validator = RegexValidator(
    r"^[A-Za-z0-9_]{3,30}$",
    _("Use 3 to 30 letters, digits or underscores."),
    code="invalid_username",
)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class IntentionalUserManager(UserManager):
    def get_by_natural_key(self, username):
        # Usernames are unique case-insensitively, and so is logging in with one.
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractUser):
    """A person. Logs in with email or username (django-allauth)."""

    username = models.CharField(
        _("username"),
        max_length=30,
        unique=True,
        validators=[username_validator],
        help_text=_("3 to 30 letters, digits or underscores."),
        error_messages={"unique": _("That username is taken.")},
    )
    email = models.EmailField(
        _("email address"),
        unique=True,
        error_messages={"unique": _("An account with that email already exists.")},
    )
    first_name = None
    last_name = None
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    bio = models.TextField(_("bio"), max_length=500, blank=True)
    # Storage key of the re-encoded avatar (random, never the uploader's file name); "" = none.
    avatar_key = models.CharField(max_length=200, blank=True, editable=False)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    digest_email_enabled = models.BooleanField(_("weekly digest by email"), default=True)

    objects = IntentionalUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def name(self) -> str:
        """What to call this person on a page: the display name, else the username."""
        return self.display_name or self.username

    def avatar_path(self) -> str:
        """The avatar's URL path (permission-checked view); "" without one.

        The query string changes with the file, so browsers may cache each version.
        """
        if not self.avatar_key:
            return ""
        version = hashlib.sha256(self.avatar_key.encode()).hexdigest()[:10]
        return f"{reverse('social:avatar', args=[self.username])}?v={version}"
