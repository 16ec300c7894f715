"""ISO 2859-1 single sampling: normal inspection, general inspection level II.

Pure functions over two tables of ISO 2859-1 (numerically identical to
ANSI/ASQ Z1.4 and MIL-STD-105E):

* Table 1, the sample size code letter for a lot size (level II column only);
* Table 2-A, the master table of single sampling plans for normal inspection,
  for the AQL columns 0.65, 1.0, 1.5, 2.5, 4.0 and 6.5.

Table 2-A is kept as printed, arrows included. An arrow means "use the first
plan below (or above) in the same AQL column", and that plan's code letter
also gives the sample size (ISO 2859-1, 10.2), so an arrow can change the
sample size as well as Ac and Re. :func:`plan_for` resolves arrows.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

CODE_LETTERS = "ABCDEFGHJKLMNPQR"

# Table 1, general inspection level II: (largest lot size of the band, letter).
# Lots above the last band get OPEN_BAND_LETTER ("500 001 and over").
LOT_SIZE_BANDS = (
    (8, "A"),
    (15, "B"),
    (25, "C"),
    (50, "D"),
    (90, "E"),
    (150, "F"),
    (280, "G"),
    (500, "H"),
    (1_200, "J"),
    (3_200, "K"),
    (10_000, "L"),
    (35_000, "M"),
    (150_000, "N"),
    (500_000, "P"),
)
OPEN_BAND_LETTER = "Q"

# Table 2-A, "Sample size" column.
SAMPLE_SIZES = dict(
    zip(
        CODE_LETTERS,
        (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000),
        strict=True,
    )
)

DOWN = "down"  # ↓ use the first sampling plan below the arrow
UP = "up"  # ↑ use the first sampling plan above the arrow
_D, _U = DOWN, UP

# Table 2-A, one AQL column per entry: for the code letters A..R in order,
# either (Ac, Re) or an arrow.
# fmt: off
TABLE_2A = {
    #  A       B       C       D       E       F       G       H
    #  J       K       L       M       N       P       Q       R
    Decimal("0.65"): (
       _D,     _D,     _D,     _D,     _D,     (0, 1), _U,     _D,
       (1, 2), (2, 3), (3, 4), (5, 6), (7, 8), (10, 11), (14, 15), (21, 22),
    ),
    Decimal("1.0"): (
       _D,     _D,     _D,     _D,     (0, 1), _U,     _D,     (1, 2),
       (2, 3), (3, 4), (5, 6), (7, 8), (10, 11), (14, 15), (21, 22), _U,
    ),
    Decimal("1.5"): (
       _D,     _D,     _D,     (0, 1), _U,     _D,     (1, 2), (2, 3),
       (3, 4), (5, 6), (7, 8), (10, 11), (14, 15), (21, 22), _U,   _U,
    ),
    Decimal("2.5"): (
       _D,     _D,     (0, 1), _U,     _D,     (1, 2), (2, 3), (3, 4),
       (5, 6), (7, 8), (10, 11), (14, 15), (21, 22), _U,   _U,     _U,
    ),
    Decimal("4.0"): (
       _D,     (0, 1), _U,     _D,     (1, 2), (2, 3), (3, 4), (5, 6),
       (7, 8), (10, 11), (14, 15), (21, 22), _U,   _U,     _U,     _U,
    ),
    Decimal("6.5"): (
       (0, 1), _U,     _D,     (1, 2), (2, 3), (3, 4), (5, 6), (7, 8),
       (10, 11), (14, 15), (21, 22), _U,   _U,     _U,     _U,     _U,
    ),
}
# fmt: on
SUPPORTED_AQLS = tuple(TABLE_2A)


@dataclass(frozen=True)
class SamplingPlan:
    """A single sampling plan: inspect ``sample_size`` units, then compare the
    number of nonconforming units found with ``accept`` (Ac) and ``reject`` (Re).

    ``code_letter`` is the letter of the plan actually used, i.e. after any
    arrow was followed; ``aql`` is the Table 2-A column, as a Decimal.
    """

    code_letter: str
    sample_size: int
    accept: int
    reject: int
    aql: Decimal


def code_letter(lot_size: int) -> str:
    """Return the Table 1 code letter (level II) for ``lot_size``.

    Table 1 starts at lots of 2; a lot of 1 gets the smallest band's letter,
    A. Raise ValueError if ``lot_size`` is not positive.
    """
    _check_lot_size(lot_size)
    for upper, letter in LOT_SIZE_BANDS:
        if lot_size <= upper:
            return letter
    return OPEN_BAND_LETTER


def plan_for_code_letter(letter: str, aql: Decimal | str) -> SamplingPlan:
    """Return the Table 2-A plan for code ``letter`` and ``aql``, arrows resolved.

    The sample size is that of the row the arrow leads to. No lot size is
    involved, so no 100% inspection cap is applied (see :func:`plan_for`).
    Raise ValueError for an unknown letter or an unsupported AQL.
    """
    if not isinstance(letter, str) or len(letter) != 1 or letter not in CODE_LETTERS:
        raise ValueError(f"Unknown sample size code letter {letter!r}.")
    column_aql, column = _column(aql)
    row = CODE_LETTERS.index(letter)
    cell = column[row]
    if cell in (DOWN, UP):
        step = 1 if cell == DOWN else -1
        while column[row] == cell:
            row += step
            if not 0 <= row < len(CODE_LETTERS):  # pragma: no cover - table error
                raise AssertionError(f"Table 2-A arrow leads off the table: {aql}")
        cell = column[row]
        if not isinstance(cell, tuple):  # pragma: no cover - table error
            raise AssertionError(f"Table 2-A arrow leads to an arrow: {aql}")
    accept, reject = cell
    resolved = CODE_LETTERS[row]
    return SamplingPlan(resolved, SAMPLE_SIZES[resolved], accept, reject, column_aql)


def plan_for(lot_size: int, aql: Decimal | str) -> SamplingPlan:
    """Return the single sampling plan (normal inspection, level II) for a lot.

    The code letter comes from Table 1, the plan from Table 2-A with arrows
    followed. When the plan's sample size equals or exceeds the lot size, the
    whole lot is inspected: ``sample_size`` is then ``lot_size`` and Ac/Re
    stay those of the plan. ``aql`` may be a Decimal or a string ("1.0",
    "1", "0.65"). Raise ValueError if ``lot_size`` is not positive or the AQL
    is not one of SUPPORTED_AQLS.
    """
    plan = plan_for_code_letter(code_letter(lot_size), aql)
    if plan.sample_size >= lot_size:
        return SamplingPlan(
            plan.code_letter, lot_size, plan.accept, plan.reject, plan.aql
        )
    return plan


def lot_verdict(plan: SamplingPlan, defectives: int) -> Literal["accept", "reject"]:
    """Return "accept" if ``defectives`` (nonconforming units found in the
    sample) is at most Ac, "reject" if it is at least Re.

    Raise ValueError if ``defectives`` is negative or exceeds the sample size.
    """
    if isinstance(defectives, bool) or not isinstance(defectives, int):
        raise TypeError(f"defectives must be an int, not {type(defectives).__name__}.")
    if not 0 <= defectives <= plan.sample_size:
        raise ValueError(
            f"defectives must be between 0 and the sample size "
            f"{plan.sample_size}, not {defectives}."
        )
    if defectives <= plan.accept:
        return "accept"
    if defectives >= plan.reject:
        return "reject"
    raise AssertionError(f"Ac/Re leave a gap: {plan}")  # pragma: no cover


def _check_lot_size(lot_size: int) -> None:
    if isinstance(lot_size, bool) or not isinstance(lot_size, int):
        raise TypeError(f"lot_size must be an int, not {type(lot_size).__name__}.")
    if lot_size <= 0:
        raise ValueError(f"lot_size must be positive, not {lot_size}.")


def _column(aql: Decimal | str) -> tuple[Decimal, tuple]:
    """Return the Table 2-A column key and cells for ``aql``, compared by value."""
    try:
        value = aql if isinstance(aql, Decimal) else Decimal(str(aql).strip())
    except (InvalidOperation, ValueError):
        value = None
    if value is not None and value.is_finite():
        for column_aql, column in TABLE_2A.items():
            if column_aql == value:
                return column_aql, column
    supported = ", ".join(str(a) for a in SUPPORTED_AQLS)
    raise ValueError(f"Unsupported AQL {aql!r}; supported AQLs are {supported}.")
