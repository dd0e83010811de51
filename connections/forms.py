"""Forms of the people and tags pages. Rules live in the services; these only carry input."""

from django import forms
from django.utils.translation import gettext_lazy as _

from connections.services import TAG_NAME_MAX_LENGTH


class FindPersonForm(forms.Form):
    """/people/?q=: one exact username or email, never a list of who is on the site."""

    q = forms.CharField(
        label=_("Find a person"),
        required=False,
        max_length=254,
        help_text=_("Their exact username or email address."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class TagNameForm(forms.Form):
    """Create or rename a tag; emptiness, length and duplicates are the service's to judge."""

    name = forms.CharField(
        label=_("Tag name"),
        required=False,
        strip=False,
        help_text=_("Up to 40 characters. Only you ever see your tags."),
        widget=forms.TextInput(attrs={"maxlength": TAG_NAME_MAX_LENGTH}),
    )


class TagMemberForm(forms.Form):
    """Label one of your connections with a tag."""

    # A free CharField with a select widget: a stale or forged choice gets the service's message.
    username = forms.CharField(
        label=_("Add a connection"),
        error_messages={"required": _("Choose a connection.")},
        widget=forms.Select,
    )

    # SPEC §10: whether they also see the tag's earlier posts. static/js/tag-earlier-posts.js
    # puts their number in the question (GET /api/v1/tags/<id>/members/<username>/preview/).
    include_earlier_posts = forms.TypedChoiceField(
        label=_("Also show them the earlier posts shared with this tag?"),
        choices=[
            ("true", _("Yes, the earlier posts too")),
            ("false", _("Only from now on")),
        ],
        coerce=lambda value: value == "true",
        initial="true",
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.choices = [("", _("Choose a connection…"))] + [
            (person.username, f"{person.name} (@{person.username})") for person in people
        ]
