"""API shapes of the social app (SPEC §6)."""

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from connections.selectors import RELATIONSHIPS
from intentional.api import DeclaredFieldsRepresentation
from social.models import (
    NOTIFICATION_EMAIL_DEFAULTS,
    EmailChoice,
    NotificationKind,
    Post,
    User,
    username_validator,
    validate_timezone,
)
from social.storage import photo_urls_for


class RegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    username = serializers.CharField(max_length=30, validators=[username_validator])
    password = serializers.CharField(write_only=True, style={"input_type": "password"})

    def validate_email(self, value: str) -> str:
        if User.objects.filter(email__iexact=value).exists():
            raise serializers.ValidationError(_("An account with that email already exists."))
        return value

    def validate_username(self, value: str) -> str:
        if value.lower() in settings.ACCOUNT_USERNAME_BLACKLIST:
            raise serializers.ValidationError(_("That username is reserved; choose another."))
        if User.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError(_("That username is taken."))
        return value

    def validate(self, attrs):
        candidate = User(username=attrs["username"], email=attrs["email"])
        try:
            validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": list(error.messages)}) from None
        return attrs


class RegisterOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email"]


# Long enough for a code typed with spaces or dashes; codes are 6 (app) or 8 (recovery) digits.
MFA_CODE_MAX_LENGTH = 32


class TokenInputSerializer(serializers.Serializer):
    login = serializers.CharField(help_text="Email or username.")
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MFA_CODE_MAX_LENGTH,
        help_text="Only for an account with two-factor login (SPEC §11): a current code from "
        "its authenticator app, or one of its unused recovery codes (each works once).",
    )


class TokenOutputSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class TotpSetupSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="Base32 secret to type into an authenticator app.")
    otpauth_url = serializers.CharField(
        help_text="The same as an `otpauth://totp/…` URL, for a QR code."
    )


class MfaCodeInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=MFA_CODE_MAX_LENGTH)


class RecoveryCodesSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(),
        help_text="The account's unused recovery codes: each signs in once in place of a code "
        "from the app. Keep them somewhere safe.",
    )


class MeSerializer(serializers.ModelSerializer):
    """The signed-in person's own profile."""

    avatar_url = serializers.SerializerMethodField()
    timezone = serializers.CharField(max_length=64, validators=[validate_timezone])
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        allow_blank=True,
        required=False,
        help_text="The language of your pages, API messages and emails (SPEC §12); "
        '"" for none chosen: answers follow Accept-Language, emails are in English.',
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "display_name",
            "bio",
            "timezone",
            "language",
            "digest_email_enabled",
            "memories_enabled",
            "avatar_url",
        ]
        read_only_fields = ["id", "username", "email", "avatar_url"]

    def get_avatar_url(self, user: User) -> str | None:
        path = user.avatar_path()
        return self.context["request"].build_absolute_uri(path) if path else None


class AccountDeleteInputSerializer(serializers.Serializer):
    password = serializers.CharField(
        style={"input_type": "password"},
        trim_whitespace=False,
        help_text="Your password, to confirm that the account and all of it is deleted.",
    )


