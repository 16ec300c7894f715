"""The check rules, kind by kind: at, just inside and just outside each boundary.

Pure functions: no database.
"""

import datetime as dt

import pytest
from django.utils import translation

from inspection import rules
from inspection.rules import FAIL, HOLD, PASS, Context, Rule

TODAY = dt.date(2026, 11, 25)
AT_RECEIPT = Context(received_on=TODAY, today=TODAY)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def rule(kind, key=None, **params) -> Rule:
    return rules.rule_from_dict({"key": key or kind, "kind": kind, "params": params})


def judge(r: Rule, claim: dict, observed: dict, context=AT_RECEIPT):
    observation = rules.observation_parse(r, observed)
    assert observation is not None
    return rules.check_evaluate(
        r, rules.claimed_value(r, claim), observation, context=context
    )


# --- weight ---------------------------------------------------------------------------

CLAIM_52G = {"weight_mg": 52_310}


@pytest.mark.parametrize(
    ("observed_mg", "verdict"),
    [
        (52_310, PASS),
        (52_410, PASS),  # exactly +100 mg
        (52_409, PASS),
        (52_411, FAIL),  # 1 mg beyond
        (52_210, PASS),  # exactly -100 mg
        (52_209, FAIL),
    ],
)
def test_weight_absolute_tolerance_boundary(observed_mg, verdict):
    result = judge(
        rule("weight", tolerance_mg=100), CLAIM_52G, {"weight_mg": observed_mg}
    )
    assert result.verdict == verdict
    assert result.detail["deviation_mg"] == observed_mg - 52_310


@pytest.mark.parametrize(
    ("observed_mg", "verdict"),
    # 0.5 % of 52,310 mg is 261.55 mg: 261 mg off passes, 262 fails.
    [(52_571, PASS), (52_572, FAIL), (52_049, PASS), (52_048, FAIL)],
)
def test_weight_relative_tolerance_is_compared_exactly(observed_mg, verdict):
    result = judge(
        rule("weight", tolerance_pct="0.5"), CLAIM_52G, {"weight_mg": observed_mg}
    )
    assert result.verdict == verdict


def test_weight_relative_tolerance_exactly_at_the_percentage_passes():
    # 1 % of 50,000 mg is exactly 500 mg.
    r = rule("weight", tolerance_pct="1")
    assert judge(r, {"weight_mg": 50_000}, {"weight_mg": 50_500}).verdict == PASS
    assert judge(r, {"weight_mg": 50_000}, {"weight_mg": 50_501}).verdict == FAIL


@pytest.mark.parametrize(
    ("combine", "observed_mg", "verdict"),
    # 200 mg absolute or 0.1 % (52.31 mg) relative.
    [
        ("larger", 52_510, PASS),
        ("larger", 52_511, FAIL),
        ("smaller", 52_362, PASS),
        ("smaller", 52_363, FAIL),
    ],
)
def test_weight_with_both_tolerances_takes_the_larger_or_the_smaller(
    combine, observed_mg, verdict
):
    r = rule("weight", tolerance_mg=200, tolerance_pct="0.1", combine=combine)
    assert judge(r, CLAIM_52G, {"weight_mg": observed_mg}).verdict == verdict


@pytest.mark.parametrize(
    ("observed", "mg"),
    [
        ({"weight_g": "52.31"}, 52_310),
        ({"weight_g": 52.31}, 52_310),
        ({"weight_ct": "261.55"}, 52_310),  # 1 ct = 200 mg
        ({"weight_mg": 52_310}, 52_310),
    ],
)
def test_weight_observations_in_grams_carats_and_milligrams(observed, mg):
    assert rules.observation_parse(rule("weight", tolerance_mg=1), observed) == {
        "weight_mg": mg
    }


@pytest.mark.parametrize(
    ("observed", "field", "message"),
    [
        ({"weight_g": "0"}, "weight_g", "greater than 0"),
        ({"weight_g": "-1"}, "weight_g", "greater than 0"),
        ({"weight_g": "abc"}, "weight_g", "Enter a number"),
        ({"weight_g": "1.0001"}, "weight_g", "finer than one milligram"),
        ({"weight_g": True}, "weight_g", "Enter a number"),
        ({"weight_g": "1", "weight_ct": "5"}, "weight_ct", "twice"),
    ],
)
def test_bad_weight_observations_name_their_key(observed, field, message):
    with pytest.raises(rules.ObservationError) as refused:
        rules.observation_parse(rule("weight", tolerance_mg=1), observed)
    assert refused.value.field == field
    assert message in refused.value.message


