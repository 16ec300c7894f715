"""Labels: a 4x6 in PDF whose barcodes decode, and ZPL that cannot be injected;
the privacy waybill (the buyer masked, the carrier's virtual number) and the
station printer's font."""

import datetime as dt
import io
import re

import pypdfium2
import pytest
import zxingcpp
from django.core.exceptions import ValidationError
from pypdf import PdfReader

from fulfilment import carriers
from fulfilment.carriers import CARRIERS, Address, SandboxAdapter
from fulfilment.labels import LabelData, label_pdf, label_zpl, text_bitmap
from fulfilment.models import Shipment, StationPrinter
from fulfilment.pdf import ManifestData, ManifestLine, manifest_pdf
from tests.conftest import api_client

from .conftest import failed, run_jobs

VERIFY = "https://qc.example.com/verify/Zq3l0c9nW4r8mJ2kX7yB1vT6pQ5sD0aE"


def data(**change) -> LabelData:
    return LabelData(
        **{
            "carrier_code": "zto",
            "carrier_name": "ZTO 中通",
            "tracking_number": "751234567890",
            "sort_code": "731-12 深圳",
            "sender": Address(
                name="广州质检仓", phone="020-1234567", lines="黄埔区 1 号"
            ),
            "recipient": Address(
                name="王小明",
                phone="13800138000",
                lines="南山区科技园路 1 号 2 栋 301",
                city="深圳市",
                province="广东省",
                postcode="518000",
            ),
            "item_code": "Q1234567890X",
            "order_ref": "P-1001",
            "certificate_url": VERIFY,
            "created_at": dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC),
            "time_zone": "Asia/Shanghai",
            **change,
        }
    )


def test_the_pdf_is_one_4x6_page_with_the_parcels_text():
    pdf = PdfReader(io.BytesIO(label_pdf(data())))
    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert (float(box.width), float(box.height)) == (288.0, 432.0)
    text = pdf.pages[0].extract_text()
    for words in ("751234567890", "Q1234567890X", "王小明", "P-1001", "16:00"):
        assert words in text


def test_its_barcodes_and_qr_decode():
    page = pypdfium2.PdfDocument(label_pdf(data()))[0]
    found = [
        (r.format, r.text)
        for r in zxingcpp.read_barcodes(page.render(scale=4).to_pil())
    ]
    assert (zxingcpp.BarcodeFormat.Code128, "751234567890") in found
    assert (zxingcpp.BarcodeFormat.Code128, "Q1234567890X") in found
    assert (zxingcpp.BarcodeFormat.QRCode, VERIFY) in found


def test_same_data_same_bytes_and_a_return_says_so():
    assert label_pdf(data()) == label_pdf(data())
    back = label_pdf(data(kind="return", certificate_url=""))
    text = PdfReader(io.BytesIO(back)).pages[0].extract_text()
    assert "RETURN TO MERCHANT" in text
    assert "Scan to verify" not in text


def test_zpl_has_the_barcodes_and_escapes_user_text():
    zpl = label_zpl(
        data(recipient=Address(name="^XZ~JA evil", phone="1", lines="^FDx_y~"))
    )
    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
    assert "^BCN,180,Y,N,N^FH^FD751234567890^FS" in zpl
    assert f"^BQN,2,5^FH^FDMA,{VERIFY}^FS" in zpl
    assert zpl.count("^XZ") == 1 and "~JA" not in zpl
    assert "_5EXZ_7EJA evil" in zpl and "_5EFDx_5Fy_7E" in zpl


GRAPHIC = re.compile(r"\^GFA,(\d+),(\d+),(\d+),([0-9A-F]*)\^FS")


def test_zpl_draws_chinese_as_bitmaps_any_printer_prints():
    """No printer font is assumed: outside the ^GF bitmaps the label is ASCII,
    and each bitmap holds exactly rows x bytes-per-row bytes of dots."""
    zpl = label_zpl(data(kind="return"))
    fields = GRAPHIC.findall(zpl)
    assert len(fields) >= 8
    outside = GRAPHIC.sub("", zpl)
    assert all(" " <= char <= "~" for char in outside.replace("\n", ""))
    assert "^CW" not in zpl and "^A@" not in zpl
    for total, again, per_row, dots in fields:
        total, per_row = int(total), int(per_row)
        assert total == int(again) == len(dots) // 2
        assert total % per_row == 0
        assert total // per_row in range(15, 70)  # rows: the field's height
        assert set(dots) != {"0"}  # something is drawn


