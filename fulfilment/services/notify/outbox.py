"""Webhook messages recorded in the transaction of the change they report.

One :class:`~fulfilment.models.WebhookMessage` per active endpoint (its id
and body fixed, so every retry sends the same); the events of one order in
one transaction folded into one message; the endpoints' drains
(:mod:`.delivery`) started once the transaction commits.
"""

import logging
import uuid
from contextlib import contextmanager

from django.db import DatabaseError, transaction
from django.utils import timezone

from warehouse.fastpath.cache import TTLCache

from ...models import WebhookEndpoint, WebhookMessage
from ...webhooks import webhook_payload
from .delivery import drains_start

logger = logging.getLogger("qcw.webhooks")

ENDPOINTS_TTL_SECONDS = 10.0


def _active_endpoint_ids(_key) -> list[int]:
    return list(
        WebhookEndpoint.objects.filter(is_active=True).values_list("pk", flat=True)
    )


# Active endpoints, read at most every few seconds per process: every state
# change asks, and the scan path should not pay a query for it. A change to
# an endpoint forgets them (fulfilment.wiring).
ENDPOINTS = TTLCache(
    "active webhook endpoints",
    ttl=ENDPOINTS_TTL_SECONDS,
    max_size=1,
    load=_active_endpoint_ids,
)


def endpoint_ids() -> list[int]:
    return ENDPOINTS.get("active")


def webhook_emit(event_type: str, data: dict) -> int:
    """Record one message per active endpoint, in the caller's transaction."""
    endpoints = endpoint_ids()
    if not endpoints:
        return 0
    body = webhook_payload(event_type, data, at=timezone.now()).decode()
    _record(endpoints, event_type, body)
    return len(endpoints)


def _record(endpoints: list[int], event_type: str, body: str) -> list[str]:
    """Insert the message for every endpoint; its ids. The drains start after
    the transaction commits (:func:`~.delivery.drains_start`)."""
    msg_ids = [f"msg_{uuid.uuid4().hex}" for _ in endpoints]
    WebhookMessage.objects.bulk_create(
        WebhookMessage(
            endpoint_id=endpoint, msg_id=msg_id, event_type=event_type, body=body
        )
        for endpoint, msg_id in zip(endpoints, msg_ids, strict=True)
    )
    _kick(endpoints)
    return msg_ids


# --- one message per order and transaction -------------------------------------
#
# The events of one order in one transaction are folded into one message
# (its row is written at the first event and rewritten at each later one, in
# the same transaction, so the message still commits or rolls back with the
# change it reports): ``order.created`` and the allocation that follows it
# in the order's own transaction are one ``order.accepted``. Which
# transaction a row belongs to is Django's own bookkeeping: a per-transaction
# record (:class:`_Transaction`) is an on-commit callback, pending until the
# transaction commits or rolls back (or the savepoint it was made in rolls
# back), and inside a test case's wrapping transaction the outermost block
# of the code under test counts as the transaction. A rewrite names the body
# it replaces, so a savepoint rolled back under it makes it touch no row,
# and the event becomes a message of its own instead.

ORDER, PARCEL = "order", "parcel"


def _merged_type(events: list[str]) -> str:
    """A folded message's type: ``order.accepted`` for an order created and
    allocated together; otherwise the last event's (its ``events`` list every
    one)."""
    if events[0] == "order.created" and "order.allocated" in events:
        return "order.accepted"
    return events[-1]


class _Fold:
    """The message one order (or parcel without an order) has so far in
    this transaction: its rows' ids and body, and the events folded in."""

    def __init__(self):
        self.msg_ids: list[str] = []
        self.body = ""
        self.events: list[tuple[str, str, dict]] = []  # (kind, type, data)
        # Held in memory (see webhook_events_together): no row yet, and each
        # event's on-commit mark, gone if a savepoint under it rolled back.
        self.held = False
        self.marks: list[_Mark] = []

    @property
    def event_type(self) -> str:
        return _merged_type([event for _kind, event, _data in self.events])

    def data(self) -> dict:
        if len(self.events) == 1:
            return self.events[0][2]
        top: dict = {}
        parcels: dict[str, dict] = {}
        for kind, _event, data in self.events:
            if kind == PARCEL:
                parcels.setdefault(data["parcel"], {}).update(data)
            else:
                top.update(data)
        if parcels and not top and len(parcels) == 1:
            top = next(iter(parcels.values()))
        elif parcels:
            order_id = next(iter(parcels.values())).get("order_id")
            top.setdefault("order_id", order_id)
            top["parcels"] = list(parcels.values())
        top["events"] = [event for _kind, event, _data in self.events]
        return top

    def render(self) -> str:
        return webhook_payload(self.event_type, self.data(), at=timezone.now()).decode()


class _Mark:
    """An on-commit callback that does nothing: while it is pending, what was
    recorded beside it has not been rolled back."""

    def __init__(self):
        self.__qualname__ = "webhook event mark"

    def __call__(self) -> None:
        pass


class _Transaction:
    """What one transaction has recorded: the drains to start after it
    commits (it is that on-commit callback) and each order's message."""

    def __init__(self, token):
        self.__qualname__ = "webhook drains start"  # Django logs a callback so
        self.token = token
        self.endpoints: set[int] = set()
        self.folds: dict[tuple[str, int], _Fold] = {}
        self.at = -1  # where it was last seen in the on-commit callbacks
        self.held: list[_Fold] | None = None  # inside webhook_events_together
        self._mark: tuple[tuple, _Mark] | None = None

    def __call__(self) -> None:
        drains_start(sorted(self.endpoints))

    def mark(self) -> "_Mark":
        """A mark for what is recorded now: one per set of open savepoints
        (a savepoint's id is never reused within a transaction)."""
        savepoints = tuple(transaction.get_connection().savepoint_ids)
        if self._mark is None or self._mark[0] != savepoints:
            mark = _Mark()
            transaction.on_commit(mark)
            self._mark = (savepoints, mark)
        return self._mark[1]


