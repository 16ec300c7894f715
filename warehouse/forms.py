"""The merchant portal's forms: a shipment (inbound notice) announced by form,
one row per item, or by file.

They only gather input; :func:`warehouse.services.inbound_notice_create`
judges it, as it does for the API. A material or a packaging type is typed
or picked by its name in the reader's language (a ``<datalist>`` of the
vocabulary, :mod:`warehouse.vocabularies`, which the browser filters as one
types) and sent as its code; a name in the other language or a trade
spelling finds its code too, and text no term has goes to the service as
written, to be judged by the category's template.
"""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy

from . import uploads
from .models import Warehouse
from .vocabularies import CARRIERS, MATERIALS, PACKAGING_TYPES, Vocabulary, categories

MAX_FORM_ITEMS = 200


class WarehouseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} · {obj.display_name}"


class NoticeForm(forms.Form):
    """What a shipment is: the merchant's reference, where it goes, how."""

    reference = forms.CharField(
        label=gettext_lazy("Reference"),
        max_length=64,
        help_text=gettext_lazy("Your own number for this shipment, used once."),
    )
    warehouse = WarehouseChoiceField(
        label=gettext_lazy("Warehouse"),
        queryset=Warehouse.objects.filter(is_active=True),
        to_field_name="code",
    )
    carrier = forms.ChoiceField(
        label=gettext_lazy("Carrier"),
        choices=[("", gettext_lazy("not known yet")), *CARRIERS.choices()],
        required=False,
    )
    tracking_number = forms.CharField(
        label=gettext_lazy("Tracking number"), max_length=64, required=False
    )


def _text(label, **kwargs):
    return forms.CharField(label=label, required=False, **kwargs)


def _date(label):
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}


class TermField(forms.CharField):
    """A term of ``vocabulary`` by any of its names: cleaned to its code
    (text no term has stays as written)."""

    def __init__(self, vocabulary: Vocabulary, **kwargs):
        self.vocabulary = vocabulary
        attrs = {
            "list": datalist_id(vocabulary),
            "autocomplete": "off",
            "placeholder": gettext_lazy("Type or pick a name"),
        }
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(required=False, max_length=500, **kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        return (self.vocabulary.find(text) or text) if text else text


class CategoryChoiceField(forms.ChoiceField):
    """A category, chosen by its name in the reader's language and sent as
    its code; a name in either language or a trade synonym posted instead
    finds its code too (:func:`warehouse.vocabularies.categories`)."""

    def to_python(self, value):
        text = super().to_python(value)
        return (categories().find(text) or text) if text else text


def datalist_id(vocabulary: Vocabulary) -> str:
    return f"vocabulary-{vocabulary.kind}"


class ItemRowForm(forms.Form):
    """One item of a shipment and what the merchant claims about it.

    The claim inputs are the common checks' keys; which ones a category needs
    is the service's (and the category's template's) to say.
    """

    sku = forms.CharField(label=gettext_lazy("SKU"), max_length=64)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    category = CategoryChoiceField(label=gettext_lazy("Category"))
    serial = _text(gettext_lazy("Serial"), max_length=64)
    order_ref = _text(gettext_lazy("Order reference"), max_length=64)
    quantity = forms.IntegerField(
        label=gettext_lazy("Quantity"), min_value=1, initial=1, required=False
    )
    material = TermField(MATERIALS, label=gettext_lazy("Material"))
    weight_g = _text(gettext_lazy("Weight (g)"), widget=forms.TextInput(attrs=DECIMAL))
    declared_value = _text(
        gettext_lazy("Declared value (CNY)"), widget=forms.TextInput(attrs=DECIMAL)
    )
    packaging = TermField(PACKAGING_TYPES, label=gettext_lazy("Packaging"))
    production_date = _date(gettext_lazy("Production date"))
    expiry_date = _date(gettext_lazy("Expiry date"))
    labels = _text(
        gettext_lazy("Labels (separate with |)"),
        max_length=2000,
    )
    imei = _text(gettext_lazy("IMEI"), max_length=32)
    model = _text(gettext_lazy("Model"), max_length=500)
    grade = _text(gettext_lazy("Grade"), max_length=500)

    ITEM_FIELDS = ("sku", "title", "category", "serial", "order_ref")
    CLAIM_FIELDS = (
        "material",
        "weight_g",
        "declared_value",
        "packaging",
        "production_date",
        "expiry_date",
        "labels",
        "imei",
        "model",
        "grade",
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *categories]

    @property
    def datalists(self) -> list[tuple[str, list]]:
        """``(id, names)`` of the lists the term inputs offer (once a page)."""
        return [
            (datalist_id(v), [name for _code, name in v.choices()])
            for v in (MATERIALS, PACKAGING_TYPES)
        ]

    def item_inputs(self) -> list:
        return [self[name] for name in (*self.ITEM_FIELDS, "quantity")]

    def claim_inputs(self) -> list:
        return [self[name] for name in self.CLAIM_FIELDS]

    def item(self) -> dict:
        """The row as the service takes it (the API's item shape)."""
        data = self.cleaned_data
        item = {name: data.get(name) or "" for name in self.ITEM_FIELDS}
        if data.get("quantity"):
            item["quantity"] = data["quantity"]
        claim = {}
        for name in self.CLAIM_FIELDS:
            value = data.get(name)
            if value in (None, ""):
                continue
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif name == "labels":
                value = uploads.labels_split(value)
            claim[name] = value
        item["claim"] = claim
        return item


ItemFormSet = forms.formset_factory(
    ItemRowForm,
    extra=1,
    max_num=MAX_FORM_ITEMS,
    absolute_max=MAX_FORM_ITEMS,
    validate_max=True,
)


class NoticeUploadForm(NoticeForm):
    file = forms.FileField(
        label=gettext_lazy("CSV or XLSX file"),
        help_text=gettext_lazy(
            "A header row, then one item per row, as in the template."
        ),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.xlsx,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
