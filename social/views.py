"""Pages of the social app."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from social import services
from social.forms import ProfileForm
from social.models import User
from social.selectors import profile_details_visible


def home(request):
    """The landing page, or the feed for someone signed in."""
    if request.user.is_authenticated:
        return redirect("social:feed")
    return render(request, "social/landing.html")


@login_required
def feed(request):
    """The chronological feed."""
    return render(request, "social/feed.html")


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    """Profile, avatar, time zone and digest email."""
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=User.objects.get(pk=user.pk))
        if form.is_valid():
            try:
                with transaction.atomic():
                    services.user_update_profile(
                        user=user,
                        **{name: form.cleaned_data[name] for name in ProfileForm.Meta.fields},
                    )
                    if form.cleaned_data["remove_avatar"]:
                        services.user_remove_avatar(user=user)
                    elif form.cleaned_data["avatar"]:
                        services.user_set_avatar(user=user, upload=form.cleaned_data["avatar"])
            except ValidationError as error:
                form.add_error("avatar", error)
            else:
                messages.success(request, _("Your settings are saved."))
                return redirect("social:settings")
    else:
        form = ProfileForm(instance=user)
    return render(request, "social/settings.html", {"form": form})


def avatar(request, username: str):
    """A person's avatar, for those who may see it (connections and self); 404 for others."""
    user = get_object_or_404(User, username__iexact=username, is_active=True)
    if not user.avatar_key or not profile_details_visible(viewer=request.user, user=user):
        raise Http404
    if hasattr(default_storage, "bucket_name"):
        return redirect(default_storage.url(user.avatar_key))
    try:
        handle = default_storage.open(user.avatar_key, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=_content_type(user.avatar_key))
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _content_type(key: str) -> str:
    return "image/png" if key.endswith(".png") else "image/jpeg"
