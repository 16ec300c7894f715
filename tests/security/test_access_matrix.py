"""Who may reach what: every URL pattern, every kind of caller.

:data:`ROUTES` classifies every pattern :func:`django.urls.get_resolver`
lists (apart from :data:`EXCLUDED`): how to build a concrete URL from
merchant A's objects (:class:`tests.security.conftest.Estate`), which methods
its view accepts, and which roles may use it. A new URL pattern without a row
here fails :func:`test_every_url_pattern_is_classified`.

:func:`test_access_matrix` calls every row with each method, as:

- anonymous: the API answers 401/403, pages send to sign-in, public pages
  answer;
- insiders (merchant A, the staff, stations and operator of A's warehouse
  GZ, the platform, an admin): the roles a row names may use it (no
  401/403/404), the others are refused (403/404, or a page's redirect with
  the refusal as a message) and their writes change nothing in the database;
- outsiders (merchant B; the inspector, supervisor, station and operator of
  the other warehouse, SIH): on a row naming A's object they get exactly the
  answer a made-up object gets, status, error code and page messages alike
  (404 where their role may use the URL: the object's existence is not
  revealed), and their requests change nothing in the database; on a list,
  nothing of A's appears in what they see;
- a method a view does not accept: 405 from the API, and never a way round
  signing in.

Staff are scoped by warehouse (``warehouse.common.access.tenant_scope``: "stations,
inspectors and supervisors [see] their warehouses'"): SIH's staff are
outsiders to GZ's items; the one deliberate exception is the dock's 409
``wrong_warehouse`` (see :attr:`Route.wrong_dock`). Public rows (sign-in,
password reset, certificate verification, the API schema) are open to all,
so only the rule for every row holds there: nobody ever gets a 5xx. Requests
carry bodies a permitted caller would send, so a refusal is about who asks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from stdnum.iso7064 import mod_37_2

from fulfilment.demo_returns import demo_return_observed
from inspection.services.returns import return_inspection_create, return_photo_add
from tests.conftest import api_client
from tests.fulfilment.conftest import certified, label_scan, order_payload, run_jobs
from tests.security.conftest import png
from tests.warehouse import factories as f
from warehouse.common.access import principal_of
from warehouse.common.pages import SESSION_STATION
from warehouse.models import ScanLog

API, PAGE, PUBLIC = "api", "page", "public"

# Roles, as the table names them.
M = "merchant"
INSP = "inspector"
SUP = "supervisor"
ST = "station"  # a receiving station (API)
DOCK = "dock"  # a dock station (API)
QC = "qc"  # an inspection station (API)
OP = "operator"  # a person at a station of their warehouse (pages)
PLAT = "platform"
ADMIN = "admin"

STATIONS = frozenset({ST, DOCK, QC})
API_ALL = frozenset({M, INSP, SUP, *STATIONS, PLAT, ADMIN})
API_STAFF = frozenset({INSP, SUP, *STATIONS, PLAT, ADMIN})  # no merchant
INSPECTORS = frozenset({INSP, SUP, ADMIN, QC})
SUPERVISORS = frozenset({SUP, ADMIN})
PAGE_STAFF = frozenset({INSP, SUP, ADMIN})
PAGE_EVERYONE = frozenset({M, INSP, SUP, OP, ADMIN})
STATION_PEOPLE = frozenset({OP, SUP, ADMIN})
SIGNED_IN = frozenset({M, INSP, SUP, OP, PLAT, ADMIN})

# Patterns left out on purpose, with why.
EXCLUDED = {
    "admin/": "Django's admin: its own login and permissions (tests/*/test_admin.py)",
    "i18n/": "Django's set_language: sets a cookie, names no object",
    "media/": "served only with DEBUG on (config/urls.py), never in production",
    "static/": "static files, public by nature",
}


@dataclass(frozen=True)
class Route:
    """How to call one URL pattern and who may use it.

    ``url`` and the strings in ``body`` are formatted with :func:`places`
    (A's objects) or :data:`GHOSTS` (made-up ones). ``methods`` maps each
    method the view accepts to the roles that may use it. ``tenant``: the URL
    or body names an object of merchant A or of warehouse GZ. ``body`` is what
    a caller who may use the URL would send, so that a refusal is a refusal
    and not a complaint about the input. ``image``: send a PNG as ``image``.
    """

    kind: str
    url: str
    methods: dict[str, frozenset[str]]
    tenant: bool = False
    body: dict = field(default_factory=dict)
    image: bool = False
    headers: dict = field(default_factory=dict)
    # The dock answers a parcel scanned at the wrong warehouse with 409
    # wrong_warehouse rather than 404, on purpose (fulfilment.services.shipping.
    # item_for_dock): the other warehouse's staff learn only that it is not theirs.
    wrong_dock: bool = False


def api(url, tenant=False, body=None, **methods) -> Route:
    return Route(API, url, methods, tenant=tenant, body=body or {})


def page(url, tenant=False, body=None, **methods) -> Route:
    return Route(PAGE, url, methods, tenant=tenant, body=body or {})


def public(url, *methods, body=None) -> Route:
    return Route(PUBLIC, url, dict.fromkeys(methods, SIGNED_IN), body=body or {})


NONE = frozenset()
ONLY_M = frozenset({M})
PLATFORM = frozenset({PLAT, ADMIN})
DOCKS = frozenset({*STATIONS, SUP, ADMIN})  # any station kind may act at the dock
DECIDERS = frozenset({M, SUP, ADMIN})
PEOPLE = frozenset({INSP, SUP, ADMIN})  # sign-off needs a person, not a station
CERT = "{certificate}"
JADE_ROW = {
    "sku": "BANGLE-9",
    "title": "Nephrite bangle",
    "category": "jewellery-jade",
    "claim": {"material": "nephrite jade", "weight_g": "52.31"},
}
ORDER = {
    "order_id": "ORDER-MATRIX-1",
    "merchant": "JADEHOME",
    "warehouse": "GZ",
    "carrier": "zto",
    "promise": "within_24h",
    "buyer": {
        "name": "王小明",
        "phone": "13800138000",
        "province": "广东省",
        "city": "深圳市",
        "address": "南山区科技园路 1 号",
        "postcode": "518000",
    },
    "lines": [{"item_code": "{certified}"}],
}
TEMPLATE = {
    "category": "jewellery-jade",
    "aql": "2.5",
    "checks": [{"key": "appearance", "kind": "free", "label": "No cracks"}],
}
LOOKUP = {"barcode": "{certified}", "action": "lookup"}
RETURN_NOTICE = {
    "return_id": "RET-MATRIX-1",
    "order": "{order}",
    "items": [{"item": "{certified}", "opened": False}],
    "reason": "no_reason",
    "carrier": "sf",
    "tracking_number": "SF0000000000009",
    "delivered_at": "2026-01-01T10:00:00+08:00",
}
# What an inspector finds on a returned jade item: as certified.
RETURNED = {
    "weight_g": "52.35",
    "material": "nephrite jade",
    "condition": "as_certified",
}

ROUTES: dict[str, Route] = {
    # --- the API ----------------------------------------------------------------
    "api/v1/inbound-notices/": api(
        "/api/v1/inbound-notices/",
        body={"reference": "ASN-MATRIX-1", "warehouse": "GZ", "items": [JADE_ROW]},
        GET=API_ALL,
        POST=ONLY_M,
    ),
    "api/v1/inbound-notices/<int:notice_id>/": api(
        "/api/v1/inbound-notices/{notice}/", True, GET=API_ALL
    ),
    "api/v1/scans/": api(
        "/api/v1/scans/", True, LOOKUP, POST=frozenset({INSP, SUP, ADMIN, *STATIONS})
    ),
    "api/v1/items/": api("/api/v1/items/", GET=API_ALL),
    "api/v1/items/<str:code>": api("/api/v1/items/{certified}", True, GET=API_ALL),
    "api/v1/items/<str:code>/": api("/api/v1/items/{certified}/", True, GET=API_ALL),
    "api/v1/items/<str:code>/inspections/": api(
        "/api/v1/items/{inspecting}/inspections/",
        True,
        {"observed": {"appearance": True}, "complete": False},
        GET=API_ALL,
        POST=INSPECTORS,
    ),
    "api/v1/items/<str:code>/scale-readings/": api(
        "/api/v1/items/{inspecting}/scale-readings/",
        True,
        {"weight_g": "52.31"},
        POST=INSPECTORS,
    ),
    "api/v1/items/<str:code>/hold-decision/": api(
        "/api/v1/items/{inspecting}/hold-decision/",
        True,
        {"decision": "pass", "reason": "Checked again."},
        POST=SUPERVISORS,
    ),
    "api/v1/items/<str:code>/appeal/": api(
        "/api/v1/items/{failed}/appeal/", True, {"reason": "Scale off."}, POST=ONLY_M
    ),
    "api/v1/items/<str:code>/certificate.pdf": api(
        "/api/v1/items/{certified}/certificate.pdf", True, GET=API_ALL
    ),
    "api/v1/certificates/<str:number>/": api(
        f"/api/v1/certificates/{CERT}/", True, GET=API_ALL
    ),
    "api/v1/certificates/<str:number>/revoke/": api(
        f"/api/v1/certificates/{CERT}/revoke/",
        True,
        {"reason": "Swapped clasp.", "reinspect": False},
        POST=SUPERVISORS,
    ),
    "api/v1/inspections/<int:inspection_id>/": api(
        "/api/v1/inspections/{inspection}/", True, GET=API_ALL
    ),
    "api/v1/inspections/<int:inspection_id>/observations/": api(
        "/api/v1/inspections/{inspection}/observations/",
        True,
        {"observed": {"appearance": True}},
        POST=INSPECTORS,
    ),
    "api/v1/inspections/<int:inspection_id>/units/": api(
        "/api/v1/inspections/{inspection}/units/",
        True,
        {"units": [{"unit": 1, "observed": {"packaging": "intact"}}]},
        POST=INSPECTORS,
    ),
    "api/v1/inspections/<int:inspection_id>/complete/": api(
        "/api/v1/inspections/{inspection}/complete/", True, POST=INSPECTORS
    ),
    "api/v1/inspections/<int:inspection_id>/sign-off/": api(
        "/api/v1/inspections/{inspection}/sign-off/",
        True,
        {"approve": True},
        POST=PEOPLE,
    ),
    "api/v1/inspections/<int:inspection_id>/photos/": Route(
        API,
        "/api/v1/inspections/{inspection}/photos/",
        {"POST": INSPECTORS},
        tenant=True,
        body={"caption": "front"},
        image=True,
    ),
    "api/v1/inspections/<int:inspection_id>/photos/<int:photo_id>": api(
        "/api/v1/inspections/{inspection}/photos/{photo}", True, GET=API_ALL
    ),
    "api/v1/inspection-templates/": api(
        "/api/v1/inspection-templates/", body=TEMPLATE, GET=API_ALL, POST=SUPERVISORS
    ),
    "api/v1/inspection-templates/<int:template_id>/": api(
        "/api/v1/inspection-templates/{template}/", GET=API_ALL
    ),
    "api/v1/orders/": api("/api/v1/orders/", body=ORDER, GET=API_ALL, POST=PLATFORM),
    "api/v1/orders/batch/": api(
        "/api/v1/orders/batch/",
        body={"orders": [{**ORDER, "order_id": "ORDER-MATRIX-BATCH"}]},
        POST=PLATFORM,
    ),
    "api/v1/orders/<str:order_id>/": api("/api/v1/orders/{order}/", True, GET=API_ALL),
    "api/v1/orders/<str:order_id>/cancel/": api(
        "/api/v1/orders/{order}/cancel/",
        True,
        {"reason": "Buyer changed their mind."},
        POST=frozenset({PLAT, ADMIN, SUP}),
    ),
    "api/v1/orders/<str:order_id>/pack/": api(
        "/api/v1/orders/{order}/pack/", True, POST=DOCKS
    ),
    "api/v1/items/<str:code>/release/": Route(
        API,
        "/api/v1/items/{shipped}/release/",
        {"POST": DOCKS},
        tenant=True,
        wrong_dock=True,
    ),
    "api/v1/items/<str:code>/return/": api(
        "/api/v1/items/{failed}/return/", True, POST=frozenset({M, *DOCKS})
    ),
    "api/v1/items/<str:code>/decision/": api(
        "/api/v1/items/{certified}/decision/",
        True,
        {"decision": "keep"},
        POST=DECIDERS,
    ),
    "api/v1/shipments/": api("/api/v1/shipments/", GET=API_ALL),
    "api/v1/shipments/<str:reference>/": api(
        "/api/v1/shipments/{shipment}/", True, GET=API_ALL
    ),
    "api/v1/shipments/<str:reference>/label.<str:fmt>": api(
        "/api/v1/shipments/{shipment}/label.zpl", True, GET=API_ALL
    ),
    "api/v1/shipments/<str:reference>/printed/": api(
        "/api/v1/shipments/{shipment}/printed/", True, POST=DOCKS
    ),
    "api/v1/shipments/<str:reference>/release/": api(
        "/api/v1/shipments/{shipment}/release/", True, POST=DOCKS
    ),
    # Manifests are the warehouse's, not a merchant's: merchants see none.
    "api/v1/waves/": api("/api/v1/waves/", GET=DOCKS),
    "api/v1/waves/<int:wave_id>/labels.<str:fmt>": api(
        "/api/v1/waves/{wave}/labels.zpl", True, GET=DOCKS
    ),
    "api/v1/waves/<int:wave_id>/printed/": api(
        "/api/v1/waves/{wave}/printed/", True, POST=DOCKS
    ),
    "api/v1/manifests/": api("/api/v1/manifests/", GET=API_ALL),
    "api/v1/manifests/<str:number>/": api(
        "/api/v1/manifests/{manifest}/", True, GET=API_STAFF
    ),
    "api/v1/manifests/<str:number>/close/": api(
        "/api/v1/manifests/{manifest}/close/", True, POST=DOCKS
    ),
    "api/v1/manifests/<str:number>/manifest.pdf": api(
        "/api/v1/manifests/{manifest}/manifest.pdf", True, GET=API_STAFF
    ),
    "api/v1/dispatch-figures/": api(
        "/api/v1/dispatch-figures/?warehouse=GZ", GET=API_ALL
    ),
    "api/v1/merchant-policy/": api(
        "/api/v1/merchant-policy/", body={"on_cancel": "hold"}, GET=ONLY_M, PUT=ONLY_M
    ),
    "api/v1/webhook-endpoints/": api(
        "/api/v1/webhook-endpoints/",
        body={"url": "https://hooks.example.com/matrix"},
        GET=PLATFORM,
        POST=frozenset({PLAT}),  # an admin has no platform account to own one
    ),
    "api/v1/webhook-endpoints/<int:endpoint_id>/": api(
        "/api/v1/webhook-endpoints/{endpoint}/",
        True,
        {"batched": True},
        GET=PLATFORM,
        PATCH=PLATFORM,
    ),
    "api/v1/webhook-endpoints/<int:endpoint_id>/rotate/": api(
        "/api/v1/webhook-endpoints/{endpoint}/rotate/",
        True,
        {"drop_old": False},
        POST=PLATFORM,
    ),
    "api/v1/webhook-endpoints/<int:endpoint_id>/messages/": api(
        "/api/v1/webhook-endpoints/{endpoint}/messages/", True, GET=PLATFORM
    ),
    # --- buyers' returns: the platform announces, people compare, a supervisor
    # decides; everyone reads what their tenancy shows.
    "api/v1/returns/": api(
        "/api/v1/returns/", body=RETURN_NOTICE, GET=API_ALL, POST=PLATFORM
    ),
    "api/v1/returns/<str:return_id>/": api(
        "/api/v1/returns/{return_id}/", True, GET=API_ALL
    ),
    "api/v1/items/<str:code>/return-inspections/": api(
        "/api/v1/items/{returned}/return-inspections/",
        True,
        RETURNED,
        GET=API_ALL,
        POST=PEOPLE,
    ),
    "api/v1/items/<str:code>/return-inspections/preview/": api(
        "/api/v1/items/{returned}/return-inspections/preview/",
        True,
        RETURNED,
        POST=PEOPLE,
    ),
    "api/v1/items/<str:code>/return-decision/": api(
        "/api/v1/items/{returned}/return-decision/",
        True,
        {"decision": "return_to_merchant", "reason": "Seal cut."},
        POST=SUPERVISORS,
    ),
    "api/v1/return-inspections/<int:inspection_id>/": api(
        "/api/v1/return-inspections/{return_inspection}/", True, GET=API_ALL
    ),
    "api/v1/return-inspections/<int:inspection_id>/signoff/": api(
        "/api/v1/return-inspections/{return_inspection}/signoff/",
        True,
        {"approve": True},
        POST=PEOPLE,
    ),
    "api/v1/return-inspections/<int:inspection_id>/photos/": Route(
        API,
        "/api/v1/return-inspections/{return_inspection}/photos/",
        {"POST": PEOPLE},
        tenant=True,
        image=True,
    ),
    "api/v1/return-inspections/<int:inspection_id>/photos/<int:photo_id>": api(
        "/api/v1/return-inspections/{return_inspection}/photos/{return_photo}",
        True,
        GET=API_ALL,
    ),
    "api/v1/return-inspections/<int:pk>/report.pdf": api(
        "/api/v1/return-inspections/{return_inspection}/report.pdf", True, GET=API_ALL
    ),
    # The schema and its docs are published (DESIGN.md section 5).
    "api/schema/": public("/api/schema/", "GET"),
    "api/docs/": public("/api/docs/", "GET"),
    "api/redoc/": public("/api/redoc/", "GET"),
    # Unknown API paths: a JSON 404 for any method and anyone.
    "^api/": Route(PUBLIC, "/api/v1/no-such-thing/", {"GET": NONE, "POST": NONE}),
    # --- sign-in and accounts -----------------------------------------------------
    "": page("/", GET=frozenset({M, INSP, SUP, OP, ADMIN})),
    "accounts/login/": public("/accounts/login/", "GET", "POST"),
    "accounts/logout/": public("/accounts/logout/", "POST"),
    "accounts/password_change/": page(
        "/accounts/password_change/", GET=SIGNED_IN, POST=SIGNED_IN
    ),
    "accounts/password_change/done/": page(
        "/accounts/password_change/done/", GET=SIGNED_IN
    ),
    "accounts/password_reset/": public(
        "/accounts/password_reset/", "GET", "POST", body={"email": "x@example.com"}
    ),
    "accounts/password_reset/done/": public("/accounts/password_reset/done/", "GET"),
    "accounts/reset/<uidb64>/<token>/": public(
        "/accounts/reset/Mg/cz5z1a-0123456789abcdef0123456789abcdef/", "GET", "POST"
    ),
    "accounts/reset/done/": public("/accounts/reset/done/", "GET"),
    # Every signed-in person's own page (their language; blank: the browser's).
    "account/": page("/account/", body={"language": ""}, GET=SIGNED_IN, POST=SIGNED_IN),
    # --- the merchant portal ------------------------------------------------------
    "portal/items/": page("/portal/items/", GET=ONLY_M),
    "portal/shipments/": page("/portal/shipments/", GET=ONLY_M),
    "portal/shipments/new/": page("/portal/shipments/new/", GET=ONLY_M, POST=ONLY_M),
    "portal/shipments/upload/": page(
        "/portal/shipments/upload/", GET=ONLY_M, POST=ONLY_M
    ),
    "portal/shipments/template/": page("/portal/shipments/template/", GET=ONLY_M),
    "portal/shipments/<int:pk>/": page("/portal/shipments/{notice}/", True, GET=ONLY_M),
    "portal/tokens/": page(
        "/portal/tokens/", body={"action": "create"}, GET=ONLY_M, POST=ONLY_M
    ),
    # --- stations (pages) ---------------------------------------------------------
    "station/": page("/station/", GET=STATION_PEOPLE),
    "station/choose/": page(
        "/station/choose/", True, {"station": "{dock_station}"}, POST=STATION_PEOPLE
    ),
    "station/scan/": Route(
        PAGE,
        "/station/scan/",
        {"POST": STATION_PEOPLE},
        tenant=True,
        body=LOOKUP,
        headers={"HTTP_HX_REQUEST": "true"},
    ),
    # --- the inspector's workstation and the item pages ----------------------------
    "inspect/": page("/inspect/", GET=PAGE_STAFF),
    "inspect/scan/": page("/inspect/scan/?barcode={certified}", True, GET=PAGE_STAFF),
    "inspect/inspections/<int:inspection_id>/": page(
        "/inspect/inspections/{inspection}/", True, GET=PAGE_STAFF
    ),
    "inspect/inspections/<int:inspection_id>/observe/": page(
        "/inspect/inspections/{inspection}/observe/",
        True,
        {"appearance-answer": "yes"},
        POST=PAGE_STAFF,
    ),
    "inspect/inspections/<int:inspection_id>/units/": page(
        "/inspect/inspections/{inspection}/units/", True, {"unit": "1"}, POST=PAGE_STAFF
    ),
    "inspect/inspections/<int:inspection_id>/photos/": Route(
        PAGE,
        "/inspect/inspections/{inspection}/photos/",
        {"POST": PAGE_STAFF},
        tenant=True,
        image=True,
    ),
    "inspect/inspections/<int:inspection_id>/complete/": page(
        "/inspect/inspections/{inspection}/complete/", True, POST=PAGE_STAFF
    ),
    "inspect/inspections/<int:inspection_id>/sign-off/": page(
        "/inspect/inspections/{inspection}/sign-off/",
        True,
        {"approve": "yes"},
        POST=PAGE_STAFF,
    ),
    "items/<str:code>/": page("/items/{certified}/", True, GET=PAGE_EVERYONE),
    # --- buyers' returns at the inspector's workstation and the supervisor's ------
    "inspect/returns/": page("/inspect/returns/", GET=PAGE_STAFF),
    "inspect/disputes/": page("/inspect/disputes/", GET=SUPERVISORS),
    "inspect/return-inspections/<int:inspection_id>/": page(
        "/inspect/return-inspections/{return_inspection}/", True, GET=PAGE_STAFF
    ),
    "inspect/return-inspections/<int:inspection_id>/photos/": Route(
        PAGE,
        "/inspect/return-inspections/{return_inspection}/photos/",
        {"POST": PAGE_STAFF},
        tenant=True,
        image=True,
    ),
    "inspect/return-inspections/<int:inspection_id>/sign-off/": page(
        "/inspect/return-inspections/{return_inspection}/sign-off/",
        True,
        {"approve": "yes"},
        POST=PAGE_STAFF,
    ),
    "items/<str:code>/return-compare/": page(
        "/items/{returned}/return-compare/",
        True,
        {"weight_g": "52.35", "material": "nephrite jade", "condition": "as_certified"},
        GET=PAGE_STAFF,
        POST=PAGE_STAFF,
    ),
    "items/<str:code>/return-compare/preview/": page(
        "/items/{returned}/return-compare/preview/",
        True,
        {"weight_g": "52.35", "material": "nephrite jade", "condition": "as_certified"},
        POST=PAGE_STAFF,
    ),
    "items/<str:code>/return-decide/": page(
        "/items/{returned}/return-decide/",
        True,
        {"decision": "return_to_merchant", "reason": "Seal cut."},
        POST=SUPERVISORS,
    ),
    # --- the supervisor's decisions: holds, appeals, revocations, each confirmed ----
    "inspect/decisions/": page("/inspect/decisions/", GET=SUPERVISORS),
    "inspect/decisions/holds/<str:code>/": page(
        "/inspect/decisions/holds/{inspecting}/?decision=pass",
        True,
        {"decision": "pass", "reason": "Checked again."},
        GET=SUPERVISORS,
        POST=SUPERVISORS,
    ),
    "inspect/decisions/revoke/<str:code>/": page(
        "/inspect/decisions/revoke/{certified}/",
        True,
        {"reason": "Swapped clasp."},
        GET=SUPERVISORS,
        POST=SUPERVISORS,
    ),
    "items/<str:code>/inspect/": page(
        "/items/{inspecting}/inspect/", True, POST=PAGE_STAFF
    ),
    "items/<str:code>/label.pdf": page(
        "/items/{certified}/label.pdf", True, GET=frozenset({INSP, SUP, OP, ADMIN})
    ),
    "items/<str:code>/certificate.pdf": page(
        "/items/{certified}/certificate.pdf", True, GET=PAGE_EVERYONE
    ),
    "items/<str:code>/hold-decision/": page(
        "/items/{inspecting}/hold-decision/",
        True,
        {"decision": "pass", "reason": "Checked again."},
        POST=SUPERVISORS,
    ),
    "items/<str:code>/appeal/": page(
        "/items/{failed}/appeal/", True, {"reason": "Scale off."}, POST=ONLY_M
    ),
    "certificates.zip": page(
        "/certificates.zip?code={certified}", True, GET=frozenset({M, *PAGE_STAFF})
    ),
    # --- the dock -----------------------------------------------------------------
    "dock/labels/": page("/dock/labels/", GET=STATION_PEOPLE),
    "dock/labels/<str:reference>/label.<str:fmt>": page(
        "/dock/labels/{shipment}/label.pdf", True, GET=STATION_PEOPLE
    ),
    "dock/labels/<str:reference>/printed/": page(
        "/dock/labels/{shipment}/printed/", True, POST=STATION_PEOPLE
    ),
    "dock/waves/<int:wave_id>/labels.<str:fmt>": page(
        "/dock/waves/{wave}/labels.pdf", True, GET=STATION_PEOPLE
    ),
    "dock/waves/<int:wave_id>/printed/": page(
        "/dock/waves/{wave}/printed/", True, POST=STATION_PEOPLE
    ),
    "dock/manifests/": page("/dock/manifests/", GET=STATION_PEOPLE),
    "dock/manifests/<str:number>/": page(
        "/dock/manifests/{manifest}/", True, GET=STATION_PEOPLE
    ),
    "dock/manifests/<str:number>/close/": page(
        "/dock/manifests/{manifest}/close/", True, POST=STATION_PEOPLE
    ),
    "dock/manifests/<str:number>/manifest.pdf": page(
        "/dock/manifests/{manifest}/manifest.pdf", True, GET=STATION_PEOPLE
    ),
    # --- the supervisor's dashboard: figures of their own warehouses only ------------
    "dashboard/": page("/dashboard/?warehouse={warehouse}", True, GET=SUPERVISORS),
    "dashboard/export.csv": page(
        "/dashboard/export.csv?table=workload&warehouse={warehouse}",
        True,
        GET=SUPERVISORS,
    ),
    # --- the merchant's decisions ---------------------------------------------------
    "decisions/items/<str:code>/return/": page(
        "/decisions/items/{failed}/return/", True, POST=DECIDERS
    ),
    "decisions/items/<str:code>/held/": page(
        "/decisions/items/{certified}/held/", True, {"decision": "keep"}, POST=DECIDERS
    ),
    "decisions/items/<str:code>/received/": page(
        "/decisions/items/{failed}/received/", True, POST=DECIDERS
    ),
    "decisions/returns/": page(
        "/decisions/returns/",
        body={"on_cancel": "hold", "return_carrier": "sf"},
        GET=ONLY_M,
        POST=ONLY_M,
    ),
    # Their buyers' returns: the merchant's own only.
    "decisions/buyer-returns/": page("/decisions/buyer-returns/", GET=ONLY_M),
    "decisions/buyer-returns/<int:notice_id>/": page(
        "/decisions/buyer-returns/{return_notice}/", True, GET=ONLY_M
    ),
    "decisions/buyer-returns/photos/<int:photo_id>": page(
        "/decisions/buyer-returns/photos/{return_photo}", True, GET=ONLY_M
    ),
    # --- public certificate verification: anyone with the QR code or the number -----
    "verify/": public("/verify/?number={certificate}&code={query_code}", "GET", "POST"),
    "verify/<token:token>": public("/verify/{token}", "GET"),
    "verify/<token:token>.json": public("/verify/{token}.json", "GET"),
    "verify/<token:token>/photos/<int:photo_id>": public(
        "/verify/{token}/photos/{photo}", "GET"
    ),
    ".well-known/qcw-keys.json": public("/.well-known/qcw-keys.json", "GET"),
    # --- the certificate transparency log: anyone, to audit it -----------------------
    "transparency/sth": public("/transparency/sth", "GET"),
    "transparency/sth/<int:size>": public("/transparency/sth/1", "GET"),
    "transparency/sths": public("/transparency/sths", "GET"),
    "transparency/consistency": public(
        "/transparency/consistency?first=0&second=0", "GET"
    ),
    "transparency/entries": public("/transparency/entries?start=0", "GET"),
    "transparency/proof": public("/transparency/proof?number={certificate}", "GET"),
}


def ghost_code(body: str) -> str:
    """A well-formed item code (check character included) that names no item."""
    return body + mod_37_2.calc_check_digit(body)


# Made-up objects in the shape of real ones.
GHOSTS = {
    "notice": 987654,
    "certified": ghost_code("QZZZZZZZZZ9"),
    "inspecting": ghost_code("QZZZZZZZZZ8"),
    "failed": ghost_code("QZZZZZZZZZ7"),
    "shipped": ghost_code("QZZZZZZZZZ6"),
    "certificate": "GZ-20990101-999999-X",
    "query_code": "ZZZZ-ZZZZ",
    "token": "Z" * 32,
    "inspection": 987654,
    "photo": 987653,
    "template": 987652,
    "order": "ORDER-GHOST-1",
    "shipment": "SZZZZZZZZZZZ",
    "manifest": "M-GZ-ZTO-20990101-ZZZZ",
    "endpoint": 987651,
    "dock_station": 987650,
    "wave": 987649,
    "warehouse": "XX",
    "return_id": "RET-GHOST-1",
    "return_notice": 987648,
    "returned": ghost_code("QZZZZZZZZZ5"),
    "return_inspection": 987647,
    "return_photo": 987646,
}


def places(estate, returned=None) -> dict:
    """Merchant A's objects, by the names :data:`ROUTES` uses."""
    return (returned.places() if returned else {}) | {
        "notice": estate.notice.pk,
        "certified": estate.certified.code,
        "inspecting": estate.inspecting.code,
        "failed": estate.failed.code,
        "shipped": estate.shipment.contents.get().item.code,
        "certificate": estate.certificate.number,
        "query_code": estate.certificate.query_code,
        "token": estate.certificate.token,
        "inspection": estate.inspection.pk,
        "photo": estate.photo.pk,
        "template": estate.template_id,
        "order": estate.order.external_id,
        "shipment": estate.shipment.reference,
        "manifest": estate.manifest.number,
        "endpoint": estate.endpoint.pk,
        "dock_station": estate.dock.pk,
        "wave": estate.shipment.wave_id,
        "warehouse": "GZ",
    }


def fill(value, values: dict):
    """``value`` (a body) with every ``{name}`` in its strings replaced."""
    if isinstance(value, str):
        return value.format(**values)
    if isinstance(value, dict):
        return {key: fill(item, values) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, values) for item in value]
    return value


