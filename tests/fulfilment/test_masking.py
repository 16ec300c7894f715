"""What each role sees of a buyer (README.md, "Buyer data"), and masks that
hide a share of the text whatever its length."""

import io
import json
import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pypdf import PdfReader

from fulfilment.masking import (
    mask_address,
    mask_name,
    mask_phone,
    recipient_on_label,
)
from fulfilment.models import Shipment
from tests.conftest import api_client
from tests.warehouse import factories as f

from .conftest import order_payload, run_jobs

# --- the masks, for any text -------------------------------------------------------

SHORT = st.text(max_size=8)
ANY = st.one_of(SHORT, st.text(max_size=400))


@given(ANY)
@example("天河路1号")
@example("x")
@example("")
def test_an_address_never_shows_more_than_a_third_and_hides_at_least_one(address):
    shown = mask_address(address)
    text = address.strip()
    if not text:
        assert shown == ""
        return
    assert shown.endswith("****")
    visible = shown[: -len("****")]
    assert text.startswith(visible)
    assert len(visible) <= len(text) // 3
    assert len(visible) <= 6
    assert len(visible) < len(text)
    assert shown != text


@given(ANY)
@example("王")
@example("李四")
@example("王小明")
def test_a_name_shows_its_first_character_at_most(name):
    shown = mask_name(name)
    text = name.strip()
    if not text:
        assert shown == ""
        return
    if len(text) == 1:
        assert shown == "*"  # its first character would be all of it
        return
    assert shown[0] == text[0]
    assert 1 <= len(shown) - 1 <= 4
    assert set(shown[1:]) == {"*"}


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isascii() and c.isdigit())


PHONES = st.one_of(
    ANY,
    st.from_regex(r"\A\+?[0-9 -]{0,20}\Z"),
    st.from_regex(r"\A(\+86 ?|0086-?)?1[3-9][0-9]{9}\Z"),
)


@given(PHONES)
@example("13800138000")
@example("+86 138 0013 8000")
@example("12345")
@example("1")
def test_a_phone_number_hides_at_least_four_digits_and_a_third(phone):
    shown = mask_phone(phone)
    if not phone.strip():
        assert shown == ""
        return
    assert "*" in shown
    national = shown.removeprefix("+86 ")
    digits = _digits(phone)
    if national != shown:  # +86 written before a Chinese number: not shown
        digits = digits[-11:]
    visible = _digits(national)
    assert len(visible) <= max(0, len(digits) - max(4, math.ceil(len(digits) / 3)))
    assert len(visible) <= 7
    head, _, tail = national.lstrip("+").partition("*")
    tail = tail.strip("*")
    assert digits.startswith(head) and digits.endswith(tail)


@pytest.mark.parametrize(
    ("phone", "shown"),
    [
        ("13800138000", "138****8000"),
        ("138 0013 8000", "138****8000"),
        ("+86 138-0013-8000", "+86 138****8000"),
        ("0086 13800138000", "+86 138****8000"),
        ("+44 20 7946 0958", "+442*****0958"),
        ("020-88881234", "020****1234"),
        ("88881234", "88****34"),
        ("12345", "****5"),
        ("1234", "****"),
        ("-", "****"),
    ],
)
def test_phone_masks_by_length_and_format(phone, shown):
    assert mask_phone(phone) == shown


@pytest.mark.parametrize(
    ("address", "shown"),
    [
        ("天河路1号", "天****"),
        ("天河", "****"),
        ("南山区科技园路 1 号 2 栋 301", "南山区科技园****"),
    ],
)
def test_address_masks_by_length(address, shown):
    assert mask_address(address) == shown


# --- who sees what -------------------------------------------------------------------

BUYER = {
    "name": "王小明",
    "phone": "13800138000",
    "email": "buyer@example.com",
    "province": "广东省",
    "city": "广州市",
    "address": "天河路1号",
    "postcode": "510000",
}
MASKED = {
    "name": "王**",
    "phone": "138****8000",
    "province": "广东省",
    "city": "广州市",
    "address": "天****",
}


