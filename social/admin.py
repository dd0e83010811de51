"""Staff tools for the social app."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from social.models import User


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
        (_("Profile"), {"fields": ["display_name", "bio", "timezone", "digest_email_enabled"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "email", "password1", "password2"]}),
    ]