class ExportQueuedSerializer(serializers.Serializer):
    """A large account's export, built in the background; the link is emailed when ready."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    url = serializers.CharField(
        allow_null=True, help_text="Where to download the zip once `status` is `ready`."
    )


class TokenRefreshSerializer(jwt_serializers.TokenRefreshSerializer):
    """Refresh with rotation, refusing tokens of deleted or inactive accounts and tokens issued
    before the last password change."""

    def validate(self, attrs):
        refresh = RefreshToken(attrs["refresh"])
        user = User.objects.filter(pk=refresh.payload.get(jwt_settings.USER_ID_CLAIM)).first()
        if user is None or not user.is_active:
            raise AuthenticationFailed(_("This account no longer exists or is disabled."))
        if refresh.payload.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(
            user.password
        ):
            raise AuthenticationFailed(_("The password changed; log in again."))
        return super().validate(attrs)


class RefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class RefreshOutputSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField(help_text="The rotated refresh token; the old one is void.")


# --- Posts and comments (SPEC §6) ---------------------------------------------------------------


class AuthorSerializer(DeclaredFieldsRepresentation, serializers.Serializer):
    username = serializers.CharField(read_only=True)
    display_name = serializers.CharField(read_only=True)


class PhotoSerializer(DeclaredFieldsRepresentation, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    width = serializers.IntegerField(read_only=True)
    height = serializers.IntegerField(read_only=True)
    alt = serializers.CharField(
        read_only=True, help_text="What the photo shows (plain text, may be empty)."
    )

    def _urls(self):
        # One per request (the context is the root serializer's): the host part is made once.
        context = self.context
        urls = context.get("_photo_urls")
        if urls is None:
            urls = context["_photo_urls"] = photo_urls_for(context.get("request"))
        return urls

    def get_url(self, photo) -> str:
        return self._urls()(photo, "display")

    def get_thumbnail_url(self, photo) -> str:
        return self._urls()(photo, "thumb")


class TagRefSerializer(DeclaredFieldsRepresentation, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class PostSerializer(DeclaredFieldsRepresentation, serializers.Serializer):
    """A post as its viewer may see it; `audience` and `audience_tags` only for its author.

    Reads only what `selectors.posts_visible` loaded (author, photos, the viewer's own tags,
    the visible comment count): no query per post.
    """

    id = serializers.IntegerField(read_only=True)
    author = AuthorSerializer(read_only=True)
    body = serializers.CharField(read_only=True)
    body_html = serializers.CharField(read_only=True)
    is_milestone = serializers.BooleanField(read_only=True)
    importance = serializers.FloatField(read_only=True)
    photos = PhotoSerializer(many=True, read_only=True, source="photos.all")
    comment_count = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    edited_at = serializers.DateTimeField(read_only=True, allow_null=True)
    # Not read-only so that the schema marks them optional: they are absent for non-authors.
    audience = serializers.ChoiceField(
        choices=Post.Audience.choices,
        required=False,
        help_text="Only for the post's author.",
    )
    audience_tags = TagRefSerializer(
        many=True,
        required=False,
        source="audience_tags.all",
        help_text="Only for the post's author.",
    )

    def to_representation(self, post):
        data = super().to_representation(post)
        if post.author_id != self.context["request"].user.pk:
            del data["audience"], data["audience_tags"]
        return data

    def generic_representation(self, post):
        """DRF's own field-by-field output (what `to_representation` must equal; for tests)."""
        data = serializers.Serializer.to_representation(self, post)
        if post.author_id != self.context["request"].user.pk:
            data.pop("audience", None)
            data.pop("audience_tags", None)
        return data


class PostPageSerializer(serializers.Serializer):
    results = PostSerializer(many=True)
    next = serializers.URLField(allow_null=True)


class TagMemberPreviewSerializer(serializers.Serializer):
    earlier_posts = serializers.IntegerField(
        help_text="Your posts shared with the tag from before the label."
    )


class SearchPageSerializer(serializers.Serializer):
    results = PostSerializer(many=True, help_text="Posts you can see, best match first.")
    people = AuthorSerializer(
        many=True, help_text="Your connections whose name or username matches (first page)."
    )
    next = serializers.URLField(allow_null=True)


class AudiencePreviewInputSerializer(serializers.Serializer):
    audience = serializers.ChoiceField(choices=Post.Audience.choices)
    audience_tags = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=50,
        help_text="Ids of your own tags, when audience is `tags`.",
    )
    post = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="One of your posts: also say who would start and stop seeing it.",
    )


class AudiencePreviewSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many people besides you would see it.")
    people = AuthorSerializer(many=True)
    gains = AuthorSerializer(
        many=True, required=False, help_text="With `post`: who would start seeing it."
    )
    loses = AuthorSerializer(
        many=True, required=False, help_text="With `post`: who would stop seeing it."
    )