@dataclass
class BuyerReturn:
    """A's buyers' returns: one compared and matched (its report signed), one
    received and waiting for its comparison."""

    matched: object  # ReturnInspection
    photo: object  # ReturnPhoto
    received: object  # Item

    def places(self) -> dict:
        return {
            "return_id": self.matched.notice.return_id,
            "return_notice": self.matched.notice.pk,
            "returned": self.received.code,
            "return_inspection": self.matched.pk,
            "return_photo": self.photo.pk,
        }

    def markers(self) -> list[str]:
        notice = self.matched.notice
        return [notice.return_id, notice.tracking_number, self.received.code]


def _released(world, estate) -> tuple:
    """A certified item of A's, ordered, packed and handed to the carrier:
    (its released parcel, the order id)."""
    from fulfilment.models import Shipment

    item = certified(world)
    payload = order_payload(world, lines=[{"item_code": item.code}])
    answer = api_client(world.platform).post("/api/v1/orders/", payload, format="json")
    assert answer.status_code == 201, answer.content
    run_jobs()
    answer = api_client(estate.dock.user).post(
        f"/api/v1/orders/{payload['order_id']}/pack/", format="json"
    )
    assert answer.status_code == 200, answer.content
    run_jobs()
    shipment = Shipment.objects.get(order__external_id=payload["order_id"])
    answer = label_scan(estate.dock.user, shipment.tracking_number)
    assert answer.status_code == 200, answer.content
    return shipment, payload["order_id"]


