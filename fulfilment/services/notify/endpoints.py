"""The platform's webhook receivers: registered, changed, their secrets rotated."""

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from warehouse.common.access import Principal
from warehouse.common.exceptions import Forbidden, InvalidInput
from warehouse.models import PlatformAccount

from ...models import WebhookEndpoint
from ...webhooks import WebhookUrlError, webhook_secret_new, webhook_url_validate


def url_check(url: str, *, resolve: bool = True) -> str:
    """Validate (and resolve) a receiver's URL: checked again before every
    drain, and what a name resolves to on every connection delivery opens."""
    return webhook_url_validate(
        url, resolve=resolve, allow_private=settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES
    )


def _check_url(url: str) -> str:
    try:
        return url_check(url)
    except WebhookUrlError as exc:
        raise InvalidInput(
            str(exc), code="invalid_url", fields={"url": [str(exc)]}
        ) from exc


def webhook_endpoint_create(
    *, principal: Principal, url: str, batched: bool = False
) -> WebhookEndpoint:
    """Register the platform's receiver; its first secret is answered once.
    ``batched``: it takes many events per request (see ``webhooks_deliver``)."""
    platform = PlatformAccount.objects.filter(user=principal.user).first()
    if platform is None:
        raise Forbidden(_("Only a platform account registers webhooks."))
    return WebhookEndpoint.objects.create(
        platform=platform,
        url=_check_url(url),
        secrets=[webhook_secret_new()],
        batched=batched,
    )


def webhook_endpoint_update(
    *, endpoint: WebhookEndpoint, batched: bool | None = None
) -> WebhookEndpoint:
    """Change how the receiver takes its messages: ``batched`` or one per
    request, from its next drain on (messages waiting go the new way)."""
    if batched is not None and batched != endpoint.batched:
        endpoint.batched = batched
        endpoint.save(update_fields=["batched"])
    return endpoint


def webhook_endpoint_rotate(
    *, endpoint: WebhookEndpoint, drop_old: bool = False
) -> WebhookEndpoint:
    """Start signing with a new secret; the old keeps signing until dropped."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if drop_old:
            endpoint.secrets = endpoint.secrets[:1]
        else:
            endpoint.secrets = [webhook_secret_new(), *endpoint.secrets[:1]]
        endpoint.save(update_fields=["secrets"])
    return endpoint
