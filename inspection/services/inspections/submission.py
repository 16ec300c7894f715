"""The one-shot submission (DESIGN.md section 5): open, record and complete."""

from django.db import transaction

from warehouse.common.access import Principal

from ...models import Inspection
from .common import S, inspection_active, inspector_required, item_locked, note_clean
from .lots import units_locked
from .observing import observe_locked
from .opening import open_locked
from .verdicts import complete_locked


def inspection_submit(
    *,
    principal: Principal,
    code: str,
    observed: dict | None = None,
    units: list | None = None,
    notes: str = "",
    complete: bool = True,
) -> tuple[Inspection, bool]:
    """Open (or continue) the item's inspection, record, and complete it.

    A received item gets a new inspection; an item with an open one (opened
    earlier, weighed by a scale, or re-opened by an appeal) continues it.
    ``observed`` records single-item observations, ``units`` sampled units
    of a lot. With ``complete`` the verdict is computed as
    :func:`inspection_complete` does. One transaction: nothing is written
    when any step is refused. Returns the inspection and whether it is new.
    """
    inspector_required(principal)
    notes = note_clean(notes)
    with transaction.atomic():
        item = item_locked(principal, code)
        inspection = inspection_active(item) if item.state == S.INSPECTING else None
        created = inspection is None
        if created:
            inspection = open_locked(item=item, principal=principal, notes=notes)
        inspection.item = item
        if observed:
            observe_locked(
                inspection=inspection,
                principal=principal,
                observed=observed,
                source="typed",
            )
        if units:
            units_locked(inspection=inspection, principal=principal, units=units)
        if complete:
            complete_locked(
                inspection=inspection,
                principal=principal,
                notes=None if created else notes or None,
            )
    return inspection, created
