"""API endpoints of the social app: accounts and the own profile (SPEC §6)."""

from django.contrib.auth import authenticate
from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from intentional.ratelimit import ratelimit_enforce
from social import services
from social.api.serializers import (
    MeSerializer,
    RefreshInputSerializer,
    RegisterInputSerializer,
    RegisterOutputSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
)
from social.models import User


class RegisterView(APIView):
    """Create an account: `{email, username, password}` → 201 `{id, username, email}`."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=RegisterInputSerializer, responses={201: RegisterOutputSerializer})
    def post(self, request):
        ratelimit_enforce(request, name="register", by_ip=True)
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        return Response(RegisterOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(APIView):
    """Trade `{login, password}` (login = email or username) for `{access, refresh}` JWTs."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=TokenInputSerializer, responses={200: TokenOutputSerializer})
    def post(self, request):
        data = TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        login = data.validated_data["login"]
        ratelimit_enforce(request, name="login", by_ip=True, account=login)
        account = User.objects.filter(Q(username__iexact=login) | Q(email__iexact=login)).first()
        # An unknown login still runs the password hasher, so timing tells nothing.
        user = authenticate(
            request,
            username=account.username if account is not None else login,
            password=data.validated_data["password"],
        )
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": [_("The login or the password is not right.")]}
            )
        refresh = RefreshToken.for_user(user)
        return Response({"access": str(refresh.access_token), "refresh": str(refresh)})


class LogoutView(APIView):
    """Void a refresh token (`{refresh}`): it can no longer mint access tokens. 204."""

    @extend_schema(request=RefreshInputSerializer, responses={204: None})
    def post(self, request):
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            token = RefreshToken(data.validated_data["refresh"])
        except TokenError:
            raise serializers.ValidationError(
                {"refresh": [_("This token is invalid or expired.")]}
            ) from None
        if str(token.payload.get("user_id")) != str(request.user.pk):
            raise serializers.ValidationError({"refresh": [_("This token is not yours.")]})
        token.blacklist()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    """The signed-in person's own profile: read and change it."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user, context={"request": request}).data)

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    def patch(self, request):
        data = MeSerializer(
            request.user, data=request.data, partial=True, context={"request": request}
        )
        data.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, **data.validated_data)
        return Response(MeSerializer(user, context={"request": request}).data)
