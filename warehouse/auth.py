"""API authentication: ``Authorization: Token <key>``, one key per user.

Stations, merchant users, inspectors and the platform each authenticate as
their own user. The token lookup joins the user's station, so a station (the
caller on the hot path) is resolved in that one query.

A scanner station sends the same token many times a second, so each process
keeps a verified token (with its user and role) for ``API_TOKEN_CACHE_SECONDS``
(30 s by default; 0 turns it off): that query was most of a scan's cost.
Deleting a token, or saving its user, their station, staff role, merchant or
membership, evicts it in this process at once; other processes notice within
that many seconds.
"""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from .models import (
    Merchant,
    MerchantMembership,
    PlatformAccount,
    StaffAssignment,
    Station,
)

MAX_CACHED_TOKENS = 10_000
_verified: dict[str, tuple[float, object, Token]] = {}


class TokenAuthentication(authentication.TokenAuthentication):
    model = Token

    def authenticate_credentials(self, key):
        now = time.monotonic()
        hit = _verified.get(key)
        if hit is not None and hit[0] > now:
            return hit[1], hit[2]
        try:
            # Stations call most often: their row comes in the same query. A
            # wider join (membership, merchant, platform) cost PostgreSQL ~5 ms
            # of planning per request; other roles load theirs lazily.
            token = Token.objects.select_related("user", "user__station").get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        ttl = settings.API_TOKEN_CACHE_SECONDS
        if ttl > 0:
            if len(_verified) >= MAX_CACHED_TOKENS:
                _verified.clear()
            _verified[key] = (now + ttl, token.user, token)
        return token.user, token


def token_cache_clear() -> None:
    _verified.clear()


def _evict_user(user_id) -> None:
    for key, (_expiry, user, _token) in list(_verified.items()):
        if user.pk == user_id:
            _verified.pop(key, None)


def _on_token(sender, instance, **kwargs):
    _verified.pop(instance.key, None)


def _on_user(sender, instance, **kwargs):
    _evict_user(instance.pk)


def _on_role(sender, instance, **kwargs):
    _evict_user(instance.user_id)


def _on_merchant(sender, instance, **kwargs):
    token_cache_clear()  # rare: a merchant (de)activated or renamed


for _signal in (post_save, post_delete):
    _signal.connect(_on_token, sender=Token, dispatch_uid="token-cache-token")
    _signal.connect(_on_user, sender=get_user_model(), dispatch_uid="token-cache-user")
    for _model in (Station, MerchantMembership, PlatformAccount, StaffAssignment):
        _signal.connect(
            _on_role, sender=_model, dispatch_uid=f"token-cache-{_model._meta}"
        )
    _signal.connect(_on_merchant, sender=Merchant, dispatch_uid="token-cache-merchant")
