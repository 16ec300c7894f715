"""Telling people: platform webhooks (Standard Webhooks), merchant and buyer email.

Every event is written as rows in the transaction of the change it reports:
one :class:`~fulfilment.models.WebhookMessage` per active endpoint (its id
and body fixed, so every retry sends the same), and a drain job per endpoint.
The drain sends due messages in order over one keep-alive connection, logs
every attempt, and reschedules failures with exponential backoff and full
jitter; a beat sweep starts drains for endpoints with due messages, which
covers retries and any message recorded while a drain was finishing.
Email goes through Django's email API as a job that stores what to say, not
the words: the e-mail's code (``fulfilment.messages.EMAILS``), its params and
the recipient's languages, rendered when it is sent (a merchant's in their
``language``; a buyer's, whose language no order names, in every language
the product speaks: Chinese, then English).
"""

import logging
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta

import httpx
from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from inspection.services.certificates import certificate_valid_link
from warehouse.common.access import Principal
from warehouse.common.exceptions import Forbidden, InvalidInput
from warehouse.common.jobs import job_record
from warehouse.fastpath.cache import TTLCache
from warehouse.fastpath.refs import CACHES
from warehouse.models import (
    Item,
    ItemEvent,
    ItemState,
    Job,
    Merchant,
    PlatformAccount,
    Warehouse,
)

from ..messages import email_render
from ..models import (
    Allocation,
    Order,
    OrderLine,
    Shipment,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookMessage,
)
from ..webhooks import (
    WEBHOOK_BATCH_MAX,
    WEBHOOK_MAX_ATTEMPTS,
    WebhookUrlError,
    webhook_backoff,
    webhook_batch_body,
    webhook_batch_id,
    webhook_client,
    webhook_headers,
    webhook_payload,
    webhook_secret_new,
    webhook_url_validate,
)

logger = logging.getLogger("qcw.webhooks")
S = ItemState
VERDICT_STATES = (S.PASSED, S.FAILED, S.HELD)


# --- webhooks: recording ------------------------------------------------------


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


def _endpoint_ids() -> list[int]:
    return ENDPOINTS.get("active")


def webhook_emit(event_type: str, data: dict) -> int:
    """Record one message per active endpoint, in the caller's transaction."""
    endpoints = _endpoint_ids()
    if not endpoints:
        return 0
    body = webhook_payload(event_type, data, at=timezone.now()).decode()
    _record(endpoints, event_type, body)
    return len(endpoints)


def _record(endpoints: list[int], event_type: str, body: str) -> list[str]:
    """Insert the message for every endpoint; its ids. The drains start after
    the transaction commits (:func:`drains_start`)."""
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


def _tell(key: tuple[str, int], kind: str, event_type: str, data: dict) -> None:
    """Record an event of an order (or of a parcel without one): folded into
    the message its order already has in this transaction, or a new one."""
    endpoints = _endpoint_ids()
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
    endpoints = _endpoint_ids()
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


def drains_start(endpoints) -> None:
    """Record a drain job per endpoint (one pending at most), outside the
    emitting transaction.

    Called after the emitting transaction commits, not inside it: a keyed job
    row is one row that every transaction emitting events would otherwise
    insert, and wait on, while holding its own locks (lots, orders), which
    deadlocks under a burst. The messages themselves are already committed;
    if this kick is lost, :func:`webhooks_sweep` starts the drain.
    """
    for endpoint in endpoints:  # in autocommit: job_record keeps its insert atomic
        job_record(
            name="fulfilment.webhooks_deliver",
            args={"endpoint_id": endpoint},
            key=_drain_key(endpoint),
        )


def _drain_key(endpoint_id: int) -> str:
    return f"webhooks:{endpoint_id}"


