"""An order burst (爆单): 10,000 orders for certified stock, end to end.

    python bench/run.py --only burst [--orders 10000]

Set-up (not timed): certified lots of one cosmetics SKU, inspected by sample
and certified through the product's services; a webhook endpoint on a local
receiver, so every event is also delivered. Timed: a second process sends the
orders to gunicorn over HTTP (``POST /api/v1/orders/``, allocated in the
order's own transaction) and, as each is answered, packs it as a dock station
would (``POST /api/v1/orders/{id}/pack/``); a real Celery worker (prefork, 2
processes, on Redis) books every parcel with the sandbox carrier and renders
its 4x6 label as PDF and ZPL, and delivers the webhooks. The clock stops when
the last parcel is labelled. Then it checks: every order allocated once, no
lot over-allocated, one distinct tracking number and one label file per
parcel, every job done.
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
    """The platform's webhook receiver, on loopback: counts what arrives."""

    def __init__(self):
        self.count = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers["content-length"]))
                receiver.count += 1
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def client(port: int, tokens: dict, orders: int, threads: int, out) -> None:
    """The load generator (its own process): order, then pack, per thread."""
    import http.client

    per_thread = [range(t, orders, threads) for t in range(threads)]
    failures: list = []

    def run(numbers):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        platform = {
            "Authorization": f"Token {tokens['platform']}",
            "Content-Type": "application/json",
        }
        station = {"Authorization": f"Token {tokens['station']}"}
        for n in numbers:
            order_id = f"BURST-{n:06d}"
            body = json.dumps(
                {
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
            )
            for method, path, payload, headers, want in (
                ("POST", "/api/v1/orders/", body, platform, 201),
                ("POST", f"/api/v1/orders/{order_id}/pack/", None, station, 200),
            ):
                conn.request(method, path, body=payload, headers=headers)
                response = conn.getresponse()
                answer = response.read()
                if response.status != want:
                    failures.append((path, response.status, answer[:200]))
        conn.close()

    workers = [threading.Thread(target=run, args=(r,)) for r in per_thread]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    out.put((failures, time.process_time()))


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


def bench_burst(
    server_factory, env: dict, tokens: dict, orders: int, work: Path
) -> list[dict]:
    from django.conf import settings
    from django.db.models import Sum

    from fulfilment.models import (
        Allocation,
        Order,
        Shipment,
        StockLot,
        WebhookEndpoint,
        WebhookMessage,
    )
    from warehouse.models import Job, PlatformAccount

    stock_seed(orders)
    receiver = Receiver()
    WebhookEndpoint.objects.create(
        platform=PlatformAccount.objects.get(),
        url=receiver.url,
        secrets=["whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
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
    meter_url = database_url(env["DATABASE_URL"], METER_APP)
    backends = BackendMeter(
        lambda: psycopg.connect(meter_url, autocommit=True), (WEB_APP, WORKER_APP)
    )
    try:
        time.sleep(3)  # the worker connects
        sessions = {"web (gunicorn)": server.proc.pid, "worker (celery)": celery.pid}
        cpu_before = {name: session_cpu(sid) for name, sid in sessions.items()}
        backends.start()
        self_before = time.process_time()
        started = time.monotonic()
        queue = multiprocessing.Queue()
        generator = multiprocessing.Process(
            target=client, args=(server.port, tokens, orders, 8, queue)
        )
        generator.start()
        failures, client_cpu = queue.get()
        generator.join()
        sent = time.monotonic() - started
        log(f"client CPU {client_cpu:.1f} s")
        log(
            f"{orders} orders accepted and packed in {sent:.1f} s; "
            f"{len(failures)} failures {failures[:3]}"
        )
        labelled = 0
        while time.monotonic() - started < 600:
            labelled = Shipment.objects.filter(status="labelled").count()
            if labelled >= orders:
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        log(f"{labelled} labelled after {elapsed:.1f} s")
        while (
            WebhookMessage.objects.filter(state="pending").exists()
            and time.monotonic() - started < 600
        ):
            time.sleep(0.5)
        notified = time.monotonic() - started
        cpu = {
            name: session_cpu(sid) - cpu_before[name] for name, sid in sessions.items()
        }
        used = backends.stop()
        cpu["postgres (web's backends)"] = used[WEB_APP]
        cpu["postgres (worker's backends)"] = used[WORKER_APP]
        cpu["load generator"] = client_cpu
        cpu["bench (receiver)"] = time.process_time() - self_before
        log("CPU seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items()))
    finally:
        backends.stop()
        celery.terminate()
        celery.wait(timeout=30)
        server.stop()
        receiver.server.shutdown()

    shipments = Shipment.objects.filter(status="labelled")
    checks = {
        "orders allocated": Order.objects.filter(status="packed").count() == orders,
        "units allocated once": (
            Allocation.objects.aggregate(n=Sum("quantity"))["n"] == orders
            and all(lot.allocated <= lot.quantity for lot in StockLot.objects.all())
        ),
        "one tracking number each": (
            shipments.values("tracking_number").distinct().count() == orders
        ),
        "one label file each": len(list((media / "labels").rglob("*.pdf"))) == orders,
        "every job done": not Job.objects.exclude(state="done").exists(),
        "no request failed": not failures,
    }
    problems = [name for name, ok in checks.items() if not ok]
    delivered = WebhookMessage.objects.filter(state="delivered").count()
    return [
        {
            "figure": f"order burst: {orders:,} orders accepted, allocated, packed "
            "and labelled (real worker)",
            "bar": f"< {BAR_SECONDS:.0f} s",
            "measured": f"{elapsed:.1f} s ({orders / elapsed:.0f} orders/s; "
            f"all accepted and packed at {sent:.1f} s)"
            + (f"; FAILED CHECKS: {', '.join(problems)}" if problems else ""),
            "pass": elapsed < BAR_SECONDS and not problems,
            "detail": {"cpu_s": {k: round(v, 1) for k, v in cpu.items()}},
        },
        {
            "figure": "  ... and every webhook delivered (Standard Webhooks)",
            "bar": "-",
            "measured": f"{notified:.1f} s, {delivered:,} messages, "
            f"{receiver.count:,} received",
            "pass": delivered == receiver.count,
        },
    ]
