from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

from warehouse.api_common import api_not_found
from warehouse.pages import home_redirect

handler404 = "warehouse.api_common.api_not_found"
handler500 = "warehouse.api_common.api_server_error"

urlpatterns = [
    path("", home_redirect, name="home"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Pages: sign-in and password reset, then one module per group of users.
    path("accounts/", include("django.contrib.auth.urls")),
    path("portal/", include("warehouse.urls_portal")),
    path("station/", include("warehouse.urls_station")),
    path("", include("inspection.urls_pages")),
    path("dock/", include("fulfilment.urls_dock")),
    path("dashboard/", include("fulfilment.urls_dashboard")),
    path("decisions/", include("fulfilment.urls_decisions")),
    path("api/v1/", include("warehouse.urls")),
    path("api/v1/", include("inspection.urls")),
    path("api/v1/", include("fulfilment.urls")),
    path("", include("inspection.urls_public")),
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
