"""Warehouses, merchants, stations, inbound notices, and the Item with its history.

Fields, choices and constraints only. Every write goes through
``warehouse.services``; every change of ``Item.state`` through
``warehouse.lifecycle``. One module per sub-domain, every model re-exported
here: ``tenancy`` (warehouses, locations, categories, merchants, their
people, platform accounts, stations), ``items`` (notices, items, their
events, tags), ``returns`` (buyers' returns) and ``scans`` (the scan log).
The cross-cutting models (jobs, Idempotency-Key records) live in
``warehouse.common.models`` and are registered with this app by the import
below.
"""

from ..common.models import IdempotencyKey, Job
from .items import (
    ITEM_GONE_STATES,
    Carrier,
    InboundNotice,
    Item,
    ItemEvent,
    ItemState,
    Tag,
)
from .returns import ReturnNotice, ReturnNoticeItem, ReturnReason
from .scans import ScanLog
from .tenancy import (
    Category,
    CategoryFlow,
    Location,
    Merchant,
    MerchantMembership,
    PlatformAccount,
    StaffAssignment,
    Station,
    UserPreference,
    Warehouse,
    code_validator,
    validate_time_zone,
)

__all__ = [
    "ITEM_GONE_STATES",
    "Carrier",
    "Category",
    "CategoryFlow",
    "IdempotencyKey",
    "InboundNotice",
    "Item",
    "ItemEvent",
    "ItemState",
    "Job",
    "Location",
    "Merchant",
    "MerchantMembership",
    "PlatformAccount",
    "ReturnNotice",
    "ReturnNoticeItem",
    "ReturnReason",
    "ScanLog",
    "StaffAssignment",
    "Station",
    "Tag",
    "UserPreference",
    "Warehouse",
    "code_validator",
    "validate_time_zone",
]
