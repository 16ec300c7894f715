from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarehouseConfig(AppConfig):
    name = "warehouse"
    verbose_name = _("Warehouse")

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
        from .wiring import wire

        wire()
