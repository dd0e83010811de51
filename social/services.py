"""Writes of the social app: accounts and profiles, posts, photos and comments."""

import logging
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework_simplejwt.tokens import RefreshToken

from connections.models import Block, Connection, Mute, Tag
from intentional.errors import Unavailable
from intentional.languages import recipient_language
from intentional.metrics import (
    NOTIFICATIONS_CREATED,
    NOTIFICATIONS_EMAILED,
    POSTS_CREATED,
    POSTS_DELETED,
)
from intentional.validators import validate_multi_line
from social.images import EncodedImage, image_decode, image_encode
from social.mfa import mfa_login_check
from social.models import (
    COMMENT_KINDS,
    PHOTO_ALT_MAX_LENGTH,
    Comment,
    EmailChoice,
    Notification,
    NotificationActor,
    NotificationKind,
    Photo,
    Post,
    User,
)
from social.storage import storage_delete_quietly, storage_save

logger = logging.getLogger(__name__)


@transaction.atomic
def user_register(*, email: str, username: str, password: str, language: str = "") -> User:
    """Create an account (API sign-up); its email is recorded unverified, as allauth does.
    `language`: the one the person asked for (Accept-Language), "" for none."""
    user = User.objects.create_user(
        username=username, email=email, password=password, language=language
    )
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user


def token_obtain(
    *, request, account: User | None, login: str, password: str, code: str = ""
) -> dict[str, str]:
    """API tokens `{access, refresh}` for a login (username or email) and its password, plus
    a `code` when the account has two-factor login (social.mfa); `account` is the one the login
    names (selectors.user_for_login), if any. ValidationError when login and password do not
    match, whatever the code (nothing about two-factor login is told before the password is
    right); then MFARequired or InvalidCode. An unknown login still runs the password hasher,
    so timing tells nothing."""
    user = authenticate(
        request,
        username=account.username if account is not None else login,
        password=password,
    )
    if user is None:
        raise ValidationError(_("The login or the password is not right."))
    mfa_login_check(request=request, user=user, code=code)
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def user_update_profile(*, user: User, **fields) -> User:
    """Set any of display name, bio, timezone, language, the digest email and the memories
    switches."""
    allowed = {
        "display_name",
        "bio",
        "timezone",
        "language",
        "digest_email_enabled",
        "memories_enabled",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"not profile fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password", "username", "email"])
    user.save(update_fields=list(fields))
    return user


def user_set_avatar(*, user: User, upload) -> User:
    """Replace the avatar with a re-encoded copy of `upload` (ValidationError on `avatar` if
    unusable)."""
    try:
        image = image_decode(upload)
    except ValidationError as error:
        raise ValidationError({"avatar": error.error_list}) from None
    encoded = image_encode(image, max_side=settings.AVATAR_MAX_SIDE)
    key = default_storage.save(
        f"avatars/{secrets.token_urlsafe(18)}.{encoded.extension}", ContentFile(encoded.content)
    )
    old_key = user.avatar_key
    user.avatar_key = key
    user.save(update_fields=["avatar_key"])
    if old_key:
        transaction.on_commit(lambda: storage_delete_quietly([old_key]))
    return user


@transaction.atomic
def user_settings_save(
    *, user: User, avatar=None, remove_avatar: bool = False, **profile_fields
) -> User:
    """The settings page's save, all or nothing: profile fields (`user_update_profile`), then
    the avatar removed, or replaced by `avatar` when one is given."""
    user_update_profile(user=user, **profile_fields)
    if remove_avatar:
        user_remove_avatar(user=user)
    elif avatar:
        user_set_avatar(user=user, upload=avatar)
    return user


def user_remove_avatar(*, user: User) -> User:
    """Drop the avatar; its file is deleted after the commit."""
    old_key = user.avatar_key
    if old_key:
        user.avatar_key = ""
        user.save(update_fields=["avatar_key"])
        transaction.on_commit(lambda: storage_delete_quietly([old_key]))
    return user


# --- Posts, photos, comments (SPEC §2, §3, §5) --------------------------------------------------


class StorageUnavailable(Unavailable):
    """Photo storage failed during an upload: nothing was created (the API answers 503)."""

    error_type = "storage_unavailable"


