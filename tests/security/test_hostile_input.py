"""Input no honest client sends is refused as bad input, never a 500.

PostgreSQL text cannot hold a NUL character: every lookup by a code, number
or filter holding one used to fail with a server error (found by the schema
fuzzer and this sweep; ``warehouse.common.middleware.RejectUnreadableMiddleware``).
"""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, encode_multipart

from tests.conftest import api_client
from tests.security.conftest import png
from tests.security.test_access_matrix import (  # noqa: F401 - a fixture
    API,
    ROUTES,
    buyer_return,
    callers,
    changed,
    fill,
    fingerprint,
    loose_throttles,
    places,
)
from tests.warehouse.views.test_portal import JADE_ROW as PORTAL_JADE_ROW
from tests.warehouse.views.test_portal import form_data
from warehouse.common.parsers import MAX_DEPTH, JSONParser, UnreadableBody
from warehouse.models import InboundNotice, Item, ScanLog

pytestmark = pytest.mark.django_db

API_PATHS = [
    "/api/v1/items/Q%00",
    "/api/v1/items/Q%00/",
    "/api/v1/items/Q%00/inspections/",
    "/api/v1/items/Q%00/certificate.pdf",
    "/api/v1/certificates/GZ%00/",
    "/api/v1/orders/O%00/",
    "/api/v1/shipments/S%00/",
    "/api/v1/shipments/S%00/label.pdf",
    "/api/v1/manifests/M%00/",
    "/api/v1/manifests/M%00/manifest.pdf",
]
API_QUERIES = [
    "/api/v1/inspection-templates/?category=%00",
    "/api/v1/orders/?status=%00",
    "/api/v1/shipments/?status=%00",
    "/api/v1/dispatch-figures/?warehouse=G%00Z",
    "/api/v1/items/?state=%00",
]
PAGES = [
    "/items/Q%00/",
    "/items/Q%00/label.pdf",
    "/inspect/?category=%00",
    "/dock/manifests/M%00/",
    "/dock/labels/S%00/label.pdf",
    "/verify/?number=GZ%00&code=%00",
]


@pytest.mark.parametrize("url", API_PATHS + API_QUERIES)
def test_a_nul_in_an_api_address_is_a_json_400(world, url):
    response = api_client(world.platform).get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "The address contains a NUL character.",
        "fields": {},
    }


@pytest.mark.parametrize("url", PAGES)
def test_a_nul_in_a_page_address_is_a_400(world, url):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.supervisor)

    response = client.get(url)

    assert response.status_code == 400
    assert b"The address contains a NUL character." in response.content


