"""The inspection REST API (v1): inspections, observations, lots, photos,
sign-off, holds, appeals and templates.

One thin view per action: validate, call a service, answer with the
inspection as :func:`selectors.inspection_get_for` reads it. Which role may do
what is decided in the services; views only check that the caller has a role.
"""

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from warehouse.access import Role, principal_of
from warehouse.api.scans import ANY_ROLE, IDEMPOTENCY_KEY, roles
from warehouse.api_common import IdempotentPostMixin, valid_input
from warehouse.exceptions import InvalidInput, NotFound, TooLarge
from warehouse.models import Category

from .. import selectors, services
from ..serializers import (
    AppealInputSerializer,
    AppealSerializer,
    CertificateSerializer,
    CompleteSerializer,
    HoldDecideSerializer,
    InspectionSerializer,
    InspectionSubmitSerializer,
    ObservationsSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
    RevokeSerializer,
    ScaleReadingSerializer,
    SignOffSerializer,
    TemplatePublishSerializer,
    TemplateSerializer,
    UnitsSerializer,
)

SUPERVISORS = roles(Role.SUPERVISOR, Role.ADMIN)


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


class InspectionPhotoCreateApi(APIView):
    """Upload an evidence photo: multipart ``image``, ``check``, ``caption``."""

    permission_classes = [ANY_ROLE]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={201: PhotoSerializer},
        summary="Attach an evidence photo (JPEG, PNG or WebP, checked by content)",
    )
    def post(self, request, inspection_id: int):
        data = valid_input(PhotoUploadSerializer, request)
        upload = data["image"]
        limit = settings.INSPECTION_PHOTO_MAX_BYTES
        if upload.size > limit:
            raise TooLarge(
                _("The photo is larger than %(max)d MB.")
                % {"max": limit // (1024 * 1024)},
                fields={"image": [_("Too large.")]},
            )
        photo = services.inspection_photo_add(
            principal=principal_of(request.user),
            inspection_id=inspection_id,
            data=upload.read(),
            check_key=data.get("check", ""),
            caption=data.get("caption", ""),
        )
        return Response(PhotoSerializer(photo).data, status=status.HTTP_201_CREATED)


class InspectionPhotoFileApi(APIView):
    """The photo's bytes, to whoever may see its inspection."""

    permission_classes = [ANY_ROLE]

    @extend_schema(responses={(200, "image/*"): bytes})
    def get(self, request, inspection_id: int, photo_id: int):
        photo = selectors.photo_get_for(
            principal_of(request.user), inspection_id, photo_id
        )
        response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response


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


class TemplateListApi(APIView):
    """Inspection templates in force (``?all=true``: every version); supervisors
    publish a new version with POST."""

    def get_permissions(self):
        if self.request.method == "POST":
            return [SUPERVISORS()]
        return [ANY_ROLE()]

    @extend_schema(
        parameters=[
            OpenApiParameter("category", str, description="category code"),
            OpenApiParameter(
                "all", bool, description="every version, not only in force"
            ),
        ],
        responses=TemplateSerializer(many=True),
    )
    def get(self, request):
        templates = selectors.template_list(
            category=request.query_params.get("category", ""),
            all_versions=request.query_params.get("all", "").lower() in ("1", "true"),
        )
        return Response(TemplateSerializer(templates, many=True).data)

    @extend_schema(
        request=TemplatePublishSerializer,
        responses={201: TemplateSerializer},
        summary="Publish a new template version for a category (supervisor)",
    )
    def post(self, request):
        data = valid_input(TemplatePublishSerializer, request)
        category = Category.objects.filter(code=data["category"]).first()
        if category is None:
            raise NotFound(
                _("No category %(code)s.") % {"code": data["category"]},
                code="category_not_found",
            )
        template = services.template_publish(
            category=category,
            checks=[dict(check) for check in data["checks"]],
            aql=data["aql"],
            signoff_above_value=data.get("signoff_above_value"),
            notes=data.get("notes", ""),
            actor=request.user,
        )
        return Response(
            TemplateSerializer(selectors.template_get(template.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class TemplateDetailApi(APIView):
    permission_classes = [ANY_ROLE]

    @extend_schema(responses=TemplateSerializer)
    def get(self, request, template_id: int):
        return Response(TemplateSerializer(selectors.template_get(template_id)).data)


class ItemCertificatePdfApi(APIView):
    """The item's current certificate as PDF (its merchant and staff)."""

    permission_classes = [ANY_ROLE]

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, code: str):
        certificate = selectors.certificate_for_item(principal_of(request.user), code)
        response = FileResponse(
            certificate.pdf.open("rb"),
            content_type="application/pdf",
            filename=f"{certificate.number}.pdf",
        )
        response["X-Certificate-Status"] = certificate.status
        return response


class CertificateDetailApi(APIView):
    permission_classes = [ANY_ROLE]

    @extend_schema(responses=CertificateSerializer)
    def get(self, request, number: str):
        certificate = selectors.certificate_get_for(principal_of(request.user), number)
        return Response(CertificateSerializer(certificate).data)


class CertificateRevokeApi(IdempotentPostMixin, APIView):
    """A supervisor revokes a certificate (optionally re-inspecting the item)."""

    permission_classes = [ANY_ROLE]

    @extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        request=RevokeSerializer,
        responses=CertificateSerializer,
        summary="Revoke a certificate (supervisor)",
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def post_once(self, request, number: str):
        data = valid_input(RevokeSerializer, request)
        principal = principal_of(request.user)
        certificate = services.certificate_revoke(
            principal=principal,
            number=number,
            reason=data["reason"],
            reinspect=data["reinspect"],
        )
        return Response(
            CertificateSerializer(
                selectors.certificate_get_for(principal, certificate.number)
            ).data
        )
