"""The fulfilment REST API (v1): orders, packing, labels, release, manifests,
returns, dispatch figures and the platform's webhook endpoints.

Thin views: validate, call a service, answer through a scoped selector.
"""

import datetime as dt

from django.http import FileResponse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from warehouse.access import Role, principal_of
from warehouse.api.scans import ANY_ROLE, IDEMPOTENCY_KEY, roles
from warehouse.api_common import IdempotentPostMixin, valid_input
from warehouse.exceptions import InvalidInput, NotFound
from warehouse.selectors import item_get_for

from .. import selectors, services
from ..downloads import label_file_response
from ..models import MerchantPolicy, WebhookMessage
from ..serializers import (
    CancelInput,
    DecisionInput,
    DispatchFigureSerializer,
    ManifestSerializer,
    MerchantPolicySerializer,
    OrderCreateInput,
    OrderSerializer,
    ShipmentSerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointInput,
    WebhookEndpointSerializer,
    WebhookMessageSerializer,
)

PLATFORM = roles(Role.PLATFORM, Role.ADMIN)
MERCHANT = roles(Role.MERCHANT)


def _order_answer(request, external_id: str, http_status=status.HTTP_200_OK):
    principal = principal_of(request.user)
    order = selectors.order_detail_for(principal, external_id)
    return Response(
        OrderSerializer(order, context={"role": principal.role}).data,
        status=http_status,
    )


def _shipment_answer(request, reference: str, http_status=status.HTTP_200_OK):
    shipment = selectors.shipment_get_for(principal_of(request.user), reference)
    return Response(ShipmentSerializer(shipment).data, status=http_status)


class OrderListCreateApi(IdempotentPostMixin, generics.ListAPIView):
    """Orders the caller may see; the platform POSTs new ones (idempotent on
    ``order_id``: a repeat answers 200 with the order, other content 409)."""

    permission_classes = [ANY_ROLE]
    serializer_class = OrderSerializer

    def get_queryset(self):
        queryset = selectors.order_list_for(principal_of(self.request.user))
        for name in ("status", "promise_state"):
            if value := self.request.query_params.get(name):
                queryset = queryset.filter(**{name: value})
        return queryset

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


class ItemReleaseApi(IdempotentPostMixin, APIView):
    """Hand the item's parcel to its carrier, or 409 saying why it may not leave."""

    permission_classes = [ANY_ROLE]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY], request=None, responses=ShipmentSerializer
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request, code: str):
        shipment = services.item_release(
            principal=principal_of(request.user), code=code
        )
        return _shipment_answer(request, shipment.reference)


class ItemReturnApi(IdempotentPostMixin, APIView):
    """Send a failed item back to its merchant (a return parcel and label)."""

    permission_classes = [ANY_ROLE]

    @extend_schema(request=None, responses={201: ShipmentSerializer})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request, code: str):
        principal = principal_of(request.user)
        item = item_get_for(principal, code)
        shipment = services.return_create(principal=principal, item=item)
        return _shipment_answer(request, shipment.reference, status.HTTP_201_CREATED)


class ItemDecisionApi(IdempotentPostMixin, APIView):
    """The merchant's choice for an item whose order was cancelled."""

    permission_classes = [ANY_ROLE]

    @extend_schema(request=DecisionInput, responses={200: None})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request, code: str):
        data = valid_input(DecisionInput, request)
        principal = principal_of(request.user)
        item = item_get_for(principal, code)
        item = services.held_decide(
            principal=principal, item=item, decision=data["decision"]
        )
        return Response({"item": item.code, "state": item.state})


class ShipmentListApi(generics.ListAPIView):
    """Parcels; ``?pending_labels=1`` gives a station the labels still to print."""

    permission_classes = [ANY_ROLE]
    serializer_class = ShipmentSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("pending_labels", bool),
            OpenApiParameter("status", str),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        principal = principal_of(self.request.user)
        queryset = selectors.shipment_list_for(principal)
        if self.request.query_params.get("pending_labels") in ("1", "true"):
            ids = services.labels_pending(principal=principal).values("pk")
            queryset = queryset.filter(pk__in=ids).order_by("booked_at", "id")
        if value := self.request.query_params.get("status"):
            queryset = queryset.filter(status=value)
        return queryset


class ShipmentDetailApi(APIView):
    permission_classes = [ANY_ROLE]

    @extend_schema(responses=ShipmentSerializer)
    def get(self, request, reference: str):
        return _shipment_answer(request, reference)


class ShipmentLabelApi(APIView):
    """The parcel's label: ``pdf`` (4x6 in) or ``zpl`` (thermal printers)."""

    permission_classes = [ANY_ROLE]

    @extend_schema(
        responses={(200, "application/pdf"): bytes, (200, "application/zpl"): str}
    )
    def get(self, request, reference: str, fmt: str):
        shipment = selectors.shipment_get_for(principal_of(request.user), reference)
        return label_file_response(shipment, fmt)


class ShipmentPrintedApi(APIView):
    permission_classes = [ANY_ROLE]

    @extend_schema(request=None, responses=ShipmentSerializer)
    def post(self, request, reference: str):
        principal = principal_of(request.user)
        shipment = selectors.shipment_get_for(principal, reference)
        services.label_printed(principal=principal, shipment=shipment)
        return _shipment_answer(request, reference)


