"""API authentication: ``Authorization: Token <key>``, one key per user.

Stations, merchant users, inspectors and the platform each authenticate as
their own user. The token lookup joins what :func:`warehouse.access.principal_of`
needs, so resolving who is calling costs one query.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token


class TokenAuthentication(authentication.TokenAuthentication):
    model = Token

    def authenticate_credentials(self, key):
        try:
            token = Token.objects.select_related(
                "user",
                "user__station__warehouse",
                "user__merchant_membership__merchant",
                "user__platform_account",
            ).get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
