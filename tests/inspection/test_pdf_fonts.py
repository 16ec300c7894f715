"""Every PDF the product makes embeds its fonts; the certificate states facts
and prints every line in Chinese and English; certificates issued before it
stated facts still verify and still render."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from fulfilment.carriers import Address
from fulfilment.labels import label_pdf
from fulfilment.pdf import ManifestData, ManifestLine, manifest_pdf
from inspection import fonts, services
from inspection.labels import ItemLabelData, item_label_pdf
from inspection.models import Certificate, CertificateFile
from inspection.services.certificates import (
    canonical,
    certificate_checks,
    certificate_document,
    content_sign,
)
from inspection.services.certificates.content import CONTENT_FORMAT
from tests.fulfilment.test_labels import data as label_data

from .test_certificates import certified_item, pdf_bytes

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "https://qc.example.com"


def resource_dictionaries(data: bytes):
    """The resources of every page and of every form drawn on it."""
    for page in PdfReader(io.BytesIO(data)).pages:
        pending = [page["/Resources"].get_object()]
        while pending:
            resources = pending.pop()
            yield resources
            xobjects = resources.get("/XObject")
            for ref in xobjects.get_object().values() if xobjects else ():
                thing = ref.get_object()
                if thing.get("/Subtype") == "/Form" and "/Resources" in thing:
                    pending.append(thing["/Resources"].get_object())


def font_dictionaries(data: bytes) -> list[dict]:
    """Every font of every page and form: its name, base font, and embedded
    program (a composite font's descendants too)."""
    found = []
    for resources in resource_dictionaries(data):
        for name, ref in resources.get("/Font", {}).get_object().items():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts") or []
            for one in (font, *(d.get_object() for d in descendants)):
                descriptor = one.get("/FontDescriptor")
                program = None
                if descriptor is not None:
                    descriptor = descriptor.get_object()
                    program = next(
                        (k for k in ("/FontFile", "/FontFile2", "/FontFile3")
                         if k in descriptor),
                        None,
                    )  # fmt: skip
                found.append(
                    {"name": name, "base": str(one["/BaseFont"]), "program": program}
                )
    return found


def assert_every_font_embedded(data: bytes) -> None:
    found = font_dictionaries(data)
    assert found
    for font in found:
        assert "STSong" not in font["base"], font
        assert font["program"] in ("/FontFile2", "/FontFile3"), font
        # A subset: "ABCDEF+Name".
        assert font["base"][7:8] == "+", font


def label(**changes) -> bytes:
    return label_pdf(label_data(**changes))


def privacy_waybill() -> bytes:
    """A waybill whose recipient is masked, with the carrier's virtual number."""
    return label(
        recipient=Address(name="王*", phone="138****8000", lines="南山区科技园路 1 号"),
        virtual_number="95013-1234",
    )


def return_label() -> bytes:
    return label(kind="return", certificate_url="")


def manifest(lines: int = 1) -> bytes:
    line = ManifestLine("751234567890", "S0001", "order", "王小明", "深圳", "Q1", AT)
    return manifest_pdf(
        ManifestData(
            number="M-GZ-ZTO-20261125-AB12",
            warehouse="广州质检仓",
            carrier="ZTO 中通",
            opened_at=AT,
            closed_at=AT,
            closed_by="supervisor",
            time_zone="Asia/Shanghai",
            lines=(line,) * lines,
        )
    )


def long_manifest() -> bytes:
    """A manifest of several pages: each page's fonts count."""
    data = manifest(lines=120)
    assert len(PdfReader(io.BytesIO(data)).pages) > 1
    return data


def item_label() -> bytes:
    return item_label_pdf(
        ItemLabelData(
            code="Q1234567890X",
            title="和田玉手镯 Nephrite bangle",
            merchant="翡翠之家",
            category="珠宝玉石",
            warehouse="GZ",
        )
    )


@pytest.mark.parametrize(
    "render",
    [label, privacy_waybill, return_label, manifest, long_manifest, item_label],
)
def test_labels_and_manifests_embed_every_font_they_use(render):
    data = render()
    assert_every_font_embedded(data)
    for page in PdfReader(io.BytesIO(data)).pages:
        assert any("\u4e00" <= char <= "\u9fff" for char in page.extract_text())


def test_the_certificate_embeds_every_font_it_uses(world, qc):
    _item, certificate = certified_item(world)
    assert_every_font_embedded(pdf_bytes(certificate))


def test_the_font_is_the_one_installed_with_the_project():
    import hashlib

    digest = hashlib.sha256(fonts.cjk_font_path().read_bytes()).hexdigest()
    assert digest == fonts.CJK_SHA256
    assert fonts.raster_font(24).getbbox("质检")[2] > 0


# --- facts in both languages ----------------------------------------------------------


def test_the_signed_content_states_facts_not_sentences(world, qc):
    _item, certificate = certified_item(world)
    content = certificate.content
    assert content["format"] == CONTENT_FORMAT
    weight = next(c for c in content["checks"] if c["kind"] == "weight")
    assert weight["claimed"] == 52310  # mg, as claimed
    assert weight["observed"] == {"weight_mg": 52350}
    assert weight["code"] == "weight_within_tolerance"
    assert weight["params"]["deviation_mg"] == 40
    assert weight["rule"]["kind"] == "weight"
    assert services.signature_valid(certificate)


def test_every_line_of_the_certificate_is_in_chinese_and_english(world, qc):
    _item, certificate = certified_item(world)
    text = PdfReader(io.BytesIO(pdf_bytes(certificate))).pages[0].extract_text()
    for words in (
        "质检鉴定证书",
        "CERTIFICATE OF INSPECTION",
        "材质与申报相同",  # the material rule, in Chinese
        "same material as claimed",  # and in English
        "证书编号 Certificate No.",
        "合格",
        "PASS",
        "52.350 g",
    ):
        assert words in text, words


def test_the_verify_page_renders_the_facts_in_its_readers_language(client, world, qc):
    _item, certificate = certified_item(world)
    url = f"/verify/{certificate.token}.json"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()["checks"]
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["checks"]
    material = next(c for c in english if c["check"] == "material")
    assert material["rule"].startswith("same material as claimed")
    assert next(c for c in chinese if c["check"] == "material")["rule"].startswith(
        "材质与申报相同"
    )
    assert set(material) == {
        "check",
        "label",
        "label_zh",
        "claimed",
        "observed",
        "rule",
        "verdict",
    }


# --- certificates issued before -------------------------------------------------------

OLD_CHECKS = [
    {
        "check": "weight",
        "label": "Weight",
        "label_zh": "克重",
        "claimed": "52.310 g",
        "observed": "52.350 g",
        "rule": "在 ±50 mg 以内",  # the issuer read Chinese
        "verdict": "pass",
    }
]


def old_certificate(world) -> Certificate:
    """A certificate as issued before content stated facts: texts, no format."""
    _item, certificate = certified_item(world)
    content = {
        key: value for key, value in certificate.content.items() if key != "format"
    }
    content["checks"] = OLD_CHECKS
    key_id, signature = content_sign(content)
    Certificate.objects.filter(pk=certificate.pk).update(
        content=content, signature=signature, key_id=key_id
    )
    certificate.refresh_from_db()
    return certificate


def test_an_old_certificate_still_verifies_and_renders_as_written(client, world, qc):
    certificate = old_certificate(world)
    assert b'"format"' not in canonical(certificate.content)
    assert services.signature_valid(certificate)

    services.certificate_rerender(certificate=certificate)
    certificate.refresh_from_db()
    data = pdf_bytes(certificate)
    assert CertificateFile.objects.filter(sha256=certificate.sha256).exists()
    assert services.certificate_verify_pdf(data) == certificate
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "在 ±50 mg 以内" in text
    assert_every_font_embedded(data)

    body = client.get(f"/verify/{certificate.token}.json").json()
    assert body["checks"] == OLD_CHECKS
    assert certificate_checks(certificate.content) == OLD_CHECKS
    assert certificate_document(certificate).checks[0].rule == "在 ±50 mg 以内"
