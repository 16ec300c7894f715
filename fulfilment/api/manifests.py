"""The carrier-manifest API: list, read, close and print manifests."""

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from warehouse.common.access import principal_of
from warehouse.common.api import ANY_ROLE, IdempotentPostMixin
from warehouse.common.exceptions import NotFound

from .. import selectors, services
from ..serializers import ManifestSerializer


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
