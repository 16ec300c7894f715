"""FilterSets shared by the API and the pages (NetBox's way).

``ItemFilter`` is the item list's filters: ``GET /api/v1/items/`` uses it as
it is, and the pages that list items (the merchant portal's item list, the
inspector's queue in ``inspection.filters``) use a subclass that only changes
how a filter is shown and, where a page always did, how it reads its value
(the portal's ``notice`` is the shipment's reference, the API's its id). A
filter only narrows the queryset it is given: what a user may see is the
selector's (``tenant_scope``), so a merchant filtering on another merchant
gets nothing.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy

from .models import Category, InboundNotice, Item, ItemState, Warehouse
from .vocabularies import categories


class CategoryFilter(django_filters.CharFilter):
    """A category by its code, either name or a trade synonym (a name no
    category has matches nothing)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("field_name", "category__code")
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value:
            value = categories().find(value) or value
        return super().filter(qs, value)


class ItemFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=ItemState.choices)
    merchant = django_filters.CharFilter(field_name="merchant__code")
    warehouse = django_filters.CharFilter(field_name="warehouse__code")
    category = CategoryFilter()
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


class PortalItemFilter(ItemFilter):
    """The merchant portal's item list: a search box and the usual selects.

    A value the selects do not offer (an unknown state, category or
    warehouse) is an error the page shows with status 400.
    """

    q = django_filters.CharFilter(
        method="search",
        label=gettext_lazy("Search"),
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": gettext_lazy("code, SKU, serial, title, order"),
            }
        ),
    )
    state = django_filters.ChoiceFilter(
        choices=ItemState.choices,
        label=gettext_lazy("State"),
        empty_label=gettext_lazy("any state"),
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.filter(is_active=True),
        to_field_name="code",
        label=gettext_lazy("Category"),
        empty_label=gettext_lazy("any category"),
    )
    warehouse = django_filters.ModelChoiceFilter(
        queryset=Warehouse.objects.filter(is_active=True),
        to_field_name="code",
        label=gettext_lazy("Warehouse"),
        empty_label=gettext_lazy("any warehouse"),
    )
    notice = django_filters.CharFilter(
        field_name="notice__reference", label=gettext_lazy("Shipment reference")
    )

    # The form shows these, in this order; the other item filters still apply.
    SHOWN = ("q", "state", "category", "warehouse", "notice")

    class Meta(ItemFilter.Meta):
        pass

    def shown_fields(self) -> list:
        return [self.form[name] for name in self.SHOWN]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__iexact=value)
            | Q(sku__icontains=value)
            | Q(serial__icontains=value)
            | Q(title__icontains=value)
            | Q(order_ref__icontains=value)
        )


class InboundNoticeFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=InboundNotice.Status.choices)
    merchant = django_filters.CharFilter(field_name="merchant__code")
    warehouse = django_filters.CharFilter(field_name="warehouse__code")

    class Meta:
        model = InboundNotice
        fields = ["status", "merchant", "warehouse", "reference", "tracking_number"]
