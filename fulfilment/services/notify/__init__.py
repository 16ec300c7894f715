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

One module per step: :mod:`.outbox` (recording messages, folding an order's
events), :mod:`.delivery` (the drains, retries and backoff), :mod:`.events`
(what each event carries), :mod:`.mail` (e-mail), :mod:`.endpoints` (the
receivers). Every name is re-exported here.
"""

from .delivery import drains_start, webhooks_deliver, webhooks_sweep
from .endpoints import (
    url_check,
    webhook_endpoint_create,
    webhook_endpoint_rotate,
    webhook_endpoint_update,
)
from .events import (
    VERDICT_STATES,
    merchant_return_notice,
    on_item_transition,
    order_dispatched,
    order_event,
    shipment_event,
)
from .mail import BUYER_LANGUAGES, email_record, email_send
from .outbox import (
    ENDPOINTS,
    ENDPOINTS_TTL_SECONDS,
    ORDER,
    PARCEL,
    endpoint_ids,
    event_record,
    webhook_emit,
    webhook_events_together,
)

__all__ = [
    "BUYER_LANGUAGES",
    "ENDPOINTS",
    "ENDPOINTS_TTL_SECONDS",
    "ORDER",
    "PARCEL",
    "VERDICT_STATES",
    "drains_start",
    "email_record",
    "email_send",
    "endpoint_ids",
    "event_record",
    "merchant_return_notice",
    "on_item_transition",
    "order_dispatched",
    "order_event",
    "shipment_event",
    "url_check",
    "webhook_emit",
    "webhook_endpoint_create",
    "webhook_endpoint_rotate",
    "webhook_endpoint_update",
    "webhook_events_together",
    "webhooks_deliver",
    "webhooks_sweep",
]
