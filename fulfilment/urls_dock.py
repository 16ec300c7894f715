"""The dock's pages, mounted at ``/dock/``."""

from django.urls import path

from .views import dock as views_dock

app_name = "dock"

urlpatterns = [
    path("labels/", views_dock.label_list, name="labels"),
    path(
        "labels/<str:reference>/label.<str:fmt>",
        views_dock.label_download,
        name="label-download",
    ),
    path(
        "labels/<str:reference>/printed/",
        views_dock.label_printed,
        name="label-printed",
    ),
    path("manifests/", views_dock.manifest_list, name="manifests"),
    path(
        "manifests/<str:number>/",
        views_dock.manifest_detail,
        name="manifest-detail",
    ),
    path(
        "manifests/<str:number>/close/",
        views_dock.manifest_close,
        name="manifest-close",
    ),
    path(
        "manifests/<str:number>/manifest.pdf",
        views_dock.manifest_pdf,
        name="manifest-pdf",
    ),
]
