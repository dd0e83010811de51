"""Users, posts, photos and comments (SPEC §2), and the audience rule (SPEC §3).

`PostQuerySet.visible_to` is the only place that decides who sees a post; comments and photos
are visible through it. Every read of a post, comment or photo starts there.
"""

import copy
import hashlib
import json
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import JSONObject, Lower, Upper
from django.db.models.query import ModelIterable
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connections.models import Block, Connection, Mute, Tag, TagMembership
from intentional.db import JSONRows
from intentional.links import link
from intentional.validators import one_line_text, validate_multi_line, validate_one_line
from social.storage import photo_url
from social.text import text_to_html


class NotificationKind(models.TextChoices):
    """The five kinds of notification (SPEC §8)."""

    CONNECTION_REQUEST = "connection_request", _("asked to connect with you")
    CONNECTION_ACCEPTED = "connection_accepted", _("accepted your request")
    COMMENT_ON_YOUR_POST = "comment_on_your_post", _("commented on your post")
    COMMENT_AFTER_YOU = "comment_after_you", _("commented on a post you commented on")
    INVITATION_ACCEPTED = "invitation_accepted", _("joined through your invitation")


class EmailChoice(models.TextChoices):
    """How a kind of notification reaches someone by email, besides the app (SPEC §8)."""

    INSTANT = "instant", _("Email me soon after")
    WEEKLY = "weekly", _("List it in the weekly digest email")
    OFF = "off", _("No email")


# SPEC §8's defaults, in the order pages list the kinds.
NOTIFICATION_EMAIL_DEFAULTS = {
    NotificationKind.CONNECTION_REQUEST: EmailChoice.INSTANT,
    NotificationKind.CONNECTION_ACCEPTED: EmailChoice.INSTANT,
    NotificationKind.INVITATION_ACCEPTED: EmailChoice.INSTANT,
    NotificationKind.COMMENT_ON_YOUR_POST: EmailChoice.WEEKLY,
    NotificationKind.COMMENT_AFTER_YOU: EmailChoice.WEEKLY,
}
COMMENT_KINDS = (NotificationKind.COMMENT_ON_YOUR_POST, NotificationKind.COMMENT_AFTER_YOU)


username_validator = RegexValidator(
    r"^[A-Za-z0-9_]{3,30}\Z",  # \Z, not $: "$" also matches before a trailing newline
    _("Use 3 to 30 letters, digits or underscores."),
    code="invalid_username",
)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


