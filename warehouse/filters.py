"""FilterSets shared by the API and (later) the pages."""

import django_filters

from .models import InboundNotice, Item, ItemState


class ItemFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=ItemState.choices)
    merchant = django_filters.CharFilter(field_name="merchant__code")
    warehouse = django_filters.CharFilter(field_name="warehouse__code")
    category = django_filters.CharFilter(field_name="category__code")
    notice = django_filters.NumberFilter(
        field_name="notice_id", min_value=1, max_value=2**63 - 1
    )
    created_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte"
    )
    created_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt"
    )
    received_after = django_filters.IsoDateTimeFilter(
        field_name="received_at", lookup_expr="gte"
    )
    received_before = django_filters.IsoDateTimeFilter(
        field_name="received_at", lookup_expr="lt"
    )

    class Meta:
        model = Item
        fields = [
            "state",
            "merchant",
            "warehouse",
            "category",
            "sku",
            "serial",
            "order_ref",
            "notice",
        ]


class InboundNoticeFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=InboundNotice.Status.choices)
    merchant = django_filters.CharFilter(field_name="merchant__code")
    warehouse = django_filters.CharFilter(field_name="warehouse__code")

    class Meta:
        model = InboundNotice
        fields = ["status", "merchant", "warehouse", "reference", "tracking_number"]
