"""Staff tools for the social app."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from social import services
from social.models import Comment, Notification, NotificationActor, Photo, Post, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "email",
        "display_name",
        "timezone",
        "is_active",
        "is_staff",
        "date_joined",
    ]
    list_filter = ["is_active", "is_staff", "is_superuser", "digest_email_enabled", "date_joined"]
    search_fields = ["username", "email", "display_name"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "email", "password"]}),
        (
            _("Profile"),
            {
                "fields": [
                    "display_name",
                    "bio",
                    "timezone",
                    "digest_email_enabled",
                    "notification_emails",
                ]
            },
        ),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "email", "password1", "password2"]}),
    ]


# --- Posts, photos and comments: staff moderation (view and delete) ------------------------------


class _ModerationAdmin(admin.ModelAdmin):
    """View and delete only: content is written by its authors, never edited by staff."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PhotoInline(admin.TabularInline):
    model = Photo
    extra = 0
    can_delete = False
    fields = ["position", "width", "height", "alt", "display_key", "thumbnail_key"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class CommentInline(admin.TabularInline):
    model = Comment
    extra = 0
    can_delete = False
    fields = ["author", "body", "created_at"]
    readonly_fields = fields
    ordering = ["created_at", "id"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Post)
class PostAdmin(_ModerationAdmin):
    list_display = [
        "id",
        "author",
        "short_body",
        "audience",
        "is_milestone",
        "importance",
        "created_at",
    ]
    list_filter = ["audience", "is_milestone", "created_at"]
    search_fields = ["author__username", "author__email", "body"]
    list_select_related = ["author"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    fields = [
        "author",
        "body",
        "audience",
        "is_milestone",
        "importance",
        "created_at",
        "edited_at",
    ]
    readonly_fields = fields
    inlines = [PhotoInline, CommentInline]

    @admin.display(description=_("body"))
    def short_body(self, post: Post) -> str:
        return Truncator(post.body).chars(80)

    def delete_model(self, request, obj):
        services.post_destroy(post=obj)

    def delete_queryset(self, request, queryset):
        for post in queryset:
            services.post_destroy(post=post)


@admin.register(Photo)
class PhotoAdmin(_ModerationAdmin):
    list_display = ["id", "post", "position", "width", "height", "created_at"]
    list_select_related = ["post"]
    search_fields = ["post__author__username", "alt"]
    fields = [
        "post",
        "position",
        "width",
        "height",
        "alt",
        "display_key",
        "thumbnail_key",
        "created_at",
    ]
    readonly_fields = fields

    def delete_model(self, request, obj):
        services.photo_destroy(photo=obj)

    def delete_queryset(self, request, queryset):
        for photo in queryset:
            services.photo_destroy(photo=photo)


@admin.register(Comment)
class CommentAdmin(_ModerationAdmin):
    list_display = ["id", "post", "author", "short_body", "created_at"]
    list_select_related = ["author"]
    search_fields = ["author__username", "body"]
    list_filter = ["created_at"]
    fields = ["post", "author", "body", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("body"))
    def short_body(self, comment: Comment) -> str:
        return Truncator(comment.body).chars(80)

    def delete_model(self, request, obj):
        services.comment_destroy(comment=obj)

    def delete_queryset(self, request, queryset):
        for comment in queryset:
            services.comment_destroy(comment=comment)


# --- Notifications: read-only (SPEC §8) ---------------------------------------------------------


class NotificationActorInline(admin.TabularInline):
    model = NotificationActor
    fields = ["actor", "comment", "created_at", "email"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notifications are made by the services that cause them. No text of a post or
    comment is shown here, only ids."""

    list_display = ["id", "recipient", "kind", "post_id", "connection_id", "created_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    search_fields = ["recipient__username"]
    date_hierarchy = "created_at"
    fields = ["recipient", "kind", "post_id", "connection_id", "created_at", "read_at"]
    readonly_fields = fields
    inlines = [NotificationActorInline]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
