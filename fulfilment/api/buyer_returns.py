"""The buyer's return API: the platform announces a return
(``POST /api/v1/returns/``, idempotent on its ``return_id``); the platform
reads every return, a merchant its own, staff their warehouses'
(``GET /api/v1/returns/``, ``GET /api/v1/returns/{return_id}/``).

Thin views: validate, call a service, answer through a scoped selector.
"""

from drf_spectacular.utils import extend_schema, extend_schema_field
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
from warehouse.common.messages import message_render
from warehouse.serializers import TermField
from warehouse.vocabularies import CARRIERS, RETURN_REASONS

from ..masking import FULL_BUYER_ROLES
from ..services import buyer_returns as service

# --- input -----------------------------------------------------------------------


class ReturnItemInput(serializers.Serializer):
    item = serializers.CharField(max_length=16)
    opened = serializers.BooleanField(default=False)


class ReturnNoticeInput(serializers.Serializer):
    return_id = serializers.RegexField(r"^[A-Za-z0-9._:-]{1,64}$", max_length=64)
    order = serializers.CharField(max_length=64)
    items = ReturnItemInput(many=True, allow_empty=False, max_length=100)
    reason = TermField(RETURN_REASONS)
    buyer_note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True
    )
    carrier = TermField(CARRIERS)
    tracking_number = serializers.RegexField(r"^[A-Za-z0-9-]{4,64}$", max_length=64)
    delivered_at = serializers.DateTimeField()


# --- output ----------------------------------------------------------------------


class ReturnCheckSerializer(serializers.Serializer):
    """One compared point: its fact and its words in the reader's language."""

    check = serializers.CharField()
    code = serializers.CharField()
    params = serializers.DictField()
    ok = serializers.BooleanField(allow_null=True)
    severity = serializers.CharField()
    reason = serializers.CharField()


class ReturnInspectionSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.CharField()
    verdict = serializers.CharField()
    outcome = serializers.CharField()
    checks = ReturnCheckSerializer(many=True)
    report_url = serializers.CharField(allow_null=True)


class ReturnLineSerializer(serializers.Serializer):
    item = serializers.CharField()
    state = serializers.CharField()
    opened = serializers.BooleanField()
    received_at = serializers.DateTimeField(allow_null=True)
    inspection = ReturnInspectionSummarySerializer(allow_null=True)


class ReturnNoticeSerializer(serializers.Serializer):
    """A return as the reader may see it: the buyer's note only for the
    roles that see the buyer whole (``fulfilment.masking``)."""

    return_id = serializers.CharField()
    order = serializers.CharField(source="order_ref")
    merchant = serializers.CharField(source="merchant.code")
    warehouse = serializers.CharField(source="warehouse.code")
    reason = serializers.CharField()
    buyer_note = serializers.SerializerMethodField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    unannounced = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    items = serializers.SerializerMethodField()

    def get_buyer_note(self, notice) -> str | None:
        if self.context.get("role") in FULL_BUYER_ROLES:
            return notice.buyer_note
        return None

    @extend_schema_field(ReturnLineSerializer(many=True))
    def get_items(self, notice) -> list[dict]:
        lines = []
        for line in notice.lines.all():
            inspection = service.return_inspection_latest(notice, line.item_id)
            lines.append(
                {
                    "item": line.item.code,
                    "state": line.item.state,
                    "opened": line.opened,
                    "received_at": line.received_at,
                    "inspection": _inspection(inspection),
                }
            )
        return ReturnLineSerializer(lines, many=True).data


def _reason(code: str, params) -> str:
    """A compared point's words in the reader's language, from the catalogue
    that has its code (the code itself if none has it)."""
    words = message_render(code, params or {}, strict=True) if code else None
    return code if words is None else words


def _inspection(inspection) -> dict | None:
    if inspection is None:
        return None
    held = inspection.status in ("closed", "disputed")
    return {
        "id": inspection.pk,
        "number": inspection.number,
        "status": inspection.status,
        "verdict": inspection.verdict,
        "outcome": inspection.outcome,
        "checks": [
            {
                "check": point.get("check", ""),
                "code": point.get("code", ""),
                "params": point.get("params", {}),
                "ok": point.get("ok"),
                "severity": point.get("severity", ""),
                "reason": _reason(point.get("code", ""), point.get("params")),
            }
            for point in inspection.checks
        ],
        "report_url": service.return_report_url(inspection.pk) if held else None,
    }


def _answer(request, notice, http_status=status.HTTP_200_OK) -> Response:
    role = principal_of(request.user).role
    return Response(
        ReturnNoticeSerializer(notice, context={"role": role}).data,
        status=http_status,
    )


class ReturnNoticeListCreateApi(IdempotentPostMixin, generics.ListAPIView):
    """Buyers' returns the caller may see, newest first; the platform POSTs
    a new one (idempotent on ``return_id``: a repeat answers 200 with the
    return, other content 409 ``return_id_reused``)."""

    permission_classes = [ANY_ROLE]
    serializer_class = ReturnNoticeSerializer

    def get_queryset(self):
        return service.return_notice_list_for(principal_of(self.request.user))

    def get_serializer_context(self):
        return {
            **super().get_serializer_context(),
            "role": principal_of(self.request.user).role,
        }

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=ReturnNoticeInput,
        responses={200: ReturnNoticeSerializer, 201: ReturnNoticeSerializer},
        summary="Accept the platform's notice of a buyer's return",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request):
        principal = principal_of(request.user)
        service.return_sender_check(principal=principal)  # before reading a body
        data = valid_input(ReturnNoticeInput, request)
        notice, created = service.return_notice_create(principal=principal, data=data)
        notice = service.return_notice_get_for(principal, notice.return_id)
        return _answer(
            request,
            notice,
            status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ReturnNoticeDetailApi(APIView):
    permission_classes = [ANY_ROLE]

    @extend_schema(responses=ReturnNoticeSerializer)
    def get(self, request, return_id: str):
        notice = service.return_notice_get_for(principal_of(request.user), return_id)
        return _answer(request, notice)