def test_weight_messages_say_heavier_or_lighter():
    r = rule("weight", tolerance_mg=100)
    assert "heavier" in judge(r, CLAIM_52G, {"weight_mg": 52_500}).reason
    assert "lighter" in judge(r, CLAIM_52G, {"weight_mg": 52_000}).reason


# --- material -------------------------------------------------------------------------

VOCABULARY = {
    "nephrite jade": ["和田玉", "hetian jade", "nephrite"],
    "jadeite A": ["翡翠A货"],
    "glass": ["玻璃"],
}
MATERIAL = rule(
    "material",
    vocabulary=VOCABULARY,
    readings={"nephrite jade": {"refractive_index": ["1.60", "1.64"]}},
)


@pytest.mark.parametrize(
    ("found", "verdict"),
    [
        ("nephrite jade", PASS),
        ("和田玉", PASS),
        ("  Hetian   JADE ", PASS),
        ("NEPHRITE", PASS),
        ("翡翠A货", FAIL),
        ("玻璃", FAIL),
        ("resin", FAIL),  # outside the vocabulary: compared as text
    ],
)
def test_material_synonyms_count_as_the_claimed_material(found, verdict):
    claim = {"material": "hetian jade"}
    assert judge(MATERIAL, claim, {"material": found}).verdict == verdict


@pytest.mark.parametrize(
    ("reading", "verdict"),
    [("1.60", PASS), ("1.64", PASS), ("1.59", HOLD), ("1.65", HOLD)],
)
def test_an_instrument_reading_outside_the_materials_range_holds(reading, verdict):
    observed = {"material": {"value": "nephrite jade", "refractive_index": reading}}
    result = judge(MATERIAL, {"material": "nephrite jade"}, observed)
    assert result.verdict == verdict


def test_a_claimed_material_outside_the_vocabulary_is_a_claim_problem():
    problems = rules.claim_problems(MATERIAL, {"material": "unobtainium"})
    assert problems[0][0] == "material"
    assert "Unknown material unobtainium" in problems[0][1]
    assert rules.claim_problems(MATERIAL, {"material": "和田玉"}) == []


def test_material_readings_must_be_positive_numbers():
    with pytest.raises(rules.ObservationError, match="positive"):
        rules.observation_parse(
            MATERIAL, {"material": {"value": "glass", "refractive_index": "-1"}}
        )
    with pytest.raises(rules.ObservationError, match="Unknown reading"):
        rules.observation_parse(
            MATERIAL, {"material": {"value": "glass", "hardness": 6}}
        )


def test_a_synonym_listed_under_two_materials_is_refused():
    with pytest.raises(rules.RuleError, match="listed under both"):
        rule("material", vocabulary={"a": ["x"], "b": ["X"]})


# --- shelf life -----------------------------------------------------------------------


def shelf(**params) -> Rule:
    return rule("shelf_life", **params)


def test_production_date_plus_days_is_compared_with_the_label_expiry():
    claim = {"production_date": "2026-09-01", "shelf_life_days": 1095}  # 2029-08-31
    r = shelf()
    assert judge(r, claim, {"expiry_date": "2029-08-31"}).verdict == PASS
    off = judge(r, claim, {"expiry_date": "2029-09-01"})
    assert off.verdict == FAIL
    assert "2029-09-01" in off.reason and "2029-08-31" in off.reason
    assert (
        judge(
            shelf(date_tolerance_days=1), claim, {"expiry_date": "2029-09-01"}
        ).verdict
        == PASS
    )
    assert (
        judge(
            shelf(date_tolerance_days=1), claim, {"expiry_date": "2029-09-02"}
        ).verdict
        == FAIL
    )


