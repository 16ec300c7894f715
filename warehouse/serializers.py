"""Input and output shapes of the warehouse API."""

from typing import TYPE_CHECKING

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from . import lifecycle
from .models import InboundNotice, Item, ItemEvent
from .services import SCAN_ACTIONS
from .vocabularies import CARRIERS, Vocabulary

if TYPE_CHECKING:
    from .extensions import ItemCertificateProvider


class TermField(serializers.CharField):
    """A term of ``vocabulary`` named by its code, its Chinese or English name
    or a trade synonym (any case or width): validated to its code. A name no
    term has is refused with :class:`~warehouse.vocabularies.UnknownTerm`
    (a 400 of code ``unknown_<kind>`` listing the choices in the reader's
    language); blank stays blank where ``allow_blank``."""

    def __init__(self, vocabulary: Vocabulary, **kwargs):
        self.vocabulary = vocabulary
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault(
            "help_text",
            f"a {vocabulary.kind} code ({', '.join(vocabulary.codes())}); "
            "its Chinese or English name or a trade synonym is accepted",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        if text == "":
            return text
        return self.vocabulary.resolve(text, field=self.field_name)


class NamedRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class CategoryRefSerializer(NamedRefSerializer):
    """A category: its code, English and Chinese name."""

    name_zh = serializers.CharField()


class ItemSerializer(serializers.ModelSerializer):
    """An item as stations, merchants and inspectors see it."""

    merchant = NamedRefSerializer()
    category = CategoryRefSerializer()
    warehouse = serializers.CharField(source="warehouse.code")
    location = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Item
        fields = [
            "code",
            "state",
            "merchant",
            "warehouse",
            "category",
            "sku",
            "title",
            "serial",
            "gtin",
            "order_ref",
            "quantity",
            "claim",
            "location",
            "allowed_actions",
            "created_at",
            "received_at",
            "state_changed_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_location(self, item):
        return item.location.barcode if item.location_id else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, item):
        """The lifecycle verbs open to the item now (``receive``, ``inspect`` …)."""
        return lifecycle.item_allowed_actions(item)


_datetime = serializers.DateTimeField()


def item_summary(item: Item) -> dict:
    """``ItemSerializer(item).data``, built directly: the scan answer's hot path.

    A ``ModelSerializer`` rebuilds its fields on every instantiation (~1.5 ms
    here); a station waits for this answer. A test keeps the two identical.
    """
    moment = _datetime.to_representation
    return {
        "code": item.code,
        "state": item.state,
        "merchant": {"code": item.merchant.code, "name": item.merchant.name},
        "warehouse": item.warehouse.code,
        "category": {
            "code": item.category.code,
            "name": item.category.name,
            "name_zh": item.category.name_zh,
        },
        "sku": item.sku,
        "title": item.title,
        "serial": item.serial,
        "gtin": item.gtin,
        "order_ref": item.order_ref,
        "quantity": item.quantity,
        "claim": item.claim,
        "location": item.location.barcode if item.location_id else None,
        "allowed_actions": lifecycle.item_allowed_actions(item),
        "created_at": moment(item.created_at),
        "received_at": moment(item.received_at) if item.received_at else None,
        "state_changed_at": moment(item.state_changed_at),
    }


class ItemEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(
        source="actor.username", default=None, allow_null=True
    )
    station = serializers.CharField(
        source="station.code", default=None, allow_null=True
    )
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    reason = serializers.CharField(
        source="reason_text",
        help_text="Why, in the request's language (Accept-Language).",
    )
    code = serializers.CharField(
        source="reason_code",
        help_text="The reason's message code; empty for text a person typed.",
    )
    params = serializers.DictField(
        source="reason_params", help_text="The reason's parameters."
    )

    class Meta:
        model = ItemEvent
        fields = [
            "at",
            "from_state",
            "to_state",
            "actor",
            "station",
            "reason",
            "code",
            "params",
            "payload",
        ]


# The inspection app shows the item's certificate in its detail through this
# hook (``warehouse`` does not import ``inspection``): ``provider(item)``
# returns a dict, or None when the item has no certificate
# (:class:`~warehouse.extensions.ItemCertificateProvider`).
_certificate_provider: list["ItemCertificateProvider"] = []


def item_certificate_provider_register(provider: "ItemCertificateProvider") -> None:
    _certificate_provider[:] = [provider]


def item_certificate_provider() -> "ItemCertificateProvider | None":
    """The registered provider, or None."""
    return _certificate_provider[0] if _certificate_provider else None


class ItemDetailSerializer(ItemSerializer):
    notice = serializers.SerializerMethodField()
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="value")
    events = ItemEventSerializer(many=True)
    certificate = serializers.SerializerMethodField()

    class Meta(ItemSerializer.Meta):
        fields = [
            *ItemSerializer.Meta.fields,
            "notice",
            "tags",
            "events",
            "certificate",
        ]

    @extend_schema_field(serializers.DictField())
    def get_notice(self, item):
        return {"id": item.notice_id, "reference": item.notice.reference}

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_certificate(self, item) -> dict | None:
        """The item's current certificate: number, status, verification link."""
        return _certificate_provider[0](item) if _certificate_provider else None


