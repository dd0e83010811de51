"""Staff views of the social graph: see and remove connections, blocks, mutes, invitations and
tags.

Nothing here is created or edited by hand: the services keep the rules (ordered pairs, the
cap, labels only on connections). Tag names are shown to staff here and nowhere else.
"""

from django.contrib import admin

from connections import services
from connections.models import Block, Connection, Invitation, Mute, Tag, TagMembership


class ReadAndRemoveAdmin(admin.ModelAdmin):
    """Staff may look and delete, not add or change."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Connection)
class ConnectionAdmin(ReadAndRemoveAdmin):
    list_display = ["id", "user_a", "user_b", "status", "requested_by", "created_at", "accepted_at"]
    list_filter = ["status"]
    list_select_related = ["user_a", "user_b", "requested_by"]
    search_fields = ["user_a__username", "user_b__username"]
    date_hierarchy = "created_at"

    def delete_model(self, request, obj):
        # Through the service: both sides' labels of the other go with the connection.
        services.connection_delete(connection_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for connection_id in queryset.values_list("pk", flat=True):
            services.connection_delete(connection_id=connection_id)


@admin.register(Block)
class BlockAdmin(ReadAndRemoveAdmin):
    list_display = ["id", "blocker", "blocked", "created_at"]
    list_select_related = ["blocker", "blocked"]
    search_fields = ["blocker__username", "blocked__username"]


@admin.register(Mute)
class MuteAdmin(ReadAndRemoveAdmin):
    list_display = ["id", "muter", "muted", "until", "created_at"]
    list_select_related = ["muter", "muted"]
    search_fields = ["muter__username", "muted__username"]


@admin.register(Invitation)
class InvitationAdmin(ReadAndRemoveAdmin):
    list_display = ["id", "inviter", "created_at", "expires_at", "used_by", "used_at"]
    list_select_related = ["inviter", "used_by"]
    search_fields = ["inviter__username", "used_by__username"]
    exclude = ["token"]  # a live sign-up link: staff have no need to copy it


class TagMembershipInline(admin.TabularInline):
    model = TagMembership
    fields = ["target", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Tag)
class TagAdmin(ReadAndRemoveAdmin):
    list_display = ["id", "name", "owner", "created_at"]
    list_select_related = ["owner"]
    search_fields = ["owner__username", "name"]
    inlines = [TagMembershipInline]