def post_importance(*, body: str, photo_count: int, commenter_count: int, milestone: bool) -> float:
    """SPEC §5's importance of a post, from 0 to 10."""
    score = 1.0
    score += min(len(body.split()) / 50, 2.0)
    score += 1.0 if photo_count >= 1 else 0.0
    score += 0.5 if photo_count >= 3 else 0.0
    score += 0.5 * min(commenter_count, 4)
    score += 6.0 if milestone else 0.0
    return round(min(10.0, score), 4)


def post_importance_recompute(*, post_id: int) -> float:
    """Recompute and store a post's importance after it, its photos or its comments changed."""
    post = Post.objects.only("body", "is_milestone", "author_id").get(pk=post_id)
    commenters = (
        Comment.objects.filter(post_id=post_id)
        .exclude(author_id=post.author_id)
        .values("author_id")
        .distinct()
        .count()
    )
    importance = post_importance(
        body=post.body,
        photo_count=Photo.objects.filter(post_id=post_id).count(),
        commenter_count=commenters,
        milestone=post.is_milestone,
    )
    Post.objects.filter(pk=post_id).update(importance=importance)
    return importance


def _post_validate(
    *, author: User, body: str, audience: str, audience_tags: Iterable, has_photos: bool
) -> list[Tag]:
    """Check a post's fields (SPEC §2); return its audience tags. ValidationError by field."""
    errors: dict[str, str] = {}
    if len(body) > 5000:
        errors["body"] = _("Posts can be at most 5,000 characters (this one has %(n)s).") % {
            "n": f"{len(body):,}"
        }
    elif not body.strip() and not has_photos:
        errors["body"] = _("Write something or add a photo.")
    else:
        try:
            validate_multi_line(body)  # the model field's rule: no NUL or other control characters
        except ValidationError as error:
            errors["body"] = error.messages[0]
    tags: list[Tag] = []
    if audience not in Post.Audience.values:
        errors["audience"] = _("Choose who can see this: connections, tags or only you.")
    elif audience == Post.Audience.TAGS:
        ids = list(dict.fromkeys(getattr(tag, "pk", tag) for tag in audience_tags))
        if not ids:
            errors["audience_tags"] = _("Choose at least one of your tags.")
        elif len(ids) > settings.POST_MAX_AUDIENCE_TAGS:
            errors["audience_tags"] = _("Choose at most %(n)s tags.") % {
                "n": settings.POST_MAX_AUDIENCE_TAGS
            }
        else:
            tags = list(Tag.objects.owned_by(author).filter(pk__in=ids))
            if len(tags) != len(ids):
                errors["audience_tags"] = _("Choose among your own tags.")
    if errors:
        raise ValidationError(errors)
    return tags


def _photos_prepare(photos: Sequence) -> list[tuple[EncodedImage, EncodedImage]]:
    """Decode and re-encode every upload (display + thumbnail) before anything is stored
    (post_create has checked their number)."""
    prepared = []
    for number, upload in enumerate(photos, start=1):
        try:
            image = image_decode(upload)
        except ValidationError as error:
            message = error.messages[0]
            if len(photos) > 1:
                message = _("Photo %(n)s: %(message)s") % {"n": number, "message": message}
            raise ValidationError({"photos": ValidationError(message, code=error.code)}) from None
        prepared.append(
            (
                image_encode(image, max_side=settings.PHOTO_DISPLAY_MAX_SIDE),
                image_encode(image, max_side=settings.PHOTO_THUMB_MAX_SIDE),
            )
        )
    return prepared


def photo_alt_clean(alt: str, *, number: int | None = None) -> str:
    """A photo's alt text as stored (SPEC §2): plain text, surrounding blanks dropped, at most
    1,500 characters, no control characters but line breaks; "" is allowed (no description).
    ValidationError (no field) otherwise; `number` names the photo in the message."""
    alt = (alt or "").strip()
    problem = ""
    if len(alt) > PHOTO_ALT_MAX_LENGTH:
        problem = _("A description can be at most 1,500 characters (this one has %(n)s).") % {
            "n": f"{len(alt):,}"
        }
    else:
        try:
            validate_multi_line(alt)
        except ValidationError as error:
            problem = error.messages[0]
    if problem:
        if number is not None:
            problem = _("Photo %(n)s: %(message)s") % {"n": number, "message": problem}
        raise ValidationError(problem, code="invalid_alt")
    return alt


