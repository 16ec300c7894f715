"""The transparency log's public URLs, mounted at ``/transparency/``."""

from django.urls import path

from . import views

app_name = "transparency"

urlpatterns = [
    path("sth", views.sth, name="sth"),
    path("sth/<int:size>", views.sth_at, name="sth-at"),
    path("sths", views.sth_list, name="sths"),
    path("consistency", views.consistency, name="consistency"),
    path("entries", views.entries, name="entries"),
    path("proof", views.proof, name="proof"),
]
