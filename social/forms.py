"""Forms of the social app's pages."""

import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from connections.models import Tag
from social.models import Post, User
from social.selectors import search_query_clean


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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # No avatar, nothing to remove: no checkbox that would do nothing.
        if not self.instance.avatar_key:
            del self.fields["remove_avatar"]

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


class SearchForm(forms.Form):
    """/search/: the text to find (2–200 characters; `selectors.search_query_clean` decides)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,  # an empty box gets search_query_clean's message, like a short one
        widget=forms.TextInput(attrs={"type": "search", "maxlength": 200}),
        help_text=_("Words from posts you can see, or a connection's name."),
    )

    def clean_q(self) -> str:
        try:
            return search_query_clean(self.cleaned_data["q"])
        except ValidationError as error:
            raise ValidationError(error.message_dict["q"]) from None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the photos of a post); cleaned to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class PostForm(forms.Form):
    """The compose box (feed, /posts/new/) and, without photos, the edit page."""

    body = forms.CharField(
        label=_("What would you like to share?"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 5000}),
        help_text=_("Up to 5,000 characters. Links become clickable."),
    )
    audience = forms.ChoiceField(
        label=_("Who can see this"),
        choices=Post.Audience.choices,
        initial=Post.Audience.CONNECTIONS,
        widget=forms.RadioSelect,
    )
    audience_tags = forms.ModelMultipleChoiceField(
        label=_("Tags (when “Only people with these tags” is chosen)"),
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Your tags are private: nobody sees which ones you chose."),
    )
    is_milestone = forms.BooleanField(
        label=_("This is a life event (a milestone)"),
        required=False,
        help_text=_("Milestones stand out in your connections' weekly digest."),
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to 4: JPEG, PNG, WebP or GIF, up to 10 MB each."),
    )

    def __init__(self, *args, user, with_photos: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience_tags"].queryset = Tag.objects.owned_by(user).order_by("name")
        if not with_photos:
            del self.fields["photos"]
        if not self.fields["audience_tags"].queryset.exists():
            self.fields["audience_tags"].help_text = _(
                "You have no tags yet: create them on the Tags page to post to a few people."
            )

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {
            "body": data["body"],
            "audience": data["audience"],
            "audience_tags": list(data["audience_tags"]),
            "is_milestone": data["is_milestone"],
        }
        if "photos" in self.fields:
            arguments["photos"] = data["photos"]
        return arguments


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Add a comment"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 2000}),
    )


class AccountDeleteForm(forms.Form):
    """/settings/delete/ and DELETE /api/v1/me/: the password confirms it is really you."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Your posts, photos, comments, connections and tags are deleted for good."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.has_usable_password():  # signed up with Google: no password yet
            raise forms.ValidationError(
                _("Set a password first (Change password), then delete your account."),
                code="no_password",
            )
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."), code="wrong_password")
        return password
