"""Pages of the social graph: /people/, /tags/, invitation links, and the actions of a
person's profile (the profile page itself is social's: it shows their posts).

Every action is a POST form (CSRF, no JavaScript needed) that calls one service. Success lands
back on the page it came from with a message; a refusal answers 400 with the page and the
service's message; something that is not the caller's answers 404 (both: intentional.errors).
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from connections import selectors, services
from connections.forms import FindPersonForm, TagMemberForm, TagNameForm
from connections.models import Connection
from intentional.errors import form_show_refusal, refusals_show_on
from intentional.ratelimit import ratelimit_enforce

# Session key holding the token of the invitation link someone came through (social.adapters).
INVITATION_SESSION_KEY = "invitation_token"


# --- Rendering the three pages ----------------------------------------------------------------


def _people_page(request, *, find_form=None, status: int = 200):
    user = request.user
    find_form = find_form or FindPersonForm(request.GET or None)
    found = None
    searched = False
    if find_form.is_bound and find_form.is_valid() and find_form.cleaned_data["q"]:
        searched = True
        found = selectors.person_find(viewer=user, query=find_form.cleaned_data["q"])
        if found is not None:
            found = selectors.person_with_relationship(viewer=user, person=found)
    invitations = list(selectors.invitations_by(user=user)[:20])
    now = timezone.now()
    for invitation in invitations:
        invitation.url = services.invitation_url(invitation)
        invitation.expired = invitation.expires_at <= now
    context = {
        "find_form": find_form,
        "found": found,
        "searched": searched,
        "people": selectors.connections_with_labels(user=user),
        "incoming": [_requester_row(row) for row in selectors.requests_incoming(user=user)],
        "outgoing": [_recipient_row(row) for row in selectors.requests_outgoing(user=user)],
        "invitations": invitations,
        "blocks": selectors.blocks_by(user=user),
        "mutes": selectors.mutes_by(user=user),
    }
    return render(request, "connections/people.html", context, status=status)


def _requester_row(row: Connection) -> Connection:
    row.person = selectors.request_people(row)[0]
    return row


def _recipient_row(row: Connection) -> Connection:
    row.person = selectors.request_people(row)[1]
    return row


def _tags_page(request, *, create_form=None, failed_tag_id=None, failed_form=None, status=200):
    owner = request.user
    people = list(selectors.connected_people(user=owner))
    tags = list(selectors.tags_of(owner=owner))
    for tag in tags:
        tag.members = [membership.target for membership in tag.memberships.all()]
        member_ids = {member.pk for member in tag.members}
        auto_id = f"id_tag{tag.pk}_%s"
        tag.rename_form = TagNameForm(initial={"name": tag.name}, auto_id=auto_id)
        tag.rename_form.fields["name"].label = _("New name")
        tag.member_form = TagMemberForm(
            people=[person for person in people if person.pk not in member_ids], auto_id=auto_id
        )
        tag.show_member_form = bool(people)
        if tag.pk == failed_tag_id:
            setattr(tag, failed_form[0], failed_form[1])
            tag.show_member_form = True  # its error shows next to the field
    context = {
        "tags": tags,
        "create_form": create_form or TagNameForm(auto_id="id_new_tag_%s"),
        "has_people": bool(people),
    }
    return render(request, "connections/tags.html", context, status=status)


# --- Pages ------------------------------------------------------------------------------------


@login_required
@require_GET
def people(request):
    """Connections with their tags, requests in and out, find a person, invitations, blocks."""
    return _people_page(request)


@login_required
@require_GET
def tags(request):
    """The owner's private tags and their members."""
    return _tags_page(request)


