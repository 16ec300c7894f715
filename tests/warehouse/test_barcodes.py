"""barcode_parse: what a scanned string says, before any database lookup."""

import datetime as dt

import pytest
from django.utils import translation

from warehouse.barcodes import MAX_BARCODE, Kind, barcode_parse
from warehouse.codes import ALPHABET, item_code_new
from warehouse.common.exceptions import InvalidInput

GTIN = "07032069804988"  # valid GTIN-14
GTIN_BAD = "07032069804987"  # same, wrong check digit
GS = "\x1d"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def refused(raw, code: str) -> InvalidInput:
    """The InvalidInput ``barcode_parse(raw)`` raises; its code must be ``code``."""
    with pytest.raises(InvalidInput) as caught:
        barcode_parse(raw)
    assert caught.value.code == code, caught.value.message
    return caught.value


# --- Item codes and text ---------------------------------------------------------


def test_item_code_is_recognised():
    """Our own valid item code parses as a code, value unchanged."""
    code = item_code_new()

    barcode = barcode_parse(code)

    assert (barcode.kind, barcode.value, barcode.raw) == (Kind.CODE, code, code)
    assert barcode.code_check_failed is False
    assert (barcode.gtin, barcode.serial, barcode.expiry) == ("", "", None)


def test_item_code_with_scanner_suffix_is_stripped():
    """Whitespace and the CR/LF a scanner appends are dropped; raw is kept."""
    code = item_code_new()

    barcode = barcode_parse(f"  {code}\r\n")

    assert (barcode.kind, barcode.value) == (Kind.CODE, code)
    assert barcode.raw == f"  {code}\r\n"


def test_item_code_with_wrong_check_is_text_flagged_as_check_failed():
    """A code-shaped string whose check fails is text, flagged for the lookup."""
    code = item_code_new()
    last = next(c for c in ALPHABET if c != code[-1])
    typo = code[:-1] + last

    barcode = barcode_parse(typo)

    assert (barcode.kind, barcode.value) == (Kind.TEXT, typo)
    assert barcode.code_check_failed is True


@pytest.mark.parametrize(
    "value", ["SN-1001", "352099001761481", "TAG 000123", "q7k2m9q4x1bh", "翡翠手镯-01"]
)
def test_other_text_is_text(value):
    """Serials, IMEIs, tags and anything else are plain text, not check-flagged."""
    barcode = barcode_parse(value)

    assert (barcode.kind, barcode.value) == (Kind.TEXT, value)
    assert barcode.code_check_failed is False


def test_symbology_identifier_in_front_of_an_item_code_is_dropped():
    """An AIM identifier such as ``]C0`` before our code is not part of it."""
    code = item_code_new()

    barcode = barcode_parse(f"]C0{code}")

    assert (barcode.kind, barcode.value) == (Kind.CODE, code)


# --- GS1 ----------------------------------------------------------------------------


def test_gs1_gtin_alone():
    """``01`` + 14 digits is a GS1 string carrying a GTIN."""
    barcode = barcode_parse(f"01{GTIN}")

    assert barcode.kind == Kind.GS1
    assert barcode.gtin == GTIN
    assert (barcode.serial, barcode.lot, barcode.expiry) == ("", "", None)
    assert barcode.value == f"01{GTIN}"
    assert barcode.gs1_summary() == {"gtin": GTIN}


@pytest.mark.parametrize(
    "raw", [f"01{GTIN_BAD}", f"(01){GTIN_BAD}", f"]C101{GTIN_BAD}21ABC"]
)
def test_gs1_wrong_gtin_check_digit_is_refused(raw):
    """A GTIN with a wrong check digit is refused as such."""
    exc = refused(raw, "barcode_check_digit")

    assert "check digit" in exc.message, exc.message
    assert GTIN_BAD in exc.message, "the reason names the GTIN"


def test_gs1_wrong_sscc_check_digit_is_refused():
    """An SSCC (AI 00) with a wrong check digit is refused as such."""
    exc = refused("00006141411234567899", "barcode_check_digit")

    assert "check digit" in exc.message, exc.message


def test_gs1_with_fnc1_separators():
    """Variable-length fields end at FNC1 (``\\x1d``); all fields are read."""
    raw = f"01{GTIN}10LOT42{GS}21SER-9{GS}17261231{GS}11250102"

    barcode = barcode_parse(raw)

    assert barcode.kind == Kind.GS1
    assert barcode.gtin == GTIN
    assert barcode.lot == "LOT42"
    assert barcode.serial == "SER-9"
    assert barcode.expiry == dt.date(2026, 12, 31)
    assert barcode.production == dt.date(2025, 1, 2)
    assert barcode.raw == raw
    assert barcode.gs1_summary() == {
        "gtin": GTIN,
        "serial": "SER-9",
        "lot": "LOT42",
        "expiry_date": "2026-12-31",
        "production_date": "2025-01-02",
    }


