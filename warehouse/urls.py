"""The warehouse app's URLs, one list per audience, each with its namespace.

``config/urls.py`` mounts them: the REST API at ``/api/v1/`` (``warehouse:``),
the merchant portal at ``/portal/`` (``portal:``), the station operator's
pages at ``/station/`` (``station:``) and every signed-in person's account
page at ``/account/`` (``account:``).
"""

from django.urls import path

from .api import items, notices, scans
from .views import account, portal, station

api_patterns = (
    [
        path(
            "inbound-notices/",
            notices.InboundNoticeListCreateApi.as_view(),
            name="notice-list",
        ),
        path(
            "inbound-notices/<int:notice_id>/",
            notices.InboundNoticeDetailApi.as_view(),
            name="notice-detail",
        ),
        path("scans/", scans.ItemScanApi.as_view(), name="item-scan"),
        path("items/", items.ItemListApi.as_view(), name="item-list"),
        # DESIGN.md writes the detail path without a trailing slash; accept both.
        path("items/<str:code>", items.ItemDetailApi.as_view(), name="item-detail"),
        path("items/<str:code>/", items.ItemDetailApi.as_view(schema=None)),
    ],
    "warehouse",
)

portal_patterns = (
    [
        path("items/", portal.item_list, name="items"),
        path("shipments/", portal.notice_list, name="notices"),
        path("shipments/new/", portal.notice_create, name="notice-create"),
        path("shipments/upload/", portal.notice_upload, name="notice-upload"),
        path("shipments/template/", portal.notice_template, name="notice-template"),
        path("shipments/<int:pk>/", portal.notice_detail, name="notice-detail"),
        path("tokens/", portal.token_manage, name="tokens"),
    ],
    "portal",
)

station_patterns = (
    [
        path("", station.station_home, name="home"),
        path("choose/", station.station_choose_view, name="choose"),
        path("scan/", station.station_scan, name="scan"),
    ],
    "station",
)

account_patterns = (
    [path("", account.account_edit, name="edit")],
    "account",
)