@require_GET
def invitation(request, token: str):
    """An invitation link: remember it through sign-up, which connects the two."""
    usable = services.invitation_usable(token=token)
    if usable is None:
        return render(request, "connections/invitation_invalid.html", status=404)
    inviter = usable.inviter
    if request.user.is_authenticated:
        messages.info(
            request,
            _("You already have an account: send %(name)s a request instead.")
            % {"name": inviter.name},
        )
        if request.user.pk == inviter.pk:
            return redirect("connections:people")
        return redirect("social:profile", username=inviter.username)
    request.session[INVITATION_SESSION_KEY] = token
    messages.info(
        request,
        _("%(name)s invited you. Sign up and you'll be connected with them.")
        % {"name": inviter.name},
    )
    return redirect("account_signup")


# --- Actions ----------------------------------------------------------------------------------


def _from_profile(request, username: str) -> bool:
    return request.POST.get("back") == "profile" and bool(username)


def _back(request, username: str = ""):
    """Where an action returns to: the profile it came from, or /people/."""
    if _from_profile(request, username):
        return redirect("social:profile", username=username)
    return redirect(reverse("connections:people"))


def _refusals_show_on_page(request, username: str = "") -> None:
    """A refusal of this action answers 400 with the page it came from: the profile (while the
    caller may still see it), or /people/."""

    def page() -> str:
        if _from_profile(request, username):
            people = selectors.people_visible_to(request.user)
            person = people.filter(username__iexact=username.strip()).first()
            if person is not None:
                return reverse("social:profile", args=[person.username])
        return reverse("connections:people")

    refusals_show_on(request, page)


def _request_outcome(connection: Connection, username: str) -> str:
    if connection.status == Connection.Status.ACCEPTED:
        return _("@%(u)s had asked you too: you're now connected.") % {"u": username}
    return _("Request sent to @%(u)s.") % {"u": username}


def _action(name: str, doc: str, service, success, *, ratelimit: str = "", on_profile=True):
    """A POST action on a person (`username` in the URL) or a request (`pk`) that calls one
    service as the caller: success → `success` (a message with `%(u)s` for the username, or a
    function of the service's result and the username) and back where it came from; from the
    profile only when `on_profile`, else to /people/."""

    def action(request, pk: int | None = None, username: str = ""):
        if ratelimit:
            ratelimit_enforce(request, name=ratelimit)
        if pk is None:
            arguments = {"username": username}
        else:
            arguments = {"connection_id": pk}
            username = request.POST.get("username", "")
        back_to = username if on_profile else ""
        _refusals_show_on_page(request, back_to)
        result = service(user=request.user, **arguments)
        message = success(result, username) if callable(success) else success % {"u": username}
        messages.success(request, message)
        return _back(request, back_to)

    action.__name__ = action.__qualname__ = name
    action.__doc__ = doc
    return login_required(require_POST(action))


connect = _action(
    "connect",
    "Ask someone to connect (or accept their request, if they asked first).",
    services.connection_request,
    _request_outcome,
    ratelimit="connection_request",
)
request_accept = _action(
    "request_accept",
    "Accept a request sent to you.",
    services.connection_accept,
    gettext_lazy("Request accepted: you're connected."),
)
request_decline = _action(
    "request_decline",
    "Decline a request sent to you (they are not told).",
    services.connection_decline,
    gettext_lazy("Request declined."),
)
request_cancel = _action(
    "request_cancel",
    "Withdraw a request you sent.",
    services.connection_cancel,
    gettext_lazy("Request cancelled."),
)
remove = _action(
    "remove",
    "End a connection (your tags on them, and theirs on you, go too).",
    services.connection_remove,
    gettext_lazy("You're no longer connected with @%(u)s."),
)
# Blocking lands on /people/ (their profile is gone for you now), where it can be lifted.
block = _action(
    "block",
    "Block someone: you see nothing of each other and cannot connect.",
    services.block_create,
    gettext_lazy("You blocked @%(u)s."),
    on_profile=False,
)
unblock = _action(
    "unblock",
    "Lift a block you made.",
    services.block_remove,
    gettext_lazy("You unblocked @%(u)s."),
    on_profile=False,
)


# Muting stays on the profile it came from: the person is still there, only quieter.
unmute = _action(
    "unmute",
    "Unmute someone: their posts come back to the feed and digest at once.",
    services.mute_remove,
    gettext_lazy("You unmuted @%(u)s."),
)

