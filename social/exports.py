"""People own their data (SPEC §7): everything a person owns, as JSON plus their photo files in a
zip. Small accounts download it at once; large ones get it built by a Celery task.

What is "theirs": their profile, email addresses, two-factor methods (never their secrets),
posts (with audience and tags) and photo files, their comments anywhere, the comments of others
on their posts that they can see (`CommentQuerySet.visible_to`), connections and requests, blocks
and mutes they made, their notifications (as they may see them now) and email choices, tags and
members, invitations, digests (only the entries they can still see) and their avatar. Apps built
on top of `social` (digest) add their section through an AppConfig method `user_export(user)`,
so dependencies keep running one way.
"""

import json
import logging
import secrets
import shutil
import tempfile
import zipfile
from datetime import timedelta
from typing import IO

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from connections.models import Block, Connection, Invitation, Mute, Tag
from intentional.languages import recipient_language
from social.models import Comment, DataExport, Photo, Post, User
from social.selectors import notifications_export

logger = logging.getLogger(__name__)

FORMAT = "intentional-export/1"


def _when(value):
    return value.isoformat() if value else None


def _extension(key: str) -> str:
    return key.rsplit(".", 1)[-1] if "." in key else "bin"


def _photo_name(photo: Photo) -> str:
    return f"photos/post-{photo.post_id}-{photo.position + 1}.{_extension(photo.display_key)}"


def _avatar_name(user: User) -> str:
    return f"avatar.{_extension(user.avatar_key)}"


def export_posts(*, user: User):
    """The person's own posts, oldest first, with tags, photos and the comments they can see."""
    return (
        Post.objects.visible_to(user)
        .filter(author=user)
        .order_by("created_at", "id")
        .prefetch_related(
            "audience_tags",
            "photos",
            Prefetch(
                "comments",
                queryset=Comment.objects.visible_to(user).select_related("author").oldest_first(),
                to_attr="visible_comments",
            ),
        )
    )


def _authenticators(user: User) -> list[dict]:
    """Their two-factor methods (SPEC §11): what each is and when it was added and last used,
    never what it holds (a TOTP secret, the recovery codes' seed, a passkey's credential)."""
    entries = []
    for authenticator in Authenticator.objects.filter(user=user).order_by("created_at", "pk"):
        entry = {
            "type": authenticator.type,
            "created_at": _when(authenticator.created_at),
            "last_used_at": _when(authenticator.last_used_at),
        }
        if authenticator.type == Authenticator.Type.WEBAUTHN:
            passkey = authenticator.wrap()
            entry["name"] = passkey.name
            entry["passwordless"] = passkey.is_passwordless
        elif authenticator.type == Authenticator.Type.RECOVERY_CODES:
            entry["unused_codes"] = len(authenticator.wrap().get_unused_codes())
        entries.append(entry)
    return entries