@pytest.fixture
def order_id(world, qc):
    payload = order_payload(world, lines=[{"sku": "SERUM-30"}])
    payload["buyer"] = BUYER
    answer = api_client(world.platform).post("/api/v1/orders/", payload, format="json")
    assert answer.status_code == 201, answer.content
    return payload["order_id"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("platform", BUYER),
        ("admin", BUYER),
        ("supervisor", BUYER),
        ("merchant_user", MASKED),
        ("inspector", MASKED),
        ("station", MASKED),
    ],
)
def test_each_role_sees_the_buyer_as_the_table_says(world, order_id, who, sees):
    client = api_client(getattr(world, who))

    detail = client.get(f"/api/v1/orders/{order_id}/")
    listed = client.get("/api/v1/orders/")

    assert detail.status_code == 200, detail.content
    assert detail.json()["buyer"] == sees
    assert [o["buyer"] for o in listed.json()["results"]] == [sees]


def test_a_buyers_label_masks_name_and_phone_and_keeps_the_address():
    buyer = {
        "name": "王小明",
        "phone": "+86 138 0013 8000",
        "lines": "南山区科技园路 1 号 2 栋 301",
        "city": "深圳市",
        "province": "广东省",
        "postcode": "518000",
    }
    shipment = Shipment(kind=Shipment.Kind.ORDER, recipient=buyer)
    assert recipient_on_label(shipment) == {
        **buyer,
        "name": "王**",
        "phone": "+86 138****8000",
    }
    assert shipment.recipient == buyer  # the booking's copy stays whole


def test_a_return_label_shows_its_merchant_whole():
    merchant = {"name": "翠玉坊", "phone": "13900139000", "lines": "佛山市顺德区"}
    shipment = Shipment(kind=Shipment.Kind.RETURN, recipient=merchant)
    assert recipient_on_label(shipment) == merchant


@pytest.mark.django_db
def test_the_label_masks_the_buyer_but_not_the_address_nor_does_the_manifest(world, qc):
    from tests.fulfilment.test_dock_pages import client_for, operator_of, released

    shipment = released(world)
    label = api_client(world.station).get(
        f"/api/v1/shipments/{shipment.reference}/label.pdf"
    )
    text = PdfReader(io.BytesIO(b"".join(label.streaming_content))).pages[0]
    text = text.extract_text()
    assert "王**" in text and "138****8000" in text  # a privacy waybill
    assert "王小明" not in text and "13800138000" not in text
    assert "南山区科技园路" in text  # the carrier's sorting needs the whole address

    dock = f.StationFactory(code="GZ-DOCK-01", warehouse=world.gz, kind="dock")
    client = client_for(operator_of(world.gz, "operator"))
    client.post("/station/choose/", {"station": dock.pk})
    number = shipment.manifest.number
    page = client.get(f"/dock/manifests/{number}/").content.decode()
    assert "王**" in page and "王小明" not in page
    client.post(f"/dock/manifests/{number}/close/")
    pdf = client.get(f"/dock/manifests/{number}/manifest.pdf")
    pdf_text = "".join(
        p.extract_text()
        for p in PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages
    )
    assert "王**" in pdf_text and "王小明" not in pdf_text
    assert "13800138000" not in pdf_text


@pytest.mark.django_db
def test_the_public_verify_page_shows_nothing_of_the_buyer(world, qc):
    from tests.fulfilment.test_dock_pages import released

    shipment = released(world)
    item = shipment.contents.get().item
    run_jobs()
    token = item.certificates.get().token
    anonymous = api_client()
    page = anonymous.get(f"/verify/{token}").content.decode()
    data = json.dumps(anonymous.get(f"/verify/{token}.json").json(), ensure_ascii=False)

    for text in (page, data):
        for secret in ("王小明", "王*", "13800138000", "138****", "南山区", "518000"):
            assert secret not in text
        assert "buyer@example.com" not in text
