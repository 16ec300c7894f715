"""``Idempotency-Key`` for POSTs, with the semantics of the IETF draft and Stripe.

The first request with a key claims it (a row, committed at once, scoped to
the caller). Its answer is stored in the same transaction as its effect, so a
repeat with the same key and body gets that answer back and changes nothing.
The same key with another body is refused (422); a repeat while the first is
still running is refused (409). A request that died mid-way rolled its effect
back; its key is free again after ``IDEMPOTENCY_LOCK_SECONDS``.
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import Conflict, InvalidInput, Unprocessable
from .models import IdempotencyKey

MAX_KEY = 255


@dataclass(frozen=True)
class Replay:
    status: int
    body: object


def request_fingerprint(*, method: str, path: str, data) -> str:
    """A digest of what the request asks for: method, path and canonical body."""
    canonical = json.dumps(
        data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder
    )
    digest = hashlib.sha256()
    for part in (method.upper(), path, canonical):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def idempotency_begin(*, user, key: str, fingerprint: str) -> IdempotencyKey | Replay:
    """Claim ``key`` for this request, or return the first answer given to it."""
    if not key or len(key) > MAX_KEY or not key.isascii() or not key.isprintable():
        raise InvalidInput(
            _("Idempotency-Key must be 1 to %(max)d printable ASCII characters.")
            % {"max": MAX_KEY},
            code="idempotency_key_invalid",
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                user=user, key=key, fingerprint=fingerprint, locked_at=now
            )
    except IntegrityError:
        pass
    record = IdempotencyKey.objects.get(user=user, key=key)
    if record.fingerprint != fingerprint:
        raise Unprocessable(
            _("This Idempotency-Key was used for a different request."),
            code="idempotency_key_reused",
        )
    if record.response_status is not None:
        return Replay(status=record.response_status, body=record.response_body)
    stale = now - dt.timedelta(seconds=settings.IDEMPOTENCY_LOCK_SECONDS)
    if record.locked_at and record.locked_at > stale:
        raise Conflict(
            _("A request with this Idempotency-Key is still being processed."),
            code="idempotency_in_progress",
        )
    # The first request died without an answer (its transaction rolled back): take over.
    taken = IdempotencyKey.objects.filter(
        pk=record.pk, locked_at=record.locked_at, response_status__isnull=True
    ).update(locked_at=now)
    if not taken:
        raise Conflict(
            _("A request with this Idempotency-Key is still being processed."),
            code="idempotency_in_progress",
        )
    record.locked_at = now
    return record


def idempotency_finish(*, record: IdempotencyKey, status: int, body) -> None:
    """Store the answer for ``record`` (call inside the request's transaction)."""
    stored = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
    IdempotencyKey.objects.filter(pk=record.pk).update(
        response_status=status, response_body=stored, locked_at=None
    )


def idempotency_release(*, record: IdempotencyKey) -> None:
    """Free ``key`` after a failure with no answer worth repeating (a server error)."""
    IdempotencyKey.objects.filter(pk=record.pk, response_status__isnull=True).delete()


def idempotency_keys_purge(*, now: dt.datetime | None = None) -> int:
    """Delete keys older than ``IDEMPOTENCY_KEY_TTL_HOURS``; return how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(
        hours=settings.IDEMPOTENCY_KEY_TTL_HOURS
    )
    deleted, _counts = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
