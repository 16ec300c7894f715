"""System checks of the warehouse settings (``manage.py check``)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.http.request import validate_host


def _allowed_hosts() -> list[str]:
    # What Django itself accepts: in debug, an empty list means local hosts.
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return list(settings.ALLOWED_HOSTS)


@register(Tags.urls)
def public_base_url_check(app_configs, **kwargs) -> list[Warning]:
    """The address on certificates and labels (their QR codes) must be one
    this server answers: a host outside ALLOWED_HOSTS gets a 400 there."""
    url = settings.PUBLIC_BASE_URL
    host = urlsplit(url).hostname or ""
    if host and ":" in host:  # an IPv6 literal, as ALLOWED_HOSTS writes it
        host = f"[{host}]"
    if host and validate_host(host, _allowed_hosts()):
        return []
    return [
        Warning(
            f"PUBLIC_BASE_URL ({url}) is not served here: its host {host!r} is "
            f"not in ALLOWED_HOSTS ({', '.join(_allowed_hosts()) or 'empty'}).",
            hint=(
                "The QR codes on certificates and labels point at PUBLIC_BASE_URL: "
                "set it to this server's public address (https://…), or add its "
                "host to DJANGO_ALLOWED_HOSTS."
            ),
            id="qcw.W001",
        )
    ]
