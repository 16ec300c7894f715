"""The supervisor's decisions page: holds, appeals, revocations, each confirmed."""

import pytest
from django.urls import reverse

from inspection import services
from inspection.models import Certificate, HoldDecision, Inspection
from tests.fulfilment.conftest import certified, failed
from tests.inspection.factories import GOOD_JADE, jade_row, received
from warehouse.common.access import principal_of
from warehouse.common.context_processors import navigation_for
from warehouse.models import ItemState

S = ItemState
DECISIONS = reverse("inspect:decisions")


@pytest.fixture
def client(client):
    """A browser that reads English (the product's default is Chinese)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def held(world, **kw):
    """A jade item held for a supervisor (its packaging check holds)."""
    item = received(world, jade_row(), **kw)
    who = world.inspector if kw.get("warehouse", "GZ") == "GZ" else world.admin
    services.inspection_submit(
        principal=principal_of(who),
        code=item.code,
        observed={**GOOD_JADE, "packaging": "damaged"},
    )
    item.refresh_from_db()
    assert item.state == S.HELD
    return item


def hold_url(item, decision=""):
    url = reverse("inspect:decide-hold", kwargs={"code": item.code})
    return f"{url}?decision={decision}" if decision else url


def revoke_url(item):
    return reverse("inspect:revoke", kwargs={"code": item.code})


def test_the_menu_lists_the_decisions_for_supervisors_only():
    assert "inspect:decisions" in [e["name"] for e in navigation_for("supervisor")]
    assert "inspect:decisions" in [e["name"] for e in navigation_for("admin")]
    for role in ("inspector", "merchant", "operator"):
        assert "inspect:decisions" not in [e["name"] for e in navigation_for(role)]


def test_only_supervisors_open_the_page(client, world, qc):
    client.force_login(world.inspector)
    assert client.get(DECISIONS).status_code == 403
    client.force_login(world.merchant_user)
    assert client.get(DECISIONS).status_code == 403


def test_the_page_lists_held_items_appeals_and_revocations_of_the_warehouse(
    client, world, qc, django_assert_max_num_queries
):
    mine = held(world)
    elsewhere_held = held(world, warehouse="SIH")
    appealed = failed(world, qc)
    services.appeal_create(
        principal=principal_of(world.merchant_user),
        code=appealed.code,
        reason="The lab says nephrite.",
    )
    revoked_item = certified(world)
    certificate = Certificate.objects.get(item=revoked_item)
    services.certificate_revoke(
        principal=principal_of(world.supervisor),
        number=certificate.number,
        reason="Swapped clasp.",
    )
    client.force_login(world.supervisor)
    with django_assert_max_num_queries(20):
        response = client.get(DECISIONS)
    body = response.content.decode()
    assert response.status_code == 200
    held_part = body[
        body.index('data-testid="held"') : body.index('data-testid="appeals"')
    ]
    assert mine.code in held_part
    assert hold_url(mine) in held_part  # the decision is offered
    assert "Packaging" in held_part  # why: the check that held it, and its reason
    assert elsewhere_held.code not in body  # another warehouse's
    appeals_part = body[
        body.index('data-testid="appeals"') : body.index('data-testid="revoked"')
    ]
    assert appealed.code in appeals_part
    assert "The lab says nephrite." in appeals_part
    revoked_part = body[body.index('data-testid="revoked"') :]
    assert certificate.number in revoked_part
    assert "Swapped clasp." in revoked_part


def test_the_list_does_not_grow_its_queries_with_the_rows(
    client, world, qc, django_assert_max_num_queries
):
    held(world)
    client.force_login(world.supervisor)
    with django_assert_max_num_queries(50) as few:
        client.get(DECISIONS)
    for _ in range(3):
        held(world)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(DECISIONS)
    assert response.content.decode().count('data-code="') == 4


def test_a_hold_decision_is_confirmed_before_it_is_made(client, world, qc):
    item = held(world)
    client.force_login(world.supervisor)
    page = client.get(hold_url(item, "fail"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "it goes back to its merchant" in body
    item.refresh_from_db()
    assert item.state == S.HELD  # the confirmation page changes nothing
    # Without a reason the page comes back, saying so.
    again = client.post(hold_url(item), {"decision": "fail", "reason": ""})
    assert again.status_code == 400
    assert 'name="decision" value="fail"' in again.content.decode()
    item.refresh_from_db()
    assert item.state == S.HELD
    done = client.post(hold_url(item), {"decision": "fail", "reason": "box crushed"})
    assert done.status_code == 302 and done["Location"] == DECISIONS
    item.refresh_from_db()
    assert item.state == S.FAILED
    assert HoldDecision.objects.get(inspection__item=item).reason == "box crushed"


def test_reinspect_opens_the_new_inspection(client, world, qc):
    item = held(world)
    client.force_login(world.supervisor)
    response = client.post(
        hold_url(item), {"decision": "reinspect", "reason": "Look again."}
    )
    new = Inspection.objects.get(item=item, status=Inspection.Status.OPEN)
    assert response["Location"] == reverse(
        "inspect:inspection", kwargs={"inspection_id": new.pk}
    )


def test_an_item_no_longer_held_is_not_offered(client, world, qc):
    item = certified(world)
    client.force_login(world.supervisor)
    response = client.get(hold_url(item, "pass"), follow=True)
    assert response.redirect_chain[-1][0] == DECISIONS
    assert "not held" in response.content.decode()


def test_an_unknown_decision_is_refused(client, world, qc):
    item = held(world)
    client.force_login(world.supervisor)
    response = client.get(hold_url(item, "maybe"), follow=True)
    assert "Decide pass, fail or reinspect." in response.content.decode()


def test_another_warehouses_supervisor_gets_404(client, world, qc):
    item = held(world, warehouse="SIH")
    client.force_login(world.supervisor)
    assert client.get(hold_url(item, "pass")).status_code == 404
    response = client.post(hold_url(item), {"decision": "pass", "reason": "x"})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.state == S.HELD


def test_a_revocation_is_confirmed_then_made(client, world, qc):
    item = certified(world)
    certificate = Certificate.objects.get(item=item)
    client.force_login(world.supervisor)
    # Found by its number from the list's box.
    found = client.get(DECISIONS, {"certificate": certificate.number.lower()})
    assert found["Location"] == revoke_url(item)
    page = client.get(revoke_url(item))
    assert page.status_code == 200
    assert certificate.number in page.content.decode()
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID
    missing = client.post(revoke_url(item), {"reason": ""})
    assert missing.status_code == 400
    done = client.post(revoke_url(item), {"reason": "Swapped clasp."})
    assert done["Location"] == DECISIONS
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.revoked_reason == "Swapped clasp."
    # Revoked once: not offered again.
    response = client.get(revoke_url(item), follow=True)
    assert "already revoked" in response.content.decode()


def test_a_revocation_may_reinspect_at_once(client, world, qc):
    item = certified(world)
    client.force_login(world.supervisor)
    client.post(revoke_url(item), {"reason": "Doubt.", "reinspect": "1"})
    item.refresh_from_db()
    assert item.state == S.INSPECTING


def test_an_unknown_certificate_says_so(client, world, qc):
    client.force_login(world.supervisor)
    response = client.get(DECISIONS, {"certificate": "NOSUCH"})
    assert response.status_code == 200
    assert "No certificate or item NOSUCH" in response.content.decode()
