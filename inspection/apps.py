from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionConfig(AppConfig):
    """Inspection templates, inspections, verdicts and certificates (issues 3 and 4)."""

    name = "inspection"
    verbose_name = _("Inspection")

    def ready(self):
        from warehouse.claims import claim_checkers_register
        from warehouse.demo import demo_seeder_register
        from warehouse.jobs import job_handler_register
        from warehouse.lifecycle import transition_guard_register
        from warehouse.models import ItemState as S
        from warehouse.serializers import item_certificate_provider_register

        from .demo import demo_templates_seed
        from .services import (
            CERTIFICATE_JOB,
            certificate_issue,
            certificate_summary,
            claim_checkers,
            revoked_only,
            valid_certificate_required,
        )

        claim_checkers_register(claim_checkers)
        item_certificate_provider_register(certificate_summary)
        demo_seeder_register(demo_templates_seed)
        # Rendering and storing the PDF happen inside the job's transaction
        # (atomic): the job is done exactly when the certificate commits, and
        # a failed or killed run leaves no row and no file behind.
        job_handler_register(
            CERTIFICATE_JOB, certificate_issue, queue="certificates", atomic=True
        )
        # DESIGN.md rule 1: only an item with a valid certificate moves on to a
        # buyer; a certified item is re-inspected only once its certificate is
        # revoked.
        for source, target in [
            (S.CERTIFIED, S.ALLOCATED),
            (S.ALLOCATED, S.PACKED),
            (S.PACKED, S.RELEASED),
        ]:
            transition_guard_register(
                source=source, target=target, guard=valid_certificate_required
            )
        transition_guard_register(
            source=S.CERTIFIED, target=S.INSPECTING, guard=revoked_only
        )
