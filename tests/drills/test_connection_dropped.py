"""Drill: PostgreSQL drops the connection in the middle of a request.

The product's WSGI application is served over HTTP from one thread, as a
gunicorn sync worker serves it: requests one after another on one persistent
connection (``CONN_MAX_AGE``). Right after the request's first write, the
server's own backend is terminated (``pg_terminate_backend`` from another
connection). The client must get the API's JSON 503 with Retry-After (the
request may be repeated), not a page, a traceback or a hang; nothing may be
half written; the retry, on the same thread, must succeed on a new connection.
"""

import re
import threading
import time
import uuid
from dataclasses import dataclass
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import psycopg
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections

from inspection.models import Inspection
from tests.conftest import _test_database_url
from tests.inspection.factories import GOOD_JADE, announce, jade_row, received
from tests.warehouse import factories as f
from warehouse.models import (
    IdempotencyKey,
    InboundNotice,
    Item,
    ItemEvent,
    ItemState,
    ScanLog,
)

pytestmark = [
    pytest.mark.drill,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def terminate(pid: int) -> None:
    """Terminate backend ``pid`` and wait until it is gone."""
    with psycopg.connect(_test_database_url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(250):
            gone = not admin.execute(
                "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]
            ).fetchone()
            if gone:
                return
            time.sleep(0.02)
    raise AssertionError(f"backend {pid} is still there")


class Tripwire:
    """A database execute wrapper: notes the backend each statement runs on
    and, once armed, terminates that backend right after the first statement
    matching the pattern has run."""

    def __init__(self):
        self.pattern: re.Pattern | None = None
        self.tripped = ""
        self.pid = 0

    def arm(self, pattern: str) -> None:
        self.pattern, self.tripped = re.compile(pattern, re.IGNORECASE), ""

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        self.pid = context["connection"].connection.info.backend_pid
        if self.pattern is not None and self.pattern.search(sql):
            self.pattern, self.tripped = None, sql
            terminate(self.pid)
        return result


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class ApiServer:
    """The project served over HTTP by one thread of this process."""

    def __init__(self):
        self.tripwire = Tripwire()
        self.httpd: WSGIServer = make_server(
            "127.0.0.1", 0, WSGIHandler(), handler_class=_Quiet
        )
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        try:
            with connection.execute_wrapper(self.tripwire):
                self.httpd.serve_forever(poll_interval=0.05)
        finally:
            connections.close_all()

    def client(self, user) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={
                "Authorization": f"Token {f.token_for(user)}",
                "Accept-Language": "en",
            },
            timeout=30,  # a hung request fails the drill
        )


@pytest.fixture
def server(transactional_db):
    server = ApiServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.thread.join(timeout=10)
    server.httpd.server_close()


@dataclass
class Case:
    """A request, the write after which its connection dies, and what it may
    change."""

    user: str
    method: str
    path: str
    body: dict | None
    first_write: str
    done: int

    def snapshot(self, item: Item | None) -> dict:
        return {
            "items": list(Item.objects.order_by("pk").values_list("code", "state")),
            "events": ItemEvent.objects.count(),
            "scans": ScanLog.objects.count(),
            "notices": list(InboundNotice.objects.values_list("reference", "status")),
            "inspections": Inspection.objects.count(),
            "keys": IdempotencyKey.objects.count(),
        }


def receive_scan(world):
    item = announce(world, jade_row())
    case = Case(
        user="station",
        method="POST",
        path="/api/v1/scans/",
        body={"barcode": item.code, "action": "receive"},
        first_write=r'^UPDATE "warehouse_item"',
        done=200,
    )
    return case, item, ItemState.RECEIVED


def inspection_submit(world):
    item = received(world, jade_row())
    case = Case(
        user="inspector",
        method="POST",
        path=f"/api/v1/items/{item.code}/inspections/",
        body={"observed": GOOD_JADE},
        first_write=r'^INSERT INTO "inspection_inspection"',
        done=201,
    )
    return case, item, ItemState.CERTIFIED  # passed, then certified (eager job)


def inbound_notice(world):
    case = Case(
        user="merchant_user",
        method="POST",
        path="/api/v1/inbound-notices/",
        body={"reference": "DRILL-1", "warehouse": "GZ", "items": [jade_row()]},
        first_write=r'^INSERT INTO "warehouse_inboundnotice"',
        done=201,
    )
    return case, None, None


@pytest.mark.parametrize("make", [receive_scan, inspection_submit, inbound_notice])
def test_a_connection_dropped_mid_request_is_a_clean_503_and_the_retry_succeeds(
    world, qc, server, make
):
    case, item, done_state = make(world)
    client = server.client(getattr(world, case.user))
    key = {"Idempotency-Key": str(uuid.uuid4())}
    assert client.get("/api/v1/items/").status_code == 200  # the connection is open
    before = case.snapshot(item)
    killed = server.tripwire.pid

    server.tripwire.arm(case.first_write)
    answer = client.request(case.method, case.path, json=case.body, headers=key)

    assert server.tripwire.tripped, "the request never made its first write"
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["retry-after"] == "2"
    assert answer.json()["error"]["code"] == "database_unavailable"
    assert case.snapshot(item) == before  # nothing half written, the key is free

    again = client.request(case.method, case.path, json=case.body, headers=key)

    assert again.status_code == case.done, again.text
    assert server.tripwire.pid != killed  # a new connection
    assert case.snapshot(item) != before
    if item is not None:
        item.refresh_from_db()
        assert item.state == done_state
    else:
        assert InboundNotice.objects.get(reference="DRILL-1").items.count() == 1
    replay = client.request(case.method, case.path, json=case.body, headers=key)
    assert replay.headers.get("Idempotent-Replayed") == "true"


def test_a_connection_dropped_between_requests_is_replaced_unseen(world, server):
    item = announce(world, jade_row())
    client = server.client(world.station)
    assert client.get(f"/api/v1/items/{item.code}").status_code == 200
    idle = server.tripwire.pid

    terminate(idle)  # a PostgreSQL restart, a failover, an idle timeout
    answer = client.post(
        "/api/v1/scans/", json={"barcode": item.code, "action": "receive"}
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["item"]["state"] == ItemState.RECEIVED
    assert server.tripwire.pid != idle
    assert ItemEvent.objects.filter(item=item, to_state=ItemState.RECEIVED).count() == 1
