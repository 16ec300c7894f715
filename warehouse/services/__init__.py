"""Every write in the warehouse app: inbound notices, scans, tags, the scan log.

Services are keyword-only, own their transaction and raise domain errors
(:mod:`warehouse.common.exceptions`). State changes go through
:mod:`warehouse.lifecycle`.
"""

from .notices import inbound_notice_create
from .scans import (
    RECEIVE_ROLES,
    SCAN_ACTIONS,
    SCAN_LOOKUP,
    SCAN_RECEIVE,
    item_receive_scan,
    item_resolve,
    return_receive_scan,
    scan_action_register,
    scan_log_purge,
    scan_log_write,
    scan_process,
    seal_bind,
    tag_bind,
)
from .tokens import token_issue, token_revoke

__all__ = [
    "RECEIVE_ROLES",
    "SCAN_ACTIONS",
    "SCAN_LOOKUP",
    "SCAN_RECEIVE",
    "inbound_notice_create",
    "item_receive_scan",
    "item_resolve",
    "return_receive_scan",
    "scan_action_register",
    "scan_log_purge",
    "scan_log_write",
    "scan_process",
    "seal_bind",
    "tag_bind",
    "token_issue",
    "token_revoke",
]
