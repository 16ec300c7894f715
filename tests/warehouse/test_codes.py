"""Item codes: shape, validity, and that typing mistakes are caught by the check."""

import random

import pytest
from stdnum.iso7064 import mod_37_2

from warehouse.codes import (
    ALPHABET,
    CODE_LENGTH,
    PREFIX,
    item_code_is_valid,
    item_code_looks_like,
    item_code_new,
)

SAMPLES = 2000


def test_item_code_shape():
    """A code is Q, ten characters of 0-9A-Z and one check character: 12 in all."""
    for _ in range(SAMPLES):
        code = item_code_new()
        assert len(code) == CODE_LENGTH == 12, code
        assert code.startswith(PREFIX) and PREFIX == "Q", code
        assert set(code[1:-1]) <= set(ALPHABET), code
        assert code[-1] in ALPHABET + "*", code
        assert code == code.upper().strip(), code
        assert item_code_looks_like(code), code
        assert item_code_is_valid(code), f"{code} fails its own check"


def test_item_codes_do_not_repeat():
    """Random codes do not collide in a large sample (36^10 possibilities)."""
    sample = [item_code_new() for _ in range(SAMPLES)]

    assert len(set(sample)) == SAMPLES


def test_item_codes_use_the_whole_alphabet():
    """Body characters are drawn from all of 0-9A-Z, not a subset."""
    seen = set()
    for _ in range(SAMPLES):
        seen.update(item_code_new()[1:-1])

    assert seen == set(ALPHABET)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "Q",
        "QABC",
        "Q" + "A" * 10,  # 11 characters
        "Q" + "A" * 12,  # 13 characters
        "X" + "A" * 11,  # wrong prefix
        "q" + "A" * 11,  # lower-case prefix
        "Q" + "a" * 11,  # lower-case body
        "Q" + "A" * 9 + "*" + "A",  # "*" only ever stands as the check character
        "Q-AAAAAAAAAA",
        " Q" + "A" * 11,
    ],
)
def test_not_shaped_like_a_code(value):
    """Strings of the wrong shape are neither code-like nor valid."""
    assert not item_code_looks_like(value)
    assert not item_code_is_valid(value)


def test_code_shaped_with_wrong_check_looks_like_but_is_not_valid():
    """Right shape, wrong check character: looks like a code, is not valid."""
    code = item_code_new()
    wrong = code[:-1] + next(c for c in ALPHABET if c != code[-1])

    assert item_code_looks_like(wrong)
    assert not item_code_is_valid(wrong)


def test_every_single_character_substitution_is_detected():
    """Changing any one character of a code to any other is caught by the check.

    Exhaustive over 60 codes: 12 positions x the 36 other characters of
    ``0-9A-Z*`` each.
    """
    undetected = []
    tried = 0
    for code in [item_code_new() for _ in range(60)]:
        for position in range(len(code)):
            for char in ALPHABET + "*":
                if char == code[position]:
                    continue
                typo = code[:position] + char + code[position + 1 :]
                tried += 1
                if item_code_is_valid(typo):
                    undetected.append((code, typo))

    assert tried == 60 * 12 * 36
    assert not undetected, f"{len(undetected)} substitutions pass: {undetected[:5]}"


def test_random_substitutions_are_detected():
    """A few thousand random one-character typos in fresh codes are all caught."""
    rng = random.Random(7)
    undetected = []
    for _ in range(3000):
        code = item_code_new()
        position = rng.randrange(len(code))
        char = rng.choice([c for c in ALPHABET if c != code[position]])
        typo = code[:position] + char + code[position + 1 :]
        if item_code_is_valid(typo):
            undetected.append((code, typo))

    assert not undetected, undetected[:5]


@pytest.mark.parametrize(
    ("body", "swapped_body"),
    # Swaps that ISO 7064 MOD 37,36 (the first scheme) let through.
    [("QE3BTX5E89D", "QE3BTX5E98D"), ("Q34GH0VIPEC", "Q43GH0VIPEC")],
)
def test_known_adjacent_transposition_is_detected(body, swapped_body):
    """Swapping two neighbouring characters of a valid code makes it invalid."""
    code = body + mod_37_2.calc_check_digit(body)
    swapped = swapped_body + code[-1]
    assert item_code_is_valid(code), "the example is a real code"

    assert not item_code_is_valid(swapped), f"{swapped} passes as a valid code"


def test_every_adjacent_transposition_is_detected():
    """Swapping any two different neighbours is caught (codes.py promises it).

    Exhaustive over 2000 fresh codes: every adjacent pair, the check character
    included (about 21,000 swaps).
    """
    undetected = []
    tried = 0
    for code in [item_code_new() for _ in range(SAMPLES)]:
        for position in range(len(code) - 1):
            left, right = code[position], code[position + 1]
            if left == right:
                continue
            swapped = code[:position] + right + left + code[position + 2 :]
            tried += 1
            if item_code_is_valid(swapped):
                undetected.append((code, swapped))

    assert tried > 20000
    assert not undetected, (
        f"{len(undetected)} of {tried} adjacent swaps pass the check: {undetected[:5]}"
    )
