"""Pre-printed numbers bound to an item, once: the receiving label (tag)
bound at receiving, the anti-swap seal (防调包扣) bound at packing."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from warehouse.common.access import Principal
from warehouse.common.exceptions import Conflict, InvalidInput

from .. import lifecycle
from ..models import Item, Tag


def tag_bind(*, item: Item, value: str, principal: Principal) -> Tag:
    """Bind a pre-printed tag to ``item``; a tag is single use, a used one refused."""
    value = (value or "").strip()
    if not value or len(value) > 128:
        raise InvalidInput(
            _("A tag is 1 to 128 characters."),
            code="tag_invalid",
            fields={"tag": [_("Invalid tag.")]},
        )
    symbology = (
        Tag.Symbology.QR
        if not value.isascii() or len(value) > 48
        else Tag.Symbology.CODE128
    )
    try:
        with transaction.atomic():
            return Tag.objects.create(
                value=value,
                symbology=symbology,
                item=item,
                station=principal.station,
                bound_by=principal.user,
            )
    except IntegrityError:
        raise Conflict(
            _("Tag %(tag)s is already bound to another item; use a new tag.")
            % {"tag": value},
            code="tag_used",
            params={"tag": value},
        ) from None


def seal_bind(*, item: Item, value: str, principal: Principal) -> Tag:
    """Bind the anti-swap seal numbered ``value`` (防调包扣, pre-printed) to
    ``item`` at packing, and record it in the item's history.

    A seal is single use: a number any tag already has (a seal's or a
    receiving label's) is refused with ``seal_used``; no number is
    ``seal_required`` (the packing service asks for one only where the
    item's category leaves under a seal). Joins the caller's transaction (the
    pack's): a later refusal there unbinds it.
    """
    value = (value or "").strip()
    if not value:
        raise Conflict(
            _(
                "Item %(item)s leaves under an anti-swap seal: scan the seal's "
                "number with it."
            )
            % {"item": item.code},
            code="seal_required",
            params={"item": item.code},
        )
    if len(value) > 128 or not value.isprintable():
        raise InvalidInput(
            _("A seal number is 1 to 128 printable characters."),
            code="seal_invalid",
            fields={"seal": [_("Invalid seal number.")]},
        )
    try:
        with transaction.atomic():
            tag = Tag.objects.create(
                value=value,
                purpose=Tag.Purpose.SEAL,
                symbology=(
                    Tag.Symbology.CODE128
                    if value.isascii() and len(value) <= 48
                    else Tag.Symbology.QR
                ),
                item=item,
                station=principal.station,
                bound_by=principal.user,
            )
    except IntegrityError:
        raise Conflict(
            _("Seal %(seal)s is already used; bind a new seal.") % {"seal": value},
            code="seal_used",
            params={"seal": value},
        ) from None
    lifecycle.item_event_record(
        item=item,
        actor=principal.user,
        station=principal.station,
        reason_code="seal_bound",
        reason_params={"seal": value},
    )
    return tag
