"""Memory of a certificate worker after 10,000 certificates: no growth.

    python bench/run.py --only memory [--memory-items 10000]

Set-up (not timed): N jade items are announced, received, inspected with an
evidence photo and passed through the product's services, in this process,
with Redis as the broker and no worker running. Each pass records its
certificate job as the product does (``certificate_enqueue``: a job row in the
verdict's transaction; after commit ``warehouse.tasks.job_run`` goes to the
``certificates`` queue), so the queue holds N jobs. Then a real Celery worker
starts (prefork, ``--concurrency 1``, the bench settings: DEBUG off,
PostgreSQL, Redis) and runs them: lock the job and the item, sign the content,
render the PDF (thumbnail of the photo, QR code, barcode), store it, move the
item to ``certified``, mark the job done.

The resident memory (``VmRSS`` in ``/proc``) of the worker's one child, the
process that runs the tasks, is read after about 1,000 certificates (warm:
imports, fonts, caches and the connection are in place) and after the last
one, and every 1,000 between them. The bar is on the growth from warm to end:
below ``BAR_GROWTH_PCT`` of the warm figure and below ``BAR_GROWTH_MB``. The
same child must do all the work (a replaced child would hide a leak). Then:
every item certified, one certificate each, and one PDF file per certificate
on disk.
"""

import io
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARM_AT = 1_000
SAMPLE_EVERY = 1_000
# Growth from warm to end. A leak of 1 KiB per certificate adds ~9 MB over
# 9,000 certificates, 2 KiB ~18 MB; measured without a leak the child moves
# by about 1 MB (allocator arenas and PostgreSQL's statement cache settle).
# 5 % of a ~100 MB child, and 10 MB, catch a 1-2 KiB leak and leave room for
# that noise.
BAR_GROWTH_PCT = 5.0
BAR_GROWTH_MB = 10.0
SERIAL = "MEM-"
CLAIM = {"material": "nephrite jade", "weight_g": "52.31", "declared_value": "1680.00"}
SEEN = {
    "material": "和田玉",
    "weight_g": "52.33",
    "appearance": True,
    "packaging": "intact",
}


def log(message: str) -> None:
    print(f"[memory] {message}", file=sys.stderr, flush=True)


def photo_jpeg(n: int) -> bytes:
    """A 640x480 JPEG: a bangle on a tray, a little different each time."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (236, 232, 224))
    draw = ImageDraw.Draw(image)
    shade = 90 + n % 60
    draw.ellipse((170, 90, 470, 390), outline=(40, shade, 90), width=46)
    draw.text((20, 450), f"QC {n:06d}", fill=(30, 30, 30))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def passed_seed(count: int, processes: int = 2, reference: str = "MEMORY") -> None:
    """``count`` items in ``passed``, each with its certificate job queued.

    The items are announced here; ``processes`` processes of their own
    (spawned: a fresh Django and broker connection each) receive, inspect,
    photograph and pass their share, as inspectors at several benches would.
    """
    import multiprocessing

    from django.contrib.auth import get_user_model
    from django.db import connections

    from warehouse.services import inbound_notice_create

    owner = get_user_model().objects.get(username="merchant")
    notice = inbound_notice_create(
        merchant=owner.merchant_membership.merchant,
        warehouse_code="GZ",
        reference=reference,
        items=[
            {
                "sku": f"JADE-BANGLE-{n % 400:03d}",
                "title": "和田玉手镯 56mm Hetian nephrite bangle",
                "category": "jewellery-jade",
                "serial": f"{SERIAL}{reference}-{n:07d}",
                "order_ref": f"LS-MEM-{n:07d}",
                "claim": CLAIM,
            }
            for n in range(count)
        ],
        actor=owner,
    )
    codes = [row["code"] for row in notice.created_rows]
    connections.close_all()
    shares = [(part, codes[part::processes]) for part in range(processes)]
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        pool.starmap(_pass_share, shares)


def _pass_share(part: int, codes: list[str]) -> None:
    """Receive, inspect (with a photo) and pass these items (a pool process)."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from inspection import services as inspection
    from warehouse import lifecycle
    from warehouse.common.access import principal_of
    from warehouse.models import Item, Station

    inspector = principal_of(get_user_model().objects.get(username="inspector"))
    receiving = Station.objects.get(code="GZ-RCV-01").user
    started = time.monotonic()
    for n, code in enumerate(codes, start=1):
        item = Item.objects.get(code=code)
        lifecycle.item_receive(item=item, actor=receiving)
        opened, _ = inspection.inspection_submit(
            principal=inspector, code=code, observed=SEEN, complete=False
        )
        inspection.inspection_photo_add(
            principal=inspector, inspection_id=opened.pk, data=photo_jpeg(item.pk)
        )
        inspection.inspection_complete(principal=inspector, inspection_id=opened.pk)
        if n % 1000 == 0:
            seconds = time.monotonic() - started
            log(f"set-up {part}: {n:,} items passed ({seconds:.0f} s)")


