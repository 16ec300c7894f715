"""The shipment API: parcels, their labels, release to the carrier,
returns of failed items and the merchant's decision on a held item.

Thin views: validate, call a service, answer through a scoped selector.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from warehouse.common.access import principal_of
from warehouse.common.api import (
    ANY_ROLE,
    IDEMPOTENCY_KEY,
    IdempotentPostMixin,
    valid_input,
)
from warehouse.selectors import item_get_for

from .. import selectors, services
from ..downloads import label_file_response
from ..filters import ShipmentFilter
from ..serializers import DecisionInput, ShipmentSerializer


def _shipment_answer(request, reference: str, http_status=status.HTTP_200_OK):
    shipment = selectors.shipment_get_for(principal_of(request.user), reference)
    return Response(ShipmentSerializer(shipment).data, status=http_status)


class ItemReleaseApi(IdempotentPostMixin, APIView):
    """Answers 409 with the reason the item's parcel may not leave.

    An item code does not show that the parcel's label is on the box, so it
    never releases: when nothing else holds the parcel back the answer is
    ``label_scan_required``, naming the parcel whose label's tracking barcode
    to scan (a ``release`` scan, ``POST /api/v1/scans/``).
    """

    permission_classes = [ANY_ROLE]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY], request=None, responses=ShipmentSerializer
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request, code: str):
        services.item_release(principal=principal_of(request.user), code=code)


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
    filterset_class = ShipmentFilter

    def get_queryset(self):
        return selectors.shipment_list_for(principal_of(self.request.user))


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
        principal = principal_of(request.user)
        shipment = selectors.shipment_get_for(principal, reference)
        station = principal.station
        return label_file_response(
            shipment, fmt, station_id=station.pk if station else None
        )


class ShipmentPrintedApi(APIView):
    permission_classes = [ANY_ROLE]

    @extend_schema(request=None, responses=ShipmentSerializer)
    def post(self, request, reference: str):
        principal = principal_of(request.user)
        shipment = selectors.shipment_get_for(principal, reference)
        services.label_printed(principal=principal, shipment=shipment)
        return _shipment_answer(request, reference)


class ShipmentReleaseApi(IdempotentPostMixin, APIView):
    """Release a parcel by its reference, once its label was marked printed
    (409 ``label_scan_required`` otherwise: scan the label's tracking barcode)."""

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
