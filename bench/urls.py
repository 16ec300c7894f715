"""The product's URLs with the two ceiling views in front of them.

The ceilings come first: ``config.urls`` ends with a catch-all for ``api/``.
"""

from django.urls import path

from config.urls import handler404, handler500
from config.urls import urlpatterns as product_urlpatterns

from . import ceilings

__all__ = ["handler404", "handler500", "urlpatterns"]

urlpatterns = [
    path("bench/ceiling/lookup/", ceilings.CeilingLookupApi.as_view()),
    path("bench/ceiling/receive/", ceilings.CeilingReceiveApi.as_view()),
    *product_urlpatterns,
]
