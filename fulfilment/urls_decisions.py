"""The merchant's decisions on failed and held items (pages)."""

from django.urls import path

from .views import decisions as views

app_name = "decide"

urlpatterns = [
    path("items/<str:code>/return/", views.item_return, name="return"),
    path("items/<str:code>/held/", views.item_held, name="held"),
]