def export_data(*, user: User) -> dict:
    """Everything `user` owns, as JSON-ready data (file names refer to entries of the zip)."""
    user = User.objects.get(pk=user.pk)
    posts = []
    for post in export_posts(user=user):
        posts.append(
            {
                "id": post.pk,
                "body": post.body,
                "audience": post.audience,
                "audience_tags": sorted(tag.name for tag in post.audience_tags.all()),
                "is_milestone": post.is_milestone,
                "importance": post.importance,
                "created_at": _when(post.created_at),
                "edited_at": _when(post.edited_at),
                "photos": [
                    {
                        "file": _photo_name(photo),
                        "width": photo.width,
                        "height": photo.height,
                        "alt": photo.alt,
                    }
                    for photo in post.photos.all()
                ],
                "comments": [
                    {
                        "id": comment.pk,
                        "author": comment.author.username,
                        "body": comment.body,
                        "created_at": _when(comment.created_at),
                    }
                    for comment in post.visible_comments
                ],
            }
        )
    # Their own words, wherever they wrote them; only the post's id, never its content.
    own_comments = Comment.objects.filter(author=user)  # audience-ok: their own comments
    own_comments = own_comments.order_by("created_at", "id")
    connections = (
        Connection.objects.of(user).select_related("user_a", "user_b").order_by("created_at")
    )
    data = {
        "format": FORMAT,
        "exported_at": _when(timezone.now()),
        "profile": {
            "id": user.pk,
            "username": user.username,
            "email": user.email,
            "display_name": user.display_name,
            "bio": user.bio,
            "timezone": user.timezone,
            "language": user.language,
            "digest_email_enabled": user.digest_email_enabled,
            "memories_enabled": user.memories_enabled,
            "notification_emails": user.email_choices(),
            "date_joined": _when(user.date_joined),
            "avatar": _avatar_name(user) if user.avatar_key else None,
        },
        "email_addresses": [
            {"email": address.email, "primary": address.primary, "verified": address.verified}
            for address in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        "linked_accounts": [
            {
                "provider": account.provider,
                "uid": account.uid,
                "date_joined": _when(account.date_joined),
                "last_login": _when(account.last_login),
            }
            for account in SocialAccount.objects.filter(user=user).order_by("provider")
        ],
        "authenticators": _authenticators(user),
        "posts": posts,
        "comments": [
            {
                "id": comment.pk,
                "post": comment.post_id,
                "body": comment.body,
                "created_at": _when(comment.created_at),
            }
            for comment in own_comments
        ],
        "connections": [
            {
                "username": (
                    connection.user_b if connection.user_a_id == user.pk else connection.user_a
                ).username,
                "status": connection.status,
                "requested_by_me": connection.requested_by_id == user.pk,
                "created_at": _when(connection.created_at),
                "accepted_at": _when(connection.accepted_at),
            }
            for connection in connections
        ],
        "blocks": [
            {"username": block.blocked.username, "created_at": _when(block.created_at)}
            for block in Block.objects.filter(blocker=user).select_related("blocked")
        ],
        "mutes": [
            {
                "username": mute.muted.username,
                "until": _when(mute.until),
                "created_at": _when(mute.created_at),
            }
            for mute in Mute.objects.filter(muter=user).select_related("muted").order_by("pk")
        ],
        # As they may see them now: nothing about what has since been hidden from them.
        "notifications": notifications_export(user=user),
        "tags": [
            {
                "name": tag.name,
                "created_at": _when(tag.created_at),
                "members": sorted(member.target.username for member in tag.memberships.all()),
            }
            for tag in Tag.objects.owned_by(user)
            .order_by("name")
            .prefetch_related("memberships__target")
        ],
        "invitations": [
            {
                "token": invitation.token,
                "created_at": _when(invitation.created_at),
                "expires_at": _when(invitation.expires_at),
                "used_by": invitation.used_by.username if invitation.used_by else None,
                "used_at": _when(invitation.used_at),
            }
            for invitation in Invitation.objects.filter(inviter=user)
            .select_related("used_by")
            .order_by("created_at")
        ],
    }
    for config in apps.get_app_configs():
        section = getattr(config, "user_export", None)
        if section is not None:
            data.update(section(user))
    return data


def export_files(*, user: User) -> list[tuple[str, str]]:
    """(name in the zip, storage key) of every file the person owns."""
    files = [(_avatar_name(user), user.avatar_key)] if user.avatar_key else []
    photos = Photo.objects.visible_to(user).filter(post__author=user).order_by("post", "position")
    files += [(_photo_name(photo), photo.display_key) for photo in photos]
    return files


def export_is_large(*, user: User) -> bool:
    """Whether the export is built in the background (more photos than EXPORT_SYNC_MAX_PHOTOS)."""
    count = Photo.objects.visible_to(user).filter(post__author=user).count()
    return count > settings.EXPORT_SYNC_MAX_PHOTOS


def export_write(*, user: User, target: IO[bytes], progress=None) -> int:
    """Write the person's export zip to `target`; the number of files it holds.

    `progress(message)` is told about each step (the management command prints it)."""
    user = User.objects.get(pk=user.pk)
    data = export_data(user=user)
    files = export_files(user=user)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        )
        if progress:
            progress(f"data.json: {len(data['posts'])} posts, {len(data['comments'])} comments")
        for number, (name, key) in enumerate(files, start=1):
            try:
                with default_storage.open(key, "rb") as source, archive.open(name, "w") as out:
                    shutil.copyfileobj(source, out)
            except FileNotFoundError:
                logger.warning("export of user %s: missing file %s", user.pk, key)
                continue
            if progress:
                progress(f"{number}/{len(files)} {name}")
    return len(files) + 1


