"""Run every benchmark, print one table, write ``bench/results/latest.json``.

    python bench/run.py                      # everything, ~25 minutes
    python bench/run.py --only memory        # a worker over 10,000 certificates
    python bench/run.py --only scans --rounds 2
    python bench/run.py --only inbound
    python bench/run.py --only issue         # certificates issued end to end, per core
    python bench/run.py --only transparency  # log proof sizes at 1,000,000 entries

It builds its own world from scratch: drops and re-creates the PostgreSQL
database ``qcw_bench`` (never another; ``BENCH_DATABASE=qcw_bench_<x>`` names
another bench database), migrates, seeds the demo world, flushes Redis db 7
(``BENCH_REDIS_URL``), starts gunicorn (stopped again however the run ends) and
drives it with ``wrk`` (``apt-get install wrk``). ``bench/README.md`` says what
each figure means.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from shutil import which

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cpu import (  # noqa: E402
    WEB_APP,
    backends,
    backends_used,
    database_url,
    session_cpu,
)

BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
WORK = RESULTS / "tmp"
LUA = BENCH / "scan.lua"

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
# Dropped and re-created by every run: only a name of this shape is accepted.
DB_NAME = os.environ.get("BENCH_DATABASE", "qcw_bench")
if not re.fullmatch(r"qcw_bench(_\w+)?", DB_NAME):
    sys.exit(f"BENCH_DATABASE must be qcw_bench or qcw_bench_<suffix>, not {DB_NAME!r}")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")

NOTICE_BAR_S = {10_000: 2.0, 100_000: 20.0}
# DESIGN.md section 8: 2/3 of the ceiling's req/s; 0.8 at 16 clients or more
# (second round: against notices of 20,000 items, 100,000 in all).
SCAN_RATIO_BAR, SCAN_RATIO_BAR_16 = 2 / 3, 0.8
LOOKUP_CODES = 5_000
NOTICE_PATH = "/api/v1/inbound-notices/"
SCAN_PATH = "/api/v1/scans/"
CEILING_PATH = {
    "lookup": "/bench/ceiling/lookup/",
    "receive": "/bench/ceiling/receive/",
}
SUITES = (
    "inbound",
    "scans",
    "queries",
    "certificates",
    "burst",
    "memory",
    "issue",
    "transparency",
)
SERVER_SUITES = {"inbound", "scans", "queries"}
CLK = os.sysconf("SC_CLK_TCK")
SHUFFLE_SEED = 16  # receives and lookups visit the notices in a fixed random order

_T0 = time.monotonic()


def scan_bar(conns: int) -> float:
    return SCAN_RATIO_BAR_16 if conns >= 16 else SCAN_RATIO_BAR


def log(message: str) -> None:
    elapsed = time.monotonic() - _T0
    print(f"[bench {elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)


def server_env(args) -> dict[str, str]:
    """The environment of the server and of this process's Django."""
    return {
        "DATABASE_URL": f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{DB_NAME}",
        "REDIS_URL": REDIS_URL,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        # Demo trust keys (certificate PDFs are signed), made on first use.
        "TRUST_DIR": str(WORK / "trust"),
        "TRUST_DIR_CREATE": "true",
        "THROTTLE_USER": args.throttle_user,
        "LOG_LEVEL": "WARNING",
        "SCAN_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": args.settings,
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    }


# --- World --------------------------------------------------------------------


def pg_connect(dbname: str = "postgres"):
    import psycopg

    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=dbname, autocommit=True
    )


def database_create() -> None:
    """Drop and create ``DB_NAME`` (ours only), flush ``REDIS_URL``'s db, migrate.

    Every suite that needs a fresh world calls this; the drop ends the
    connections an earlier suite left open, this process's own among them, so
    Django lets go of its first (it would otherwise reuse a dead one)."""
    from django.conf import settings

    if settings.configured:
        from django.db import connections

        connections.close_all()
    with pg_connect() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # throttle history, cache

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def world_seed() -> dict:
    """The demo world (warehouses, categories, merchants, stations, tokens)."""
    from django.conf import settings

    # Only this seeding process hashes passwords; the server never does.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from warehouse.demo import demo_seed

    return demo_seed()