@pytest.mark.parametrize("bad", ["\\u0000", "\\ud800", "\\udc00"])
def test_a_scanned_nul_or_lone_surrogate_is_refused_and_still_logged(world, bad):
    """A scanner sending garbage gets 400; the refusal is in the scan log,
    with what was sent made storable (U+FFFD), so a broken station can be found."""
    response = api_client(world.station).post(
        "/api/v1/scans/",
        f'{{"barcode": "Q{bad}X", "action": "look{bad}up"}}',
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == ["barcode", "action"]
    logged = ScanLog.objects.get()
    assert (logged.barcode, logged.action, logged.outcome, logged.error_code) == (
        "Q\ufffdX",
        "look\ufffdup",
        ScanLog.Outcome.REFUSED,
        "invalid",
    )
    assert logged.message == error["message"]


@pytest.mark.parametrize("method", ["get", "post", "put", "delete"])
def test_an_unknown_api_path_is_a_json_404_for_every_method(db, method):
    """Not a CSRF page for POST: the API never answers in HTML."""
    response = getattr(Client(enforce_csrf_checks=True), method)("/api/v1/nothing/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- JSON bodies: what no column can hold (warehouse.common.parsers) ----------
# tests/security/test_hostile_json.py throws generated ones at every endpoint.

SURROGATE_MESSAGE = "Text may not contain an unpaired surrogate (U+D800 to U+DFFF)."
NUL_MESSAGE = "Text may not contain a NUL character."
KEY_MESSAGE = "A key may not contain a NUL character or an unpaired surrogate."
RANGE_MESSAGE = "This number is out of range."


def notice_text(
    title='"Bangle"', claim='{"material": "nephrite jade", "weight_g": "52.31"}'
) -> str:
    """An inbound notice of five rows as JSON text, the fourth's title and
    claim as given (JSON text too)."""
    good = {"material": "nephrite jade", "weight_g": "52.31"}
    rows = [
        {"sku": f"S-{n}", "title": "B", "category": "jewellery-jade", "claim": good}
        for n in range(5)
    ]
    rows[3].update(title="@title@", claim="@claim@")
    text = json.dumps({"reference": "ASN-H", "warehouse": "GZ", "items": rows})
    return text.replace('"@title@"', title).replace('"@claim@"', claim)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (notice_text(title='"Bangle \\ud800"'), "items[3].title", SURROGATE_MESSAGE),
        (notice_text(title='"\\udfff"'), "items[3].title", SURROGATE_MESSAGE),
        (
            notice_text(claim='{"material": "jade\\u0000"}'),
            "items[3].claim.material",
            NUL_MESSAGE,
        ),
        (notice_text(claim='{"\\ud83d": "jade"}'), "items[3].claim", KEY_MESSAGE),
        (
            notice_text(claim='{"weight_g": 1e400}'),
            "items[3].claim.weight_g",
            RANGE_MESSAGE,
        ),
        (
            notice_text(claim='{"weight_g": 1' + "0" * 400 + "}"),
            "items[3].claim.weight_g",
            RANGE_MESSAGE,
        ),
        (
            notice_text(claim='{"weight_g": ' + "9" * 5000 + "}"),
            "items[3].claim.weight_g",
            RANGE_MESSAGE,
        ),
        (notice_text(title=str(2**63)), "items[3].title", RANGE_MESSAGE),
        ('"\\ud800"', "non_field_errors", SURROGATE_MESSAGE),
    ],
)
def test_json_no_column_can_hold_is_a_400_naming_the_field(world, body, field, message):
    """Lone surrogates and NUL (PostgreSQL refuses them) and numbers past any
    column: refused before any view reads them, the field named by its path."""
    response = api_client(world.merchant_user).post(
        "/api/v1/inbound-notices/",
        body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400, response.content
    prefix = "" if field == "non_field_errors" else f"{field}: "
    assert response.json()["error"] == {
        "code": "invalid",
        "message": f"{prefix}{message}",
        "fields": {field: [message]},
    }
    assert not InboundNotice.objects.exists()
    assert not Item.objects.exists()


def test_a_paired_surrogate_is_an_ordinary_character(world):
    """``\\ud83d\\ude00`` is one emoji, not a lone surrogate: stored as typed."""
    response = api_client(world.merchant_user).post(
        "/api/v1/inbound-notices/",
        notice_text(title='"Bangle \\ud83d\\ude00"'),
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    assert Item.objects.get(sku="S-3").title == "Bangle \U0001f600"


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 100_000])
@pytest.mark.parametrize("opener", ["[", '{"a": '])
def test_a_body_nested_too_deep_is_a_400(world, depth, opener):
    """Past MAX_DEPTH levels, and past the parser's own recursion limit
    (a 500 from RecursionError before), on a POST of every kind of caller."""
    closer = "]" if opener == "[" else "}"
    body = opener * depth + "1" + closer * depth

    response = api_client(world.station).post(
        "/api/v1/scans/",
        body,
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": f"The body is nested more than {MAX_DEPTH} levels deep.",
        "fields": {},
    }


def test_a_body_with_many_problems_and_deep_nesting_is_a_400(world):
    """The answer names the first 20 fields; what lies deeper is not copied."""
    spoiled = ",".join(f'"f{n}": "\\u0000"' for n in range(30))
    body = "{" + spoiled + ', "deep": ' + "[" * 600 + "]" * 600 + "}"

    response = api_client(world.station).post(
        "/api/v1/scans/", body, content_type="application/json"
    )

    assert response.status_code == 400
    assert len(response.json()["error"]["fields"]) == 20
    assert ScanLog.objects.get().outcome == ScanLog.Outcome.REFUSED


def test_a_body_at_the_depth_limit_is_read():
    """MAX_DEPTH levels are read; one more is refused."""
    parser = JSONParser()

    def parse(depth):
        return parser.parse(io.BytesIO(("[" * depth + "]" * depth).encode()))

    assert parse(MAX_DEPTH) is not None
    with pytest.raises(UnreadableBody):
        parse(MAX_DEPTH + 1)


