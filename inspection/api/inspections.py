"""The inspection API: an item's inspections, observations, lots,
completion and sign-off, scale readings, supervisors' hold decisions and
merchants' appeals.

One thin view per action: validate, call a service, answer with the
inspection as :func:`selectors.inspection_get_for` reads it. Which role may do
what is decided in the services; views only check that the caller has a role.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from warehouse.common.access import principal_of
from warehouse.common.api import (
    ANY_ROLE,
    IDEMPOTENCY_KEY,
    IdempotentPostMixin,
    valid_input,
)
from warehouse.common.exceptions import InvalidInput

from .. import selectors, services
from ..serializers import (
    AppealInputSerializer,
    AppealSerializer,
    CompleteSerializer,
    HoldDecideSerializer,
    InspectionSerializer,
    InspectionSubmitSerializer,
    ObservationsSerializer,
    ScaleReadingSerializer,
    SignOffSerializer,
    UnitsSerializer,
)


def _inspection_answer(request, inspection_id: int, http_status=status.HTTP_200_OK):
    inspection = selectors.inspection_get_for(principal_of(request.user), inspection_id)
    return Response(InspectionSerializer(inspection).data, status=http_status)


class ItemInspectionListCreateApi(IdempotentPostMixin, APIView):
    """An item's inspections; POST inspects it (open or continue, record, complete)."""

    permission_classes = [ANY_ROLE]

    @extend_schema(responses=InspectionSerializer(many=True))
    def get(self, request, code: str):
        inspections = selectors.inspection_list_for_item(
            principal_of(request.user), code
        )
        return Response(InspectionSerializer(inspections, many=True).data)

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=InspectionSubmitSerializer,
        responses={200: InspectionSerializer, 201: InspectionSerializer},
        summary="Inspect an item: open (or continue) its inspection, record, complete",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request, code: str):
        data = valid_input(InspectionSubmitSerializer, request)
        inspection, created = services.inspection_submit(
            principal=principal_of(request.user),
            code=code,
            observed=data.get("observed"),
            units=data.get("units"),
            notes=data.get("notes", ""),
            complete=data["complete"],
        )
        return _inspection_answer(
            request,
            inspection.pk,
            status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class InspectionDetailApi(APIView):
    permission_classes = [ANY_ROLE]

    @extend_schema(responses=InspectionSerializer)
    def get(self, request, inspection_id: int):
        return _inspection_answer(request, inspection_id)


class _InspectionActionApi(IdempotentPostMixin, APIView):
    """A POST on one inspection: validate ``input``, call ``act``, answer with it."""

    permission_classes = [ANY_ROLE]
    input = None

    def post_once(self, request, inspection_id: int):
        data = valid_input(self.input, request)
        self.act(principal_of(request.user), inspection_id, data)
        return _inspection_answer(request, inspection_id)

    def act(self, principal, inspection_id, data):  # pragma: no cover - abstract
        raise NotImplementedError


class InspectionObservationsApi(_InspectionActionApi):
    input = ObservationsSerializer

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=ObservationsSerializer,
        responses=InspectionSerializer,
        summary="Record observations; each check is judged as it is recorded",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def act(self, principal, inspection_id, data):
        services.inspection_observe(
            principal=principal, inspection_id=inspection_id, observed=data["observed"]
        )


class InspectionUnitsApi(_InspectionActionApi):
    input = UnitsSerializer

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=UnitsSerializer,
        responses=InspectionSerializer,
        summary="Record sampled units of a lot (ISO 2859-1 sample)",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def act(self, principal, inspection_id, data):
        services.inspection_units_record(
            principal=principal, inspection_id=inspection_id, units=data["units"]
        )


class InspectionCompleteApi(_InspectionActionApi):
    input = CompleteSerializer

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=CompleteSerializer,
        responses=InspectionSerializer,
        summary="Compute the verdict; apply it or wait for sign-off",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def act(self, principal, inspection_id, data):
        services.inspection_complete(
            principal=principal, inspection_id=inspection_id, notes=data.get("notes")
        )


class InspectionSignOffApi(_InspectionActionApi):
    input = SignOffSerializer

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=SignOffSerializer,
        responses=InspectionSerializer,
        summary="A second inspector approves (or disputes) the verdict",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def act(self, principal, inspection_id, data):
        services.inspection_sign_off(
            principal=principal,
            inspection_id=inspection_id,
            approve=data["approve"],
            note=data.get("note", ""),
        )


class ItemScaleReadingApi(IdempotentPostMixin, APIView):
    """A station's scale posts a weight for the item's open inspection."""

    permission_classes = [ANY_ROLE]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=ScaleReadingSerializer,
        responses=InspectionSerializer,
        summary="Post a scale reading (weight_g, weight_ct or weight_mg)",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request, code: str):
        if not isinstance(request.data, dict):
            raise InvalidInput(_("Send a JSON object."))
        inspection = services.inspection_scale_reading(
            principal=principal_of(request.user), code=code, reading=dict(request.data)
        )
        return _inspection_answer(request, inspection.pk)


class ItemHoldDecisionApi(IdempotentPostMixin, APIView):
    """A supervisor decides a held item: pass, fail or re-inspect."""

    permission_classes = [ANY_ROLE]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=HoldDecideSerializer,
        responses=InspectionSerializer,
        summary="Decide a held item (supervisor)",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request, code: str):
        data = valid_input(HoldDecideSerializer, request)
        inspection = services.hold_decide(
            principal=principal_of(request.user),
            code=code,
            decision=data["decision"],
            reason=data["reason"],
        )
        return _inspection_answer(request, inspection.pk)


class ItemAppealApi(IdempotentPostMixin, APIView):
    """The merchant appeals a failed verdict, once per item."""

    permission_classes = [ANY_ROLE]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=AppealInputSerializer,
        responses={201: AppealSerializer},
        summary="Appeal a failed verdict (merchant, once per item)",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request, code: str):
        data = valid_input(AppealInputSerializer, request)
        principal = principal_of(request.user)
        appeal = services.appeal_create(
            principal=principal, code=code, reason=data["reason"]
        )
        appeal.reinspection = selectors.inspection_get_for(
            principal, appeal.reinspection_id
        )
        return Response(AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)