# The two durations the profile offers (SPEC §8).
MUTE_DAYS = 30


@login_required
@require_POST
def mute(request, username: str):
    """Quietly mute someone, for 30 days (`for=30d`) or until unmuted; they are not told."""
    _refusals_show_on_page(request, username)
    until = None
    if request.POST.get("for") == "30d":
        until = timezone.now() + timedelta(days=MUTE_DAYS)
    services.mute_create(user=request.user, username=username, until=until)
    if until is None:
        message = _("You muted @%(u)s until you unmute them. They are not told.")
    else:
        message = _("You muted @%(u)s for 30 days. They are not told.")
    messages.success(request, message % {"u": username})
    return _back(request, username)


@login_required
@require_POST
def invitation_create(request):
    """A new invitation link, shown on /people/ to copy."""
    ratelimit_enforce(request, name="invitation")
    services.invitation_create(user=request.user)
    messages.success(request, _("Here is a new invitation link: copy it and send it."))
    return redirect(reverse("connections:people") + "#invitations")


@login_required
@require_POST
def tag_create(request):
    """Create a tag."""
    form = TagNameForm(request.POST, auto_id="id_new_tag_%s")
    if form.is_valid():
        try:
            tag = services.tag_create(owner=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form_show_refusal(form, error)
        else:
            messages.success(request, _("Tag “%(name)s” created.") % {"name": tag.name})
            return redirect("connections:tags")
    return _tags_page(request, create_form=form, status=400)


@login_required
@require_POST
def tag_rename(request, pk: int):
    """Rename one of your tags."""
    form = TagNameForm(request.POST, auto_id=f"id_tag{pk}_%s")
    form.fields["name"].label = _("New name")
    if form.is_valid():
        try:
            tag = services.tag_rename(owner=request.user, tag_id=pk, name=form.cleaned_data["name"])
        except ValidationError as error:
            form_show_refusal(form, error)
        else:
            messages.success(request, _("Tag renamed to “%(name)s”.") % {"name": tag.name})
            return redirect("connections:tags")
    return _tags_page(request, failed_tag_id=pk, failed_form=("rename_form", form), status=400)


@login_required
@require_POST
def tag_delete(request, pk: int):
    """Delete one of your tags (posts shared with it no longer reach its members)."""
    services.tag_delete(owner=request.user, tag_id=pk)
    messages.success(request, _("Tag deleted."))
    return redirect("connections:tags")


def _labelled(request, message: str, username: str):
    """After a label change: back to the profile it came from, or to /tags/."""
    messages.success(request, message % {"u": username})
    if request.POST.get("back") == "profile":
        return redirect("social:profile", username=username)
    return redirect("connections:tags")


@login_required
@require_POST
def tag_member_add(request, pk: int):
    """Label one of your connections (from /tags/, where a refusal shows next to the field,
    or from their profile)."""
    username = request.POST.get("username", "")
    _refusals_show_on_page(request, username)
    # "true" / "false" from the tags page's question; absent (the profile's buttons): the
    # default, earlier posts included.
    earlier = {"true": True, "false": False}.get(request.POST.get("include_earlier_posts", ""))
    try:
        services.tag_member_add(
            owner=request.user, tag_id=pk, username=username, include_earlier_posts=earlier
        )
    except ValidationError as error:
        if request.POST.get("back") == "profile":
            raise
        form = TagMemberForm(request.POST, auto_id=f"id_tag{pk}_%s")
        form.is_valid()
        form.add_error("username", error)
        return _tags_page(request, failed_tag_id=pk, failed_form=("member_form", form), status=400)
    return _labelled(request, _("Label added to @%(u)s."), username)


@login_required
@require_POST
def tag_member_remove(request, pk: int, username: str):
    """Take a label off one of your connections."""
    _refusals_show_on_page(request, username)
    services.tag_member_remove(owner=request.user, tag_id=pk, username=username)
    return _labelled(request, _("Label removed from @%(u)s."), username)
