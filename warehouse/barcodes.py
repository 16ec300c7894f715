"""What a scanned barcode says, before any database lookup.

A station may send our own item code, a merchant serial (or a pre-printed tag),
or a GS1 element string (``0107032069804988…``, with FNC1 as ``\\x1d``, or
the human-readable ``(01)…(21)…`` form, optionally behind an AIM symbology
identifier such as ``]C1``). GS1 is parsed with biip; a bad check digit or a
malformed element string is refused here with biip's reason.
"""

import datetime as dt
import re
from dataclasses import dataclass

from biip import ParseError
from biip.gs1_messages import GS1Message
from django.utils.translation import gettext as _

from warehouse.common.exceptions import InvalidInput

from .codes import item_code_is_valid, item_code_looks_like

MAX_BARCODE = 256
GS = "\x1d"
# AIM symbology identifiers whose payload is a GS1 element string.
GS1_SYMBOLOGIES = {"]C1", "]e0", "]d2", "]Q3", "]J1"}
_SYMBOLOGY = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_CONTROL = re.compile(r"[\x00-\x1c\x1e\x1f\x7f]")
# Unbracketed GS1 we recognise without a symbology identifier: AI 00 (SSCC,
# 20 digits) or AI 01/02 (GTIN, 16 digits) at the start, then anything.
_GS1_START = re.compile(r"^(?:0[12]\d{14}|00\d{18})")
# The human-readable form: one or more "(AI)value" pieces and nothing else.
_HRI = re.compile(r"^(?:\(\d{2,4}\)[^()]+)+$")


class Kind:
    CODE = "code"
    GS1 = "gs1"
    TEXT = "text"


@dataclass(frozen=True)
class Barcode:
    raw: str
    kind: str
    value: str  # the item code, or the text, or the normalised GS1 string
    gtin: str = ""
    serial: str = ""
    lot: str = ""
    expiry: dt.date | None = None
    production: dt.date | None = None
    code_check_failed: bool = False  # shaped like an item code, check wrong

    def gs1_summary(self) -> dict:
        """The GS1 fields found, for scan answers and event payloads."""
        fields = {
            "gtin": self.gtin,
            "serial": self.serial,
            "lot": self.lot,
            "expiry_date": self.expiry.isoformat() if self.expiry else "",
            "production_date": self.production.isoformat() if self.production else "",
        }
        return {key: value for key, value in fields.items() if value}


def barcode_parse(raw) -> Barcode:
    """Classify and parse a scanned string; :class:`InvalidInput` if unreadable."""
    if not isinstance(raw, str):
        raise InvalidInput(_("The barcode must be a text."), code="barcode_invalid")
    value = raw.strip()
    symbology = ""
    if _SYMBOLOGY.match(value):
        symbology, value = value[:3], value[3:]
    if not value:
        raise InvalidInput(_("The barcode is empty."), code="barcode_invalid")
    if len(value) > MAX_BARCODE:
        raise InvalidInput(
            _("The barcode is longer than %(max)d characters.") % {"max": MAX_BARCODE},
            code="barcode_invalid",
        )
    if _CONTROL.search(value):
        raise InvalidInput(
            _("The barcode contains control characters."), code="barcode_invalid"
        )
    if symbology in GS1_SYMBOLOGIES or value.startswith("(") or _GS1_START.match(value):
        return _gs1(raw, value)
    if GS in value:
        return _gs1(raw, value)
    if item_code_looks_like(value):
        if item_code_is_valid(value):
            return Barcode(raw=raw, kind=Kind.CODE, value=value)
        return Barcode(raw=raw, kind=Kind.TEXT, value=value, code_check_failed=True)
    return Barcode(raw=raw, kind=Kind.TEXT, value=value)


def _gs1(raw: str, value: str) -> Barcode:
    if value.startswith("(") and not _HRI.match(value):
        raise InvalidInput(
            _("Not a readable GS1 barcode: %(value)s is not a sequence of (AI)value.")
            % {"value": value},
            code="barcode_invalid",
        )
    try:
        if value.startswith("("):
            message = GS1Message.parse_hri(value)
        else:
            message = GS1Message.parse(value)
    except ParseError as exc:
        raise InvalidInput(
            _("Not a readable GS1 barcode: %(reason)s") % {"reason": exc},
            code="barcode_invalid",
        ) from None
    found: dict = {}
    for element in message.element_strings:
        if element.gtin_error:
            raise InvalidInput(
                _("GS1 barcode has a wrong check digit: %(reason)s")
                % {"reason": element.gtin_error},
                code="barcode_check_digit",
            )
        if element.sscc_error:
            raise InvalidInput(
                _("GS1 barcode has a wrong check digit: %(reason)s")
                % {"reason": element.sscc_error},
                code="barcode_check_digit",
            )
        ai = element.ai.ai
        if ai in ("01", "02"):
            found["gtin"] = element.value  # always the 14 digits of AI 01/02
        elif ai == "21":
            found["serial"] = element.value
        elif ai == "10":
            found["lot"] = element.value
        elif ai in ("17", "15") and "expiry" not in found:
            found["expiry"] = element.date
        elif ai == "11":
            found["production"] = element.date
    if not found.get("gtin") and not found.get("serial"):
        raise InvalidInput(
            _("The GS1 barcode names neither a GTIN (01) nor a serial (21)."),
            code="barcode_unusable",
        )
    return Barcode(raw=raw, kind=Kind.GS1, value=message.value, **found)
