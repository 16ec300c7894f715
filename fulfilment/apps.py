from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfilmentConfig(AppConfig):
    """Orders, allocation, packing, labels, release and returns (issue 5)."""

    name = "fulfilment"
    verbose_name = _("Fulfilment")
