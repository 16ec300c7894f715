"""Reads for the fulfilment API, scoped to what the caller may see."""

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from warehouse.common.access import Principal, Role, tenant_scope
from warehouse.common.exceptions import Forbidden, NotFound

from .models import (
    Allocation,
    Manifest,
    Order,
    Shipment,
    ShipmentItem,
    WebhookEndpoint,
    WebhookMessage,
)


def related_known(instance, name: str, values: list) -> None:
    """Record that ``instance.<name>.all()`` is ``values``, as a prefetch would.

    For rows this request has just written (a new order's lines, a new
    parcel's contents): the answer is serialised from them without reading
    them back. Any further filtering on the relation still queries.
    """
    rows = getattr(instance, name).all()
    rows._result_cache = list(values)
    rows._prefetch_done = True
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[name] = rows


def order_list_for(principal: Principal) -> QuerySet:
    return (
        tenant_scope(Order.objects.all(), principal)
        .select_related("merchant", "warehouse")
        .prefetch_related(
            "lines",
            Prefetch(
                "lines__allocations", queryset=Allocation.objects.select_related("item")
            ),
            "shipments",
        )
    )


def order_detail_for(principal: Principal, external_id: str) -> Order:
    order = order_list_for(principal).filter(external_id=external_id).first()
    if order is None:
        raise NotFound(_("No order %s.") % external_id, code="order_not_found")
    return order


def shipment_list_for(principal: Principal) -> QuerySet:
    return (
        tenant_scope(Shipment.objects.all(), principal)
        .select_related("order", "warehouse", "manifest")
        .prefetch_related(
            Prefetch("contents", queryset=ShipmentItem.objects.select_related("item"))
        )
    )


def shipment_get_for(principal: Principal, reference: str) -> Shipment:
    shipment = shipment_list_for(principal).filter(reference=reference).first()
    if shipment is None:
        raise NotFound(_("No parcel %s.") % reference, code="shipment_not_found")
    return shipment


def manifest_list_for(principal: Principal) -> QuerySet:
    if principal.role == Role.MERCHANT:
        return Manifest.objects.none()
    return (
        tenant_scope(Manifest.objects.all(), principal)
        .select_related("warehouse")
        .prefetch_related(
            Prefetch(
                "shipments",
                queryset=Shipment.objects.prefetch_related("contents__item").order_by(
                    "released_at", "id"
                ),
            )
        )
    )


def manifest_get_for(principal: Principal, number: str) -> Manifest:
    manifest = manifest_list_for(principal).filter(number=number).first()
    if manifest is None:
        raise NotFound(_("No manifest %s.") % number, code="manifest_not_found")
    return manifest


def _platform_only(principal: Principal) -> None:
    if principal.role not in (Role.PLATFORM, Role.ADMIN):
        raise Forbidden(_("Only the platform manages its webhooks."))


def endpoint_list_for(principal: Principal) -> QuerySet:
    _platform_only(principal)
    endpoints = WebhookEndpoint.objects.order_by("id")
    if principal.role == Role.PLATFORM:
        endpoints = endpoints.filter(platform__user=principal.user)
    return endpoints


def endpoint_get_for(principal: Principal, endpoint_id: int) -> WebhookEndpoint:
    endpoint = endpoint_list_for(principal).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound(_("No webhook endpoint %s.") % endpoint_id)
    return endpoint


def messages_for(endpoint: WebhookEndpoint) -> QuerySet:
    return WebhookMessage.objects.filter(endpoint=endpoint).prefetch_related("log")
