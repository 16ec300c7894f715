"""ISO 2859-1 single sampling, normal inspection, level II: tables and lot verdicts.

Expected values are written out as the standard gives them (Table 1 and
Table 2-A, arrows already followed), not computed from the module. They were
cross-checked against MIL-STD-105E Table II-A as reproduced by
nibs.org (FMOC DPW_AC Table 1-A) and by an open-source AQL calculator, and
against worked examples (ISO 2859-1:1999 OC-curve plans, AQL Inspector's
Rule manual).
"""

from decimal import Decimal

import pytest

from inspection.sampling import (
    CODE_LETTERS,
    DOWN,
    SAMPLE_SIZES,
    SUPPORTED_AQLS,
    TABLE_2A,
    UP,
    SamplingPlan,
    code_letter,
    lot_verdict,
    plan_for,
    plan_for_code_letter,
)

# For each AQL and each code letter A..R: (letter of the plan used, n, Ac, Re)
# after following the arrows of Table 2-A.
# fmt: off
RESOLVED = {
    "0.65": {
        "A": ("F", 20, 0, 1),   "B": ("F", 20, 0, 1),   "C": ("F", 20, 0, 1),
        "D": ("F", 20, 0, 1),   "E": ("F", 20, 0, 1),   "F": ("F", 20, 0, 1),
        "G": ("F", 20, 0, 1),   "H": ("J", 80, 1, 2),   "J": ("J", 80, 1, 2),
        "K": ("K", 125, 2, 3),  "L": ("L", 200, 3, 4),  "M": ("M", 315, 5, 6),
        "N": ("N", 500, 7, 8),  "P": ("P", 800, 10, 11), "Q": ("Q", 1250, 14, 15),
        "R": ("R", 2000, 21, 22),
    },
    "1.0": {
        "A": ("E", 13, 0, 1),   "B": ("E", 13, 0, 1),   "C": ("E", 13, 0, 1),
        "D": ("E", 13, 0, 1),   "E": ("E", 13, 0, 1),   "F": ("E", 13, 0, 1),
        "G": ("H", 50, 1, 2),   "H": ("H", 50, 1, 2),   "J": ("J", 80, 2, 3),
        "K": ("K", 125, 3, 4),  "L": ("L", 200, 5, 6),  "M": ("M", 315, 7, 8),
        "N": ("N", 500, 10, 11), "P": ("P", 800, 14, 15), "Q": ("Q", 1250, 21, 22),
        "R": ("Q", 1250, 21, 22),
    },
    "1.5": {
        "A": ("D", 8, 0, 1),    "B": ("D", 8, 0, 1),    "C": ("D", 8, 0, 1),
        "D": ("D", 8, 0, 1),    "E": ("D", 8, 0, 1),    "F": ("G", 32, 1, 2),
        "G": ("G", 32, 1, 2),   "H": ("H", 50, 2, 3),   "J": ("J", 80, 3, 4),
        "K": ("K", 125, 5, 6),  "L": ("L", 200, 7, 8),  "M": ("M", 315, 10, 11),
        "N": ("N", 500, 14, 15), "P": ("P", 800, 21, 22), "Q": ("P", 800, 21, 22),
        "R": ("P", 800, 21, 22),
    },
    "2.5": {
        "A": ("C", 5, 0, 1),    "B": ("C", 5, 0, 1),    "C": ("C", 5, 0, 1),
        "D": ("C", 5, 0, 1),    "E": ("F", 20, 1, 2),   "F": ("F", 20, 1, 2),
        "G": ("G", 32, 2, 3),   "H": ("H", 50, 3, 4),   "J": ("J", 80, 5, 6),
        "K": ("K", 125, 7, 8),  "L": ("L", 200, 10, 11), "M": ("M", 315, 14, 15),
        "N": ("N", 500, 21, 22), "P": ("N", 500, 21, 22), "Q": ("N", 500, 21, 22),
        "R": ("N", 500, 21, 22),
    },
    "4.0": {
        "A": ("B", 3, 0, 1),    "B": ("B", 3, 0, 1),    "C": ("B", 3, 0, 1),
        "D": ("E", 13, 1, 2),   "E": ("E", 13, 1, 2),   "F": ("F", 20, 2, 3),
        "G": ("G", 32, 3, 4),   "H": ("H", 50, 5, 6),   "J": ("J", 80, 7, 8),
        "K": ("K", 125, 10, 11), "L": ("L", 200, 14, 15), "M": ("M", 315, 21, 22),
        "N": ("M", 315, 21, 22), "P": ("M", 315, 21, 22), "Q": ("M", 315, 21, 22),
        "R": ("M", 315, 21, 22),
    },
    "6.5": {
        "A": ("A", 2, 0, 1),    "B": ("A", 2, 0, 1),    "C": ("D", 8, 1, 2),
        "D": ("D", 8, 1, 2),    "E": ("E", 13, 2, 3),   "F": ("F", 20, 3, 4),
        "G": ("G", 32, 5, 6),   "H": ("H", 50, 7, 8),   "J": ("J", 80, 10, 11),
        "K": ("K", 125, 14, 15), "L": ("L", 200, 21, 22), "M": ("L", 200, 21, 22),
        "N": ("L", 200, 21, 22), "P": ("L", 200, 21, 22), "Q": ("L", 200, 21, 22),
        "R": ("L", 200, 21, 22),
    },
}
# fmt: on

