"""API endpoints of the social app: accounts, the own profile, posts, feed, comments (SPEC §6)."""

from django.db import transaction
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from connections import selectors as connections_selectors
from connections.services import invitation_accept
from intentional.api import JSONParser
from intentional.languages import activate_person_language, request_language
from intentional.metrics import FEED_SECONDS
from intentional.ratelimit import ratelimit_enforce
from intentional.schema import error_example, error_response
from social import exports, mfa, selectors, services
from social.api.serializers import (
    AccountDeleteInputSerializer,
    AudiencePreviewInputSerializer,
    AudiencePreviewSerializer,
    AuthorSerializer,
    CommentInputSerializer,
    CommentPageSerializer,
    CommentSerializer,
    ExportQueuedSerializer,
    MeSerializer,
    MfaCodeInputSerializer,
    NotificationPageSerializer,
    NotificationReadInputSerializer,
    NotificationSerializer,
    NotificationSettingsSerializer,
    PhotoAltInputSerializer,
    PhotoSerializer,
    PostCreateInputSerializer,
    PostPageSerializer,
    PostSerializer,
    PostUpdateInputSerializer,
    ProfileSerializer,
    RecoveryCodesSerializer,
    RefreshInputSerializer,
    RegisterInputSerializer,
    RegisterOutputSerializer,
    SearchPageSerializer,
    TagMemberPreviewSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
    TotpSetupSerializer,
)
from social.forms import AccountDeleteForm
from social.models import User


class RegisterWithInvitationSerializer(RegisterInputSerializer):
    invitation = serializers.CharField(
        required=False,
        max_length=64,
        help_text="Token of an invitation link: the new account is connected to its inviter.",
    )


class RegisterView(APIView):
    """Create an account: `{email, username, password, invitation?}` → 201
    `{id, username, email}`."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=RegisterWithInvitationSerializer, responses={201: RegisterOutputSerializer}
    )
    def post(self, request):
        ratelimit_enforce(request, name="register", by_ip=True)
        data = RegisterWithInvitationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = data.validated_data.pop("invitation", "")
        # One transaction: an unusable invitation creates no account.
        with transaction.atomic():
            user = services.user_register(**data.validated_data, language=request_language())
            if token:
                invitation_accept(user=user, token=token)
        return Response(RegisterOutputSerializer(user).data, status=status.HTTP_201_CREATED)


# The schema's examples quote the API's answers in English (social/mfa.py says them through
# gettext; social/tests/test_api_mfa.py checks that the two agree).
_CODE_WRONG = "This code is not right, or it has been used already."


class TokenView(APIView):
    """Trade `{login, password}` (login = email or username) for `{access, refresh}` JWTs;
    with two-factor login on, `{login, password, code}` (SPEC §11)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=TokenInputSerializer,
        responses={
            200: TokenOutputSerializer,
            400: error_response(
                "The login or the password is not right (`validation_error`), whatever the "
                "code: nothing about two-factor login is told before the password is right.",
                [
                    error_example(
                        "Wrong login or password",
                        "validation_error",
                        "The login or the password is not right.",
                        non_field_errors=["The login or the password is not right."],
                    )
                ],
            ),
            401: error_response(
                "The password is right, but the account has two-factor login: "
                "`mfa_required` without a code, `invalid_code` for a wrong, expired or "
                "already used one. An account with passkeys only signs in to the API with a "
                "recovery code.",
                [
                    error_example(
                        "Code needed",
                        "mfa_required",
                        "This account has two-factor login: send a code from your "
                        "authenticator app, or one of your recovery codes, as “code”.",
                    ),
                    error_example("Wrong or used code", "invalid_code", _CODE_WRONG),
                ],
            ),
        },
        examples=[
            OpenApiExample(
                "Password",
                value={"login": "ada@example.com", "password": "correct horse battery"},
                request_only=True,
            ),
            OpenApiExample(
                "Password and a code from the app",
                value={"login": "ada", "password": "correct horse battery", "code": "123456"},
                request_only=True,
            ),
            OpenApiExample(
                "Password and a recovery code",
                value={"login": "ada", "password": "correct horse battery", "code": "40723158"},
                request_only=True,
            ),
        ],
        description="Codes count on the account's two-factor limit (`RATELIMITS['mfa']`), "
        "shared with the two-factor pages; every attempt counts on its login limit.",
    )
    def post(self, request):
        data = TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        login = data.validated_data["login"]
        code = data.validated_data.get("code", "")
        account = selectors.user_for_login(login=login)
        ratelimit_enforce(request, name="login", by_ip=True, account=account, login=login)
        if code:
            # Before the password is checked, so that the answers are the same for every
            # account, with two-factor login or without, known or not.
            ratelimit_enforce(request, name="mfa", account=account, login=login)
        tokens = services.token_obtain(
            request=request,
            account=account,
            login=login,
            password=data.validated_data["password"],
            code=code,
        )
        return Response(tokens)


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


