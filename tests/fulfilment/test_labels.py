"""Labels: a 4x6 in PDF whose barcodes decode, and ZPL that cannot be injected."""

import datetime as dt
import io
import re

import pypdfium2
import zxingcpp
from pypdf import PdfReader

from fulfilment.carriers import Address
from fulfilment.labels import LabelData, label_pdf, label_zpl, text_bitmap
from fulfilment.pdf import ManifestData, ManifestLine, manifest_pdf

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