def test_zpl_has_what_the_pdf_has_the_senders_address_too():
    zpl = label_zpl(data())
    for text, height in (
        ("黄埔区 1 号", 20),  # the sender's address
        ("广州质检仓 020-1234567", 24),
        ("王小明 13800138000", 36),
        ("南山区科技园路 1 号 2 栋 301", 28),
        ("Item 物品 Q1234567890X", 26),
        ("Scan to verify 扫码验证", 22),
    ):
        per_row, rows, bits = text_bitmap(text, height)
        assert len(bits) == per_row * rows
        assert f",{per_row},{bits.hex().upper()}^FS" in zpl, text
    assert "2026-11-25 16:00" in zpl


def test_a_printer_with_a_cjk_font_is_sent_the_text_in_that_font():
    zpl = label_zpl(data(), printer_font="E:SIMSUN.FNT")
    assert "^GF" not in zpl
    assert zpl.splitlines()[1] == "^CI28"
    assert "^A@N,36,36,E:SIMSUN.FNT^FH^FD王小明 13800138000^FS" in zpl


def test_the_manifest_lists_every_parcel_over_pages():
    at = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    lines = tuple(
        ManifestLine(
            tracking_number=f"7500000000{n:02d}",
            reference=f"S{n:04d}",
            kind="order",
            recipient="王小明",
            city="深圳",
            items="Q1234567890X",
            released_at=at,
        )
        for n in range(60)
    )
    pdf = PdfReader(
        io.BytesIO(
            manifest_pdf(
                ManifestData(
                    number="M-GZ-ZTO-20261125-AB12",
                    warehouse="广州质检仓",
                    carrier="ZTO 中通",
                    opened_at=at,
                    closed_at=at,
                    closed_by="supervisor",
                    time_zone="Asia/Shanghai",
                    lines=lines,
                )
            )
        )
    )
    text = "".join(page.extract_text() for page in pdf.pages)
    assert len(pdf.pages) == 2
    assert all(line.tracking_number in text for line in lines)
    assert "Parcels 件数: 60" in text


# --- the privacy waybill (隐私面单) ---------------------------------------------

VIRTUAL = "17012345678-1234"


