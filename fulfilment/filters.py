"""FilterSets shared by the API and the pages.

A filter only narrows the queryset it is given; what the caller may see is
the selector's (``tenant_scope``). A value no row has (``?status=lost``)
finds nothing, as it always did, rather than being an error.
"""

import django_filters
from django import forms
from django.utils.translation import gettext as _

from warehouse.common.access import Principal, principal_of
from warehouse.common.exceptions import InvalidInput

from . import services
from .models import Order, Shipment


class OrderFilter(django_filters.FilterSet):
    """``GET /api/v1/orders/``: ``status`` and ``promise_state``."""

    status = django_filters.CharFilter()
    promise_state = django_filters.CharFilter()

    class Meta:
        model = Order
        fields: list[str] = []


class PendingLabelsFilter(django_filters.BooleanFilter):
    """On for ``1`` or ``true``; any other value leaves the list whole."""

    class Widget(forms.Select):
        def value_from_datadict(self, data, files, name):
            return True if data.get(name) in ("1", "true") else None

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", self.Widget)
        super().__init__(*args, **kwargs)


class ShipmentFilter(django_filters.FilterSet):
    """Parcels: ``pending_labels`` (the labels still to print at the caller's
    warehouse, oldest booking first; the dock's list of labels) and
    ``status`` (the dock's list of parcels waiting for their booking)."""

    pending_labels = PendingLabelsFilter(method="labels_pending")
    status = django_filters.CharFilter()

    class Meta:
        model = Shipment
        fields: list[str] = []

    def __init__(self, *args, principal: Principal | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.principal = principal

    def labels_pending(self, queryset, name, value):
        if not value:
            return queryset
        principal = self.principal or principal_of(self.request.user)
        ids = services.labels_pending(principal=principal).values("pk")
        return queryset.filter(pk__in=ids).order_by("booked_at", "id")


class DispatchFilter(django_filters.FilterSet):
    """``GET /api/v1/dispatch-figures/``: orders placed from ``from`` to
    ``to`` (dates, inclusive) at ``warehouse`` (a code)."""

    warehouse = django_filters.CharFilter(field_name="warehouse__code")

    class Meta:
        model = Order
        fields: list[str] = []

    @classmethod
    def get_filters(cls):
        # ``from`` is a Python keyword: these two cannot be declared by name.
        filters = super().get_filters()
        for name, lookup in (("from", "gte"), ("to", "lte")):
            filters[name] = django_filters.DateFilter(
                field_name="ordered_at__date",
                lookup_expr=lookup,
                input_formats=["%Y-%m-%d"],
            )
        return filters

    def valid_qs(self):
        """The filtered orders, or ``InvalidInput`` naming the first bad date."""
        if not self.is_valid():
            name = next(name for name in ("from", "to") if name in self.errors)
            raise InvalidInput(
                _("Give dates as YYYY-MM-DD."), fields={name: ["YYYY-MM-DD"]}
            )
        return self.qs