def _returned(world, shipment, order_id: str, n: int):
    """The parcel's item announced back by the platform and received."""
    item = shipment.contents.get().item
    tracking = f"SF55500000000{n:02d}"
    notice = {
        **RETURN_NOTICE,
        "return_id": f"RET-A-PRIVATE-{n:04d}",
        "order": order_id,
        "items": [{"item": item.code, "opened": False}],
        "tracking_number": tracking,
        "delivered_at": timezone.now().isoformat(),
    }
    answer = api_client(world.platform).post("/api/v1/returns/", notice, format="json")
    assert answer.status_code == 201, answer.content
    scan = {"barcode": tracking, "action": "receive"}
    answer = api_client(world.station).post("/api/v1/scans/", scan, format="json")
    assert answer.status_code == 200, answer.content
    item.refresh_from_db()
    return item


@pytest.fixture
def buyer_return(world, qc, estate) -> BuyerReturn:
    """Two of A's released items come back from buyers: one is compared by
    the second inspector and matches, one waits at the return desk."""
    first = _returned(world, estate.released, estate.released.order.external_id, 1)
    second = _returned(world, *_released(world, estate), 2)
    matched = return_inspection_create(
        principal=principal_of(qc.inspector2),
        code=first.code,
        observed=demo_return_observed(first, "matched"),
    )
    photo = return_photo_add(
        principal=principal_of(qc.inspector2), inspection_id=matched.pk, data=png()
    )
    run_jobs()  # the signed report
    matched.refresh_from_db()
    assert matched.status == "closed" and matched.report, matched.status
    return BuyerReturn(matched=matched, photo=photo, received=second)


