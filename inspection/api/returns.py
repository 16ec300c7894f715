"""The return inspection API: a buyer's returned item compared with its
certificate, the live preview of the comparison form, sign-off, photos and a
supervisor's decision on a disputed item.

One thin view per action: validate, call a service of
:mod:`inspection.services.returns`, answer with the return inspection as
:func:`~inspection.services.returns.return_inspection_get_for` reads it.
Who may do what is decided in the services.
"""

from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from warehouse import lifecycle
from warehouse.common.access import principal_of, tenant_scope
from warehouse.common.api import (
    ANY_ROLE,
    IDEMPOTENCY_KEY,
    IdempotentPostMixin,
    valid_input,
)
from warehouse.common.exceptions import InvalidInput, NotFound
from warehouse.models import Item

from ..messages import return_point_reason
from ..models import ReturnInspection, ReturnPhoto
from ..services import returns as services
from .photos import photo_upload_bytes

# --- shapes ---------------------------------------------------------------------------


def _name(user) -> str | None:
    return user.get_username() if user is not None else None


class ReturnPointSerializer(serializers.Serializer):
    """One compared point: its facts and its sentence in the reader's language."""

    check = serializers.CharField()
    code = serializers.CharField()
    params = serializers.DictField()
    ok = serializers.BooleanField()
    severity = serializers.ChoiceField(choices=["ok", "damaged", "mismatch"])
    reason = serializers.SerializerMethodField()

    def get_reason(self, point) -> str:
        return return_point_reason(point["code"], point.get("params"))


class ReturnPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ReturnPhoto
        fields = [
            "id",
            "url",
            "content_type",
            "size",
            "width",
            "height",
            "sha256",
            "uploaded_at",
        ]

    def get_url(self, photo) -> str:
        return reverse(
            "inspection:return-inspection-photo-file",
            kwargs={"inspection_id": photo.inspection_id, "photo_id": photo.pk},
        )


def report_path(inspection_id: int) -> str:
    """Where a return inspection's signed report is downloaded."""
    return f"/api/v1/return-inspections/{inspection_id}/report.pdf"


class ReturnInspectionSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.code")
    return_id = serializers.CharField(source="notice.return_id")
    certificate = serializers.CharField(source="certificate.number")
    checks = ReturnPointSerializer(many=True)
    inspected_by = serializers.SerializerMethodField()
    signed_off_by = serializers.SerializerMethodField()
    station = serializers.CharField(source="station.code", default=None)
    photos = ReturnPhotoSerializer(many=True)
    report_url = serializers.SerializerMethodField()
    report_ready = serializers.SerializerMethodField()

    class Meta:
        model = ReturnInspection
        fields = [
            "id",
            "item",
            "number",
            "return_id",
            "certificate",
            "verdict",
            "outcome",
            "status",
            "checks",
            "observed",
            "certified",
            "notes",
            "notes_lang",
            "inspected_by",
            "station",
            "inspected_at",
            "signed_off_by",
            "signed_off_at",
            "signoff_approved",
            "signoff_note",
            "signoff_note_lang",
            "closed_at",
            "photos",
            "report_url",
            "report_ready",
        ]

    def get_inspected_by(self, inspection) -> str | None:
        return _name(inspection.inspected_by)

    def get_signed_off_by(self, inspection) -> str | None:
        return _name(inspection.signed_off_by)

    def get_report_url(self, inspection) -> str | None:
        if inspection.status == ReturnInspection.Status.AWAITING_SIGNOFF:
            return None
        return report_path(inspection.pk)

    def get_report_ready(self, inspection) -> bool:
        return bool(inspection.report)


class ReturnObservationsSerializer(serializers.Serializer):
    """What the inspector observes of the returned item (the points the
    certificate and the template compare; others are refused)."""

    seal = serializers.JSONField(
        required=False, help_text='{"present": true, "intact": true, "number": "…"}'
    )
    weight_g = serializers.JSONField(required=False)
    weight_mg = serializers.JSONField(required=False)
    weight_ct = serializers.JSONField(required=False)
    material = serializers.CharField(required=False)
    identity = serializers.JSONField(required=False, help_text='{"imei": "…"}')
    packaging = serializers.ChoiceField(
        choices=["unopened", "opened", "damaged"], required=False
    )
    condition = serializers.ChoiceField(
        choices=["as_certified", "damaged"], required=False
    )
    notes = serializers.CharField(required=False, allow_blank=True)
    station = serializers.CharField(
        required=False, help_text="The station's code (optional)."
    )


class ReturnPreviewSerializer(serializers.Serializer):
    verdict = serializers.CharField()
    outcome = serializers.CharField()
    checks = ReturnPointSerializer(many=True)
    certified = serializers.DictField()
    observed = serializers.DictField()


class ReturnSignOffSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ReturnDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=services.DECISIONS)
    reason = serializers.CharField(max_length=2000)


class ReturnDecisionAnswerSerializer(serializers.Serializer):
    item = serializers.CharField(source="code")
    state = serializers.CharField()
    allowed_actions = serializers.SerializerMethodField()

    def get_allowed_actions(self, item) -> list[str]:
        return lifecycle.item_allowed_actions(item)


