"""Certificates issued end to end per second per core (issue 22's first bar).

    python bench/run.py --only issue [--issue-items 1000]

Set-up (not timed), as the memory run does (:mod:`bench.worker_memory`): N
jade items are announced, received, inspected with a 640x480 evidence photo
and passed through the product's services by two set-up processes; each pass
records its certificate job in the verdict's transaction, sent to the
``certificates`` queue after commit, so the queue holds N jobs and nothing
runs them yet.

Then a real Celery worker starts (prefork, ``--concurrency 1``, every queue,
the bench settings: DEBUG off, PostgreSQL, Redis) and runs everything the
passes left: a certificate job takes the certificate jobs pending with it
(up to ``ISSUE_BATCH``), locks their items, signs each content, seals each
QR code, renders each PDF (photo thumbnail, QR code, barcode), signs it
(PAdES), stores it with its hash, records the transparency log entries and
moves the items to ``certified``; the jobs that follow (the log's
integration and signed tree head, fulfilment's ``item_certified``, in
batches too) and the messages of jobs a batch did run in the same worker.

Measured from the moment ``WARM_AT`` certificates exist (imports, fonts, the
signer and the connection are in place) to the moment the last one exists and
no job is left pending: certificates per CPU-second of the worker's child
(the process that runs the tasks, ``/proc/<pid>/stat``) plus the PostgreSQL
backends it used (connected under their own ``application_name``, read as the
burst reads them, :mod:`bench.cpu`); the child alone and the wall rate
beside. The worker's parent (it takes messages from Redis and hands them to
the child) is shown in the detail, not in the figure. Before the worker
starts and after it stops, :func:`bench.cpu.core_probe` times a fixed
workload: the machine's cores are shared, and a run on a busy core reads
slower for the same code (the probe says which).

Then: every item certified, one certificate each, one signed PDF each on disk
(pyHanko validates a sample against the operator's root), and one
transparency log entry each, integrated in the tree.
"""

import os
import shutil
import time
from pathlib import Path

from bench.cpu import (
    METER_APP,
    WORKER_APP,
    BackendMeter,
    core_probe,
    database_url,
    proc_stat,
)
from bench.cpu import own_cpu as _own_cpu
from bench.worker_memory import (
    SERIAL,
    Autovacuum,
    certificates_issued_checks,
    certificates_of,
    children_of,
    passed_seed,
    worker_stop,
)

BAR_PER_CORE = 100
REFERENCE = "ISSUE"
PREFIX = f"{SERIAL}{REFERENCE}-"
SAMPLE_PDFS = 20  # validated by pyHanko after the run


def log(message: str) -> None:
    import sys

    print(f"[issue] {message}", file=sys.stderr, flush=True)


def own_cpu(pid: int | None) -> float | None:
    fields = proc_stat(pid) if pid else None
    return None if fields is None else _own_cpu(fields)


def _ours():
    return certificates_of(PREFIX)


def _pending_jobs() -> int:
    from warehouse.models import Job

    return Job.objects.filter(state=Job.State.PENDING).count()


def worker_start(env: dict, log_path: Path):
    """The measured worker (every queue), prefork with one child, in a
    session of its own."""
    from bench.burst import worker_start as celery_worker_start

    return celery_worker_start(
        env, log_path, ("--pool=prefork", "--concurrency=1"), name="issue"
    )


def _drain(env: dict, work: Path, timeout: float = 600) -> None:
    """Run the jobs the set-up's passes left besides the certificates (the
    merchant's "passed" messages) in a worker of their own, so the measured
    worker does only what issuing causes."""
    from bench.burst import worker_start as celery_worker_start
    from inspection.services import CERTIFICATE_JOB
    from warehouse.models import Job

    others = Job.objects.filter(state=Job.State.PENDING).exclude(name=CERTIFICATE_JOB)
    if not others.exists():
        return
    worker = celery_worker_start(
        env,
        work / "issue-drain.log",
        ("--pool=prefork", "--concurrency=1", "-Q", "default,labels,notifications"),
        name="issue-drain",
    )
    started = time.monotonic()
    try:
        while others.exists() and time.monotonic() - started < timeout:
            time.sleep(0.2)
    finally:
        worker_stop(worker)
    log(f"set-up: the passes' other jobs run in {time.monotonic() - started:.0f} s")