def pdf_text(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def bitmap_in(zpl: str, text: str, height: int) -> bool:
    """Whether ``zpl`` draws ``text`` ``height`` dots tall as a ^GF bitmap."""
    per_row, _rows, bits = text_bitmap(text, height)
    return f",{per_row},{bits.hex().upper()}^FS" in zpl


def test_the_virtual_number_is_printed_on_the_pdf_and_the_zpl():
    masked = Address(
        name="王**", phone="138****8000", lines="南山区科技园路 1 号", city="深圳市"
    )
    label = data(recipient=masked, virtual_number=VIRTUAL)
    text = pdf_text(label_pdf(label))
    assert "王**" in text and "138****8000" in text
    assert f"Virtual no. 虚拟号 {VIRTUAL}" in text
    assert "南山区科技园路 1 号" in text
    zpl = label_zpl(label)
    assert bitmap_in(zpl, "王** 138****8000", 36)
    assert bitmap_in(zpl, f"Virtual no. 虚拟号 {VIRTUAL}", 26)
    assert bitmap_in(zpl, "南山区科技园路 1 号", 28)
    font = label_zpl(label, printer_font="E:SIMSUN.FNT")
    assert f"^A@N,26,26,E:SIMSUN.FNT^FH^FDVirtual no. 虚拟号 {VIRTUAL}^FS" in font


def test_without_a_virtual_number_the_label_has_no_such_line():
    assert "Virtual no." not in pdf_text(label_pdf(data()))
    assert "Virtual" not in label_zpl(data(), printer_font="E:SIMSUN.FNT")


class Remembering(SandboxAdapter):
    """The sandbox, remembering what it was asked to book."""

    requests: list = []

    def book(self, request):
        Remembering.requests.append(request)
        return super().book(request)


@pytest.fixture
def bookings(settings):
    settings.FULFILMENT_CARRIER_ADAPTERS = {
        code: f"{__name__}.Remembering" for code in CARRIERS
    }
    Remembering.requests.clear()
    yield Remembering.requests
    carriers._adapter.cache_clear()


@pytest.mark.django_db
def test_a_buyers_label_is_a_privacy_waybill_and_the_booking_is_whole(
    world, qc, bookings
):
    from tests.fulfilment.test_dock_pages import packed

    shipment = packed(world)

    (booked,) = bookings
    assert booked.privacy is True
    assert (booked.recipient.name, booked.recipient.phone) == ("王小明", "13800138000")
    assert booked.recipient.lines == "南山区科技园路 1 号 2 栋 301"
    assert shipment.recipient["name"] == "王小明"  # the parcel keeps it whole
    assert re.fullmatch(r"170\d{8}-\d{4}", shipment.virtual_number)

    answer = api_client(world.station).get(
        f"/api/v1/shipments/{shipment.reference}/label.pdf"
    )
    text = pdf_text(b"".join(answer.streaming_content))
    assert "王**" in text and "138****8000" in text
    assert "王小明" not in text and "13800138000" not in text
    assert f"Virtual no. 虚拟号 {shipment.virtual_number}" in text
    assert "南山区科技园路 1 号 2 栋 301" in text  # the sorting reads it whole

    zpl = shipment.label_zpl  # its bitmaps cannot be read: compare them
    assert bitmap_in(zpl, "王** 138****8000", 36)
    assert not bitmap_in(zpl, "王小明 13800138000", 36)
    assert bitmap_in(zpl, f"Virtual no. 虚拟号 {shipment.virtual_number}", 26)
    assert bitmap_in(zpl, "南山区科技园路 1 号 2 栋 301", 28)


@pytest.mark.django_db
def test_a_return_label_shows_the_merchant_whole(world, qc, bookings):
    item = failed(world, qc)
    world.merchant.return_address = "佛山市顺德区 某路 8 号"
    world.merchant.contact_phone = "13900139000"
    world.merchant.save()
    back = api_client(world.merchant_user).post(
        f"/api/v1/items/{item.code}/return/", format="json"
    )
    assert back.status_code == 201, back.content
    run_jobs()
    shipment = Shipment.objects.get(reference=back.json()["reference"])

    (booked,) = bookings
    assert booked.privacy is False
    assert shipment.virtual_number == ""
    text = pdf_text(shipment.label_pdf.open("rb").read())
    assert world.merchant.name in text and "13900139000" in text
    assert "Virtual no." not in text
    whole = f"{world.merchant.name} 13900139000"
    assert f"^FD{whole}^FS" in shipment.label_zpl or bitmap_in(
        shipment.label_zpl, whole, 36
    )


# --- the printer's font, per station -------------------------------------------


@pytest.mark.django_db
def test_a_label_is_rendered_for_the_font_of_the_packing_stations_printer(world, qc):
    from tests.fulfilment.test_dock_pages import packed

    StationPrinter.objects.create(
        station=world.station.station, cjk_font="E:SIMSUN.FNT"
    )
    shipment = packed(world)

    zpl = shipment.label_zpl
    assert "^GF" not in zpl
    assert "^A@N,36,36,E:SIMSUN.FNT^FH^FD王** 138****8000^FS" in zpl
    assert "王小明" not in zpl and "13800138000" not in zpl
    assert "^FD南山区科技园路 1 号 2 栋 301^FS" in zpl


@pytest.mark.django_db
def test_a_station_without_a_printer_font_gets_bitmaps(world, qc):
    from tests.fulfilment.test_dock_pages import packed

    other = world.station_sih.station  # another station's font is not this one's
    StationPrinter.objects.create(station=other, cjk_font="E:SIMSUN.FNT")
    StationPrinter.objects.create(station=world.station.station, cjk_font="")
    zpl = packed(world).label_zpl
    assert "^A@" not in zpl and "SIMSUN" not in zpl
    assert bitmap_in(zpl, "王** 138****8000", 36)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "font",
    ["E:SIMSUN.FNT^XZ", "E:SIMSUN.FNT,x", "SIMSUN.FNT", "E:SIM~SUN.TTF", "E:.FNT"],
)
def test_a_printer_font_is_a_font_name_and_nothing_else(world, font):
    printer = StationPrinter(station=world.station.station, cjk_font=font)
    with pytest.raises(ValidationError):
        printer.full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize("font", ["E:SIMSUN.FNT", "e:anmdj.ttf", "R:MSUNG_24.TTE", ""])
def test_printer_font_names_as_zebra_writes_them_are_taken(world, font):
    StationPrinter(station=world.station.station, cjk_font=font).full_clean()


@pytest.mark.django_db
def test_a_reprint_at_another_station_suits_that_stations_printer(world, qc):
    """The label was rendered for the packing station's CJK font; fetched by a
    station whose printer has none (or by someone at no station) it comes
    as bitmaps, and a station with another font gets its own font."""
    from tests.fulfilment.test_dock_pages import packed
    from tests.warehouse import factories as f

    StationPrinter.objects.create(
        station=world.station.station, cjk_font="E:SIMSUN.FNT"
    )
    shipment = packed(world)
    gz = world.station.station.warehouse
    plain = f.StationFactory(code="GZ-DOCK-09", warehouse=gz)
    other_font = f.StationFactory(code="GZ-DOCK-10", warehouse=gz)
    StationPrinter.objects.create(station=other_font, cjk_font="E:MSUNG.TTF")
    url = f"/api/v1/shipments/{shipment.reference}/label.zpl"

    def zpl_for(user) -> str:
        answer = api_client(user).get(url)
        assert answer.status_code == 200, answer.content
        return answer.content.decode()

    assert zpl_for(world.station) == shipment.label_zpl
    for user in (plain.user, world.platform):
        zpl = zpl_for(user)
        assert "^A@" not in zpl and "SIMSUN" not in zpl
        assert bitmap_in(zpl, "王** 138****8000", 36)
    assert "^A@N,36,36,E:MSUNG.TTF^FH^FD王** 138****8000^FS" in zpl_for(other_font.user)
    shipment.refresh_from_db()
    assert "E:SIMSUN.FNT" in shipment.label_zpl  # nothing stored changed


