"""The warehouse REST API (v1): inbound notices, scans, items.

One thin view per action: validate, call a service or selector, serialize.
"""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import selectors, services
from ..access import Role, principal_of
from ..api_common import IdempotentPostMixin, validation_message
from ..barcodes import Kind
from ..filters import InboundNoticeFilter, ItemFilter
from ..models import ScanLog
from ..parsers import UnreadableBody
from ..proxies import client_address
from ..serializers import (
    InboundNoticeDetailSerializer,
    InboundNoticeDocInputSerializer,
    InboundNoticeInputSerializer,
    InboundNoticeSerializer,
    ItemDetailSerializer,
    ItemSerializer,
    NoticeItemRowSerializer,
    ScanInputSerializer,
    ScanOutputSerializer,
    item_summary,
)


def roles(*allowed: str) -> type[BasePermission]:
    """A permission class admitting users whose role is one of ``allowed``."""

    class HasRole(BasePermission):
        message = gettext_lazy("Your role may not do this.")

        def has_permission(self, request, view):
            return principal_of(request.user).role in allowed

    HasRole.__name__ = "HasRole_" + "_".join(allowed)
    return HasRole


ANY_ROLE = roles(
    Role.ADMIN,
    Role.PLATFORM,
    Role.STATION,
    Role.MERCHANT,
    Role.INSPECTOR,
    Role.SUPERVISOR,
)
MERCHANTS = roles(Role.MERCHANT)
SCANNERS = roles(Role.STATION, Role.SUPERVISOR, Role.INSPECTOR, Role.ADMIN)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Repeat a POST safely: the same key and body get the first answer.",
)


class InboundNoticeListCreateApi(IdempotentPostMixin, generics.ListAPIView):
    """Merchants announce shipments; everyone in scope lists them."""

    serializer_class = InboundNoticeSerializer
    filterset_class = InboundNoticeFilter

    def get_queryset(self):
        return selectors.notice_list_for(principal_of(self.request.user))

    def get_permissions(self):
        if self.request.method == "POST":
            return [MERCHANTS()]
        return [ANY_ROLE()]

    class CreatedSerializer(InboundNoticeSerializer):
        items = NoticeItemRowSerializer(many=True)

        class Meta(InboundNoticeSerializer.Meta):
            fields = [*InboundNoticeSerializer.Meta.fields, "items"]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=InboundNoticeDocInputSerializer,
        responses={201: CreatedSerializer},
        summary="Announce a shipment (up to 100,000 items, all or nothing)",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request):
        data = InboundNoticeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.inbound_notice_create(
            merchant=request.user.merchant_membership.merchant,
            warehouse_code=data.validated_data["warehouse"],
            reference=data.validated_data["reference"],
            carrier=data.validated_data.get("carrier", ""),
            tracking_number=data.validated_data.get("tracking_number", ""),
            items=data.validated_data["items"],
            actor=request.user,
        )
        body = InboundNoticeSerializer(notice).data
        body["items"] = [
            {name: item[name] for name in selectors.NOTICE_ROW_FIELDS}
            for item in notice.created_rows
        ]
        return Response(body, status=status.HTTP_201_CREATED)


class InboundNoticeDetailApi(APIView):
    permission_classes = [ANY_ROLE]

    @extend_schema(responses=InboundNoticeDetailSerializer)
    def get(self, request, notice_id: int):
        notice = selectors.notice_get_for(principal_of(request.user), notice_id)
        return Response(InboundNoticeDetailSerializer(notice).data)


class ItemScanApi(IdempotentPostMixin, APIView):
    """A station scans a barcode: ``receive`` an item, or ``lookup`` what it is.

    Every scan, accepted or refused, goes to the scan log.
    """

    permission_classes = [SCANNERS]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=ScanInputSerializer,
        responses={200: ScanOutputSerializer},
        summary="Scan a barcode (item code, merchant serial, tag or GS1 string)",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def _log(
        self,
        request,
        outcome: str,
        *,
        code: str = "",
        message: str = "",
        body: dict | None = None,
    ):
        """Log a scan the service never saw (refused before it, or replayed)."""
        if body is None:
            try:
                body = request.data if isinstance(request.data, dict) else {}
            except APIException:  # unparseable body: log what we know
                body = {}
        services.scan_log_write(
            principal=principal_of(request.user),
            barcode=body.get("barcode", ""),
            action=body.get("action", ""),
            outcome=outcome,
            error_code=code,
            message=message,
            client_address=client_address(request),
        )

    def initial(self, request, *args, **kwargs):
        """A body that cannot be read (not JSON, or holding what cannot be
        stored) is refused and logged, with what could be read of it."""
        super().initial(request, *args, **kwargs)
        try:
            request.data  # noqa: B018 - parsed here, once, to log a refusal
        except UnreadableBody as exc:
            received = exc.received if isinstance(exc.received, dict) else {}
            self._log(
                request,
                ScanLog.Outcome.REFUSED,
                code=exc.code,
                message=exc.message,
                body=received,
            )
            raise
        except APIException as exc:  # not JSON, or not a media type we read
            self._log(
                request,
                ScanLog.Outcome.REFUSED,
                code=exc.default_code,
                message=str(exc.detail),
                body={},
            )
            raise

    def permission_denied(self, request, message=None, code=None):
        """A scan from a role that may not scan is logged when we know who sent it."""
        if request.user and request.user.is_authenticated:
            self._log(
                request,
                ScanLog.Outcome.REFUSED,
                code="permission_denied",
                message=str(message or ""),
            )
        super().permission_denied(request, message=message, code=code)

    def on_refused(self, request, exc):
        """A scan whose Idempotency-Key was refused is logged too."""
        self._log(request, ScanLog.Outcome.REFUSED, code=exc.code, message=exc.message)

    def on_replay(self, request, replay):
        """A repeated scan is answered from the first one, and logged as such."""
        self._log(request, ScanLog.Outcome.REPLAYED, message=f"HTTP {replay.status}")

    def post_once(self, request):
        principal = principal_of(request.user)
        data = ScanInputSerializer(data=request.data)
        if not data.is_valid():
            self._log(
                request,
                ScanLog.Outcome.REFUSED,
                code="invalid",
                message=validation_message(data.errors),
            )
            raise ValidationError(data.errors)
        action = data.validated_data["action"]
        item, barcode = services.scan_process(
            principal=principal,
            barcode=data.validated_data["barcode"],
            action=action,
            tag=data.validated_data.get("tag", ""),
            location=data.validated_data.get("location", ""),
            client_address=client_address(request),
        )
        body = {"action": action, "item": item_summary(item)}
        if barcode.kind == Kind.GS1:
            body["gs1"] = barcode.gs1_summary()
        return Response(body)


class ItemListApi(generics.ListAPIView):
    permission_classes = [ANY_ROLE]
    serializer_class = ItemSerializer
    filterset_class = ItemFilter

    def get_queryset(self):
        return selectors.item_list_for(principal_of(self.request.user))


class ItemDetailApi(APIView):
    permission_classes = [ANY_ROLE]

    @extend_schema(responses=ItemDetailSerializer)
    def get(self, request, code: str):
        item = selectors.item_get_for(principal_of(request.user), code)
        return Response(ItemDetailSerializer(item).data)