class IntentionalUserManager(UserManager):
    def get_by_natural_key(self, username):
        # Usernames are unique case-insensitively, and so is logging in with one.
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractUser):
    """A person. Logs in with email or username (django-allauth)."""

    username = models.CharField(
        _("username"),
        max_length=30,
        unique=True,
        validators=[username_validator],
        help_text=_("3 to 30 letters, digits or underscores."),
        error_messages={"unique": _("That username is taken.")},
    )
    email = models.EmailField(
        _("email address"),
        unique=True,
        error_messages={"unique": _("An account with that email already exists.")},
    )
    first_name = None
    last_name = None
    display_name = models.CharField(
        _("display name"), max_length=60, blank=True, validators=[validate_one_line]
    )
    bio = models.TextField(_("bio"), max_length=500, blank=True, validators=[validate_multi_line])
    # Storage key of the re-encoded avatar (random, never the uploader's file name); "" = none.
    avatar_key = models.CharField(max_length=200, blank=True, editable=False)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    # SPEC §12: pages, API answers and emails in this language; "" = none chosen (accounts from
    # before languages existed): pages follow the browser, emails are in LANGUAGE_CODE.
    # Sign-up stores the language its page was shown in (intentional.languages).
    language = models.CharField(
        _("language"), max_length=10, blank=True, default="", choices=settings.LANGUAGES
    )
    digest_email_enabled = models.BooleanField(_("weekly digest by email"), default=True)
    # SPEC §5: the digest also shows a few posts from the same week of earlier years.
    memories_enabled = models.BooleanField(_("memories from past years"), default=True)
    # The email choice per notification kind ({kind: "instant" | "weekly" | "off"}); a kind
    # missing here has its default (NOTIFICATION_EMAIL_DEFAULTS). Read with `email_choices()`.
    notification_emails = models.JSONField(default=dict, blank=True)

    objects = IntentionalUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]
        indexes = [
            # `username__iexact` / `email__iexact` (profile URLs, login) compare UPPER(...):
            # without these a lookup scans every person.
            models.Index(Upper("username"), name="user_username_upper"),
            models.Index(Upper("email"), name="user_email_upper"),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def name(self) -> str:
        """What to call this person on a page: the display name, else the username.

        Always one line, even for a name stored before names refused line breaks (SPEC §7):
        emails put it in their subject and at the start of a line."""
        return one_line_text(self.display_name) or self.username

    def avatar_path(self) -> str:
        """The avatar's URL path (permission-checked view); "" without one.

        The query string changes with the file, so browsers may cache each version.
        """
        if not self.avatar_key:
            return ""
        version = hashlib.sha256(self.avatar_key.encode()).hexdigest()[:10]
        return f"{link('social:avatar', self.username)}?v={version}"

    def get_absolute_url(self) -> str:
        """The profile page."""
        return link("social:profile", self.username)

    def email_choices(self) -> dict[str, str]:
        """How each notification kind reaches this person by email (SPEC §8), defaults filled."""
        stored = self.notification_emails if isinstance(self.notification_emails, dict) else {}
        return {
            kind: stored.get(kind) if stored.get(kind) in EmailChoice.values else default
            for kind, default in NOTIFICATION_EMAIL_DEFAULTS.items()
        }


def _viewer_at(viewer, depth: int):
    """`viewer` as seen from a subquery `depth` levels inside the posts query: a user (or id)
    as is, an `OuterRef` to the enclosing query's user id wrapped once more per level."""
    for _level in range(depth):
        if isinstance(viewer, OuterRef):
            viewer = OuterRef(viewer)
    return viewer


class PostQuerySet(models.QuerySet):
    def visible_to(self, viewer):
        """Posts `viewer` may see (SPEC §3). Every read path starts here.

        `viewer` is a user, or `OuterRef(...)` to a user id of an enclosing query, so one
        query can ask the rule about many people (who can see a post).
        """
        if not isinstance(viewer, OuterRef) and (viewer is None or not viewer.is_authenticated):
            return self.none()
        connected = Exists(
            Connection.objects.accepted_between(_viewer_at(viewer, 1), OuterRef("author"))
        )
        blocked = Exists(Block.objects.between(_viewer_at(viewer, 1), OuterRef("author")))
        # The viewer carries one of the post's audience tags (each tag is the author's own)
        # through a membership that covers the post: it includes earlier posts, or the post
        # was written since the labelling. (The post's time is an outer column, never a value:
        # the rule is compiled once and reused, intentional.db.PrecompiledQuery.)
        covers = Q(include_earlier_posts=True) | Q(created_at__lte=OuterRef(OuterRef("created_at")))
        tagged = Exists(
            PostAudienceTag.objects.filter(post=OuterRef("pk")).filter(
                Exists(
                    TagMembership.objects.filter(
                        covers, tag=OuterRef("tag"), target=_viewer_at(viewer, 2)
                    )
                )
            )
        )
        everyone = Q(audience=Post.Audience.CONNECTIONS)
        tag_rule = Q(audience=Post.Audience.TAGS) & tagged
        return self.filter(Q(author=viewer) | (connected & ~blocked & (everyone | tag_rule)))

    def in_circle_of(self, viewer, *, with_own: bool = True, one_list: bool = False):
        """Posts by `viewer` (unless `with_own` is False) or one of their accepted connections
        (the feed's, the digest's and search's first cut; `visible_to` still decides).

        `one_list`: the viewer's own id joins the connections' in one IN list (a UNION) rather
        than an OR beside it, so the planner can drive the whole query from the circle's
        (author, created) ranges — search does, else a common word has it read every match in
        the site. The feed keeps the OR: walking the newest posts finds its page sooner."""
        if viewer is None or not viewer.is_authenticated:
            return self.none()
        # An IN list of ids lets the planner walk the (author, created) index per person;
        # without the OR (with_own=False) it can drive the whole query from that list.
        circle = Connection.objects.accepted().other_ids_of(viewer)
        if not with_own:
            return self.filter(author__in=circle)
        if one_list:
            own = User.objects.filter(pk=viewer.pk).annotate(other=F("pk")).values("other")
            return self.filter(author__in=circle.union(own, all=True))
        return self.filter(Q(author=viewer) | Q(author__in=circle))

    def newest_first(self):
        """Feed and timeline order: created time, then id (SPEC §4)."""
        return self.order_by("-created_at", "-id")

    def with_photos_and_own_tags(self, viewer):
        """Each post with its photos and, for its author, its audience tags, read in the same
        query (JSON subqueries) and installed as if prefetched: `post.photos.all()` and
        `post.audience_tags.all()` cost no query. Only the viewer's own tags are read, so
        nobody else's post ever carries its audience."""
        photos = (
            Photo.objects.filter(post=OuterRef("pk"))
            .order_by()
            .values("post")
            .annotate(rows=JSONRows(JSONObject(**{name: name for name in _PHOTO_FIELDS})))
            .values("rows")
        )
        own_tags = (
            PostAudienceTag.objects.filter(post=OuterRef("pk"), tag__owner_id=viewer.pk)
            .order_by()
            .values("post")
            .annotate(rows=JSONRows(JSONObject(id="tag_id", name="tag__name")))
            .values("rows")
        )
        queryset = self.annotate(photo_rows=photos, own_tag_rows=own_tags)
        queryset._iterable_class = _PostsWithRelatedRows
        return queryset


class _PostsWithRelatedRows(ModelIterable):
    """Posts of `with_photos_and_own_tags`: their JSON rows become prefetched photos and tags."""

    def __iter__(self):
        for post in super().__iter__():
            photos = [Photo(post_id=post.pk, **row) for row in json.loads(post.photo_rows or "[]")]
            photos.sort(key=lambda photo: photo.position)
            tags = [
                Tag(owner_id=post.author_id, **row) for row in json.loads(post.own_tag_rows or "[]")
            ]
            tags.sort(key=lambda tag: (tag.name.casefold(), tag.name))
            del post.photo_rows, post.own_tag_rows
            post._prefetched_objects_cache = {
                "photos": _prefetched(Photo, photos),
                "audience_tags": _prefetched(Tag, tags),
            }
            yield post


def _prefetched(model, rows: list) -> models.QuerySet:
    """A queryset holding `rows` as Django's prefetch_related leaves it: evaluated, no query.
    (A shallow copy of one empty queryset per model: building a fresh one costs more.)"""
    template = _EMPTY_QUERYSETS.get(model)
    if template is None:
        template = _EMPTY_QUERYSETS[model] = model._base_manager.none()
    queryset = copy.copy(template)
    queryset._result_cache = rows
    queryset._prefetch_done = True
    return queryset


_EMPTY_QUERYSETS: dict = {}


class Post(models.Model):
    """Something a person shares with exactly the audience they mean."""

    class Audience(models.TextChoices):
        CONNECTIONS = "connections", _("All my connections")
        TAGS = "tags", _("Only people with these tags")
        PRIVATE = "private", _("Only me")

    # Indexed by post_author_created (author first), which also serves the ordering.
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="posts", db_index=False)
    body = models.TextField(
        _("text"), max_length=5000, blank=True, validators=[validate_multi_line]
    )
    audience = models.CharField(
        _("audience"), max_length=12, choices=Audience.choices, default=Audience.CONNECTIONS
    )
    # The author's own tags; used only when audience is "tags".
    audience_tags = models.ManyToManyField(
        Tag, through="PostAudienceTag", related_name="+", blank=True
    )
    is_milestone = models.BooleanField(_("life event"), default=False)
    # SPEC §5, stored so the digest can sort by it; recomputed by the services on every change.
    importance = models.FloatField(default=1.0)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        indexes = [
            # Profile timeline and the feed's per-author scan, newest first. The importance rides
            # along: the digest ranks a circle's week of posts from the index alone (an index-only
            # scan, no table read per candidate: the selection's SQL 6.8 ms -> 4.7 ms at 1M).
            models.Index(
                fields=["author", "-created_at", "-id"],
                name="post_author_created",
                include=["importance"],
            ),
            # The feed's keyset walk and the digest's week range.
            models.Index(fields=["-created_at", "-id"], name="post_created"),
        ]

    def __str__(self) -> str:
        return f"post {self.pk} by {self.author_id}"

    def get_absolute_url(self) -> str:
        return link("social:post", self.pk)

    @property
    def body_html(self) -> str:
        """The body escaped, with line breaks and links, sanitized (safe to mark safe)."""
        return text_to_html(self.body)


