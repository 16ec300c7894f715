"""Every check kind by its name: the one place a new kind is added."""

from .base import CheckKind
from .free import FREE
from .identity import IDENTITY
from .labels import LABELS
from .material import MATERIAL
from .packaging import PACKAGING
from .shelf_life import SHELF_LIFE
from .weight import WEIGHT

KINDS: dict[str, CheckKind] = {
    kind.name: kind
    for kind in (MATERIAL, WEIGHT, SHELF_LIFE, PACKAGING, LABELS, IDENTITY, FREE)
}
CHECK_KINDS = tuple(KINDS)