def _checks(count: int, media: Path) -> dict[str, bool]:
    """The memory run's checks of what the worker issued, and: the PDFs
    signed (a sample validated by pyHanko) and one log entry each."""
    from inspection.models import LogEntry
    from inspection.trust.pades import pdf_signature_check

    names = list(_ours().values_list("pdf", flat=True))
    step = max(1, len(names) // SAMPLE_PDFS)
    sample = [(media / name).read_bytes() for name in names[::step][:SAMPLE_PDFS]]
    entries = LogEntry.objects.filter(certificate__item__serial__startswith=PREFIX)
    return {
        **certificates_issued_checks(count, media, PREFIX),
        f"pyHanko validates {len(sample)} sampled PDFs": bool(sample)
        and all(pdf_signature_check(data)["valid"] for data in sample),
        "one log entry each, integrated": (
            entries.count() == count
            and entries.values("certificate_id").distinct().count() == count
            and not entries.filter(index__isnull=True).exists()
        ),
    }


class Reading:
    """CPU of the worker's child and parent, certificates, time: one moment."""

    def __init__(self, worker, child: int | None, done: int):
        self.done = done
        self.at = time.monotonic()
        self.child = own_cpu(child)
        self.parent = own_cpu(worker.pid)


def bench_issue(env: dict, work: Path, count: int, timeout: float) -> list[dict]:
    import psycopg
    from django.test.utils import override_settings

    media = work / "issue-media"
    shutil.rmtree(media, ignore_errors=True)
    env = {**env, "MEDIA_ROOT": str(media)}
    os.environ.update(env)
    worker_env = {**env, "DATABASE_URL": database_url(env["DATABASE_URL"], WORKER_APP)}
    meter_url = database_url(env["DATABASE_URL"], METER_APP)
    warm_at = max(20, count // 20)
    with override_settings(MEDIA_ROOT=media), Autovacuum():
        started = time.monotonic()
        passed_seed(count, reference=REFERENCE)
        log(f"set-up: {count:,} passed items in {time.monotonic() - started:.0f} s")
        _drain(env, work)
        probe_before = core_probe()
        worker = worker_start(env=worker_env, log_path=work / "issue-worker.log")
        meter = BackendMeter(
            lambda: psycopg.connect(meter_url, autocommit=True), (WORKER_APP,)
        )
        started = time.monotonic()
        warm = end = None
        child = None
        same_child = False
        done = 0
        try:
            while time.monotonic() - started < timeout:
                if worker.poll() is not None:
                    break
                if child is None:
                    children = children_of(worker.pid)
                    child = children[0] if len(children) == 1 else None
                done = _ours().count()
                if warm is None and done >= warm_at:
                    warm = Reading(worker, child, done)
                    meter.start()
                    log(f"warm at {done:,} certificates")
                if warm is not None and done >= count and not _pending_jobs():
                    end = Reading(worker, child, done)
                    same_child = children_of(worker.pid) == [child]
                    backend_cpu = meter.stop()[WORKER_APP]
                    break
                time.sleep(0.1)
            if end is None:
                log(f"only {done:,} of {count:,} certificates")
        finally:
            worker_stop(worker)
        probe_after = core_probe()
        checks = _checks(count, media)
    elapsed = time.monotonic() - started
    checks["finished in time"] = end is not None
    checks["worker stayed up"] = worker.returncode in (None, 0, -15)
    checks["one child did all the work"] = same_child
    problems = [name for name, ok in checks.items() if not ok]
    detail = {
        "count": count,
        "seconds": round(elapsed, 1),
        "checks": checks,
        "core_probe_ms": [probe_before, probe_after],
    }
    measured = f"no figure ({done:,} certificates in {elapsed:.0f} s)"
    per_core = 0.0
    if end is not None and warm.child is not None and end.child is not None:
        issued = end.done - warm.done
        child_cpu = end.child - warm.child
        parent_cpu = end.parent - warm.parent
        wall = end.at - warm.at
        per_core = issued / (child_cpu + backend_cpu)
        measured = (
            f"{per_core:.0f}/s per CPU-second of worker + its postgres "
            f"({issued / child_cpu:.0f}/s worker alone, {issued / wall:.0f}/s wall); "
            f"{(child_cpu + backend_cpu) / issued * 1000:.1f} ms CPU each "
            f"({child_cpu / issued * 1000:.1f} worker, "
            f"{backend_cpu / issued * 1000:.1f} postgres); "
            f"core probe {probe_before:.0f} and {probe_after:.0f} ms"
        )
        detail.update(
            measured_certificates=issued,
            warm_at=warm.done,
            wall_s=round(wall, 2),
            cpu_s={
                "worker_child": round(child_cpu, 2),
                "postgres_backends": round(backend_cpu, 2),
                "worker_parent": round(parent_cpu, 2),
            },
            load_average_end=os.getloadavg(),
        )
    if problems:
        measured += f"; FAILED CHECKS: {', '.join(problems)}"
    detail["worker_log"] = str(work / "issue-worker.log")
    log(measured)
    return [
        {
            "figure": f"certificates issued end to end per second per core ({count:,})",
            "bar": f">= {BAR_PER_CORE}/s",
            "measured": measured,
            "pass": per_core >= BAR_PER_CORE and not problems,
            "detail": detail,
        }
    ]