def _photo_alts_clean(photo_alts: Sequence[str], *, photo_count: int) -> list[str]:
    """One cleaned alt text per photo (missing ones empty); ValidationError on `photo_alts`."""
    alts = list(photo_alts)
    if len(alts) > photo_count:
        raise ValidationError(
            {
                "photo_alts": _(
                    "There are more descriptions (%(alts)s) than photos (%(n)s): give at most "
                    "one description per photo."
                )
                % {"alts": len(alts), "n": photo_count}
            }
        )
    alts += [""] * (photo_count - len(alts))
    try:
        return [
            photo_alt_clean(alt, number=number if photo_count > 1 else None)
            for number, alt in enumerate(alts, start=1)
        ]
    except ValidationError as error:
        raise ValidationError({"photo_alts": error.messages}) from None


def post_create(
    *,
    author: User,
    body: str = "",
    audience: str = Post.Audience.CONNECTIONS,
    audience_tags: Iterable = (),
    is_milestone: bool = False,
    photos: Sequence = (),
    photo_alts: Sequence[str] = (),
    created_at: datetime | None = None,
) -> Post:
    """Create a post with up to 4 photos, each with its alt text (`photo_alts`, in the same
    order; missing ones empty); all or nothing (no post, photo row or file is left behind on
    any error). ValidationError by field; StorageUnavailable if storage fails.
    `created_at` is for imports and the demo seed only."""
    photos = list(photos)
    if len(photos) > settings.POST_MAX_PHOTOS:
        raise ValidationError(
            {"photos": _("Add at most %(n)s photos.") % {"n": settings.POST_MAX_PHOTOS}}
        )
    alts = _photo_alts_clean(photo_alts, photo_count=len(photos))
    tags = _post_validate(
        author=author,
        body=body,
        audience=audience,
        audience_tags=audience_tags,
        has_photos=bool(photos),
    )
    prepared = _photos_prepare(photos)
    stored: list[str] = []
    try:
        with transaction.atomic():
            post = Post.objects.create(
                author=author,
                body=body,
                audience=audience,
                is_milestone=bool(is_milestone),
                created_at=created_at or timezone.now(),
                importance=post_importance(
                    body=body,
                    photo_count=len(prepared),
                    commenter_count=0,
                    milestone=bool(is_milestone),
                ),
            )
            if tags:
                post.audience_tags.set(tags)
            photo_rows = zip(prepared, alts, strict=True)
            for position, ((display, thumbnail), alt) in enumerate(photo_rows):
                try:
                    display_key = storage_save(
                        folder="photos", content=display.content, extension=display.extension
                    )
                    stored.append(display_key)
                    thumbnail_key = storage_save(
                        folder="photos", content=thumbnail.content, extension=thumbnail.extension
                    )
                    stored.append(thumbnail_key)
                except Exception as error:
                    logger.exception("photo storage failed")
                    raise StorageUnavailable(
                        _("We could not store your photos right now, so nothing was posted. ")
                        + _("Please try again in a moment.")
                    ) from error
                Photo.objects.create(
                    post=post,
                    position=position,
                    display_key=display_key,
                    thumbnail_key=thumbnail_key,
                    width=display.width,
                    height=display.height,
                    thumbnail_width=thumbnail.width,
                    thumbnail_height=thumbnail.height,
                    alt=alt,
                    created_at=post.created_at,
                )
            transaction.on_commit(POSTS_CREATED.inc)
    except BaseException:
        # The rows are rolled back; the files written so far must go too.
        storage_delete_quietly(stored)
        raise
    return post


def _post_owned(*, user: User, post_id: int) -> Post:
    """The post if `user` wrote it; Post.DoesNotExist otherwise (someone else's post does not
    exist for them)."""
    post = Post.objects.filter(author_id=user.pk, pk=post_id).select_for_update().first()
    if post is None:
        raise Post.DoesNotExist(f"no post {post_id} by user {user.pk}")
    return post


