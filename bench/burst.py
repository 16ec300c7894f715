"""An order burst (爆单): 10,000 orders for certified stock, end to end.

    python bench/run.py --only burst [--orders 10000]

Set-up (not timed): certified lots of one cosmetics SKU, inspected by sample
and certified through the product's services; four dock stations; a webhook
endpoint on a local receiver that takes batched delivery and verifies every
request's signature. Timed: a second process is the platform and the dock.
The platform pushes the orders to gunicorn in batches of 500
(``POST /api/v1/orders/batch/``, allocated in set-based SQL) from two
connections; as each batch is answered its orders go to the dock, where four
stations (two packers each) pack them one parcel at a time
(``POST /api/v1/orders/{id}/pack/``). A real Celery worker (prefork, 2
processes, on Redis) books the parcels with the sandbox carrier in label
waves and renders their 4x6 labels as PDF and ZPL, and delivers the webhooks.
The clock stops when the last parcel is labelled. Then it checks: every order
allocated once, no lot over-allocated, one distinct tracking number and one
label file per parcel, every job done, every webhook received and verified.
It reports CPU-ms per order for each process group it started and, after the
timed run, what taking an order in costs by the single-order endpoint and by
the batch endpoint (1,000 orders each, no packing).
"""

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg

from bench.cpu import (
    METER_APP,
    WEB_APP,
    WORKER_APP,
    BackendMeter,
    database_url,
    session_cpu,
)

ROOT = Path(__file__).resolve().parent.parent
BAR_SECONDS = 120.0
SKU = "BURST-SERUM-30"
LOT_SIZE = 1000
BATCH = 500  # orders per batch request
PLATFORM_CONNECTIONS = 2
DOCK_STATIONS = 4
PACKERS_PER_STATION = 2
COMPARE = 1000  # orders per intake comparison (single vs batch)
SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CLAIM = {
    "production_date": "2026-06-01",
    "expiry_date": "2029-06-30",
    "packaging": "sealed carton",
    "labels": ["name", "net_content", "producer", "production_date", "licence_number"],
}
SEEN = {
    "expiry_date": "2029-06-30",
    "production_date": "2026-06-01",
    "packaging": "intact",
    "labels": CLAIM["labels"],
}


def log(message: str) -> None:
    print(f"[burst] {message}", file=sys.stderr, flush=True)


def stock_seed(orders: int) -> None:
    """Certified lots enough for ``orders`` single-unit orders (in-process)."""
    from django.contrib.auth import get_user_model

    from config.celery import app
    from inspection import services as inspection
    from warehouse import lifecycle
    from warehouse.common.access import principal_of
    from warehouse.models import Item, Merchant, Station
    from warehouse.services import inbound_notice_create

    app.conf.task_always_eager = True  # the set-up's jobs run here
    merchant = Merchant.objects.get(code="GLOWLAB")
    users = get_user_model().objects
    owner = users.get(username="merchant2")
    inspector = principal_of(users.get(username="inspector"))
    receiving = Station.objects.get(code="GZ-RCV-01").user
    lots = -(-orders // LOT_SIZE)
    notice = inbound_notice_create(
        merchant=merchant,
        warehouse_code="GZ",
        reference="BURST-STOCK",
        items=[
            {
                "sku": SKU,
                "title": "精华液 30ml Serum",
                "category": "cosmetics",
                "quantity": LOT_SIZE,
                "claim": CLAIM,
            }
            for _ in range(lots)
        ],
        actor=owner,
    )
    for row in notice.created_rows:
        item = Item.objects.get(code=row["code"])
        lifecycle.item_receive(item=item, actor=receiving)
        opened = inspection.inspection_open(principal=inspector, code=item.code)
        inspection.inspection_units_record(
            principal=inspector,
            inspection_id=opened.pk,
            units=[
                {"unit": n, "observed": SEEN} for n in range(1, opened.sample_size + 1)
            ],
        )
        inspection.inspection_complete(principal=inspector, inspection_id=opened.pk)
        inspection.certificate_issue(item_id=item.pk)
    app.conf.task_always_eager = False
    log(f"{lots} certified lots of {LOT_SIZE} units")


class Receiver:
    """The platform's webhook receiver, on loopback: verifies every request's
    Standard Webhooks signature and counts the events it carries (one, or an
    array of them when the endpoint takes batched delivery)."""

    def __init__(self, secret: str):
        from fulfilment.webhooks import webhook_verify

        self.count = 0
        self.requests = 0
        self.refused = 0
        self.ids: set[str] = set()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers["content-length"]))
                try:
                    webhook_verify(secret=secret, headers=dict(self.headers), body=body)
                    events = json.loads(body)
                except Exception:
                    with receiver.lock:
                        receiver.refused += 1
                    self.send_response(400)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                events = events if isinstance(events, list) else [events]
                with receiver.lock:
                    receiver.requests += 1
                    receiver.count += len(events)
                    receiver.ids.update(
                        e.get("id") or self.headers["webhook-id"] for e in events
                    )
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def order_body(order_id: str, n: int) -> dict:
    """One platform order for one unit of the burst's SKU."""
    return {
        "order_id": order_id,
        "merchant": "GLOWLAB",
        "warehouse": "GZ",
        "carrier": ("zto", "yto", "yunda", "jt", "sf")[n % 5],
        "promise": "same_day" if n % 2 else "within_24h",
        "buyer": {
            "name": "王小明",
            "phone": f"138{n:08d}",
            "province": "广东省",
            "city": "深圳市",
            "address": f"南山区科技园路 {n} 号",
        },
        "lines": [{"sku": SKU, "quantity": 1}],
    }


