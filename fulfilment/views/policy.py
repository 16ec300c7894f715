"""The merchant's returns and cancellations page: the policy the API's
``/api/v1/merchant-policy/`` sets, by form.

What happens to an item whose order is cancelled, the carrier for returns
and where they go (the structured address a return label needs). Only a
merchant's users open it, and only ever their own merchant's policy: the
merchant comes from who is signed in, never from the address. The form
checks everything before anything is written; one save writes it all.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from warehouse.common.access import Role
from warehouse.common.exceptions import DomainError
from warehouse.common.pages import page_view, refused
from warehouse.models import Merchant

from ..forms import ReturnsPolicyForm
from ..models import MerchantPolicy


@never_cache
@require_http_methods(["GET", "POST"])
@page_view(Role.MERCHANT)
def returns_policy(request):
    """Show and save the signed-in merchant's returns and cancellations policy."""
    merchant = Merchant.objects.get(pk=request.principal.merchant_id)
    policy = MerchantPolicy.objects.filter(merchant=merchant).first()
    if request.method == "POST":
        form = ReturnsPolicyForm(request.POST)
        if form.is_valid():
            MerchantPolicy.objects.update_or_create(
                merchant=merchant, defaults=form.policy_values()
            )
            messages.success(request, _("Your returns and cancellations are saved."))
            return redirect("decide:returns-policy")
        status = 400
    else:
        form = ReturnsPolicyForm(
            initial=ReturnsPolicyForm.initial_of(policy or MerchantPolicy())
        )
        status = 200
    return render(
        request,
        "portal/returns_policy.html",
        {
            "form": form,
            "merchant": merchant,
            "saved_address": bool(policy and policy.return_to),
        },
        status=status,
    )


def refused_return(request, exc: DomainError) -> None:
    """A refused return, shown on the next page; a merchant refused for want
    of a return address is pointed to the page that sets one."""
    refused(request, exc)
    if exc.code == "no_return_address" and request.principal.role == Role.MERCHANT:
        messages.info(
            request,
            format_html(
                '<a href="{}">{}</a>',
                reverse("decide:returns-policy"),
                _("Set your return address"),
            ),
        )
