"""Message codes: what the product stores instead of sentences.

A stored fact is a code with its parameters (``{"code": "certificate_issued",
"params": {"number": "QC-2026-000001"}}``); the words are rendered when they
are shown, in the reader's language (:meth:`Catalogue.render`). Each app keeps
one :class:`Catalogue` of the codes it writes (``warehouse.messages``,
``inspection.messages``, ``fulfilment.messages``), each with its English
source string for gettext and the parameters it takes; the API's error
``code`` values come from the same catalogues.

Every app's catalogue is registered here, from its ``wire()`` (extension
point ``MessageCatalogue`` in ``warehouse.extensions``); :func:`message_render`
turns a stored code into words from whichever catalogue has it. The item
timeline, the station's scan history and the e-mails all read codes through
it.
"""

from collections.abc import Callable, Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

Labels = Mapping[str, Promise] | Callable[[], Mapping[str, Promise]]
"""Words for a parameter's stored values, or a function returning them (for
labels that live in models, read when first rendered)."""


@dataclass(frozen=True)
class Message:
    """One code: its English source string (lazy gettext) and its parameters.

    ``labels`` maps a parameter to the words for its stored values (a verdict
    stored as ``"pass"`` is shown as its label in the reader's language; a
    list of values is shown as their labels, joined).
    """

    code: str
    text: Promise
    params: tuple[str, ...] = ()
    labels: Mapping[str, Labels] = field(default_factory=dict)

    @property
    def source(self) -> str:
        """The English source string (the msgid gettext looks up)."""
        with translation.override(None):
            return str(self.text)


NONE = _("none")  # an empty list of values, e.g. no move allowed


def _label(value, words: Mapping[str, Promise]):
    if isinstance(value, str):
        return str(words[value]) if value in words else value
    if isinstance(value, list | tuple):
        separator = pgettext("list separator", ", ")  # 、 in Chinese
        return separator.join(str(_label(v, words)) for v in value) or str(NONE)
    return value


class Catalogue:
    """An app's message codes and the one way to turn a code into words."""

    def __init__(self, app: str, messages: Iterable[Message]):
        self.app = app
        self.messages: dict[str, Message] = {}
        for message in messages:
            if message.code in self.messages:
                raise ValueError(f"{app}: message code {message.code} twice.")
            self.messages[message.code] = message

    def __contains__(self, code: str) -> bool:
        return code in self.messages

    def codes(self) -> frozenset[str]:
        return frozenset(self.messages)

    def fits(self, code: str, params: Mapping | None) -> bool:
        """Whether ``params`` hold every parameter the code's words name."""
        message = self.messages.get(code)
        return message is not None and set(message.params) <= set(params or {})

    def render(
        self, code: str, params: Mapping | None = None, *, language: str | None = None
    ) -> str:
        """The words for ``code`` with ``params``, in ``language`` (or the active one).

        An unknown code is returned as it is; parameters that do not fit the
        string leave the string unformatted rather than failing a page.
        """
        message = self.messages.get(code)
        if message is None:
            return code
        context = translation.override(language) if language else nullcontext()
        with context:
            values = dict(params or {})
            for name, words in message.labels.items():
                if name in values:
                    values[name] = _label(
                        values[name], words() if callable(words) else words
                    )
            text = str(message.text)
            if not message.params:
                return text
            try:
                return text % values
            except (KeyError, TypeError, ValueError):
                return text


# Every app's catalogue, by app, in the order they were registered.
_catalogues: dict[str, Catalogue] = {}


def message_catalogue_register(catalogue: Catalogue) -> None:
    """Make an app's codes known to :func:`message_render` (one per app: a
    second registration of the same app replaces the first, in its place)."""
    _catalogues[catalogue.app] = catalogue


def message_catalogues() -> tuple[Catalogue, ...]:
    """The registered catalogues, in the order they were registered."""
    return tuple(_catalogues.values())


def message_render(
    code: str,
    params: Mapping | None = None,
    *,
    language: str | None = None,
    strict: bool = False,
) -> str | None:
    """The words for a code of any registered catalogue, in ``language`` (or
    the active one); None if no catalogue has it. With ``strict``, also None
    when ``params`` lack a parameter the words name (a row stored before its
    params were: its caller shows what it stored instead)."""
    for catalogue in _catalogues.values():
        if code in catalogue:
            if strict and not catalogue.fits(code, params):
                return None
            return catalogue.render(code, params, language=language)
    return None
