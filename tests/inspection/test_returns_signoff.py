"""A damaged or mismatch verdict on a buyer's return needs a second person:
the same inspector is refused, approval applies the outcome, disagreement
disputes the item; a supervisor decides a disputed item."""

import pytest

from inspection.models import ReturnInspection
from inspection.services.returns import (
    disputes,
    return_inspections_awaiting,
    return_queue,
)
from tests.conftest import api_client
from warehouse.common.access import principal_of
from warehouse.models import ItemEvent, ItemState, Job

from .test_returns_api import SAME, inspect, jade_back, post

pytestmark = pytest.mark.django_db
S = ItemState


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def sign(user, inspection_id, **body):
    return post(user, f"/api/v1/return-inspections/{inspection_id}/signoff/", body)


def lighter(world):
    """A returned bangle 2 g lighter: a mismatch awaiting sign-off."""
    item = jade_back(world)
    body = inspect(world, item, {**SAME, "weight_g": "50.31"}).json()
    assert body["status"] == "awaiting_signoff"
    return item, body["id"]


def test_the_same_inspector_may_not_sign_off(world, qc):
    _item, inspection = lighter(world)
    refused = sign(world.inspector, inspection, approve=True)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "same_inspector"


def test_merchants_and_stations_may_not_sign_off(world, qc):
    _item, inspection = lighter(world)
    assert sign(world.merchant_user, inspection, approve=True).status_code == 403
    assert sign(world.station, inspection, approve=True).status_code == 403


def test_an_approved_mismatch_disputes_the_item(world, qc):
    item, inspection = lighter(world)
    answer = sign(qc.inspector2, inspection, approve=True)
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["status"] == "closed"
    assert body["outcome"] == "disputed"
    assert body["signed_off_by"] == "inspector2"
    assert body["signoff_approved"] is True
    item.refresh_from_db()
    assert item.state == S.DISPUTED
    assert Job.objects.filter(name="inspection.return_report").count() == 1
    again = sign(qc.inspector2, inspection, approve=True)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "not_awaiting_signoff"


def test_an_approved_damage_sends_the_item_back_to_its_merchant(world, qc):
    item = jade_back(world)
    body = inspect(world, item, {**SAME, "condition": "damaged"}).json()
    answer = sign(world.supervisor, body["id"], approve=True, note="cracked")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["outcome"] == "to_merchant"
    item.refresh_from_db()
    assert item.state == S.RETURNING
    event = ItemEvent.objects.filter(item=item).order_by("-id").first()
    assert (event.from_state, event.reason_code) == (
        S.RETURN_INSPECTING,
        "return_inspected",
    )


def test_disagreeing_needs_a_note_and_disputes_the_item(world, qc):
    item = jade_back(world)
    body = inspect(world, item, {**SAME, "condition": "damaged"}).json()
    refused = sign(qc.inspector2, body["id"], approve=False)
    assert refused.status_code == 400
    answer = sign(qc.inspector2, body["id"], approve=False, note="不是同一件")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["status"] == "disputed"
    assert answer.json()["outcome"] == "disputed"
    item.refresh_from_db()
    assert item.state == S.DISPUTED
    event = ItemEvent.objects.filter(item=item).order_by("-id").first()
    assert event.reason_code == "return_signoff_disputed"
    assert event.reason_params["note"] == "不是同一件"
    assert Job.objects.filter(name="inspection.return_report").count() == 1


def test_a_supervisor_sends_a_disputed_item_back_to_its_merchant(world, qc):
    item, inspection = lighter(world)
    sign(qc.inspector2, inspection, approve=True)
    path = f"/api/v1/items/{item.code}/return-decision/"
    decision = {"decision": "return_to_merchant", "reason": "swap confirmed"}
    assert post(world.inspector, path, decision).status_code == 403
    answer = post(world.supervisor, path, decision)
    assert answer.status_code == 200, answer.json()
    assert answer.json()["state"] == S.RETURNING
    event = ItemEvent.objects.filter(item=item).order_by("-id").first()
    assert event.reason_code == "return_decided"
    assert event.reason_params["decision"] == "return_to_merchant"
    again = post(world.supervisor, path, decision)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "return_not_disputed"


def test_a_supervisor_sends_a_disputed_item_to_a_new_return_inspection(world, qc):
    item, inspection = lighter(world)
    sign(qc.inspector2, inspection, approve=False, note="scale was off")
    refused = inspect(world, item)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "return_disputed"
    answer = post(
        world.supervisor,
        f"/api/v1/items/{item.code}/return-decision/",
        {"decision": "reinspect", "reason": "weigh again"},
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["state"] == S.RETURN_INSPECTING
    second = inspect(world, item, user=qc.inspector2)
    assert second.status_code == 201, second.json()
    assert second.json()["number"] == 2
    assert second.json()["verdict"] == "matches"
    item.refresh_from_db()
    assert item.state == S.RETURNING
    assert ReturnInspection.objects.filter(item=item).count() == 2


def test_the_queues_show_what_waits_for_whom(world, qc):
    item, inspection = lighter(world)
    waiting = jade_back(world, seal=False)
    supervisor = principal_of(world.supervisor)
    assert [i.code for i in return_queue(supervisor)] == [item.code, waiting.code]
    assert [i.pk for i in return_inspections_awaiting(supervisor)] == [inspection]
    assert list(disputes(supervisor)) == []
    sign(qc.inspector2, inspection, approve=True)
    assert [i.code for i in disputes(supervisor)] == [item.code]
    assert list(return_inspections_awaiting(supervisor)) == []
    assert list(disputes(principal_of(world.merchant2_user))) == []
    other = api_client(world.merchant2_user).get(
        f"/api/v1/return-inspections/{inspection}/"
    )
    assert other.status_code == 404
