"""API authentication: ``Authorization: Token <key>``, one key per user.

Stations, merchant users, inspectors and the platform each authenticate as
their own user. The token lookup joins the user's station, so a station (the
caller on the hot path) is resolved in that one query.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token


class TokenAuthentication(authentication.TokenAuthentication):
    model = Token

    def authenticate_credentials(self, key):
        try:
            # Stations call most often: their row comes in the same query. A
            # wider join (membership, merchant, platform) cost PostgreSQL ~5 ms
            # of planning per request; other roles load theirs lazily.
            token = Token.objects.select_related("user", "user__station").get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
