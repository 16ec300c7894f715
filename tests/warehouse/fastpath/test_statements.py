"""The scan path's statements written outside the ORM's per-call building
(warehouse.fastpath.statements): each equals its ORM version, and the
receive's notice update runs from an index on PostgreSQL however large the
notice and however stale its statistics."""

import datetime as dt
import json
import re
import threading
from functools import partial

import pytest
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.utils import timezone
from psycopg import sql as pgsql

from tests.warehouse import factories as f
from warehouse.common.access import principal_of
from warehouse.fastpath.statements import (
    SCAN_LOG_FIELDS,
    item_by_code,
    items_in_scope,
    row_insert,
    rows_insert,
    rows_update,
)
from warehouse.models import InboundNotice, Item, ItemEvent, ItemState, ScanLog
from warehouse.services import inbound_notice_create, scan_process
from warehouse.services.scans import _notice_progress, _single, scan_log_write

pytestmark = pytest.mark.django_db

Status = InboundNotice.Status
BIG = 20_000
INDEX = "item_notice_announced_line_idx"


def rows(count: int, prefix: str) -> list[dict]:
    return [
        {
            "sku": "BANGLE-1",
            "title": "Nephrite bangle",
            "category": "jewellery-jade",
            "serial": f"{prefix}-{n:06d}",
            "claim": {"material": "nephrite jade", "weight_g": "52.31"},
        }
        for n in range(count)
    ]


def announce(world, count: int, reference: str) -> InboundNotice:
    return inbound_notice_create(
        merchant=world.merchant,
        warehouse_code="GZ",
        reference=reference,
        items=rows(count, reference),
        actor=world.merchant_user,
    )


# --- equal to the ORM ---------------------------------------------------------


def progress_by_orm(notice: InboundNotice) -> str:
    """The rule, read through the ORM: a first receipt makes an announced
    notice ``receiving``; it is ``received`` once none of its items is still
    announced. Any other status stays."""
    left = Item.objects.filter(notice=notice, state=ItemState.ANNOUNCED).exists()
    if notice.status == Status.ANNOUNCED or (
        notice.status == Status.RECEIVING and not left
    ):
        return Status.RECEIVING if left else Status.RECEIVED
    return notice.status


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize(
    "states",
    [
        ("announced", "announced", "announced"),
        ("received", "announced", "announced"),
        ("received", "inspecting", "announced"),
        ("received", "received", "received"),
        ("received", "passed", "released"),
    ],
    ids=lambda states: "-".join(states),
)
def test_notice_progress_statement_equals_the_orm(world, status, states):
    """Every notice status against items left and not left: the plain UPDATE
    leaves the notice where the ORM reading of the rule says, and touches no
    other notice."""
    notice = announce(world, len(states), "ASN-1")
    other = announce(world, 2, "ASN-2")
    for line, state in enumerate(states, start=1):
        Item.objects.filter(notice=notice, line=line).update(state=state)
    InboundNotice.objects.filter(pk=notice.pk).update(status=status)
    notice.refresh_from_db()
    expected = progress_by_orm(notice)

    _notice_progress(notice.pk)

    notice.refresh_from_db()
    other.refresh_from_db()
    assert notice.status == expected
    assert other.status == Status.ANNOUNCED


def fields_of(item: Item | None):
    if item is None:
        return None
    return {f.attname: getattr(item, f.attname) for f in Item._meta.concrete_fields}


