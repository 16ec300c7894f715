"""Who may take which step now: the services' own checks, asked without acting.

Each ``*_refusal`` runs the very check the service runs before it writes and
returns the refusal it would raise (a :class:`DomainError` with its stable
code and sentence), or ``None`` when the service would accept the step from
this person now. Pages offer an action only when its refusal is ``None``, so
a button is never shown to someone the service would turn away.
"""

from collections.abc import Callable

from warehouse.common.access import Principal
from warehouse.common.exceptions import DomainError
from warehouse.models import Item

from ...models import Inspection
from .appeals import require_appealable
from .common import inspector_required, person_required, require_judgeable
from .holds import require_held
from .opening import require_openable
from .verdicts import require_signer


def _refusal(check: Callable[[], None]) -> DomainError | None:
    try:
        check()
    except DomainError as exc:
        return exc
    return None


def open_refusal(principal: Principal, item: Item) -> DomainError | None:
    """Why ``principal`` may not open the item's first inspection, or None."""

    def check():
        inspector_required(principal)
        require_openable(item)

    return _refusal(check)


def observe_refusal(principal: Principal, inspection: Inspection) -> DomainError | None:
    """Why ``principal`` may not record observations (or units, or complete)
    on ``inspection`` now, or None."""

    def check():
        inspector_required(principal)
        require_judgeable(inspection, principal.user)

    return _refusal(check)


complete_refusal = observe_refusal


def sign_off_refusal(
    principal: Principal, inspection: Inspection
) -> DomainError | None:
    """Why ``principal`` may not sign off (or dispute) ``inspection``, or None."""
    return _refusal(lambda: require_signer(principal, inspection))


def hold_decide_refusal(principal: Principal, item: Item) -> DomainError | None:
    """Why ``principal`` may not decide the held ``item``, or None."""

    def check():
        person_required(principal, "decide")
        require_held(item)

    return _refusal(check)


def appeal_refusal(principal: Principal, item: Item) -> DomainError | None:
    """Why ``principal`` may not appeal the item's verdict, or None."""
    return _refusal(lambda: require_appealable(principal, item))
