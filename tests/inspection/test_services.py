"""Inspection services: open, observe, complete, sign-off, holds, appeals, lots,
templates and claims on notices."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from inspection import services
from inspection.models import Appeal, HoldDecision, Inspection, InspectionCheck
from tests.warehouse import factories as f
from warehouse import lifecycle
from warehouse.common.access import principal_of
from warehouse.common.exceptions import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TransitionRefused,
)
from warehouse.models import ItemEvent, ItemState

from .factories import (
    GOOD_JADE,
    GOOD_UNIT,
    JADE_CHECKS,
    LOT_CHECKS,
    announce,
    jade_row,
    lot_row,
    received,
    weighing,
)

pytestmark = pytest.mark.django_db


def submit(user, item, observed=None, **kw):
    inspection, _created = services.inspection_submit(
        principal=principal_of(user), code=item.code, observed=observed, **kw
    )
    item.refresh_from_db()
    inspection.refresh_from_db()
    return inspection


def checks_of(inspection) -> dict:
    return {c.key: c for c in InspectionCheck.objects.filter(inspection=inspection)}


def history(item) -> list[tuple[str, str]]:
    return list(
        ItemEvent.objects.filter(item=item)
        .order_by("at", "id")
        .values_list("from_state", "to_state")
    )


# --- the happy path and each verdict --------------------------------------------------


def test_a_matching_item_passes_with_every_step_in_its_history(world, qc):
    item = received(world, jade_row())

    inspection = submit(world.inspector, item, GOOD_JADE)

    assert (inspection.status, inspection.verdict) == ("closed", "pass")
    assert item.state == ItemState.PASSED
    assert history(item) == [
        ("announced", "received"),
        ("received", "inspecting"),
        ("inspecting", "passed"),
    ]
    last = ItemEvent.objects.filter(item=item).last()
    assert last.payload["inspection"] == inspection.pk
    assert last.payload["completed_by"] == "inspector"
    checks = checks_of(inspection)
    assert checks["material"].verdict == "pass"
    assert checks["weight"].claimed == 52310
    assert checks["weight"].observed["weight_mg"] == 52310
    assert checks["packaging"].verdict == "skipped"  # optional, not observed


def test_the_history_states_the_verdict_in_the_readers_language(world, qc):
    """Stored as a code with params, whatever the actor's language; read in
    the reader's."""
    item = received(world, jade_row())

    with translation.override("zh-hans"):
        submit(world.inspector, item, GOOD_JADE)

    last = ItemEvent.objects.filter(item=item).last()
    assert (last.reason_code, last.reason_params, last.reason) == (
        "inspection_verdict",
        {"number": 1, "verdict": "pass"},
        "",
    )
    with translation.override("zh-hans"):
        assert last.reason_text == "第 1 次质检：合格。"  # noqa: RUF001
    with translation.override("en"):
        assert last.reason_text == "Inspection #1: pass."


def test_weight_exactly_at_the_tolerance_passes_one_mg_beyond_fails(world, qc):
    at_limit = received(world, jade_row())
    beyond = received(world, jade_row())

    ok = submit(world.inspector, at_limit, weighing(weight_mg=52410))
    bad = submit(world.inspector, beyond, weighing(weight_mg=52411))

    assert ok.verdict == "pass" and at_limit.state == ItemState.PASSED
    assert checks_of(bad)["weight"].verdict == "fail"
    assert bad.verdict == "fail"
    # A fail waits for a second inspector before it takes effect.
    assert bad.status == "awaiting_signoff" and beyond.state == ItemState.INSPECTING


def test_a_failed_optional_check_with_on_fail_hold_holds_the_item(world, qc):
    item = received(world, jade_row())

    inspection = submit(world.inspector, item, {**GOOD_JADE, "packaging": "damaged"})

    assert inspection.verdict == "hold"
    assert item.state == ItemState.HELD
    assert checks_of(inspection)["packaging"].verdict == "fail"


def test_a_material_synonym_passes_and_another_material_fails(world, qc):
    synonym = received(world, jade_row())
    other = received(world, jade_row())

    assert (
        submit(
            world.inspector, synonym, {**GOOD_JADE, "material": "Hetian  JADE"}
        ).verdict
        == "pass"
    )
    failed = submit(world.inspector, other, {**GOOD_JADE, "material": "玻璃"})
    assert failed.verdict == "fail"


