from django.urls import path

from .api import inspections as api

app_name = "inspection"

urlpatterns = [
    path(
        "items/<str:code>/inspections/",
        api.ItemInspectionListCreateApi.as_view(),
        name="item-inspections",
    ),
    path(
        "items/<str:code>/scale-readings/",
        api.ItemScaleReadingApi.as_view(),
        name="item-scale-reading",
    ),
    path(
        "items/<str:code>/hold-decision/",
        api.ItemHoldDecisionApi.as_view(),
        name="item-hold-decision",
    ),
    path("items/<str:code>/appeal/", api.ItemAppealApi.as_view(), name="item-appeal"),
    path(
        "items/<str:code>/certificate.pdf",
        api.ItemCertificatePdfApi.as_view(),
        name="item-certificate-pdf",
    ),
    path(
        "certificates/<str:number>/",
        api.CertificateDetailApi.as_view(),
        name="certificate-detail",
    ),
    path(
        "certificates/<str:number>/revoke/",
        api.CertificateRevokeApi.as_view(),
        name="certificate-revoke",
    ),
    path(
        "inspections/<int:inspection_id>/",
        api.InspectionDetailApi.as_view(),
        name="inspection-detail",
    ),
    path(
        "inspections/<int:inspection_id>/observations/",
        api.InspectionObservationsApi.as_view(),
        name="inspection-observe",
    ),
    path(
        "inspections/<int:inspection_id>/units/",
        api.InspectionUnitsApi.as_view(),
        name="inspection-units",
    ),
    path(
        "inspections/<int:inspection_id>/complete/",
        api.InspectionCompleteApi.as_view(),
        name="inspection-complete",
    ),
    path(
        "inspections/<int:inspection_id>/sign-off/",
        api.InspectionSignOffApi.as_view(),
        name="inspection-sign-off",
    ),
    path(
        "inspections/<int:inspection_id>/photos/",
        api.InspectionPhotoCreateApi.as_view(),
        name="photo-create",
    ),
    path(
        "inspections/<int:inspection_id>/photos/<int:photo_id>",
        api.InspectionPhotoFileApi.as_view(),
        name="photo-file",
    ),
    path("inspection-templates/", api.TemplateListApi.as_view(), name="template-list"),
    path(
        "inspection-templates/<int:template_id>/",
        api.TemplateDetailApi.as_view(),
        name="template-detail",
    ),
]
