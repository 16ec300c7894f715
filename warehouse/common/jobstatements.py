"""The job outbox's statements of its common path (:mod:`warehouse.common.jobs`).

A job costs one statement to record and two to run (besides the handler's and
the transaction's own): building them through the ORM cost more CPU than
running them, so they are written once from the model's metadata, every value
bound, each naming the ORM version it stands for.
"""

import functools

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .models import Job

_INSERTED = [f for f in Job._meta.concrete_fields if not f.primary_key]


def _quoted(*names: str) -> str:
    return ", ".join(connection.ops.quote_name(name) for name in names)


@functools.cache
def _statements(vendor: str) -> dict[str, str]:
    """The statements below, for the database ``vendor`` (one per process)."""
    table = _quoted(Job._meta.db_table)
    columns = _quoted(*(f.column for f in Job._meta.concrete_fields))
    inserted = _quoted(*(f.column for f in _INSERTED))
    pk, name, args, attempts, state, done_at, key, available_at = (
        _quoted(column)
        for column in (
            "id",
            "name",
            "args",
            "attempts",
            "state",
            "done_at",
            "key",
            "available_at",
        )
    )
    lock = (
        " FOR UPDATE SKIP LOCKED"
        if connection.features.has_select_for_update_skip_locked
        else ""
    )
    placeholders = ", ".join(["%s"] * len(_INSERTED))
    casts = ", ".join(f"%s::{f.cast_db_type(connection)}" for f in _INSERTED)
    return {  # identifiers from the model's metadata; every value is bound
        "insert": f"INSERT INTO {table} ({inserted}) VALUES ({placeholders})"  # noqa: S608
        f" RETURNING {pk}",
        "keyed": f"WITH existing AS (SELECT {columns} FROM {table}"  # noqa: S608
        f" WHERE {key} = %s AND {state} = %s LIMIT 1),"
        f" inserted AS (INSERT INTO {table} ({inserted}) SELECT {casts}"
        " WHERE NOT EXISTS (SELECT 1 FROM existing)"
        f" ON CONFLICT DO NOTHING RETURNING {columns})"
        f" SELECT {columns}, false AS created FROM existing"
        f" UNION ALL SELECT {columns}, true AS created FROM inserted",
        "read": f"SELECT {pk}, {name}, {args}, {attempts} FROM {table}"  # noqa: S608
        f" WHERE {pk} = %s AND {state} = %s",
        "lock": lock,
        "done": f"UPDATE {table} SET {state} = %s, {done_at} = %s"  # noqa: S608
        f" WHERE {pk} = %s",
        "claim": f"SELECT {pk}, {name}, {args}, {attempts} FROM {table}"  # noqa: S608
        f" WHERE {name} = %s AND {state} = %s AND {available_at} <= %s"
        f" AND {pk} <> %s ORDER BY {pk} LIMIT %s",
    }


def _values(job: Job) -> list:
    return [f.get_db_prep_save(getattr(job, f.attname), connection) for f in _INSERTED]


def job_insert(job: Job) -> None:
    """Insert ``job``, setting its id.

    ORM version: ``job.save(force_insert=True)`` (Job has no signal receivers),
    which a database that cannot return the id from an insert takes.
    """
    if not connection.features.can_return_columns_from_insert:
        job.save(force_insert=True)
        return
    with connection.cursor() as cursor:
        cursor.execute(_statements(connection.vendor)["insert"], _values(job))
        job.pk = cursor.fetchone()[0]
    job._state.adding, job._state.db = False, connection.alias


def keyed_job_statement(job: Job) -> Job | None:
    """The pending job with ``job.key`` (``created`` False) or ``job`` inserted
    (``created`` True), in one statement (PostgreSQL); None if a concurrent
    transaction recorded the key between the statement's look and its insert.

    ORM version: ``Job.objects.filter(key=key, state=PENDING).first()``, else
    ``job.save(force_insert=True)`` in a savepoint, an IntegrityError meaning
    None.
    """
    sql = _statements(connection.vendor)["keyed"]
    with connection.cursor() as cursor:
        cursor.execute(sql, [job.key, Job.State.PENDING, *_values(job)])
        row = cursor.fetchone()
    return None if row is None else _keyed_found(row)


def _keyed_found(row) -> Job:
    """A row of a keyed statement: the job, ``created`` set from its last
    column."""
    *values, created = row
    values[_ARGS_AT] = _args_from_db(values[_ARGS_AT])
    found = Job.from_db(connection.alias, _COLUMNS, values)
    found.created = created
    return found


