"""E-mail through Django's email API, as a job that stores what to say, not
the words: the e-mail's code (``fulfilment.messages.EMAILS``), its params and
the recipient's languages, rendered when it is sent (a merchant's in their
``language``; a buyer's, whose language no order names, in every language the
product speaks: Chinese, then English).
"""

from django.conf import settings
from django.core.mail import send_mail

from warehouse.common.jobs import job_record

from ...messages import email_render

# A buyer's e-mails: the order names no language, so every one the product
# speaks, in settings order (Chinese, then English).
BUYER_LANGUAGES = [code for code, _name in settings.LANGUAGES]


def email_record(*, to: str, languages: list[str], message: str, params: dict) -> None:
    """Record an e-mail to send: its code of ``fulfilment.messages.EMAILS`` and
    its params (plain data), rendered in ``languages`` when it is sent."""
    job_record(
        name="fulfilment.email_send",
        args={
            "to": to,
            "languages": list(languages),
            "message": message,
            "params": params,
        },
    )


def email_send(
    *,
    to: str,
    languages: list[str] | None = None,
    message: str = "",
    params: dict | None = None,
    subject: str = "",
    body: str = "",
) -> None:
    """Job: send one email (at least once: a crash after sending resends it).

    Its words are rendered now, in the recipient's ``languages``
    (:func:`fulfilment.messages.email_render`); a job recorded before e-mails
    were codes carries its ``subject`` and ``body`` and is sent as written.
    """
    if message:
        subject, body = email_render(
            message, params or {}, languages or [settings.LANGUAGE_CODE]
        )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