def test_mandatory_checks_not_observed_are_named_and_nothing_is_written(world, qc):
    item = received(world, jade_row())

    with pytest.raises(InvalidInput) as refused:
        submit(world.inspector, item, {"material": "nephrite jade"})

    assert set(refused.value.fields) == {"observed.weight", "observed.appearance"}
    item.refresh_from_db()
    assert item.state == ItemState.RECEIVED
    assert not Inspection.objects.filter(item=item).exists()


def test_bad_observations_are_refused_by_key_and_nothing_is_written(world, qc):
    item = received(world, jade_row())

    with pytest.raises(InvalidInput) as refused:
        submit(world.inspector, item, weighing(weight_g="-3", colour="green"))

    assert "observed.weight_g" in refused.value.fields
    assert "observed.colour" in refused.value.fields
    assert not Inspection.objects.filter(item=item).exists()


def test_observations_can_be_recorded_in_steps_and_the_last_one_counts(world, qc):
    item = received(world, jade_row())
    who = principal_of(world.inspector)
    inspection = services.inspection_open(principal=who, code=item.code)
    services.inspection_observe(
        principal=who, inspection_id=inspection.pk, observed={"weight_g": "60"}
    )
    assert checks_of(inspection)["weight"].verdict == "fail"  # judged live

    services.inspection_observe(
        principal=who, inspection_id=inspection.pk, observed=GOOD_JADE
    )
    done = services.inspection_complete(principal=who, inspection_id=inspection.pk)

    assert done.verdict == "pass"


# --- who may inspect, and in which state ----------------------------------------------


def test_only_a_received_item_is_opened(world, qc):
    item = announce(world, jade_row())

    with pytest.raises(TransitionRefused, match="only a received item"):
        services.inspection_open(
            principal=principal_of(world.inspector), code=item.code
        )


def test_a_second_open_is_refused_while_one_is_in_progress(world, qc):
    item = received(world, jade_row())
    who = principal_of(world.inspector)
    first = services.inspection_open(principal=who, code=item.code)

    with pytest.raises(Conflict) as refused:
        services.inspection_open(principal=who, code=item.code)

    assert refused.value.code == "inspection_in_progress"
    assert refused.value.fields == {"inspection": first.pk}


def test_receiving_stations_and_merchants_may_not_inspect(world, qc):
    item = received(world, jade_row())

    with pytest.raises(Forbidden, match="inspection station"):
        submit(qc.receiving_station, item, GOOD_JADE)
    with pytest.raises(Forbidden):
        submit(world.merchant_user, item, GOOD_JADE)
    # An inspection station may.
    assert submit(qc.qc_station, item, GOOD_JADE).verdict == "pass"


def test_an_inspector_of_another_warehouse_cannot_find_the_item(world, qc):
    item = received(world, jade_row())
    elsewhere = f.UserFactory(username="sih-inspector")
    f.StaffFactory(user=elsewhere, warehouse=world.sih)

    with pytest.raises(NotFound):
        submit(elsewhere, item, GOOD_JADE)


def test_an_item_whose_category_has_no_template_cannot_be_inspected(world, qc):
    phones = f.CategoryFactory(code="phones", name="Phones", claim_fields=[])
    item = received(
        world,
        {"sku": "P", "title": "Phone", "category": phones.code, "claim": {}},
    )

    with pytest.raises(Conflict) as refused:
        submit(world.inspector, item, {})
    assert refused.value.code == "no_template"


# --- sign-off -------------------------------------------------------------------------


def failing(world, qc):
    item = received(world, jade_row())
    inspection = submit(world.inspector, item, {**GOOD_JADE, "appearance": False})
    assert inspection.status == "awaiting_signoff"
    return item, inspection


def test_a_fail_takes_effect_when_a_second_inspector_signs_off(world, qc):
    item, inspection = failing(world, qc)

    services.inspection_sign_off(
        principal=principal_of(qc.inspector2), inspection_id=inspection.pk
    )

    item.refresh_from_db()
    inspection.refresh_from_db()
    assert item.state == ItemState.FAILED
    assert inspection.signed_off_by == qc.inspector2
    assert history(item)[-2:] == [
        ("inspecting", "inspecting"),  # completed, awaiting sign-off
        ("inspecting", "failed"),
    ]
    assert ItemEvent.objects.filter(item=item).last().payload["signed_off_by"] == (
        "inspector2"
    )