@transaction.atomic
def post_update(
    *,
    user: User,
    post_id: int,
    body: str | None = None,
    audience: str | None = None,
    audience_tags: Iterable | None = None,
    is_milestone: bool | None = None,
    photo_alts: dict[int, str] | None = None,
) -> Post:
    """The author changes body, audience, audience tags or the milestone flag (sets edited_at),
    and the alt text of photos (`photo_alts`: photo id → text; not an edit of the post)."""
    post = _post_owned(user=user, post_id=post_id)
    if photo_alts:
        _photo_alts_update(post=post, alts=photo_alts)
    current_tags = set(post.audience_tags.values_list("pk", flat=True))
    new_body = post.body if body is None else body
    new_audience = post.audience if audience is None else audience
    new_milestone = post.is_milestone if is_milestone is None else bool(is_milestone)
    tags = _post_validate(
        author=user,
        body=new_body,
        audience=new_audience,
        audience_tags=current_tags if audience_tags is None else audience_tags,
        has_photos=post.photos.exists(),
    )
    new_tags = {tag.pk for tag in tags}
    changed = (
        new_body != post.body
        or new_audience != post.audience
        or new_milestone != post.is_milestone
        or new_tags != current_tags
    )
    if not changed:
        return post
    post.body, post.audience, post.is_milestone = new_body, new_audience, new_milestone
    post.edited_at = timezone.now()
    post.save(update_fields=["body", "audience", "is_milestone", "edited_at"])
    if new_tags != current_tags:
        post.audience_tags.set(tags)
    post.importance = post_importance_recompute(post_id=post.pk)
    return post


@transaction.atomic
def photo_alt_update(*, user: User, post_id: int, photo_id: int, alt: str) -> Photo:
    """The author changes a photo's alt text (Photo.DoesNotExist for anyone else, and for a
    photo of another post): plain text, ≤ 1,500 characters, may be empty. ValidationError on
    `alt`. Not an edit of the post: edited_at stays."""
    post = _post_owned(user=user, post_id=post_id)
    photo = Photo.objects.filter(post_id=post.pk, pk=photo_id).first()
    if photo is None:
        raise Photo.DoesNotExist(f"no photo {photo_id} in post {post_id} of user {user.pk}")
    try:
        alt = photo_alt_clean(alt)
    except ValidationError as error:
        raise ValidationError({"alt": error.messages}) from None
    if alt != photo.alt:
        photo.alt = alt
        photo.save(update_fields=["alt"])
    return photo


def _photo_alts_update(*, post: Post, alts: dict[int, str]) -> list[Photo]:
    """Set the alt texts of `post`'s photos (photo id → text), all or nothing (the caller's
    transaction); ValidationError on `photo_alts` naming the photo; Photo.DoesNotExist for a
    photo of another post."""
    photos = list(Photo.objects.filter(post_id=post.pk).order_by("position"))
    unknown = set(alts) - {photo.pk for photo in photos}
    if unknown:
        raise Photo.DoesNotExist(f"photos {sorted(unknown)} are not in post {post.pk}")
    changed = []
    for number, photo in enumerate(photos, start=1):
        if photo.pk not in alts:
            continue
        try:
            alt = photo_alt_clean(alts[photo.pk], number=number if len(photos) > 1 else None)
        except ValidationError as error:
            raise ValidationError({"photo_alts": error.messages}) from None
        if alt != photo.alt:
            photo.alt = alt
            changed.append(photo)
    if changed:
        Photo.objects.bulk_update(changed, ["alt"])
    return photos


def post_destroy(*, post: Post) -> None:
    """Delete a post with its photos and comments; its files go after the commit (retried)."""
    from social.tasks import storage_delete_files

    with transaction.atomic():
        keys = [key for photo in post.photos.all() for key in photo.storage_keys()]
        post.delete()
        if keys:
            transaction.on_commit(lambda: _queue_file_deletes(keys, storage_delete_files))
        transaction.on_commit(POSTS_DELETED.inc)


def user_posts_delete(*, user: User) -> int:
    """Delete all of a person's posts and their photo files (account deletion); the count."""
    posts = list(Post.objects.filter(author_id=user.pk).prefetch_related("photos"))
    for post in posts:
        post_destroy(post=post)
    return len(posts)


