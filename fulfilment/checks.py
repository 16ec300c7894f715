"""System checks of the fulfilment settings (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def webhook_private_addresses_check(app_configs, **kwargs) -> list[Error]:
    """A deployment must not send webhooks to loopback, private or metadata
    addresses: the allowance is for tests and the benchmark's local receiver."""
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return []
    return [
        Error(
            "WEBHOOK_ALLOW_PRIVATE_ADDRESSES is on: webhooks may be sent over "
            "plain http to loopback, private and cloud-metadata addresses.",
            hint="It is for tests and benchmarks only; unset it in production.",
            id="fulfilment.E001",
        )
    ]