CELLS = [
    (aql, letter, expected)
    for aql, column in RESOLVED.items()
    for letter, expected in column.items()
]


def test_expected_table_is_complete():
    """The expectations above cover every code letter of every required AQL."""
    assert len(CELLS) == 6 * 16
    for column in RESOLVED.values():
        assert "".join(column) == "ABCDEFGHJKLMNPQR"


@pytest.mark.parametrize(("aql", "letter", "expected"), CELLS)
def test_table_2a_row_by_row(aql, letter, expected):
    """Each cell of Table 2-A gives the standard's plan once arrows are followed."""
    plan = plan_for_code_letter(letter, aql)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == expected
    assert plan.aql == Decimal(aql)


def test_sample_sizes():
    """Table 2-A's sample size column, A..R."""
    assert SAMPLE_SIZES == {
        "A": 2, "B": 3, "C": 5, "D": 8, "E": 13, "F": 20, "G": 32, "H": 50,
        "J": 80, "K": 125, "L": 200, "M": 315, "N": 500, "P": 800, "Q": 1250,
        "R": 2000,
    }  # fmt: skip
    assert CODE_LETTERS == "ABCDEFGHJKLMNPQR"


def test_table_keeps_the_arrows():
    """The table is stored as printed: arrows are cells, Re is always Ac + 1."""
    assert [str(a) for a in SUPPORTED_AQLS] == [
        "0.65",
        "1.0",
        "1.5",
        "2.5",
        "4.0",
        "6.5",
    ]
    assert TABLE_2A[Decimal("1.0")][CODE_LETTERS.index("F")] == UP
    assert TABLE_2A[Decimal("1.0")][CODE_LETTERS.index("G")] == DOWN
    assert TABLE_2A[Decimal("6.5")][CODE_LETTERS.index("M")] == UP
    for column in TABLE_2A.values():
        assert len(column) == 16
        for cell in column:
            assert cell in (UP, DOWN) or cell[1] == cell[0] + 1


@pytest.mark.parametrize(
    ("lot_size", "letter"),
    [
        (1, "A"),
        (2, "A"),
        (8, "A"),
        (9, "B"),
        (15, "B"),
        (16, "C"),
        (25, "C"),
        (26, "D"),
        (50, "D"),
        (51, "E"),
        (90, "E"),
        (91, "F"),
        (150, "F"),
        (151, "G"),
        (280, "G"),
        (281, "H"),
        (500, "H"),
        (501, "J"),
        (1200, "J"),
        (1201, "K"),
        (3200, "K"),
        (3201, "L"),
        (10000, "L"),
        (10001, "M"),
        (35000, "M"),
        (35001, "N"),
        (150000, "N"),
        (150001, "P"),
        (500000, "P"),
        (500001, "Q"),
        (10**9, "Q"),
    ],
)
def test_code_letter_band_boundaries(lot_size, letter):
    """Table 1, general inspection level II, at both ends of every band."""
    assert code_letter(lot_size) == letter


@pytest.mark.parametrize(
    ("lot_size", "aql", "expected"),
    [
        (1000, "1.0", ("J", 80, 2, 3)),
        (1000, "0.65", ("J", 80, 1, 2)),
        (1000, "1.5", ("J", 80, 3, 4)),  # AQL Inspector's Rule manual, example 1
        (1000, "2.5", ("J", 80, 5, 6)),
        (2000, "0.65", ("K", 125, 2, 3)),
        (4000, "2.5", ("L", 200, 10, 11)),
        (10000, "2.5", ("L", 200, 10, 11)),
        (120, "1.0", ("E", 13, 0, 1)),  # F: up arrow, smaller sample
        (200, "1.0", ("H", 50, 1, 2)),  # G: down arrow, larger sample
        (200, "0.65", ("F", 20, 0, 1)),  # G: up arrow
        (400, "0.65", ("J", 80, 1, 2)),  # H: down arrow
        (20, "6.5", ("D", 8, 1, 2)),  # C: down arrow
        (12, "6.5", ("A", 2, 0, 1)),  # B: up arrow
        (40, "4.0", ("E", 13, 1, 2)),  # D: down arrow
        (600_000, "4.0", ("M", 315, 21, 22)),  # Q: up arrows to M
        (600_000, "0.65", ("Q", 1250, 14, 15)),
    ],
)
def test_worked_examples(lot_size, aql, expected):
    """Whole lookups, lot size to plan, as the standard's users work them out."""
    plan = plan_for(lot_size, aql)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == expected


