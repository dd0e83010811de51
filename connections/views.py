"""Pages of the social graph: /people/, /people/<username>/, /tags/ and invitation links.

Every action is a POST form (CSRF, no JavaScript needed) that calls one service. Success lands
back on the page it came from with a message; a refusal answers 400 with the page and the
service's message; something that is not the caller's answers 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from connections import selectors, services
from connections.forms import FindPersonForm, TagMemberForm, TagNameForm
from connections.models import Connection
from intentional.ratelimit import ratelimit_enforce
from social.selectors import profile_details_visible
from social.views import profile_timeline_context

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
            found = _with_relationship(user, found)
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
    }
    return render(request, "connections/people.html", context, status=status)


def _requester_row(row: Connection) -> Connection:
    row.person = selectors.request_people(row)[0]
    return row


def _recipient_row(row: Connection) -> Connection:
    row.person = selectors.request_people(row)[1]
    return row


def _with_relationship(viewer, person):
    """Attach what the action buttons need: `.relationship` and the pending row, if any."""
    person.relationship = selectors.relationship(viewer=viewer, user=person)
    person.pending = (
        selectors.pending_request_between(viewer=viewer, user=person)
        if person.relationship in (selectors.PENDING_INCOMING, selectors.PENDING_OUTGOING)
        else None
    )
    return person


def _profile_page(request, person, *, member_form=None, status: int = 200):
    viewer = request.user
    person = _with_relationship(viewer, person)
    connected = person.relationship == selectors.CONNECTED
    labels = list(selectors.labels_on(owner=viewer, target=person)) if connected else []
    label_ids = {tag.pk for tag in labels}
    own_tags = list(selectors.tags_owned(owner=viewer)) if connected else []
    other_tags = [tag for tag in own_tags if tag.pk not in label_ids]
    context = {
        "person": person,
        "details_visible": profile_details_visible(viewer=viewer, user=person),
        "labels": labels,
        "other_tags": other_tags,
        "has_tags": bool(own_tags),
        # The posts of theirs the viewer may see (social's timeline, through visible_to).
        **profile_timeline_context(request, person),
    }
    return render(request, "connections/profile.html", context, status=status)


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
def profile(request, username: str):
    """A person's profile with the actions that fit; 404 across a block."""
    return _profile_page(request, _person_or_404(request.user, username))


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
        return redirect("connections:profile", username=inviter.username)
    request.session[INVITATION_SESSION_KEY] = token
    messages.info(
        request,
        _("%(name)s invited you. Sign up and you'll be connected with them.")
        % {"name": inviter.name},
    )
    return redirect("account_signup")


# --- Actions ----------------------------------------------------------------------------------


def _person_or_404(viewer, username: str):
    try:
        return selectors.person_for(viewer=viewer, username=username)
    except ObjectDoesNotExist:
        raise Http404 from None


def _back(request, username: str = ""):
    """Where an action returns to: the profile it came from, or /people/."""
    if request.POST.get("back") == "profile" and username:
        return redirect("connections:profile", username=username)
    return redirect(reverse("connections:people"))


def _refused(request, error: ValidationError, username: str = ""):
    """Answer a refused action with 400: the page it came from, showing why."""
    for message in error.messages:
        messages.error(request, message)
    if request.POST.get("back") == "profile" and username:
        try:
            person = selectors.person_for(viewer=request.user, username=username)
        except ObjectDoesNotExist:
            pass
        else:
            return _profile_page(request, person, status=400)
    return _people_page(request, find_form=FindPersonForm(), status=400)


def _run(request, action, *, success, username: str = ""):
    """Call a service; success → message (a string, or made from the service's result) and
    back; refusal → 400 with the page; not the caller's → 404."""
    try:
        result = action()
    except ValidationError as error:
        return _refused(request, error, username)
    except ObjectDoesNotExist:
        raise Http404 from None
    messages.success(request, success(result) if callable(success) else success)
    return _back(request, username)


def _request_outcome(connection: Connection, username: str) -> str:
    if connection.status == Connection.Status.ACCEPTED:
        return _("@%(u)s had asked you too: you're now connected.") % {"u": username}
    return _("Request sent to @%(u)s.") % {"u": username}


