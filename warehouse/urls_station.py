"""The station operator's pages, mounted at ``/station/``."""

from django.urls import path

from .views import station as views_station

app_name = "station"

urlpatterns = [
    path("", views_station.station_home, name="home"),
    path("choose/", views_station.station_choose_view, name="choose"),
    path("scan/", views_station.station_scan, name="scan"),
]