def test_plan_is_a_frozen_dataclass():
    """plan_for returns an immutable SamplingPlan carrying the AQL column."""
    plan = plan_for(1000, Decimal("1.0"))
    assert plan == SamplingPlan("J", 80, 2, 3, Decimal("1.0"))
    with pytest.raises(AttributeError):
        plan.accept = 5


@pytest.mark.parametrize("aql", ["1", "1.0", "1.00", " 1.0 ", Decimal("1"), 1])
def test_aql_is_matched_by_value(aql):
    """AQLs are compared by value: "1", "1.0" and Decimal("1.00") are one column."""
    plan = plan_for(1000, aql)
    assert (plan.sample_size, plan.accept, plan.reject) == (80, 2, 3)
    assert str(plan.aql) == "1.0"


@pytest.mark.parametrize(
    ("lot_size", "aql", "expected"),
    [
        (1, "1.0", ("E", 1, 0, 1)),  # below Table 1: the single unit
        (1, "6.5", ("A", 1, 0, 1)),
        (2, "6.5", ("A", 2, 0, 1)),  # n equals the lot size
        (10, "0.65", ("F", 10, 0, 1)),  # B, down to F: n = 20 > 10
        (50, "0.65", ("F", 20, 0, 1)),  # D, down to F: n = 20 < 50, a sample
        (12, "1.0", ("E", 12, 0, 1)),  # B, down to E: n = 13 > 12
        (13, "1.0", ("E", 13, 0, 1)),
        (14, "1.0", ("E", 13, 0, 1)),
    ],
)
def test_full_inspection_when_sample_covers_the_lot(lot_size, aql, expected):
    """When n >= lot size every unit is inspected, with the plan's Ac and Re."""
    plan = plan_for(lot_size, aql)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == expected


@pytest.mark.parametrize("lot_size", [0, -1, -1000])
def test_lot_size_must_be_positive(lot_size):
    with pytest.raises(ValueError, match="positive"):
        plan_for(lot_size, "1.0")
    with pytest.raises(ValueError, match="positive"):
        code_letter(lot_size)


@pytest.mark.parametrize("lot_size", [10.0, "100", None, True])
def test_lot_size_must_be_an_int(lot_size):
    with pytest.raises(TypeError):
        plan_for(lot_size, "1.0")


@pytest.mark.parametrize(
    "aql", ["0.4", "0.40", "10", "2", "0", "-1.0", "abc", "", "NaN", "Infinity", None]
)
def test_unsupported_aql(aql):
    """An AQL outside the six columns is refused, naming the supported ones."""
    with pytest.raises(ValueError, match=r"0\.65, 1\.0, 1\.5, 2\.5, 4\.0, 6\.5"):
        plan_for(1000, aql)


@pytest.mark.parametrize("letter", ["I", "O", "S", "a", "", "AB", None])
def test_unknown_code_letter(letter):
    with pytest.raises(ValueError, match="code letter"):
        plan_for_code_letter(letter, "1.0")


def test_lot_verdict_at_ac_and_re():
    """Ac or fewer nonconforming units accept the lot; Re or more reject it."""
    plan = plan_for(1000, "1.0")  # n = 80, Ac 2, Re 3
    assert [lot_verdict(plan, d) for d in (0, 1, 2, 3, 4, 80)] == [
        "accept",
        "accept",
        "accept",
        "reject",
        "reject",
        "reject",
    ]
    zero = plan_for(100, "0.65")  # n = 20, Ac 0, Re 1
    assert lot_verdict(zero, 0) == "accept"
    assert lot_verdict(zero, 1) == "reject"


@pytest.mark.parametrize(("aql", "letter", "expected"), CELLS)
def test_lot_verdict_on_every_plan(aql, letter, expected):
    plan = plan_for_code_letter(letter, aql)
    assert lot_verdict(plan, plan.accept) == "accept"
    assert lot_verdict(plan, plan.reject) == "reject"


@pytest.mark.parametrize("defectives", [-1, 81])
def test_lot_verdict_rejects_impossible_counts(defectives):
    with pytest.raises(ValueError, match="sample size 80"):
        lot_verdict(plan_for(1000, "1.0"), defectives)


def test_lot_verdict_needs_an_int():
    with pytest.raises(TypeError):
        lot_verdict(plan_for(1000, "1.0"), 1.0)