def test_the_inspector_who_completed_cannot_sign_off(world, qc):
    _item, inspection = failing(world, qc)

    with pytest.raises(Forbidden) as refused:
        services.inspection_sign_off(
            principal=principal_of(world.inspector), inspection_id=inspection.pk
        )
    assert refused.value.code == "same_inspector"


def test_a_sign_off_is_given_once(world, qc):
    _item, inspection = failing(world, qc)
    services.inspection_sign_off(
        principal=principal_of(qc.inspector2), inspection_id=inspection.pk
    )

    with pytest.raises(Conflict):
        services.inspection_sign_off(
            principal=principal_of(world.supervisor), inspection_id=inspection.pk
        )


def test_stations_cannot_sign_off(world, qc):
    _item, inspection = failing(world, qc)

    with pytest.raises(Forbidden):
        services.inspection_sign_off(
            principal=principal_of(qc.qc_station), inspection_id=inspection.pk
        )


def test_a_disputed_sign_off_holds_the_item_and_needs_a_note(world, qc):
    item, inspection = failing(world, qc)
    second = principal_of(qc.inspector2)

    with pytest.raises(InvalidInput):
        services.inspection_sign_off(
            principal=second, inspection_id=inspection.pk, approve=False
        )
    services.inspection_sign_off(
        principal=second,
        inspection_id=inspection.pk,
        approve=False,
        note="The crack is a natural inclusion.",
    )

    item.refresh_from_db()
    assert item.state == ItemState.HELD


@pytest.mark.parametrize(
    ("declared", "needs"),
    [("5000.00", False), ("5000.01", True), ("120", False)],
)
def test_a_pass_needs_sign_off_only_above_the_declared_value_threshold(
    world, qc, declared, needs
):
    item = received(world, jade_row(declared_value=declared))

    inspection = submit(world.inspector, item, GOOD_JADE)

    assert inspection.verdict == "pass"
    assert (inspection.status == "awaiting_signoff") is needs
    assert item.state == (ItemState.INSPECTING if needs else ItemState.PASSED)


# --- holds and appeals ----------------------------------------------------------------


def held(world, qc):
    item = received(world, jade_row())
    submit(world.inspector, item, {**GOOD_JADE, "packaging": "opened"})
    assert item.state == ItemState.HELD
    return item


@pytest.mark.parametrize(
    ("decision", "state"),
    [("pass", ItemState.PASSED), ("fail", ItemState.FAILED)],
)
def test_a_supervisor_resolves_a_held_item(world, qc, decision, state):
    item = held(world, qc)

    services.hold_decide(
        principal=principal_of(world.supervisor),
        code=item.code,
        decision=decision,
        reason="Seal replaced by the courier; item unharmed.",
    )

    item.refresh_from_db()
    assert item.state == state
    assert HoldDecision.objects.get(inspection__item=item).decision == decision


def test_a_supervisor_reinspection_opens_a_new_inspection(world, qc):
    item = held(world, qc)
    old = Inspection.objects.get(item=item)

    new = services.hold_decide(
        principal=principal_of(world.supervisor),
        code=item.code,
        decision="reinspect",
        reason="Look again.",
    )

    item.refresh_from_db()
    assert item.state == ItemState.INSPECTING
    assert (new.number, new.reason, new.previous_id) == (2, "reinspection", old.pk)
    assert Inspection.objects.get(pk=old.pk).verdict == "hold"


def test_only_supervisors_decide_holds(world, qc):
    item = held(world, qc)

    with pytest.raises(Forbidden):
        services.hold_decide(
            principal=principal_of(world.inspector),
            code=item.code,
            decision="pass",
            reason="x",
        )


def failed_item(world, qc):
    item, inspection = failing(world, qc)
    services.inspection_sign_off(
        principal=principal_of(qc.inspector2), inspection_id=inspection.pk
    )
    item.refresh_from_db()
    return item, inspection