def test_gs1_human_readable_form():
    """The bracketed ``(01)…(17)…(21)…`` form gives GTIN, expiry and serial."""
    barcode = barcode_parse(f"(01){GTIN}(17)261231(21)ABC123")

    assert barcode.kind == Kind.GS1
    assert (barcode.gtin, barcode.serial) == (GTIN, "ABC123")
    assert barcode.expiry == dt.date(2026, 12, 31)
    assert barcode.production is None
    assert barcode.value.startswith(f"01{GTIN}"), "value is the unbracketed string"


def test_gs1_expiry_day_00_is_the_last_day_of_the_month():
    """An expiry with day 00 means the end of that month (GS1 rule)."""
    barcode = barcode_parse(f"(01){GTIN}(17)270200")

    assert barcode.expiry == dt.date(2027, 2, 28)


def test_gs1_serial_alone():
    """A GS1 string with only a serial (AI 21) is usable."""
    barcode = barcode_parse("(21)SN-1001")

    assert (barcode.kind, barcode.serial, barcode.gtin) == (Kind.GS1, "SN-1001", "")


@pytest.mark.parametrize("prefix", ["]C1", "]e0", "]d2", "]Q3", "]J1"])
def test_gs1_behind_a_symbology_identifier(prefix):
    """An AIM GS1 symbology identifier is dropped and the rest read as GS1."""
    barcode = barcode_parse(f"{prefix}01{GTIN}21ABC{GS}17261231")

    assert barcode.kind == Kind.GS1
    assert (barcode.gtin, barcode.serial) == (GTIN, "ABC")
    assert barcode.expiry == dt.date(2026, 12, 31)
    assert barcode.raw.startswith(prefix)


def test_gs1_identifier_makes_digits_gs1():
    """Behind ``]C1`` even a string not starting with 01 is read as GS1."""
    barcode = barcode_parse("]C121SER-1")

    assert (barcode.kind, barcode.serial) == (Kind.GS1, "SER-1")


@pytest.mark.parametrize(
    "raw",
    [
        f"01{GTIN}172613",  # AI 17 needs six digits
        f"01{GTIN}171399",  # month 13
        f"(01){GTIN}(21",  # truncated: the serial's AI is left dangling
        f"01{GTIN}(21)X",  # brackets after an unbracketed start
        "(01)0703206980",  # GTIN too short
        "]C1hello",  # GS1 identifier, not GS1 data
    ],
)
def test_malformed_gs1_is_refused(raw):
    """An element string that does not parse is refused with the parser's reason."""
    exc = refused(raw, "barcode_invalid")

    assert exc.message.startswith("Not a readable GS1 barcode: "), exc.message
    assert len(exc.message) > len("Not a readable GS1 barcode: "), "a reason follows"


@pytest.mark.parametrize("raw", ["(10)LOT1", "(17)261231", "00006141411234567890"])
def test_gs1_without_gtin_or_serial_is_unusable(raw):
    """A GS1 string that names no GTIN and no serial cannot find an item."""
    exc = refused(raw, "barcode_unusable")

    assert "neither a GTIN (01) nor a serial (21)" in exc.message


# --- Refused input ------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "   ", "\r\n", "\t ", "]C1", "]C1   "])
def test_empty_barcode_is_refused(raw):
    """Nothing but whitespace (or an identifier alone) is an empty barcode."""
    exc = refused(raw, "barcode_invalid")

    assert exc.message == "The barcode is empty."


def test_barcode_at_the_limit_is_accepted():
    """A barcode of exactly MAX_BARCODE characters is read."""
    barcode = barcode_parse("A" * MAX_BARCODE)

    assert (barcode.kind, len(barcode.value)) == (Kind.TEXT, MAX_BARCODE)


def test_too_long_barcode_is_refused():
    """A barcode longer than MAX_BARCODE characters is refused."""
    exc = refused("A" * (MAX_BARCODE + 1), "barcode_invalid")

    assert exc.message == f"The barcode is longer than {MAX_BARCODE} characters."


@pytest.mark.parametrize(
    "raw", ["AB\x00C", "SN\t1001", "SN\n1001", "\x1bSN", "SN\x7f", "A\x1cB", "A\x1eB"]
)
def test_control_characters_are_refused(raw):
    """Control characters inside a barcode are refused (FNC1 aside)."""
    exc = refused(raw, "barcode_invalid")

    assert exc.message == "The barcode contains control characters."


@pytest.mark.parametrize("raw", [None, 123, b"0107032069804988", ["SN-1"]])
def test_non_text_is_refused(raw):
    """Only text is a barcode."""
    exc = refused(raw, "barcode_invalid")

    assert exc.message == "The barcode must be a text."
