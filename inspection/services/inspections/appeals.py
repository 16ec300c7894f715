"""A merchant's appeal of its item's failed verdict, once per item."""

from django.db import transaction
from django.utils.translation import gettext as _

from warehouse import lifecycle
from warehouse.common.access import Principal, Role
from warehouse.common.exceptions import Conflict, Forbidden, TransitionRefused

from ...models import Appeal, Inspection
from .common import (
    S,
    inspection_last_closed,
    item_locked,
    note_clean,
    typed_language,
    typed_params,
)
from .opening import inspection_create


def require_appealable(principal: Principal, item) -> None:
    """The item's merchant may appeal its failed verdict, once."""
    if principal.role != Role.MERCHANT:
        raise Forbidden(_("Only the item's merchant may appeal."))
    if Appeal.objects.filter(item=item).exists():
        raise Conflict(
            _("Item %(code)s was already appealed; a verdict is appealed once.")
            % {"code": item.code},
            code="already_appealed",
        )
    if item.state != S.FAILED:
        raise TransitionRefused(
            _("Item %(code)s is %(state)s; only a failed verdict can be appealed.")
            % {"code": item.code, "state": item.get_state_display()},
            fields={"state": item.state},
        )


def appeal_create(*, principal: Principal, code: str, reason: str) -> Appeal:
    """A merchant appeals its item's failed verdict, once per item.

    A new inspection opens (``failed → inspecting``) for a different
    inspector than those who judged the failed one; the failed inspection
    stays as it was.
    """
    if principal.role != Role.MERCHANT:
        raise Forbidden(_("Only the item's merchant may appeal."))
    reason = note_clean(reason, "reason", required=True)
    with transaction.atomic():
        item = item_locked(principal, code)
        require_appealable(principal, item)
        failed = inspection_last_closed(item)
        new = inspection_create(
            item=item,
            principal=principal,
            reason=Inspection.Reason.APPEAL,
            previous=failed,
        )
        appeal = Appeal.objects.create(
            item=item,
            appealed=failed,
            reinspection=new,
            reason=reason,
            reason_lang=typed_language(reason),
            created_by=principal.user,
        )
        lifecycle.item_inspection_start(
            item=item,
            actor=principal.user,
            reason_code="merchant_appealed",
            reason_params=typed_params("reason", reason),
            payload={"appealed": failed.pk, "new_inspection": new.pk},
        )
    return appeal
