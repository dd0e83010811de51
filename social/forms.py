"""Forms of the social app's pages."""

import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from connections.models import Tag
from intentional.languages import language_codes, request_language
from social.images import ACCEPT
from social.models import (
    NOTIFICATION_EMAIL_DEFAULTS,
    PHOTO_ALT_MAX_LENGTH,
    EmailChoice,
    NotificationKind,
    Post,
    User,
)
from social.selectors import search_query_clean
from social.services import photo_alt_clean


def language_choices() -> list[tuple[str, str]]:
    """The site's languages, each named in itself ("Deutsch"): whoever reads the page finds
    theirs, whatever language the page is in."""
    return [
        (code, translation.get_language_info(code)["name_local"].capitalize())
        for code in language_codes()
    ]


def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
    return [(name, name.replace("_", " ")) for name in names]


class ProfileForm(forms.ModelForm):
    """/settings/: display name, bio, avatar, time zone, language, digest email."""

    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)
    language = forms.ChoiceField(
        label=_("Language"),
        choices=language_choices,
        # Not sent (an older page): left as it is.
        required=False,
        help_text=_("Pages, emails and your weekly digest are written in it."),
    )
    avatar = forms.FileField(
        label=_("Avatar"),
        required=False,
        help_text=_("JPEG, PNG, WebP, GIF or HEIC, up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my avatar"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.language:
            # None chosen yet (pages follow the browser): the one this page is in.
            self.initial["language"] = request_language()
        # No avatar, nothing to remove: no checkbox that would do nothing.
        if not self.instance.avatar_key:
            del self.fields["remove_avatar"]

    def clean_language(self) -> str:
        return self.cleaned_data["language"] or self.instance.language

    class Meta:
        model = User
        fields = [
            "display_name",
            "bio",
            "timezone",
            "language",
            "digest_email_enabled",
            "memories_enabled",
        ]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4, "maxlength": 500})}
        help_texts = {
            "display_name": _("How your connections see your name."),
            "bio": _("Up to 500 characters; only your connections see it."),
            "digest_email_enabled": _(
                "A short email every Monday morning with last week's moments."
            ),
            "memories_enabled": _(
                "Your digest also shows up to 3 posts from the same week in earlier years."
            ),
        }


# Each kind's question on /settings/, a whole sentence (the kinds' labels are phrases).
_CHOICE_LABELS = {
    NotificationKind.CONNECTION_REQUEST: _("When someone asks to connect with you"),
    NotificationKind.CONNECTION_ACCEPTED: _("When someone accepts your request"),
    NotificationKind.COMMENT_ON_YOUR_POST: _("When someone comments on your post"),
    NotificationKind.COMMENT_AFTER_YOU: _("When someone comments on a post you commented on"),
    NotificationKind.INVITATION_ACCEPTED: _("When someone joins through your invitation"),
}


class NotificationChoicesForm(forms.Form):
    """/settings/: how each kind of notification reaches you by email (SPEC §8)."""

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        current = user.email_choices()
        for kind in NOTIFICATION_EMAIL_DEFAULTS:
            self.fields[kind.value] = forms.ChoiceField(
                label=_CHOICE_LABELS[kind],
                choices=EmailChoice.choices,
                initial=current[kind],
                widget=forms.RadioSelect,
            )


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
            MultipleFileInput(attrs={"accept": ACCEPT}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


def _alt_textarea(label: str) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": 2, "maxlength": PHOTO_ALT_MAX_LENGTH, "aria-label": label})


def _photo_description(n: int) -> str:
    return gettext("Description of photo %(n)s") % {"n": n}


# The widget is made once, when the form class is (at import): its labels are put in words
# when a page shows them, in that page's language.
_photo_description_lazy = lazy(_photo_description, str)


class PhotoAltsWidget(forms.MultiWidget):
    """One description per photo of the compose box, in the order the photos were chosen."""

    def __init__(self, count: int):
        super().__init__([_alt_textarea(_photo_description_lazy(n)) for n in range(1, count + 1)])

    def decompress(self, value):
        return list(value or [])


class PhotoAltsField(forms.MultiValueField):
    """The compose box's alt texts (one per photo, may be empty); cleaned to a list. The
    service checks them (length, control characters) like the API's `photo_alts`."""

    def __init__(self, *, count: int, **kwargs):
        fields = [forms.CharField(required=False, strip=False) for _n in range(count)]
        super().__init__(fields, widget=PhotoAltsWidget(count), require_all_fields=False, **kwargs)

    # Folded on the compose box (templates/_form_fields.html): four text boxes would push
    # the feed's first post off a laptop's first screen.
    fold = True

    def compress(self, data_list):
        alts = list(data_list or [])
        while alts and not alts[-1]:  # descriptions of photos that were not chosen
            alts.pop()
        return alts


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
        help_text=_("Up to 4: JPEG, PNG, WebP, GIF or HEIC, up to 10 MB each."),
    )
    photo_alts = PhotoAltsField(
        count=4,
        label=_("Describe your photos (alt text)"),
        required=False,
        help_text=_(
            "For people who use a screen reader: what each photo shows, in the order you chose "
            "them. You can add or change them later by editing the post."
        ),
    )

    def __init__(self, *args, user, with_photos: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience_tags"].queryset = Tag.objects.owned_by(user).order_by("name")
        if not with_photos:
            del self.fields["photos"], self.fields["photo_alts"]
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
            arguments["photo_alts"] = data["photo_alts"]
        return arguments


class PhotoAltsForm(forms.Form):
    """The edit page's alt text of each photo of the post (`alt_<photo id>`)."""

    prefix = "photo"

    def __init__(self, *args, photos, **kwargs):
        super().__init__(*args, **kwargs)
        self.photos = list(photos)
        for number, photo in enumerate(self.photos, start=1):
            label = _("Description of photo %(n)s (alt text)") % {"n": number}
            self.fields[f"alt_{photo.pk}"] = forms.CharField(
                label=label,
                required=False,
                strip=False,
                initial=photo.alt,
                widget=forms.Textarea(attrs={"rows": 3, "maxlength": PHOTO_ALT_MAX_LENGTH}),
                help_text=(
                    ""
                    if photo.alt
                    else _("No description yet: add one so that everyone knows what it shows.")
                ),
            )

    def clean(self):
        data = super().clean()
        for photo in self.photos:
            name = f"alt_{photo.pk}"
            try:
                photo_alt_clean(data.get(name, ""))  # the service's rule, shown per field
            except forms.ValidationError as error:
                self.add_error(name, error)
        return data

    def rows(self) -> list[tuple]:
        """(photo, its bound field) in the post's order, for the template."""
        return [(photo, self[f"alt_{photo.pk}"]) for photo in self.photos]

    def service_arguments(self) -> dict:
        return {
            "photo_alts": {photo.pk: self.cleaned_data[f"alt_{photo.pk}"] for photo in self.photos}
        }


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
