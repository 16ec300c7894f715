"""Input and output shapes of the fulfilment API."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from warehouse.common.access import Role
from warehouse.serializers import TermField
from warehouse.vocabularies import CARRIERS

from .masking import buyer_shown
from .models import (
    HeldForMerchant,
    Manifest,
    MerchantPolicy,
    Order,
    Promise,
    Shipment,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookMessage,
)
from .services.orders import BATCH_MAX

# --- input -----------------------------------------------------------------------


class BuyerInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    phone = serializers.RegexField(r"^\+?[0-9 -]{5,20}$", max_length=32)
    email = serializers.EmailField(required=False, allow_blank=True)
    province = serializers.CharField(max_length=50, required=False, allow_blank=True)
    city = serializers.CharField(max_length=50, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300)
    postcode = serializers.RegexField(
        r"^[0-9A-Za-z -]{3,12}$", max_length=12, required=False, allow_blank=True
    )


class OrderLineInput(serializers.Serializer):
    item_code = serializers.CharField(max_length=16, required=False, allow_blank=True)
    sku = serializers.CharField(max_length=64, required=False, allow_blank=True)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000, default=1)

    def validate(self, attrs):
        if bool(attrs.get("item_code")) == bool(attrs.get("sku")):
            raise serializers.ValidationError(
                _("Name either an item code (order-first) or a SKU (stock-first).")
            )
        if attrs.get("item_code") and attrs.get("quantity", 1) != 1:
            raise serializers.ValidationError(
                {"quantity": _("A line naming an item code has quantity 1.")}
            )
        return attrs


class OrderCreateInput(serializers.Serializer):
    order_id = serializers.RegexField(r"^[A-Za-z0-9._:-]{1,64}$", max_length=64)
    merchant = serializers.CharField(max_length=16)
    warehouse = serializers.CharField(max_length=16)
    carrier = TermField(CARRIERS)
    promise = serializers.ChoiceField(choices=Promise.choices)
    ordered_at = serializers.DateTimeField(required=False)
    buyer = BuyerInput()
    lines = OrderLineInput(many=True, allow_empty=False, max_length=500)


class OrderBatchInput(serializers.Serializer):
    """The batch's envelope: each order is validated on its own (one bad
    order does not refuse the batch), by ``OrderCreateInput``."""

    orders = serializers.ListField(
        child=serializers.JSONField(), allow_empty=False, max_length=BATCH_MAX
    )


class OrderBatchSchema(serializers.Serializer):
    """The batch's body as the API schema shows it."""

    orders = OrderCreateInput(many=True, allow_empty=False, max_length=BATCH_MAX)


class CancelInput(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class DecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[HeldForMerchant.Decision.RETURN, HeldForMerchant.Decision.KEEP]
    )


class WebhookEndpointInput(serializers.Serializer):
    url = serializers.CharField(max_length=500)
    batched = serializers.BooleanField(
        default=False, help_text="many events per request, as one signed JSON array"
    )


class ReturnAddressSerializer(serializers.Serializer):
    """Where the merchant's returns go, whole, as a carrier's label prints it."""

    name = serializers.CharField(max_length=100)
    phone = serializers.RegexField(
        r"^\+?[0-9][0-9 -]{5,30}$",
        max_length=32,
        error_messages={
            "invalid": _("Enter a phone number: digits, spaces or dashes.")
        },
    )
    province = serializers.CharField(max_length=32)
    city = serializers.CharField(max_length=32)
    lines = serializers.CharField(
        max_length=300, help_text="district and street, as the courier reads them"
    )
    postcode = serializers.RegexField(
        r"^[0-9]{6}$",
        error_messages={"invalid": _("Enter the six-digit postcode.")},
    )

    def to_representation(self, instance):
        # None when none was given: returns go to the merchant's address text.
        return super().to_representation(instance) if instance else None


class MerchantPolicySerializer(serializers.ModelSerializer):
    return_carrier = TermField(CARRIERS, required=False)
    # null: none (returns go to the merchant's return address text)
    return_to = ReturnAddressSerializer(required=False, allow_null=True)

    class Meta:
        model = MerchantPolicy
        fields = ["on_cancel", "return_carrier", "return_to"]


# --- output ----------------------------------------------------------------------


