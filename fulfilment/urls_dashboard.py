"""The supervisor dashboard's pages, mounted at ``/dashboard/``."""

from django.urls import path

from .views import dashboard as views_dashboard

app_name = "dashboard"

urlpatterns = [
    path("", views_dashboard.dashboard_overview, name="overview"),
    path("export.csv", views_dashboard.dashboard_export, name="export"),
]
