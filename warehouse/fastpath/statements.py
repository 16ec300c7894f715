"""The scan path's statements written outside the ORM's per-call building,
and the batch paths' update of many rows.

Each one runs on every scan (or batch), where building its query through
the ORM cost more CPU than running it. Each has an ORM version it must
equal, named in its docstring, and a test that holds it equal for the same
inputs (``tests/warehouse/fastpath/test_statements.py``). Identifiers come
from the models' metadata; every value is bound.
"""

import functools

from django.db import connection
from django.db.models import NOT_PROVIDED
from django.db.models.signals import post_save, pre_save

from warehouse.common.access import Principal, Role, tenant_scope

from ..models import InboundNotice, Item, ItemState, ScanLog

# --- the item read by code: the ORM's own statement, compiled once -----------


def items_in_scope(principal: Principal, lock: bool):
    """Items ``principal`` may see, read alone (the scan answer's names come
    from :mod:`warehouse.fastpath.refs`), ``FOR UPDATE`` with ``lock``."""
    items = tenant_scope(Item.objects.order_by(), principal)
    return items.select_for_update(of=("self",)) if lock else items


# Every lookup and receive reads one item by its code; building that query
# through the ORM cost six times running it (0.3 ms of CPU a scan; a lookup
# stayed under 0.8x of its bare ceiling). Here the ORM compiles it once per
# scope and lock with marker values, and each scan runs the same SQL with its
# own values. Scopes whose SQL varies (several warehouses, none) take the
# ORM's way.

_MARK_ID, _MARK_CODE = -731_000_017, "\x1fitem-code\x1f"  # never stored
_SCOPE_ROLES = {"all": Role.ADMIN, "merchant": Role.MERCHANT, "warehouse": Role.STATION}


def _code_scope(principal: Principal) -> tuple[str, int | None] | None:
    """Which compiled read serves ``principal``, and its scope's id."""
    if principal.sees_all:
        return "all", None
    if principal.role == Role.MERCHANT and principal.merchant_id is not None:
        return "merchant", principal.merchant_id
    if principal.role != Role.MERCHANT and len(principal.warehouse_ids) == 1:
        return "warehouse", next(iter(principal.warehouse_ids))
    return None


@functools.cache
def _code_read(scope: str, lock: bool):
    """(sql, params with the markers, field names, converters) of the ORM's
    read of one item by code for a principal of ``scope``."""
    marked = Principal(
        user=None,
        role=_SCOPE_ROLES[scope],
        merchant_id=_MARK_ID,
        warehouse_ids=frozenset({_MARK_ID}),
    )
    query = items_in_scope(marked, lock).filter(code=_MARK_CODE)[:1].query
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    if _MARK_CODE not in params or (scope != "all" and _MARK_ID not in params):
        raise RuntimeError(f"The item read by code changed shape: {sql} {params}")
    columns = [column for column, _sql, _alias in compiler.select]
    names = [column.target.attname for column in columns]
    return sql, tuple(params), names, list(compiler.get_converters(columns).items())


def item_by_code(principal: Principal, code: str, *, lock: bool) -> Item | None:
    """The item with ``code`` among those ``principal`` sees (locked with
    ``lock``), or None.

    ORM version: ``items_in_scope(principal, lock).filter(code=code)[:1]``,
    whose SQL this runs, compiled once per scope and lock.
    """
    scope = _code_scope(principal)
    if scope is None:
        return next(iter(items_in_scope(principal, lock).filter(code=code)[:1]), None)
    sql, marked, names, converters = _code_read(scope[0], lock)
    values = {_MARK_ID: scope[1], _MARK_CODE: code}
    with connection.cursor() as cursor:
        cursor.execute(sql, [values.get(param, param) for param in marked])
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    for position, (functions, expression) in converters:
        for convert in functions:
            row[position] = convert(row[position], expression, connection)
    return Item.from_db(connection.alias, names, row)


# --- the notice's progress on a receive ----------------------------------------


