"""The inspector's page: read-only when closed, actions only for who may take
them, the next step named, a lot's sample recorded as a table."""

import re

import pytest
from django.urls import reverse

from inspection import services
from inspection.models import Inspection
from tests.fulfilment.conftest import failed
from tests.inspection.factories import GOOD_JADE, jade_row, lot_row, received
from tests.warehouse import factories as f
from warehouse.common.access import principal_of
from warehouse.models import ItemState

S = ItemState


def signed_in(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def awaiting(world) -> Inspection:
    """A high-value item completed by the first inspector, awaiting sign-off."""
    item = received(world, jade_row(declared_value="8000"))
    inspection, _ = services.inspection_submit(
        principal=principal_of(world.inspector), code=item.code, observed=GOOD_JADE
    )
    assert inspection.status == Inspection.Status.AWAITING_SIGNOFF
    return inspection


def page(client, inspection):
    return client.get(
        reverse("inspect:inspection", kwargs={"inspection_id": inspection.pk})
    )


def item_page(client, item):
    return client.get(reverse("inspect:item-detail", kwargs={"code": item.code}))


# --- the services' refusal checks ------------------------------------------------


def test_sign_off_refusal_is_the_services_own(world, qc):
    """Refused to the first inspector, a merchant and an open inspection with
    the codes the service raises; accepted from a second inspector."""
    inspection = awaiting(world)
    first = services.sign_off_refusal(principal_of(world.inspector), inspection)
    assert first.code == "same_inspector"
    assert "second inspector" in first.message
    merchant = services.sign_off_refusal(principal_of(world.merchant_user), inspection)
    assert merchant.code == "permission_denied"
    assert services.sign_off_refusal(principal_of(qc.inspector2), inspection) is None
    assert services.sign_off_refusal(principal_of(world.supervisor), inspection) is None
    open_one = services.inspection_open(
        principal=principal_of(world.inspector), code=received(world, jade_row()).code
    )
    refusal = services.sign_off_refusal(principal_of(qc.inspector2), open_one)
    assert refusal.code == "not_awaiting_signoff"


def test_observe_refusal_names_a_closed_inspection(world, qc):
    inspection = awaiting(world)
    refusal = services.observe_refusal(principal_of(world.inspector), inspection)
    assert refusal.code == "inspection_not_open"
    assert "takes no more observations" in refusal.message


def test_hold_and_appeal_refusals(world, qc):
    item = failed(world, qc)
    assert services.hold_decide_refusal(principal_of(world.supervisor), item).code == (
        "invalid_transition"
    )
    assert services.appeal_refusal(principal_of(world.merchant_user), item) is None
    assert services.appeal_refusal(principal_of(world.inspector), item).code == (
        "permission_denied"
    )
    services.appeal_create(
        principal=principal_of(world.merchant_user), code=item.code, reason="wrong"
    )
    item.refresh_from_db()
    refusal = services.appeal_refusal(principal_of(world.merchant_user), item)
    assert refusal.code == "already_appealed"


# --- a closed inspection is read-only ----------------------------------------------


def test_an_inspection_awaiting_sign_off_is_read_only_saying_why(client, world, qc):
    inspection = awaiting(world)
    html = page(signed_in(client, world.inspector), inspection).content.decode()
    assert 'data-testid="read-only"' in html
    assert "waiting for a second inspector's sign-off" in html
    assert 'name="weight-weight_g"' not in html
    assert "/complete/" not in html and "/sign-off/" not in html
    assert 'data-testid="checks-read-only"' in html
    assert "52.310 g" in html


def test_a_post_to_a_closed_inspection_is_refused_and_changes_nothing(
    client, world, qc
):
    inspection = awaiting(world)
    signed_in(client, world.inspector)
    url = reverse("inspect:observe", kwargs={"inspection_id": inspection.pk})
    response = client.post(url, {"weight-weight_g": "40"})
    assert response.status_code == 409
    assert "takes no more observations" in response.content.decode()
    weight = inspection.checks.get(key="weight")
    assert weight.observed == {"weight_mg": 52310}
    # A live row (htmx) is told to reload: the read-only page shows the refusal.
    live = client.post(url, {"weight-weight_g": "40"}, HTTP_HX_REQUEST="true")
    assert live.status_code == 409
    assert live["HX-Refresh"] == "true"
    assert inspection.checks.get(key="weight").observed == {"weight_mg": 52310}
    reloaded = page(client, inspection).content.decode()
    assert "takes no more observations" in reloaded


def test_a_closed_inspection_says_who_completed_and_signed_it(client, world, qc):
    inspection = awaiting(world)
    services.inspection_sign_off(
        principal=principal_of(qc.inspector2), inspection_id=inspection.pk
    )
    html = page(signed_in(client, qc.inspector2), inspection).content.decode()
    assert "Read-only: completed on" in html
    assert "Signed off on" in html and "inspector2" in html
    assert "a correction is a new inspection" in html
    assert "/sign-off/" not in html and 'name="weight-weight_g"' not in html


# --- actions only for who may take them ---------------------------------------


def test_the_first_inspector_is_offered_no_sign_off(client, world, qc):
    inspection = awaiting(world)
    item = inspection.item
    signed_in(client, world.inspector)
    detail = item_page(client, item).content.decode()
    assert 'data-testid="sign-off-link"' not in detail
    assert "See the inspection (read-only)" in detail
    assert 'data-step="sign_off"' in detail
    assert 'data-testid="yours"' not in detail
    form = page(client, inspection).content.decode()
    assert "Sign off the verdict" not in form

    signed_in(client, qc.inspector2)
    detail = item_page(client, item).content.decode()
    assert 'data-testid="sign-off-link"' in detail
    assert 'data-testid="yours"' in detail
    form = page(client, inspection).content.decode()
    assert "/sign-off/" in form and "Sign off the verdict" in form


def test_a_previous_judge_is_offered_no_re_inspection(client, world, qc):
    """An appeal's re-inspection is not offered to who judged the failed one."""
    item = failed(world, qc)
    services.appeal_create(
        principal=principal_of(world.merchant_user), code=item.code, reason="wrong"
    )
    new = Inspection.objects.get(item=item, status=Inspection.Status.OPEN)
    signed_in(client, world.inspector)
    detail = item_page(client, item).content.decode()
    assert "Continue the inspection" not in detail
    form = page(client, new).content.decode()
    assert 'data-testid="read-only"' in form
    assert "a different inspector must do the re-inspection" in form
    assert "/complete/" not in form
    signed_in(client, world.supervisor)
    assert "Continue the inspection" in item_page(client, item).content.decode()


def test_a_merchant_is_offered_the_appeal_once(client, world, qc):
    item = failed(world, qc)
    signed_in(client, world.merchant_user)
    assert "Appeal the verdict" in item_page(client, item).content.decode()
    services.appeal_create(
        principal=principal_of(world.merchant_user), code=item.code, reason="wrong"
    )
    # The re-inspection fails again, judged by two inspectors new to the item.
    third = f.UserFactory(username="inspector3")
    f.StaffFactory(user=third, warehouse=world.gz)
    again, _ = services.inspection_submit(
        principal=principal_of(world.supervisor),
        code=item.code,
        observed={**GOOD_JADE, "appearance": False},
    )
    services.inspection_sign_off(principal=principal_of(third), inspection_id=again.pk)
    item.refresh_from_db()
    assert item.state == S.FAILED
    html = item_page(client, item).content.decode()
    assert "Appeal the verdict" not in html
    assert "already appealed once" in html


def test_the_hold_decision_is_offered_to_a_supervisor_only(client, world, qc):
    item = received(world, jade_row())
    services.inspection_submit(
        principal=principal_of(world.inspector),
        code=item.code,
        observed={**GOOD_JADE, "packaging": "damaged"},
    )
    item.refresh_from_db()
    assert item.state == S.HELD
    signed_in(client, world.inspector)
    html = item_page(client, item).content.decode()
    assert "Record the decision" not in html
    assert 'data-step="decide"' in html and 'data-testid="yours"' not in html
    signed_in(client, world.supervisor)
    html = item_page(client, item).content.decode()
    assert "Record the decision" in html and 'data-testid="yours"' in html


@pytest.mark.parametrize(
    ("language", "what", "who"),
    [
        ("en", "The verdict is signed off, or disputed", "a second inspector"),
        ("zh-hans", "复核确认结论", "第二位质检员"),
    ],
)
def test_the_next_step_reads_in_the_readers_language(
    client, world, qc, language, what, who
):
    inspection = awaiting(world)
    signed_in(client, qc.inspector2)
    client.cookies["django_language"] = language
    html = page(client, inspection).content.decode()
    assert what in html and who in html


# --- a lot's sample as a table ------------------------------------------------------


def lot_inspection(client, world) -> Inspection:
    item = received(world, lot_row(quantity=20))
    signed_in(client, world.inspector)
    client.post(reverse("inspect:start", kwargs={"code": item.code}))
    inspection = Inspection.objects.get(item=item)
    assert inspection.is_lot and inspection.sample_size >= 3
    return inspection


def post_table(client, inspection, cells: dict):
    return client.post(
        reverse("inspect:unit", kwargs={"inspection_id": inspection.pk}),
        {"sample-table": "1", **cells},
    )


def test_the_sample_table_has_a_row_per_unit_and_a_column_per_check(client, world, qc):
    inspection = lot_inspection(client, world)
    html = page(client, inspection).content.decode()
    assert 'class="sample-table"' in html
    assert html.count("<tr data-unit=") == inspection.sample_size
    assert 'name="u1-shelf_life"' in html and 'name="u1-packaging"' in html
    assert "qcw/sample-table.js" in html


def test_bad_cells_are_named_by_unit_and_column_and_nothing_is_saved(client, world, qc):
    inspection = lot_inspection(client, world)
    response = post_table(
        client,
        inspection,
        {
            "u1-shelf_life": "2029-06-30",
            "u1-packaging": "intact",
            "u2-shelf_life": "30 June",
            "u2-packaging": "intact",
            "u3-shelf_life": "2029-06-30",
            "u3-packaging": "squashed",
            "u4-packaging": "intact",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Unit 2, Shelf life: Enter a valid date as YYYY-MM-DD." in html
    assert "Unit 3, Packaging:" in html
    assert "Unit 4, Shelf life: This check is mandatory." in html
    assert "Unit 1," not in html
    assert "3 cells cannot be read; nothing was recorded." in html
    assert 'value="30 June"' in html  # what was typed is kept
    assert inspection.units.count() == 0


def test_valid_rows_are_recorded_in_one_call_and_empty_rows_skipped(client, world, qc):
    inspection = lot_inspection(client, world)
    response = post_table(
        client,
        inspection,
        {
            "u1-shelf_life": "2029/6/30",
            "u1-packaging": "intact",
            "u2-shelf_life": "2029年6月30日",
            "u2-packaging": "完好",
            "u3-shelf_life": "20290630",
            "u3-packaging": "damaged",
        },
    )
    assert response.status_code == 302
    units = {u.number: u for u in inspection.units.all()}
    assert set(units) == {1, 2, 3}
    assert units[1].observed["shelf_life"]["expiry_date"] == "2029-06-30"
    assert units[2].verdict == "pass" and units[3].verdict == "fail"
    inspection.refresh_from_db()
    assert inspection.nonconforming == 1
    html = page(client, inspection).content.decode()
    assert "3 units recorded" in html
    assert html.count("<tr data-unit=") == inspection.sample_size - 3
    assert 'name="u1-shelf_life"' not in html


def test_an_empty_table_records_nothing(client, world, qc):
    inspection = lot_inspection(client, world)
    response = post_table(client, inspection, {})
    assert response.status_code == 400
    assert "Fill in at least one row" in response.content.decode()


def test_the_table_is_refused_on_a_closed_lot(client, world, qc):
    inspection = lot_inspection(client, world)
    Inspection.objects.filter(pk=inspection.pk).update(status=Inspection.Status.CLOSED)
    response = post_table(
        client, inspection, {"u1-shelf_life": "2029-06-30", "u1-packaging": "intact"}
    )
    assert response.status_code == 409
    assert inspection.units.count() == 0
    assert 'class="sample-table"' not in response.content.decode()


def test_the_first_inspectors_sign_off_post_is_refused(client, world, qc):
    inspection = awaiting(world)
    signed_in(client, world.inspector)
    response = client.post(
        reverse("inspect:sign-off", kwargs={"inspection_id": inspection.pk}),
        {"approve": "yes"},
        follow=True,
    )
    assert "a second inspector must sign it off" in response.content.decode()
    inspection.refresh_from_db()
    assert inspection.status == Inspection.Status.AWAITING_SIGNOFF
    assert inspection.signed_off_by is None


@pytest.mark.parametrize(
    ("cells", "errors"),
    [
        ({"material": "和田玉", "weight": "52.31", "appearance": "是"}, set()),
        ({"material": "hetian jade", "weight": "52.31", "appearance": "Yes"}, set()),
        (
            {"material": "和田玉", "weight": "heavy", "appearance": "maybe"},
            {"weight", "appearance"},
        ),
        ({"material": "", "weight": "52.31", "appearance": "no"}, {"material"}),
    ],
)
def test_sample_cells_read_as_the_services_observations(world, qc, cells, errors):
    """Each cell is read for its check's kind (yes/no in either language, a
    material by any of its names) and judged by the service's own parser; a
    bad cell is named by its unit and column."""
    from inspection.forms import check_rows, sample_table, sample_units

    item = received(world, jade_row())
    inspection = services.inspection_open(
        principal=principal_of(world.inspector), code=item.code
    )
    checks = list(inspection.checks.all())
    data = {f"u1-{key}": value for key, value in cells.items()}
    table = sample_table(check_rows(checks), [1, 2], data)
    units = sample_units(table, checks, services.observations_parse)
    bad = {cell.column.key for cell in table.rows[0].cells if cell.error}
    assert bad == errors
    assert [unit for unit, _column, _message in table.errors] == [1] * len(errors)
    if errors:
        assert units == []
    else:
        assert [u["unit"] for u in units] == [1]  # the empty row 2 is skipped
        parsed = services.observations_parse(checks, units[0]["observed"])
        assert parsed["appearance"]["result"] is True


def test_the_queue_offers_a_sign_off_only_to_who_may_give_it(client, world, qc):
    """An appeal's re-inspection awaiting sign-off is not offered to an
    inspector who judged the appealed inspection."""
    item = failed(world, qc)  # completed by inspector, signed off by inspector2
    services.appeal_create(
        principal=principal_of(world.merchant_user), code=item.code, reason="wrong"
    )
    again, _ = services.inspection_submit(
        principal=principal_of(world.supervisor),
        code=item.code,
        observed={**GOOD_JADE, "appearance": False},
    )
    assert again.status == Inspection.Status.AWAITING_SIGNOFF
    third = f.UserFactory(username="inspector3")
    f.StaffFactory(user=third, warehouse=world.gz)
    queue = reverse("inspect:queue")
    link = reverse("inspect:inspection", kwargs={"inspection_id": again.pk})
    for judge in (qc.inspector2, world.inspector):
        html = signed_in(client, judge).get(queue).content.decode()
        assert link not in html and "Awaiting your sign-off" not in html
    html = signed_in(client, third).get(queue).content.decode()
    assert link in html and "Awaiting your sign-off" in html


def test_a_merchants_next_step_names_no_inspector(client, world, qc):
    inspection = awaiting(world)
    html = item_page(signed_in(client, world.merchant_user), inspection.item)
    panel = re.search(
        r'data-testid="next-step".*?</div>', html.content.decode(), re.S
    ).group(0)
    assert "a second inspector" in panel
    assert "data-typed" not in panel
    staff = item_page(signed_in(client, qc.inspector2), inspection.item)
    assert "data-typed>inspector</span>" in re.search(
        r'data-testid="next-step".*?</div>', staff.content.decode(), re.S
    ).group(0)
