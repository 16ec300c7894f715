"""The certificate API: an item's certificate as PDF, a certificate's
detail, and supervisors revoking one."""

from django.http import FileResponse
from drf_spectacular.utils import extend_schema
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
from ..serializers import CertificateSerializer, RevokeSerializer


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
