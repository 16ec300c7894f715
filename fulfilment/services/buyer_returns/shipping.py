"""A buyer's returned item that goes back to its merchant leaves in a return
parcel without anyone asking: the comparison decided it (matches an
order-first item, damaged, or a supervisor's decision on a dispute), and the
merchant has nothing to choose, unlike a failed item it may appeal.

The move into ``returning`` records the job (in the move's transaction, by
:func:`parcel_job_record`, called from the returns' lifecycle observer); the
job makes the return parcel and its label job as the merchant's own request
would (:func:`fulfilment.services.shipping.returns.return_create`). Where it
cannot (no return address), the job fails with that reason and the item
page offers the merchant the same "send it back to me" as for a failed item.
"""

from warehouse.common.access import Principal, Role
from warehouse.common.jobs import job_record
from warehouse.models import Item, ItemEvent, ItemState

from ..shipping.returns import return_create

S = ItemState
JOB = "fulfilment.buyer_return_ship"
# The moves by which a buyer's return is sent back to its merchant.
SENT_BACK_FROM = (S.RETURN_INSPECTING, S.DISPUTED)
# The warehouse itself asks for the parcel.
WAREHOUSE = Principal(user=None, role=Role.ADMIN)


def parcel_job_record(item: Item, event: ItemEvent) -> None:
    """On a buyer's return's move into ``returning``: its parcel's job."""
    if event.to_state == S.RETURNING and event.from_state in SENT_BACK_FROM:
        job_record(name=JOB, args={"item_id": item.pk}, key=f"{JOB}:{item.pk}")


def buyer_return_ship(*, item_id: int) -> None:
    """Job: the return parcel of a buyer's returned item going back, once
    (asking again answers the same parcel; an item no longer returning is
    left alone)."""
    item = Item.objects.get(pk=item_id)
    if item.state != S.RETURNING:
        return
    return_create(principal=WAREHOUSE, item=item)
