from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from fulfilment import urls as fulfilment_urls
from inspection import urls as inspection_urls
from inspection.views.trust import seal_keys_json
from warehouse import urls as warehouse_urls
from warehouse.common.api import api_not_found
from warehouse.common.pages import home_redirect

handler404 = "warehouse.common.api.api_not_found"
handler500 = "warehouse.common.api.api_server_error"

urlpatterns = [
    path("", home_redirect, name="home"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Pages: sign-in and password reset, then one module per group of users.
    path("accounts/", include("django.contrib.auth.urls")),
    path("account/", include(warehouse_urls.account_patterns)),
    path("portal/", include(warehouse_urls.portal_patterns)),
    path("station/", include(warehouse_urls.station_patterns)),
    path("", include(inspection_urls.inspect_patterns)),
    path("dock/", include(fulfilment_urls.dock_patterns)),
    path("dashboard/", include(fulfilment_urls.dashboard_patterns)),
    path("decisions/", include(fulfilment_urls.decisions_patterns)),
    # The REST API, one list per app (each app's urls.py).
    path("api/v1/", include(warehouse_urls.api_patterns)),
    path("api/v1/", include(inspection_urls.api_patterns)),
    path("api/v1/", include(fulfilment_urls.api_patterns)),
    path("", include(inspection_urls.verify_patterns)),
    # The certificate transparency log (issue 22): public, JSON, cacheable.
    path("transparency/", include("inspection.trust.transparency.urls")),
    # The QR seal's public keys (JWKS), for offline verifiers.
    path(".well-known/qcw-keys.json", seal_keys_json, name="seal-keys"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"
    ),
    path(
        "api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"
    ),
    # Unknown API paths answer in the API's JSON error shape, in debug too.
    re_path(r"^api/", api_not_found),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
