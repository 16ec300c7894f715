"""The operator's public keys, for anyone who checks a QR seal offline."""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from ..trust.keys import jwks

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