def user_delete(*, user: User) -> None:
    """Delete an account with everything it owns (SPEC §7): posts, photos, comments,
    connections, tags and memberships, blocks, mutes, notifications (theirs, and their part in
    others'), invitations, digests, exports, tokens; the
    files (photos, avatar, export zips) are deleted after the commit, retried if storage fails.
    """
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    from social.models import DataExport
    from social.tasks import storage_delete_files

    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        user_posts_delete(user=user)
        # Their comments under other people's posts: those posts' importance changes.
        commented = set(Comment.objects.filter(author_id=user.pk).values_list("post_id", flat=True))
        Comment.objects.filter(author_id=user.pk).delete()
        for post_id in commented:
            post_importance_recompute(post_id=post_id)
        keys = [user.avatar_key] if user.avatar_key else []
        keys += [
            key
            for key in DataExport.objects.filter(user_id=user.pk).values_list("file_key", flat=True)
            if key
        ]
        # simplejwt keeps issued refresh tokens with SET_NULL; they are the person's too.
        OutstandingToken.objects.filter(user_id=user.pk).delete()
        # Connections, blocks, mutes (both ways), notifications and actor rows, tags and
        # memberships, invitations, digests, exports, email addresses, social accounts and
        # two-factor authenticators (allauth.mfa's, secrets included) go by ON DELETE CASCADE.
        User.objects.filter(pk=user.pk).delete()
        if keys:
            transaction.on_commit(lambda: _queue_file_deletes(keys, storage_delete_files))


def _queue_file_deletes(keys: list[str], task) -> None:
    try:
        task.delay(keys)
    except Exception:  # the rows are gone either way; purge_orphan_media collects leftovers
        logger.exception("could not delete the files of a deleted post: %s", keys)


def post_delete(*, user: User, post_id: int) -> None:
    """The author deletes their post (Post.DoesNotExist for anyone else)."""
    with transaction.atomic():
        post_destroy(post=_post_owned(user=user, post_id=post_id))


def comment_create(
    *, author: User, post_id: int, body: str, created_at: datetime | None = None
) -> Comment:
    """Comment on a post `author` can see (Post.DoesNotExist otherwise); 1–2,000 characters.
    `created_at` is for imports and the demo seed only."""
    post = Post.objects.visible_to(author).filter(pk=post_id).first()
    if post is None:
        raise Post.DoesNotExist(f"no post {post_id} visible to user {author.pk}")
    if not body.strip():
        raise ValidationError({"body": _("Write a comment first.")})
    try:
        validate_multi_line(body)  # the model field's rule (no NUL or other control characters)
    except ValidationError as error:
        raise ValidationError({"body": error.messages}) from None
    if len(body) > 2000:
        raise ValidationError(
            {
                "body": _("Comments can be at most 2,000 characters (this one has %(n)s).")
                % {"n": f"{len(body):,}"}
            }
        )
    with transaction.atomic():
        comment = Comment.objects.create(
            post=post, author=author, body=body, created_at=created_at or timezone.now()
        )
        post_importance_recompute(post_id=post.pk)
        # Robust: telling people must never fail the comment itself (errors are logged).
        transaction.on_commit(lambda: comment_notify(comment_id=comment.pk), robust=True)
    return comment


@transaction.atomic
def comment_delete(*, user: User, comment_id: int) -> None:
    """The comment's author or the post's author deletes it (Comment.DoesNotExist for anyone
    else)."""
    comment = (
        Comment.objects.filter(pk=comment_id)
        .filter(Q(author_id=user.pk) | Q(post__author_id=user.pk))
        .first()
    )
    if comment is None:
        raise Comment.DoesNotExist(f"no comment {comment_id} that user {user.pk} may delete")
    comment_destroy(comment=comment)


@transaction.atomic
def comment_destroy(*, comment: Comment) -> None:
    """Delete a comment (moderation or its author's request) and refresh the importance."""
    post_id = comment.post_id
    comment.delete()
    post_importance_recompute(post_id=post_id)


def photo_destroy(*, photo: Photo) -> None:
    """Remove one photo from its post (staff moderation); its files go after the commit."""
    from social.tasks import storage_delete_files

    keys = photo.storage_keys()
    with transaction.atomic():
        post_id = photo.post_id
        photo.delete()
        post_importance_recompute(post_id=post_id)
        transaction.on_commit(lambda: _queue_file_deletes(keys, storage_delete_files))