# --- the resolver's patterns ----------------------------------------------------------


def url_patterns(patterns=None, prefix: str = "") -> list[str]:
    """Every pattern the root URLconf resolves, as one route string each."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found.extend(url_patterns(entry.url_patterns, route))
        else:
            assert isinstance(entry, URLPattern)
            found.append(route)
    return found


def excluded(route: str) -> bool:
    return any(route.lstrip("^").startswith(prefix) for prefix in EXCLUDED)


def test_every_url_pattern_is_classified():
    """A new URL pattern must get a row in ROUTES (or be excluded, with why)."""
    listed = {route for route in url_patterns() if not excluded(route)}
    assert sorted(listed - set(ROUTES)) == [], "unclassified URL patterns"
    assert sorted(set(ROUTES) - listed) == [], "rows for patterns that are gone"
    assert any(route.startswith("admin/") for route in url_patterns())


def test_every_row_names_real_objects_and_methods():
    for name, route in ROUTES.items():
        assert route.kind in (API, PAGE, PUBLIC), name
        assert route.methods, name
        assert set(route.methods) <= {"GET", "POST", "PUT", "PATCH", "DELETE"}, name
        text = route.url + json.dumps(route.body)
        assert set(re.findall(r"{(\w+)}", text)) <= set(GHOSTS), name


# --- the callers ----------------------------------------------------------------


@dataclass
class Caller:
    name: str
    role: str | None  # None: anonymous
    user: object = None
    station_id: int | None = None  # a person working at this station (pages)
    clients: dict = field(default_factory=dict)

    def speaks(self, route: Route) -> bool:
        """Stations use the API only; operators the pages only."""
        if self.role in STATIONS:
            return route.kind == API
        if self.role == OP:
            return route.kind != API
        return True

    def client(self, kind: str, *, fresh: bool = False):
        """This caller's API client (its token) or browser (signed in)."""
        kind = API if kind == API else PAGE
        if kind in self.clients and not fresh:
            return self.clients[kind]
        if kind == API:
            client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
            if self.user is not None:
                token = f.token_for(self.user)
                client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        else:
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            if self.user is not None:
                client.force_login(self.user)
                if self.station_id is not None:
                    session = client.session
                    session[SESSION_STATION] = self.station_id
                    session.save()
        if not fresh:
            self.clients[kind] = client
        return client


