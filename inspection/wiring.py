"""How the inspection app plugs into the warehouse: every connection it makes.

The extension points and their contracts are declared in
:mod:`warehouse.extensions`; ``tests/test_wiring.py`` pins the result.
"""


def wire() -> None:
    """Connect the inspection app; :meth:`InspectionConfig.ready` calls it once.

    Running it again changes nothing.
    """
    from warehouse import extensions as ext
    from warehouse.models import ItemState as S

    from . import messages
    from .demo import demo_inspections_seed, demo_templates_seed
    from .services import (
        CERTIFICATE_JOB,
        certificate_issue,
        certificate_summary,
        claim_checkers,
        revoked_only,
        valid_certificate_required,
    )
    from .services.certificates import ISSUE_BATCH, certificates_issue_batch
    from .services.returns.report import RETURN_REPORT_JOB, return_report_render
    from .trust.transparency.log import TRANSPARENCY_JOB, log_integrate

    # Inbound notices: a category with a template is checked by its checks.
    ext.claim_checkers_register(claim_checkers)
    # The item detail shows the item's current certificate.
    ext.item_certificate_provider_register(certificate_summary)
    ext.demo_seeder_register(demo_templates_seed)
    ext.demo_seeder_register(demo_inspections_seed)
    # Its message codes: its timeline reasons and refusals, in any language.
    ext.message_catalogue_register(messages.CATALOGUE)
    # Rendering and storing the PDF happen inside the job's transaction
    # (atomic): the job is done exactly when the certificate commits, and
    # a failed or killed run leaves no row and no file behind. Pending
    # certificate jobs are taken together, up to ISSUE_BATCH a run.
    ext.job_handler_register(
        CERTIFICATE_JOB,
        certificate_issue,
        queue="certificates",
        atomic=True,
        many=certificates_issue_batch,
        batch=ISSUE_BATCH,
    )
    # A return inspection's signed report, once its verdict holds: rendered
    # and stored in the job's transaction, like a certificate's PDF.
    ext.job_handler_register(
        RETURN_REPORT_JOB, return_report_render, queue="certificates", atomic=True
    )
    # The transparency log's sequencer (issue 22): gives the entries that
    # issuing and revoking recorded their indices, signs a head when due.
    ext.job_handler_register(
        TRANSPARENCY_JOB, log_integrate, queue="certificates", atomic=True
    )
    # DESIGN.md rule 1: only an item with a valid certificate moves on to a
    # buyer; a certified item is re-inspected only once its certificate is
    # revoked.
    for source, target in [
        (S.CERTIFIED, S.ALLOCATED),
        (S.ALLOCATED, S.PACKED),
        (S.PACKED, S.RELEASED),
    ]:
        ext.transition_guard_register(
            source=source, target=target, guard=valid_certificate_required
        )
    ext.transition_guard_register(
        source=S.CERTIFIED, target=S.INSPECTING, guard=revoked_only
    )