def _drain_end(endpoint_id: int) -> None:
    """End a drain that found nothing more due: free its job's key, then look
    once more.

    While the drain's job is pending it holds the key, so a message committed
    after the drain's last look finds it and records no drain of its own.
    Freed first, the key lets any later message start the next drain; and the
    look after it finds what came in between and starts that drain itself.
    One drain per receiver at a time keeps its messages in order.
    """
    Job.objects.filter(key=_drain_key(endpoint_id), state=Job.State.PENDING).update(
        key=""
    )
    if _due(endpoint_id).exists():
        drains_start([endpoint_id])


def _due(endpoint_id: int):
    return WebhookMessage.objects.filter(
        endpoint_id=endpoint_id,
        state=WebhookMessage.State.PENDING,
        next_attempt_at__lte=timezone.now(),
    )


def on_item_transition(item: Item, event: ItemEvent) -> None:
    """Lifecycle observer: the platform hears of every state change; the
    merchant of every verdict."""
    webhook_emit(
        "item.state_changed",
        {
            "item": item.code,
            "merchant": _code(item, "merchant"),
            "warehouse": _code(item, "warehouse"),
            "sku": item.sku,
            "order_ref": item.order_ref,
            "from": event.from_state,
            "to": event.to_state,
            "at": event.at.isoformat(),
        },
    )
    if event.to_state in VERDICT_STATES:
        merchant = CACHES[Merchant].get(item.merchant_id)
        if merchant.contact_email:
            email_record(
                to=merchant.contact_email,
                languages=[merchant.language],
                message="item_verdict",
                params={
                    "code": item.code,
                    "title": item.title,
                    "state": event.to_state,  # shown as its name: 合格, passed
                    "reason": {
                        "code": event.reason_code,
                        "params": event.reason_params,
                        "text": event.reason,
                    },
                },
            )


def _code(item: Item, relation: str) -> str:
    model = Merchant if relation == "merchant" else Warehouse
    return CACHES[model].get(getattr(item, f"{relation}_id")).code


def _order_data(order: Order) -> dict:
    return {
        "order_id": order.external_id,
        "merchant": order.merchant.code,
        "warehouse": order.warehouse.code,
        "status": order.status,
        "promise": order.promise,
        "deadline": order.deadline.isoformat(),
        "promise_state": order.promise_state,
    }


def _allocation_lines(order: Order) -> list[dict]:
    """The order's lines with what is allocated to them, as the order API
    answers them: ``allocated`` lists each item given and its quantity (the
    order-first line's item; for a stock-first line each lot it takes units
    of, named by its item's code). From the lines and allocations this
    transaction already holds (``related_known``), else one read."""
    rows = _known_allocations(order)
    if rows is None:
        rows = (
            OrderLine.objects.filter(order_id=order.pk)
            .order_by("line", "allocations__id")
            .values_list(
                "line",
                "item_code",
                "sku",
                "quantity",
                "allocations__item__code",
                "allocations__quantity",
                "allocations__cancelled_at",
            )
        )
    lines: dict[int, dict] = {}
    for n, code, sku, quantity, item, taken, cancelled in rows:
        line = lines.setdefault(
            n,
            {
                "line": n,
                "item_code": code or None,
                "sku": sku,
                "quantity": quantity,
                "allocated": [],
            },
        )
        if item is not None and cancelled is None:
            line["allocated"].append({"item": item, "quantity": taken})
    return list(lines.values())


def _known_allocations(order: Order) -> list[tuple] | None:
    """The rows :func:`_allocation_lines` reads, if the order's lines, their
    allocations and those allocations' items are all in memory."""
    known = getattr(order, "_prefetched_objects_cache", {}).get("lines")
    if known is None:
        return None
    rows = []
    for line in known:
        allocations = getattr(line, "_prefetched_objects_cache", {}).get("allocations")
        if allocations is None:
            return None
        head = (line.line, line.item_code, line.sku, line.quantity)
        if not allocations:
            rows.append((*head, None, None, None))
        for allocation in allocations:
            if not Allocation.item.is_cached(allocation):
                return None
            rows.append(
                (
                    *head,
                    allocation.item.code,
                    allocation.quantity,
                    allocation.cancelled_at,
                )
            )
    return rows