class _DeleteWithBodySchema(AutoSchema):
    """Documents a DELETE's request body (drf-spectacular documents bodies of PUT, PATCH and
    POST only): DELETE /me/ takes `{password}`."""

    def _get_request_body(self, direction="request"):
        method = self.method
        self.method = "POST" if method == "DELETE" else method
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = method


class MeView(APIView):
    """The signed-in person's own profile: read and change it; delete the account."""

    schema = _DeleteWithBodySchema()

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
        activate_person_language(request._request, user)  # a new language answers already
        return Response(MeSerializer(user, context={"request": request}).data)

    @extend_schema(
        request=AccountDeleteInputSerializer,
        responses={204: None},
        description="Delete your account with everything in it (posts, photos and their "
        "files, comments, connections, tags, invitations, digests). `{password}` confirms it; "
        "a wrong one is a 400 `validation_error` on `password`.",
    )
    def delete(self, request):
        ratelimit_enforce(request, name="login", account=request.user)
        data = AccountDeleteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        form = AccountDeleteForm(data.validated_data, user=request.user)
        if not form.is_valid():
            raise serializers.ValidationError(form.errors)
        services.user_delete(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


_CODE_EXAMPLE = OpenApiExample("A code from the app", value={"code": "123456"}, request_only=True)
_TOTP_SETUP_DOC = (
    "Two-factor login with an authenticator app (SPEC §11). Code checks count on the "
    "account's two-factor limit (`RATELIMITS['mfa']`), shared with the sign-in code and the "
    "two-factor pages."
)


class TotpView(APIView):
    """Set up (`POST`, then `POST confirm/`) or remove (`DELETE`) the authenticator app."""

    schema = _DeleteWithBodySchema()

    @extend_schema(
        request=None,
        responses={
            200: TotpSetupSerializer,
            400: error_response(
                "An authenticator app is already set up, or an email address of the account "
                "is not verified yet (`validation_error`).",
                [
                    error_example(
                        "Already set up",
                        "validation_error",
                        "An authenticator app is already set up. Remove it first to set up "
                        "another one.",
                        non_field_errors=[
                            "An authenticator app is already set up. Remove it first to set "
                            "up another one."
                        ],
                    )
                ],
            ),
        },
        examples=[
            OpenApiExample(
                "A new secret",
                value={
                    "secret": "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
                    "otpauth_url": "otpauth://totp/ada%40example.com?"
                    "secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Intentional",
                },
                response_only=True,
            )
        ],
        description=f"{_TOTP_SETUP_DOC} Starts a set-up: a new secret, waiting "
        f"{mfa.TOTP_SETUP_SECONDS // 60} minutes for `confirm/` (a later call replaces it). "
        "Nothing is active until then.",
    )
    def post(self, request):
        return Response(TotpSetupSerializer(mfa.totp_setup_start(user=request.user)).data)

    @extend_schema(
        request=MfaCodeInputSerializer,
        responses={
            204: None,
            400: error_response(
                "The code is not right, or was used already (`validation_error` on `code`).",
                [
                    error_example(
                        "Wrong code", "validation_error", f"code: {_CODE_WRONG}", code=[_CODE_WRONG]
                    )
                ],
            ),
            404: error_response("No authenticator app is set up (`not_found`)."),
        },
        examples=[
            _CODE_EXAMPLE,
            OpenApiExample("A recovery code", value={"code": "40723158"}, request_only=True),
        ],
        description=f"{_TOTP_SETUP_DOC} Removes the app after a current code from it (or an "
        "unused recovery code); the recovery codes go too unless a passkey still needs them.",
    )
    def delete(self, request):
        ratelimit_enforce(request, name="mfa", account=request.user)
        data = MfaCodeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mfa.totp_deactivate(request=request, user=request.user, code=data.validated_data["code"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class TotpConfirmView(APIView):
    """Finish setting up the authenticator app with a code from it: `{recovery_codes}`."""

    @extend_schema(
        request=MfaCodeInputSerializer,
        responses={
            200: RecoveryCodesSerializer,
            400: error_response(
                "The code is not right (`validation_error` on `code`: nothing is set up), no "
                "set-up is waiting, or an app is already set up.",
                [
                    error_example(
                        "Wrong code",
                        "validation_error",
                        "code: This code is not right. Check your device's clock.",
                        code=["This code is not right. Check your device's clock."],
                    ),
                    error_example(
                        "Nothing waiting",
                        "validation_error",
                        "No authenticator app set-up is waiting (or it expired): start again.",
                        non_field_errors=[
                            "No authenticator app set-up is waiting (or it expired): start again."
                        ],
                    ),
                ],
            ),
        },
        examples=[
            _CODE_EXAMPLE,
            OpenApiExample(
                "Set up, with recovery codes",
                value={"recovery_codes": ["40723158", "91630477", "07214586"]},
                response_only=True,
            ),
        ],
        description=f"{_TOTP_SETUP_DOC} Activates the secret of the last `POST "
        "/api/v1/me/2fa/totp/` once a code from it is right, and answers the recovery codes "
        "(made now, or the account's unused ones if a passkey made them before).",
    )
    def post(self, request):
        ratelimit_enforce(request, name="mfa", account=request.user)
        data = MfaCodeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        codes = mfa.totp_activate(
            request=request, user=request.user, code=data.validated_data["code"]
        )
        return Response(RecoveryCodesSerializer({"recovery_codes": codes}).data)


class MeExportView(APIView):
    """Everything you own as a zip (JSON plus photo files); built in the background for large
    accounts (202, the link is emailed and listed here once ready)."""

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            202: ExportQueuedSerializer,
        },
        operation_id="me_export",
    )
    def get(self, request):
        user = request.user
        ratelimit_enforce(request, name="export")
        if not exports.export_is_large(user=user):
            return FileResponse(
                exports.export_temporary_file(user=user),
                as_attachment=True,
                filename=exports.export_filename(user),
                content_type="application/zip",
            )
        export = exports.export_request(user=user)
        ready = export.status == export.Status.READY
        body = {
            "id": export.pk,
            "status": export.status,
            "created_at": export.created_at,
            "url": request.build_absolute_uri(export.get_absolute_url()) if ready else None,
        }
        return Response(ExportQueuedSerializer(body).data, status=status.HTTP_202_ACCEPTED)


class UserDetailView(generics.RetrieveAPIView):
    """A person's profile; 404 for unknown people and across a block (either way)."""

    serializer_class = ProfileSerializer

    def get_queryset(self):
        return connections_selectors.people_visible_to(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        person = selectors.profile_person(viewer=request.user, username=self.kwargs["username"])
        context = {
            **self.get_serializer_context(),
            "details_visible": person.details_visible,
            "connection": person.relationship,
        }
        return Response(ProfileSerializer(person, context=context).data)


# --- Posts, feed and comments (SPEC §6) ---------------------------------------------------------

_PAGE_PARAMETERS = [
    OpenApiParameter("cursor", str, description="Opaque cursor from `next`."),
]


def _next_url(request, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    params = request.query_params.copy()
    params["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def _page_arguments(request, *, with_size: bool) -> dict:
    """cursor (and page_size) from the query string; ValidationError (400) when they are
    malformed."""
    arguments = {"cursor": request.query_params.get("cursor") or None}
    if arguments["cursor"]:
        selectors.cursor_decode(arguments["cursor"])
    if with_size:
        arguments["page_size"] = selectors.page_size_clean(request.query_params.get("page_size"))
    return arguments


class PostListCreateView(APIView):
    """An author's posts that you can see (newest first), and creating a post."""

    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        parameters=[
            OpenApiParameter("author", str, required=True, description="A username."),
            *_PAGE_PARAMETERS,
        ],
        responses=PostPageSerializer,
        operation_id="posts_list",
    )
    def get(self, request):
        username = request.query_params.get("author", "")
        if not username:
            raise serializers.ValidationError({"author": [_("Give the author's username.")]})
        arguments = _page_arguments(request, with_size=False)
        author = User.objects.filter(username__iexact=username, is_active=True).first()
        if author is None:  # answered like an author whose posts you cannot see
            return Response({"results": [], "next": None})
        page = selectors.profile_posts_for(viewer=request.user, author=author, **arguments)
        context = {"request": request}
        return Response(
            {
                "results": PostSerializer(page.items, many=True, context=context).data,
                "next": _next_url(request, page.next_cursor),
            }
        )

    @extend_schema(request=PostCreateInputSerializer, responses={201: PostSerializer})
    def post(self, request):
        ratelimit_enforce(request, name="post")
        data = PostCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        post = services.post_create(author=request.user, **data.validated_data)
        post = selectors.post_for(viewer=request.user, post_id=post.pk)
        return Response(
            PostSerializer(post, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class PostDetailView(GenericAPIView):
    """A post you can see (404 otherwise); its author changes or deletes it."""

    serializer_class = PostSerializer

    def get_queryset(self):
        return selectors.posts_visible(viewer=self.request.user)

    @extend_schema(responses=PostSerializer)
    def get(self, request, pk: int):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=PostUpdateInputSerializer, responses=PostSerializer)
    def patch(self, request, pk: int):
        data = PostUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.post_update(user=request.user, post_id=pk, **data.validated_data)
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.post_delete(user=request.user, post_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostPhotoView(APIView):
    """A photo of your post: change its alt text (404 for anyone but the post's author)."""

    @extend_schema(request=PhotoAltInputSerializer, responses=PhotoSerializer)
    def patch(self, request, pk: int, photo_id: int):
        data = PhotoAltInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = services.photo_alt_update(
            user=request.user, post_id=pk, photo_id=photo_id, alt=data.validated_data["alt"]
        )
        return Response(PhotoSerializer(photo, context={"request": request}).data)


class FeedView(APIView):
    """Your feed: your and your connections' posts that you can see, newest first."""

    @extend_schema(
        parameters=[
            *_PAGE_PARAMETERS,
            OpenApiParameter("page_size", int, description="1 to 50; 20 by default."),
        ],
        responses=PostPageSerializer,
    )
    def get(self, request):
        arguments = _page_arguments(request, with_size=True)
        with FEED_SECONDS.time():
            page = selectors.feed_for(viewer=request.user, **arguments)
            results = PostSerializer(page.items, many=True, context={"request": request}).data
        return Response({"results": results, "next": _next_url(request, page.next_cursor)})


class AudiencePreviewView(APIView):
    """Who would see a post with this audience (SPEC §10), from the audience rule itself; with
    `post` (your own; 404 otherwise) also who would start and stop seeing it. Nothing is
    saved."""

    @extend_schema(request=AudiencePreviewInputSerializer, responses=AudiencePreviewSerializer)
    def post(self, request):
        data = AudiencePreviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        preview = selectors.audience_preview(
            author=request.user,
            audience=data.validated_data["audience"],
            audience_tags=data.validated_data["audience_tags"],
            post_id=data.validated_data.get("post"),
        )
        body = {
            "count": len(preview.people),
            "people": AuthorSerializer(preview.people, many=True).data,
        }
        if preview.gains is not None:
            body["gains"] = AuthorSerializer(preview.gains, many=True).data
            body["loses"] = AuthorSerializer(preview.loses, many=True).data
        return Response(body)


class TagMemberPreviewView(APIView):
    """Before labelling someone with one of your tags (SPEC §10): how many of the tag's posts
    were written before the label (`{earlier_posts}`), which they see only with
    `include_earlier_posts`. Others' tags: 404; someone not your connection: 400."""

    @extend_schema(responses=TagMemberPreviewSerializer)
    def get(self, request, pk: int, username: str):
        count = selectors.tag_earlier_posts(owner=request.user, tag_id=pk, username=username)
        return Response({"earlier_posts": count})


class SearchView(APIView):
    """Search (SPEC §9): the posts you can see whose text matches `q`, best match first then
    newest, and your connections whose name or username matches."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, required=True, description="2 to 200 characters."),
            OpenApiParameter(
                "cursor",
                str,
                description="Opaque cursor from `next`: the position after the last result "
                "(rank, created time, id), so pages neither repeat nor skip a post.",
            ),
        ],
        responses=SearchPageSerializer,
    )
    def get(self, request):
        cursor = request.query_params.get("cursor") or None
        found = selectors.search_for(
            viewer=request.user, query=request.query_params.get("q", ""), cursor=cursor
        )
        context = {"request": request}
        return Response(
            {
                "results": PostSerializer(found.posts, many=True, context=context).data,
                "people": AuthorSerializer(found.people, many=True).data,
                "next": _next_url(request, found.next_cursor),
            }
        )


class CommentListCreateView(APIView):
    """The comments of a post that you can see, oldest first; commenting on it."""

    @extend_schema(parameters=_PAGE_PARAMETERS, responses=CommentPageSerializer)
    def get(self, request, pk: int):
        arguments = _page_arguments(request, with_size=False)
        page = selectors.comments_for(viewer=request.user, post_id=pk, **arguments)
        return Response(
            {
                "results": CommentSerializer(page.items, many=True).data,
                "next": _next_url(request, page.next_cursor),
            }
        )

    @extend_schema(request=CommentInputSerializer, responses={201: CommentSerializer})
    def post(self, request, pk: int):
        ratelimit_enforce(request, name="comment")
        data = CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_create(
            author=request.user, post_id=pk, body=data.validated_data["body"]
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class CommentDeleteView(APIView):
    """Delete a comment: its author or the post's author (404 for anyone else)."""

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.comment_delete(user=request.user, comment_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Notifications (SPEC §8) --------------------------------------------------------------------


class NotificationListView(APIView):
    """Your notifications that you may still see, newest first, with the unread count."""

    @extend_schema(parameters=_PAGE_PARAMETERS, responses=NotificationPageSerializer)
    def get(self, request):
        arguments = _page_arguments(request, with_size=False)
        page = selectors.notifications_for(viewer=request.user, **arguments)
        return Response(
            {
                "results": NotificationSerializer(page.items, many=True).data,
                "next": _next_url(request, page.next_cursor),
                "unread_count": selectors.notifications_unread_count(viewer=request.user),
            }
        )


class NotificationReadView(APIView):
    """Mark those notifications read (`ids`), or without `ids` all of them."""

    @extend_schema(request=NotificationReadInputSerializer, responses={204: None})
    def post(self, request):
        data = NotificationReadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.notifications_mark_read(user=request.user, ids=data.validated_data.get("ids"))
        return Response(status=status.HTTP_204_NO_CONTENT)


class NotificationSettingsView(APIView):
    """How each kind of notification reaches you by email: instant, weekly or off."""

    @extend_schema(responses=NotificationSettingsSerializer)
    def get(self, request):
        return Response(request.user.email_choices())

    @extend_schema(request=NotificationSettingsSerializer, responses=NotificationSettingsSerializer)
    def patch(self, request):
        data = NotificationSettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        choices = services.notification_choices_update(
            user=request.user, choices=dict(data.validated_data)
        )
        return Response(choices)