def _post(conn, path: str, body, headers: dict) -> tuple[int, bytes]:
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def _platform_headers(tokens: dict) -> dict:
    return {
        "Authorization": f"Token {tokens['platform']}",
        "Content-Type": "application/json",
    }


def batch_push(conn, tokens: dict, prefix: str, numbers, failures: list) -> list[str]:
    """One ``POST /api/v1/orders/batch/``; the ids of the orders it created."""
    import uuid

    body = json.dumps({"orders": [order_body(f"{prefix}-{n:06d}", n) for n in numbers]})
    headers = {**_platform_headers(tokens), "Idempotency-Key": str(uuid.uuid4())}
    status, answer = _post(conn, "/api/v1/orders/batch/", body, headers)
    if status != 200:
        failures.append(("batch", status, answer[:200]))
        return []
    created = []
    for result in json.loads(answer)["results"]:
        if result["status"] == "created":
            created.append(result["order_id"])
        else:
            failures.append(("batch", result["status"], json.dumps(result)[:200]))
    return created


def client(port: int, tokens: dict, orders: int, out, batch: int = BATCH) -> None:
    """The load generator (its own process). The platform pushes the orders in
    batches from two connections, as a livestream's peak arrives; as each
    batch is answered, its orders go to the dock, where every dock station
    (two packers each) packs them one parcel at a time."""
    import http.client
    import queue

    failures: list = []
    packable: queue.Queue = queue.Queue()
    chunks = [range(s, min(s + batch, orders)) for s in range(0, orders, batch)]

    def push(mine):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        for numbers in mine:
            for order_id in batch_push(conn, tokens, "BURST", numbers, failures):
                packable.put(order_id)
        conn.close()

    def pack(token):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Authorization": f"Token {token}"}
        while (order_id := packable.get()) is not None:
            path = f"/api/v1/orders/{order_id}/pack/"
            status, answer = _post(conn, path, None, headers)
            if status != 200:
                failures.append((path, status, answer[:200]))
        conn.close()

    pushers = [
        threading.Thread(target=push, args=(chunks[i::PLATFORM_CONNECTIONS],))
        for i in range(PLATFORM_CONNECTIONS)
    ]
    packers = [
        threading.Thread(target=pack, args=(token,))
        for token in tokens["docks"]
        for _ in range(PACKERS_PER_STATION)
    ]
    for thread in pushers + packers:
        thread.start()
    for thread in pushers:
        thread.join()
    for _ in packers:
        packable.put(None)
    for thread in packers:
        thread.join()
    out.put((failures, time.process_time()))