def order_event(order: Order, event_type: str) -> None:
    """An order's event; ``order.allocated`` carries the allocation. Folded
    with the order's other events of this transaction (see :class:`_Fold`)."""
    if not _endpoint_ids():
        return
    data = _order_data(order)
    if event_type == "order.allocated":
        data["lines"] = _allocation_lines(order)
    _tell((ORDER, order.pk), ORDER, event_type, data)


def shipment_event(shipment: Shipment, event_type: str) -> None:
    """A parcel's event: folded with its order's events of this transaction."""
    key = (ORDER, shipment.order_id) if shipment.order_id else (PARCEL, shipment.pk)
    _tell(
        key,
        PARCEL,
        event_type,
        {
            "parcel": shipment.reference,
            "kind": shipment.kind,
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "order_id": shipment.order.external_id if shipment.order_id else None,
            "status": shipment.status,
        },
    )


def _certificate_links(shipment: Shipment) -> list[str]:
    links = (
        certificate_valid_link(content.item)
        for content in shipment.contents.select_related("item")
    )
    return [link for link in links if link]


def order_dispatched(order: Order, shipment: Shipment) -> None:
    """The platform and the buyer hear the parcel left, with tracking and
    certificate links."""
    links = _certificate_links(shipment)
    _tell(
        (ORDER, order.pk),
        ORDER,
        "order.dispatched",
        {
            **_order_data(order),
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "dispatched_at": order.dispatched_at.isoformat(),
            "certificates": links,
        },
    )
    if order.buyer_email:
        email_record(
            to=order.buyer_email,
            languages=BUYER_LANGUAGES,
            message="order_on_its_way",
            params={
                "order": order.external_id,
                "carrier": shipment.carrier,
                "tracking": shipment.tracking_number,
                "links": " ".join(links) or "-",
            },
        )


def merchant_return_notice(item: Item, shipment: Shipment) -> None:
    if item.merchant.contact_email:
        email_record(
            to=item.merchant.contact_email,
            languages=[item.merchant.language],
            message="item_returning",
            params={
                "code": item.code,
                "title": item.title,
                "carrier": shipment.carrier,
            },
        )


# --- email --------------------------------------------------------------------

# A buyer's e-mails: the order names no language, so every one the product
# speaks, in settings order (Chinese, then English).
BUYER_LANGUAGES = [code for code, _name in settings.LANGUAGES]


def email_record(*, to: str, languages: list[str], message: str, params: dict) -> None:
    """Record an e-mail to send: its code of ``fulfilment.messages.EMAILS`` and
    its params (plain data), rendered in ``languages`` when it is sent."""
    job_record(
        name="fulfilment.email_send",
        args={
            "to": to,
            "languages": list(languages),
            "message": message,
            "params": params,
        },
    )


def email_send(
    *,
    to: str,
    languages: list[str] | None = None,
    message: str = "",
    params: dict | None = None,
    subject: str = "",
    body: str = "",
) -> None:
    """Job: send one email (at least once: a crash after sending resends it).

    Its words are rendered now, in the recipient's ``languages``
    (:func:`fulfilment.messages.email_render`); a job recorded before e-mails
    were codes carries its ``subject`` and ``body`` and is sent as written.
    """
    if message:
        subject, body = email_render(
            message, params or {}, languages or [settings.LANGUAGE_CODE]
        )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


# --- webhooks: delivering -----------------------------------------------------


def _send(client: httpx.Client, url: str, body: bytes, headers: dict) -> tuple:
    """POST one request: (status or None, error or "", milliseconds)."""
    started = time.monotonic()
    status, error = None, ""
    try:
        response = client.post(url, content=body, headers=headers)
        status = response.status_code
        if not 200 <= status < 300:
            error = _("The receiver answered %(status)s.") % {"status": status}
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    return status, error, int((time.monotonic() - started) * 1000)