def test_an_appeal_opens_a_new_inspection_and_leaves_the_old_unchanged(world, qc):
    item, old = failed_item(world, qc)
    before = {c.key: (c.observed, c.verdict, c.reason) for c in old.checks.all()}

    appeal = services.appeal_create(
        principal=principal_of(world.merchant_user),
        code=item.code,
        reason="The mark is a natural inclusion, see our photo.",
    )

    item.refresh_from_db()
    old.refresh_from_db()
    assert item.state == ItemState.INSPECTING
    assert appeal.reinspection.reason == "appeal"
    assert appeal.reinspection.previous_id == old.pk
    assert (old.status, old.verdict) == ("closed", "fail")
    assert {
        c.key: (c.observed, c.verdict, c.reason) for c in old.checks.all()
    } == before
    assert history(item)[-1] == ("failed", "inspecting")


def test_the_appeal_is_judged_by_a_different_inspector(world, qc):
    item, _old = failed_item(world, qc)
    services.appeal_create(
        principal=principal_of(world.merchant_user), code=item.code, reason="Please."
    )

    for judge in (world.inspector, qc.inspector2):
        with pytest.raises(Forbidden) as refused:
            submit(judge, item, GOOD_JADE)
        assert refused.value.code == "appeal_needs_other_inspector"

    inspection = submit(world.supervisor, item, GOOD_JADE)
    assert inspection.verdict == "pass"
    assert item.state == ItemState.PASSED


def test_an_item_is_appealed_once_and_only_by_its_merchant(world, qc):
    item, _old = failed_item(world, qc)
    with pytest.raises(NotFound):
        services.appeal_create(
            principal=principal_of(world.merchant2_user), code=item.code, reason="x"
        )
    services.appeal_create(
        principal=principal_of(world.merchant_user), code=item.code, reason="x"
    )
    inspection = submit(world.supervisor, item, {**GOOD_JADE, "appearance": False})
    services.inspection_sign_off(
        principal=principal_of(world.admin), inspection_id=inspection.pk
    )
    item.refresh_from_db()
    assert item.state == ItemState.FAILED

    with pytest.raises(Conflict) as refused:
        services.appeal_create(
            principal=principal_of(world.merchant_user), code=item.code, reason="again"
        )
    assert refused.value.code == "already_appealed"
    assert Appeal.objects.count() == 1


def test_only_a_failed_item_can_be_appealed(world, qc):
    item = held(world, qc)

    with pytest.raises(TransitionRefused, match="only a failed verdict"):
        services.appeal_create(
            principal=principal_of(world.merchant_user), code=item.code, reason="x"
        )


# --- lots -----------------------------------------------------------------------------


def units(numbers, **observed):
    return [{"unit": n, "observed": {**GOOD_UNIT, **observed}} for n in numbers]


def test_a_lot_follows_its_sampling_plan_and_passes_at_the_accept_number(world, qc):
    # A lot of 200 has code letter G, whose AQL 1.0 cell points down to H:
    # a sample of 50, accept 1, reject 2.
    item = received(world, lot_row(quantity=200))
    who = principal_of(world.inspector)
    inspection = services.inspection_open(principal=who, code=item.code)
    assert (
        inspection.sample_size,
        inspection.accept_number,
        inspection.reject_number,
    ) == (50, 1, 2)

    services.inspection_units_record(
        principal=who, inspection_id=inspection.pk, units=units(range(1, 50))
    )
    services.inspection_units_record(
        principal=who,
        inspection_id=inspection.pk,
        units=units([50], packaging="damaged"),
    )
    done = services.inspection_complete(principal=who, inspection_id=inspection.pk)

    item.refresh_from_db()
    assert (done.verdict, done.nonconforming) == ("pass", 1)
    assert item.state == ItemState.PASSED
    summary = checks_of(done)["packaging"]
    assert summary.verdict == "fail"
    assert summary.observed == {"units": 50, "pass": 49, "fail": 1, "hold": 0}


def test_a_lot_fails_at_the_reject_number_before_the_sample_is_complete(world, qc):
    item = received(world, lot_row(quantity=200))
    who = principal_of(world.inspector)
    inspection = services.inspection_open(principal=who, code=item.code)
    services.inspection_units_record(
        principal=who,
        inspection_id=inspection.pk,
        units=units([1, 2], packaging="opened"),
    )

    done = services.inspection_complete(principal=who, inspection_id=inspection.pk)

    assert (done.verdict, done.nonconforming) == ("fail", 2)
    assert done.status == "awaiting_signoff"  # a fail needs a second inspector