def notice_progress_run(notice_id: int) -> None:
    """Move notice ``notice_id`` to ``receiving``/``received``, in one UPDATE.

    ORM version: with ``left`` = "any item of the notice still announced", an
    ``announced`` notice becomes ``receiving`` if ``left`` else ``received``; a
    ``receiving`` one becomes ``received`` when not ``left``; any other status
    stays. The row is written only when its status changes.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _notice_progress_sql(),
            {
                "notice": notice_id,
                "n_announced": InboundNotice.Status.ANNOUNCED,
                "n_receiving": InboundNotice.Status.RECEIVING,
                "n_received": InboundNotice.Status.RECEIVED,
            },
        )


@functools.cache
def _notice_progress_sql() -> str:
    quote = connection.ops.quote_name
    notices, items = InboundNotice._meta, Item._meta
    names = {
        "items": quote(items.db_table),
        "notice": quote(items.get_field("notice").column),
        "state": quote(items.get_field("state").column),
        "line": quote(items.get_field("line").column),
        "notices": quote(notices.db_table),
        "id": quote(notices.pk.column),
        "status": quote(notices.get_field("status").column),
    }
    # The first announced line, not EXISTS: PostgreSQL plans an EXISTS for
    # its first matching row and, once statistics say a notice's 20,000 rows
    # are mostly announced, expects a sequential scan to meet one at once;
    # it then reads every row ahead of the notice's (16 ms at 100,000 items).
    # ORDER BY line LIMIT 1 is served in order by the (notice, line) partial
    # index, one index probe; any other plan must read and sort every match.
    # The state is a literal, not a parameter: the generic plan a warm
    # connection reuses (server-side binding) may use a partial index only
    # when the statement itself says state = 'announced'.
    announced = ItemState.ANNOUNCED.value
    if not announced.isidentifier():  # a code constant; never outside input
        raise ValueError(announced)
    left = (  # noqa: S608
        "((SELECT {line} FROM {items} WHERE {notice} = %(notice)s"
        " AND {state} = '{announced}' ORDER BY {line} LIMIT 1) IS NOT NULL)"
    ).format(announced=announced, **names)
    sql = (
        "UPDATE {notices} SET {status} = CASE WHEN {left} THEN %(n_receiving)s"
        " ELSE %(n_received)s END WHERE {id} = %(notice)s AND ({status} ="
        " %(n_announced)s OR ({status} = %(n_receiving)s AND NOT {left}))"
    )
    return sql.format(left=left, **names)


# --- the scan log's row -----------------------------------------------------------

SCAN_LOG_FIELDS = (
    "station",
    "user",
    "barcode",
    "action",
    "outcome",
    "error_code",
    "error_params",
    "message",
    "item",
    "at",
    "client_address",
)


def scan_log_insert(values: tuple) -> None:
    """Insert one scan-log row: ``values`` in the order of ``SCAN_LOG_FIELDS``
    (foreign keys as ids), adapted for the database.

    ORM version: ``ScanLog.objects.create(**dict(zip(attnames, values)))``;
    one plain INSERT because every scan pays for it, and the ORM's per-call
    query compilation cost twice the statement itself.
    """
    with connection.cursor() as cursor:
        cursor.execute(_scan_log_sql(), values)


@functools.cache
def _scan_log_sql() -> str:
    fields = [ScanLog._meta.get_field(name) for name in SCAN_LOG_FIELDS]
    quote = connection.ops.quote_name
    return "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(ScanLog._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )


# --- many rows' own values saved at once ----------------------------------------


def rows_update(model, rows: list, names: list[str]) -> None:
    """Save the fields ``names`` of ``rows`` (each its own values): one
    ``UPDATE … FROM (VALUES …)`` on PostgreSQL, Django's ``bulk_update`` (a
    ``CASE`` per field, whose building costs more than the statement) elsewhere.

    ORM version: ``model.objects.bulk_update(rows, names)``.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(rows, names)
        return
    quote = connection.ops.quote_name
    pk = model._meta.pk
    fields = [model._meta.get_field(name) for name in names]

    def cast(field) -> str:  # text, not varchar(n): a cast would truncate
        kind = field.cast_db_type(connection)
        return "text" if kind.startswith("varchar") else kind

    row = "(" + ", ".join(f"%s::{cast(f)}" for f in (pk, *fields)) + ")"
    columns = ", ".join(quote(f.column) for f in (pk, *fields))
    sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields)
    sql = (
        f"UPDATE {quote(model._meta.db_table)} AS t SET {sets} "  # noqa: S608 - no input
        f"FROM (VALUES {', '.join([row] * len(rows))}) AS v({columns}) "
        f"WHERE t.{quote(pk.column)} = v.{quote(pk.column)}"
    )
    params = []
    for obj in rows:
        params.append(obj.pk)
        params.extend(
            f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@functools.cache
def _insert_statement(model, vendor: str) -> tuple[str, str, str, list] | None:
    """The INSERT of rows of ``model`` returning their ids, written once from
    its metadata (identifiers only): its head, one row's placeholders, its
    tail, and the fields it binds; None where the ORM must do it (not
    PostgreSQL, a database default)."""
    if vendor != "postgresql":
        return None
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    if any(f.db_default is not NOT_PROVIDED for f in fields):
        return None
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ",  # noqa: S608
        "(" + ", ".join(["%s"] * len(fields)) + ")",
        f" RETURNING {quote(model._meta.pk.column)}",
        fields,
    )


def _inserted(statement, rows: list) -> list:
    head, row, tail, fields = statement
    values = [
        f.get_db_prep_save(f.pre_save(obj, True), connection)
        for obj in rows
        for f in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(head + ", ".join([row] * len(rows)) + tail, values)
        ids = [found for (found,) in cursor.fetchall()]
    for obj, found in zip(rows, ids, strict=True):
        obj.pk = found
        obj._state.adding, obj._state.db = False, connection.alias
    return rows


def row_insert(obj) -> None:
    """Insert the new row ``obj``, setting its id.

    ORM version: ``obj.save(force_insert=True)``, which it is where a signal
    receiver listens to the model's saves or the statement is not written
    (:func:`_insert_statement`): the same values (each field's ``pre_save``
    for an insert), without compiling the statement each time.
    """
    model = type(obj)
    statement = _insert_statement(model, connection.vendor)
    if (
        statement is None
        or pre_save.has_listeners(model)
        or post_save.has_listeners(model)
    ):
        obj.save(force_insert=True)
        return
    _inserted(statement, [obj])


def rows_insert(model, rows: list) -> list:
    """Insert ``rows`` (new instances of ``model``) in one ``INSERT … VALUES
    … RETURNING`` on PostgreSQL, setting their ids; ``rows``.

    Django's ``bulk_create`` sends PostgreSQL each column as one array
    (``UNNEST``), and psycopg escapes a JSON or text value for an array
    character by character, with a regular expression: for a certificate's
    content that cost more than the insert. Here each value is bound as
    itself. Elsewhere (another database, a database default) it is
    ``bulk_create``.

    ORM version: ``model.objects.bulk_create(rows)`` (which sends no signals
    either).
    """
    statement = _insert_statement(model, connection.vendor)
    if not rows or statement is None:
        return model.objects.bulk_create(rows)
    return _inserted(statement, rows)
