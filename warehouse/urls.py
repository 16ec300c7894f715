from django.urls import path

from .api import scans as api

app_name = "warehouse"

urlpatterns = [
    path(
        "inbound-notices/", api.InboundNoticeListCreateApi.as_view(), name="notice-list"
    ),
    path(
        "inbound-notices/<int:notice_id>/",
        api.InboundNoticeDetailApi.as_view(),
        name="notice-detail",
    ),
    path("scans/", api.ItemScanApi.as_view(), name="item-scan"),
    path("items/", api.ItemListApi.as_view(), name="item-list"),
    # DESIGN.md writes the detail path without a trailing slash; accept both.
    path("items/<str:code>", api.ItemDetailApi.as_view(), name="item-detail"),
    path("items/<str:code>/", api.ItemDetailApi.as_view(schema=None)),
]
