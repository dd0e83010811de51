"""Staff tools for the digest app: digests and deliveries, read-only, with a rebuild action."""

from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from digest.models import Digest, DigestDelivery, DigestEntry, DigestMemory
from digest.services import digest_build


class ReadOnlyAdmin(admin.ModelAdmin):
    """Stored by the digest services only; staff look, and may rebuild."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DigestEntryInline(admin.TabularInline):
    model = DigestEntry
    fields = ["position", "post"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


class DigestMemoryInline(admin.TabularInline):
    """Its memories, "From past years" (SPEC §5)."""

    model = DigestMemory
    fields = ["post"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = _("memories (from past years)")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Digest)
class DigestAdmin(ReadOnlyAdmin):
    list_display = ["user", "week", "summary_source", "entry_count", "built_at", "emailed_at"]
    list_filter = ["summary_source", "week"]
    search_fields = ["user__username", "user__email", "week"]
    list_select_related = ["user"]
    readonly_fields = [
        "user",
        "week",
        "starts_at",
        "ends_at",
        "summary",
        "summary_source",
        "built_at",
        "emailed_at",
    ]
    inlines = [DigestEntryInline, DigestMemoryInline]
    actions = ["rebuild"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entry_total=Count("entries"))

    @admin.display(description=_("entries"), ordering="entry_total")
    def entry_count(self, digest):
        return digest.entry_total

    @admin.action(description=_("Rebuild the selected digests (selection, memories and summary)"))
    def rebuild(self, request, queryset):
        count = 0
        for digest in queryset.select_related("user"):
            digest_build(user=digest.user, week=digest.iso_week, rebuild=True)
            count += 1
        self.message_user(
            request,
            ngettext("Rebuilt %(count)d digest.", "Rebuilt %(count)d digests.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["digest", "status", "attempts", "claimed_at", "sent_at", "updated_at"]
    list_filter = ["status"]
    search_fields = ["digest__user__username", "digest__user__email", "digest__week"]
    list_select_related = ["digest__user"]
    readonly_fields = [
        "digest",
        "status",
        "attempts",
        "last_error",
        "claimed_at",
        "sent_at",
        "updated_at",
    ]
