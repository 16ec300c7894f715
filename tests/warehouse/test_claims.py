"""Claims: parsing and normalising what a merchant says about an item."""

import pytest
from django.utils import translation

from warehouse.claims import (
    MAX_TEXT,
    PARSERS,
    REQUIREMENTS,
    ClaimError,
    claim_missing,
    claim_normalise,
)

VALID_IMEI = "352099001761481"  # 15 digits, Luhn check digit 1


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# input key -> [(given, stored)] for good values
GOOD = {
    "weight_g": [
        ("52.31", 52310),
        (52.31, 52310),
        (1, 1000),
        (" 2.5 ", 2500),
        ("0.001", 1),
        ("1e3", 1_000_000),
        ("1000000", 1_000_000_000),
    ],
    "weight_ct": [(1.5, 300), ("1", 200), ("0.005", 1), (5, 1000)],
    "weight_mg": [(52310, 52310), ("7", 7), (1.0, 1)],
    "expiry_date": [("2026-12-31", "2026-12-31"), (" 2027-02-28 ", "2027-02-28")],
    "production_date": [("2024-02-29", "2024-02-29")],
    "shelf_life_days": [(365, 365), ("730", 730), (90.0, 90), (1, 1)],
    "declared_value": [("12.3", "12.30"), (0, "0.00"), (1999.99, "1999.99")],
    # a term of the vocabulary is stored as its code; other text as written
    "material": [
        (" nephrite jade ", "nephrite jade"),
        ("S925", "S925 silver"),
        ("和田玉", "nephrite jade"),
        ("resin", "resin"),
    ],
    "packaging": [("boxed", "boxed"), ("x" * MAX_TEXT, "x" * MAX_TEXT)],
    "labels": [
        (["name", " net content "], ["name", "net_content"]),
        (["licence number"], ["licence_number"]),
        (["净含量", "anti-counterfeit code"], ["net_content", "anti-counterfeit code"]),
    ],
    "imei": [
        (VALID_IMEI, VALID_IMEI),
        ("35-209900-176148-1", VALID_IMEI),
        ("35 209900 176148 1", VALID_IMEI),
    ],
}

# input key -> [(given, message fragment)] for bad values
BAD = {
    "weight_g": [
        (0, "greater than 0"),
        ("-1", "greater than 0"),
        (-0.5, "greater than 0"),
        ("0.0001", "finer than one milligram"),
        ("1000000.001", "implausibly large"),
        ("abc", "Enter a number"),
        ("", "Enter a number"),
        ("NaN", "Enter a number"),
        ("Infinity", "Enter a number"),
        (True, "Enter a number"),
        ([52], "Enter a number"),
        ({"g": 52}, "Enter a number"),
    ],
    "weight_ct": [("0.001", "finer than one milligram"), (0, "greater than 0")],
    "weight_mg": [(1.5, "finer than one milligram"), (-3, "greater than 0")],
    "expiry_date": [
        ("2026-13-01", "valid date"),
        ("2026-02-30", "valid date"),
        ("31/12/2026", "valid date"),
        ("", "valid date"),
        (20261231, "YYYY-MM-DD"),
        (["2026-12-31"], "YYYY-MM-DD"),
    ],
    "production_date": [("yesterday", "valid date"), (1, "YYYY-MM-DD")],
    "shelf_life_days": [
        (0, "whole number greater than 0"),
        (-5, "whole number greater than 0"),
        (1.5, "whole number greater than 0"),
        ("x", "Enter a number"),
        (False, "Enter a number"),
    ],
    "declared_value": [(-1, "cannot be negative"), ("ten", "Enter a number")],
    "material": [
        ("", "non-empty text"),
        ("   ", "non-empty text"),
        (5, "non-empty text"),
        ("x" * (MAX_TEXT + 1), f"longer than {MAX_TEXT} characters"),
    ],
    "packaging": [(["boxed"], "non-empty text")],
    "labels": [
        ([], "list of markings"),
        ("name", "list of markings"),
        (["name", ""], "non-empty text"),
        (["name", 3], "non-empty text"),
    ],
    "imei": [
        ("352099001761482", "Not a valid IMEI"),
        ("35209900176148X", "Not a valid IMEI"),
        ("12345", "Not a valid IMEI"),
        ("", "non-empty text"),
        (352099001761481, "non-empty text"),
    ],
}


