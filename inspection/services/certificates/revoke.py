"""Revoking: a supervisor withdraws a certificate; the guards that enforce it.

An item leaves for a buyer only on a valid certificate (DESIGN.md rule 1),
and a certified item is re-inspected only once its certificate is revoked.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from warehouse import lifecycle
from warehouse.common.access import Principal, Role
from warehouse.common.exceptions import Conflict, Forbidden
from warehouse.models import Item, ItemState

from ...models import Certificate, Inspection
from ...selectors import certificate_current_for_item, certificate_get_for
from ...trust.transparency.log import log_entry_record

S = ItemState


def revoked_only(item: Item) -> None:
    """Guard for certified → inspecting: only after the certificate is revoked."""
    current = certificate_current_for_item(item)
    if current is not None and current.status == Certificate.Status.VALID:
        raise Conflict(
            _(
                "Item %(code)s has a valid certificate %(number)s; revoke it before "
                "re-inspecting."
            )
            % {"code": item.code, "number": current.number},
            code="certificate_valid",
        )


_UNREAD = object()


def valid_certificate_required(item: Item, current=_UNREAD) -> None:
    """Guard for allocating, packing and releasing: a valid certificate (rule 1).

    ``current`` is the item's current certificate (or None) when the caller
    has read it already, with the item's other rows
    (:func:`~inspection.selectors.certificate_current_annotations`); it is
    read here otherwise.
    """
    if current is _UNREAD:
        current = certificate_current_for_item(item)
    if current is None:
        raise Conflict(
            _("Item %(code)s has no certificate.") % {"code": item.code},
            code="not_certified",
        )
    if current.status != Certificate.Status.VALID:
        raise Conflict(
            _("The certificate %(number)s of item %(code)s is revoked: %(reason)s")
            % {
                "number": current.number,
                "code": item.code,
                "reason": current.revoked_reason,
            },
            code="certificate_revoked",
        )


def certificate_revoke(
    *, principal: Principal, number: str, reason: str, reinspect: bool = False
) -> Certificate:
    """A supervisor revokes a certificate; the item may not leave on it.

    With ``reinspect`` the item is inspected again at once (certified →
    inspecting); a pass issues a new certificate, and the old one's page
    points to it.
    """
    from ..inspections.common import note_clean, typed_language, typed_params
    from ..inspections.opening import inspection_create

    if principal.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise Forbidden(_("Only a supervisor may revoke a certificate."))
    reason = note_clean(reason, "reason", required=True)
    with transaction.atomic():
        certificate = certificate_get_for(principal, number)
        item = Item.objects.select_for_update(of=("self",)).get(pk=certificate.item_id)
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.status == Certificate.Status.REVOKED:
            raise Conflict(
                _("Certificate %(number)s is already revoked.")
                % {"number": certificate.number},
                code="already_revoked",
            )
        certificate.status = Certificate.Status.REVOKED
        certificate.revoked_at = timezone.now()
        certificate.revoked_by = principal.user
        certificate.revoked_reason = reason
        certificate.revoked_reason_lang = typed_language(reason)
        certificate.save(
            update_fields=[
                "status",
                "revoked_at",
                "revoked_by",
                "revoked_reason",
                "revoked_reason_lang",
            ]
        )
        # The transparency log's entry commits with the revocation.
        log_entry_record(
            certificate=certificate, kind="revoke", at=certificate.revoked_at
        )
        label = {
            "reason_code": "certificate_revoked",
            "reason_params": {
                "number": certificate.number,
                **typed_params("reason", reason),
            },
        }
        payload = {"certificate": certificate.number, "step": "certificate_revoked"}
        if reinspect:
            if item.state != S.CERTIFIED:
                raise Conflict(
                    _(
                        "Item %(code)s is %(state)s; only a certified item is "
                        "re-inspected here."
                    )
                    % {"code": item.code, "state": item.get_state_display()},
                    code="invalid_transition",
                )
            new = inspection_create(
                item=item,
                principal=principal,
                reason=Inspection.Reason.REINSPECTION,
                previous=certificate.inspection,
            )
            lifecycle.item_inspection_start(
                item=item,
                actor=principal.user,
                payload={**payload, "new_inspection": new.pk},
                **label,
            )
        else:
            lifecycle.item_event_record(
                item=item, actor=principal.user, payload=payload, **label
            )
    return certificate
