"""The inspector workstation and the item page (signed-in people)."""

from django.urls import path

from .views import inspector as views

app_name = "inspect"

urlpatterns = [
    path("inspect/", views.queue, name="queue"),
    path("inspect/scan/", views.scan, name="scan"),
    path(
        "inspect/inspections/<int:inspection_id>/",
        views.inspection_form,
        name="inspection",
    ),
    path(
        "inspect/inspections/<int:inspection_id>/observe/",
        views.inspection_observe,
        name="observe",
    ),
    path(
        "inspect/inspections/<int:inspection_id>/units/",
        views.inspection_unit,
        name="unit",
    ),
    path(
        "inspect/inspections/<int:inspection_id>/photos/",
        views.inspection_photo,
        name="photo-add",
    ),
    path(
        "inspect/inspections/<int:inspection_id>/complete/",
        views.inspection_finish,
        name="complete",
    ),
    path(
        "inspect/inspections/<int:inspection_id>/sign-off/",
        views.inspection_signoff,
        name="sign-off",
    ),
    path("items/<str:code>/", views.item_detail, name="item-detail"),
    path("items/<str:code>/inspect/", views.inspection_start, name="start"),
    path("items/<str:code>/label.pdf", views.item_label, name="item-label"),
    path("items/<str:code>/certificate.pdf", views.certificate_pdf, name="certificate"),
    path("items/<str:code>/hold-decision/", views.hold_decision, name="hold-decide"),
    path("items/<str:code>/appeal/", views.appeal, name="appeal"),
    path("certificates.zip", views.certificates_zip, name="certificates-zip"),
]
