"""API shapes of the social app (SPEC §6)."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from social.models import User, username_validator, validate_timezone


class RegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    username = serializers.CharField(max_length=30, validators=[username_validator])
    password = serializers.CharField(write_only=True, style={"input_type": "password"})

    def validate_email(self, value: str) -> str:
        if User.objects.filter(email__iexact=value).exists():
            raise serializers.ValidationError(_("An account with that email already exists."))
        return value

    def validate_username(self, value: str) -> str:
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


class TokenInputSerializer(serializers.Serializer):
    login = serializers.CharField(help_text="Email or username.")
    password = serializers.CharField(write_only=True, style={"input_type": "password"})


class TokenOutputSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    """The signed-in person's own profile."""

    avatar_url = serializers.SerializerMethodField()
    timezone = serializers.CharField(max_length=64, validators=[validate_timezone])

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "display_name",
            "bio",
            "timezone",
            "digest_email_enabled",
            "avatar_url",
        ]
        read_only_fields = ["id", "username", "email", "avatar_url"]

    def get_avatar_url(self, user: User) -> str | None:
        path = user.avatar_path()
        return self.context["request"].build_absolute_uri(path) if path else None


class TokenRefreshSerializer(jwt_serializers.TokenRefreshSerializer):
    """Refresh with rotation, refusing tokens of deleted or inactive accounts and tokens issued
    before the last password change."""

    def validate(self, attrs):
        refresh = RefreshToken(attrs["refresh"])
        user = User.objects.filter(pk=refresh.payload.get(jwt_settings.USER_ID_CLAIM)).first()
        if user is None or not user.is_active:
            raise InvalidToken(_("This account no longer exists or is disabled."))
        if refresh.payload.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(
            user.password
        ):
            raise InvalidToken(_("The password changed; log in again."))
        return super().validate(attrs)


class RefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class RefreshOutputSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField(help_text="The rotated refresh token; the old one is void.")
