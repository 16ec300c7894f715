"""The fulfilment app's URLs, one list per audience, each with its namespace.

``config/urls.py`` mounts them: the REST API at ``/api/v1/`` (``fulfilment:``),
the dock's pages at ``/dock/`` (``dock:``), the supervisor dashboard at
``/dashboard/`` (``dashboard:``) and the merchant's decisions on failed and
held items at ``/decisions/`` (``decide:``), with their standing one: the
returns and cancellations policy (``/decisions/returns/``), and their view of
their buyers' returns (``/decisions/buyer-returns/``).
"""

from django.urls import path

from .api import buyer_returns, manifests, orders, policy, shipments, waves, webhooks
from .views import dashboard, decisions, dock
from .views import policy as policy_page
from .views import returns as buyer_returns_page

api_patterns = (
    [
        path("orders/", orders.OrderListCreateApi.as_view(), name="order-list"),
        path("orders/batch/", orders.OrderBatchApi.as_view(), name="order-batch"),
        path(
            "orders/<str:order_id>/",
            orders.OrderDetailApi.as_view(),
            name="order-detail",
        ),
        path(
            "orders/<str:order_id>/cancel/",
            orders.OrderCancelApi.as_view(),
            name="order-cancel",
        ),
        path(
            "orders/<str:order_id>/pack/",
            orders.OrderPackApi.as_view(),
            name="order-pack",
        ),
        path(
            "items/<str:code>/release/",
            shipments.ItemReleaseApi.as_view(),
            name="item-release",
        ),
        path(
            "items/<str:code>/return/",
            shipments.ItemReturnApi.as_view(),
            name="item-return",
        ),
        path(
            "items/<str:code>/decision/",
            shipments.ItemDecisionApi.as_view(),
            name="item-decision",
        ),
        path("shipments/", shipments.ShipmentListApi.as_view(), name="shipment-list"),
        path(
            "shipments/<str:reference>/",
            shipments.ShipmentDetailApi.as_view(),
            name="shipment-detail",
        ),
        path(
            "shipments/<str:reference>/label.<str:fmt>",
            shipments.ShipmentLabelApi.as_view(),
            name="shipment-label",
        ),
        path(
            "shipments/<str:reference>/printed/",
            shipments.ShipmentPrintedApi.as_view(),
            name="shipment-printed",
        ),
        path(
            "shipments/<str:reference>/release/",
            shipments.ShipmentReleaseApi.as_view(),
            name="shipment-release",
        ),
        path("waves/", waves.WaveListApi.as_view(), name="wave-list"),
        path(
            "waves/<int:wave_id>/labels.<str:fmt>",
            waves.WaveLabelsApi.as_view(),
            name="wave-labels",
        ),
        path(
            "waves/<int:wave_id>/printed/",
            waves.WavePrintedApi.as_view(),
            name="wave-printed",
        ),
        path("manifests/", manifests.ManifestListApi.as_view(), name="manifest-list"),
        path(
            "manifests/<str:number>/",
            manifests.ManifestDetailApi.as_view(),
            name="manifest-detail",
        ),
        path(
            "manifests/<str:number>/close/",
            manifests.ManifestCloseApi.as_view(),
            name="manifest-close",
        ),
        path(
            "manifests/<str:number>/manifest.pdf",
            manifests.ManifestPdfApi.as_view(),
            name="manifest-pdf",
        ),
        path(
            "returns/",
            buyer_returns.ReturnNoticeListCreateApi.as_view(),
            name="return-notice-list",
        ),
        path(
            "returns/<str:return_id>/",
            buyer_returns.ReturnNoticeDetailApi.as_view(),
            name="return-notice-detail",
        ),
        path(
            "dispatch-figures/",
            orders.DispatchFiguresApi.as_view(),
            name="dispatch-figures",
        ),
        path(
            "merchant-policy/",
            policy.MerchantPolicyApi.as_view(),
            name="merchant-policy",
        ),
        path(
            "webhook-endpoints/",
            webhooks.WebhookEndpointListCreateApi.as_view(),
            name="webhook-endpoint-list",
        ),
        path(
            "webhook-endpoints/<int:endpoint_id>/",
            webhooks.WebhookEndpointDetailApi.as_view(),
            name="webhook-endpoint-detail",
        ),
        path(
            "webhook-endpoints/<int:endpoint_id>/rotate/",
            webhooks.WebhookEndpointRotateApi.as_view(),
            name="webhook-endpoint-rotate",
        ),
        path(
            "webhook-endpoints/<int:endpoint_id>/messages/",
            webhooks.WebhookMessageListApi.as_view(),
            name="webhook-messages",
        ),
    ],
    "fulfilment",
)

dock_patterns = (
    [
        path("labels/", dock.label_list, name="labels"),
        path(
            "labels/<str:reference>/label.<str:fmt>",
            dock.label_download,
            name="label-download",
        ),
        path(
            "labels/<str:reference>/printed/",
            dock.label_printed,
            name="label-printed",
        ),
        path(
            "waves/<int:wave_id>/labels.<str:fmt>",
            dock.wave_download,
            name="wave-download",
        ),
        path(
            "waves/<int:wave_id>/printed/",
            dock.wave_printed,
            name="wave-printed",
        ),
        path("manifests/", dock.manifest_list, name="manifests"),
        path(
            "manifests/<str:number>/",
            dock.manifest_detail,
            name="manifest-detail",
        ),
        path(
            "manifests/<str:number>/close/",
            dock.manifest_close,
            name="manifest-close",
        ),
        path(
            "manifests/<str:number>/manifest.pdf",
            dock.manifest_pdf,
            name="manifest-pdf",
        ),
    ],
    "dock",
)

dashboard_patterns = (
    [
        path("", dashboard.dashboard_overview, name="overview"),
        path("export.csv", dashboard.dashboard_export, name="export"),
    ],
    "dashboard",
)

decisions_patterns = (
    [
        path("items/<str:code>/return/", decisions.item_return, name="return"),
        path("items/<str:code>/held/", decisions.item_held, name="held"),
        path("items/<str:code>/received/", decisions.item_received, name="received"),
        path("returns/", policy_page.returns_policy, name="returns-policy"),
        path(
            "buyer-returns/",
            buyer_returns_page.buyer_return_list,
            name="buyer-returns",
        ),
        path(
            "buyer-returns/<int:notice_id>/",
            buyer_returns_page.buyer_return_detail,
            name="buyer-return-detail",
        ),
        path(
            "buyer-returns/photos/<int:photo_id>",
            buyer_returns_page.buyer_return_photo,
            name="buyer-return-photo",
        ),
    ],
    "decide",
)
