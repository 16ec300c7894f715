"""The check kinds' registry, and the message code behind every judgement.

Pure functions: no database.
"""

import datetime as dt

import pytest
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from inspection import rules
from inspection.messages import check_reason
from inspection.rules import FAIL, HOLD, PASS, CheckKind, Context
from inspection.rules.registry import KINDS, MESSAGES
from warehouse.vocabularies import (
    MARKINGS,
    MATERIALS,
    PACKAGING_STATES,
    PACKAGING_TYPES,
)

# Vocabulary terms' names in the reader's language.
NEPHRITE = MATERIALS.terms["nephrite jade"].label
BAG, BOX = (PACKAGING_TYPES.terms[code].label for code in ("bag", "box"))
OPENED = PACKAGING_STATES.terms["opened"].label
NET_CONTENT = MARKINGS.terms["net_content"].label

TODAY = dt.date(2026, 11, 25)
AT_RECEIPT = Context(received_on=TODAY, today=TODAY)


def test_every_kind_of_the_design_is_one_object_in_the_registry():
    assert rules.CHECK_KINDS == (
        "material",
        "weight",
        "shelf_life",
        "packaging",
        "labels",
        "identity",
        "free",
    )
    for name, kind in KINDS.items():
        assert isinstance(kind, CheckKind)
        assert kind.name == name


def test_message_codes_are_unique_across_kinds():
    from inspection.rules import base, registry

    catalogues = [base.MESSAGES] + [module.MESSAGES for module in registry.MODULES]
    assert sum(len(c) for c in catalogues) == len(MESSAGES)


def judge(kind, params, claim, observed, key=None):
    rule = rules.rule_from_dict({"key": key or kind, "kind": kind, "params": params})
    return rules.check_evaluate(
        rule,
        rules.claimed_value(rule, claim),
        rules.observation_parse(rule, observed),
        context=AT_RECEIPT,
    )


WEIGHT = {"tolerance_mg": 50}
JADE = {"vocabulary": {"nephrite jade": ["和田玉"]}}
JADE_RI = {**JADE, "readings": {"nephrite jade": {"refractive_index": [1.6, 1.63]}}}
SHELF = {"min_remaining_days": 30, "min_remaining_share": "0.5"}


