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
from datetime import timedelta

import httpx
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
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
    Merchant,
    PlatformAccount,
    Warehouse,
)

from ..messages import email_render
from ..models import Order, Shipment, WebhookAttempt, WebhookEndpoint, WebhookMessage
from ..webhooks import (
    WEBHOOK_MAX_ATTEMPTS,
    WebhookUrlError,
    webhook_backoff,
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
    WebhookMessage.objects.bulk_create(
        WebhookMessage(
            endpoint_id=endpoint,
            msg_id=f"msg_{uuid.uuid4().hex}",
            event_type=event_type,
            body=body,
        )
        for endpoint in endpoints
    )
    # robust: the messages are committed with the caller's change, whose
    # answer must not turn into an error over a lost kick (the sweep drains)
    transaction.on_commit(lambda: drains_start(endpoints), robust=True)
    return len(endpoints)


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
            key=f"webhooks:{endpoint}",
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


def order_event(order: Order, event_type: str) -> None:
    webhook_emit(event_type, _order_data(order))


def shipment_event(shipment: Shipment, event_type: str) -> None:
    webhook_emit(
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
    webhook_emit(
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


def _post(client: httpx.Client, endpoint: WebhookEndpoint, message) -> WebhookAttempt:
    """Send one message; the attempt as the delivery log keeps it (unsaved)."""
    body = message.body.encode()
    headers = webhook_headers(
        secrets=endpoint.secrets,
        msg_id=message.msg_id,
        timestamp=int(time.time()),
        body=body,
    )
    started = time.monotonic()
    status, error = None, ""
    try:
        response = client.post(endpoint.url, content=body, headers=headers)
        status = response.status_code
        if not 200 <= status < 300:
            error = _("The receiver answered %(status)s.") % {"status": status}
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    return WebhookAttempt(
        message=message,
        status_code=status,
        error=error,
        duration_ms=int((time.monotonic() - started) * 1000),
    )


def _deliver_batch(client, endpoint, due: list) -> tuple[int, bool]:
    """Send ``due`` in order until one fails; record every attempt in bulk.

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
        delivered.append(message.pk)
    WebhookAttempt.objects.bulk_create(attempts)
    WebhookMessage.objects.filter(pk__in=delivered).update(
        state=WebhookMessage.State.DELIVERED,
        delivered_at=now,
        attempts=F("attempts") + 1,
    )
    if failed is not None:
        failed.attempts += 1
        if failed.attempts >= WEBHOOK_MAX_ATTEMPTS:
            failed.state = WebhookMessage.State.FAILED
        else:
            failed.next_attempt_at = now + timedelta(
                seconds=webhook_backoff(failed.attempts)
            )
        failed.save(update_fields=["attempts", "state", "next_attempt_at"])
        WebhookMessage.objects.filter(
            pk__in=[m.pk for m in due if m.pk > failed.pk],
            next_attempt_at__lt=failed.next_attempt_at,
        ).update(next_attempt_at=failed.next_attempt_at)
    return len(delivered), failed is not None


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
    """Job: send the endpoint's due messages, oldest first; returns how many."""
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
    while True:
        with transaction.atomic():
            due = list(
                WebhookMessage.objects.select_for_update(skip_locked=True)
                .filter(
                    endpoint=endpoint,
                    state=WebhookMessage.State.PENDING,
                    next_attempt_at__lte=timezone.now(),
                )
                .order_by("id")[:batch]
            )
            if not due:
                return total
            delivered, failed = _deliver_batch(client, endpoint, due)
            total += delivered
            if failed:
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


def webhook_endpoint_create(*, principal: Principal, url: str) -> WebhookEndpoint:
    """Register the platform's receiver; its first secret is answered once."""
    platform = PlatformAccount.objects.filter(user=principal.user).first()
    if platform is None:
        raise Forbidden(_("Only a platform account registers webhooks."))
    return WebhookEndpoint.objects.create(
        platform=platform, url=_check_url(url), secrets=[webhook_secret_new()]
    )


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