class PostCreateInputSerializer(serializers.Serializer):
    body = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, default=""
    )
    audience = serializers.ChoiceField(
        choices=Post.Audience.choices, required=False, default=Post.Audience.CONNECTIONS
    )
    audience_tags = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        help_text="Ids of your own tags (1 to 10) when audience is `tags`.",
    )
    is_milestone = serializers.BooleanField(required=False, default=False)
    photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        required=False,
        default=list,
        help_text="Up to 4 images (multipart only): JPEG, PNG, WebP, GIF or HEIC, ≤ 10 MB, "
        "≤ 40 MP.",
    )
    photo_alts = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        required=False,
        default=list,
        help_text="One alt text per photo, in the same order as `photos` (plain text, up to "
        "1,500 characters each, may be empty).",
    )


class PostUpdateInputSerializer(serializers.Serializer):
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    audience = serializers.ChoiceField(choices=Post.Audience.choices, required=False)
    audience_tags = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False
    )
    is_milestone = serializers.BooleanField(required=False)


class PhotoAltInputSerializer(serializers.Serializer):
    alt = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text="What the photo shows: plain text, up to 1,500 characters; empty for none.",
    )


class CommentSerializer(DeclaredFieldsRepresentation, serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    post = serializers.IntegerField(read_only=True, source="post_id")
    author = AuthorSerializer(read_only=True)
    body = serializers.CharField(read_only=True)
    body_html = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class CommentPageSerializer(serializers.Serializer):
    results = CommentSerializer(many=True)
    next = serializers.URLField(allow_null=True)


class CommentInputSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, trim_whitespace=False)


class ProfileSerializer(serializers.ModelSerializer):
    """`GET /users/<username>/`: bio and avatar only for connections and self."""

    bio = serializers.SerializerMethodField()
    avatar_url = serializers.SerializerMethodField()
    connection = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["username", "display_name", "bio", "avatar_url", "connection"]
        read_only_fields = fields

    def get_bio(self, user: User) -> str | None:
        return user.bio if self.context["details_visible"] else None

    def get_avatar_url(self, user: User) -> str | None:
        path = user.avatar_path() if self.context["details_visible"] else ""
        return self.context["request"].build_absolute_uri(path) if path else None

    @extend_schema_field(serializers.ChoiceField(choices=RELATIONSHIPS))
    def get_connection(self, user: User) -> str:
        return self.context["connection"]


# --- Notifications (SPEC §8) --------------------------------------------------------------------


class NotificationActorSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()


class NotificationSerializer(serializers.Serializer):
    """A notification as `social.selectors.notifications_for` shows it (what the reader may
    still see): `{id, kind, actors, actor_count, post, comment, request, created_at, read}`."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    actors = NotificationActorSerializer(many=True)
    actor_count = serializers.IntegerField()
    post = serializers.IntegerField(source="post_id", allow_null=True)
    comment = serializers.SerializerMethodField()
    request = serializers.IntegerField(source="connection_id", allow_null=True)
    created_at = serializers.DateTimeField()
    read = serializers.SerializerMethodField()

    def get_comment(self, notification) -> int | None:
        return notification.comment.pk if notification.comment is not None else None

    def get_read(self, notification) -> bool:
        return notification.read_at is not None


class NotificationPageSerializer(serializers.Serializer):
    results = NotificationSerializer(many=True)
    next = serializers.URLField(allow_null=True)
    unread_count = serializers.IntegerField()


class NotificationReadInputSerializer(serializers.Serializer):
    # Ids are 64-bit: a larger number is bad input, not a database error.
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=500,
    )


class NotificationSettingsSerializer(serializers.Serializer):
    """`{<kind>: "instant" | "weekly" | "off", …}` (SPEC §8); PATCH any of them."""

    def get_fields(self):
        return {
            kind.value: serializers.ChoiceField(choices=EmailChoice.choices, required=False)
            for kind in NOTIFICATION_EMAIL_DEFAULTS
        }
