"""FilterSets shared by the API and the pages.

The inspector's queue is the item list (``warehouse.filters.ItemFilter``,
``GET /api/v1/items/``) narrowed to the items waiting for inspection, with
its filters shown as selects. As the queue always did, a value it does not
know is ignored (the filter is left out), never an error.
"""

import datetime as dt

import django_filters
from django import forms
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, ngettext

from warehouse.filters import CategoryFilter, ItemFilter
from warehouse.models import Category, ItemState, Merchant

from . import selectors
from .models import Certificate, InspectionTemplate

QUEUE_STATES = (ItemState.RECEIVED, ItemState.INSPECTING, ItemState.HELD)
AGE_CHOICES = (0, 4, 24, 72)


def _age_text(hours: int) -> str:
    if not hours:
        return gettext("any time")
    return ngettext("%(hours)s hour", "%(hours)s hours", hours) % {"hours": hours}


_age_label = lazy(_age_text, str)  # in the language of the request showing it


class CodeSelect(forms.Select):
    """A select of codes whose options are read when the form is shown.

    ``typed``: the options' words are data (names people gave, such as a
    merchant's), marked as the ``typed`` filter marks them; the empty
    choice's words stay the product's."""

    def __init__(self, attrs=None, *, options, empty, typed=False):
        super().__init__(attrs)
        self.options_of, self.empty, self.typed = options, empty, typed

    def get_context(self, name, value, attrs):
        self.choices = [("", self.empty), *self.options_of()]
        return super().get_context(name, value, attrs)

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if self.typed and value:
            option["attrs"].update({"translate": "no", "data-typed": True})
        return option


class QueueFilter(ItemFilter):
    """The inspector's queue: state (of the waiting ones), category,
    merchant, and how long an item has waited at least (``age``, hours)."""

    state = django_filters.ChoiceFilter(
        choices=[(state.value, state.label) for state in QUEUE_STATES],
        label=gettext_lazy("State"),
        empty_label=gettext_lazy("All waiting"),
        widget=forms.Select(attrs={"id": "f-state"}),
    )
    category = CategoryFilter(
        label=gettext_lazy("Category"),
        widget=CodeSelect(
            {"id": "f-category"},
            options=lambda: [
                (c.code, str(c))
                for c in Category.objects.filter(is_active=True).order_by("code")
            ],
            empty=gettext_lazy("All"),
        ),
    )
    merchant = django_filters.CharFilter(
        field_name="merchant__code",
        label=gettext_lazy("Merchant"),
        widget=CodeSelect(
            {"id": "f-merchant"},
            options=lambda: [
                (m.code, m.name)
                for m in Merchant.objects.filter(is_active=True).order_by("code")
            ],
            empty=gettext_lazy("All"),
            typed=True,
        ),
    )
    age = django_filters.TypedChoiceFilter(
        choices=[(hours, _age_label(hours)) for hours in AGE_CHOICES],
        coerce=int,
        empty_value=0,
        method="waited",
        label=gettext_lazy("Waiting at least"),
        widget=forms.Select(attrs={"id": "f-age"}),
    )

    SHOWN = ("state", "category", "merchant", "age")

    class Meta(ItemFilter.Meta):
        pass

    def __init__(self, data=None, queryset=None, **kwargs):
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        super().__init__(data, queryset.filter(state__in=QUEUE_STATES), **kwargs)

    def shown_fields(self) -> list:
        return [self.form[name] for name in self.SHOWN]

    def waited(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            received_at__lte=timezone.now() - dt.timedelta(hours=value)
        )


class CodesField(forms.Field):
    """Every value of a repeated parameter (``?code=A&code=B``), blanks dropped."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        return [code for code in value or () if code]


class CodesFilter(django_filters.Filter):
    field_class = CodesField


class CertificateFilter(django_filters.FilterSet):
    """Valid certificates for the ZIP download: of the chosen items
    (``code``, repeated) or of a shipment (``notice``, its reference, as the
    portal's item list reads it); ``all=1`` asks for every one in scope."""

    code = CodesFilter(field_name="item__code", lookup_expr="in")
    notice = django_filters.CharFilter(field_name="item__notice__reference")
    all = django_filters.CharFilter(method="everything")

    class Meta:
        model = Certificate
        fields: list[str] = []

    def everything(self, queryset, name, value):
        return queryset

    def chosen(self) -> bool:
        """Whether the request names what it wants (items, a shipment, all)."""
        data = self.form.cleaned_data if self.is_valid() else {}
        return bool(data.get("code") or data.get("notice") or data.get("all") == "1")


class AllVersionsFilter(django_filters.BooleanFilter):
    """On for ``1`` or ``true`` (any case); any other value is off."""

    class Widget(forms.Select):
        def value_from_datadict(self, data, files, name):
            return (data.get(name) or "").lower() in ("1", "true")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", self.Widget)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return qs  # read by TemplateFilter.filter_queryset


class TemplateFilter(django_filters.FilterSet):
    """``GET /api/v1/inspection-templates/``: ``category`` (a code) and
    ``all`` (every version, not only those in force)."""

    category = CategoryFilter()
    all = AllVersionsFilter()

    class Meta:
        model = InspectionTemplate
        fields: list[str] = []

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("all"):
            queryset = selectors.template_in_force(queryset)
        return queryset
