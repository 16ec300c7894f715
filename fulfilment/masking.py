"""What each role sees of a buyer: the one place buyer data is masked.

The platform sent the buyer's data to get a parcel delivered; the warehouse
shows it whole only where a person or a carrier needs it whole (README.md,
"Buyer data"):

=============================  ============================================
platform, admin                everything (they sent it)
supervisor                     everything: sorts out delivery problems with
                               the carrier and the platform
merchant, inspector, station   masked name, phone and address; province and
                               city whole; no e-mail, no postcode
the carrier's booking          name, phone and the whole address, no
                               e-mail: the carrier delivers with them
a buyer's parcel label         masked name and phone (a privacy waybill,
                               隐私面单), the carrier's virtual number when
                               the booking gives one, the whole address:
                               the carrier's sorting reads it
a return label                 the merchant whole: a merchant is not a
                               buyer, and its own parcel comes back to it
a carrier manifest             the masked name and the city (the tracking
                               number names the parcel)
the public verify page         nothing of the buyer
=============================  ============================================

A mask hides a share of the text whatever its length, and at least one
character of it, so a short address such as ``天河路1号`` is never shown
whole: an address shows at most its first third (6 characters at most), a
name its first character (nothing of a one-character name), a phone number
at most its first 3 and last 4 digits, with at least 4 digits and a third of
them hidden.
"""

import math

from warehouse.common.access import Role

MASK = "*"
# Roles that see the buyer whole; every other role sees the masked buyer.
FULL_BUYER_ROLES = frozenset({Role.PLATFORM, Role.ADMIN, Role.SUPERVISOR})

ADDRESS_SHOWN_MAX = 6  # characters: about the district of a Chinese address
NAME_STARS_MAX = 4
PHONE_HEAD_MAX = 3  # a mobile number's network prefix
PHONE_TAIL_MAX = 4  # what a buyer recognises their number by
PHONE_HIDDEN_MIN = 4
CHINA = "86"


def mask_name(name: str) -> str:
    """The first character, then one star per hidden character (at most 4):
    ``王小明`` → ``王**``, ``李四`` → ``李*``; a one-character name is ``*``."""
    name = name.strip()
    if not name:
        return ""
    if len(name) == 1:
        return MASK
    return name[0] + MASK * min(len(name) - 1, NAME_STARS_MAX)


def mask_address(address: str) -> str:
    """The first third of the address, at most 6 characters, then ``****``
    (which does not tell how much was hidden): ``天河路1号`` → ``天****``."""
    address = address.strip()
    if not address:
        return ""
    shown = min(ADDRESS_SHOWN_MAX, len(address) // 3)
    return address[:shown] + MASK * 4


def _phone_parts(phone: str) -> tuple[str, str]:
    """``(prefix, national digits)``: ``+86``/``0086`` written before a
    Chinese number is kept as ``+86 ``, any other ``+`` as ``+``."""
    digits = "".join(c for c in phone if c.isascii() and c.isdigit())
    international = phone.strip().startswith(("+", "00"))
    if international and phone.strip().startswith("00"):
        digits = digits[2:]
    if international and digits.startswith(CHINA) and len(digits) == 13:
        return "+86 ", digits[2:]
    return ("+" if international else ""), digits


def mask_phone(phone: str) -> str:
    """At most the first 3 and last 4 digits, hiding at least 4 digits and at
    least a third of them: ``13800138000`` → ``138****8000``, an 8-digit
    landline ``12****78``, 4 digits or fewer nothing (``****``). Spaces,
    dashes and brackets are dropped; ``+86`` stays in front."""
    if not phone.strip():
        return ""
    prefix, digits = _phone_parts(phone)
    n = len(digits)
    shown = max(0, n - max(PHONE_HIDDEN_MIN, math.ceil(n / 3)))
    if not shown:
        return prefix + MASK * 4
    head = min(PHONE_HEAD_MAX, shown // 2)
    tail = min(PHONE_TAIL_MAX, shown - head)
    return prefix + digits[:head] + MASK * (n - head - tail) + digits[n - tail :]


def buyer_shown(order, role: str) -> dict:
    """The buyer of ``order`` as ``role`` may see it (API answers, pages)."""
    if role in FULL_BUYER_ROLES:
        return {
            "name": order.buyer_name,
            "phone": order.buyer_phone,
            "email": order.buyer_email,
            "province": order.buyer_province,
            "city": order.buyer_city,
            "address": order.buyer_address,
            "postcode": order.buyer_postcode,
        }
    return {
        "name": mask_name(order.buyer_name),
        "phone": mask_phone(order.buyer_phone),
        "province": order.buyer_province,
        "city": order.buyer_city,
        "address": mask_address(order.buyer_address),
    }


def recipient_name_shown(shipment) -> str:
    """A parcel's recipient on a manifest or a dock page: a buyer masked, a
    merchant (a return parcel goes back to its merchant) whole."""
    name = (shipment.recipient or {}).get("name", "")
    if shipment.kind == shipment.Kind.RETURN:
        return name
    return mask_name(name)


def recipient_on_label(shipment) -> dict:
    """The recipient as the parcel's label prints it: a buyer's name and phone
    masked and the address whole (the privacy waybill, 隐私面单, as Chinese
    carriers print it); a return parcel's merchant whole. The carrier's
    booking is sent ``shipment.recipient`` itself, whole."""
    recipient = dict(shipment.recipient or {})
    if shipment.kind == shipment.Kind.RETURN:
        return recipient
    recipient["name"] = mask_name(recipient.get("name", ""))
    recipient["phone"] = mask_phone(recipient.get("phone", ""))
    return recipient
