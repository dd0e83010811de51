"""Pages of the social app."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken

from connections import selectors as connections_selectors
from intentional.errors import form_show_refusal
from intentional.languages import activate_person_language
from intentional.metrics import FEED_SECONDS, STORAGE_SECONDS
from intentional.ratelimit import ratelimit_enforce
from social import exports, selectors, services
from social.forms import (
    AccountDeleteForm,
    CommentForm,
    NotificationChoicesForm,
    PhotoAltsForm,
    PostForm,
    ProfileForm,
    SearchForm,
)
from social.models import User
from social.selectors import profile_details_visible
from social.storage import (
    VARIANTS,
    photo_etag,
    photo_link_viewer_id,
    photo_url,
    storage_is_remote,
)
from social.tokens import NOTIFICATIONS_SALT, person_from_token


def home(request):
    """The landing page, or the feed for someone signed in."""
    if request.user.is_authenticated:
        return redirect("social:feed")
    return render(request, "social/landing.html")


@login_required
@require_http_methods(["GET"])
def feed(request):
    """The chronological feed with the compose box."""
    return _render_feed(request, PostForm(user=request.user))


def _render_feed(request, form: PostForm, status: int = 200, preview=None):
    with FEED_SECONDS.time():
        page = selectors.feed_for(viewer=request.user, cursor=_cursor(request))
        response = render(
            request,
            "social/feed.html",
            {
                "form": form,
                "preview": preview,
                "posts": page.items,
                "next_cursor_url": _next_cursor_url(request, page.next_cursor),
                "is_first_page": not request.GET.get("cursor"),
            },
            status=status,
        )
    return response


def _cursor(request) -> str | None:
    """The page's cursor; a malformed one is a ValidationError (the 400 page), not an empty
    page."""
    cursor = request.GET.get("cursor") or None
    if cursor:
        selectors.cursor_decode(cursor)
    return cursor


def _next_cursor_url(request, cursor: str | None) -> str:
    if cursor is None:
        return ""
    params = request.GET.copy()
    params["cursor"] = cursor
    return f"{request.path}?{params.urlencode()}"


def profile_timeline_context(request, author: User) -> dict:
    """Context of templates/social/_timeline.html for `author`'s profile page."""
    page = selectors.profile_posts_for(viewer=request.user, author=author, cursor=_cursor(request))
    return {"posts": page.items, "next_cursor_url": _next_cursor_url(request, page.next_cursor)}


@login_required
@require_GET
def profile(request, username: str):
    """A person's profile: bio and avatar for connections and self, the actions that fit, the
    viewer's own tags on them, and their posts the viewer may see; 404 across a block."""
    viewer = request.user
    person = selectors.profile_person(viewer=viewer, username=username)
    connected = person.relationship == connections_selectors.CONNECTED
    tags = (
        list(connections_selectors.tags_owned_marking(owner=viewer, target=person))
        if connected
        else []
    )
    context = {
        "person": person,
        "details_visible": person.details_visible,
        "labels": [tag for tag in tags if tag.labels_target],
        "other_tags": [tag for tag in tags if not tag.labels_target],
        "has_tags": bool(tags),
        **profile_timeline_context(request, person),
    }
    return render(request, "social/profile.html", context)