def intake_client(port: int, tokens: dict, orders: int, mode: str, out) -> None:
    """Orders only, no packing: ``single`` posts each to ``/api/v1/orders/``
    from four connections; ``batch`` pushes them in batches of 500."""
    import http.client

    failures: list = []

    def run(numbers):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        if mode == "batch":
            batch_push(conn, tokens, "BATCHED", numbers, failures)
        else:
            for n in numbers:
                body = json.dumps(order_body(f"SINGLE-{n:06d}", n))
                status, answer = _post(
                    conn, "/api/v1/orders/", body, _platform_headers(tokens)
                )
                if status != 201:
                    failures.append(("single", status, answer[:200]))
        conn.close()

    if mode == "batch":
        parts = [range(s, min(s + BATCH, orders)) for s in range(0, orders, BATCH)]
    else:
        parts = [range(t, orders, 4) for t in range(4)]
    threads = [threading.Thread(target=run, args=(part,)) for part in parts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put((failures, time.process_time()))


def docks_seed(count: int) -> list[str]:
    """Tokens of ``count`` dock stations at GZ (the demo has one)."""
    from rest_framework.authtoken.models import Token

    from warehouse.demo import demo_user as _user
    from warehouse.models import Station, Warehouse

    warehouse = Warehouse.objects.get(code="GZ")
    tokens = []
    for n in range(1, count + 1):
        code = f"GZ-DOCK-{n:02d}"
        station = Station.objects.filter(code=code).first()
        if station is None:
            station = Station.objects.create(
                code=code,
                name=f"GZ dock {n}",
                name_zh=f"GZ 发货台 {n}",
                warehouse=warehouse,
                kind=Station.Kind.DOCK,
                user=_user(f"station-{code.lower()}"),
            )
        tokens.append(Token.objects.get_or_create(user=station.user)[0].key)
    return tokens


# The CPU figures count what this benchmark started and nothing else
# (bench/cpu.py): gunicorn's session and the Celery worker's (each started in
# a session of its own, children that exited included through their parents),
# the PostgreSQL backends of their connections (told apart by
# application_name, read every 0.5 s so a backend that exits mid-run is
# counted up to its last reading), the load generator and this process. Redis
# and the PostgreSQL server's own processes are shared with whoever else uses
# the machine: not counted.


def worker_start(
    env: dict,
    log_path: Path,
    options: tuple[str, ...] = (
        "--concurrency=2",
        "-Q",
        "default,labels,notifications",
    ),
    name: str = "burst",
) -> subprocess.Popen:
    """A real Celery worker in a session of its own, logging to ``log_path``."""
    with log_path.open("wb") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                *options,
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"{name}-{os.getpid()}@localhost",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _cpu_meter(env: dict, sessions: dict, apps: tuple[str, ...]):
    """Start counting the CPU of ``sessions`` and of the PostgreSQL backends
    of ``apps``; the function returned stops and answers seconds per group."""
    meter_url = database_url(env["DATABASE_URL"], METER_APP)
    meter = BackendMeter(lambda: psycopg.connect(meter_url, autocommit=True), apps)
    before = {name: session_cpu(sid) for name, sid in sessions.items()}
    meter.start()

    def stop() -> dict[str, float]:
        cpu = {name: session_cpu(sid) - before[name] for name, sid in sessions.items()}
        used = meter.stop()
        for app in apps:
            cpu[GROUP_OF_APP[app]] = used.get(app, 0.0)
        return cpu

    return stop


GROUP_OF_APP = {
    WEB_APP: "postgres (web's backends)",
    WORKER_APP: "postgres (worker's backends)",
}


def _run_client(target, args) -> tuple[list, float]:
    queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=target, args=(*args, queue))
    process.start()
    failures, cpu = queue.get()
    process.join()
    return failures, cpu


def intake_compare(server, env: dict, tokens: dict) -> dict[str, float]:
    """CPU-ms per order of taking orders in (gunicorn and its backends), by
    the single-order endpoint and by the batch endpoint, ``COMPARE`` orders
    each, no packing (run after the burst, not timed)."""
    figures = {}
    for mode in ("single", "batch"):
        stop = _cpu_meter(env, {"web": server.proc.pid}, (WEB_APP,))
        failures, _cpu = _run_client(
            intake_client, (server.port, tokens, COMPARE, mode)
        )
        cpu = stop()
        if failures:
            log(f"intake ({mode}): {len(failures)} failures {failures[:3]}")
        figures[mode] = 1000 * sum(cpu.values()) / COMPARE
        log(f"intake ({mode}): {figures[mode]:.2f} CPU-ms per order")
    return figures


