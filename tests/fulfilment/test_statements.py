"""Fulfilment's statements on the scan path (fulfilment.statements) equal
their ORM versions."""

import pytest
from django.db.models import Q

from fulfilment.models import Order, OrderLine
from fulfilment.statements import cancelled_order_of
from tests.conftest import api_client
from tests.inspection.factories import announce, jade_row
from warehouse.models import Item

from .conftest import order_payload

pytestmark = pytest.mark.django_db


def cancelled_order_by_orm(item: Item) -> set[str]:
    """Every order the statement may answer for ``item``, read through the ORM."""
    return set(
        OrderLine.objects.filter(
            Q(item_code=item.code) | Q(order__external_id=item.order_ref, sku=item.sku),
            order__merchant_id=item.merchant_id,
            order__status=Order.Status.CANCELLED,
        ).values_list("order__external_id", flat=True)
    )


def test_cancelled_order_statement_equals_the_orm(world):
    """For items of either merchant named by code, by order reference and SKU,
    or not at all, against cancelled and open orders: the plain SELECT answers
    an order the ORM reading finds, and none when it finds none."""
    first, second = announce(world, jade_row()), announce(world, jade_row())
    by_code = order_payload(world, lines=[{"item_code": first.code}])
    by_sku = order_payload(world, lines=[{"sku": "BANGLE-1"}])
    still_open = order_payload(
        world, lines=[{"item_code": second.code}, {"sku": "BANGLE-2"}]
    )
    theirs = order_payload(
        world, lines=[{"sku": "BANGLE-1"}], merchant=world.merchant2.code
    )
    platform = api_client(world.platform)
    for payload in (by_code, by_sku, still_open, theirs):
        response = platform.post("/api/v1/orders/", payload, format="json")
        assert response.status_code == 201, response.json()
    for payload in (by_code, by_sku, theirs):
        response = platform.post(
            f"/api/v1/orders/{payload['order_id']}/cancel/", format="json"
        )
        assert response.status_code == 200, response.json()

    answers = []
    for merchant in (world.merchant, world.merchant2):
        for code in (first.code, second.code, "QNOTANITEM00"):
            for ref in [
                "",
                *(p["order_id"] for p in (by_code, by_sku, still_open, theirs)),
            ]:
                for sku in ("BANGLE-1", "BANGLE-2", ""):
                    item = Item(merchant=merchant, code=code, order_ref=ref, sku=sku)
                    expected = cancelled_order_by_orm(item)
                    got = cancelled_order_of(item)
                    assert (got in expected) if expected else got is None, (
                        merchant.code, code, ref, sku, got, expected
                    )  # fmt: skip
                    answers.append(got)
    assert set(answers) == {
        by_code["order_id"],
        by_sku["order_id"],
        theirs["order_id"],
        None,
    }