# --- Notifications (SPEC §8) --------------------------------------------------------------------


def notification_record(
    *,
    recipient_id: int,
    kind: str,
    actor_id: int,
    post_id: int | None = None,
    comment_id: int | None = None,
    connection_id: int | None = None,
    at: datetime | None = None,
) -> NotificationActor | None:
    """Record that `actor` did `kind` to `recipient` (called after the action's commit), at
    `at` (the comment's time; default now): joins the unread notification of the same kind
    about the same post, or starts one; None when nothing is to be told (themselves, a block
    either way, a muted commenter, an inactive recipient, a request already told). An instant
    email is queued after this commit."""
    if recipient_id == actor_id:
        return None
    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if recipient is None or Block.objects.between(recipient_id, actor_id).exists():
        return None
    if kind in COMMENT_KINDS and Mute.objects.active().by(recipient_id, actor_id).exists():
        return None
    instant = recipient.email_choices()[kind] == EmailChoice.INSTANT
    group = {"recipient_id": recipient_id, "kind": kind}
    group |= {"post_id": post_id, "read_at__isnull": True} if post_id else {}
    group |= {"connection_id": connection_id} if connection_id else {}
    # What it is about may be gone already (a request withdrawn, a comment or post deleted):
    # then there is nothing to tell. No lock is taken on it (the services lock people first,
    # then the pair's row: a lock here would invert that order); if it goes while this runs,
    # the foreign key refuses the commit below, and if it goes later the notification goes
    # with it (CASCADE).
    if connection_id:
        subject = Connection.objects.filter(pk=connection_id)
    else:
        subject = Comment.objects.filter(pk=comment_id, post_id=post_id)  # audience-ok: exists
    if not subject.exists():
        return None
    try:
        with transaction.atomic():
            # Two rounds: the insert can only lose to a concurrent one, whose row we then join.
            for _round in range(2):
                notification = Notification.objects.select_for_update().filter(**group).first()
                if notification is not None:
                    if connection_id:  # announced twice: told once already
                        return None
                    break
                try:
                    with transaction.atomic():
                        notification = Notification.objects.create(
                            recipient_id=recipient_id,
                            kind=kind,
                            post_id=post_id,
                            connection_id=connection_id,
                            created_at=at or timezone.now(),
                        )
                    break
                except IntegrityError:
                    continue
            else:
                return None
            now = at or timezone.now()
            # The latest activity decides its place in the list.
            Notification.objects.filter(pk=notification.pk, created_at__lt=now).update(
                created_at=now
            )
            row = NotificationActor.objects.create(
                notification=notification,
                recipient_id=recipient_id,
                actor_id=actor_id,
                comment_id=comment_id,
                created_at=now,
                email=NotificationActor.Email.PENDING if instant else NotificationActor.Email.NONE,
            )
            transaction.on_commit(NOTIFICATIONS_CREATED.labels(kind=kind).inc)
            if instant:
                transaction.on_commit(lambda: _queue_notification_email(recipient_id))
    except IntegrityError:  # what it was about was deleted meanwhile
        return None
    return row


def _queue_notification_email(recipient_id: int) -> None:
    """Send the recipient's pending instant emails after the batching window: whatever else
    becomes due within it goes out in the same email (the first task to run claims them all)."""
    from social.tasks import notification_email_send

    try:
        notification_email_send.apply_async(
            (recipient_id,), countdown=settings.NOTIFICATION_EMAIL_BATCH_SECONDS
        )
    except Exception:  # the row stays pending: the next notification's task sends it
        logger.exception("could not queue the notification email of user %s", recipient_id)