def test_every_parser_has_good_and_bad_cases():
    """Each key in PARSERS is covered here; a new parser needs cases."""
    assert set(GOOD) == set(PARSERS)
    assert set(BAD) == set(PARSERS)


@pytest.mark.parametrize(
    ("key", "given", "stored"),
    [(key, given, stored) for key, cases in GOOD.items() for given, stored in cases],
)
def test_parser_accepts_and_normalises(key, given, stored):
    """A good value is stored under the parser's key in its normal form."""
    target, _parse = PARSERS[key]

    assert claim_normalise({key: given}) == {target: stored}


@pytest.mark.parametrize(
    ("key", "given", "fragment"),
    [(key, given, fragment) for key, cases in BAD.items() for given, fragment in cases],
)
def test_parser_refuses(key, given, fragment):
    """A bad value raises ClaimError naming the input key, with a clear message."""
    with pytest.raises(ClaimError) as caught:
        claim_normalise({key: given})

    assert caught.value.field == key
    assert fragment in caught.value.message, caught.value.message
    assert str(caught.value) == caught.value.message


def test_weights_are_stored_in_whole_milligrams():
    """Grams and carats both become integer milligrams (1 ct = 200 mg)."""
    grams = claim_normalise({"weight_g": "52.31"})["weight_mg"]
    carats = claim_normalise({"weight_ct": 1.5})["weight_mg"]

    assert (grams, carats) == (52310, 300)
    assert type(grams) is int and type(carats) is int


@pytest.mark.parametrize("imei", ["35209900176148", "3520990017614823"])
def test_imei_must_be_fifteen_digits_with_its_check(imei):
    """An IMEI claim is 15 digits with a Luhn check digit; 14 or 16 digits are not.

    Without its check digit a typo cannot be caught, and a 16-digit IMEISV is
    a different number from the phone's IMEI the inspector scans.
    """
    with pytest.raises(ClaimError) as caught:
        claim_normalise({"imei": imei})

    assert caught.value.field == "imei"
    assert "15 digits" in caught.value.message


@pytest.mark.parametrize(
    ("key", "value"),
    [("declared_value", "1e30"), ("weight_g", "1e999999"), ("weight_ct", "-1e999999")],
)
def test_huge_numbers_are_claim_errors_not_crashes(key, value):
    """Numbers beyond what a claim can hold raise ClaimError, not decimal errors."""
    with pytest.raises(ClaimError) as caught:
        claim_normalise({key: value})

    assert caught.value.field == key


# --- claim_normalise ---------------------------------------------------------------


def test_claim_normalise_keeps_free_claims():
    """Keys without a parser are free claims: text is trimmed, numbers kept."""
    stored = claim_normalise(
        {"colour": " green ", "pieces": 3, "certified_by_lab": True, "ratio": 0.5}
    )

    assert stored == {
        "colour": "green",
        "pieces": 3,
        "certified_by_lab": True,
        "ratio": 0.5,
    }


@pytest.mark.parametrize("value", ["", "  ", {"a": 1}, ["a"]])
def test_claim_normalise_refuses_bad_free_claims(value):
    """A free claim must be a number, a boolean or non-empty text."""
    with pytest.raises(ClaimError) as caught:
        claim_normalise({"colour": value})

    assert caught.value.field == "colour"
    assert "non-empty text" in caught.value.message


def test_claim_normalise_skips_null_values():
    """A key given as null is as if absent."""
    assert claim_normalise({"material": "jade", "weight_g": None}) == {
        "material": "jade"
    }


def test_claim_normalise_full_example():
    """A realistic claim comes out in its stored form."""
    stored = claim_normalise(
        {
            "material": "nephrite jade",
            "weight_g": 52.31,
            "packaging": "gift box",
            "declared_value": "1280",
            "labels": ["name", "producer"],
        }
    )

    assert stored == {
        "material": "nephrite jade",
        "weight_mg": 52310,
        "packaging": "gift box",
        "declared_value": "1280.00",
        "labels": ["name", "producer"],
    }