@pytest.mark.parametrize(
    ("kind", "params", "claim", "observed", "verdict", "code", "values"),
    [
        (
            "weight",
            WEIGHT,
            {"weight_mg": 1000},
            {"weight_mg": 1045},
            PASS,
            "weight_within_tolerance",
            {"deviation": "45 mg", "tolerance": "50 mg"},
        ),
        (
            "weight",
            WEIGHT,
            {"weight_mg": 1000},
            {"weight_mg": 1051},
            FAIL,
            "weight_heavier",
            {"deviation": "51 mg", "tolerance": "50 mg"},
        ),
        (
            "weight",
            WEIGHT,
            {"weight_mg": 1000},
            {"weight_mg": 949},
            FAIL,
            "weight_lighter",
            {"deviation": "51 mg", "tolerance": "50 mg"},
        ),
        ("weight", WEIGHT, {}, {"weight_mg": 1}, HOLD, "nothing_claimed", {}),
        (
            "material",
            JADE,
            {"material": "和田玉"},
            {"material": "Nephrite  Jade"},
            PASS,
            "material_as_claimed",
            {"material": NEPHRITE},
        ),
        (
            "material",
            JADE,
            {"material": "和田玉"},
            {"material": "jadeite"},
            FAIL,
            "material_mismatch",
            {"found": "jadeite", "claimed": NEPHRITE},
        ),
        (
            "material",
            JADE_RI,
            {"material": "nephrite jade"},
            {"material": {"value": "nephrite jade", "refractive_index": "1.66"}},
            HOLD,
            "material_reading_outside",
            {
                "name": gettext_lazy("refractive index"),
                "value": "1.66",
                "low": "1.6",
                "high": "1.63",
                "material": NEPHRITE,
            },
        ),
        (
            "shelf_life",
            SHELF,
            {"expiry_date": "2026-11-24"},
            {"expiry_date": "2026-11-24"},
            FAIL,
            "shelf_life_expired",
            {"date": "2026-11-24"},
        ),
        (
            "shelf_life",
            SHELF,
            {"expiry_date": "2026-12-01"},
            {"expiry_date": "2026-12-01"},
            FAIL,
            "shelf_life_days_short",
            {"left": 6, "min": 30},
        ),
        (
            "shelf_life",
            SHELF,
            {"expiry_date": "2027-11-25"},
            {"expiry_date": "2027-11-25"},
            HOLD,
            "shelf_life_no_production",
            {},
        ),
        (
            "shelf_life",
            {},
            {"expiry_date": "2027-11-25"},
            {"expiry_date": "2027-11-25"},
            PASS,
            "shelf_life_left",
            {"left": 365},
        ),
        (
            "packaging",
            {},
            {"packaging": "box"},
            {"packaging": "opened"},
            FAIL,
            "packaging_state_refused",
            {"state": OPENED},
        ),
        (
            "packaging",
            {},
            {"packaging": "box"},
            {"packaging": {"state": "intact", "type": "bag"}},
            FAIL,
            "packaging_type_mismatch",
            {"found": BAG, "claimed": BOX},
        ),
        (
            "labels",
            {"required": ["name", "net content"]},
            {},
            {"labels": ["name"]},
            FAIL,
            "labels_missing",
            {"list": NET_CONTENT},
        ),
        (
            "identity",
            {"field": "model"},
            {"model": "A1"},
            {"model": "B2"},
            FAIL,
            "identity_mismatch",
            {"field": "model", "found": "b2", "claimed": "a1"},
        ),
        (
            "free",
            {"question": "No cracks?"},
            {},
            {"free": True},
            PASS,
            "free_confirmed",
            {},
        ),
    ],
)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_judgement_is_its_message_code_rendered_with_its_params(
    kind, params, claim, observed, verdict, code, values, language
):
    """``values`` are the sentence's (vocabulary names translated); the stored
    params are raw facts."""
    with translation.override(language):
        result = judge(kind, params, claim, observed)
        expected = gettext(MESSAGES[code])
        assert (result.verdict, result.code) == (verdict, code)
        assert result.params == RAW.get(code, values)
        assert result.reason == (expected % values if values else expected)
        assert check_reason(result.code, result.params) == result.reason


RAW = {  # where the raw facts differ from what the sentence shows
    "material_as_claimed": {"material": "nephrite jade"},
    "material_mismatch": {"found": "jadeite", "claimed": "nephrite jade"},
    "packaging_type_mismatch": {"found": "bag", "claimed": "box"},
    "weight_within_tolerance": {"deviation_mg": 45, "tolerance_mg": 50},
    "weight_heavier": {"deviation_mg": 51, "tolerance_mg": 50},
    "weight_lighter": {"deviation_mg": 51, "tolerance_mg": 50},
    "material_reading_outside": {
        "name": "refractive_index",
        "value": "1.66",
        "low": "1.6",
        "high": "1.63",
        "material": "nephrite jade",
    },
    "labels_missing": {"missing": ["net_content"]},
    "packaging_state_refused": {"state": "opened"},
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_inspectors_note_is_the_reason_kept_as_text_with_its_language(language):
    with translation.override(language):
        result = judge(
            "free",
            {"question": "No cracks?"},
            {},
            {"free": {"result": False, "note": "Hairline crack"}},
        )
    assert (result.verdict, result.reason) == (FAIL, "Hairline crack")
    assert (result.code, result.params) == (
        "inspector_note",
        {"text": "Hairline crack", "lang": language},
    )
    with translation.override("zh-hans" if language == "en" else "en"):
        assert check_reason(result.code, result.params) == "Hairline crack"