@login_required
@require_POST
def connect(request, username: str):
    """Ask someone to connect (or accept their request, if they asked first)."""
    ratelimit_enforce(request, name="connection_request")
    return _run(
        request,
        lambda: services.connection_request(user=request.user, username=username),
        success=lambda connection: _request_outcome(connection, username),
        username=username,
    )


@login_required
@require_POST
def request_accept(request, pk: int):
    """Accept a request sent to you."""
    return _run(
        request,
        lambda: services.connection_accept(user=request.user, connection_id=pk),
        success=_("Request accepted: you're connected."),
        username=request.POST.get("username", ""),
    )


@login_required
@require_POST
def request_decline(request, pk: int):
    """Decline a request sent to you (they are not told)."""
    return _run(
        request,
        lambda: services.connection_decline(user=request.user, connection_id=pk),
        success=_("Request declined."),
        username=request.POST.get("username", ""),
    )


@login_required
@require_POST
def request_cancel(request, pk: int):
    """Withdraw a request you sent."""
    return _run(
        request,
        lambda: services.connection_cancel(user=request.user, connection_id=pk),
        success=_("Request cancelled."),
        username=request.POST.get("username", ""),
    )


@login_required
@require_POST
def remove(request, username: str):
    """End a connection (your tags on them, and theirs on you, go too)."""
    return _run(
        request,
        lambda: services.connection_remove(user=request.user, username=username),
        success=_("You're no longer connected with @%(u)s.") % {"u": username},
        username=username,
    )


@login_required
@require_POST
def block(request, username: str):
    """Block someone: you see nothing of each other and cannot connect."""
    response = _run(
        request,
        lambda: services.block_create(user=request.user, username=username),
        success=_("You blocked @%(u)s.") % {"u": username},
    )
    # Their profile is gone for you now: land on /people/, where the block can be lifted.
    return redirect("connections:people") if response.status_code == 302 else response


@login_required
@require_POST
def unblock(request, username: str):
    """Lift a block you made."""
    return _run(
        request,
        lambda: services.block_remove(user=request.user, username=username),
        success=_("You unblocked @%(u)s.") % {"u": username},
    )


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
            form.add_error("name", error)
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
        except ObjectDoesNotExist:
            raise Http404 from None
        except ValidationError as error:
            form.add_error("name", error)
        else:
            messages.success(request, _("Tag renamed to “%(name)s”.") % {"name": tag.name})
            return redirect("connections:tags")
    return _tags_page(request, failed_tag_id=pk, failed_form=("rename_form", form), status=400)


@login_required
@require_POST
def tag_delete(request, pk: int):
    """Delete one of your tags (posts shared with it no longer reach its members)."""
    try:
        services.tag_delete(owner=request.user, tag_id=pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    messages.success(request, _("Tag deleted."))
    return redirect("connections:tags")


@login_required
@require_POST
def tag_member_add(request, pk: int):
    """Label one of your connections."""
    username = request.POST.get("username", "")
    try:
        services.tag_member_add(owner=request.user, tag_id=pk, username=username)
    except ObjectDoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        if request.POST.get("back") == "profile":
            return _refused(request, error, username)
        form = TagMemberForm(request.POST, auto_id=f"id_tag{pk}_%s")
        form.is_valid()
        form.add_error("username", error)
        return _tags_page(request, failed_tag_id=pk, failed_form=("member_form", form), status=400)
    messages.success(request, _("Label added to @%(u)s.") % {"u": username})
    if request.POST.get("back") == "profile":
        return redirect("connections:profile", username=username)
    return redirect("connections:tags")


@login_required
@require_POST
def tag_member_remove(request, pk: int, username: str):
    """Take a label off one of your connections."""
    try:
        services.tag_member_remove(owner=request.user, tag_id=pk, username=username)
    except ObjectDoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        return _refused(request, error, username)
    messages.success(request, _("Label removed from @%(u)s.") % {"u": username})
    if request.POST.get("back") == "profile":
        return redirect("connections:profile", username=username)
    return redirect("connections:tags")
