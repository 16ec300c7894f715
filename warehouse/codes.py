"""The warehouse's own item codes.

A code is ``Q`` + ten random characters from ``0-9A-Z`` + one ISO 7064
MOD 37-2 check character (``0-9A-Z`` or ``*``), e.g. ``QBFA5Y13P1MR``:
printable as Code128, unguessable enough that codes cannot be enumerated
(36^10 ≈ 3.7e15), and every mistyped character and every swap of two
neighbours is caught by the check. (MOD 37,36 would keep the check character
alphanumeric, but lets about one neighbour swap in 700 through.)
"""

import re
import secrets

from stdnum.iso7064 import mod_37_2

PREFIX = "Q"
BODY_LENGTH = 10
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CODE_LENGTH = len(PREFIX) + BODY_LENGTH + 1
CODE_SHAPE = re.compile(rf"^{PREFIX}[0-9A-Z]{{{BODY_LENGTH}}}[0-9A-Z*]$")


_SPACE = len(ALPHABET) ** BODY_LENGTH


def item_code_new() -> str:
    """A fresh random item code with its check character."""
    number = secrets.randbelow(_SPACE)
    digits = []
    for _ in range(BODY_LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        digits.append(ALPHABET[digit])
    body = PREFIX + "".join(digits)
    return body + mod_37_2.calc_check_digit(body)


def item_code_looks_like(value: str) -> bool:
    """True when ``value`` has the shape of an item code (check not verified)."""
    return bool(CODE_SHAPE.match(value))


def item_code_is_valid(value: str) -> bool:
    """True when ``value`` is shaped like an item code and its check matches."""
    return item_code_looks_like(value) and mod_37_2.is_valid(value)