@pytest.mark.parametrize("lock", [False, True], ids=["read", "locked"])
@pytest.mark.parametrize(
    "who", ["admin", "platform", "merchant_user", "merchant2_user", "station",
            "station_sih", "inspector", "two_warehouses", "nobody"],
)  # fmt: skip
def test_item_read_by_code_equals_the_orm(world, who, lock):
    """For every kind of principal, in scope and out of it, read and locked:
    the item read by code runs the very SQL the ORM builds for the same
    values and answers the same item, field for field (or none)."""
    if who == "two_warehouses":
        user = f.UserFactory(username="roaming")
        f.StaffFactory(user=user, warehouse=world.gz)
        f.StaffFactory(user=user, warehouse=world.sih)
    elif who == "nobody":
        user = f.UserFactory(username="nobody")
    else:
        user = getattr(world, who)
    principal = principal_of(user)
    gz = announce(world, 2, "ASN-GZ")
    sih = inbound_notice_create(
        merchant=world.merchant2,
        warehouse_code="SIH",
        reference="ASN-SIH",
        items=rows(1, "SIH"),
        actor=world.merchant2_user,
    )
    codes = [*gz.items.values_list("code", flat=True), sih.items.get().code]
    for code in [*codes, "QNOTANITEM00"]:
        with transaction.atomic():
            orm = items_in_scope(principal, lock).filter(code=code)
            try:
                compiler = orm[:1].query.get_compiler(connection=connection)
                statements = [compiler.as_sql()]
            except EmptyResultSet:  # a principal who sees nothing: no query
                statements = []
            expected = _single(orm)
            seen = []

            def spy(execute, sql, params, many, context, seen=seen):
                seen.append((sql, tuple(params)))
                return execute(sql, params, many, context)

            with connection.execute_wrapper(spy):
                got = item_by_code(principal, code, lock=lock)
        assert seen == statements, who
        assert fields_of(got) == fields_of(expected), (who, code)
    found = [c for c in codes if item_by_code(principal, c, lock=False)]
    assert bool(found) == (who != "nobody")


def test_the_scan_log_statement_names_every_column():
    """A field added to the scan log is one the plain INSERT must fill too."""
    columns = {f.name for f in ScanLog._meta.concrete_fields if not f.primary_key}
    assert set(SCAN_LOG_FIELDS) == columns
    assert len(SCAN_LOG_FIELDS) == len(columns)


@pytest.mark.parametrize("refused", [False, True], ids=["accepted", "refused"])
def test_scan_log_statement_equals_the_orm(world, monkeypatch, refused):
    """A scan logged through the plain INSERT is the row
    ``ScanLog.objects.create`` writes for the same scan, field for field (a
    station's accepted scan of an item, or an admin's refused scan of nothing
    from nowhere)."""
    item = announce(world, 1, "ASN-LOG").items.get()
    at = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: at)
    principal = principal_of(world.admin if refused else world.station)
    scan = {
        "barcode": "QX-1",
        "action": "receive",
        "outcome": ScanLog.Outcome.REFUSED if refused else ScanLog.Outcome.ACCEPTED,
        "error_code": "item_not_found" if refused else "",
        "error_params": {"barcode": "QX-1", "seen": ["a", 1]} if refused else {},
        "message": "No item for barcode QX-1." if refused else "",
        "item": None if refused else item,
        "client_address": None if refused else "2001:db8::7",
    }

    scan_log_write(principal=principal, **scan)
    orm = ScanLog.objects.create(
        station=principal.station, user=principal.user, at=at, **scan
    )

    ours = ScanLog.objects.exclude(pk=orm.pk).get()
    orm.refresh_from_db()
    fields = [f.attname for f in ScanLog._meta.concrete_fields if not f.primary_key]
    assert {n: getattr(ours, n) for n in fields} == {n: getattr(orm, n) for n in fields}
    assert (ours.station_id is None) == refused


# --- the plan on PostgreSQL ---------------------------------------------------


