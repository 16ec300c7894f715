"""Public pages (no login): certificate verification."""

from django.urls import path, register_converter

from .views import verify as views


class TokenConverter:
    regex = "[A-Za-z0-9_-]{16,64}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(TokenConverter, "token")

urlpatterns = [
    path("verify/", views.verify_lookup, name="verify-lookup"),
    path("verify/<token:token>", views.verify_page, name="verify-page"),
    path("verify/<token:token>.json", views.verify_json, name="verify-json"),
    path(
        "verify/<token:token>/photos/<int:photo_id>",
        views.verify_photo,
        name="verify-photo",
    ),
]
