"""The merchant portal's pages: items, shipments (by form and file), API tokens."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook
from rest_framework.authtoken.models import Token

from tests.conftest import api_client
from tests.warehouse import factories as f
from warehouse import lifecycle, services, uploads
from warehouse.demo import CATEGORIES
from warehouse.models import Category, InboundNotice, Item

ITEMS = "/portal/items/"
NOTICES = "/portal/shipments/"
CREATE = "/portal/shipments/new/"
UPLOAD = "/portal/shipments/upload/"
TEMPLATE = "/portal/shipments/template/"
TOKENS = "/portal/tokens/"

# session, user, the user's station and merchant membership (who is asking),
# count, the filter form's two selects, the page
ITEM_LIST_QUERIES = 8
# session, user, station, membership, count, page, the page's received counts
NOTICE_LIST_QUERIES = 7


@pytest.fixture
def client_for(client):
    """``client_for(user)``: the test client signed in as ``user``, in English."""

    def sign_in(user=None):
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        if user is not None:
            client.force_login(user)
        return client

    return sign_in


def announce(world, merchant=None, *, reference="ASN-1", count=2, warehouse="GZ"):
    """A notice of ``count`` jade items through the service, as the API makes it."""
    merchant = merchant or world.merchant
    return services.inbound_notice_create(
        merchant=merchant,
        warehouse_code=warehouse,
        reference=reference,
        actor=None,
        items=[
            {
                "sku": f"{reference}-SKU-{n}",
                "title": f"Bangle {reference} #{n}",
                "category": "jewellery-jade",
                "serial": f"{merchant.code}-{reference}-{n}",
                "order_ref": f"ORD-{reference}-{n}",
                "claim": {"material": "nephrite jade", "weight_g": "52.31"},
            }
            for n in range(count)
        ],
    )


def text(response) -> str:
    return response.content.decode()


# --- who may open the portal -------------------------------------------------------

PAGES = [ITEMS, NOTICES, CREATE, UPLOAD, TEMPLATE, TOKENS]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client_for, world, url):
    response = client_for().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"/accounts/login/?next={url}")


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("who", ["inspector", "supervisor", "station", "platform"])
def test_other_roles_may_not_open_the_portal(client_for, world, url, who):
    assert client_for(getattr(world, who)).get(url).status_code == 403


def test_other_roles_may_not_open_a_notice_either(client_for, world):
    notice = announce(world)

    response = client_for(world.inspector).get(f"{NOTICES}{notice.pk}/")

    assert response.status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_merchants_open_every_page(client_for, world, url):
    assert client_for(world.merchant_user).get(url).status_code == 200


# --- items -------------------------------------------------------------------------


def test_item_list_shows_the_merchants_items_and_no_one_elses(client_for, world):
    mine = announce(world, reference="MINE")
    theirs = announce(world, world.merchant2, reference="THEIRS")

    response = client_for(world.merchant_user).get(ITEMS)

    assert response.status_code == 200
    body = text(response)
    for row in mine.created_rows:
        assert row["code"] in body
    for row in theirs.created_rows:
        assert row["code"] not in body
    assert "Bangle MINE #0" in body
    assert "Bangle THEIRS" not in body
    assert "2 items" in body


def test_item_rows_show_sku_category_warehouse_state_and_local_time(client_for, world):
    notice = announce(world, count=1)
    Item.objects.filter(notice=notice).update(state_changed_at="2026-03-01T02:30:00Z")

    body = text(client_for(world.merchant_user).get(ITEMS))

    assert "ASN-1-SKU-0" in body
    assert "Jewellery and jade" in body
    assert '<td class="hide-narrow">GZ</td>' in body
    assert 'data-state="announced"' in body
    assert "2026-03-01 10:30" in body  # Asia/Shanghai, the warehouse's zone


def test_item_list_is_newest_first_and_paginated_by_50(client_for, world):
    announce(world, reference="OLD", count=30)
    announce(world, reference="NEW", count=30)
    client = client_for(world.merchant_user)

    first = text(client.get(ITEMS))
    second = text(client.get(ITEMS, {"page": 2}))

    assert "60 items" in first
    assert first.count('data-state="announced"') == 50
    assert "Bangle NEW #0" in first
    assert second.count('data-state="announced"') == 10
    assert "Bangle OLD #0" in second
    assert "Page 2 of 2" in second


def _codes(response) -> set[str]:
    """The item codes in the table (not in the search box)."""
    table = text(response).partition("<tbody>")[2].partition("</tbody>")[0]
    return set(re.findall(r"Q[0-9A-Z]{10}[0-9A-Z*]", table))


def test_item_filters_by_state_category_warehouse_and_reference(client_for, world):
    gz = announce(world, reference="GZ-1", count=2)
    sih = announce(world, reference="SIH-1", count=1, warehouse="SIH")
    received = Item.objects.get(code=gz.created_rows[0]["code"])
    lifecycle.item_receive(item=received, actor=world.supervisor)
    client = client_for(world.merchant_user)
    gz_codes = {row["code"] for row in gz.created_rows}
    sih_code = sih.created_rows[0]["code"]

    assert _codes(client.get(ITEMS, {"state": "received"})) == {received.code}
    assert _codes(client.get(ITEMS, {"warehouse": "SIH"})) == {sih_code}
    assert _codes(client.get(ITEMS, {"notice": "GZ-1"})) == gz_codes
    assert _codes(client.get(ITEMS, {"category": "cosmetics"})) == set()
    assert _codes(client.get(ITEMS, {"category": "jewellery-jade"})) == {
        *gz_codes,
        sih_code,
    }
    assert _codes(
        client.get(ITEMS, {"state": "announced", "warehouse": "GZ"})
    ) == gz_codes - {received.code}


@pytest.mark.parametrize(
    "query", ["ORD-GZ-1-1", "gz-1-sku-1", "JADEHOME-GZ-1-1", "bangle gz-1 #1"]
)
def test_item_search_box_finds_by_order_sku_serial_and_title(client_for, world, query):
    notice = announce(world, reference="GZ-1", count=2)

    response = client_for(world.merchant_user).get(ITEMS, {"q": query})

    assert _codes(response) == {notice.created_rows[1]["code"]}


def test_item_search_finds_by_code_but_never_another_merchants(client_for, world):
    mine = announce(world, count=1).created_rows[0]["code"]
    theirs = announce(world, world.merchant2, count=1).created_rows[0]["code"]
    client = client_for(world.merchant_user)

    assert _codes(client.get(ITEMS, {"q": mine.lower()})) == {mine}
    assert _codes(client.get(ITEMS, {"q": theirs})) == set()


def test_a_bad_filter_value_is_a_400_with_the_error_beside_the_field(client_for, world):
    response = client_for(world.merchant_user).get(ITEMS, {"state": "lost"})

    assert response.status_code == 400
    assert "Select a valid choice" in text(response)


def test_htmx_filtering_answers_only_the_table(client_for, world):
    announce(world, count=1)

    response = client_for(world.merchant_user).get(
        ITEMS, {"state": "announced"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body
    assert "<table>" in body
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(client_for, world):
    response = client_for(world.merchant_user).get(
        ITEMS, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )

    assert "<html" in text(response)


def test_filter_form_works_without_htmx_and_keeps_the_filters_in_the_pager(
    client_for, world
):
    announce(world, count=51)

    body = text(client_for(world.merchant_user).get(ITEMS, {"state": "announced"}))

    assert 'hx-get="/portal/items/"' in body
    assert 'hx-push-url="true"' in body
    assert 'href="/portal/items/?state=announced&amp;page=2"' in body


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def test_item_list_query_count_does_not_grow_with_rows(client_for, world):
    client = client_for(world.merchant_user)
    announce(world, reference="A", count=2)
    few = _queries(client, ITEMS)
    announce(world, reference="B", count=45, warehouse="SIH")
    announce(world, reference="C", count=5)

    assert _queries(client, ITEMS) == few == ITEM_LIST_QUERIES
    assert _queries(client, ITEMS, {"q": "bangle", "state": "announced"}) == few


# --- notices -----------------------------------------------------------------------


def test_notice_list_shows_own_notices_with_counts(client_for, world):
    mine = announce(world, reference="MINE-1", count=3)
    announce(world, world.merchant2, reference="THEIRS-1")
    first = Item.objects.get(code=mine.created_rows[0]["code"])
    lifecycle.item_receive(item=first, actor=world.supervisor)

    response = client_for(world.merchant_user).get(NOTICES)

    body = text(response)
    assert "MINE-1" in body
    assert "THEIRS-1" not in body
    assert f'href="/portal/shipments/{mine.pk}/"' in body
    assert '<td class="num">3</td>' in body
    assert '<td class="num">1</td>' in body  # received


def test_notice_list_query_count_does_not_grow_with_rows(client_for, world):
    client = client_for(world.merchant_user)
    announce(world, reference="N-0", count=3)
    few = _queries(client, NOTICES)
    for n in range(1, 12):
        announce(world, reference=f"N-{n}", count=2)

    assert _queries(client, NOTICES) == few == NOTICE_LIST_QUERIES


def test_notice_detail_shows_items_and_progress(client_for, world):
    notice = announce(world, reference="ASN-9", count=3)
    first = Item.objects.get(code=notice.created_rows[0]["code"])
    lifecycle.item_receive(item=first, actor=world.supervisor)

    response = client_for(world.merchant_user).get(f"{NOTICES}{notice.pk}/")

    assert response.status_code == 200
    body = text(response)
    assert "Shipment ASN-9" in body
    assert "1 of 3 received" in body
    assert '<progress class="progress" max="3" value="1"' in body
    for row in notice.created_rows:
        assert row["code"] in body
    assert 'data-state="received"' in body
    assert "/portal/items/?notice=ASN-9" in body


def test_another_merchants_notice_is_a_404(client_for, world):
    theirs = announce(world, world.merchant2, reference="THEIRS")

    client = client_for(world.merchant_user)

    assert client.get(f"{NOTICES}{theirs.pk}/").status_code == 404
    assert client.get(f"{NOTICES}999999/").status_code == 404
    assert client.get(f"{NOTICES}{2**64}/").status_code == 404


# --- announce by form --------------------------------------------------------------


def form_data(rows: list[dict], **notice) -> dict:
    data = {
        "reference": "FORM-1",
        "warehouse": "GZ",
        "carrier": "sf",
        "tracking_number": "SF123",
        "items-TOTAL_FORMS": str(len(rows)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "200",
    }
    data.update(notice)
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"items-{index}-{name}"] = value
    return data


JADE_ROW = {
    "sku": "JADE-1",
    "title": "Nephrite bangle",
    "category": "jewellery-jade",
    "serial": "HT-1",
    "order_ref": "LS-1",
    "quantity": "1",
    "material": "nephrite jade",
    "weight_g": "52.31",
    "declared_value": "3880",
    "packaging": "gift box",
}
LOT_ROW = {
    "sku": "SERUM-30",
    "title": "Serum 30 ml",
    "category": "cosmetics",
    "quantity": "200",
    "packaging": "sealed carton",
    "production_date": "2026-09-01",
    "expiry_date": "2029-08-31",
    "labels": "name|net content\uff1bproducer",
}
BLANK_ROW = {"quantity": "1"}


def test_the_form_offers_warehouses_carriers_categories_and_claims(client_for, world):
    body = text(client_for(world.merchant_user).get(CREATE))

    assert '<option value="GZ">' in body
    assert '<option value="sf">' in body
    assert '<option value="cosmetics">' in body
    for name in ("sku", "serial", "weight_g", "expiry_date", "labels", "imei"):
        assert f'<label for="id_items-0-{name}">' in body
    assert 'name="items-TOTAL_FORMS"' in body


def test_announce_by_form_saves_the_notice_and_redirects_with_a_message(
    client_for, world
):
    client = client_for(world.merchant_user)

    response = client.post(CREATE, form_data([JADE_ROW, BLANK_ROW, LOT_ROW]))

    notice = InboundNotice.objects.get(merchant=world.merchant, reference="FORM-1")
    assert response.status_code == 302
    assert response["Location"] == f"/portal/shipments/{notice.pk}/"
    assert (notice.carrier, notice.tracking_number) == ("sf", "SF123")
    jade, lot = notice.items.order_by("line")
    assert jade.claim == {
        "material": "nephrite jade",
        "weight_mg": 52310,
        "declared_value": "3880.00",
        "packaging": "gift box",
    }
    assert (jade.serial, jade.order_ref) == ("HT-1", "LS-1")
    assert lot.quantity == 200
    assert lot.claim["labels"] == ["name", "net_content", "producer"]
    assert lot.claim["expiry_date"] == "2029-08-31"
    page = text(client.get(response["Location"]))
    assert "Shipment FORM-1 announced with 2 items." in page


def test_form_errors_are_shown_beside_the_row_field_and_nothing_is_saved(
    client_for, world
):
    before = Item.objects.count()
    bad = {**JADE_ROW, "serial": "HT-2", "weight_g": "heavy"}
    lot_without_expiry = {**LOT_ROW, "expiry_date": "", "production_date": ""}

    response = client_for(world.merchant_user).post(
        CREATE, form_data([JADE_ROW, BLANK_ROW, bad, lot_without_expiry])
    )

    assert response.status_code == 400
    assert Item.objects.count() == before
    assert not InboundNotice.objects.filter(reference="FORM-1").exists()
    body = text(response)
    assert "Nothing was saved." in body
    # Item 3 of the form (the second filled one for the service) is marked.
    row3 = body[body.index('id="item-row-3"') : body.index('id="item-row-4"')]
    assert "Enter a number." in row3
    assert 'id="id_items-2-weight_g_error"' in row3
    row4 = body[body.index('id="item-row-4"') :]
    assert 'id="id_items-3-expiry_date_error"' in row4
    assert "This claim is required." in row4
    assert "Enter a number." not in body[: body.index('id="item-row-3"')]
    # What was typed is kept.
    assert 'value="heavy"' in body


def test_form_checks_before_the_service_too(client_for, world):
    """Missing reference, a row without title, a bad quantity: 400, kept rows."""
    response = client_for(world.merchant_user).post(
        CREATE,
        form_data(
            [{**JADE_ROW, "title": ""}, {**LOT_ROW, "quantity": "0"}], reference=""
        ),
    )

    assert response.status_code == 400
    body = text(response)
    assert 'id="id_reference_error"' in body
    assert 'id="id_items-0-title_error"' in body
    assert 'id="id_items-1-quantity_error"' in body
    assert Item.objects.count() == 0


def test_a_form_with_no_items_says_so(client_for, world):
    response = client_for(world.merchant_user).post(CREATE, form_data([BLANK_ROW]))

    assert response.status_code == 400
    assert "A notice needs at least one item." in text(response)


def test_a_reference_used_before_is_marked_on_the_reference(client_for, world):
    announce(world, reference="FORM-1")
    before = Item.objects.count()

    response = client_for(world.merchant_user).post(CREATE, form_data([JADE_ROW]))

    assert response.status_code == 400
    assert 'id="id_reference_error"' in text(response)
    assert "Already used by another notice of yours." in text(response)
    assert Item.objects.count() == before


def test_add_another_item_by_htmx_answers_one_row_and_the_new_total(client_for, world):
    response = client_for(world.merchant_user).get(
        CREATE, {"add_row": "1", "items-TOTAL_FORMS": "3"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    body = text(response)
    assert 'id="item-row-4"' in body
    assert 'name="items-3-sku"' in body
    assert 'name="items-4-sku"' not in body
    assert re.search(
        r'<input type="hidden" name="items-TOTAL_FORMS" value="4"'
        r' id="id_items-TOTAL_FORMS" hx-swap-oob="true">',
        body,
    )


def test_add_another_item_without_htmx_posts_back_one_more_row(client_for, world):
    data = form_data([JADE_ROW])
    data["add_row"] = "1"

    response = client_for(world.merchant_user).post(CREATE, data)

    assert response.status_code == 200
    body = text(response)
    assert 'name="items-1-sku"' in body
    assert 'value="JADE-1"' in body
    assert InboundNotice.objects.count() == 0


# --- announce by file --------------------------------------------------------------

HEADER = "sku,title,category,serial,quantity,claim.material,claim.weight_g"


def csv_file(*rows: str, name: str = "items.csv"):
    data = ("\ufeff" + "\n".join((HEADER, *rows)) + "\n").encode()
    return io.BytesIO(data), name


def upload(client, file, *, reference="FILE-1", **extra):
    data, name = file
    handle = io.BytesIO(data.getvalue())
    handle.name = name
    return client.post(
        UPLOAD,
        {
            "reference": reference,
            "warehouse": "GZ",
            "carrier": "",
            "tracking_number": "",
            "file": handle,
        },
        **extra,
    )


GOOD = [
    "B-1,Bangle one,jewellery-jade,S-1,1,nephrite jade,52.31",
    "B-2,Bangle two,jewellery-jade,S-2,1,nephrite jade,12.5",
    "B-3,Bangle three,jewellery-jade,S-3,,nephrite jade,8",
]


def test_a_file_with_one_bad_row_names_that_row_and_saves_nothing(client_for, world):
    client = client_for(world.merchant_user)
    rows = [GOOD[0], GOOD[1].replace("12.5", "twelve"), GOOD[2]]
    before = Item.objects.count()

    response = upload(client, csv_file(*rows))

    assert response.status_code == 400
    assert Item.objects.count() == before
    assert not InboundNotice.objects.filter(reference="FILE-1").exists()
    body = text(response)
    assert "Row 3, column claim.weight_g: Enter a number." in body
    assert "Row 2" not in body and "Row 4" not in body

    fixed = upload(client, csv_file(*GOOD))

    notice = InboundNotice.objects.get(merchant=world.merchant, reference="FILE-1")
    assert fixed.status_code == 302
    assert fixed["Location"] == f"/portal/shipments/{notice.pk}/"
    assert notice.item_count == 3
    assert list(notice.items.order_by("line").values_list("sku", flat=True)) == [
        "B-1",
        "B-2",
        "B-3",
    ]
    assert "announced with 3 items" in text(client.get(fixed["Location"]))


def test_file_problems_found_by_the_reader_never_reach_the_service(
    client_for, world, monkeypatch
):
    called = []
    monkeypatch.setattr(
        services, "inbound_notice_create", lambda **kwargs: called.append(kwargs)
    )
    client = client_for(world.merchant_user)
    data = "sku,title,category,colour\nB-1,x,jewellery-jade,red\nB-2,y,z,q,extra\n"

    response = upload(client, (io.BytesIO(data.encode()), "items.csv"))

    assert response.status_code == 400
    body = text(response)
    assert "Row 1, column colour: Unknown column." in body
    assert called == []


def test_service_errors_are_mapped_to_file_rows(client_for, world):
    rows = [*GOOD, "B-4,Bangle four,no-such-category,S-4,1,nephrite jade,1"]

    response = upload(client_for(world.merchant_user), csv_file(*rows))

    assert response.status_code == 400
    assert (
        "Row 5, column category: Unknown category no-such-category; use one of: "
        "Cosmetics, Jewellery and jade." in text(response)
    )


def test_an_xlsx_file_is_announced(client_for, world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(["X-1", "Bangle", "jewellery-jade", "XS-1", 1, "nephrite jade", 52.31])
    sheet.append(["X-2", "Ring", "jewellery-jade", "XS-2", None, "18K gold", 3])
    out = io.BytesIO()
    workbook.save(out)

    response = upload(client_for(world.merchant_user), (out, "items.xlsx"))

    assert response.status_code == 302
    notice = InboundNotice.objects.get(reference="FILE-1")
    weights = notice.items.order_by("line").values_list("claim__weight_mg", flat=True)
    assert list(weights) == [52310, 3000]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7\n\xe2\xe3\xcf\xd3", "This is not a CSV or XLSX file."),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "This is not a CSV or XLSX file."),
        (b"", "The submitted file is empty."),
        (b"\n\n", "The file is empty."),
    ],
)
def test_files_that_are_not_notices_are_refused(client_for, world, data, message):
    response = upload(client_for(world.merchant_user), (io.BytesIO(data), "x.csv"))

    assert response.status_code == 400
    assert message in text(response)
    assert InboundNotice.objects.count() == 0


def test_a_file_over_the_cap_is_a_413(client_for, world, monkeypatch):
    monkeypatch.setattr(uploads.reader, "MAX_UPLOAD_BYTES", 50)

    response = upload(client_for(world.merchant_user), csv_file(*GOOD))

    assert response.status_code == 413
    assert "The file is larger than" in text(response)
    assert InboundNotice.objects.count() == 0


def test_more_rows_than_a_notice_holds_are_refused(client_for, world, settings):
    settings.INBOUND_NOTICE_MAX_ITEMS = 2

    response = upload(client_for(world.merchant_user), csv_file(*GOOD))

    assert response.status_code == 400
    assert "A notice holds at most 2 items; split the file." in text(response)


def test_the_upload_form_posts_with_htmx_and_progress(client_for, world):
    body = text(client_for(world.merchant_user).get(UPLOAD))

    assert "data-progress" in body
    assert 'hx-encoding="multipart/form-data"' in body
    assert "<progress" in body and "hidden" in body
    assert "htmx-indicator" in body
    assert "?format=xlsx" in body and "?format=csv" in body


def test_htmx_upload_redirects_the_browser_on_success(client_for, world):
    response = upload(
        client_for(world.merchant_user), csv_file(*GOOD), HTTP_HX_REQUEST="true"
    )

    notice = InboundNotice.objects.get(reference="FILE-1")
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/portal/shipments/{notice.pk}/"


def test_htmx_upload_with_errors_answers_400_with_the_panel(client_for, world):
    response = upload(
        client_for(world.merchant_user),
        csv_file(GOOD[0].replace("52.31", "-1")),
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 400
    body = text(response)
    assert 'id="upload-panel"' in body
    assert "Row 2, column claim.weight_g: Weight must be greater than 0." in body


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_templates_download_and_read_back(client_for, world, kind):
    response = client_for(world.merchant_user).get(TEMPLATE, {"format": kind})

    assert response.status_code == 200
    assert (
        f'filename="inbound-notice-template.{kind}"' in response["Content-Disposition"]
    )
    parsed = uploads.notice_file_read(io.BytesIO(response.content))
    assert parsed.errors == []
    assert [item["category"] for item in parsed.items] == [
        c["code"] for c in CATEGORIES
    ]


def test_the_csv_template_is_utf8_with_bom(client_for, world):
    response = client_for(world.merchant_user).get(TEMPLATE)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")


def test_an_unknown_template_format_is_a_400(client_for, world):
    response = client_for(world.merchant_user).get(TEMPLATE, {"format": "pdf"})

    assert response.status_code == 400


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_filled_in_template_announces_every_demo_category(client_for, world, kind):
    """The template itself, uploaded as is, is a valid notice."""
    for data in CATEGORIES:
        Category.objects.update_or_create(
            code=data["code"],
            defaults={
                "name": data["name"],
                "flow": data["flow"],
                "claim_fields": data["claim_fields"],
            },
        )
    client = client_for(world.merchant_user)
    template = client.get(TEMPLATE, {"format": kind}).content

    response = upload(client, (io.BytesIO(template), f"template.{kind}"))

    assert response.status_code == 302, text(response)
    notice = InboundNotice.objects.get(reference="FILE-1")
    assert notice.item_count == len(CATEGORIES)


# --- API tokens --------------------------------------------------------------------


def test_without_a_key_the_page_offers_to_create_one(client_for, world):
    body = text(client_for(world.merchant_user).get(TOKENS))

    assert "You have no API key." in body
    assert 'value="create"' in body


def test_creating_a_key_shows_it_once_then_only_masked(client_for, world):
    client = client_for(world.merchant_user)

    created = client.post(TOKENS, {"action": "create"})

    token = Token.objects.get(user=world.merchant_user)
    assert created.status_code == 200
    assert token.key in text(created)
    assert "no-store" in created["Cache-Control"]
    later = text(client.get(TOKENS))
    assert token.key not in later
    assert f"{token.key[:4]}…" in later
    assert api_client_with(token.key).get("/api/v1/items/").status_code == 200


def api_client_with(key: str):
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_regenerating_asks_first_then_replaces_the_key(client_for, world):
    client = client_for(world.merchant_user)
    old = f.token_for(world.merchant_user)
    assert api_client_with(old).get("/api/v1/items/").status_code == 200

    asked = client.post(TOKENS, {"action": "regenerate"})

    assert asked.status_code == 200
    assert "Regenerate your API key?" in text(asked)
    assert 'name="confirm" value="yes"' in text(asked)
    assert old not in text(asked)
    assert Token.objects.get(user=world.merchant_user).key == old

    done = client.post(TOKENS, {"action": "regenerate", "confirm": "yes"})

    new = Token.objects.get(user=world.merchant_user).key
    assert new != old
    assert new in text(done)
    assert old not in text(done)
    assert api_client_with(old).get("/api/v1/items/").status_code == 401
    assert api_client_with(new).get("/api/v1/items/").status_code == 200


def test_revoking_asks_first_then_deletes_the_key(client_for, world):
    client = client_for(world.merchant_user)
    key = f.token_for(world.merchant_user)
    other = f.token_for(world.merchant2_user)
    api_client_with(key).get("/api/v1/items/")  # cached by warehouse.common.auth

    asked = client.post(TOKENS, {"action": "revoke"})
    assert "Revoke your API key?" in text(asked)
    assert Token.objects.filter(key=key).exists()

    done = client.post(TOKENS, {"action": "revoke", "confirm": "yes"}, follow=True)

    assert not Token.objects.filter(user=world.merchant_user).exists()
    assert Token.objects.filter(key=other).exists()
    assert "Your API key was revoked" in text(done)
    assert "You have no API key." in text(done)
    assert api_client_with(key).get("/api/v1/items/").status_code == 401


def test_token_changes_are_post_only_and_know_their_actions(client_for, world):
    client = client_for(world.merchant_user)

    assert client.get(TOKENS, {"action": "create"}).status_code == 200
    assert not Token.objects.filter(user=world.merchant_user).exists()
    assert client.post(TOKENS, {"action": "steal"}).status_code == 400
    assert client.put(TOKENS).status_code == 405


@pytest.mark.parametrize("url", [ITEMS, NOTICES, CREATE, UPLOAD, TOKENS])
def test_pages_render_in_chinese_too(client, world, url):
    announce(world)
    client.force_login(world.merchant_user)

    response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200
    assert '<html lang="zh-hans">' in text(response)
