"""The inspection app's URLs, one list per audience.

``config/urls.py`` mounts them: the REST API at ``/api/v1/`` (``inspection:``),
the inspector workstation and the item page at the root (``inspect:``), and
public certificate verification at the root, without a namespace.
"""

from django.urls import path, register_converter

from .api import certificates, inspections, photos, return_reports, templates
from .api import returns as returns_api
from .views import decisions, inspector, items, return_disputes, returns, verify


class TokenConverter:
    regex = "[A-Za-z0-9_-]{16,64}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(TokenConverter, "token")

api_patterns = (
    [
        path(
            "items/<str:code>/inspections/",
            inspections.ItemInspectionListCreateApi.as_view(),
            name="item-inspections",
        ),
        path(
            "items/<str:code>/scale-readings/",
            inspections.ItemScaleReadingApi.as_view(),
            name="item-scale-reading",
        ),
        path(
            "items/<str:code>/hold-decision/",
            inspections.ItemHoldDecisionApi.as_view(),
            name="item-hold-decision",
        ),
        path(
            "items/<str:code>/appeal/",
            inspections.ItemAppealApi.as_view(),
            name="item-appeal",
        ),
        path(
            "items/<str:code>/certificate.pdf",
            certificates.ItemCertificatePdfApi.as_view(),
            name="item-certificate-pdf",
        ),
        path(
            "certificates/<str:number>/",
            certificates.CertificateDetailApi.as_view(),
            name="certificate-detail",
        ),
        path(
            "certificates/<str:number>/revoke/",
            certificates.CertificateRevokeApi.as_view(),
            name="certificate-revoke",
        ),
        path(
            "inspections/<int:inspection_id>/",
            inspections.InspectionDetailApi.as_view(),
            name="inspection-detail",
        ),
        path(
            "inspections/<int:inspection_id>/observations/",
            inspections.InspectionObservationsApi.as_view(),
            name="inspection-observe",
        ),
        path(
            "inspections/<int:inspection_id>/units/",
            inspections.InspectionUnitsApi.as_view(),
            name="inspection-units",
        ),
        path(
            "inspections/<int:inspection_id>/complete/",
            inspections.InspectionCompleteApi.as_view(),
            name="inspection-complete",
        ),
        path(
            "inspections/<int:inspection_id>/sign-off/",
            inspections.InspectionSignOffApi.as_view(),
            name="inspection-sign-off",
        ),
        path(
            "inspections/<int:inspection_id>/photos/",
            photos.InspectionPhotoCreateApi.as_view(),
            name="photo-create",
        ),
        path(
            "inspections/<int:inspection_id>/photos/<int:photo_id>",
            photos.InspectionPhotoFileApi.as_view(),
            name="photo-file",
        ),
        path(
            "return-inspections/<int:pk>/report.pdf",
            return_reports.ReturnReportApi.as_view(),
            name="return-inspection-report",
        ),
        path(
            "items/<str:code>/return-inspections/",
            returns_api.ItemReturnInspectionListCreateApi.as_view(),
            name="item-return-inspection-list",
        ),
        path(
            "items/<str:code>/return-inspections/preview/",
            returns_api.ItemReturnInspectionPreviewApi.as_view(),
            name="item-return-inspection-preview",
        ),
        path(
            "items/<str:code>/return-decision/",
            returns_api.ItemReturnDecisionApi.as_view(),
            name="item-return-decision",
        ),
        path(
            "return-inspections/<int:inspection_id>/",
            returns_api.ReturnInspectionDetailApi.as_view(),
            name="return-inspection-detail",
        ),
        path(
            "return-inspections/<int:inspection_id>/signoff/",
            returns_api.ReturnInspectionSignOffApi.as_view(),
            name="return-inspection-signoff",
        ),
        path(
            "return-inspections/<int:inspection_id>/photos/",
            returns_api.ReturnInspectionPhotoCreateApi.as_view(),
            name="return-inspection-photos",
        ),
        path(
            "return-inspections/<int:inspection_id>/photos/<int:photo_id>",
            returns_api.ReturnInspectionPhotoFileApi.as_view(),
            name="return-inspection-photo-file",
        ),
        path(
            "inspection-templates/",
            templates.TemplateListApi.as_view(),
            name="template-list",
        ),
        path(
            "inspection-templates/<int:template_id>/",
            templates.TemplateDetailApi.as_view(),
            name="template-detail",
        ),
    ],
    "inspection",
)