class PostAudienceTag(models.Model):
    """One of the post's audience tags."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+", db_index=False)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "tag"], name="post_audience_tag_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.post_id} → tag {self.tag_id}"


# What a page or the API needs of a photo (`Post.with_photos_and_own_tags`).
_PHOTO_FIELDS = (
    "id",
    "position",
    "display_key",
    "thumbnail_key",
    "width",
    "height",
    "thumbnail_width",
    "thumbnail_height",
    "alt",
)


PHOTO_ALT_MAX_LENGTH = 1500


class PhotoQuerySet(models.QuerySet):
    def visible_to(self, viewer):
        """Photos of posts `viewer` may see."""
        return self.filter(Exists(Post.objects.visible_to(viewer).filter(pk=OuterRef("post"))))


class Photo(models.Model):
    """One re-encoded photo of a post: a display version and a thumbnail in storage."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="photos", db_index=False)
    position = models.PositiveSmallIntegerField()
    # Random storage keys (never the uploader's file name).
    display_key = models.CharField(max_length=200)
    thumbnail_key = models.CharField(max_length=200)
    # Size of the display version.
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    thumbnail_width = models.PositiveIntegerField()
    thumbnail_height = models.PositiveIntegerField()
    # What the photo shows, for people who cannot see it (the img's alt); plain text, "" = none.
    alt = models.TextField(
        _("description (alt text)"),
        max_length=PHOTO_ALT_MAX_LENGTH,
        blank=True,
        default="",
        validators=[validate_multi_line],
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        ordering = ["post", "position"]
        constraints = [
            models.UniqueConstraint(fields=["post", "position"], name="photo_unique_position"),
        ]

    def __str__(self) -> str:
        return f"photo {self.position} of post {self.post_id}"

    def storage_keys(self) -> list[str]:
        return [self.display_key, self.thumbnail_key]

    @property
    def display_url(self) -> str:
        """Where pages load the display version (checked view, or presigned in S3 mode)."""
        return photo_url(self, "display")

    @property
    def thumbnail_url(self) -> str:
        """Where pages load the thumbnail."""
        return photo_url(self, "thumb")


class CommentQuerySet(models.QuerySet):
    def visible_to(self, viewer):
        """Comments `viewer` may see (SPEC §3), on top of `PostQuerySet.visible_to`."""
        if viewer is None or not viewer.is_authenticated:
            return self.none()
        post_visible = Exists(Post.objects.visible_to(viewer).filter(pk=OuterRef("post")))
        return self.filter(post_visible).on_visible_post(viewer)

    def on_visible_post(self, viewer):
        """The comment half of the rule: comments `viewer` may see *on a post already known
        to be visible to them* — only for a queryset tied to an outer
        `Post.objects.visible_to(viewer)` row (the feed's comment counts), where repeating
        the post's check would cost a second copy of it per comment. Everything else uses
        `visible_to`."""
        if viewer is None or not viewer.is_authenticated:
            return self.none()
        by_post_author = Exists(Post.objects.filter(pk=OuterRef("post"), author=OuterRef("author")))
        connected = Exists(Connection.objects.accepted_between(viewer, OuterRef("author")))
        blocked = Exists(Block.objects.between(viewer, OuterRef("author")))
        return self.filter(~blocked & (Q(author=viewer) | by_post_author | connected))

    def oldest_first(self):
        """Comment order under a post."""
        return self.order_by("created_at", "id")


class Comment(models.Model):
    """A comment under a post."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="comments", db_index=False
    )
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField(_("comment"), max_length=2000, validators=[validate_multi_line])
    created_at = models.DateTimeField(default=timezone.now)

    objects = CommentQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["post", "created_at", "id"], name="comment_post_created"),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on post {self.post_id}"

    @property
    def body_html(self) -> str:
        """The body escaped, with line breaks and links, sanitized."""
        return text_to_html(self.body)


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, viewer, *, now=None):
        """`viewer`'s notifications that they may still see (SPEC §8): those with at least one
        actor row `NotificationActorQuerySet.visible_to` lets through. Every read starts here,
        the unread count included, so nothing hidden is ever shown or counted. `now` (default:
        now) decides which mutes are in force; a precompiled query binds it per call."""
        if viewer is None or not viewer.is_authenticated:
            return self.none()
        rows = NotificationActor.objects.visible_to(viewer, now=now).filter(
            notification=OuterRef("pk")
        )
        return self.filter(recipient_id=viewer.pk).filter(Exists(rows))

    def unread(self):
        """Not yet marked read."""
        return self.filter(read_at__isnull=True)

    def newest_first(self):
        """The list's order: latest activity, then id."""
        return self.order_by("-created_at", "-id")


class Notification(models.Model):
    """Something that happened to its recipient (SPEC §8), with the people who did it
    (`NotificationActor` rows). While unread, a new comment of the same kind on the same post
    joins the same notification: "Ana and 2 others commented on your post".

    The post and the request are foreign keys with CASCADE: a deleted post or a request
    declined, withdrawn or removed takes the notification with it. Everything else that hides
    it (a narrowed post, a deleted comment, a block, a mute) is decided at every read by
    `visible_to`, never copied here."""

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    # What it is about: the post (comment kinds) or the pair's row (connection kinds).
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The latest activity: a new actor moves a grouped notification to the top.
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        constraints = [
            # One unread group per (recipient, kind, post): two commenters at once join it.
            models.UniqueConstraint(
                fields=["recipient", "kind", "post"],
                condition=Q(read_at__isnull=True, post__isnull=False),
                name="notification_unread_group",
            ),
            # A request (or its acceptance) is told once, however often it is announced.
            models.UniqueConstraint(
                fields=["recipient", "kind", "connection"],
                condition=Q(connection__isnull=False),
                name="notification_once_per_connection",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_list"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class NotificationActorQuerySet(models.QuerySet):
    def visible_to(self, viewer, *, now=None):
        """Actor rows of `viewer`'s notifications whose subject `viewer` may still see: a comment
        through `CommentQuerySet.visible_to` (the post's audience, the comment's author, blocks)
        and not by someone `viewer` muted (at `now`, default now); for a request, nobody
        blocked either way."""
        if viewer is None or not viewer.is_authenticated:
            return self.none()
        comment_visible = Exists(Comment.objects.visible_to(viewer).filter(pk=OuterRef("comment")))
        muted = Exists(Mute.objects.active(now=now).by(viewer, OuterRef("actor")))
        blocked = Exists(Block.objects.between(viewer, OuterRef("actor")))
        return self.filter(recipient_id=viewer.pk).filter(
            (Q(comment__isnull=False) & comment_visible & ~muted)
            | (Q(comment__isnull=True) & ~blocked)
        )


class NotificationActor(models.Model):
    """One actor's part in a notification: a comment, or the request / acceptance itself.
    Also the unit of instant email: each row is emailed at most once (`email`)."""

    class Email(models.TextChoices):
        NONE = "", _("not emailed")
        PENDING = "pending", _("pending")
        # Claimed by one worker (a conditional UPDATE on this row): nobody else may send it.
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        # Hidden, or no longer chosen as instant, when its email was due.
        SKIPPED = "skipped", _("skipped")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="actor_rows"
    )
    # The notification's recipient, copied so that claiming emails is a one-table UPDATE
    # (PostgreSQL rechecks its conditions on a row another worker changed meanwhile).
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_index=False)
    actor = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    email = models.CharField(max_length=8, choices=Email.choices, default=Email.NONE, blank=True)
    # The claim of the worker that sends this row's email (random), "" until claimed.
    email_claim = models.CharField(max_length=32, blank=True)

    objects = NotificationActorQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "email"], name="notification_actor_email"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} in notification {self.notification_id}"


class DataExport(models.Model):
    """A zip of everything a person owns, built in the background for large accounts.

    Small accounts download their export at once and leave no row; this row is the state that
    makes the Celery build idempotent and the file findable from /settings/ and the email.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("being prepared")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    # Storage key of the zip (random), "" until it is built.
    file_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="data_export_user_created")]

    def __str__(self) -> str:
        return f"export {self.pk} of {self.user_id} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("social:export_download", args=[self.pk])
