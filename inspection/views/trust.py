"""The operator's public keys, for anyone who checks a QR seal offline."""

import logging

from django.conf import settings
from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..trust.keys import TrustError, jwks
from ..trust.seal import REASONS

logger = logging.getLogger(__name__)

KEYS_MAX_AGE = 300
"""Seconds a copy of the keys may be reused: a revocation reaches every
reader within this long."""


@require_GET
def seal_keys_json(request):
    """``/.well-known/qcw-keys.json``: the seal keys as a JWKS (RFC 7517), with
    their validity dates and revocations; public, cacheable, readable from any
    origin (a verifier page elsewhere, a file opened locally)."""
    response = JsonResponse(jwks())
    response["Cache-Control"] = f"public, max-age={KEYS_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def seal_messages() -> dict:
    """What the in-browser seal check says, in the active language (by state,
    ``reason_<code>`` for why a seal is not genuine, ``fact_<name>`` for
    what it states)."""
    words = {
        "checking": _("Checking the seal…"),
        "valid-confirmed": _("signature valid; server confirms: valid"),
        "valid-unreachable": _("signature valid; server unreachable"),
        "valid-revoked": _("signature valid; server says: revoked"),
        "valid-offline": _("signature valid (checked offline)"),
        "not-genuine": _("not genuine"),
        "unsupported": _("This browser cannot check the seal's signature."),
        "reason_mismatch": _("The seal is of another certificate than this page's."),
        "fact_number": _("Certificate No."),
        "fact_item": _("Item code"),
        "fact_category": _("Category"),
        "fact_material": _("Material"),
        "fact_weight": _("Certified weight"),
        "fact_verdict": _("Verdict"),
        "fact_warehouse": _("Warehouse"),
        "fact_issued": _("Issued"),
    }
    words.update({f"reason_{code}": text for code, text in REASONS.items()})
    return {key: str(text) for key, text in words.items()}


def seal_verifier_context(languages=None) -> dict:
    """The published keys and the check's words (``languages``: each of them,
    by default the active one), for a page that checks seals in the browser."""
    languages = languages or [translation.get_language() or settings.LANGUAGE_CODE]
    messages = {}
    for language in languages:
        with translation.override(language):
            messages[language] = seal_messages()
    try:
        keys = jwks()
    except TrustError:
        logger.warning("no seal keys: the verify page cannot check seals")
        keys = None
    return {"seal_keys": keys, "seal_messages": messages}