inspect_patterns = (
    [
        path("inspect/", inspector.queue, name="queue"),
        path("inspect/scan/", inspector.scan, name="scan"),
        path("inspect/decisions/", decisions.decisions, name="decisions"),
        path(
            "inspect/decisions/holds/<str:code>/",
            decisions.hold_decide,
            name="decide-hold",
        ),
        path(
            "inspect/decisions/revoke/<str:code>/",
            decisions.revoke,
            name="revoke",
        ),
        path(
            "inspect/inspections/<int:inspection_id>/",
            inspector.inspection_form,
            name="inspection",
        ),
        path(
            "inspect/inspections/<int:inspection_id>/observe/",
            inspector.inspection_observe,
            name="observe",
        ),
        path(
            "inspect/inspections/<int:inspection_id>/units/",
            inspector.inspection_unit,
            name="unit",
        ),
        path(
            "inspect/inspections/<int:inspection_id>/photos/",
            inspector.inspection_photo,
            name="photo-add",
        ),
        path(
            "inspect/inspections/<int:inspection_id>/complete/",
            inspector.inspection_finish,
            name="complete",
        ),
        path(
            "inspect/inspections/<int:inspection_id>/sign-off/",
            inspector.inspection_signoff,
            name="sign-off",
        ),
        path("inspect/returns/", returns.return_queue, name="return-queue"),
        path(
            "inspect/disputes/", return_disputes.return_disputes, name="return-disputes"
        ),
        path(
            "inspect/return-inspections/<int:inspection_id>/",
            returns.return_inspection,
            name="return-inspection",
        ),
        path(
            "inspect/return-inspections/<int:inspection_id>/photos/",
            returns.return_photo_add,
            name="return-photo-add",
        ),
        path(
            "inspect/return-inspections/<int:inspection_id>/sign-off/",
            return_disputes.return_signoff,
            name="return-sign-off",
        ),
        path(
            "items/<str:code>/return-compare/",
            returns.return_compare,
            name="return-compare",
        ),
        path(
            "items/<str:code>/return-compare/preview/",
            returns.return_preview,
            name="return-preview",
        ),
        path(
            "items/<str:code>/return-decide/",
            return_disputes.return_decide,
            name="return-decide",
        ),
        path("items/<str:code>/", items.item_detail, name="item-detail"),
        path("items/<str:code>/inspect/", inspector.inspection_start, name="start"),
        path("items/<str:code>/label.pdf", items.item_label, name="item-label"),
        path(
            "items/<str:code>/certificate.pdf",
            items.certificate_pdf,
            name="certificate",
        ),
        path(
            "items/<str:code>/hold-decision/",
            items.hold_decision,
            name="hold-decide",
        ),
        path("items/<str:code>/appeal/", items.appeal, name="appeal"),
        path("certificates.zip", items.certificates_zip, name="certificates-zip"),
    ],
    "inspect",
)

# Public pages (no login): certificate verification, names without a namespace.
verify_patterns = [
    path("verify/", verify.verify_lookup, name="verify-lookup"),
    path("verify/<token:token>", verify.verify_page, name="verify-page"),
    path("verify/<token:token>.json", verify.verify_json, name="verify-json"),
    path(
        "verify/<token:token>/photos/<int:photo_id>",
        verify.verify_photo,
        name="verify-photo",
    ),
]