def _post(client: httpx.Client, endpoint: WebhookEndpoint, message) -> WebhookAttempt:
    """Send one message; the attempt as the delivery log keeps it (unsaved)."""
    body = message.body.encode()
    headers = webhook_headers(
        secrets=endpoint.secrets,
        msg_id=message.msg_id,
        timestamp=int(time.time()),
        body=body,
    )
    status, error, duration = _send(client, endpoint.url, body, headers)
    return WebhookAttempt(
        message=message, status_code=status, error=error, duration_ms=duration
    )


def _delivered(messages: list, now) -> None:
    WebhookMessage.objects.filter(pk__in=[m.pk for m in messages]).update(
        state=WebhookMessage.State.DELIVERED,
        delivered_at=now,
        attempts=F("attempts") + 1,
    )


def _later_wait(due: list, after: int, retry_at) -> None:
    """The messages of ``due`` after pk ``after`` wait for its retry, so the
    receiver sees events in order."""
    WebhookMessage.objects.filter(
        pk__in=[m.pk for m in due if m.pk > after],
        next_attempt_at__lt=retry_at,
    ).update(next_attempt_at=retry_at)


def _deliver_each(client, endpoint, due: list) -> tuple[int, bool]:
    """Send ``due`` in order, one request each (over the client's kept-alive
    connection), until one fails; record every attempt in bulk.

    Returns (delivered, failed). After a failure the rest of the batch waits
    for that message's retry, so the receiver sees events in order.
    """
    attempts, delivered, now = [], [], timezone.now()
    failed = None
    for message in due:
        attempt = _post(client, endpoint, message)
        attempts.append(attempt)
        if attempt.error:
            failed = message
            break
        delivered.append(message)
    WebhookAttempt.objects.bulk_create(attempts)
    _delivered(delivered, now)
    if failed is not None:
        failed.attempts += 1
        if failed.attempts >= WEBHOOK_MAX_ATTEMPTS:
            failed.state = WebhookMessage.State.FAILED
        else:
            failed.next_attempt_at = now + timedelta(
                seconds=webhook_backoff(failed.attempts)
            )
        failed.save(update_fields=["attempts", "state", "next_attempt_at"])
        _later_wait(due, failed.pk, failed.next_attempt_at)
    return len(delivered), failed is not None


def _deliver_batched(client, endpoint, due: list) -> tuple[int, bool]:
    """Send ``due`` in order as requests of up to ``WEBHOOK_BATCH_MAX``
    messages, each one signed JSON array, until one fails.

    A request's messages share its fate: delivered together, or each counts
    the attempt and all wait for the same retry (the same messages again
    make the same batch id). Returns (delivered, failed).
    """
    delivered = 0
    for start in range(0, len(due), WEBHOOK_BATCH_MAX):
        chunk = due[start : start + WEBHOOK_BATCH_MAX]
        body = webhook_batch_body([(m.msg_id, m.body) for m in chunk])
        headers = webhook_headers(
            secrets=endpoint.secrets,
            msg_id=webhook_batch_id([m.msg_id for m in chunk]),
            timestamp=int(time.time()),
            body=body,
        )
        status, error, duration = _send(client, endpoint.url, body, headers)
        now = timezone.now()
        WebhookAttempt.objects.bulk_create(
            WebhookAttempt(
                message=m, status_code=status, error=error, duration_ms=duration
            )
            for m in chunk
        )
        if not error:
            _delivered(chunk, now)
            delivered += len(chunk)
            continue
        tries = max(m.attempts for m in chunk) + 1
        retry_at = now + timedelta(seconds=webhook_backoff(tries))
        ids = [m.pk for m in chunk]
        WebhookMessage.objects.filter(pk__in=ids).update(
            attempts=F("attempts") + 1, next_attempt_at=retry_at
        )
        WebhookMessage.objects.filter(
            pk__in=ids, attempts__gte=WEBHOOK_MAX_ATTEMPTS
        ).update(state=WebhookMessage.State.FAILED)
        _later_wait(due, chunk[-1].pk, retry_at)
        return delivered, True
    return delivered, False


_clients: dict[bool, httpx.Client] = {}


