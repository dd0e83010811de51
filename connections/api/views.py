"""API endpoints of the social graph (SPEC §6): people, connections, requests, blocks,
invitations and tags. Reads are DRF generics over selectors; writes call one service."""

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination, CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from connections import selectors, services
from connections.api.serializers import (
    BlockSerializer,
    ConnectionRequestSerializer,
    ConnectionSerializer,
    InvitationSerializer,
    MuteInputSerializer,
    MuteSerializer,
    TagInputSerializer,
    TagMemberInputSerializer,
    TagSerializer,
    UsernameInputSerializer,
)
from connections.models import Connection
from intentional.ratelimit import ratelimit_enforce

_NEXT_SCHEMA = {"type": "string", "format": "uri", "nullable": True}


class SinglePagePagination(BasePagination):
    """Every row in one page (for lists with a hard cap, like connections): `next` is null."""

    def paginate_queryset(self, queryset, request, view=None):
        return list(queryset)

    def get_paginated_response(self, data):
        return Response({"results": data, "next": None})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results", "next"],
            "properties": {"results": schema, "next": _NEXT_SCHEMA},
        }


class NewestFirstPagination(CursorPagination):
    """Keyset pages of 50, newest first: `{results, next}`."""

    page_size = 50
    ordering = "-created_at"

    def decode_cursor(self, request):
        """A malformed cursor is bad input (400, like the feed's), not DRF's 404; nor a 500
        when its position, which DRF filters with as it is, is not a date and time."""
        invalid = ValidationError({self.cursor_query_param: [_("This cursor is not valid.")]})
        try:
            cursor = super().decode_cursor(request)
            position = cursor.position if cursor is not None else None
            if position is not None and parse_datetime(position) is None:
                raise invalid
        except (NotFound, ValueError):
            raise invalid from None
        return cursor

    def get_paginated_response(self, data):
        return Response({"results": data, "next": self.get_next_link()})

    def get_paginated_response_schema(self, schema):
        return SinglePagePagination().get_paginated_response_schema(schema)


class OldestFirstPagination(NewestFirstPagination):
    ordering = "created_at"


# --- Connections and requests -----------------------------------------------------------------


class ConnectionListView(generics.ListAPIView):
    """The caller's accepted connections, by name (at most INTENTIONAL_MAX_CONNECTIONS)."""

    serializer_class = ConnectionSerializer
    pagination_class = SinglePagePagination

    def get_queryset(self):
        return selectors.connected_people(user=self.request.user)


class ConnectionDetailView(APIView):
    """Remove an accepted connection (either side); both sides' labels of the other go too."""

    @extend_schema(responses={204: None})
    def delete(self, request, username: str):
        services.connection_remove(user=request.user, username=username)
        return Response(status=status.HTTP_204_NO_CONTENT)


DIRECTIONS = ["incoming", "outgoing"]


class ConnectionRequestListView(generics.ListAPIView):
    """Pending requests, incoming (default) or outgoing; and sending one."""

    serializer_class = ConnectionRequestSerializer
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        direction = self.request.query_params.get("direction", "incoming")
        if direction not in DIRECTIONS:
            raise ValidationError({"direction": [_("Use “incoming” or “outgoing”.")]})
        if direction == "outgoing":
            return selectors.requests_outgoing(user=self.request.user)
        return selectors.requests_incoming(user=self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("direction", OpenApiTypes.STR, enum=DIRECTIONS, default="incoming")
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=UsernameInputSerializer,
        responses={201: ConnectionRequestSerializer},
        description="Ask someone to connect. If they already asked you, this accepts theirs "
        "(status `accepted`).",
    )
    def post(self, request):
        data = UsernameInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ratelimit_enforce(request, name="connection_request")
        connection = services.connection_request(
            user=request.user, username=data.validated_data["username"]
        )
        return Response(_request_out(connection), status=status.HTTP_201_CREATED)


def _request_out(connection: Connection) -> dict:
    """The row as the service committed it (with its people): not re-read, since a block
    committed right after may already have deleted it."""
    return ConnectionRequestSerializer(connection).data