def test_a_label_production_date_plus_claimed_days_gives_the_expiry():
    claim = {"expiry_date": "2029-08-31", "shelf_life_days": 1095}
    assert judge(shelf(), claim, {"production_date": "2026-09-01"}).verdict == PASS
    assert judge(shelf(), claim, {"production_date": "2026-09-03"}).verdict == FAIL


def test_a_different_production_date_fails():
    claim = {"production_date": "2026-09-01", "expiry_date": "2029-08-31"}
    observed = {"production_date": "2026-08-01", "expiry_date": "2029-08-31"}
    assert judge(shelf(), claim, observed).verdict == FAIL


@pytest.mark.parametrize(
    ("received_on", "verdict", "left"),
    [
        (dt.date(2029, 1, 1), PASS, 180),  # exactly the minimum
        (dt.date(2028, 12, 31), PASS, 181),
        (dt.date(2029, 1, 2), FAIL, 179),  # one day short
    ],
)
def test_remaining_days_at_receipt_boundary(received_on, verdict, left):
    result = judge(
        shelf(min_remaining_days=180),
        {"expiry_date": "2029-06-30"},
        {"expiry_date": "2029-06-30"},
        Context(received_on=received_on, today=TODAY),
    )
    assert (result.verdict, result.detail["remaining_days"]) == (verdict, left)


def test_remaining_days_count_from_receipt_not_from_today():
    context = Context(received_on=dt.date(2029, 1, 1), today=dt.date(2029, 5, 1))
    result = judge(
        shelf(min_remaining_days=180),
        {"expiry_date": "2029-06-30"},
        {"expiry_date": "2029-06-30"},
        context,
    )
    assert result.verdict == PASS


@pytest.mark.parametrize(
    ("received_on", "verdict"),
    # 2026-01-01 .. 2026-12-31 is 364 days; half is 182: 182 left passes.
    [(dt.date(2026, 7, 2), PASS), (dt.date(2026, 7, 3), FAIL)],
)
def test_remaining_share_boundary(received_on, verdict):
    claim = {"production_date": "2026-01-01", "expiry_date": "2026-12-31"}
    result = judge(
        shelf(min_remaining_share="0.5"),
        claim,
        {"expiry_date": "2026-12-31"},
        Context(received_on=received_on, today=TODAY),
    )
    assert result.verdict == verdict


def test_a_share_minimum_without_any_production_date_holds():
    result = judge(
        shelf(min_remaining_share="0.5"),
        {"expiry_date": "2027-12-31"},
        {"expiry_date": "2027-12-31"},
    )
    assert result.verdict == HOLD
    assert "production date" in result.reason


def test_an_expired_item_fails_even_without_a_minimum():
    result = judge(
        shelf(), {"expiry_date": "2026-11-24"}, {"expiry_date": "2026-11-24"}
    )
    assert result.verdict == FAIL
    assert "Expired" in result.reason


def test_shelf_life_dates_from_a_gs1_barcode():
    # (17) expiry 2029-08-31, (11) production 2026-09-01
    observed = {"gs1": "(01)07032069804988(17)290831(11)260901"}
    parsed = rules.observation_parse(shelf(), observed)
    assert parsed == {
        "expiry_date": dt.date(2029, 8, 31),
        "production_date": dt.date(2026, 9, 1),
    }
    claim = {"production_date": "2026-09-01", "expiry_date": "2029-08-31"}
    assert judge(shelf(), claim, observed).verdict == PASS


@pytest.mark.parametrize(
    ("observed", "field"),
    [
        ({"gs1": "(01)07032069804988"}, "gs1"),  # no dates
        ({"gs1": 1234}, "gs1"),
        ({"expiry_date": "31/08/2029"}, "expiry_date"),
        ({"expiry_date": "2026-01-01", "production_date": "2026-02-01"}, "expiry_date"),
    ],
)
def test_bad_shelf_life_observations(observed, field):
    with pytest.raises(rules.ObservationError) as refused:
        rules.observation_parse(shelf(), observed)
    assert refused.value.field == field


