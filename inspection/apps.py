from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionConfig(AppConfig):
    """Inspection templates, inspections, verdicts and certificates (issues 3 and 4)."""

    name = "inspection"
    verbose_name = _("Inspection")

    def ready(self):
        from warehouse.claims import claim_checkers_register
        from warehouse.demo import demo_seeder_register

        from .demo import demo_templates_seed
        from .services import claim_checkers

        claim_checkers_register(claim_checkers)
        demo_seeder_register(demo_templates_seed)
