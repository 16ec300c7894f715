"""The merchant portal's pages, mounted at ``/portal/``."""

from django.urls import path

from .views import portal as views

app_name = "portal"

urlpatterns = [
    path("items/", views.item_list, name="items"),
    path("shipments/", views.notice_list, name="notices"),
    path("shipments/new/", views.notice_create, name="notice-create"),
    path("shipments/upload/", views.notice_upload, name="notice-upload"),
    path("shipments/template/", views.notice_template, name="notice-template"),
    path("shipments/<int:pk>/", views.notice_detail, name="notice-detail"),
    path("tokens/", views.token_manage, name="tokens"),
]