def test_shelf_life_claims_need_an_expiry_or_production_and_days():
    r = shelf()
    assert rules.claim_problems(r, {}) == [("shelf_life", "This claim is required.")]
    assert rules.claim_problems(r, {"production_date": "2026-01-01"}) != []
    assert rules.claim_problems(r, {"expiry_date": "2027-01-01"}) == []
    assert (
        rules.claim_problems(
            r, {"production_date": "2026-01-01", "shelf_life_days": 30}
        )
        == []
    )


# --- packaging ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("observed", "verdict"),
    [
        ("intact", PASS),
        ({"state": "intact", "type": "Gift  Box"}, PASS),
        ({"state": "intact", "type": "pouch"}, FAIL),
        ("damaged", FAIL),
        ("opened", FAIL),
        ("missing seal", FAIL),
    ],
)
def test_packaging_must_be_intact_and_of_the_claimed_type(observed, verdict):
    r = rule("packaging")
    assert (
        judge(r, {"packaging": "gift box"}, {"packaging": observed}).verdict == verdict
    )


def test_unknown_packaging_state_is_refused_with_the_states():
    with pytest.raises(rules.ObservationError, match="intact, damaged"):
        rules.observation_parse(rule("packaging"), {"packaging": "wet"})


def test_packaging_type_outside_the_template_list_is_a_claim_problem():
    r = rule("packaging", types=["gift box", "sealed carton"])
    assert rules.claim_problems(r, {"packaging": "Sealed Carton"}) == []
    assert rules.claim_problems(r, {"packaging": "bag"})[0][0] == "packaging"


# --- labels ---------------------------------------------------------------------------

LABELS = rule("labels", required=["name", "net content", "licence_number"])


def test_all_required_markings_present_passes():
    observed = {"labels": ["Name", "net-content", "licence number"]}
    assert judge(LABELS, {}, observed).verdict == PASS


def test_missing_markings_are_named():
    result = judge(LABELS, {}, {"labels": {"name": True, "net_content": False}})
    assert result.verdict == FAIL
    assert result.detail["missing"] == ["net_content", "licence_number"]
    assert "net content, production licence number" in result.reason


def test_claimed_markings_are_required_too():
    observed = {"labels": ["name", "net_content", "licence_number"]}
    assert judge(LABELS, {"labels": ["producer"]}, observed).verdict == FAIL


# --- identity and free checks ---------------------------------------------------------


def test_imei_compared_without_spaces_or_dashes():
    r = rule("identity", key="imei", field="imei")
    claim = {"imei": "356938035643809"}
    assert judge(r, claim, {"imei": "35-693803 564380 9"}).verdict == PASS
    assert judge(r, claim, {"imei": "356938035643817"}).verdict == FAIL


def test_model_compared_ignoring_case_and_spacing():
    r = rule("identity", key="model", field="model")
    claim = {"model": "iPhone 13 128GB"}
    assert judge(r, claim, {"model": "IPHONE  13 128gb"}).verdict == PASS
    assert judge(r, claim, {"model": "iPhone 13 256GB"}).verdict == FAIL


def test_identity_by_serial_reads_the_items_serial():
    r = rule("identity", key="serial", field="serial")
    assert rules.claimed_value(r, {}, serial="HT-1") == "HT-1"
    assert rules.claim_problems(r, {}, serial="") == [
        ("serial", "This claim is required.")
    ]


@pytest.mark.parametrize(
    ("observed", "verdict", "reason"),
    [
        (True, PASS, "Confirmed"),
        (False, FAIL, "Not confirmed"),
        ({"result": False, "note": "Hairline crack at 3 o'clock"}, FAIL, "Hairline"),
    ],
)
def test_free_check_is_the_inspectors_answer(observed, verdict, reason):
    r = rule("free", key="appearance", question="No cracks?")
    result = judge(r, {}, {"appearance": observed})
    assert (result.verdict, reason in result.reason) == (verdict, True)


def test_free_check_answer_must_be_true_or_false():
    with pytest.raises(rules.ObservationError, match="true or false"):
        rules.observation_parse(rule("free", key="x", question="?"), {"x": "yes"})


def test_a_missing_claim_holds_a_comparing_check():
    result = judge(rule("weight", tolerance_mg=1), {}, {"weight_g": "1"})
    assert result.verdict == HOLD


# --- aggregation ----------------------------------------------------------------------