def _token(connection):
    """The transaction the code under test is in (a test case's wrapping
    blocks aside): ``"tx"`` for the outermost, a savepoint's id for a block
    inside a test's; None outside one (autocommit), when each event is a
    message and each message kicks its drain at once."""
    if not connection.in_atomic_block:
        return None
    for depth, block in enumerate(connection.atomic_blocks):
        if not getattr(block, "_from_testcase", False):
            if depth == 0:
                return "tx"
            ids = connection.savepoint_ids
            return ids[depth - 1] if depth - 1 < len(ids) else None
    return None


def _pending(connection, callback) -> bool:
    """Whether ``callback`` is still to run on commit (not rolled back)."""
    hooks = connection.run_on_commit
    if 0 <= callback.at < len(hooks) and hooks[callback.at][1] is callback:
        return True
    for at, (_sids, func, _robust) in enumerate(hooks):
        if func is callback:
            callback.at = at
            return True
    return False


def _transaction() -> _Transaction | None:
    connection = transaction.get_connection()
    token = _token(connection)
    if token is None:
        return None
    current = getattr(connection, "_webhook_transaction", None)
    if current is not None and current.token == token and _pending(connection, current):
        return current
    current = connection._webhook_transaction = _Transaction(token)
    # robust: the messages are committed with the caller's change, whose
    # answer must not turn into an error over a lost kick (the sweep drains)
    transaction.on_commit(current, robust=True)
    current.at = len(connection.run_on_commit) - 1
    return current


def _kick(endpoints: list[int]) -> None:
    """Start the endpoints' drains once this transaction commits (one kick
    per transaction, however many messages), or now outside one."""
    current = _transaction()
    if current is None:
        transaction.on_commit(lambda: drains_start(endpoints), robust=True)
    else:
        current.endpoints.update(endpoints)


def event_record(key: tuple[str, int], kind: str, event_type: str, data: dict) -> None:
    """Record an event of an order (or of a parcel without one): folded into
    the message its order already has in this transaction, or a new one."""
    endpoints = endpoint_ids()
    if not endpoints:
        return
    current = _transaction()
    if current is None:
        webhook_emit(event_type, data)
        return
    fold = current.folds.get(key)
    if current.held is not None and (fold is None or fold.held):
        if fold is None:
            fold = current.folds[key] = _Fold()
            fold.held = True
            current.held.append(fold)
        fold.events.append((kind, event_type, data))
        fold.marks.append(current.mark())
        return
    if fold is not None and fold.msg_ids and not fold.held:
        fold.events.append((kind, event_type, data))
        body = fold.render()
        rewritten = WebhookMessage.objects.filter(
            msg_id__in=fold.msg_ids, body=fold.body
        ).update(event_type=fold.event_type, body=body)
        if rewritten == len(fold.msg_ids):
            fold.body = body
            return
    fold = current.folds[key] = _Fold()
    fold.events.append((kind, event_type, data))
    fold.body = fold.render()
    fold.msg_ids = _record(endpoints, fold.event_type, fold.body)


@contextmanager
def webhook_events_together():
    """Within it, in a transaction: the order and parcel events recorded are
    kept in memory and written when it ends, each order's folded into its
    one message as ever, all in one INSERT (a batch of orders then costs one
    statement for its messages, not one or two per order). They are still
    written in the caller's transaction; an event under a savepoint that
    rolled back is left out. Item events are written as they happen, so
    here they come before the orders' messages. Outside a transaction, or
    nested, it changes nothing."""
    current = _transaction()
    if current is None or current.held is not None:
        yield
        return
    current.held = []
    try:
        yield
    except BaseException:
        if not transaction.get_connection().needs_rollback:
            try:
                _held_write(current)
            except DatabaseError:  # the transaction is failing anyway
                logger.exception("Webhook messages held for a batch not written")
        raise
    else:
        _held_write(current)
    finally:
        current.held = None
        # what was not written (rolled back, or the write failed) is forgotten
        unwritten = [k for k, f in current.folds.items() if f.held or not f.msg_ids]
        for key in unwritten:
            del current.folds[key]


def _held_write(current: _Transaction) -> None:
    """Write the messages held by :func:`webhook_events_together`."""
    held = current.held
    live = {id(f) for _sids, f, _robust in transaction.get_connection().run_on_commit}
    endpoints = endpoint_ids()
    rows = []
    for fold in held:
        fold.events = [
            event
            for event, mark in zip(fold.events, fold.marks, strict=True)
            if id(mark) in live
        ]
        if not fold.events or not endpoints:
            continue  # forgotten when the block ends
        fold.held, fold.marks = False, []
        fold.body = fold.render()
        fold.msg_ids = [f"msg_{uuid.uuid4().hex}" for _ in endpoints]
        rows.extend(
            WebhookMessage(
                endpoint_id=endpoint,
                msg_id=msg_id,
                event_type=fold.event_type,
                body=fold.body,
            )
            for endpoint, msg_id in zip(endpoints, fold.msg_ids, strict=True)
        )
    if rows:
        WebhookMessage.objects.bulk_create(rows)
        _kick(endpoints)
