"""The API's JSON parser: what cannot be stored is refused before any view runs.

JSON can say things no column can hold. Python's parser accepts them, and
every one of them used to become a 500 somewhere later:

- nesting a thousand levels deep (``RecursionError`` inside the parser);
- a lone surrogate, ``"\\ud800"`` (valid JSON; PostgreSQL refuses the text);
- a NUL character, ``"\\u0000"`` (PostgreSQL text and ``jsonb`` cannot hold it);
- numbers past any column: ``1e400`` parses as infinity, an integer literal
  of more than 4,300 digits makes ``int()`` raise, and anything outside a
  64-bit integer overflows the database.

:class:`JSONParser` (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``) refuses
them all, in keys and values at any depth, with a 400 in the API's error
shape naming each field by its path (``items[3].title``). A view never sees
such a body, so nothing of it is written.
"""

import codecs
import json
import math
import re

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import get_encoding
from rest_framework.settings import api_settings
from rest_framework.utils.json import strict_constant

from .exceptions import InvalidInput

# Deeper than any body the API documents (a notice's item claims are four
# levels down); far short of where Python's parser runs out of stack.
MAX_DEPTH = 32
# The widest integer any column holds (PostgreSQL bigint).
MAX_INTEGER = 2**63 - 1
# Fields named in one answer: enough to fix a file, not a copy of it.
MAX_PROBLEMS = 20
MAX_PATH_CHARS = 200

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnreadableBody(InvalidInput):
    """A JSON body holding what cannot be stored (HTTP 400, code ``invalid``).

    ``received`` is the body with every NUL and lone surrogate replaced by
    U+FFFD (``None`` when it was too deep to copy), for logs that keep what
    a client sent, such as the scan log.
    """

    def __init__(self, message: str, *, fields: dict, received=None):
        super().__init__(message, fields=fields)
        self.received = received


class _OutOfRange:
    """An integer literal too long to be any column's value (not converted)."""


def _integer(text: str):
    # 19 digits and a sign hold every 64-bit integer; longer literals are
    # refused without converting them (int() of thousands of digits is slow).
    return int(text) if len(text) <= 20 else _OutOfRange()


def _text_problem(text: str) -> str | None:
    if text.isascii() and "\x00" not in text:
        return None
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return _("Text may not contain a NUL character.")
    return _("Text may not contain an unpaired surrogate (U+D800 to U+DFFF).")


def _number_problem(value) -> str | None:
    if isinstance(value, _OutOfRange) or (
        type(value) is int and not -MAX_INTEGER <= value <= MAX_INTEGER
    ):
        return _("This number is out of range.")
    if type(value) is float and not math.isfinite(value):
        return _("This number is out of range.")
    return None


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def body_problems(data) -> dict[str, list[str]] | None:
    """What in a parsed JSON body cannot be stored, by field path.

    ``None`` when it is nested deeper than :data:`MAX_DEPTH`; an empty dict
    when all is well. A bad key is reported at the object holding it (the key
    itself is never echoed back).
    """
    problems: dict[str, list[str]] = {}
    stack = [(data, "", 0)]
    while stack and len(problems) < MAX_PROBLEMS:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth >= MAX_DEPTH:
                return None
            if isinstance(value, dict):
                children = []
                for key, child in value.items():
                    if _text_problem(key):
                        problems.setdefault(path, []).append(
                            _(
                                "A key may not contain a NUL character or an "
                                "unpaired surrogate."
                            )
                        )
                        continue
                    children.append((child, _key_path(path, key), depth + 1))
            else:
                children = [
                    (child, f"{path}[{index}]", depth + 1)
                    for index, child in enumerate(value)
                ]
            stack.extend(reversed(children))  # in document order
            continue
        if isinstance(value, str):
            problem = _text_problem(value)
        else:
            problem = _number_problem(value)
        if problem:
            problems.setdefault(path, []).append(problem)
    return {
        (path[:MAX_PATH_CHARS] or api_settings.NON_FIELD_ERRORS_KEY): messages
        for path, messages in problems.items()
    }


def storable(data, depth: int = 0):
    """``data`` with each NUL and unpaired surrogate replaced by U+FFFD, and
    numbers no column holds, or what lies deeper than :data:`MAX_DEPTH`,
    replaced by ``None``."""
    if isinstance(data, dict | list) and depth >= MAX_DEPTH:
        return None
    if isinstance(data, dict):
        return {
            storable(key): storable(value, depth + 1) for key, value in data.items()
        }
    if isinstance(data, list):
        return [storable(value, depth + 1) for value in data]
    if isinstance(data, str):
        return _UNSTORABLE.sub("\ufffd", data)
    if _number_problem(data):
        return None
    return data


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing what cannot be stored (see the module)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        try:
            data = json.load(
                codecs.getreader(encoding)(stream),
                parse_constant=strict_constant if self.strict else None,
                parse_int=_integer,
            )
        except RecursionError:
            data = None
            problems = None
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %s") % exc) from None
        else:
            problems = body_problems(data)
            if problems == {}:
                return data
        if problems is None:
            raise UnreadableBody(
                _("The body is nested more than %(limit)d levels deep.")
                % {"limit": MAX_DEPTH},
                fields={},
            )
        path, messages = next(iter(problems.items()))
        message = messages[0]
        if path != api_settings.NON_FIELD_ERRORS_KEY:
            message = f"{path}: {message}"
        raise UnreadableBody(message, fields=problems, received=storable(data))