def notice_items(count: int, prefix: str) -> list[dict]:
    """``count`` realistic jade rows with distinct serials and order references."""
    return [
        {
            "sku": f"JADE-BANGLE-{i % 400:03d}",
            "title": "和田玉手镯 56mm Hetian nephrite bangle",
            "category": "jewellery-jade",
            "serial": f"{prefix}-{i:07d}",
            "order_ref": f"LS-{prefix}-{i:07d}",
            "claim": {
                "material": "nephrite jade",
                "weight_g": "52.31",
                "declared_value": "3880.00",
            },
        }
        for i in range(count)
    ]


def items_seed(count: int, prefix: str, batch: int = 20_000) -> list[str]:
    """Announce ``count`` items through the notice service, in-process."""
    from django.contrib.auth import get_user_model

    from warehouse.services import inbound_notice_create

    user = get_user_model().objects.get(username="merchant")
    merchant = user.merchant_membership.merchant
    codes: list[str] = []
    for start in range(0, count, batch):
        size = min(batch, count - start)
        notice = inbound_notice_create(
            merchant=merchant,
            warehouse_code="GZ",
            reference=f"{prefix}-{start}",
            items=notice_items(size, f"{prefix}{start}"),
            actor=user,
        )
        codes.extend(row["code"] for row in notice.created_rows)
    return codes