def export_filename(user: User) -> str:
    return f"intentional-export-{user.username}.zip"


def export_temporary_file(*, user: User) -> IO[bytes]:
    """The export as a temporary file (on disk past a few MB), rewound for reading."""
    target = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (returned)
    export_write(user=user, target=target)
    target.seek(0)
    return target


# A background export still pending after this long has failed for good (its task gave up).
EXPORT_STALE_AFTER = timedelta(hours=1)


def export_request(*, user: User) -> DataExport:
    """Queue a background export (large accounts). One asked for within the last hour, being
    prepared or ready, is reused: asking again does not build the same zip twice."""
    from social.tasks import data_export_build

    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        recent = timezone.now() - EXPORT_STALE_AFTER
        DataExport.objects.filter(
            user=user, status=DataExport.Status.PENDING, created_at__lt=recent
        ).update(status=DataExport.Status.FAILED, finished_at=timezone.now())
        export = (
            DataExport.objects.filter(user=user, created_at__gte=recent)
            .exclude(status=DataExport.Status.FAILED)
            .order_by("-created_at")
            .first()
        )
        if export is None:
            export = DataExport.objects.create(user=user)
            data_export_build.delay_on_commit(export.pk)
    return export


def export_build(*, export_id: int) -> DataExport | None:
    """Build a queued export into storage and email its link, once (retries are harmless)."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None:
        return None  # the account was deleted meanwhile
    if export.status == DataExport.Status.PENDING:
        # Its texts (notification and digest summaries) in the person's language, as on pages.
        with recipient_language(export.user), export_temporary_file(user=export.user) as handle:
            key = default_storage.save(f"exports/{secrets.token_urlsafe(18)}.zip", File(handle))
        updated = DataExport.objects.filter(pk=export.pk, status=DataExport.Status.PENDING).update(
            status=DataExport.Status.READY, file_key=key, finished_at=timezone.now()
        )
        if not updated:  # another worker finished first: keep theirs
            default_storage.delete(key)
        export.refresh_from_db()
    if export.status == DataExport.Status.READY and export.emailed_at is None:
        _export_email(export)
    return export


def _export_email(export: DataExport) -> None:
    """Tell the person their export is ready; claimed first, so it is sent at most once."""
    claimed = DataExport.objects.filter(pk=export.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return
    context = {
        "user": export.user,
        "url": settings.SITE_URL + export.get_absolute_url(),
        "days": settings.EXPORT_KEEP_DAYS,
    }
    try:
        with recipient_language(export.user):
            send_mail(
                render_to_string("social/email/export_ready_subject.txt", context).strip(),
                render_to_string("social/email/export_ready.txt", context),
                None,
                [export.user.email],
            )
    except Exception:
        DataExport.objects.filter(pk=export.pk).update(emailed_at=None)
        raise


def exports_available(*, user: User):
    """The person's background exports still kept (newest first)."""
    since = timezone.now() - timedelta(days=settings.EXPORT_KEEP_DAYS)
    return DataExport.objects.filter(user=user, created_at__gte=since).order_by("-created_at")


def export_ready_for(*, user: User, export_id: int) -> DataExport | None:
    """One of the person's ready exports (None for anyone else's: it does not exist for them)."""
    return exports_available(user=user).filter(pk=export_id, status=DataExport.Status.READY).first()


def exports_available_keys():
    """Storage keys of every export zip still kept (purge_orphan_media keeps these)."""
    since = timezone.now() - timedelta(days=settings.EXPORT_KEEP_DAYS)
    return (
        DataExport.objects.filter(created_at__gte=since)
        .exclude(file_key="")
        .values_list("file_key", flat=True)
    )
