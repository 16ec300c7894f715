"""Evidence photos: validated by their content, stored through Django's storage."""

import hashlib
import io

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from warehouse.common.access import Principal
from warehouse.common.exceptions import Conflict, InvalidInput, TooLarge

from ..models import Inspection, InspectionPhoto
from .inspections.common import inspection_locked, inspector_required, note_clean

# Pillow format -> the content type we store and serve.
ACCEPTED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def image_validate(data: bytes) -> tuple[str, int, int]:
    """``(content type, width, height)`` of an accepted image; InvalidInput otherwise.

    The type is read from the bytes, never from the file name or the
    client's header. Size and pixel limits come from settings.
    """
    if len(data) > settings.INSPECTION_PHOTO_MAX_BYTES:
        raise TooLarge(
            _("The photo is larger than %(max)d MB.")
            % {"max": settings.INSPECTION_PHOTO_MAX_BYTES // (1024 * 1024)},
            fields={"image": [_("Too large.")]},
        )
    if not data:
        raise InvalidInput(_("The photo is empty."), fields={"image": [_("Empty.")]})
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            width, height = probe.size
            if width * height > settings.INSPECTION_PHOTO_MAX_PIXELS:
                raise TooLarge(
                    _("The photo has more than %(max)d megapixels.")
                    % {"max": settings.INSPECTION_PHOTO_MAX_PIXELS // 1_000_000},
                    fields={"image": [_("Too many pixels.")]},
                )
            probe.verify()
        # verify() checks structure; decoding the pixels catches truncation.
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except TooLarge:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ):
        raise InvalidInput(
            _("Not a readable JPEG, PNG or WebP image."),
            code="invalid_image",
            fields={"image": [_("Not an image.")]},
        ) from None
    if kind not in ACCEPTED_FORMATS:
        raise InvalidInput(
            _("Photos must be JPEG, PNG or WebP, not %(kind)s.") % {"kind": kind},
            code="invalid_image",
            fields={"image": [_("Unsupported image type.")]},
        )
    return ACCEPTED_FORMATS[kind], width, height


def inspection_photo_add(
    *,
    principal: Principal,
    inspection_id: int,
    data: bytes,
    check_key: str = "",
    caption: str = "",
) -> InspectionPhoto:
    """Attach a photo to an inspection in progress, or to one of its checks."""
    inspector_required(principal)
    caption = note_clean(caption, "caption")[:200]
    content_type, width, height = image_validate(data)
    with transaction.atomic():
        inspection = inspection_locked(principal, inspection_id)
        if inspection.status == Inspection.Status.CLOSED:
            raise Conflict(
                _("Inspection #%(number)d is closed; its evidence is final.")
                % {"number": inspection.number},
                code="inspection_closed",
            )
        check_key = note_clean(check_key, "check")  # a NUL cannot even be looked up
        if check_key and not inspection.checks.filter(key=check_key).exists():
            raise InvalidInput(
                _("Inspection #%(number)d has no check %(key)s.")
                % {"number": inspection.number, "key": check_key},
                fields={"check": [_("Unknown check.")]},
            )
        return photo_store(
            InspectionPhoto(
                inspection=inspection,
                check_key=check_key,
                caption=caption,
                uploaded_by=principal.user,
            ),
            data,
            (content_type, width, height),
        )


def photo_store(photo, data: bytes, image: tuple[str, int, int]):
    """Save ``photo`` (an inspection's or a return's, its other fields set)
    with the validated ``data`` and its ``(content type, width, height)``:
    the file first, then the row; a row that fails to save leaves no file."""
    photo.content_type, photo.width, photo.height = image
    photo.size = len(data)
    photo.sha256 = hashlib.sha256(data).hexdigest()
    photo.image.save("photo", ContentFile(data), save=False)
    try:
        photo.save()
    except BaseException:
        photo.image.delete(save=False)
        raise
    return photo