def statistics_refresh() -> None:
    """ANALYZE, as autovacuum does after a bulk insert (this machine runs
    without it): the planner then knows each notice holds a fifth of the items,
    all announced; the statistics that once made the receive's notice check a
    sequential scan."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- Server -------------------------------------------------------------------


class Server:
    """gunicorn serving ``bench.settings`` (the product plus the ceiling views)."""

    def __init__(self, args, env: dict[str, str]):
        self.args = args
        self.env = {**os.environ, **env}
        # Its backends are told from everyone else's by this name (CpuMeter).
        self.env["DATABASE_URL"] = database_url(env["DATABASE_URL"], WEB_APP)
        self.port = _free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = RESULTS / "gunicorn.log"

    @property
    def command(self) -> list[str]:
        args = self.args
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--worker-class",
            args.worker_class,
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--backlog",
            "2048",
            "--timeout",
            "300",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
        ]

    def start(self) -> None:
        with self.log_path.open("wb") as out:
            # Its own session: stop() ends exactly this process group.
            self.proc = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited ({self.proc.returncode}); see {self.log_path}"
                )
            try:
                status, _ = self.request("GET", CEILING_PATH["lookup"], timeout=2)
            except OSError:
                time.sleep(0.2)
                continue
            if status in (401, 403, 405):
                return
            raise RuntimeError(f"unexpected status {status} from a fresh server")
        raise RuntimeError("gunicorn did not answer within 60 s")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def request(self, method, path, body=None, headers=None, timeout=600):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- CPU accounting -----------------------------------------------------------
# Other people's work shares these 2 cores. Who used the CPU during a run is
# read from /proc (bench/cpu.py): gunicorn's session (master, workers, and any
# worker that exited, through its master), the PostgreSQL backends of its
# connections (application_name WEB_APP), wrk, and everything else ("others").
# CPU per request of the server (gunicorn + its backends) hardly depends on
# that noise.


class CpuMeter:
    def __init__(self, server: Server):
        self.server = server
        self.pg = pg_connect()

    def close(self) -> None:
        self.pg.close()

    def snapshot(self) -> dict:
        session = self.server.proc.pid if self.server.proc else -1
        ticks = [int(v) for v in Path("/proc/stat").read_text().split()[1:9]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = ticks
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        me = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "at": time.monotonic(),
            "busy": (user + nice + system + irq + softirq) / CLK,
            "steal": steal / CLK,
            "gunicorn": session_cpu(session),
            "postgres": backends(self.pg, [WEB_APP]),
            "children": children.ru_utime + children.ru_stime,
            "self": me.ru_utime + me.ru_stime,
        }

    @staticmethod
    def delta(before: dict, after: dict) -> dict:
        postgres = backends_used(before["postgres"], after["postgres"])
        used = {
            "gunicorn": after["gunicorn"] - before["gunicorn"],
            "postgres": postgres.get(WEB_APP, 0.0),
            "wrk": after["children"] - before["children"],
            "runner": after["self"] - before["self"],
        }
        busy = after["busy"] - before["busy"]
        used["others"] = max(0.0, busy - sum(used.values()))
        used["steal"] = after["steal"] - before["steal"]
        used["wall"] = after["at"] - before["at"]
        return {k: round(v, 2) for k, v in used.items()}


# --- Inbound notices ----------------------------------------------------------


def bench_inbound(server: Server, token: str, sizes, repeat: int) -> tuple[list, list]:
    """POST notices of each size over HTTP; time request to last response byte."""
    headers = {
        "Authorization": f"Token {token}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    }
    # Warm every worker's code path with small notices first.
    for i in range(2 * server.args.workers):
        body = {"reference": f"WARM-{i}", "warehouse": "GZ"}
        body["items"] = notice_items(5, f"W{i}")
        server.request("POST", NOTICE_PATH, json.dumps(body).encode(), headers)
    rows, codes = [], []
    for size in sizes:
        runs = repeat if size <= 20_000 else 1
        samples, problems, mib = [], [], 0.0
        bar = NOTICE_BAR_S.get(size, size / 5000)
        limit = max(10.0, 3 * bar)
        for run in range(runs):
            prefix = f"N{size}R{run}"
            body = json.dumps(
                {
                    "reference": f"BENCH-{prefix}",
                    "warehouse": "GZ",
                    "carrier": "sf",
                    "tracking_number": "SF1234567890123",
                    "items": notice_items(size, prefix),
                },
                ensure_ascii=False,
            ).encode()
            mib = len(body) / 2**20
            load = os.getloadavg()[0]
            started = time.perf_counter()
            try:
                status, answer = server.request(
                    "POST", NOTICE_PATH, body, headers, timeout=limit
                )
            except TimeoutError:
                # Bounded: give up, and restart the server the request still holds.
                samples.append(time.perf_counter() - started)
                problems.append(f"no answer within {limit:g} s")
                log(f"inbound {size:,} items: no answer in {limit:g} s; restarting")
                server.stop()
                server.start()
                break
            elapsed = time.perf_counter() - started
            samples.append(elapsed)
            log(f"inbound {size:,} items: {elapsed:.2f} s, HTTP {status}, load {load}")
            if status != 201:
                problems.append(f"HTTP {status}: {answer[:300]!r}")
                break
            items = json.loads(answer)["items"]
            if len(items) != size:
                problems.append(f"answered {len(items)} items, sent {size}")
            codes.extend(item["code"] for item in items)
            if elapsed > 2 * bar:
                break  # clearly over the bar: spare the repeats
        measured = statistics.median(samples)
        rows.append(
            {
                "figure": f"inbound notice, {size:,} items (POST, end to end)",
                "bar": f"< {bar:g} s",
                "measured": f"{measured:.2f} s"
                + (f" (median of {len(samples)})" if len(samples) > 1 else ""),
                "pass": not problems and measured < bar,
                "detail": {
                    "items": size,
                    "body_mib": round(mib, 1),
                    "samples_s": [round(s, 3) for s in samples],
                    "items_per_s": round(size / measured),
                    "problems": problems,
                },
            }
        )
    return rows, codes


# --- Scans --------------------------------------------------------------------


class CodePool:
    """Announced item codes, each handed out once (receives are not repeatable),
    in a fixed random order: consecutive scans hit every notice and any line,
    as stations working through several shipments do. When it runs short,
    further notices of ``notice_items`` are announced (not timed)."""

    def __init__(self, codes: list[str], notice_items: int = 20_000):
        self.codes = _shuffled(codes, SHUFFLE_SEED)
        self.notice_items = notice_items
        self.next = 0
        self.seeded = 0

    def take(self, count: int) -> list[str]:
        missing = self.next + count - len(self.codes)
        if missing > 0:
            missing = max(missing, self.notice_items)
            log(f"seeding {missing:,} more announced items")
            self.seeded += 1
            codes = items_seed(missing, f"POOL{self.seeded}", self.notice_items)
            self.codes.extend(_shuffled(codes, SHUFFLE_SEED + self.seeded))
            statistics_refresh()
        taken = self.codes[self.next : self.next + count]
        self.next += count
        return taken


def _shuffled(codes: list[str], seed: int) -> list[str]:
    codes = list(codes)
    random.Random(seed).shuffle(codes)
    return codes


def scan_pool(items: int, notice_items: int) -> CodePool:
    """The scans' world: ``items`` announced in notices of ``notice_items``
    through the notice service (COPY), then fresh statistics."""
    started = time.monotonic()
    codes = items_seed(items, "SCAN", notice_items)
    statistics_refresh()
    log(
        f"announced {len(codes):,} items in notices of {notice_items:,} "
        f"for the scans in {time.monotonic() - started:.1f} s"
    )
    return CodePool(codes, notice_items)


def wrk(server, path, codes_file, token, action, mode, conns, seconds) -> dict:
    threads = min(conns, 2)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{conns}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        server.url(path),
        "--",
        str(codes_file),
        token,
        action,
        mode,
        str(threads),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    for line in done.stdout.splitlines():
        if line.startswith("BENCHJSON "):
            result = json.loads(line.removeprefix("BENCHJSON "))
            result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
            return result
    raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")


def write_codes(name: str, codes: list[str]) -> Path:
    path = WORK / f"{name}.txt"
    path.write_text("\n".join(codes) + "\n")
    return path


class ScanBench:
    def __init__(self, server, meter, pool, token, args):
        self.server, self.meter, self.pool = server, meter, pool
        self.token, self.args = token, args
        self.lookup_file = write_codes("lookup", pool.take(LOOKUP_CODES))
        self.fastest: dict[tuple, float] = {}  # req/s seen per action, clients

    def receive_budget(self, conns: int, seconds: int) -> int:
        """Distinct items for one receive run: 2.5 x the fastest rate seen."""
        rate = max(self.fastest.get(("receive", conns), 0.0), self.args.min_rate)
        return int(2.5 * rate * seconds) + 200

    def pair(self, action: str, conns: int) -> tuple[dict, dict]:
        """The ceiling and the product at ``conns`` clients: both warmed up,
        then measured in turn ``--rounds`` times each, in the order ceiling,
        product, product, ceiling, ...: what others take of the machine drifts
        during a pair, and that order lets the drift weigh on both alike."""
        targets = ("ceiling", "product")
        if self.args.warmup > 0:
            for target in targets:
                self.once(target, action, conns, self.args.warmup, "warmup")
        runs: dict[str, list[dict]] = {target: [] for target in targets}
        for n in range(self.args.rounds):
            for target in targets if n % 2 == 0 else targets[::-1]:
                result = self.once(target, action, conns, self.args.duration, f"m{n}")
                runs[target].append(result)
        return combined(runs["ceiling"]), combined(runs["product"])

    def once(self, target, action, conns, seconds, phase) -> dict:
        """One wrk run against one endpoint at ``conns`` concurrent clients."""
        path = CEILING_PATH[action] if target == "ceiling" else SCAN_PATH
        codes = None
        if action == "lookup":
            codes_file, mode = self.lookup_file, "cycle"
        else:
            codes = self.pool.take(self.receive_budget(conns, seconds))
            codes_file = write_codes(f"{target}-{action}-{conns}-{phase}", codes)
            mode = "once"
        load = os.getloadavg()[0]
        before = self.meter.snapshot()
        result = wrk(
            self.server, path, codes_file, self.token, action, mode, conns, seconds
        )
        result["cpu_s"] = self.meter.delta(before, self.meter.snapshot())
        result["load_before"] = load
        if codes is not None:
            result["db_check"] = receive_check(codes, result)
        key = (action, conns)
        self.fastest[key] = max(self.fastest.get(key, 0.0), result["rps"])
        result["server_cpu_ms_per_req"] = _server_cpu_ms(result)
        cpu, latency = result["cpu_s"], result["latency_us"]
        log(
            f"{target:7} {action:7} c={conns:<2} {phase:6} {result['rps']:6.0f} req/s "
            f"p50 {latency['p50'] / 1000:6.1f} ms p99 {latency['p99'] / 1000:6.1f} ms "
            f"server CPU {result['server_cpu_ms_per_req']:5.2f} ms/req "
            f"(others used {cpu['others']:.1f} of {2 * cpu['wall']:.0f} core-s) "
            f"non-2xx {result['non2xx']}"
            + (
                f" first: {result['first_error'][:200]}"
                if result["first_error"]
                else ""
            )
        )
        return result


def _server_cpu_ms(result: dict) -> float:
    cpu = result["cpu_s"]
    return round(
        1000 * (cpu["gunicorn"] + cpu["postgres"]) / (result["requests"] or 1), 2
    )


def combined(runs: list[dict]) -> dict:
    """Measured runs of one endpoint as one: requests, time, errors and CPU
    summed; p50 the median of the runs', p90/p99/max the worst; each run's
    req/s kept in ``runs``."""
    total = {k: sum(r[k] for r in runs) for k in ("requests", "duration_us")}
    total.update({k: sum(r[k] for r in runs) for k in ("non2xx", "exhausted")})
    latencies = [r["latency_us"] for r in runs]
    result = {
        **total,
        "rps": total["requests"] / (total["duration_us"] / 1e6),
        "errors": {k: sum(r["errors"][k] for r in runs) for k in runs[0]["errors"]},
        "latency_us": {
            "p50": statistics.median(lat["p50"] for lat in latencies),
            **{k: max(lat[k] for lat in latencies) for k in ("p90", "p99", "max")},
            "mean": round(
                sum(r["latency_us"]["mean"] * r["requests"] for r in runs)
                / max(total["requests"], 1),
                1,
            ),
        },
        "first_error": next((r["first_error"] for r in runs if r["first_error"]), ""),
        "cpu_s": {
            k: round(sum(r["cpu_s"][k] for r in runs), 2) for k in runs[0]["cpu_s"]
        },
        "runs": [
            {
                "rps": round(r["rps"], 1),
                "cpu_s": r["cpu_s"],
                "load_before": r["load_before"],
            }
            for r in runs
        ],
    }
    checks = [r["db_check"] for r in runs if "db_check" in r]
    if checks:
        result["db_check"] = {
            "consistent": all(check["consistent"] for check in checks),
            "runs": checks,
        }
    result["server_cpu_ms_per_req"] = _server_cpu_ms(result)
    return result


def receive_check(codes: list[str], result: dict) -> dict:
    """Each 2xx receive moved exactly one item and wrote exactly one event."""
    from django.db import connection, transaction

    from warehouse.models import Item, ItemEvent, ItemState

    received = Item.objects.filter(code__in=codes, state=ItemState.RECEIVED)
    events = ItemEvent.objects.filter(item__code__in=codes, to_state=ItemState.RECEIVED)
    # Requests in flight when wrk stopped still finish: wait for quiet first.
    last, deadline = -1, time.monotonic() + 10
    while (count := received.count()) != last and time.monotonic() < deadline:
        last = count
        time.sleep(0.5)
    with transaction.atomic():  # one snapshot for all three counts
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        counts = {
            "received": received.count(),
            "events": events.count(),
            "items_with_events": events.values("item_id").distinct().count(),
        }
    ok = result["requests"] - result["non2xx"]
    # Served but uncounted: answers still in flight when wrk stopped.
    uncounted = counts["received"] - ok
    return {
        **counts,
        "ok_responses": ok,
        "consistent": counts["received"]
        == counts["events"]
        == counts["items_with_events"]
        and 0 <= uncounted <= 64,
    }


def _problems(result: dict) -> list[str]:
    problems = []
    if result["non2xx"]:
        problems.append(f"{result['non2xx']} non-2xx ({result['first_error'][:120]})")
    errors = {k: v for k, v in result["errors"].items() if v and k != "status"}
    if errors:
        problems.append(f"socket errors {errors}")
    if result["exhausted"]:
        problems.append("ran out of announced items: raise --min-rate")
    check = result.get("db_check")
    if check and not check["consistent"]:
        problems.append(f"database disagrees with the answers: {check}")
    return problems


def _figure(result: dict) -> str:
    latency = result["latency_us"]
    return (
        f"{result['rps']:.0f} req/s, p50 {latency['p50'] / 1000:.1f} ms, "
        f"p99 {latency['p99'] / 1000:.1f} ms, "
        f"{result['server_cpu_ms_per_req']:.2f} CPU-ms/req"
    )


def bench_scans(server, tokens, pool, args) -> list[dict]:
    meter = CpuMeter(server)
    bench = ScanBench(server, meter, pool, tokens["station"], args)
    rows = []
    try:
        for conns in args.concurrency:
            for action in ("lookup", "receive"):
                ceiling, product = bench.pair(action, conns)
                rows += _scan_rows(action, conns, ceiling, product)
    finally:
        meter.close()
    return rows


def _scan_rows(action, conns, ceiling, product) -> list[dict]:
    ceiling_problems, product_problems = _problems(ceiling), _problems(product)
    ratio = product["rps"] / ceiling["rps"] if ceiling["rps"] else 0.0
    cpu_ratio = ceiling["server_cpu_ms_per_req"] / max(
        product["server_cpu_ms_per_req"], 1e-9
    )
    return [
        {
            "figure": f"ceiling {action}, {conns} clients (bare DRF view)",
            "bar": "no errors",
            "measured": _figure(ceiling),
            "pass": not ceiling_problems,
            "detail": {**ceiling, "problems": ceiling_problems},
        },
        {
            "figure": f"scan {action}, {conns} clients (POST {SCAN_PATH})",
            "bar": f"req/s >= {scan_bar(conns):.2f} x ceiling",
            "measured": f"{_figure(product)}; {ratio:.2f} x (CPU {cpu_ratio:.2f} x)",
            "pass": not product_problems
            and not ceiling_problems
            and ratio >= scan_bar(conns),
            "detail": {
                **product,
                "ratio": round(ratio, 3),
                "cpu_ratio": round(cpu_ratio, 3),
                "problems": product_problems,
            },
        },
    ]


# --- Queries per request ------------------------------------------------------


def bench_queries(tokens, pool) -> list[dict]:
    """SQL statements per request, counted in-process (Django test client)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    client = APIClient(SERVER_NAME="127.0.0.1")
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens['station']}")
    lookup_code, fresh = pool.take(1)[0], pool.take(4)
    rows = []
    for target, action in [
        ("ceiling", "lookup"),
        ("product", "lookup"),
        ("ceiling", "receive"),
        ("product", "receive"),
    ]:
        path = CEILING_PATH[action] if target == "ceiling" else SCAN_PATH
        # The first request of a kind warms up (imports, caches); count the second.
        for _ in range(2):
            code = fresh.pop() if action == "receive" else lookup_code
            with CaptureQueriesContext(connection) as queries:
                response = client.post(
                    path, {"barcode": code, "action": action}, format="json"
                )
        statements = [q["sql"] for q in queries.captured_queries]
        rows.append(
            {
                "figure": f"SQL statements per {target} {action}",
                "bar": "info",
                "measured": str(len(statements)),
                "pass": response.status_code == 200,
                "detail": {"status": response.status_code, "sql": statements},
            }
        )
    return rows


