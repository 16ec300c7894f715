"""The scan log: every station scan, accepted or refused, and its purge."""

import datetime as dt
import logging

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone

from warehouse.common.access import Principal

from ..fastpath.statements import scan_log_insert
from ..models import Item, ScanLog, Station

scan_logger = logging.getLogger("qcw.scans")


def _storable(value) -> str:
    """``value`` as text PostgreSQL can store: a NUL (sent by a broken or
    hostile scanner) becomes U+FFFD instead of failing the log's INSERT."""
    return str(value).replace("\x00", "\ufffd")


def _storable_facts(value):
    """A refusal's params as JSON PostgreSQL can store (no NUL in a string)."""
    if isinstance(value, str):
        return _storable(value)
    if isinstance(value, dict):
        return {_storable(key): _storable_facts(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_storable_facts(item) for item in value]
    return value


_JSON = DjangoJSONEncoder  # a lazy string or a date among the facts is written as text


def scan_log_write(
    *,
    principal: Principal,
    barcode: str,
    action: str,
    outcome: str,
    item: Item | None = None,
    error_code: str = "",
    error_params: dict | None = None,
    message: str = "",
    client_address: str | None = None,
) -> None:
    """Record a scan, accepted or refused, in the scan log and the ``qcw.scans`` log.

    A refusal is its ``error_code`` with its ``error_params`` (the domain
    error's facts, which the station's scan history renders in the reader's
    language) and the ``message`` the station was answered.

    ``client_address`` is where the scan came from
    (:func:`warehouse.common.proxies.client_address` of its request).

    One plain INSERT: every scan pays for it, and the ORM's per-call query
    compilation cost twice the statement itself.
    """
    station: Station | None = principal.station
    user = principal.user
    values = (
        station.pk if station else None,
        user.pk if user is not None and user.is_authenticated else None,
        _storable(barcode)[:256],
        _storable(action)[:16],
        outcome,
        error_code,
        connection.ops.adapt_json_value(_storable_facts(error_params or {}), _JSON),
        _storable(message)[:300],
        item.pk if item else None,
        connection.ops.adapt_datetimefield_value(timezone.now()),
        connection.ops.adapt_ipaddressfield_value(client_address),
    )
    scan_log_insert(values)
    scan_logger.info(
        "scan station=%s user=%s client=%s action=%s barcode=%r outcome=%s"
        " item=%s error=%s",
        station.code if station else "-",
        getattr(principal.user, "username", "-"),
        client_address or "-",
        action,
        barcode,
        outcome,
        item.code if item else "-",
        error_code or "-",
    )


def scan_log_purge(*, now=None, batch: int = 10_000) -> int:
    """Delete scan-log rows older than ``SCAN_LOG_RETENTION_DAYS``; return how many.

    Oldest first, in batches by primary key (rows are written in time order),
    so a large backlog never holds one long lock and no index on ``at`` is
    needed on the table every scan writes to. Running it twice deletes nothing
    the second time.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(
        days=settings.SCAN_LOG_RETENTION_DAYS
    )
    deleted = 0
    while True:
        ids = list(
            ScanLog.objects.order_by("pk")
            .filter(at__lt=cutoff)
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return deleted
        deleted += ScanLog.objects.filter(pk__in=ids).delete()[0]