# --- the return label: black on white, the merchant's address whole ------------

RETURN_TO = {
    "name": "翡翠之家 退货组",
    "phone": "0757-22334455",
    "province": "广东省",
    "city": "佛山市",
    "lines": "顺德区大良街道 某路 8 号",
    "postcode": "528300",
}


def fill_colours(pdf: bytes) -> set[tuple[float, ...]]:
    """Every RGB colour the page's content sets (``r g b rg`` / ``RG``)."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    stream = page.get_contents().get_data().decode("latin-1")
    number = r"(-?[\d.]+)"
    found = re.findall(rf"{number}\s+{number}\s+{number}\s+(?:rg|RG)\b", stream)
    return {tuple(round(float(v), 3) for v in rgb) for rgb in found}


def test_a_return_label_is_black_on_white():
    pdf = label_pdf(data(kind="return", certificate_url=""))  # a return has none
    colours = fill_colours(pdf)
    assert colours, "the label sets its colours"
    assert all(r == g == b for r, g, b in colours), colours  # greys only
    page = pypdfium2.PdfDocument(pdf)[0]
    bars = zxingcpp.read_barcodes(page.render(scale=4).to_pil())
    assert {b.text for b in bars} >= {"751234567890", "Q1234567890X"}


def test_a_name_without_a_phone_has_no_dangling_separator():
    alone = Address(name="Jade Home", phone="", lines="1 Tiyu West Rd")
    label = data(kind="return", recipient=alone)
    text = pdf_text(label_pdf(label))
    assert "Jade Home" in text
    assert not re.search(r"Jade Home\s*-", text)
    assert "^FDJade Home^FS" in label_zpl(label)


def policy_put(world, **body):
    return api_client(world.merchant_user).put(
        "/api/v1/merchant-policy/", body, format="json"
    )


@pytest.mark.django_db
def test_the_return_policy_takes_a_structured_address_and_checks_it(world):
    bad = policy_put(world, return_to={**RETURN_TO, "postcode": "52830"})
    assert bad.status_code == 400
    assert "postcode" in bad.json()["error"]["fields"]["return_to"]
    assert policy_put(world).json()["return_to"] is None
    good = policy_put(world, return_to=RETURN_TO)
    assert good.status_code == 200, good.content
    assert good.json()["return_to"] == RETURN_TO
    assert policy_put(world, return_to=None).json()["return_to"] is None


@pytest.mark.django_db
def test_a_return_label_prints_the_structured_address_whole(world, qc, bookings):
    assert policy_put(world, return_to=RETURN_TO).status_code == 200
    item = failed(world, qc)
    back = api_client(world.merchant_user).post(
        f"/api/v1/items/{item.code}/return/", format="json"
    )
    assert back.status_code == 201, back.content
    run_jobs()
    shipment = Shipment.objects.get(reference=back.json()["reference"])
    (booked,) = bookings
    assert booked.recipient.postcode == "528300"  # the carrier gets it whole
    assert shipment.sort_code.endswith(" 佛山市")  # the sort code names its city

    pdf = shipment.label_pdf.open("rb").read()
    text = pdf_text(pdf)
    assert "翡翠之家 退货组  0757-22334455" in text
    assert "广东省 佛山市 528300" in text
    assert "顺德区大良街道 某路 8 号" in text
    assert shipment.sort_code in text
    assert all(r == g == b for r, g, b in fill_colours(pdf))

    zpl = shipment.label_zpl
    assert "^FR" in zpl and "^GB812,60,60" in zpl  # the banner, reversed, black
    assert bitmap_in(zpl, "翡翠之家 退货组 0757-22334455", 36)
    assert bitmap_in(zpl, "广东省 佛山市 528300", 28)
    assert bitmap_in(zpl, "顺德区大良街道 某路 8 号", 28)
    assert bitmap_in(zpl, shipment.sort_code, 50)


@pytest.mark.django_db
def test_a_return_without_a_phone_is_refused_before_anything_moves(world, qc):
    item = failed(world, qc)
    world.merchant.return_address = "佛山市顺德区 某路 8 号"
    world.merchant.contact_phone = ""
    world.merchant.save()
    back = api_client(world.merchant_user).post(
        f"/api/v1/items/{item.code}/return/", format="json"
    )
    assert back.status_code == 409
    assert back.json()["error"]["code"] == "no_return_address"
    item.refresh_from_db()
    assert item.state == "failed"
    assert not Shipment.objects.exists()
