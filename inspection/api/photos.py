"""The evidence-photo API: upload a photo to an inspection, read its bytes."""

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from warehouse.common.access import principal_of
from warehouse.common.api import ANY_ROLE, valid_input
from warehouse.common.exceptions import TooLarge

from .. import selectors, services
from ..serializers import PhotoSerializer, PhotoUploadSerializer


def photo_upload_bytes(upload) -> bytes:
    """An uploaded photo's bytes, refused (413) over the photo size limit
    before they are read."""
    limit = settings.INSPECTION_PHOTO_MAX_BYTES
    if upload.size > limit:
        raise TooLarge(
            _("The photo is larger than %(max)d MB.") % {"max": limit // (1024 * 1024)},
            fields={"image": [_("Too large.")]},
        )
    return upload.read()


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
        photo = services.inspection_photo_add(
            principal=principal_of(request.user),
            inspection_id=inspection_id,
            data=photo_upload_bytes(data["image"]),
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