def keyed_job_get_or_create(job: Job) -> tuple[Job, bool]:
    """The pending job with ``job.key``, or ``job`` inserted: (job, created).

    A concurrent transaction may record the same key between our look and our
    insert, and a worker may finish that job before we look again: then the
    key is free and this records a new job, as the caller needs work done
    after its own change (a drain must see the messages just committed).

    On PostgreSQL the look and the insert are one statement
    (:func:`keyed_job_statement`), whichever way it goes; elsewhere a look,
    then an insert in a savepoint.
    """
    for _ in range(5):
        if connection.vendor == "postgresql":
            found = keyed_job_statement(job)
            if found is not None:
                return found, found.created
            continue  # the key was taken meanwhile: look again
        existing = Job.objects.filter(key=job.key, state=Job.State.PENDING).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                job.save(force_insert=True)
                return job, True
        except IntegrityError:  # recorded meanwhile by a concurrent transaction
            job.pk = None
            continue
    raise IntegrityError(f"job key {job.key!r} kept changing hands")


@functools.lru_cache(maxsize=64)
def _keyed_many(vendor: str, count: int) -> str:
    """:func:`keyed_jobs_statement`'s statement for ``count`` jobs (a batch
    holds up to its handler's ``batch``: a few sizes are kept)."""
    table = _quoted(Job._meta.db_table)
    columns = _quoted(*(f.column for f in Job._meta.concrete_fields))
    inserted = _quoted(*(f.column for f in _INSERTED))
    pk, key, state = (_quoted(column) for column in ("id", "key", "state"))
    casts = ", ".join(f"%s::{f.cast_db_type(connection)}" for f in _INSERTED)
    rows = ", ".join([f"({casts})"] * count)
    # identifiers from the model's metadata; every value is bound
    return (
        f"WITH wanted ({inserted}) AS (VALUES {rows}),"  # noqa: S608
        f" existing AS (SELECT DISTINCT ON ({key}) {columns} FROM {table}"
        f" WHERE {key} IN (SELECT {key} FROM wanted) AND {state} = %s"
        f" ORDER BY {key}, {pk}),"
        f" inserted AS (INSERT INTO {table} ({inserted}) SELECT {inserted}"
        f" FROM wanted WHERE {key} NOT IN (SELECT {key} FROM existing)"
        f" ON CONFLICT DO NOTHING RETURNING {columns})"
        f" SELECT {columns}, false AS created FROM existing"
        f" UNION ALL SELECT {columns}, true AS created FROM inserted"
    )


def keyed_jobs_statement(jobs: list[Job]) -> dict[str, Job]:
    """:func:`keyed_job_statement` for many jobs (their keys distinct and
    set) in one statement (PostgreSQL): by key, the pending job that had it
    (``created`` False) or the job inserted (``created`` True); a key a
    concurrent transaction recorded meanwhile is missing.

    ORM version: :func:`keyed_job_statement` for each job.
    """
    sql = _keyed_many(connection.vendor, len(jobs))
    values = [value for job in jobs for value in _values(job)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, Job.State.PENDING])
        rows = cursor.fetchall()
    return {job.key: job for job in map(_keyed_found, rows)}


def job_read(job_id: int, *, lock: bool) -> Job | None:
    """The pending job ``job_id`` (its id, name, args and attempts), with
    ``lock`` locked; None if it is done (or, with ``lock``, locked by another
    run).

    ORM version: ``Job.objects.select_for_update(skip_locked=True).filter(
    pk=job_id, state=PENDING).only("name", "args", "attempts").first()``,
    without ``select_for_update`` if not ``lock``.
    """
    sql = _statements(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(
            sql["read"] + sql["lock"] if lock else sql["read"],
            [job_id, Job.State.PENDING],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    pk, name, args, attempts = row
    return Job(pk=pk, name=name, args=_args_from_db(args), attempts=attempts)


def jobs_claim(job: Job, limit: int) -> list[Job]:
    """Up to ``limit`` other pending, due jobs of ``job``'s name, oldest
    first, locked by this transaction; jobs another run holds are passed by
    (``SKIP LOCKED``), so two workers never take the same job.

    ORM version: ``Job.objects.select_for_update(skip_locked=True).filter(
    name=job.name, state=PENDING, available_at__lte=now).exclude(pk=job.pk)
    .order_by("pk").only("name", "args", "attempts")[:limit]``.
    """
    if limit <= 0:
        return []
    sql = _statements(connection.vendor)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            sql["claim"] + sql["lock"],
            [job.name, Job.State.PENDING, now, job.pk, limit],
        )
        rows = cursor.fetchall()
    return [
        Job(pk=pk, name=name, args=_args_from_db(args), attempts=attempts)
        for pk, name, args, attempts in rows
    ]


_COLUMNS = [f.attname for f in Job._meta.concrete_fields]
_ARGS_AT = _COLUMNS.index("args")


def _args_from_db(value):
    """A job's args as the ORM reads them (the backends hand JSON over as text)."""
    field = Job._meta.get_field("args")
    return field.from_db_value(value, None, connection)


def job_done(job_id: int) -> None:
    """Mark the job done (its row locked by this transaction).

    ORM version: ``Job.objects.filter(pk=job_id).update(state=DONE,
    done_at=timezone.now())``.
    """
    done_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            _statements(connection.vendor)["done"], [Job.State.DONE, done_at, job_id]
        )
