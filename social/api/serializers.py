"""API shapes of the social app (SPEC §6)."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers

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