def receive_statement(world, code: str) -> tuple[str, dict]:
    """Receive ``code`` as a station does; the notice UPDATE it ran, with its
    parameters."""
    seen: list[tuple[str, dict]] = []

    def spy(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        item, _ = scan_process(
            principal=principal_of(world.station), barcode=code, action="receive"
        )
    assert item.state == ItemState.RECEIVED
    table = connection.ops.quote_name(InboundNotice._meta.db_table)
    (statement,) = [(s, p) for s, p in seen if s.startswith(f"UPDATE {table}")]
    return statement


def plan_nodes(plan) -> list[dict]:
    if isinstance(plan, str):
        plan = json.loads(plan)
    nodes, todo = [], [plan[0]["Plan"]]
    while todo:
        node = todo.pop()
        nodes.append(node)
        todo.extend(node.get("Plans", []))
    return nodes


def custom_plan(sql: str, params: dict) -> list[dict]:
    """EXPLAIN of the statement with its values, as a first execution plans it."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        return plan_nodes(cursor.fetchone()[0])


def generic_plan(sql: str, params: dict) -> list[dict]:
    """EXPLAIN of the statement prepared once for any values, as a connection
    runs it after psycopg has prepared it (``prepare_threshold``)."""
    order: list[str] = []

    def placeholder(match):
        if match[1] not in order:
            order.append(match[1])
        return f"${order.index(match[1]) + 1}"

    prepared = re.sub(r"%\((\w+)\)s", placeholder, sql)
    values = pgsql.SQL(", ").join(pgsql.Literal(params[name]) for name in order)
    execute = pgsql.SQL("EXPLAIN (FORMAT JSON) EXECUTE notice_progress ({})").format(
        values
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE notice_progress AS {prepared}")
        try:
            cursor.execute(execute.as_string(connection.connection))
            return plan_nodes(cursor.fetchone()[0])
        finally:
            cursor.execute("DEALLOCATE notice_progress")
            cursor.execute("SET LOCAL plan_cache_mode = auto")


def assert_index_probe(nodes: list[dict], when: str) -> None:
    items = Item._meta.db_table
    scans = [
        (node["Node Type"], node.get("Index Name", ""))
        for node in nodes
        if node.get("Relation Name") == items
    ]
    assert scans, f"{when}: the plan reads no items at all: {nodes}"
    assert ("Seq Scan", "") not in scans, f"{when}: a sequential scan: {scans}"
    assert all(name == INDEX for _, name in scans), f"{when}: {scans}"


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Item._meta.db_table}")


@pytest.mark.postgres
def test_receive_reads_a_20000_item_notice_from_the_index(world):
    """The "any item of this notice still announced?" part of a receive is an
    index probe, in the plan a first execution gets and in the generic plan a
    warm connection reuses, with statistics taken before the items came, just
    after, and before most of them were received: never a sequential scan
    over the items (it cost 16-33 ms per scan at 100,000 items)."""
    announce(world, 50, "ASN-SMALL")
    analyze()  # statistics of one small notice; then 40,000 rows come
    ahead = announce(world, BIG, "ASN-AHEAD")  # rows a table scan would meet first
    notice = announce(world, BIG, "ASN-BIG")
    lines = Item.objects.filter(notice=notice).order_by("line")
    codes = list(lines.values_list("code", flat=True))
    assert ahead.items.count() == len(codes) == BIG

    sql, params = receive_statement(world, codes[0])
    assert params["notice"] == notice.pk
    for plan in (custom_plan, generic_plan):
        assert_index_probe(plan(sql, params), f"stale statistics, {plan.__name__}")

    analyze()  # fresh: 40,000 rows, nearly all announced (the case that scanned)
    sql, params = receive_statement(world, codes[1])
    for plan in (custom_plan, generic_plan):
        assert_index_probe(plan(sql, params), f"fresh statistics, {plan.__name__}")

    # Most of the notice received since the statistics were taken.
    lines.exclude(code__in=codes[-5:]).update(state=ItemState.RECEIVED)
    sql, params = receive_statement(world, codes[-5])
    for plan in (custom_plan, generic_plan):
        assert_index_probe(plan(sql, params), f"mostly received, {plan.__name__}")

    for code in codes[-4:]:
        receive_statement(world, code)
    notice.refresh_from_db()
    assert notice.status == Status.RECEIVED
    ahead.refresh_from_db()
    assert ahead.status == Status.ANNOUNCED


# --- the last items of a notice, received at once -------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_last_two_items_received_at_once_complete_the_notice(world, monkeypatch):
    """Two stations receive a notice's last two items at the same moment: each
    transaction asks "any item still announced?" before the other commits, so
    each sees the other's item still announced. The notice still ends
    ``received``, not ``receiving`` for ever."""
    from tests.warehouse.test_concurrency import at_once
    from warehouse.services import scans

    second = principal_of(f.StationFactory(code="GZ-RCV-02", warehouse=world.gz).user)
    first = principal_of(world.station)
    notice = announce(world, 3, "ASN-LAST")
    codes = list(notice.items.order_by("line").values_list("code", flat=True))
    scan_process(principal=first, barcode=codes[0], action="receive")
    assert InboundNotice.objects.get(pk=notice.pk).status == Status.RECEIVING

    both_moved = threading.Barrier(2)
    progress = scans._notice_progress

    def after_the_other_moved_its_item(notice_id):
        both_moved.wait(timeout=10)  # both items received, neither committed
        progress(notice_id)

    monkeypatch.setattr(scans, "_notice_progress", after_the_other_moved_its_item)
    at_once(
        [
            partial(scan_process, principal=who, barcode=code, action="receive")
            for who, code in ((first, codes[1]), (second, codes[2]))
        ]
    )

    assert set(notice.items.values_list("state", flat=True)) == {"received"}
    assert InboundNotice.objects.get(pk=notice.pk).status == Status.RECEIVED


def test_rows_update_equals_the_orms_bulk_update(world):
    """Many rows saved with their own values (text, JSON, a time, a number)
    by the one ``UPDATE … FROM (VALUES …)`` are the rows ``bulk_update``
    saves for the same values, and no other row changes."""
    mine = list(announce(world, 3, "ASN-MANY-1").items.order_by("pk"))
    orms = list(announce(world, 3, "ASN-MANY-2").items.order_by("pk"))
    untouched = announce(world, 1, "ASN-MANY-3").items.get()
    at = timezone.now()
    names = ["title", "claim", "state_changed_at", "quantity"]
    for group in (mine, orms):
        for n, item in enumerate(group):
            item.title = f"玉镯 {n} 'bangle' \\ %s"
            item.claim = {"weight_mg": 52_350 + n, "material": ["jadeite", n]}
            item.state_changed_at = at + dt.timedelta(seconds=n)
            item.quantity = n + 1

    rows_update(Item, mine, names)
    Item.objects.bulk_update(orms, names)

    def saved(rows):
        return [
            {name: getattr(row, name) for name in names}
            for row in Item.objects.filter(pk__in=[r.pk for r in rows]).order_by("pk")
        ]

    assert saved(mine) == saved(orms)
    assert saved(mine)[2]["claim"] == {"weight_mg": 52_352, "material": ["jadeite", 2]}
    before = {f.attname: getattr(untouched, f.attname) for f in Item._meta.fields}
    untouched.refresh_from_db()
    assert {
        f.attname: getattr(untouched, f.attname) for f in Item._meta.fields
    } == before


def test_rows_insert_equals_the_orms_bulk_create(world):
    """Rows inserted by the one ``INSERT … VALUES … RETURNING`` are the rows
    ``bulk_create`` inserts for the same values (JSON with quotes and
    backslashes, text, a time, defaults), get their ids in order, and are
    saved instances."""
    item = announce(world, 1, "ASN-INSERT").items.get()
    at = timezone.now()

    def events():
        return [
            ItemEvent(
                item=item,
                from_state="announced",
                to_state="received",
                at=at + dt.timedelta(seconds=n),
                reason_code="received",
                reason_params={"note": f'He said "玉" \\\\ {n}', "n": [n, None]},
                payload={"quote": "'%s'"},
            )
            for n in range(3)
        ]

    mine = rows_insert(ItemEvent, events())
    orms = ItemEvent.objects.bulk_create(events())

    assert [e.pk for e in mine] == sorted(e.pk for e in mine)
    assert all(not e._state.adding for e in mine)
    fields = [f.attname for f in ItemEvent._meta.concrete_fields if not f.primary_key]

    def saved(rows):
        return [
            {name: getattr(row, name) for name in fields}
            for row in ItemEvent.objects.filter(pk__in=[r.pk for r in rows]).order_by(
                "pk"
            )
        ]

    assert saved(mine) == saved(orms)
    assert saved(mine)[1]["reason_params"]["note"] == 'He said "玉" \\\\ 1'


def test_row_insert_equals_save_and_leaves_a_listened_model_to_the_orm(world):
    """One row inserted by the written statement is the row ``save`` inserts;
    a model whose saves a receiver listens to is saved by the ORM, so the
    receiver hears it."""
    from django.db.models.signals import post_save

    item = announce(world, 1, "ASN-ROW").items.get()
    at = timezone.now()

    def event():
        return ItemEvent(item=item, from_state="announced", to_state="received", at=at)

    mine, orm = event(), event()
    row_insert(mine)
    orm.save(force_insert=True)
    fields = [f.attname for f in ItemEvent._meta.concrete_fields if not f.primary_key]
    mine.refresh_from_db()
    orm.refresh_from_db()
    assert mine.pk != orm.pk and not mine._state.adding
    assert {n: getattr(mine, n) for n in fields} == {n: getattr(orm, n) for n in fields}

    heard = []

    def receiver(sender, instance, created, **kwargs):
        heard.append((instance.pk, created))

    post_save.connect(receiver, sender=ItemEvent)
    try:
        listened = event()
        row_insert(listened)
    finally:
        post_save.disconnect(receiver, sender=ItemEvent)
    assert heard == [(listened.pk, True)]
