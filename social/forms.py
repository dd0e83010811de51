"""Forms of the social app's pages."""

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from social.models import User


def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
    return [(name, name.replace("_", " ")) for name in names]


class ProfileForm(forms.ModelForm):
    """/settings/: display name, bio, avatar, time zone, digest email."""

    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)
    avatar = forms.FileField(
        label=_("Avatar"),
        required=False,
        help_text=_("JPEG, PNG, WebP or GIF, up to 10 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}
        ),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my avatar"), required=False)

    class Meta:
        model = User
        fields = ["display_name", "bio", "timezone", "digest_email_enabled"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4, "maxlength": 500})}
        help_texts = {
            "display_name": _("How your connections see your name."),
            "bio": _("Up to 500 characters; only your connections see it."),
            "digest_email_enabled": _(
                "A short email every Monday morning with last week's moments."
            ),
        }