def test_a_lot_cannot_pass_before_the_whole_sample_is_recorded(world, qc):
    item = received(world, lot_row(quantity=200))
    who = principal_of(world.inspector)
    inspection = services.inspection_open(principal=who, code=item.code)
    services.inspection_units_record(
        principal=who, inspection_id=inspection.pk, units=units(range(1, 11))
    )

    with pytest.raises(InvalidInput, match=r"all 50 sampled units first \(10 so far\)"):
        services.inspection_complete(principal=who, inspection_id=inspection.pk)


def test_sampled_units_are_numbered_within_the_sample_and_recorded_once(world, qc):
    item = received(world, lot_row(quantity=200))
    who = principal_of(world.inspector)
    inspection = services.inspection_open(principal=who, code=item.code)
    services.inspection_units_record(
        principal=who, inspection_id=inspection.pk, units=units([1])
    )

    with pytest.raises(Conflict, match="already recorded"):
        services.inspection_units_record(
            principal=who, inspection_id=inspection.pk, units=units([2, 1])
        )
    with pytest.raises(InvalidInput, match="from 1 to 50"):
        services.inspection_units_record(
            principal=who, inspection_id=inspection.pk, units=units([51])
        )
    with pytest.raises(InvalidInput) as missing:
        services.inspection_units_record(
            principal=who,
            inspection_id=inspection.pk,
            units=[{"unit": 2, "observed": {"packaging": "intact"}}],
        )
    assert "units[0].observed.shelf_life" in missing.value.fields
    assert inspection.units.count() == 1  # nothing half written


def test_a_small_lot_is_inspected_whole(world, qc):
    item = received(world, lot_row(quantity=5))

    inspection = services.inspection_open(
        principal=principal_of(world.inspector), code=item.code
    )

    assert inspection.sample_size == 5


# --- shelf life at receipt, in the warehouse's time zone ------------------------------


def shelf_life_at(world, qc, received_at):
    """The shelf-life result of a unit of a lot expiring 2029-06-30 received then."""
    item = received(world, lot_row(quantity=2, expiry_date="2029-06-30"))
    item.received_at = received_at
    item.save(update_fields=["received_at"])
    who = principal_of(world.inspector)
    inspection = services.inspection_open(principal=who, code=item.code)
    services.inspection_units_record(
        principal=who, inspection_id=inspection.pk, units=units([1])
    )
    result = inspection.units.get(number=1).results["shelf_life"]
    return result["verdict"], result["detail"]["remaining_days"]


def test_remaining_shelf_life_counts_from_the_receipt_date_in_the_warehouse_zone(
    world, qc
):
    """The minimum is 180 days; 2029-01-01 is 180 days before 2029-06-30."""
    # 15:30 UTC on 1 January is 23:30 on 1 January in Guangzhou: exactly 180.
    assert shelf_life_at(world, qc, dt.datetime(2029, 1, 1, 15, 30, tzinfo=dt.UTC)) == (
        "pass",
        180,
    )
    # 16:30 UTC on 1 January is already 2 January in Guangzhou: 179, too few,
    # although it is still 1 January in UTC.
    assert shelf_life_at(world, qc, dt.datetime(2029, 1, 1, 16, 30, tzinfo=dt.UTC)) == (
        "fail",
        179,
    )


# --- templates: versions --------------------------------------------------------------


def test_an_inspection_keeps_the_template_version_it_opened_with(world, qc):
    item = received(world, jade_row())
    who = principal_of(world.inspector)
    inspection = services.inspection_open(principal=who, code=item.code)
    stricter = [dict(c) for c in JADE_CHECKS]
    stricter[1] = {**stricter[1], "params": {"tolerance_mg": 1}}
    v2 = services.template_publish(category=world.jade, checks=stricter)
    assert v2.version == 2

    services.inspection_observe(
        principal=who,
        inspection_id=inspection.pk,
        observed=weighing(weight_mg=52400),
    )
    done = services.inspection_complete(principal=who, inspection_id=inspection.pk)

    assert done.template_id == qc.jade_template.pk
    assert done.verdict == "pass"  # judged by v1's 100 mg tolerance
    later = received(world, jade_row())
    assert (
        submit(world.inspector, later, weighing(weight_mg=52400)).template_id == v2.pk
    )
    assert later.state == ItemState.INSPECTING  # v2 failed it; awaiting sign-off