class ScanInputSerializer(serializers.Serializer):
    barcode = serializers.CharField(max_length=512, trim_whitespace=False)
    action = serializers.ChoiceField(choices=SCAN_ACTIONS)
    tag = serializers.CharField(
        max_length=128,
        required=False,
        allow_blank=True,
        help_text="receive: bind this pre-printed tag (single use) to the item.",
    )
    location = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="receive: the location barcode the item is put in.",
    )
    seal = serializers.CharField(
        max_length=128,
        required=False,
        allow_blank=True,
        help_text="pack: the number of the anti-swap seal (防调包扣) bound to the "
        "item; needed for an order-first item of a category that leaves under a "
        "seal (409 seal_required without it, seal_used if already used).",
    )


class ScanReturnSerializer(serializers.Serializer):
    """A buyer's return received by a receive scan."""

    return_id = serializers.CharField(help_text="the platform's; empty if unannounced")
    unannounced = serializers.BooleanField()
    tracking_number = serializers.CharField(
        help_text="the tracking number scanned; empty when an item code was"
    )
    items = serializers.ListField(
        child=serializers.CharField(), help_text="the codes of the items received"
    )


class ScanOutputSerializer(serializers.Serializer):
    action = serializers.CharField()
    item = ItemSerializer()
    gs1 = serializers.DictField(required=False)
    buyer_return = ScanReturnSerializer(
        required=False,
        help_text="receive of a buyer's return (by its tracking number or an "
        "item code): what was received; the item is the first of them",
    )


class InboundItemInputSerializer(serializers.Serializer):
    """One expected item (documentation of the shape; the service validates it)."""

    sku = serializers.CharField(max_length=64)
    title = serializers.CharField(max_length=200)
    category = serializers.CharField(
        help_text="category code; its Chinese or English name or a trade synonym "
        "is accepted"
    )
    serial = serializers.CharField(max_length=64, required=False)
    gtin = serializers.CharField(max_length=14, required=False)
    order_ref = serializers.CharField(max_length=64, required=False)
    quantity = serializers.IntegerField(
        min_value=1, default=1, help_text="stock-first lots"
    )
    claim = serializers.DictField(
        help_text="keyed by check: material, weight_g (or weight_ct), expiry_date, "
        "production_date, shelf_life_days, packaging, labels, imei, declared_value …"
    )


class InboundNoticeInputSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=64)
    warehouse = serializers.CharField(max_length=16, help_text="warehouse code")
    carrier = TermField(CARRIERS, required=False, allow_blank=True)
    tracking_number = serializers.CharField(
        max_length=64, required=False, allow_blank=True
    )
    # Validated row by row in the service: serializer fields per row would cost
    # seconds on a 100,000-item notice.
    items = serializers.JSONField()


class InboundNoticeDocInputSerializer(InboundNoticeInputSerializer):
    """The documented request body (the real one validates items in the service)."""

    items = InboundItemInputSerializer(many=True)


class InboundNoticeSerializer(serializers.ModelSerializer):
    merchant = serializers.CharField(source="merchant.code")
    warehouse = serializers.CharField(source="warehouse.code")

    class Meta:
        model = InboundNotice
        fields = [
            "id",
            "reference",
            "merchant",
            "warehouse",
            "carrier",
            "tracking_number",
            "status",
            "item_count",
            "created_at",
        ]


class NoticeItemRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    code = serializers.CharField()
    sku = serializers.CharField()
    serial = serializers.CharField()
    order_ref = serializers.CharField()
    state = serializers.CharField()


class InboundNoticeDetailSerializer(InboundNoticeSerializer):
    """A notice with its items, as plain rows: a notice may hold 100,000 of them."""

    items = serializers.SerializerMethodField()
    states = serializers.DictField(
        child=serializers.IntegerField(), source="state_counts"
    )

    class Meta(InboundNoticeSerializer.Meta):
        fields = [*InboundNoticeSerializer.Meta.fields, "states", "items"]

    @extend_schema_field(NoticeItemRowSerializer(many=True))
    def get_items(self, notice):
        return notice.item_rows
