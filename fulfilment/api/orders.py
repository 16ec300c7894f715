"""The order API: the platform places and cancels orders, the dock packs
them, and dispatch figures count how many left on time.

Thin views: validate, call a service, answer through a scoped selector.
"""

import datetime as dt

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from warehouse.common.access import principal_of
from warehouse.common.api import (
    ANY_ROLE,
    IDEMPOTENCY_KEY,
    IdempotentPostMixin,
    domain_error_response,
    valid_input,
    validation_message,
)

from .. import selectors, services
from ..filters import DispatchFilter, OrderFilter
from ..serializers import (
    CancelInput,
    DispatchFigureSerializer,
    OrderBatchAnswerSchema,
    OrderBatchInput,
    OrderBatchSchema,
    OrderCreateInput,
    OrderSerializer,
    ShipmentSerializer,
)
from ..services.shipping.packing import Seals, order_pack_by_id


def _order_answer(request, external_id: str, http_status=status.HTTP_200_OK):
    principal = principal_of(request.user)
    order = selectors.order_detail_for(principal, external_id)
    return Response(
        OrderSerializer(order, context={"role": principal.role}).data,
        status=http_status,
    )


class OrderListCreateApi(IdempotentPostMixin, generics.ListAPIView):
    """Orders the caller may see; the platform POSTs new ones (idempotent on
    ``order_id``: a repeat answers 200 with the order, other content 409)."""

    permission_classes = [ANY_ROLE]
    serializer_class = OrderSerializer
    filterset_class = OrderFilter

    def get_queryset(self):
        return selectors.order_list_for(principal_of(self.request.user))

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "role": principal_of(self.request.user).role,
        }

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=OrderCreateInput,
        responses={200: OrderSerializer, 201: OrderSerializer},
        summary="Accept an order from the platform",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request):
        data = valid_input(OrderCreateInput, request)
        principal = principal_of(request.user)
        order, created = services.order_create(principal=principal, data=data)
        if not created:  # a repeat: the order as it is now
            return _order_answer(request, order.external_id)
        # A new order is answered from what was just written, not read back.
        answer = OrderSerializer(order, context={"role": principal.role})
        return Response(answer.data, status=status.HTTP_201_CREATED)


class OrderBatchApi(IdempotentPostMixin, APIView):
    """Orders from the platform in batches of up to 1,000 (a livestream's
    peak), each as ``POST /api/v1/orders/`` takes it. 200 with one result per
    order, in order: ``created`` or ``duplicate`` (the same id and content
    as an order stored before: the stored order), with the order as a single
    POST answers it, or ``refused`` with the error a single POST would give
    (its ``fields`` prefixed ``orders[17].``) and that POST's ``http_status``.
    One refused order does not stop the others. A body that is not
    ``{"orders": [...]}``, an empty list or over 1,000 orders is a 400 and
    nothing is written."""

    permission_classes = [ANY_ROLE]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=OrderBatchSchema,
        responses={200: OrderBatchAnswerSchema},
        summary="Accept a batch of orders from the platform",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request):
        principal = principal_of(request.user)
        services.order_sender_check(principal=principal)  # before reading a body
        envelope = valid_input(OrderBatchInput, request)["orders"]
        results: list[dict] = [{} for _ in envelope]
        valid: list[tuple[int, dict]] = []
        check = OrderCreateInput()  # one instance: its fields are bound once
        for index, raw in enumerate(envelope):
            try:
                valid.append((index, check.run_validation(raw)))
            except serializers.ValidationError as exc:
                order_id = raw.get("order_id") if isinstance(raw, dict) else None
                results[index] = _refused(
                    index,
                    order_id if isinstance(order_id, str) else None,
                    "invalid",
                    validation_message(exc.detail),
                    _flat(exc.detail, f"orders[{index}]"),
                    status.HTTP_400_BAD_REQUEST,
                )
        outcomes = services.orders_accept(
            principal=principal, orders=[data for _index, data in valid]
        )
        repeats = {o.order_id for o in outcomes if o.status == "duplicate"}
        stored = {
            order.external_id: order
            for order in selectors.order_list_for(principal).filter(
                external_id__in=repeats
            )
        }
        answered = []
        for (index, _data), outcome in zip(valid, outcomes, strict=True):
            if outcome.error is not None:
                results[index] = _refused(
                    index,
                    outcome.order_id,
                    outcome.error.code,
                    outcome.error.message,
                    _prefixed(outcome.error.fields, index),
                    domain_error_response(outcome.error).status_code,
                )
                continue
            results[index] = {"order_id": outcome.order_id, "status": outcome.status}
            answered.append((index, stored.get(outcome.order_id, outcome.order)))
        # One serializer for all (its fields are built once, not per order).
        shown = OrderSerializer(
            [order for _index, order in answered],
            many=True,
            context={"role": principal.role},
        ).data
        for (index, _order), order in zip(answered, shown, strict=True):
            results[index]["order"] = order
        counts = dict.fromkeys(("created", "duplicate", "refused"), 0)
        for result in results:
            counts[result["status"]] += 1
        return Response({"results": results, "counts": counts})