class OrderSerializer(serializers.ModelSerializer):
    order_id = serializers.CharField(source="external_id")
    merchant = serializers.CharField(source="merchant.code")
    warehouse = serializers.CharField(source="warehouse.code")
    buyer = serializers.SerializerMethodField()
    lines = serializers.SerializerMethodField()
    shipments = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "order_id",
            "merchant",
            "warehouse",
            "status",
            "carrier",
            "promise",
            "ordered_at",
            "deadline",
            "promise_state",
            "dispatched_at",
            "cancelled_at",
            "cancel_reason",
            "buyer",
            "lines",
            "shipments",
        ]

    def get_buyer(self, order) -> dict:
        """The buyer as the caller's role may see it (fulfilment.masking)."""
        return buyer_shown(order, self.context.get("role", Role.NONE))

    def get_lines(self, order) -> list[dict]:
        rows = []
        for line in order.lines.all():
            allocated = [
                {"item": a.item.code, "quantity": a.quantity}
                for a in line.allocations.all()
                if a.cancelled_at is None
            ]
            rows.append(
                {
                    "line": line.line,
                    "item_code": line.item_code or None,
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "allocated": allocated,
                }
            )
        return rows

    def get_shipments(self, order) -> list[dict]:
        return [
            {
                "reference": s.reference,
                "status": s.status,
                "carrier": s.carrier,
                "tracking_number": s.tracking_number or None,
            }
            for s in order.shipments.all()
        ]


class ErrorSchema(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(), help_text="e.g. orders[17].lines[0].sku"
    )


class OrderBatchResultSchema(serializers.Serializer):
    order_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["created", "duplicate", "refused"])
    order = OrderSerializer(required=False, help_text="created or duplicate")
    error = ErrorSchema(required=False, help_text="refused")
    http_status = serializers.IntegerField(
        required=False, help_text="refused: the status a single POST would answer"
    )


class OrderBatchCountsSchema(serializers.Serializer):
    created = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    refused = serializers.IntegerField()


class OrderBatchAnswerSchema(serializers.Serializer):
    results = OrderBatchResultSchema(many=True)
    counts = OrderBatchCountsSchema()


class ShipmentSerializer(serializers.ModelSerializer):
    order_id = serializers.SerializerMethodField()
    warehouse = serializers.CharField(source="warehouse.code")
    items = serializers.SerializerMethodField()
    label_pdf = serializers.SerializerMethodField()
    label_zpl = serializers.SerializerMethodField()
    manifest = serializers.SerializerMethodField()

    class Meta:
        model = Shipment
        fields = [
            "reference",
            "kind",
            "order_id",
            "warehouse",
            "carrier",
            "status",
            "tracking_number",
            "sort_code",
            "items",
            "created_at",
            "booked_at",
            "released_at",
            "label_pdf",
            "label_zpl",
            "manifest",
        ]

    def get_order_id(self, shipment) -> str | None:
        return shipment.order.external_id if shipment.order_id else None

    def get_items(self, shipment) -> list[dict]:
        return [
            {"item": c.item.code, "quantity": c.quantity}
            for c in shipment.contents.all()
        ]

    def _link(self, shipment, suffix: str) -> str | None:
        if not shipment.tracking_number:
            return None
        return f"/api/v1/shipments/{shipment.reference}/label.{suffix}"

    def get_label_pdf(self, shipment) -> str | None:
        return self._link(shipment, "pdf")

    def get_label_zpl(self, shipment) -> str | None:
        return self._link(shipment, "zpl")

    def get_manifest(self, shipment) -> str | None:
        return shipment.manifest.number if shipment.manifest_id else None


class ManifestSerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code")
    shipments = serializers.SerializerMethodField()
    pdf = serializers.SerializerMethodField()

    class Meta:
        model = Manifest
        fields = [
            "number",
            "warehouse",
            "carrier",
            "status",
            "opened_at",
            "closed_at",
            "shipments",
            "pdf",
        ]

    def get_shipments(self, manifest) -> list[dict]:
        return [
            {
                "reference": s.reference,
                "tracking_number": s.tracking_number,
                "kind": s.kind,
                "released_at": s.released_at,
                "items": [c.item.code for c in s.contents.all()],
            }
            for s in manifest.shipments.all()
        ]

    def get_pdf(self, manifest) -> str | None:
        if not manifest.pdf:
            return None
        return f"/api/v1/manifests/{manifest.number}/manifest.pdf"


class WebhookEndpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "is_active", "batched", "created_at"]


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.SerializerMethodField()

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]

    def get_secret(self, endpoint) -> str:
        return endpoint.secrets[0]


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["at", "status_code", "error", "duration_ms"]


class WebhookMessageSerializer(serializers.ModelSerializer):
    log = WebhookAttemptSerializer(many=True)

    class Meta:
        model = WebhookMessage
        fields = [
            "msg_id",
            "event_type",
            "state",
            "attempts",
            "created_at",
            "next_attempt_at",
            "delivered_at",
            "log",
        ]


class DispatchFigureSerializer(serializers.Serializer):
    warehouse = serializers.CharField()
    merchant = serializers.CharField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    breached = serializers.IntegerField()
    open = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True)