def callers(world, qc, estate, outsiders) -> tuple[list, list]:
    operator = f.UserFactory(username="operator-gz")
    f.StaffFactory(user=operator, warehouse=world.gz, role="operator")
    insiders = [
        Caller("merchant A", M, world.merchant_user),
        Caller("inspector GZ", INSP, world.inspector),
        Caller("supervisor GZ", SUP, world.supervisor),
        Caller("receiving station GZ", ST, world.station),
        Caller("dock station GZ", DOCK, estate.dock.user),
        Caller("inspection station GZ", QC, qc.qc_station),
        Caller("operator at GZ dock", OP, operator, estate.dock.pk),
        Caller("platform", PLAT, world.platform),
        Caller("admin", ADMIN, world.admin),
    ]
    strangers = [
        Caller("merchant B", M, world.merchant2_user),
        Caller("inspector SIH", INSP, outsiders.inspector),
        Caller("supervisor SIH", SUP, outsiders.supervisor),
        Caller("station SIH", ST, outsiders.station),
        Caller("operator at SIH", OP, outsiders.operator, world.station_sih.station.pk),
    ]
    for caller in insiders + strangers:  # tokens and sessions exist before counting
        for kind in (API, PAGE):
            if caller.speaks(Route(kind, "", {})):
                caller.client(kind)
    return insiders, strangers


