from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionConfig(AppConfig):
    """Inspection templates, inspections, verdicts and certificates (issues 3 and 4)."""

    name = "inspection"
    verbose_name = _("Inspection")

    def ready(self):
        from . import checks  # noqa: F401 - registers the system checks
        from .wiring import wire

        wire()
