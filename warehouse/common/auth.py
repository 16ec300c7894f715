"""API authentication: ``Authorization: Token <key>``, one key per user.

Stations, merchant users, inspectors and the platform each authenticate as
their own user. The token lookup joins the user's station, so a station (the
caller on the hot path) is resolved in that one query.

A scanner station sends the same token many times a second, so each process
keeps a verified token (with its user and role) for ``API_TOKEN_CACHE_SECONDS``
(30 s by default; 0 turns it off): that query was most of a scan's cost.
Deleting a token, or saving its user, their station, staff role, merchant,
membership or language preference, evicts it in this process at once; other
processes notice within that many seconds.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from warehouse.common.languages import language_activate, preference_language
from warehouse.fastpath.cache import TTLCache, evict_on
from warehouse.models import (
    Merchant,
    MerchantMembership,
    PlatformAccount,
    StaffAssignment,
    Station,
    UserPreference,
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

    def authenticate(self, request):
        """The token's user; a request without ``Accept-Language`` is then
        answered in the user's own language, if they chose one
        (``warehouse.common.languages``; read with the token, no query)."""
        answer = super().authenticate(request)
        if answer is not None and "HTTP_ACCEPT_LANGUAGE" not in request.META:
            language = preference_language(answer[0])
            if language:
                language_activate(request._request, language)
        return answer

    def authenticate_credentials(self, key):
        hit = TOKENS.get(key)
        if hit is not None:
            return hit
        try:
            # Stations call most often: their row comes in the same query. A
            # wider join (membership, merchant, platform) cost PostgreSQL ~5 ms
            # of planning per request; other roles load theirs lazily.
            # The user's language preference comes with it (one left join):
            # an API call without Accept-Language is answered in it.
            token = Token.objects.select_related(
                "user", "user__station", "user__preference"
            ).get(key=key)
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
for _model in (
    Station,
    MerchantMembership,
    PlatformAccount,
    StaffAssignment,
    UserPreference,
):
    evict_on(_model, TOKENS, where=_of_role_holder)
evict_on(Merchant, TOKENS)  # rare: a merchant (de)activated or renamed
