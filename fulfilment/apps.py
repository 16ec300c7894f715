from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FulfilmentConfig(AppConfig):
    """Orders, allocation, packing, labels, release, returns, notifications."""

    name = "fulfilment"
    verbose_name = _("Fulfilment")

    def ready(self):
        from .wiring import wire

        wire()
