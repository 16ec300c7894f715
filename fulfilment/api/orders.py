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
    valid_input,
)

from .. import selectors, services
from ..filters import DispatchFilter, OrderFilter
from ..serializers import (
    CancelInput,
    DispatchFigureSerializer,
    OrderCreateInput,
    OrderSerializer,
    ShipmentSerializer,
)


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


class OrderPackApi(IdempotentPostMixin, APIView):
    """Pack an allocated order into one parcel; its label is made by a job."""

    permission_classes = [ANY_ROLE]

    @extend_schema(request=None, responses=ShipmentSerializer)
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request, order_id: str):
        principal = principal_of(request.user)
        order = services.order_get_for(principal, order_id)
        shipment = services.order_pack(principal=principal, order=order)
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
