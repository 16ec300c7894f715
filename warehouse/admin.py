"""The operators' admin. Item state and history are read-only here: the
lifecycle is the only way to change a state, and events are append-only."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import lifecycle
from .models import (
    Category,
    IdempotencyKey,
    InboundNotice,
    Item,
    ItemEvent,
    Job,
    Location,
    Merchant,
    MerchantMembership,
    PlatformAccount,
    ScanLog,
    StaffAssignment,
    Station,
    Tag,
    UserPreference,
    Warehouse,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For append-only records: viewable, never edited or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_zh", "city", "time_zone", "is_active"]
    list_filter = ["is_active", "city"]
    search_fields = ["code", "name", "name_zh", "city"]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["barcode", "warehouse", "zone", "shelf", "bin"]
    list_filter = ["warehouse", "zone"]
    search_fields = ["barcode", "zone", "shelf", "bin"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_zh", "flow", "is_active"]
    list_filter = ["flow", "is_active"]
    search_fields = ["code", "name", "name_zh"]


class MembershipInline(admin.TabularInline):
    model = MerchantMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "contact_email",
        "contact_phone",
        "language",
        "is_active",
    ]
    list_filter = ["is_active", "language"]
    search_fields = ["code", "name", "contact_email", "contact_phone"]
    inlines = [MembershipInline]


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "warehouse", "role"]
    list_filter = ["role", "warehouse"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]


@admin.register(PlatformAccount)
class PlatformAccountAdmin(admin.ModelAdmin):
    list_display = ["name", "user"]
    search_fields = ["name", "user__username"]


@admin.register(UserPreference)
class UserPreferenceAdmin(admin.ModelAdmin):
    """A person's language (they set it on their account page); a change
    made here applies at their next sign-in."""

    list_display = ["user", "language"]
    list_filter = ["language"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_zh", "warehouse", "kind", "is_active"]
    list_filter = ["warehouse", "kind", "is_active"]
    search_fields = ["code", "name", "name_zh"]
    autocomplete_fields = ["user"]


@admin.register(InboundNotice)
class InboundNoticeAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "merchant",
        "warehouse",
        "status",
        "item_count",
        "carrier",
        "tracking_number",
        "created_at",
    ]
    list_filter = ["status", "warehouse", "carrier", "merchant"]
    search_fields = ["reference", "tracking_number", "merchant__code", "merchant__name"]
    date_hierarchy = "created_at"
    readonly_fields = ["status", "item_count", "created_by", "created_at"]
    list_select_related = ["merchant", "warehouse"]


class EventInline(admin.TabularInline):
    model = ItemEvent
    extra = 0
    can_delete = False
    fields = [
        "at",
        "from_state",
        "to_state",
        "actor",
        "station",
        "reason_shown",
        "reason_code",
        "reason_params",
        "payload",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("reason"))
    def reason_shown(self, event):
        return event.reason_text


class TagInline(admin.TabularInline):
    model = Tag
    extra = 0
    can_delete = False
    fields = ["value", "symbology", "station", "bound_by", "bound_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "state_badge",
        "merchant",
        "warehouse",
        "category",
        "sku",
        "title",
        "serial",
        "quantity",
        "created_at",
    ]
    list_filter = ["state", "warehouse", "category", "merchant"]
    search_fields = [
        "=code",
        "serial",
        "sku",
        "title",
        "order_ref",
        "notice__reference",
    ]
    date_hierarchy = "created_at"
    list_select_related = ["merchant", "warehouse", "category"]
    readonly_fields = [
        "code",
        "state",
        "merchant",
        "warehouse",
        "notice",
        "line",
        "sku",
        "title",
        "category",
        "serial",
        "gtin",
        "order_ref",
        "quantity",
        "claim",
        "created_at",
        "received_at",
        "state_changed_at",
    ]
    autocomplete_fields = ["location"]
    inlines = [TagInline, EventInline]

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, item):
        return format_html(
            '<span style="color:#fff;background:{};padding:1px 6px;border-radius:3px">'
            "{}</span>",
            lifecycle.STATE_COLOURS.get(item.state, "#444"),
            item.get_state_display(),
        )

    def has_add_permission(self, request):
        return False  # items come from inbound notices


@admin.register(ItemEvent)
class ItemEventAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "item",
        "from_state",
        "to_state",
        "actor",
        "station",
        "reason_shown",
    ]
    list_filter = ["to_state", "station", "reason_code"]
    search_fields = ["=item__code", "=reason_code", "reason"]
    date_hierarchy = "at"
    list_select_related = ["item", "actor", "station"]

    @admin.display(description=_("reason"))
    def reason_shown(self, event):
        return event.reason_text


@admin.register(Tag)
class TagAdmin(ReadOnlyAdmin):
    list_display = ["value", "symbology", "item", "station", "bound_at"]
    search_fields = ["=value", "=item__code"]
    list_select_related = ["item", "station"]


@admin.register(ScanLog)
class ScanLogAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "station",
        "action",
        "barcode",
        "outcome",
        "error_code",
        "refusal",
        "item",
        "client_address",
    ]
    list_filter = ["outcome", "action", "station", "error_code"]
    search_fields = ["barcode", "=item__code"]
    date_hierarchy = "at"
    list_select_related = ["station", "item"]

    @admin.display(description=_("refusal"))
    def refusal(self, scan):
        """The refusal in the reader's language, from its code and params."""
        return scan.message_text if scan.outcome != ScanLog.Outcome.ACCEPTED else ""


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ["key", "user", "response_status", "created_at"]
    search_fields = ["key", "user__username"]
    list_select_related = ["user"]


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    """The outbox, read-only; a dead or failed job can be queued again."""

    list_display = ["id", "name", "key", "state", "attempts", "available_at", "done_at"]
    list_filter = ["state", "name"]
    search_fields = ["key", "last_error"]
    actions = ["requeue"]

    @admin.action(description=_("Queue again now"))
    def requeue(self, request, queryset):
        from django.utils import timezone

        count = queryset.exclude(state=Job.State.DONE).update(
            state=Job.State.PENDING,
            attempts=0,
            available_at=timezone.now(),
            enqueued_at=None,
        )
        self.message_user(request, _("%(n)s jobs queued again.") % {"n": count})
