"""The log's public endpoints: JSON, no login, cacheable (RFC 9162's read API).

``/transparency/sth`` (the newest signed head), ``/sth/<size>``, ``/sths``
(every head, for auditors), ``/consistency?first=&second=``,
``/entries?start=&end=`` (at most :data:`~.reads.MAX_ENTRIES`) and
``/proof?number=&tree_size=`` (a certificate's entries and their inclusion
proofs). Hashes and signatures are base64; a leaf is its canonical JSON text.
"""

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ...models import Certificate, LogEntry, LogState
from . import reads

IMMUTABLE = 86400  # a head, a proof between heads or a page of entries never changes


def _error(status: int, code: str, message: str, name: str = "") -> JsonResponse:
    body = {"error": {"code": code, "message": message, "fields": {}}}
    if name:
        body["error"]["fields"] = {name: [message]}
    return JsonResponse(body, status=status)


class _Bad(Exception):
    def __init__(self, name: str):
        self.name = name


def _int(request, name: str, default: int | None = None) -> int:
    raw = request.GET.get(name)
    if raw in (None, "") and default is not None:
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise _Bad(name) from None
    if value < 0:
        raise _Bad(name)
    return value


def _bad(error: _Bad) -> JsonResponse:
    return _error(
        400,
        "invalid",
        _("%(name)s must be a whole number within the log.") % {"name": error.name},
        error.name,
    )


def _json(data: dict, max_age: int) -> JsonResponse:
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _size() -> int:
    state = LogState.objects.filter(pk=1).values_list("size", flat=True).first()
    return state or 0


def _head_missing() -> JsonResponse:
    return _error(404, "not_found", _("No signed tree head of that size."))


@require_GET
def sth(request):
    """The newest signed tree head."""
    head = reads.sth_latest()
    if head is None:
        return _head_missing()
    return _json(reads.sth_json(head), max_age=int(settings.TRANSPARENCY_STH_SECONDS))


@require_GET
def sth_at(request, size: int):
    """The newest signed tree head of ``size`` entries."""
    head = reads.sth_at(size)
    if head is None:
        return _head_missing()
    return _json(reads.sth_json(head), max_age=int(settings.TRANSPARENCY_STH_SECONDS))


@require_GET
def sth_list(request):
    """Every signed head, oldest first, from ``?after=<timestamp>`` (1,000 a page)."""
    try:
        after = _int(request, "after", default=0)
    except _Bad as error:
        return _bad(error)
    heads = reads.sth_list(after=after)
    return _json(
        {"sths": [reads.sth_json(h) for h in heads]},
        max_age=int(settings.TRANSPARENCY_STH_SECONDS),
    )


@require_GET
def consistency(request):
    """``PROOF(first, D[0:second])`` between two sizes the log has reached."""
    try:
        first, second = _int(request, "first"), _int(request, "second")
        if second > _size():
            raise _Bad("second")
        if first > second:
            raise _Bad("first")
    except _Bad as error:
        return _bad(error)
    return _json(reads.consistency_json(first, second), max_age=IMMUTABLE)


@require_GET
def entries(request):
    """Integrated entries ``start..end`` (inclusive), at most 1,000."""
    try:
        start = _int(request, "start")
        end = _int(request, "end", default=start + reads.MAX_ENTRIES - 1)
        if end < start:
            raise _Bad("end")
    except _Bad as error:
        return _bad(error)
    page = reads.entries_page(start, end)
    full = len(page) == min(end - start + 1, reads.MAX_ENTRIES)
    return _json({"entries": page}, max_age=IMMUTABLE if full else 10)


@require_GET
def proof(request):
    """A certificate's entries with their inclusion proofs in a signed head."""
    number = (request.GET.get("number") or "").strip().upper()
    try:
        size = (
            _int(request, "tree_size", default=-1)
            if "tree_size" in request.GET
            else None
        )
    except _Bad as error:
        return _bad(error)
    head = reads.sth_latest() if size is None else reads.sth_at(size)
    if head is None:
        return _head_missing()
    certificate = Certificate.objects.filter(number=number).first()
    found = (
        LogEntry.objects.filter(
            certificate=certificate, index__lt=head.tree_size
        ).order_by("index")
        if certificate
        else []
    )
    if not found:
        return _error(
            404, "not_found", _("No entry of that certificate in that tree head.")
        )
    return _json(
        {
            "number": number,
            "sth": reads.sth_json(head),
            "entries": [reads.inclusion_json(entry, head) for entry in found],
        },
        max_age=IMMUTABLE if size is not None else 10,
    )