class Autovacuum:
    """``VACUUM ANALYZE`` the database every ``every`` seconds, in a thread.

    This machine's PostgreSQL runs with autovacuum off (CI's configuration).
    Without it, a plan that a long-lived connection prepared while a table
    was nearly empty (a sequential scan) is never made again as the table
    grows to 10,000s of rows, and index-only scans find no visibility map:
    set-up and worker would slow down with every row, which production,
    where autovacuum vacuums and analyzes growing tables, never sees.
    """

    def __init__(self, every: float = 20.0):
        self.every = every
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from django.db import connection

        try:
            while not self.stop.wait(self.every):
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM (ANALYZE)")
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=60)


# --- the worker and its memory ----------------------------------------------------


def worker_start(env: dict, log_path: Path) -> subprocess.Popen:
    """The default worker (every queue), prefork with one child, in a session
    of its own: stopped as a group, however the run ends."""
    from bench.burst import worker_start as celery_worker_start

    return celery_worker_start(
        env, log_path, ("--pool=prefork", "--concurrency=1"), name="memory"
    )


def worker_stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, 15)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        process.wait(timeout=10)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return sorted(found)


def status_kb(pid: int, field: str) -> int | None:
    """A ``kB`` field (``VmRSS``, ``VmHWM`` …) of ``/proc/<pid>/status``."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def sample(worker: subprocess.Popen, certificates: int, started: float) -> dict:
    children = children_of(worker.pid)
    child = children[0] if len(children) == 1 else None
    return {
        "certificates": certificates,
        "seconds": round(time.monotonic() - started, 1),
        "child": child,
        "children": children,
        "child_rss_kb": status_kb(child, "VmRSS") if child else None,
        "child_hwm_kb": status_kb(child, "VmHWM") if child else None,
        "parent_rss_kb": status_kb(worker.pid, "VmRSS"),
    }


def _mb(kb: int | None) -> str:
    return "?" if kb is None else f"{kb / 1024:.1f} MB"


def certificates_of(serial: str):
    """The certificates of the items whose serial starts ``serial``: a run's
    own (the demo world it starts from has its own, some of them left for a
    worker to issue)."""
    from inspection.models import Certificate

    return Certificate.objects.filter(item__serial__startswith=serial)


def _ours():
    return certificates_of(SERIAL)


def certificates_issued_checks(count: int, media: Path, serial: str) -> dict[str, bool]:
    """A run's checks that the worker issued ``count`` certificates, one each,
    of the items whose serial starts ``serial``, each with one PDF file in
    ``media``."""
    from inspection.models import Certificate, CertificateFile
    from warehouse.models import Item, ItemState

    items = Item.objects.filter(serial__startswith=serial)
    ours = certificates_of(serial)
    names = list(ours.values_list("pdf", flat=True))
    # A file in the worker's media that no certificate names would be a
    # certificate rendered twice.
    known = set(Certificate.objects.values_list("pdf", flat=True))
    files = {
        path.relative_to(media).as_posix()
        for path in (media / "certificates").rglob("*.pdf")
    }
    return {
        "every item certified": (
            items.filter(state=ItemState.CERTIFIED).count() == count
            and not items.exclude(state=ItemState.CERTIFIED).exists()
        ),
        "one certificate per item": (
            len(names) == count and ours.values("item_id").distinct().count() == count
        ),
        "one PDF file each": (
            all(names)
            and len(set(names)) == count
            and all((media / name).is_file() for name in names)
            and not files - known
            and CertificateFile.objects.filter(
                certificate__item__serial__startswith=serial
            ).count()
            == count
        ),
    }


def bench_memory(env: dict, work: Path, count: int, timeout: float) -> list[dict]:
    from django.test.utils import override_settings

    media = work / "memory-media"
    shutil.rmtree(media, ignore_errors=True)
    env = {**env, "MEDIA_ROOT": str(media)}
    os.environ.update(env)
    samples: list[dict] = []
    warm = end = None
    # Photos go where the worker reads them.
    with override_settings(MEDIA_ROOT=media), Autovacuum():
        started = time.monotonic()
        passed_seed(count)
        log(f"set-up: {count:,} passed items in {time.monotonic() - started:.0f} s")
        worker = worker_start(env, work / "memory-worker.log")
        started = time.monotonic()
        done = 0
        try:
            next_sample = SAMPLE_EVERY
            while time.monotonic() - started < timeout:
                if worker.poll() is not None:
                    break
                done = _ours().count()
                if warm is None and done >= WARM_AT:
                    warm = sample(worker, done, started)
                    samples.append(warm)
                    log(f"warm at {done:,}: child RSS {_mb(warm['child_rss_kb'])}")
                    next_sample = (done // SAMPLE_EVERY + 1) * SAMPLE_EVERY
                elif warm is not None and done >= next_sample and done < count:
                    samples.append(sample(worker, done, started))
                    log(f"{done:,}: child RSS {_mb(samples[-1]['child_rss_kb'])}")
                    next_sample = (done // SAMPLE_EVERY + 1) * SAMPLE_EVERY
                if done >= count:
                    end = sample(worker, done, started)
                    samples.append(end)
                    break
                time.sleep(0.25)
            elapsed = time.monotonic() - started
            if end is None:
                log(f"only {done:,} of {count:,} certificates after {elapsed:.0f} s")
                end = sample(worker, done, started)
        finally:
            worker_stop(worker)
        log(
            f"{done:,} certificates in {elapsed:.1f} s; child RSS "
            f"{_mb(warm and warm['child_rss_kb'])} -> {_mb(end['child_rss_kb'])}"
        )
        checks = certificates_issued_checks(count, media, SERIAL)
    checks["finished in time"] = done >= count
    checks["worker stayed up"] = worker.returncode in (None, 0, -15)
    checks["one child did all the work"] = bool(
        warm and warm["child"] and warm["child"] == end["child"]
    )
    problems = [name for name, ok in checks.items() if not ok]
    growth_kb = growth_pct = None
    if warm and warm["child_rss_kb"] and end["child_rss_kb"]:
        growth_kb = end["child_rss_kb"] - warm["child_rss_kb"]
        growth_pct = 100 * growth_kb / warm["child_rss_kb"]
    within = (
        growth_kb is not None
        and growth_pct < BAR_GROWTH_PCT
        and growth_kb / 1024 < BAR_GROWTH_MB
    )
    measured = (
        f"{_mb(warm and warm['child_rss_kb'])} at {warm['certificates']:,} -> "
        f"{_mb(end['child_rss_kb'])} at {end['certificates']:,}: "
        f"{growth_kb / 1024:+.1f} MB ({growth_pct:+.1f} %); "
        f"{done:,} in {elapsed:.0f} s ({done / elapsed:.0f}/s)"
        if growth_kb is not None
        else f"no figure ({done:,} certificates in {elapsed:.0f} s)"
    )
    if problems:
        measured += f"; FAILED CHECKS: {', '.join(problems)}"
    return [
        {
            "figure": f"worker memory over {count:,} certificates "
            "(prefork child RSS, warm -> end)",
            "bar": f"growth < {BAR_GROWTH_PCT:g} % and < {BAR_GROWTH_MB:g} MB",
            "measured": measured,
            "pass": within and not problems,
            "detail": {
                "certificates": done,
                "seconds": round(elapsed, 1),
                "warm": warm,
                "end": end,
                "growth_kb": growth_kb,
                "growth_pct": None if growth_pct is None else round(growth_pct, 2),
                "samples": samples,
                "checks": checks,
                "worker_log": str(work / "memory-worker.log"),
            },
        }
    ]