def bench_burst(
    server_factory, env: dict, tokens: dict, orders: int, work: Path
) -> list[dict]:
    from django.conf import settings
    from django.db.models import Max, Sum

    from fulfilment.models import (
        Allocation,
        Order,
        Shipment,
        StockLot,
        WebhookEndpoint,
        WebhookMessage,
    )
    from warehouse.models import Job, PlatformAccount

    stock_seed(orders + 2 * COMPARE)
    tokens = {**tokens, "docks": docks_seed(DOCK_STATIONS)}
    receiver = Receiver(SECRET)
    # The platform's endpoint takes batched delivery (an array per request).
    # The demo world has its own (paused) endpoint and jobs it leaves for a
    # worker: the checks look at this run's endpoint and jobs only.
    endpoint = WebhookEndpoint.objects.create(
        platform=PlatformAccount.objects.get(),
        url=receiver.url,
        secrets=[SECRET],
        batched=True,
    )
    media = work / "media"
    shutil.rmtree(media, ignore_errors=True)  # an earlier run's labels
    env = {**env, "MEDIA_ROOT": str(media), "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true"}
    os.environ.update(env)
    settings.MEDIA_ROOT = media
    server = server_factory(env)
    server.start()
    worker_env = {**env, "DATABASE_URL": database_url(env["DATABASE_URL"], WORKER_APP)}
    celery = worker_start(worker_env, work / "burst-worker.log")
    burst = Shipment.objects.filter(order__external_id__startswith="BURST-")
    messages = WebhookMessage.objects.filter(endpoint=endpoint)
    jobs = Job.objects.filter(pk__gt=Job.objects.aggregate(n=Max("pk"))["n"] or 0)
    try:
        time.sleep(3)  # the worker connects
        sessions = {"web (gunicorn)": server.proc.pid, "worker (celery)": celery.pid}
        stop = _cpu_meter(env, sessions, (WEB_APP, WORKER_APP))
        self_before = time.process_time()
        started = time.monotonic()
        failures, client_cpu = _run_client(client, (server.port, tokens, orders))
        sent = time.monotonic() - started
        log(
            f"{orders} orders accepted and packed in {sent:.1f} s; "
            f"{len(failures)} failures {failures[:3]}"
        )
        labelled = 0
        while time.monotonic() - started < 600:
            labelled = burst.filter(status="labelled").count()
            if labelled >= orders:
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        log(f"{labelled} labelled after {elapsed:.1f} s")
        while (
            messages.filter(state="pending").exists()
            and time.monotonic() - started < 600
        ):
            time.sleep(0.5)
        notified = time.monotonic() - started
        cpu = stop()
        cpu["load generator"] = client_cpu
        cpu["bench (receiver)"] = time.process_time() - self_before
        log("CPU seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items()))
        intake = intake_compare(server, env, tokens)
        while (
            messages.filter(state="pending").exists()
            and time.monotonic() - started < 900
        ):
            time.sleep(0.5)
    finally:
        celery.terminate()
        celery.wait(timeout=30)
        server.stop()
        receiver.server.shutdown()

    shipments = burst.filter(status="labelled")
    taken = orders + 2 * COMPARE
    ours = Allocation.objects.filter(line__sku=SKU, cancelled_at=None)
    delivered = messages.filter(state="delivered").count()
    checks = {
        "orders allocated": (
            Order.objects.filter(
                status="packed", external_id__startswith="BURST-"
            ).count()
            == orders
        ),
        "units allocated once": (
            ours.aggregate(n=Sum("quantity"))["n"] == taken
            and ours.values("line_id").distinct().count() == taken
            and all(lot.allocated <= lot.quantity for lot in StockLot.objects.all())
        ),
        "one tracking number each": (
            shipments.values("tracking_number").distinct().count() == orders
        ),
        "one label file each": len(list((media / "labels").rglob("*.pdf"))) == orders,
        "every job done": not jobs.exclude(state="done").exists(),
        "no request failed": not failures,
        "every webhook received and verified": (
            not messages.exclude(state="delivered").exists()
            and receiver.count == delivered == len(receiver.ids)
            and not receiver.refused
        ),
    }
    problems = [name for name, ok in checks.items() if not ok]
    per_order = {k: 1000 * v / orders for k, v in cpu.items()}
    return [
        {
            "figure": f"order burst: {orders:,} orders pushed in batches of {BATCH}, "
            f"allocated, packed at {DOCK_STATIONS} dock stations, booked and "
            "labelled (PDF, ZPL) by a real worker",
            "bar": f"< {BAR_SECONDS:.0f} s",
            "measured": f"{elapsed:.1f} s ({orders / elapsed:.0f} orders/s; "
            f"all accepted and packed at {sent:.1f} s)"
            + (f"; FAILED CHECKS: {', '.join(problems)}" if problems else ""),
            "pass": elapsed < BAR_SECONDS and not problems,
            "detail": {
                "cpu_s": {k: round(v, 1) for k, v in cpu.items()},
                "cpu_ms_per_order": {k: round(v, 2) for k, v in per_order.items()},
                "intake_cpu_ms_per_order": {k: round(v, 2) for k, v in intake.items()},
            },
        },
        *(
            {
                "figure": f"  ... CPU-ms per order: {group}",
                "bar": "-",
                "measured": f"{ms:.2f} ms ({cpu[group]:.1f} s)",
                "pass": True,
            }
            for group, ms in per_order.items()
        ),
        {
            "figure": f"  ... CPU-ms per order: {sum(per_order.values()):.1f} in all",
            "bar": "-",
            "measured": "",
            "pass": True,
        },
        {
            "figure": "  ... intake alone (web and its backends), CPU-ms per order",
            "bar": "-",
            "measured": f"batch endpoint {intake['batch']:.2f} ms; single-order "
            f"endpoint {intake['single']:.2f} ms ({COMPARE:,} orders each)",
            "pass": True,
        },
        {
            "figure": "  ... and every webhook delivered (Standard Webhooks)",
            "bar": "-",
            "measured": f"{notified:.1f} s, {delivered:,} messages, "
            f"{receiver.count:,} events verified in {receiver.requests:,} requests",
            "pass": checks["every webhook received and verified"],
        },
    ]
