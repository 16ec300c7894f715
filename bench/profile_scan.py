"""Profile scans in-process: where one ``POST /api/v1/scans/`` spends its time.

    python bench/run.py --only queries        # once: builds qcw_bench
    python bench/profile_scan.py              # lookup and receive, product
    python bench/profile_scan.py --action receive --target ceiling -n 500

Runs requests through Django's test client against the ``qcw_bench`` database
that ``bench/run.py`` left behind (same settings as the benchmark server),
prints wall and CPU time per request, the SQL of one request, and a profile:
pyinstrument's call tree when it is installed (``pip install pyinstrument``),
else cProfile's top functions.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run as bench_run  # noqa: E402

PATHS = {
    "ceiling": bench_run.CEILING_PATH,
    "product": dict.fromkeys(("lookup", "receive"), bench_run.SCAN_PATH),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--action", choices=["lookup", "receive", "both"], default="both"
    )
    parser.add_argument("--target", choices=["product", "ceiling"], default="product")
    parser.add_argument("-n", type=int, default=300, help="requests to profile")
    parser.add_argument("--settings", default="bench.settings")
    parser.add_argument(
        "--cprofile", action="store_true", help="cProfile, not pyinstrument"
    )
    args = parser.parse_args(argv)
    os.environ.update(
        bench_run.server_env(
            argparse.Namespace(throttle_user="100000000/hour", settings=args.settings)
        )
    )

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from warehouse.codes import item_code_is_valid
    from warehouse.models import Item, ItemState, Station

    station = Station.objects.select_related("user").get(code="GZ-RCV-01")
    token = Token.objects.get(user=station.user).key
    client = Client(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")
    actions = ["lookup", "receive"] if args.action == "both" else [args.action]
    announced = iter(
        code
        for code in Item.objects.filter(
            state=ItemState.ANNOUNCED, warehouse=station.warehouse
        ).values_list("code", flat=True)
        if item_code_is_valid(code)
    )

    for action in actions:
        path = PATHS[args.target][action]
        need = 2 * args.n + 60
        if action == "receive":
            codes = [code for _, code in zip(range(need), announced, strict=False)]
        else:
            codes = list(
                Item.objects.filter(warehouse=station.warehouse).values_list(
                    "code", flat=True
                )[:need]
            )
        if len(codes) < need:
            print(f"only {len(codes)} items for {action}; run bench/run.py first")
            return 1

        def post(code, path=path, action=action):
            body = json.dumps({"barcode": code, "action": action})
            return client.post(path, body, content_type="application/json")

        for code in codes[:50]:  # warm up
            response = post(code)
        if response.status_code != 200:
            print(f"{action}: HTTP {response.status_code} {response.content[:300]!r}")
            return 1
        with CaptureQueriesContext(connection) as queries:
            post(codes[50])
        statements = list(queries.captured_queries)  # read now: the log is reset
        timed = codes[51 : 51 + args.n]
        started, cpu = time.perf_counter(), time.process_time()
        for code in timed:
            post(code)
        wall = (time.perf_counter() - started) / len(timed) * 1000
        cpu = (time.process_time() - cpu) / len(timed) * 1000
        print(f"\n=== {args.target} {action} ({path}) ===")
        print(f"{wall:.2f} ms wall, {cpu:.2f} ms CPU per request (unprofiled)")
        print(f"{len(statements)} SQL statements:")
        for query in statements:
            print(f"  {query['time']}s  {query['sql'][:160]}")
        profiled = codes[51 + args.n : 51 + 2 * args.n]
        print(profile(post, profiled, use_cprofile=args.cprofile))
    return 0


def profile(post, codes, *, use_cprofile: bool) -> str:
    try:
        if use_cprofile:
            raise ImportError
        from pyinstrument import Profiler
    except ImportError:
        profiler = cProfile.Profile()
        profiler.enable()
        for code in codes:
            post(code)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        return out.getvalue()
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for code in codes:
        post(code)
    profiler.stop()
    return profiler.output_text(unicode=False, color=False, show_all=False)


if __name__ == "__main__":
    sys.exit(main())