class ReturnPhotoUploadSerializer(serializers.Serializer):
    image = serializers.FileField()


# --- views ----------------------------------------------------------------------------


def _observations(request) -> tuple[dict, object]:
    """The body's observations and the station it names, if any."""
    if not isinstance(request.data, dict):
        raise InvalidInput(_("Send a JSON object."))
    observed = dict(request.data)
    return observed, observed.pop("station", None)


def _answer(request, inspection_id: int, http_status=status.HTTP_200_OK):
    inspection = services.return_inspection_get_for(
        principal_of(request.user), inspection_id
    )
    return Response(ReturnInspectionSerializer(inspection).data, status=http_status)


class ItemReturnInspectionListCreateApi(IdempotentPostMixin, APIView):
    """An item's return inspections; POST compares the returned item with its
    certificate (inspector or supervisor)."""

    permission_classes = [ANY_ROLE]

    @extend_schema(responses=ReturnInspectionSerializer(many=True))
    def get(self, request, code: str):
        inspections = services.return_inspection_list_for_item(
            principal_of(request.user), code
        )
        return Response(ReturnInspectionSerializer(inspections, many=True).data)

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=ReturnObservationsSerializer,
        responses={201: ReturnInspectionSerializer},
        summary="Compare a buyer's returned item with its certificate",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request, code: str):
        observed, station = _observations(request)
        inspection = services.return_inspection_create(
            principal=principal_of(request.user),
            code=code,
            observed=observed,
            station=station,
        )
        return _answer(request, inspection.pk, status.HTTP_201_CREATED)


class ItemReturnInspectionPreviewApi(APIView):
    """The comparison form's live verdict: the same body, judged, nothing
    written."""

    permission_classes = [ANY_ROLE]

    @extend_schema(
        request=ReturnObservationsSerializer,
        responses=ReturnPreviewSerializer,
        summary="Judge a returned item's observations without recording them",
    )
    def post(self, request, code: str):
        principal = principal_of(request.user)
        services.return_inspector_required(principal)
        observed, _station = _observations(request)
        observed.pop("notes", None)
        item = (
            tenant_scope(Item.objects.select_related("category"), principal)
            .filter(code=code)
            .first()
        )
        if item is None:
            raise NotFound(
                _("No item %(code)s.") % {"code": code}, code="item_not_found"
            )
        judged = services.return_compare(item=item, observed=observed)
        return Response(ReturnPreviewSerializer(judged).data)


class ReturnInspectionDetailApi(APIView):
    permission_classes = [ANY_ROLE]

    @extend_schema(responses=ReturnInspectionSerializer)
    def get(self, request, inspection_id: int):
        return _answer(request, inspection_id)


class ReturnInspectionSignOffApi(IdempotentPostMixin, APIView):
    """A second person approves (or disputes) a damaged or mismatch verdict."""

    permission_classes = [ANY_ROLE]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=ReturnSignOffSerializer,
        responses=ReturnInspectionSerializer,
        summary="Sign a return inspection off (a person other than its inspector)",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request, inspection_id: int):
        data = valid_input(ReturnSignOffSerializer, request)
        services.return_inspection_sign_off(
            principal=principal_of(request.user),
            inspection_id=inspection_id,
            approve=data["approve"],
            note=data.get("note", ""),
        )
        return _answer(request, inspection_id)


class ReturnInspectionPhotoCreateApi(APIView):
    """Upload a photo taken at the return inspection: multipart ``image``."""

    permission_classes = [ANY_ROLE]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ReturnPhotoUploadSerializer},
        responses={201: ReturnPhotoSerializer},
        summary="Attach a photo to a return inspection (JPEG, PNG or WebP)",
    )
    def post(self, request, inspection_id: int):
        data = valid_input(ReturnPhotoUploadSerializer, request)
        photo = services.return_photo_add(
            principal=principal_of(request.user),
            inspection_id=inspection_id,
            data=photo_upload_bytes(data["image"]),
        )
        return Response(
            ReturnPhotoSerializer(photo).data, status=status.HTTP_201_CREATED
        )


class ReturnInspectionPhotoFileApi(APIView):
    """A return photo's bytes, to whoever may see its inspection."""

    permission_classes = [ANY_ROLE]

    @extend_schema(responses={(200, "image/*"): bytes})
    def get(self, request, inspection_id: int, photo_id: int):
        photo = services.return_photo_get_for(
            principal_of(request.user), inspection_id, photo_id
        )
        response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ItemReturnDecisionApi(IdempotentPostMixin, APIView):
    """A supervisor decides a disputed item: back to its merchant, or a new
    return inspection."""

    permission_classes = [ANY_ROLE]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=ReturnDecisionSerializer,
        responses=ReturnDecisionAnswerSerializer,
        summary="Decide a disputed item (supervisor)",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request, code: str):
        data = valid_input(ReturnDecisionSerializer, request)
        item = services.return_dispute_decide(
            principal=principal_of(request.user),
            code=code,
            decision=data["decision"],
            reason=data["reason"],
        )
        return Response(ReturnDecisionAnswerSerializer(item).data)
