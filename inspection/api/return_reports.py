"""A return inspection's signed report as PDF (platform, the item's merchant, staff)."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.views import APIView

from warehouse.common.access import principal_of
from warehouse.common.api import ANY_ROLE

from ..services.returns.report import return_report_get


class ReturnReportApi(APIView):
    """The report PDF; its SHA-256 as the ETag and in ``X-Report-SHA256``.

    Another merchant's inspection is a 404; a report not rendered yet a 409
    ``report_pending``.
    """

    permission_classes = [ANY_ROLE]

    @extend_schema(
        responses={
            (200, "application/pdf"): bytes,
            409: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="report_pending: the report is not rendered yet.",
            ),
        }
    )
    def get(self, request, pk: int):
        inspection = return_report_get(principal_of(request.user), pk)
        number = inspection.report_content.get("number") or f"return-{pk}"
        response = FileResponse(
            inspection.report.open("rb"),
            content_type="application/pdf",
            filename=f"{number}.pdf",
        )
        response["ETag"] = f'"{inspection.report_sha256}"'
        response["X-Report-SHA256"] = inspection.report_sha256
        response["X-Report-Signature-Key"] = inspection.report_key_id
        return response
