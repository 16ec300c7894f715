"""The fulfilment pages' forms: the merchant's returns and cancellations policy.

The form only gathers input. The structured return address is judged by
:class:`~fulfilment.serializers.ReturnAddressSerializer`, the API's own
rules (required parts, lengths, phone and postcode patterns), and its
errors land beside the field they name; the inputs' lengths are the
serializer's too. All six parts blank means no structured address: returns
go to the return address text on the merchant's account.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from warehouse.vocabularies import CARRIERS

from .models import MerchantPolicy
from .serializers import ReturnAddressSerializer

# The address parts, in the order the page shows them, with their labels.
ADDRESS_PARTS = {
    "name": _("Recipient name"),
    "phone": _("Phone"),
    "province": _("Province"),
    "city": _("City"),
    "lines": _("District and street"),
    "postcode": _("Postcode"),
}


def _address_field(name: str, label) -> forms.CharField:
    rule = ReturnAddressSerializer().fields[name]
    attrs = {"maxlength": rule.max_length} if rule.max_length else {}
    if name == "lines":
        widget = forms.Textarea(attrs={**attrs, "rows": 2})
    else:
        widget = forms.TextInput(attrs=attrs)
    if name == "phone":
        widget.attrs.update(inputmode="tel", autocomplete="tel")
    if name == "postcode":
        widget.attrs.update(inputmode="numeric", autocomplete="postal-code")
    # Checked by the serializer (clean), not here: only required once any
    # part is given, and no length or pattern written twice.
    return forms.CharField(label=label, required=False, strip=True, widget=widget)


class ReturnsPolicyForm(forms.Form):
    on_cancel = forms.ChoiceField(
        label=_("When an order is cancelled"),
        choices=MerchantPolicy.OnCancel.choices,
        widget=forms.RadioSelect,
    )
    return_carrier = forms.ChoiceField(
        label=_("Carrier for returns"), choices=CARRIERS.choices
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in ADDRESS_PARTS.items():
            self.fields[f"return_{name}"] = _address_field(name, label)

    @classmethod
    def initial_of(cls, policy: MerchantPolicy) -> dict:
        """The form's starting values: the policy as saved."""
        initial = {
            "on_cancel": policy.on_cancel,
            "return_carrier": policy.return_carrier,
        }
        for name in ADDRESS_PARTS:
            initial[f"return_{name}"] = str((policy.return_to or {}).get(name, ""))
        return initial

    def address_fields(self):
        return [self[f"return_{name}"] for name in ADDRESS_PARTS]

    def clean(self):
        cleaned = super().clean()
        parts = {name: cleaned.get(f"return_{name}", "") for name in ADDRESS_PARTS}
        if not any(parts.values()):
            cleaned["return_to"] = {}
            return cleaned
        address = ReturnAddressSerializer(data=parts)
        if address.is_valid():
            cleaned["return_to"] = dict(address.validated_data)
        else:
            for name, errors in address.errors.items():
                field = f"return_{name}" if name in ADDRESS_PARTS else None
                for error in errors:
                    self.add_error(field, str(error))
        return cleaned

    def policy_values(self) -> dict:
        """What the valid form sets on the policy, field by field."""
        return {
            "on_cancel": self.cleaned_data["on_cancel"],
            "return_carrier": self.cleaned_data["return_carrier"],
            "return_to": self.cleaned_data["return_to"],
        }