MANDATORY = rule("free", key="a", question="?")
OPTIONAL = rules.rule_from_dict(
    {"key": "b", "kind": "free", "mandatory": False, "params": {"question": "?"}}
)
HOLDING = rules.rule_from_dict(
    {"key": "c", "kind": "free", "on_fail": "hold", "params": {"question": "?"}}
)


def result(verdict):
    return rules.CheckResult(verdict, "", {})


@pytest.mark.parametrize(
    ("outcomes", "verdict"),
    [
        ([(MANDATORY, result(PASS))], PASS),
        ([(MANDATORY, result(PASS)), (OPTIONAL, None)], PASS),
        ([(MANDATORY, None), (OPTIONAL, result(PASS))], None),
        ([(MANDATORY, result(PASS)), (OPTIONAL, result(FAIL))], FAIL),
        ([(MANDATORY, result(PASS)), (HOLDING, result(FAIL))], HOLD),
        ([(MANDATORY, result(HOLD)), (HOLDING, result(PASS))], HOLD),
        ([(MANDATORY, result(FAIL)), (HOLDING, result(FAIL))], FAIL),
        ([(MANDATORY, None), (HOLDING, result(FAIL))], HOLD),
        ([(MANDATORY, None), (OPTIONAL, result(FAIL))], FAIL),
    ],
)
def test_verdict_aggregation(outcomes, verdict):
    assert rules.verdict_aggregate(outcomes) == verdict


def test_a_failure_of_a_hold_rule_holds_the_item():
    assert rules.check_effect(HOLDING, result(FAIL)) == HOLD
    assert rules.check_effect(MANDATORY, result(FAIL)) == FAIL


# --- template parameters --------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"key": "w", "kind": "weight", "params": {"tolerance_mg": -1}},
            "tolerance_mg",
        ),
        ({"key": "w", "kind": "weight", "params": {}}, "tolerance_mg"),
        (
            {"key": "w", "kind": "weight", "params": {"tolerance_pct": "101"}},
            "tolerance_pct",
        ),
        (
            {
                "key": "w",
                "kind": "weight",
                "params": {"tolerance_mg": 1, "combine": "max"},
            },
            "combine",
        ),
        (
            {
                "key": "s",
                "kind": "shelf_life",
                "params": {"min_remaining_share": "1.5"},
            },
            "min_remaining_share",
        ),
        (
            {"key": "s", "kind": "shelf_life", "params": {"min_remaining_days": "2.5"}},
            "min_remaining_days",
        ),
        (
            {"key": "p", "kind": "packaging", "params": {"accepted_states": ["wet"]}},
            "accepted_states",
        ),
        ({"key": "l", "kind": "labels", "params": {"required": "name"}}, "required"),
        ({"key": "i", "kind": "identity", "params": {}}, "field"),
        ({"key": "f", "kind": "free", "params": {}}, "question"),
        ({"key": "x", "kind": "colour", "params": {}}, "kind"),
        ({"key": "Bad Key", "kind": "free", "params": {"question": "?"}}, "key"),
        (
            {
                "key": "f",
                "kind": "free",
                "on_fail": "warn",
                "params": {"question": "?"},
            },
            "on_fail",
        ),
        (
            {"key": "m", "kind": "material", "params": {"readings": {"gold": {}}}},
            "readings",
        ),
    ],
)
def test_bad_template_parameters_are_refused_by_name(data, field):
    with pytest.raises(rules.RuleError) as refused:
        rules.rule_from_dict(data)
    assert refused.value.field == field


def test_a_rule_survives_its_dict_form():
    assert rules.rule_from_dict(rules.rule_to_dict(MATERIAL)) == MATERIAL


@pytest.mark.parametrize(
    ("r", "text"),
    [
        (rule("weight", tolerance_mg=1000, tolerance_pct="0.5"), "±1,000 mg or ±0.5 %"),
        (rule("weight", tolerance_mg=50), "within ±50 mg"),
        (shelf(min_remaining_days=180), "≥ 180 days left"),
        (LABELS, "product name, net content, production licence number"),
    ],
)
def test_rules_describe_themselves(r, text):
    assert text in rules.rule_describe(r)