def test_a_scan_body_that_is_not_json_is_refused_and_logged(world):
    response = api_client(world.station).post(
        "/api/v1/scans/", "{barcode", content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    scan = ScanLog.objects.get()
    assert (scan.outcome, scan.error_code) == (ScanLog.Outcome.REFUSED, "parse_error")


# --- charsets: only UTF-8 is read (warehouse.common.middleware) ---------------

# "+2AA-" is UTF-7 for a lone surrogate; Django read query strings and
# multipart fields in whatever charset the Content-Type named.
UTF7_SURROGATE = "%2B2AA-"


@pytest.mark.parametrize(
    "url",
    [
        f"/inspect/?category={UTF7_SURROGATE}",
        f"/dashboard/?warehouse={UTF7_SURROGATE}",
        f"/verify/?number={UTF7_SURROGATE}&code={UTF7_SURROGATE}",
        f"/api/v1/items/?search={UTF7_SURROGATE}",
        f"/api/v1/orders/?status={UTF7_SURROGATE}",
    ],
)
@pytest.mark.parametrize("charset", ["utf-7", "unicode_escape", "utf-16", "x-unknown"])
def test_a_request_in_another_charset_is_a_415(world, url, charset):
    """A page that filtered on ``category`` answered 500 for this (PostgreSQL
    refused the surrogate)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(world.supervisor)

    response = client.get(url, CONTENT_TYPE=f"text/plain; charset={charset}")

    assert response.status_code == 415
    if url.startswith("/api/"):
        assert response.json()["error"] == {
            "code": "unsupported_media_type",
            "message": "Send the request in UTF-8.",
            "fields": {},
        }
    else:
        assert response.content == b"Send the request in UTF-8."


@pytest.mark.parametrize("charset", ["utf-8", "UTF8", "us-ascii"])
def test_utf8_and_ascii_are_read(world, charset):
    response = api_client(world.station).post(
        "/api/v1/scans/",
        b'{"barcode": "NOSUCH", "action": "lookup"}',
        content_type=f"application/json; charset={charset}",
    )

    assert response.status_code == 404


def test_a_multipart_form_in_another_charset_is_a_415(world, estate):
    """Multipart fields were read in the declared charset: a photo caption in
    UTF-7 reached the database as a lone surrogate."""
    body = encode_multipart(
        BOUNDARY,
        {"caption": "+2AA-", "image": SimpleUploadedFile("p.png", png(), "image/png")},
    )
    content_type = f"multipart/form-data; boundary={BOUNDARY}; charset=utf-7"
    page = Client()
    page.force_login(world.inspector)
    url = f"/inspections/{estate.inspection.pk}/photos/"
    photos = estate.inspection.photos.count()

    for client, path in [
        (api_client(world.inspector), "/api/v1" + url),
        (page, "/inspect" + url),
    ]:
        response = client.generic("POST", path, body, content_type=content_type)
        assert response.status_code == 415, path

    assert estate.inspection.photos.count() == photos


@pytest.mark.parametrize("charset", ["bz2_codec", "rot13", "idna", "utf-7"])
@pytest.mark.parametrize("path", ["/api/v1/items/?state=x", "/inspect/?category=x"])
def test_the_wsgi_application_answers_any_declared_charset(db, charset, path):
    """Django decodes the query string in the declared charset while it builds
    the request: ``bz2_codec`` raised there, before any middleware, and
    gunicorn answered 500. config.wsgi's application reads it as unreadable."""
    from config.wsgi import application

    route, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": route,
        "QUERY_STRING": query,
        "CONTENT_TYPE": f"text/plain; charset={charset}",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
    }
    started = []

    body = b"".join(
        application(environ, lambda status, headers: started.append(status))
    )

    assert started == ["415 Unsupported Media Type"], body


# --- page forms ---------------------------------------------------------------

FORMS = {  # pages whose row in the access matrix sends no fields
    "portal/shipments/new/": form_data([PORTAL_JADE_ROW]),
    "accounts/login/": {"username": "m1", "password": "not-the-password"},
    "inspect/inspections/<int:inspection_id>/photos/": {
        "caption": "front",
        "check": "appearance",
    },
}


@pytest.mark.usefixtures("loose_throttles")
def test_a_nul_in_any_page_form_field_is_refused_and_saves_nothing(
    world,
    qc,
    estate,
    buyer_return,  # noqa: F811 - the fixture imported above
    outsiders,
):
    """Every form the pages post (the matrix's rows), a NUL in each field in
    turn: never a 500, nothing written (a NUL cannot come as a lone surrogate:
    forms are read as UTF-8 only)."""
    insiders, _strangers = callers(world, qc, estate, outsiders)
    real = places(estate, buyer_return)
    found = []
    tried = 0
    for name, route in ROUTES.items():
        if route.kind == API or "POST" not in route.methods:
            continue
        allowed = route.methods["POST"]
        caller = next(
            (c for c in insiders if c.role in allowed and c.speaks(route)), None
        )
        if caller is None:
            continue
        client = caller.client(route.kind)
        client.raise_request_exception = False
        body = FORMS.get(name) or fill(route.body, real)
        for field in body:
            spoiled = {**body, field: f"{body[field]}\x00"}
            if route.image:
                spoiled["image"] = SimpleUploadedFile("p.png", png(), "image/png")
            before = fingerprint()
            answer = client.post(route.url.format(**real), spoiled, **route.headers)
            tried += 1
            if answer.status_code >= 500:
                found.append(f"{name} {field}: {answer.status_code}")
            if moved := changed(before, fingerprint()):
                found.append(f"{name} {field}: {answer.status_code}, changed {moved}")
    assert tried >= 30
    assert not found, "\n".join(found)