@login_required
@require_GET
def search(request):
    """Search (SPEC §9): posts you can see and your connections; the box stays on the page
    with its error next to it (400) when the text is too short or too long."""
    if "q" not in request.GET:
        return render(request, "social/search.html", {"form": SearchForm()})
    form = SearchForm(request.GET)
    if not form.is_valid():
        return render(request, "social/search.html", {"form": form}, status=400)
    found = selectors.search_for(
        viewer=request.user,
        query=form.cleaned_data["q"],
        cursor=request.GET.get("cursor") or None,
    )
    context = {
        "form": form,
        "query": form.cleaned_data["q"],
        "posts": found.posts,
        "people": found.people,
        "is_first_page": not request.GET.get("cursor"),
        "next_cursor_url": _next_cursor_url(request, found.next_cursor),
    }
    return render(request, "social/search.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def post_new(request):
    """Compose a post (the feed's box posts here)."""
    if request.method == "GET":
        return render(request, "social/post_new.html", {"form": PostForm(user=request.user)})
    form = PostForm(request.POST, request.FILES, user=request.user)
    if "preview" in request.POST:  # the "Preview" button (without JavaScript): nothing is saved
        preview = _audience_preview(request, form)
        return _render_feed(request, form, status=200 if preview else 400, preview=preview)
    ratelimit_enforce(request, name="post")
    status = 400
    if form.is_valid():
        try:
            post = services.post_create(author=request.user, **form.service_arguments())
        except ValidationError as error:
            status = form_show_refusal(form, error)
        except services.StorageUnavailable as error:
            form.add_error("photos", str(error))
            status = 503
        else:
            messages.success(request, _("Posted."))
            _remind_alt_text(request, post)
            return redirect(post)
    return _render_feed(request, form, status=status)


def _remind_alt_text(request, post) -> None:
    """A gentle reminder (never a refusal) when photos of a new post have no description."""
    alts = list(post.photos.order_by("position").values_list("alt", flat=True))
    missing = [number for number, alt in enumerate(alts, start=1) if not alt]
    if not missing:
        return
    if len(alts) == 1:
        text = _("Your photo has no description yet.")
    else:
        # Translators: between the numbers of photos: "Photos 1, 3 have no description yet."
        numbers = pgettext("list of numbers", ", ").join(str(number) for number in missing)
        text = ngettext(
            "Photo %(numbers)s has no description yet.",
            "Photos %(numbers)s have no description yet.",
            len(missing),
        ) % {"numbers": numbers}
    messages.info(
        request,
        text
        + " "
        + _("Add one with Edit, so that people who use a screen reader know what it shows."),
    )


@login_required
@require_http_methods(["GET"])
def post_detail(request, pk: int):
    """A post with its photos and comments (404 if you may not see it)."""
    post = selectors.post_for(viewer=request.user, post_id=pk, with_comments=True)
    return _render_post(request, post, CommentForm())


def _render_post(request, post, comment_form, status: int = 200):
    is_author = post.author_id == request.user.pk
    context = {
        "post": post,
        "comments": post.visible_comments,
        "comment_form": comment_form,
        "is_author": is_author,
        "audience": selectors.post_audience(post=post) if is_author else None,
    }
    return render(request, "social/post_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request, pk: int):
    """The author edits body, audience, tags and the milestone flag, and each photo's alt
    text."""
    post = selectors.post_owned_by(user=request.user, post_id=pk)
    photos = post.photos.all()
    status = 200
    preview = None
    if request.method == "POST" and "preview" in request.POST:
        form = PostForm(request.POST, user=request.user, with_photos=False)
        alts_form = PhotoAltsForm(request.POST, photos=photos)  # what was typed stays
        preview = _audience_preview(request, form, post_id=post.pk)
        status = 200 if preview else 400
    elif request.method == "POST":
        form = PostForm(request.POST, user=request.user, with_photos=False)
        alts_form = PhotoAltsForm(request.POST, photos=photos)
        status = 400
        if form.is_valid() and alts_form.is_valid():
            try:
                services.post_update(
                    user=request.user,
                    post_id=post.pk,
                    **form.service_arguments(),
                    **alts_form.service_arguments(),
                )
            except ValidationError as error:
                status = form_show_refusal(form, error)
            else:
                messages.success(request, _("Your post is updated."))
                return redirect(post)
    else:
        form = PostForm(
            user=request.user,
            with_photos=False,
            initial={
                "body": post.body,
                "audience": post.audience,
                "audience_tags": list(post.audience_tags.all()),
                "is_milestone": post.is_milestone,
            },
        )
        alts_form = PhotoAltsForm(photos=photos)
    context = {"form": form, "alts_form": alts_form, "post": post, "preview": preview}
    return render(request, "social/post_edit.html", context, status=status)


def _audience_preview(request, form: PostForm, post_id: int | None = None):
    """Who would see the post as the form sets its audience (SPEC §10); None when the form's
    audience is not valid (its errors show next to the fields)."""
    if not form.is_valid():
        return None
    return selectors.audience_preview(
        author=request.user,
        audience=form.cleaned_data["audience"],
        audience_tags=[tag.pk for tag in form.cleaned_data["audience_tags"]],
        post_id=post_id,
    )


@login_required
@require_POST
def post_delete(request, pk: int):
    """The author deletes the post (its photos go with it)."""
    services.post_delete(user=request.user, post_id=pk)
    messages.success(request, _("Your post is deleted."))
    return redirect("social:feed")


@login_required
@require_POST
def comment_create(request, pk: int):
    """Comment on a post you can see."""
    ratelimit_enforce(request, name="comment")
    form = CommentForm(request.POST)
    form.is_valid()
    try:
        comment = services.comment_create(
            author=request.user, post_id=pk, body=form.cleaned_data.get("body", "")
        )
    except ValidationError as error:
        status = form_show_refusal(form, error)
        post = selectors.post_for(viewer=request.user, post_id=pk, with_comments=True)
        return _render_post(request, post, form, status=status)
    messages.success(request, _("Comment added."))
    return redirect(f"{comment.post.get_absolute_url()}#comment-{comment.pk}")


@login_required
@require_POST
def comment_delete(request, pk: int):
    """The comment's author or the post's author deletes a comment."""
    comment = selectors.comment_visible(viewer=request.user, comment_id=pk)
    services.comment_delete(user=request.user, comment_id=comment.pk)
    messages.success(request, _("Comment deleted."))
    return redirect(f"{reverse('social:post', args=[comment.post_id])}#comments")


@require_http_methods(["GET", "HEAD"])
def photo(request, pk: int, variant: str):
    """A photo of a post you can see (404 otherwise, exactly like a missing one)."""
    if variant not in VARIANTS:
        raise Http404
    viewer = _session_or_bearer_user(request)
    if "t" in request.GET:  # a link from an email, made for one person
        linked_id = photo_link_viewer_id(request.GET["t"], photo_id=pk)
        if linked_id is None:
            raise Http404
        viewer = get_object_or_404(User, pk=linked_id, is_active=True)
    item = selectors.photo_for(viewer=viewer, photo_id=pk)
    if storage_is_remote():
        return redirect(photo_url(item, variant))
    key = item.display_key if variant == "display" else item.thumbnail_key
    # Revalidation is answered only here, after visible_to: never a 304 for a hidden photo.
    etag = photo_etag(key)
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponseNotModified()
    else:
        try:
            with STORAGE_SECONDS.labels(operation="open").time():
                handle = default_storage.open(key, "rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, content_type=_content_type(key))
    response["ETag"] = etag
    # Private: a shared cache must never hand one person's photo to another.
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    """Profile, avatar, time zone and digest email."""
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, instance=User.objects.get(pk=user.pk))
        if form.is_valid():
            try:
                services.user_settings_save(
                    user=user,
                    avatar=form.cleaned_data["avatar"],
                    remove_avatar=form.cleaned_data.get("remove_avatar", False),
                    **{name: form.cleaned_data[name] for name in ProfileForm.Meta.fields},
                )
            except ValidationError as error:
                form_show_refusal(form, error)  # the page answers 200 with the form, as before
            else:
                activate_person_language(request, user)  # said in the language just chosen
                messages.success(request, _("Your settings are saved."))
                return redirect("social:settings")
    else:
        form = ProfileForm(instance=user)
    return _render_settings(request, form=form)


@login_required
@require_POST
def notification_settings(request):
    """/settings/'s notification choices: instant, weekly or off for each kind."""
    form = NotificationChoicesForm(request.POST, user=request.user)
    if not form.is_valid():
        return _render_settings(request, choices_form=form, status=400)
    services.notification_choices_update(user=request.user, choices=form.cleaned_data)
    messages.success(request, _("Your notification choices are saved."))
    return redirect(f"{reverse('social:settings')}#notification-choices")


def _render_settings(request, *, form=None, delete_form=None, choices_form=None, status: int = 200):
    context = {
        "form": form or ProfileForm(instance=request.user),
        "choices_form": choices_form or NotificationChoicesForm(user=request.user),
        "delete_form": delete_form or AccountDeleteForm(user=request.user),
        "exports": exports.exports_available(user=request.user),
        "security": selectors.account_security_for(user=request.user),
    }
    return render(request, "social/settings.html", context, status=status)


@login_required
@require_POST
def data_export(request):
    """Everything you own as a zip: at once, or built in the background for large accounts."""
    user = request.user
    ratelimit_enforce(request, name="export")
    if exports.export_is_large(user=user):
        export = exports.export_request(user=user)
        if export.status == export.Status.READY:
            messages.success(request, _("Your export is ready: download it below."))
        else:
            messages.success(
                request,
                _("Your export is being prepared. We'll email you a link; it is also listed here."),
            )
        return redirect(f"{reverse('social:settings')}#your-data")
    return FileResponse(
        exports.export_temporary_file(user=user),
        as_attachment=True,
        filename=exports.export_filename(user),
        content_type="application/zip",
    )


@login_required
@require_http_methods(["GET"])
def data_export_download(request, pk: int):
    """A background export, for the person it belongs to (404 for anyone else)."""
    export = exports.export_ready_for(user=request.user, export_id=pk)
    if export is None:
        raise Http404
    try:
        handle = default_storage.open(export.file_key, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=exports.export_filename(request.user),
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def account_delete(request):
    """Delete your account and everything in it, after confirming your password."""
    user = request.user
    ratelimit_enforce(request, name="login", account=user)
    form = AccountDeleteForm(request.POST, user=user)
    if not form.is_valid():
        return _render_settings(request, delete_form=form, status=400)
    services.user_delete(user=user)
    logout(request)
    messages.success(request, _("Your account and everything in it are deleted. Goodbye."))
    return redirect("social:home")


@require_http_methods(["GET", "HEAD"])
def avatar(request, username: str):
    """A person's avatar, for those who may see it (connections and self); 404 for others.
    Like photos, it answers the session or an API client's bearer token (the API's
    `avatar_url`)."""
    user = get_object_or_404(User, username__iexact=username, is_active=True)
    viewer = _session_or_bearer_user(request)
    if not user.avatar_key or not profile_details_visible(viewer=viewer, user=user):
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


def _session_or_bearer_user(request):
    """The signed-in user: the browser session, or an API client's `Authorization: Bearer`."""
    if request.user.is_authenticated or "Authorization" not in request.headers:
        return request.user
    try:
        authenticated = JWTAuthentication().authenticate(request)
    except (AuthenticationFailed, InvalidToken):
        return request.user
    return authenticated[0] if authenticated else request.user


def _content_type(key: str) -> str:
    return "image/png" if key.endswith(".png") else "image/jpeg"


# --- Notifications (SPEC §8) --------------------------------------------------------------------


@login_required
@require_GET
def notifications(request):
    """Your notifications, newest first, grouped by day (in your time zone), keyset pages."""
    page = selectors.notifications_for(viewer=request.user, cursor=_cursor(request))
    days: list[dict] = []
    for item in page.items:
        day = timezone.localtime(item.created_at).date()
        if not days or days[-1]["day"] != day:
            days.append({"day": day, "items": []})
        days[-1]["items"].append(item)
    context = {
        "days": days,
        "has_items": bool(page.items),
        "next_cursor_url": _next_cursor_url(request, page.next_cursor),
        "is_first_page": not request.GET.get("cursor"),
    }
    return render(request, "social/notifications.html", context)


@login_required
@require_GET
def notification_open(request, pk: int):
    """Open one notification: marked read, then on to what it is about (404 if it is gone or
    hidden from you now)."""
    item = selectors.notification_for(viewer=request.user, notification_id=pk)
    services.notifications_mark_read(user=request.user, ids=[item.pk])
    return redirect(item.url)


@login_required
@require_POST
def notifications_read(request):
    """Mark all your notifications read."""
    services.notifications_mark_read(user=request.user)
    messages.success(request, _("All notifications are marked read."))
    return redirect("social:notifications")


# Mail clients POST here without a session or CSRF token (RFC 8058 one-click); the signed
# token is the authorisation, and all it can do is turn instant notification emails off.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def notifications_unsubscribe(request, token: str):
    """GET: a confirmation page; POST: turn instant notification emails off. No login."""
    target = person_from_token(token, salt=NOTIFICATIONS_SALT)
    template = "social/notifications_unsubscribe.html"
    if target is None:
        return render(request, template, {"state": "invalid"}, status=400)
    if request.method == "POST":
        services.notification_emails_unsubscribe(user=target)
        return render(request, template, {"state": "done", "target": target})
    return render(request, template, {"state": "confirm", "target": target})