def call(caller: Caller, route: Route, method: str, values: dict):
    url = route.url.format(**values)
    body = fill(route.body, values)
    # Signing out ends the session: that row gets a browser of its own.
    client = caller.client(route.kind, fresh=route.url == "/accounts/logout/")
    send = getattr(client, method.lower())
    if method == "GET":  # what a GET needs is in its URL
        answer = send(url, **route.headers)
        client.cookies.pop("messages", None)
        return answer
    if route.image:
        body = {**body, "image": SimpleUploadedFile("p.png", png(), "image/png")}
    if route.kind == API:
        kind = "multipart" if route.image else "json"
        return send(url, body, format=kind, **route.headers)
    answer = send(url, body, **route.headers)
    client.cookies.pop("messages", None)  # shown on a page we never open
    return answer


def content(response) -> str:
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
    else:
        data = response.content
    return data.decode("utf-8", "replace")


def typed_by(caller: Caller) -> set[str]:
    """Barcodes this caller (or the station they work at) scanned: their own
    scan history shows them back, refused or not."""
    scans = ScanLog.objects.filter(user=caller.user)
    if caller.station_id is not None:
        scans = scans | ScanLog.objects.filter(station_id=caller.station_id)
    return set(scans.values_list("barcode", flat=True))


# --- what must not change -----------------------------------------------------------

