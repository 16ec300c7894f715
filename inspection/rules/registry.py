"""Every check kind by its name, and every message a judgement gives by its code.

The one place a new kind is added.
"""

from collections.abc import Callable

from django.utils.translation import gettext as _

from . import base, free, identity, labels, material, packaging, shelf_life, weight
from .base import CheckKind, message_render

MODULES = (material, weight, shelf_life, packaging, labels, identity, free)

KINDS: dict[str, CheckKind] = {
    kind.name: kind
    for kind in (
        material.MATERIAL,
        weight.WEIGHT,
        shelf_life.SHELF_LIFE,
        packaging.PACKAGING,
        labels.LABELS,
        identity.IDENTITY,
        free.FREE,
    )
}
CHECK_KINDS = tuple(KINDS)

MESSAGES: dict[str, str] = {
    code: text for module in (base, *MODULES) for code, text in module.MESSAGES.items()
}

DISPLAY: dict[str, Callable[[dict], dict]] = {
    code: display
    for module in (base, *MODULES)
    for code, display in getattr(module, "DISPLAY", {}).items()
}
"""Per code, how its raw params become the sentence's values ("45 mg")."""


def reason_render(code: str, params: dict) -> str:
    """A judgement's sentence in the active language, from its code and params.

    A note the inspector typed (:data:`free.NOTE`) is its own text.
    """
    if code == free.NOTE:
        return params.get("text", "")
    return message_render(_(MESSAGES[code]), params, DISPLAY.get(code))