def _http_client() -> httpx.Client:
    """One client per process, kept: making one (its TLS context) costs more
    than a whole delivery, and it keeps connections to receivers alive. Its
    connections resolve and check the receiver's address as they open
    (:func:`~fulfilment.webhooks.webhook_client`); one per setting of
    ``WEBHOOK_ALLOW_PRIVATE_ADDRESSES``, which tests turn on and off."""
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES
    client = _clients.get(allow_private)
    if client is None:
        client = _clients[allow_private] = webhook_client(
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS, allow_private=allow_private
        )
    return client


def webhooks_deliver(*, endpoint_id: int, batch: int = 200) -> int:
    """Job: send the endpoint's due messages, oldest first; returns how many.

    One client, kept per process, carries every request over its kept-alive
    connection to the receiver. A ``batched`` endpoint gets them as signed
    arrays (:func:`_deliver_batched`), any other one request per message.
    """
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id, is_active=True).first()
    if endpoint is None:
        return 0
    try:  # the connection resolves the name and checks what it connects to
        _url_check(endpoint.url, resolve=False)
    except WebhookUrlError as exc:
        logger.error("Webhook endpoint %s refused: %s", endpoint.pk, exc)
        return 0
    total = 0
    client = _http_client()
    deliver = _deliver_batched if endpoint.batched else _deliver_each
    while True:
        with transaction.atomic():
            due = list(
                _due(endpoint.pk)
                .select_for_update(skip_locked=True)
                .order_by("id")[:batch]
            )
            if not due:
                break
            delivered, failed = deliver(client, endpoint, due)
            total += delivered
            if failed:
                return total
    _drain_end(endpoint.pk)
    return total


def webhooks_sweep() -> int:
    """Periodic (beat): start a drain for every endpoint with due messages."""
    endpoints = set(
        WebhookMessage.objects.filter(
            state=WebhookMessage.State.PENDING, next_attempt_at__lte=timezone.now()
        ).values_list("endpoint_id", flat=True)
    )
    drains_start(endpoints)
    return len(endpoints)


# --- endpoints ----------------------------------------------------------------


def _url_check(url: str, *, resolve: bool = True) -> str:
    """Validate (and resolve) a receiver's URL: checked again before every
    drain, and what a name resolves to on every connection delivery opens."""
    return webhook_url_validate(
        url, resolve=resolve, allow_private=settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES
    )


def _check_url(url: str) -> str:
    try:
        return _url_check(url)
    except WebhookUrlError as exc:
        raise InvalidInput(
            str(exc), code="invalid_url", fields={"url": [str(exc)]}
        ) from exc


def webhook_endpoint_create(
    *, principal: Principal, url: str, batched: bool = False
) -> WebhookEndpoint:
    """Register the platform's receiver; its first secret is answered once.
    ``batched``: it takes many events per request (see ``webhooks_deliver``)."""
    platform = PlatformAccount.objects.filter(user=principal.user).first()
    if platform is None:
        raise Forbidden(_("Only a platform account registers webhooks."))
    return WebhookEndpoint.objects.create(
        platform=platform,
        url=_check_url(url),
        secrets=[webhook_secret_new()],
        batched=batched,
    )


def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, batched: bool | None = None
) -> WebhookEndpoint:
    """Change how the receiver takes its messages: ``batched`` or one per
    request, from its next drain on (messages waiting go the new way)."""
    if batched is not None and batched != endpoint.batched:
        endpoint.batched = batched
        endpoint.save(update_fields=["batched"])
    return endpoint


def webhook_endpoint_rotate(
    *, endpoint: WebhookEndpoint, drop_old: bool = False
) -> WebhookEndpoint:
    """Start signing with a new secret; the old keeps signing until dropped."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if drop_old:
            endpoint.secrets = endpoint.secrets[:1]
        else:
            endpoint.secrets = [webhook_secret_new(), *endpoint.secrets[:1]]
        endpoint.save(update_fields=["secrets"])
    return endpoint