# Rows a refused request may add by design: the scan log (refusals are logged),
# sign-in records, Idempotency-Key claims; a user's last sign-in time.
UNWATCHED = {
    "warehouse.ScanLog",
    "warehouse.IdempotencyKey",
    "sessions.Session",
    "axes.AccessAttempt",
    "axes.AccessLog",
    "axes.AccessFailureLog",
}
UNWATCHED_FIELDS = {"last_login"}


def _watched():
    """``(label, model, fields)`` of every table a caller could change, with
    the fields that count."""
    for model in apps.get_models():
        label = model._meta.label
        if label in UNWATCHED or model._meta.proxy:
            continue
        fields = [
            field
            for field in model._meta.concrete_fields
            if field.name not in UNWATCHED_FIELDS
        ]
        yield label, model, fields


def fingerprint() -> dict:
    """Every row of every table a caller could change (the small test world).

    On PostgreSQL one statement digests each table in the database; elsewhere
    the rows are read."""
    if connection.vendor != "postgresql":
        return {
            label: list(
                model.objects.order_by("pk").values_list(
                    *[field.attname for field in fields]
                )
            )
            for label, model, fields in _watched()
        }
    quote = connection.ops.quote_name
    parts, labels = [], []
    for label, model, fields in _watched():
        columns = ", ".join(quote(field.column) for field in fields)
        # Names from the models, quoted by the backend.
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        digest = (
            f"md5(coalesce(string_agg(ROW({columns})::text, '|' ORDER BY {pk}), ''))"
        )
        parts.append(f"SELECT %s, {digest} FROM {table}")  # noqa: S608
        labels.append(label)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), labels)
        return dict(cursor.fetchall())