def comment_notify(*, comment_id: int) -> int:
    """After a comment's commit: tell the post's author (`comment_on_your_post`) and the others
    who commented on it before (`comment_after_you`). Each notification is checked again at
    every read, so someone who cannot see the comment is never shown it. The number told."""
    comment = Comment.objects.select_related("post").filter(pk=comment_id).first()
    if comment is None:
        return 0
    post = comment.post
    told = 0
    about = {
        "actor_id": comment.author_id,
        "post_id": post.pk,
        "comment_id": comment.pk,
        "at": comment.created_at,
    }
    if notification_record(
        recipient_id=post.author_id, kind=NotificationKind.COMMENT_ON_YOUR_POST, **about
    ):
        told += 1
    # Who to tell, not what to show: each recipient's reads re-check what they may see.
    earlier = (
        Comment.objects.filter(post_id=post.pk, pk__lt=comment.pk)  # audience-ok: recipients
        .exclude(author_id__in=[post.author_id, comment.author_id])
        .values_list("author_id", flat=True)
        .distinct()
    )
    for recipient_id in sorted(set(earlier)):
        if notification_record(
            recipient_id=recipient_id, kind=NotificationKind.COMMENT_AFTER_YOU, **about
        ):
            told += 1
    return told


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark `user`'s notifications read: those of `ids` (others' and unknown ids are ignored),
    or all of them. The number marked."""
    unread = Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def notification_choices_update(*, user: User, choices: dict) -> dict[str, str]:
    """Set how kinds of notification reach `user` by email ({kind: choice}); ValidationError by
    kind for an unknown kind or choice. The choices now, all kinds."""
    errors = {}
    for kind, choice in choices.items():
        if kind not in NotificationKind.values:
            errors[kind] = _("This is not a kind of notification.")
        elif choice not in EmailChoice.values:
            errors[kind] = _("Choose instant, weekly or off.")
    if errors:
        raise ValidationError(errors)
    merged = {**user.email_choices(), **choices}
    user.notification_emails = {kind: str(choice) for kind, choice in merged.items()}
    user.save(update_fields=["notification_emails"])
    return user.email_choices()


def notification_emails_unsubscribe(*, user: User) -> None:
    """Turn every instant notification email off (the emails' one-click unsubscribe link)."""
    choices = {
        kind: EmailChoice.OFF
        for kind, choice in user.email_choices().items()
        if choice == EmailChoice.INSTANT
    }
    notification_choices_update(user=user, choices=choices)


# What `notification_email_deliver` returns.
EMAIL_SENT, EMAIL_NOTHING = "sent", "nothing"


def notification_email_deliver(*, recipient_id: int) -> str:
    """Email the recipient's pending instant notifications as one email, each exactly once.

    The pending rows are claimed with one conditional UPDATE under a random claim, so retries,
    re-runs and concurrent workers never send a row twice. Then, as the recipient and now,
    only the rows still visible and still chosen as instant are sent (the email quotes only
    what they can see at this moment); the rest are skipped. A failed send puts the claimed
    rows back to pending and re-raises (the task retries)."""
    from social.emails import notification_email_message
    from social.selectors import notification_email_items

    user = User.objects.filter(pk=recipient_id).first()
    pending = NotificationActor.objects.filter(
        recipient_id=recipient_id, email=NotificationActor.Email.PENDING
    )
    if user is None:
        return EMAIL_NOTHING
    claim = secrets.token_hex(16)
    if not pending.update(email=NotificationActor.Email.SENDING, email_claim=claim):
        return EMAIL_NOTHING
    claimed = NotificationActor.objects.filter(recipient_id=recipient_id, email_claim=claim)
    items = []
    # The summaries and the email in the recipient's language, whoever's request or task this is.
    with recipient_language(user):
        if user.is_active and user.email:
            instant = [kind for kind, choice in user.email_choices().items() if choice == "instant"]
            items = notification_email_items(viewer=user, claim=claim, kinds=instant)
        if not items:
            claimed.update(email=NotificationActor.Email.SKIPPED)
            return EMAIL_NOTHING
        sent_ids = [row_id for item in items for row_id in item.row_ids]
        try:
            notification_email_message(user=user, items=items).send()
        except Exception:
            claimed.update(email=NotificationActor.Email.PENDING, email_claim="")
            raise
    with transaction.atomic():
        claimed.filter(pk__in=sent_ids).update(email=NotificationActor.Email.SENT)
        claimed.exclude(pk__in=sent_ids).update(email=NotificationActor.Email.SKIPPED)
    for item in items:
        NOTIFICATIONS_EMAILED.labels(kind=item.kind).inc(len(item.row_ids))
    return EMAIL_SENT
