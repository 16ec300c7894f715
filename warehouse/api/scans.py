"""The scan API: a station scans a barcode to receive an item or look it up.

One thin view: validate, call :func:`warehouse.services.scan_process`,
serialize; every scan, accepted or refused, goes to the scan log.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from warehouse.common.access import Role, principal_of
from warehouse.common.api import (
    IDEMPOTENCY_KEY,
    IdempotentPostMixin,
    roles,
    validation_message,
)
from warehouse.common.parsers import UnreadableBody
from warehouse.common.proxies import client_address

from .. import services
from ..barcodes import Kind
from ..models import ScanLog
from ..serializers import ScanInputSerializer, ScanOutputSerializer, item_summary

SCANNERS = roles(Role.STATION, Role.SUPERVISOR, Role.INSPECTOR, Role.ADMIN)


class ItemScanApi(IdempotentPostMixin, APIView):
    """A station scans a barcode: ``receive`` an item (or a buyer's return, by
    its tracking number or an item code), ``lookup`` what it is, ``pack`` it
    (with its anti-swap ``seal``) or ``release`` it.

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
            seal=data.validated_data.get("seal", ""),
            client_address=client_address(request),
        )
        body = {"action": action, "item": item_summary(item)}
        if barcode.kind == Kind.GS1:
            body["gs1"] = barcode.gs1_summary()
        if getattr(item, "buyer_return", None):
            body["buyer_return"] = item.buyer_return
        return Response(body)