@pytest.mark.parametrize("claim", ["jade", ["jade"], 52, None])
def test_claim_normalise_refuses_a_non_object(claim):
    """A claim must be an object keyed by check."""
    with pytest.raises(ClaimError) as caught:
        claim_normalise(claim)

    assert caught.value.field == "claim"
    assert "object keyed by check" in caught.value.message


@pytest.mark.parametrize("key", ["", "k" * 65, 7])
def test_claim_normalise_refuses_bad_keys(key):
    """Claim keys are short non-empty texts."""
    with pytest.raises(ClaimError) as caught:
        claim_normalise({key: "x"})

    assert caught.value.field == "claim"
    assert "short texts" in caught.value.message


def test_claim_key_of_64_characters_is_fine():
    """A 64-character key is the longest accepted."""
    assert claim_normalise({"k" * 64: "x"}) == {"k" * 64: "x"}


@pytest.mark.parametrize(
    "claim",
    [
        {"weight_g": 1, "weight_ct": 5},
        {"weight_ct": 5, "weight_mg": 1000},
        {"weight_mg": 1000, "weight_g": 1},
    ],
)
def test_same_weight_in_two_units_is_refused(claim):
    """Weight may be given once, in one unit; the second mention is named."""
    second = list(claim)[1]

    with pytest.raises(ClaimError) as caught:
        claim_normalise(claim)

    assert caught.value.field == second
    assert "given twice in different units" in caught.value.message


def test_expiry_before_production_is_refused():
    """An expiry date before the production date is impossible."""
    with pytest.raises(ClaimError) as caught:
        claim_normalise({"production_date": "2026-05-01", "expiry_date": "2026-04-30"})

    assert caught.value.field == "expiry_date"
    assert "before production date" in caught.value.message


def test_expiry_on_production_day_is_accepted():
    """Expiry on the day of production is odd but possible (fresh food)."""
    stored = claim_normalise(
        {"production_date": "2026-05-01", "expiry_date": "2026-05-01"}
    )

    assert stored == {"production_date": "2026-05-01", "expiry_date": "2026-05-01"}


# --- claim_missing -----------------------------------------------------------------


def test_requirements_table():
    """Weight is met by weight_mg; shelf life by expiry, or production plus days."""
    assert REQUIREMENTS["weight"] == [("weight_mg",)]
    assert sorted(REQUIREMENTS["shelf_life"]) == [
        ("expiry_date",),
        ("production_date", "shelf_life_days"),
    ]


@pytest.mark.parametrize(
    ("stored", "required", "missing"),
    [
        ({"weight_mg": 52310}, ["weight"], []),
        ({"weight": 52}, ["weight"], ["weight"]),
        ({"weight_g": 52}, ["weight"], ["weight"]),
        ({}, ["weight"], ["weight"]),
        ({"expiry_date": "2027-01-01"}, ["shelf_life"], []),
        (
            {"production_date": "2026-01-01", "shelf_life_days": 365},
            ["shelf_life"],
            [],
        ),
        ({"production_date": "2026-01-01"}, ["shelf_life"], ["shelf_life"]),
        ({"shelf_life_days": 365}, ["shelf_life"], ["shelf_life"]),
        ({"material": "jade"}, ["material"], []),
        ({"labels": ["name"]}, ["labels"], []),
        ({"labels": ["name"]}, ["labels", "packaging"], ["packaging"]),
        ({}, ["material", "weight", "packaging"], ["material", "weight", "packaging"]),
        ({"material": "jade"}, ["weight", "material", "imei"], ["weight", "imei"]),
        ({"anything": 1}, [], []),
    ],
)
def test_claim_missing(stored, required, missing):
    """The required claims a stored claim does not satisfy, in the order required."""
    assert claim_missing(stored, required) == missing


def test_normalised_weight_in_carats_satisfies_weight():
    """A weight claimed in carats meets the weight requirement once normalised."""
    stored = claim_normalise({"material": "jadeite A", "weight_ct": 1.5})

    assert claim_missing(stored, ["material", "weight"]) == []