# --- Report -------------------------------------------------------------------


def table(rows: list[dict]) -> str:
    head = ("figure", "bar", "measured", "result")
    lines = [
        (row["figure"], row["bar"], row["measured"], "pass" if row["pass"] else "FAIL")
        for row in rows
    ]
    widths = [max(len(r[i]) for r in [head, *lines]) for i in range(4)]

    def fmt(r):
        return "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()

    return "\n".join([fmt(head), fmt(["-" * w for w in widths]), *map(fmt, lines)])


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only", default=",".join(SUITES), help=f"comma list of {', '.join(SUITES)}"
    )
    parser.add_argument("--duration", type=int, default=5, help="seconds per scan run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds before each")
    parser.add_argument(
        "--rounds",
        type=int,
        default=4,
        help="measured scan runs per endpoint, ceiling and product in turn (ABBA)",
    )
    parser.add_argument("--concurrency", default="4,16", help="clients, comma list")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker")
    parser.add_argument("--throttle-user", default="100000000/hour")
    parser.add_argument(
        "--settings",
        default="bench.settings",
        help="settings module of the server (what-if experiments)",
    )
    parser.add_argument("--notice-sizes", default="10000,100000", help="comma list")
    parser.add_argument(
        "--scan-items",
        type=int,
        default=100_000,
        help="items announced for the scans (in notices of --scan-notice-items)",
    )
    parser.add_argument("--scan-notice-items", type=int, default=20_000)
    parser.add_argument(
        "--certificates", type=int, default=500, help="PDFs to render for the bar"
    )
    parser.add_argument("--notice-repeat", type=int, default=3, help="for <= 20,000")
    parser.add_argument("--orders", type=int, default=10_000, help="order burst size")
    parser.add_argument(
        "--memory-items",
        type=int,
        default=10_000,
        help="certificates the worker issues in the memory run",
    )
    parser.add_argument(
        "--memory-timeout",
        type=float,
        default=1800,
        help="seconds the worker gets for them before the row fails",
    )
    parser.add_argument(
        "--issue-items",
        type=int,
        default=1_000,
        help="certificates the worker issues end to end in the issue run",
    )
    parser.add_argument(
        "--issue-timeout",
        type=float,
        default=900,
        help="seconds the worker gets for them before the row fails",
    )
    parser.add_argument(
        "--min-rate",
        type=float,
        default=400,
        help="req/s to provision distinct receive items for before any rate is seen",
    )
    args = parser.parse_args(argv)
    args.only = {s.strip() for s in args.only.split(",") if s.strip()}
    if unknown := args.only - set(SUITES):
        parser.error(f"unknown suite(s): {', '.join(sorted(unknown))}")
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    args.notice_sizes = [int(s) for s in args.notice_sizes.split(",") if s]
    if "scans" in args.only and which("wrk") is None:
        parser.error("wrk not found: apt-get install -y wrk")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    WORK.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT))
    env = server_env(args)
    os.environ.update(env)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    load_start = os.getloadavg()

    rows: list[dict] = []
    server = None
    if args.only & SERVER_SUITES:
        log(f"creating database {DB_NAME}; load average {load_start}")
        database_create()
        tokens = world_seed()["tokens"]
        server = Server(args, env)
        pool = CodePool([], args.scan_notice_items)
        try:
            log(
                f"starting gunicorn: {args.worker_class}, {args.workers} workers, "
                f"{args.threads} threads"
            )
            server.start()
            if "inbound" in args.only:
                inbound_rows, codes = bench_inbound(
                    server, tokens["merchant"], args.notice_sizes, args.notice_repeat
                )
                rows += inbound_rows
                pool = CodePool(codes, args.scan_notice_items)
            if "scans" in args.only:
                pool = scan_pool(args.scan_items, args.scan_notice_items)
                rows += bench_scans(server, tokens, pool, args)
        finally:
            server.stop()
        if "queries" in args.only:
            rows += bench_queries(tokens, pool)
    if "burst" in args.only:
        from bench.burst import bench_burst

        log(f"order burst of {args.orders:,}: fresh database {DB_NAME}")
        database_create()
        tokens = world_seed()["tokens"]
        rows += bench_burst(
            lambda env: Server(args, env), env, tokens, args.orders, WORK
        )
    if "memory" in args.only:
        from bench.worker_memory import bench_memory

        log(f"worker memory over {args.memory_items:,} certificates: fresh {DB_NAME}")
        database_create()
        world_seed()
        rows += bench_memory(env, WORK, args.memory_items, args.memory_timeout)
    if "issue" in args.only:
        from bench.issue import bench_issue

        log(f"{args.issue_items:,} certificates issued end to end: fresh {DB_NAME}")
        database_create()
        world_seed()
        rows += bench_issue(env, WORK, args.issue_items, args.issue_timeout)
    if "certificates" in args.only:
        from bench.certificates import bench_certificates

        log(f"rendering {args.certificates} certificates in this process")
        rows += bench_certificates(args.certificates)
    if "transparency" in args.only:
        from bench.transparency import bench_transparency

        log("transparency log proofs at 1,000,000 entries (simulated)")
        rows += bench_transparency(1_000_000, build=True)

    report = {
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - _T0, 1),
        "passed": all(row["pass"] for row in rows),
        "config": {
            "database": DB_NAME,
            "redis": REDIS_URL,
            "gunicorn": server.command[3:] if server else None,
            "scan_seconds": args.duration,
            "warmup_seconds": args.warmup,
            "concurrency": args.concurrency,
            "throttle_user": args.throttle_user,
            "settings": args.settings,
            "wrk_threads": "min(clients, 2)",
        },
        "product": _git_state(),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_start": load_start,
            "load_average_end": os.getloadavg(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "rows": rows,
    }
    out = RESULTS / "latest.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(table(rows))
    print(
        f"\n{'PASS' if report['passed'] else 'FAIL'} in {report['seconds']} s "
        f"(load average {load_start[0]:.1f} -> {os.getloadavg()[0]:.1f}); {out}"
    )
    return 0 if report["passed"] else 1


def _git_state() -> dict:
    def git(*args):
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "dirty": git("status", "--short")}


if __name__ == "__main__":
    sys.exit(main())
