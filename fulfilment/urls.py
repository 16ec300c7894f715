from django.urls import path

from .api import orders as api

app_name = "fulfilment"

urlpatterns = [
    path("orders/", api.OrderListCreateApi.as_view(), name="order-list"),
    path("orders/<str:order_id>/", api.OrderDetailApi.as_view(), name="order-detail"),
    path(
        "orders/<str:order_id>/cancel/",
        api.OrderCancelApi.as_view(),
        name="order-cancel",
    ),
    path("orders/<str:order_id>/pack/", api.OrderPackApi.as_view(), name="order-pack"),
    path(
        "items/<str:code>/release/", api.ItemReleaseApi.as_view(), name="item-release"
    ),
    path("items/<str:code>/return/", api.ItemReturnApi.as_view(), name="item-return"),
    path(
        "items/<str:code>/decision/",
        api.ItemDecisionApi.as_view(),
        name="item-decision",
    ),
    path("shipments/", api.ShipmentListApi.as_view(), name="shipment-list"),
    path(
        "shipments/<str:reference>/",
        api.ShipmentDetailApi.as_view(),
        name="shipment-detail",
    ),
    path(
        "shipments/<str:reference>/label.<str:fmt>",
        api.ShipmentLabelApi.as_view(),
        name="shipment-label",
    ),
    path(
        "shipments/<str:reference>/printed/",
        api.ShipmentPrintedApi.as_view(),
        name="shipment-printed",
    ),
    path(
        "shipments/<str:reference>/release/",
        api.ShipmentReleaseApi.as_view(),
        name="shipment-release",
    ),
    path("manifests/", api.ManifestListApi.as_view(), name="manifest-list"),
    path(
        "manifests/<str:number>/",
        api.ManifestDetailApi.as_view(),
        name="manifest-detail",
    ),
    path(
        "manifests/<str:number>/close/",
        api.ManifestCloseApi.as_view(),
        name="manifest-close",
    ),
    path(
        "manifests/<str:number>/manifest.pdf",
        api.ManifestPdfApi.as_view(),
        name="manifest-pdf",
    ),
    path(
        "dispatch-figures/",
        api.DispatchFiguresApi.as_view(),
        name="dispatch-figures",
    ),
    path("merchant-policy/", api.MerchantPolicyApi.as_view(), name="merchant-policy"),
    path(
        "webhook-endpoints/",
        api.WebhookEndpointListCreateApi.as_view(),
        name="webhook-endpoint-list",
    ),
    path(
        "webhook-endpoints/<int:endpoint_id>/rotate/",
        api.WebhookEndpointRotateApi.as_view(),
        name="webhook-endpoint-rotate",
    ),
    path(
        "webhook-endpoints/<int:endpoint_id>/messages/",
        api.WebhookMessageListApi.as_view(),
        name="webhook-messages",
    ),
]
