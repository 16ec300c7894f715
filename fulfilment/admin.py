"""Fulfilment in the admin: mostly read-only, since every change goes through
the services (and their rules) by the API."""

from django.contrib import admin

from warehouse.admin import ReadOnlyAdmin

from . import models


class LineInline(admin.TabularInline):
    model = models.OrderLine
    extra = 0
    fields = ["line", "item_code", "sku", "quantity"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = [
        "external_id",
        "merchant",
        "warehouse",
        "status",
        "promise",
        "deadline",
        "promise_state",
    ]
    list_filter = ["status", "promise_state", "warehouse", "carrier"]
    search_fields = ["external_id", "lines__item_code", "lines__sku"]
    inlines = [LineInline]


@admin.register(models.Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    list_display = ["reference", "kind", "carrier", "tracking_number", "status", "wave"]
    list_filter = ["status", "kind", "carrier", "warehouse"]
    search_fields = ["reference", "tracking_number", "contents__item__code"]


@admin.register(models.Wave)
class WaveAdmin(ReadOnlyAdmin):
    """Label waves: which carrier's parcels a station packed together, when
    their job closed the wave, labelled it and when it was printed."""

    list_display = [
        "__str__",
        "warehouse",
        "carrier",
        "station",
        "size",
        "opened_at",
        "labelled_at",
        "printed_at",
    ]
    list_filter = ["carrier", "warehouse"]
    list_select_related = ["warehouse", "station"]


@admin.register(models.StationPrinter)
class StationPrinterAdmin(admin.ModelAdmin):
    """The CJK font of a station's label printer: labels of parcels packed
    there are rendered for it from then on."""

    list_display = ["station", "cjk_font"]
    list_select_related = ["station__warehouse"]
    autocomplete_fields = ["station"]
    search_fields = ["station__code", "cjk_font"]


@admin.register(models.Manifest)
class ManifestAdmin(ReadOnlyAdmin):
    list_display = ["number", "warehouse", "carrier", "status", "opened_at"]
    list_filter = ["status", "carrier", "warehouse"]


@admin.register(models.StockLot)
class StockLotAdmin(ReadOnlyAdmin):
    list_display = ["item", "sku", "quantity", "allocated", "expires_on", "sell_by"]
    list_filter = ["warehouse", "is_active"]
    search_fields = ["sku", "item__code"]


@admin.register(models.HeldForMerchant)
class HeldForMerchantAdmin(ReadOnlyAdmin):
    list_display = ["item", "order", "decision", "created_at", "decided_at"]
    list_filter = ["decision"]


@admin.register(models.MerchantPolicy)
class MerchantPolicyAdmin(admin.ModelAdmin):
    list_display = ["merchant", "on_cancel", "return_carrier"]


@admin.register(models.WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["url", "platform", "is_active", "batched", "created_at"]
    list_filter = ["is_active", "batched"]
    exclude = ["secrets"]  # shown once, at creation through the API
    readonly_fields = ["url", "platform"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deactivate instead: processes cache the active endpoints for a few
        # seconds, and a message recorded for a deleted one would fail its
        # transaction (a scan, say); its delivery log stays, too.
        return False


class AttemptInline(admin.TabularInline):
    model = models.WebhookAttempt
    extra = 0
    readonly_fields = ["at", "status_code", "error", "duration_ms"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.WebhookMessage)
class WebhookMessageAdmin(ReadOnlyAdmin):
    list_display = ["msg_id", "event_type", "endpoint", "state", "attempts"]
    list_filter = ["state", "event_type"]
    search_fields = ["msg_id"]
    inlines = [AttemptInline]