def _refused(index, order_id, code, message, fields, http_status) -> dict:
    return {
        "order_id": order_id,
        "status": "refused",
        "error": {
            "code": code,
            "message": str(message),
            "fields": fields or {f"orders[{index}]": [str(message)]},
        },
        "http_status": http_status,
    }


def _prefixed(fields: dict, index: int) -> dict:
    """A single order's error fields, named as the batch's body names them."""
    return {
        f"orders[{index}].{name}" if name else f"orders[{index}]": value
        for name, value in fields.items()
    }


def _flat(detail, path: str) -> dict[str, list[str]]:
    """A DRF validation detail as ``{"orders[3].lines[0].sku": [messages]}``."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for name, value in detail.items():
            if name == "non_field_errors":
                inner = path
            elif isinstance(name, int):  # a list's errors by index
                inner = f"{path}[{name}]"
            else:
                inner = f"{path}.{name}"
            flat.update(_flat(value, inner))
        return flat
    if isinstance(detail, list):
        if all(isinstance(value, str) for value in detail):
            return {path: [str(value) for value in detail]} if detail else {}
        flat = {}
        for number, value in enumerate(detail):
            flat.update(_flat(value, f"{path}[{number}]"))
        return flat
    return {path: [str(detail)]}


class OrderDetailApi(APIView):
    permission_classes = [ANY_ROLE]

    @extend_schema(responses=OrderSerializer)
    def get(self, request, order_id: str):
        return _order_answer(request, order_id)


class OrderCancelApi(IdempotentPostMixin, APIView):
    """Cancel an order (a repeat is a no-op). The platform may cancel an order
    it has not sent yet, its pushes having overtaken each other: 202, and the
    order is accepted already cancelled when it comes."""

    permission_classes = [ANY_ROLE]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=CancelInput,
        responses={
            200: OrderSerializer,
            202: inline_serializer(
                "OrderCancelledAhead",
                {
                    "order_id": serializers.CharField(),
                    "status": serializers.CharField(),
                },
            ),
        },
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request, order_id: str):
        data = valid_input(CancelInput, request)
        order = services.order_cancel_by_id(
            principal=principal_of(request.user),
            external_id=order_id,
            reason=data.get("reason", ""),
        )
        if order is None:
            return Response(
                {"order_id": order_id, "status": "cancelled"},
                status=status.HTTP_202_ACCEPTED,
            )
        return _order_answer(request, order_id)


class PackInput(serializers.Serializer):
    """The anti-swap seals bound at packing (both optional)."""

    seal = serializers.CharField(
        max_length=128,
        required=False,
        allow_blank=True,
        help_text="the seal number (防调包扣) of the order's item that leaves "
        "under a seal (an order of one such item)",
    )
    seals = serializers.DictField(
        child=serializers.CharField(max_length=128),
        required=False,
        help_text="item code → seal number, for each item of the order whose "
        "category leaves under an anti-swap seal",
    )


class OrderPackApi(IdempotentPostMixin, APIView):
    """Pack an allocated order into one parcel; its label is made by a job.

    An order-first item of a category that leaves under an anti-swap seal
    needs the seal's number (``seal``, or ``seals`` by item code): 409
    ``seal_required`` without it, ``seal_used`` for a number already used.
    """

    permission_classes = [ANY_ROLE]

    @extend_schema(request=PackInput, responses=ShipmentSerializer)
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request, order_id: str):
        data = valid_input(PackInput, request)
        shipment = order_pack_by_id(
            principal=principal_of(request.user),
            external_id=order_id,
            seals=Seals(data.get("seals"), data.get("seal", "")),
        )
        return Response(ShipmentSerializer(shipment).data)  # relations loaded


class DispatchFiguresApi(APIView):
    """On-time dispatch per warehouse and merchant, for orders placed from
    ``from`` to ``to`` (dates, inclusive)."""

    permission_classes = [ANY_ROLE]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", dt.date),
            OpenApiParameter("to", dt.date),
            OpenApiParameter("warehouse", str),
        ],
        responses=DispatchFigureSerializer(many=True),
    )
    def get(self, request):
        orders = DispatchFilter(
            request.query_params,
            queryset=selectors.order_list_for(principal_of(request.user)),
        ).valid_qs()
        figures = services.dispatch_figures(orders=orders.order_by())
        return Response(DispatchFigureSerializer(figures, many=True).data)