def test_editing_a_template_never_changes_a_past_result(world, qc):
    item = received(world, jade_row())
    inspection = submit(world.inspector, item, GOOD_JADE)
    rule_before = checks_of(inspection)["weight"].rule

    qc.jade_template.checks.filter(key="weight").update(params={"tolerance_mg": 0})

    assert checks_of(inspection)["weight"].rule == rule_before
    assert services.template_in_use(qc.jade_template)


def test_a_template_with_bad_parameters_is_refused_by_check(world, qc):
    bad = [dict(c) for c in JADE_CHECKS]
    bad[1] = {**bad[1], "params": {"tolerance_mg": -5}}

    with pytest.raises(InvalidInput) as refused:
        services.template_publish(category=world.jade, checks=bad)

    assert any(key.startswith("checks[1].") for key in refused.value.fields)
    assert services.template_in_force(world.jade) == qc.jade_template


def test_unsupported_aql_is_refused(world, qc):
    with pytest.raises(InvalidInput, match="Unsupported AQL"):
        services.template_publish(category=world.lots, checks=LOT_CHECKS, aql="3.0")


# --- claims on inbound notices are checked against the template -----------------------


def test_a_notice_missing_a_mandatory_claim_names_the_item_and_field(world, qc):
    row = jade_row()
    del row["claim"]["weight_g"]

    with pytest.raises(InvalidInput) as refused:
        announce(world, row)

    assert "items[0].claim.weight" in refused.value.fields


def test_a_notice_with_a_material_outside_the_vocabulary_is_refused(world, qc):
    with pytest.raises(InvalidInput) as refused:
        announce(world, jade_row(material="unobtainium"))

    assert "items[0].claim.material" in refused.value.fields


def test_a_template_with_a_value_threshold_requires_the_declared_value(world, qc):
    row = jade_row()
    del row["claim"]["declared_value"]

    with pytest.raises(InvalidInput) as refused:
        announce(world, row)

    assert "items[0].claim.declared_value" in refused.value.fields


@pytest.mark.parametrize(
    ("claim", "field"),
    [
        ({"weight_g": "0"}, "items[0].claim.weight_g"),
        ({"weight_g": "heavy"}, "items[0].claim.weight_g"),
    ],
)
def test_impossible_claims_are_refused(world, qc, claim, field):
    with pytest.raises(InvalidInput) as refused:
        announce(world, jade_row(**claim))
    assert field in refused.value.fields


def test_expiry_before_production_is_refused(world, qc):
    with pytest.raises(InvalidInput) as refused:
        announce(world, lot_row(production_date="2027-01-01", expiry_date="2026-12-31"))
    assert "items[0].claim.expiry_date" in refused.value.fields


def test_a_carat_claim_is_stored_in_milligrams(world, qc):
    row = jade_row()
    del row["claim"]["weight_g"]
    row["claim"]["weight_ct"] = "261.55"

    item = announce(world, row)

    assert item.claim["weight_mg"] == 52310
    assert Decimal(item.claim["declared_value"]) == Decimal("1200.00")


def test_scale_reading_becomes_the_weight_observation(world, qc):
    item = received(world, jade_row())
    services.inspection_open(principal=principal_of(world.inspector), code=item.code)

    inspection = services.inspection_scale_reading(
        principal=principal_of(qc.qc_station),
        code=item.code,
        reading={"weight_g": "52.35"},
    )

    weight = checks_of(inspection)["weight"]
    assert (weight.source, weight.verdict, weight.observed["weight_mg"]) == (
        "scale",
        "pass",
        52350,
    )
    assert weight.observed_at <= timezone.now()


def test_a_scale_reading_needs_an_open_inspection(world, qc):
    item = received(world, jade_row())

    with pytest.raises(Conflict) as refused:
        services.inspection_scale_reading(
            principal=principal_of(qc.qc_station),
            code=item.code,
            reading={"weight_g": "1"},
        )
    assert refused.value.code == "no_open_inspection"


def test_lifecycle_moves_are_untouched_by_inspections(world, qc):
    """The lifecycle still refuses skipping a state: passed cannot be packed."""
    item = received(world, jade_row())
    submit(world.inspector, item, GOOD_JADE)

    with pytest.raises(TransitionRefused):
        lifecycle.item_pack(item=item, actor=world.inspector)
