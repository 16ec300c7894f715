"""A parcel's label file as an HTTP answer, for the API and the dock pages alike."""

from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _

from warehouse.common.exceptions import NotFound

from .models import Shipment
from .services.shipping.labels import label_zpl_for

LABEL_FORMATS = ("pdf", "zpl")


def label_file_response(
    shipment: Shipment, fmt: str, *, station_id: int | None = None
) -> HttpResponse:
    """The label as ``pdf`` (4x6 in) or ``zpl``; 404 before it is booked. The
    ZPL suits the printer of the station downloading it (``station_id``;
    None: a printer with no Chinese font)."""
    if fmt not in LABEL_FORMATS:
        raise NotFound(_("No such label format."))
    if not shipment.tracking_number:
        raise NotFound(_("This parcel has no label yet."), code="no_label")
    if fmt == "zpl":
        response = HttpResponse(
            label_zpl_for(shipment, station_id=station_id),
            content_type="application/zpl; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{shipment.tracking_number}.zpl"'
        )
        return response
    return FileResponse(
        shipment.label_pdf.open("rb"),
        content_type="application/pdf",
        filename=f"{shipment.tracking_number}.pdf",
    )
