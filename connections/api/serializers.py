"""API shapes of the social graph (SPEC §6)."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from connections import selectors
from connections.models import Block, Connection, Invitation, Mute, Tag
from connections.services import invitation_url

User = get_user_model()


class PersonSerializer(serializers.ModelSerializer):
    """Someone, as lists show them."""

    class Meta:
        model = User
        fields = ["username", "display_name"]
        read_only_fields = fields


class ConnectionSerializer(serializers.Serializer):
    """One accepted connection: `{user: {username, display_name}, since}`."""

    user = PersonSerializer(source="*")
    since = serializers.DateTimeField(allow_null=True)


class UsernameInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="Their username (any case).")


class ConnectionRequestSerializer(serializers.ModelSerializer):
    """A request (or the connection it became): `{id, from_user, to_user, status, created_at}`."""

    from_user = serializers.SerializerMethodField()
    to_user = serializers.SerializerMethodField()

    class Meta:
        model = Connection
        fields = ["id", "from_user", "to_user", "status", "created_at"]
        read_only_fields = fields

    @extend_schema_field(PersonSerializer)
    def get_from_user(self, connection: Connection) -> dict:
        return PersonSerializer(selectors.request_people(connection)[0]).data

    @extend_schema_field(PersonSerializer)
    def get_to_user(self, connection: Connection) -> dict:
        return PersonSerializer(selectors.request_people(connection)[1]).data


class BlockSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="blocked.username", read_only=True)

    class Meta:
        model = Block
        fields = ["username"]


class MuteSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="muted.username", read_only=True)

    class Meta:
        model = Mute
        fields = ["username", "until"]
        read_only_fields = fields


class MuteInputSerializer(serializers.Serializer):
    """`{username, until?}`: without `until` (or null), until unmuted."""

    username = serializers.CharField(max_length=150)
    until = serializers.DateTimeField(required=False, allow_null=True, default=None)


class InvitationSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    used_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Invitation
        fields = ["token", "url", "expires_at", "used_by"]
        read_only_fields = fields

    def get_url(self, invitation: Invitation) -> str:
        return invitation_url(invitation)


class TagSerializer(serializers.ModelSerializer):
    """One of the caller's own tags: `{id, name, members: [username]}`."""

    members = serializers.SerializerMethodField()

    class Meta:
        model = Tag
        fields = ["id", "name", "members"]
        read_only_fields = fields

    def get_members(self, tag: Tag) -> list[str]:
        return [membership.target.username for membership in tag.memberships.all()]


class TagMemberInputSerializer(serializers.Serializer):
    include_earlier_posts = serializers.BooleanField(
        required=False,
        help_text="Whether they also see the tag's posts from before they were labelled "
        "(default true for a new label; an existing label changes only when given). "
        "GET …/preview/ says how many.",
    )


class TagInputSerializer(serializers.Serializer):
    # Length and emptiness are checked by the service, with the same messages as the pages.
    name = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="≤ 40 chars.")
