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

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from warehouse.fastpath.cache import TTLCache, evict_on
from warehouse.models import (
    Merchant,
    MerchantMembership,
    PlatformAccount,
    StaffAssignment,
    Station,
)

MAX_CACHED_TOKENS = 10_000
# key → (user, token), verified
TOKENS = TTLCache(
    "API tokens",
    ttl=lambda: settings.API_TOKEN_CACHE_SECONDS,
    max_size=MAX_CACHED_TOKENS,
)


class TokenAuthentication(authentication.TokenAuthentication):
    model = Token

    def authenticate_credentials(self, key):
        hit = TOKENS.get(key)
        if hit is not None:
            return hit
        try:
            # Stations call most often: their row comes in the same query. A
            # wider join (membership, merchant, platform) cost PostgreSQL ~5 ms
            # of planning per request; other roles load theirs lazily.
            token = Token.objects.select_related("user", "user__station").get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        TOKENS.put(key, (token.user, token))
        return token.user, token


def _of_user(user, _key, cached) -> bool:
    return cached[0].pk == user.pk


def _of_role_holder(role, _key, cached) -> bool:
    return cached[0].pk == role.user_id


evict_on(Token, TOKENS, key=lambda token: token.key)
evict_on(get_user_model(), TOKENS, where=_of_user)
for _model in (Station, MerchantMembership, PlatformAccount, StaffAssignment):
    evict_on(_model, TOKENS, where=_of_role_holder)
evict_on(Merchant, TOKENS)  # rare: a merchant (de)activated or renamed
