"""Reads for the fulfilment API, scoped to what the caller may see."""

from collections.abc import Callable, Hashable

from django.db import connections, transaction
from django.db.models import Prefetch, QuerySet
from django.db.models.query import get_related_populators
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


class Prepared:
    """A read the ORM builds, compiled once per process and shape, then run
    again with other values: what iterating the queryset gives (its model's
    instances, their ``select_related`` rows and annotations), without
    compiling it each time.

    ``build(context, *values)`` returns the queryset for ``values`` (ids,
    codes), each of which must reach the statement as one bound parameter;
    ``shape`` names everything else it reads of ``context`` (the caller's
    scope of a principal), so a shape is compiled once: :meth:`rows` builds it
    with stand-in values, compiles it, and binds the real values in the
    stand-ins' places. For the hot
    requests (the pack scan), where compiling a statement of joins and
    subqueries cost more CPU than running it.
    """

    STAND_INS = (-7_316_000_001, -7_316_000_002, -7_316_000_003)

    def __init__(self, build: Callable[..., QuerySet], *, arity: int = 1):
        self.build = build
        self.arity = arity
        self._compiled: dict = {}

    def rows(
        self, *values, shape: Hashable = (), context=None, using: str = "default"
    ) -> list:
        compiled = self._compiled.get((shape, using))
        if compiled is None:
            if len(self._compiled) >= 256:  # bounded: shapes are few
                self._compiled.clear()
            compiled = self._compiled[shape, using] = self._compile(context, using)
        if compiled is None:  # the shape sees no row
            return []
        sql, params, slots, read = compiled
        if read["locks"] and not transaction.get_connection(using).in_atomic_block:
            raise transaction.TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = list(params)
        for slot, value in zip(slots, values, strict=True):
            params[slot] = value
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [self._instance(row, read, connection, using) for row in rows]

    def _compile(self, context, using: str):
        stand_ins = [
            type(self).STAND_INS[n] if n < 3 else -7_316_000_100 - n
            for n in range(self.arity)
        ]
        queryset = self.build(context, *stand_ins)
        if queryset.query.is_empty():
            return None
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots = []
        for stand_in in stand_ins:
            found = [n for n, param in enumerate(params) if str(param) == str(stand_in)]
            if len(found) != 1:
                raise ValueError(f"a value is not one parameter: {found}")
            slots.append(found[0])
        info = compiler.klass_info
        start, end = info["select_fields"][0], info["select_fields"][-1] + 1
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        read = {
            "model": info["model"],
            "start": start,
            "end": end,
            "names": [c[0].target.attname for c in compiler.select[start:end]],
            "related": get_related_populators(info, compiler.select, using),
            "annotations": dict(compiler.annotation_col_map or {}),
            "converters": compiler.get_converters(fields),
            "locks": queryset.query.select_for_update,
        }
        return sql, tuple(params), tuple(slots), read

    @staticmethod
    def _instance(row, read, connection, using):
        if read["converters"]:
            row = list(row)
            for at, (converters, expression) in read["converters"].items():
                for converter in converters:
                    row[at] = converter(row[at], expression, connection)
        obj = read["model"].from_db(
            using, read["names"], row[read["start"] : read["end"]]
        )
        for populator in read["related"]:
            populator.populate(row, obj)
        for name, at in read["annotations"].items():
            setattr(obj, name, row[at])
        return obj


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