class ShipmentReleaseApi(IdempotentPostMixin, APIView):
    """Release a parcel by its reference (lots and returns have no item code
    of their own to scan)."""

    permission_classes = [ANY_ROLE]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY], request=None, responses=ShipmentSerializer
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request, reference: str):
        principal = principal_of(request.user)
        shipment = selectors.shipment_get_for(principal, reference)
        services.shipment_release(principal=principal, shipment=shipment)
        return _shipment_answer(request, reference)


class ManifestListApi(generics.ListAPIView):
    permission_classes = [ANY_ROLE]
    serializer_class = ManifestSerializer

    def get_queryset(self):
        return selectors.manifest_list_for(principal_of(self.request.user))


class ManifestDetailApi(APIView):
    permission_classes = [ANY_ROLE]

    @extend_schema(responses=ManifestSerializer)
    def get(self, request, number: str):
        manifest = selectors.manifest_get_for(principal_of(request.user), number)
        return Response(ManifestSerializer(manifest).data)


class ManifestCloseApi(IdempotentPostMixin, APIView):
    """Close the pickup: the manifest's list is final and its PDF is made."""

    permission_classes = [ANY_ROLE]

    @extend_schema(request=None, responses=ManifestSerializer)
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request, number: str):
        principal = principal_of(request.user)
        manifest = selectors.manifest_get_for(principal, number)
        services.manifest_close(principal=principal, manifest=manifest)
        manifest = selectors.manifest_get_for(principal, number)
        return Response(ManifestSerializer(manifest).data)


class ManifestPdfApi(APIView):
    permission_classes = [ANY_ROLE]

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, number: str):
        manifest = selectors.manifest_get_for(principal_of(request.user), number)
        if not manifest.pdf:
            raise NotFound(_("The manifest is still open."), code="manifest_open")
        return FileResponse(
            manifest.pdf.open("rb"),
            content_type="application/pdf",
            filename=f"{manifest.number}.pdf",
        )


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
        orders = selectors.order_list_for(principal_of(request.user))
        params = request.query_params
        for name, lookup in (("from", "gte"), ("to", "lte")):
            if params.get(name):
                day = parse_date(params[name]) if _is_date(params[name]) else None
                if day is None:
                    raise InvalidInput(
                        _("Give dates as YYYY-MM-DD."), fields={name: ["YYYY-MM-DD"]}
                    )
                orders = orders.filter(**{f"ordered_at__date__{lookup}": day})
        if params.get("warehouse"):
            orders = orders.filter(warehouse__code=params["warehouse"])
        figures = services.dispatch_figures(orders=orders.order_by())
        return Response(DispatchFigureSerializer(figures, many=True).data)


def _is_date(value: str) -> bool:
    try:
        return parse_date(value) is not None
    except ValueError:
        return False


class MerchantPolicyApi(APIView):
    """What happens to the merchant's items when an order is cancelled."""

    permission_classes = [MERCHANT]

    @extend_schema(responses=MerchantPolicySerializer)
    def get(self, request):
        policy = _policy(request)
        return Response(MerchantPolicySerializer(policy).data)

    @extend_schema(request=MerchantPolicySerializer, responses=MerchantPolicySerializer)
    def put(self, request):
        # Checked before the merchant's policy row is made: a refused PUT
        # leaves nothing behind.
        data = MerchantPolicySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = _policy(request)
        for name, value in data.validated_data.items():
            setattr(policy, name, value)
        policy.save(update_fields=list(data.validated_data))
        return Response(MerchantPolicySerializer(policy).data)


def _policy(request) -> MerchantPolicy:
    merchant_id = principal_of(request.user).merchant_id
    policy, _created = MerchantPolicy.objects.get_or_create(merchant_id=merchant_id)
    return policy


class WebhookEndpointListCreateApi(APIView):
    """The platform's webhook receivers (https, public addresses only)."""

    permission_classes = [PLATFORM]

    @extend_schema(responses=WebhookEndpointSerializer(many=True))
    def get(self, request):
        endpoints = selectors.endpoint_list_for(principal_of(request.user))
        return Response(WebhookEndpointSerializer(endpoints, many=True).data)

    @extend_schema(
        request=WebhookEndpointInput, responses={201: WebhookEndpointCreatedSerializer}
    )
    def post(self, request):
        data = valid_input(WebhookEndpointInput, request)
        endpoint = services.webhook_endpoint_create(
            principal=principal_of(request.user), url=data["url"]
        )
        return Response(
            WebhookEndpointCreatedSerializer(endpoint).data,
            status=status.HTTP_201_CREATED,
        )


class RotateInput(serializers.Serializer):
    drop_old = serializers.BooleanField(default=False)


class WebhookEndpointRotateApi(APIView):
    """Add a new signing secret (answered once); the old one signs too until
    ``drop_old``."""

    permission_classes = [PLATFORM]

    @extend_schema(request=RotateInput, responses=WebhookEndpointCreatedSerializer)
    def post(self, request, endpoint_id: int):
        data = valid_input(RotateInput, request)
        endpoint = selectors.endpoint_get_for(principal_of(request.user), endpoint_id)
        endpoint = services.webhook_endpoint_rotate(
            endpoint=endpoint, drop_old=data["drop_old"]
        )
        return Response(WebhookEndpointCreatedSerializer(endpoint).data)


class WebhookMessageListApi(generics.ListAPIView):
    """The delivery log of one endpoint, newest first."""

    permission_classes = [PLATFORM]
    serializer_class = WebhookMessageSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return WebhookMessage.objects.none()
        endpoint = selectors.endpoint_get_for(
            principal_of(self.request.user), self.kwargs["endpoint_id"]
        )
        return selectors.messages_for(endpoint).order_by("-id")
