"""API keys of people: one per user (``rest_framework.authtoken``).

Deleting a key evicts it from every process's verified-token cache through
the signals in :mod:`warehouse.common.auth` (other processes within its TTL).
"""

from django.db import transaction
from rest_framework.authtoken.models import Token


def token_issue(*, user) -> Token:
    """A new API key for ``user``, replacing (and so revoking) any old one."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def token_revoke(*, user) -> bool:
    """Delete ``user``'s API key; whether there was one."""
    deleted, _rows = Token.objects.filter(user=user).delete()
    return bool(deleted)