class ConnectionRequestDetailView(APIView):
    """The requester cancels a pending request."""

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.connection_cancel(user=request.user, connection_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConnectionRequestAcceptView(APIView):
    """The recipient accepts a pending request."""

    @extend_schema(request=None, responses={200: ConnectionRequestSerializer})
    def post(self, request, pk: int):
        connection = services.connection_accept(user=request.user, connection_id=pk)
        return Response(_request_out(connection))


class ConnectionRequestDeclineView(APIView):
    """The recipient declines a pending request."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request, pk: int):
        services.connection_decline(user=request.user, connection_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Blocks -----------------------------------------------------------------------------------


class BlockListView(generics.ListAPIView):
    """The people the caller blocked; and blocking someone."""

    serializer_class = BlockSerializer
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        return selectors.blocks_by(user=self.request.user)

    @extend_schema(request=UsernameInputSerializer, responses={201: BlockSerializer})
    def post(self, request):
        data = UsernameInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        block = services.block_create(user=request.user, username=data.validated_data["username"])
        return Response(BlockSerializer(block).data, status=status.HTTP_201_CREATED)


class BlockDetailView(APIView):
    """Lift a block the caller made."""

    @extend_schema(responses={204: None})
    def delete(self, request, username: str):
        services.block_remove(user=request.user, username=username)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Mutes (SPEC §8) -------------------------------------------------------------------------


class MuteListView(generics.ListAPIView):
    """The people you muted (mutes in force); and muting someone, until a time or unmuted."""

    serializer_class = MuteSerializer
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        return selectors.mutes_by(user=self.request.user)

    @extend_schema(request=MuteInputSerializer, responses={201: MuteSerializer})
    def post(self, request):
        data = MuteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        mute = services.mute_create(user=request.user, **data.validated_data)
        return Response(MuteSerializer(mute).data, status=status.HTTP_201_CREATED)


class MuteDetailView(APIView):
    """Unmute someone."""

    @extend_schema(responses={204: None})
    def delete(self, request, username: str):
        services.mute_remove(user=request.user, username=username)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Invitations ------------------------------------------------------------------------------


class InvitationListView(generics.ListAPIView):
    """The caller's invitation links; and creating one (single use, 14 days)."""

    serializer_class = InvitationSerializer
    pagination_class = NewestFirstPagination

    def get_queryset(self):
        return selectors.invitations_by(user=self.request.user)

    @extend_schema(request=None, responses={201: InvitationSerializer})
    def post(self, request):
        ratelimit_enforce(request, name="invitation")
        invitation = services.invitation_create(user=request.user)
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


# --- Tags -------------------------------------------------------------------------------------


def _tag_out(request, tag_id: int) -> dict:
    return TagSerializer(selectors.tags_of(owner=request.user).get(pk=tag_id)).data


class TagListView(generics.ListAPIView):
    """The caller's own tags with their members; and creating one."""

    serializer_class = TagSerializer
    pagination_class = OldestFirstPagination

    def get_queryset(self):
        return selectors.tags_of(owner=self.request.user)

    @extend_schema(request=TagInputSerializer, responses={201: TagSerializer})
    def post(self, request):
        data = TagInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tag = services.tag_create(owner=request.user, name=data.validated_data["name"])
        return Response(_tag_out(request, tag.pk), status=status.HTTP_201_CREATED)


class TagDetailView(APIView):
    """Rename or delete one of the caller's tags (others' tags: 404)."""

    @extend_schema(request=TagInputSerializer, responses={200: TagSerializer})
    def patch(self, request, pk: int):
        data = TagInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.tag_rename(owner=request.user, tag_id=pk, name=data.validated_data["name"])
        return Response(_tag_out(request, pk))

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.tag_delete(owner=request.user, tag_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TagMemberView(APIView):
    """Label or unlabel one of the caller's connections (400 if not connected)."""

    @extend_schema(request=TagMemberInputSerializer, responses={204: None})
    def put(self, request, pk: int, username: str):
        data = TagMemberInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.tag_member_add(
            owner=request.user,
            tag_id=pk,
            username=username,
            include_earlier_posts=data.validated_data.get("include_earlier_posts"),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int, username: str):
        services.tag_member_remove(owner=request.user, tag_id=pk, username=username)
        return Response(status=status.HTTP_204_NO_CONTENT)
