"""The demo's jobs, run in-process as a worker would (:func:`demo_jobs_run`)."""

# Jobs the demo leaves to a worker: the webhooks' drains would send them.
_JOBS_LEFT = ("fulfilment.webhooks_deliver",)


def demo_jobs_run(*, leave: tuple[str, ...] = (), limit: int = 500) -> int:
    """Run the pending jobs now, in this process, as a worker would; return
    how many ran. The seed's later steps need their effects (a certificate,
    an allocation, a label) before the seed's transaction commits. Jobs
    named in ``leave`` (and the webhooks' drains) are left pending."""
    from ..common.jobs import job_run
    from ..models import Job

    ran = 0
    while ran < limit:
        job = (
            Job.objects.filter(state=Job.State.PENDING)
            .exclude(name__in=(*_JOBS_LEFT, *leave))
            .order_by("id")
            .first()
        )
        if job is None:
            break
        job_run(job.pk)
        ran += 1
    return ran
