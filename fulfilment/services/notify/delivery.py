"""Delivering webhook messages: one drain job per endpoint sends its due
messages in order over one keep-alive connection, logs every attempt, and
reschedules failures with exponential backoff and full jitter; a beat sweep
starts drains for endpoints with due messages, which covers retries and any
message recorded while a drain was finishing.
"""

import logging
import time
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from warehouse.common.jobs import job_record
from warehouse.models import Job

from ...models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from ...webhooks import (
    WEBHOOK_BATCH_MAX,
    WEBHOOK_MAX_ATTEMPTS,
    WebhookUrlError,
    webhook_backoff,
    webhook_batch_body,
    webhook_batch_id,
    webhook_client,
    webhook_headers,
)
from .endpoints import url_check

logger = logging.getLogger("qcw.webhooks")


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
        url_check(endpoint.url, resolve=False)
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