def changed(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


def test_the_fingerprint_sees_a_changed_field_and_not_a_sign_in(world):
    before = fingerprint()
    world.merchant_user.last_login = world.merchant_user.date_joined
    world.merchant_user.save(update_fields=["last_login"])
    assert changed(before, fingerprint()) == []
    type(world.merchant).objects.filter(pk=world.merchant.pk).update(name="Other")
    assert changed(before, fingerprint()) == [world.merchant._meta.label]


# --- the matrix ----------------------------------------------------------------------


ALL_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
REFUSED = {400, 403, 404, 405, 409}


def signs_in(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        "/accounts/login/"
    )


@pytest.fixture
def loose_throttles(settings, monkeypatch):
    """The matrix sends hundreds of requests from one address."""
    settings.VERIFY_THROTTLE_PER_MINUTE = 100_000
    rates = {"user": "100000/minute", "anon": "100000/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


class Findings(list):
    """What is wrong, one line each; ``markers`` are the names of A's objects."""

    def __init__(self, markers):
        super().__init__()
        self.markers = set(markers)

    def check(self, condition: bool, what: str) -> None:
        if not condition:
            self.append(what)


def what_it_says(answer, values: dict) -> tuple:
    """The status and what an answer tells the caller (an API error code, the
    messages a page queues), with the object's names replaced by ``{name}``:
    equal for A's object and a made-up one means no existence is revealed."""
    queued = getattr(get_messages(answer.wsgi_request), "_queued_messages", [])
    said = [str(message) for message in queued]  # by this request
    if answer.status_code >= 400 and answer.get("Content-Type", "").startswith(
        "application/json"
    ):
        said.append(answer.json()["error"]["code"])
    text = "\n".join(said)
    for name, value in values.items():
        whole = rf"(?<![\w-]){re.escape(str(value))}(?![\w-])"
        text = re.sub(whole, f"{{{name}}}", text)
    return answer.status_code, text


def refusals(route, name, method, caller, real, found: Findings) -> None:
    """An outsider on one row: refused as if A's object did not exist."""
    who = f"{method} {name} {caller.name}"
    answer = call(caller, route, method, real)
    status = answer.status_code
    found.check(status < 500, f"{who}: {status}")
    if route.kind == PUBLIC:
        return
    if not route.tenant:
        if 200 <= status < 300:
            seen = content(answer)
            leaked = [m for m in found.markers - typed_by(caller) if m in seen]
            found.check(not leaked, f"{who} sees A's {leaked}")
        return
    if route.wrong_dock and caller.role != M and status == 409:
        error = answer.json()["error"]
        found.check(error["code"] == "wrong_warehouse", f"{who}: {error}")
        found.check(not any(m in str(error) for m in found.markers), f"{who}: {error}")
        return
    said = what_it_says(answer, real)
    ghost = what_it_says(call(caller, route, method, GHOSTS), GHOSTS)
    found.check(said == ghost, f"{who}: {said} for A's object, {ghost} for none")
    refused = REFUSED | ({302} if route.kind == PAGE else set())
    found.check(status in refused, f"{who}: {status} on A's object")
    if caller.role in route.methods[method] and method == "GET":
        found.check(status in (400, 404), f"{who}: {status}, not 404")


def test_access_matrix(world, qc, estate, buyer_return, outsiders, loose_throttles):
    insiders, strangers = callers(world, qc, estate, outsiders)
    admin = insiders[-1]
    anonymous = Caller("anonymous", None)
    real = places(estate, buyer_return)
    found = Findings(estate.markers() + buyer_return.markers())

    # Anonymous callers and outsiders first: refused, they change nothing.
    for name, route in ROUTES.items():
        before = fingerprint() if route.tenant else None
        for method in route.methods:
            answer = call(anonymous, route, method, real)
            status, who = answer.status_code, f"{method} {name} anonymous"
            found.check(status < 500, f"{who}: {status}")
            if route.kind == API:
                found.check(status in (401, 403), f"{who}: {status}, not 401")
            elif route.kind == PAGE:
                found.check(signs_in(answer), f"{who}: {status}, not sign-in")
            for caller in strangers:
                if caller.speaks(route):
                    refusals(route, name, method, caller, real, found)
        if before is not None:
            moved = changed(before, fingerprint())
            found.check(not moved, f"{name}: refused requests changed {moved}")

    # Insiders: the roles a row names may use it; the others are refused and
    # change nothing. Reads first, then writes (which change A's objects).
    for writes in (False, True):
        for name, route in ROUTES.items():
            for method, allowed in route.methods.items():
                if (method != "GET") != writes or route.kind == PUBLIC:
                    continue
                for caller in insiders:
                    if not caller.speaks(route):
                        continue
                    who = f"{method} {name} {caller.name}"
                    may = caller.role in allowed
                    before = fingerprint() if writes and not may else None
                    answer = call(caller, route, method, real)
                    status = answer.status_code
                    found.check(status < 500, f"{who}: {status}")
                    if may:
                        found.check(
                            status not in (401, 403, 404) and not signs_in(answer),
                            f"{who}: {status}, but the role may use it",
                        )
                        if not writes:
                            found.check(status < 400, f"{who}: {status}")
                        continue
                    refused = {403, 404, 405} | ({302} if route.kind == PAGE else set())
                    found.check(status in refused, f"{who}: {status}, not refused")
                    if before is not None:
                        moved = changed(before, fingerprint())
                        found.check(not moved, f"{who}: refused, but changed {moved}")

    # Methods a view does not accept: refused, and never a way round sign-in.
    for name, route in ROUTES.items():
        users = [c for c in insiders if c.speaks(route)]
        allowed = set().union(*route.methods.values())
        caller = next((c for c in users if c.role in allowed), admin)
        for method in ALL_METHODS:
            if method in route.methods:
                continue
            who = f"{method} {name}"
            answer = call(anonymous, route, method, real)
            status = answer.status_code
            found.check(status < 500, f"{who} anonymous: {status}")
            if route.kind == API:
                found.check(status in (401, 403, 405), f"{who} anonymous: {status}")
                status = call(caller, route, method, real).status_code
                found.check(status == 405, f"{who} {caller.name}: {status}, not 405")
            elif route.kind == PAGE:
                found.check(
                    signs_in(answer) or status == 405, f"{who} anonymous: {status}"
                )

    assert not found, "\n".join(found)
