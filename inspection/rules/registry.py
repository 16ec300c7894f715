"""Every check kind by its name, and every message a judgement gives by its code.

The one place a new kind is added.
"""

from . import base, free, identity, labels, material, packaging, shelf_life, weight
from .base import CheckKind

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
