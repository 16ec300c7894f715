"""The QR mask pattern is chosen as zxing-cpp (zint) chooses it, the
standard's penalty rules, from one symbol encoded with mask 0; and the
certificate's QR code is, module for module, the one zxing-cpp encodes."""

import random
import string

import pytest
import zxingcpp
from PIL import Image
from pypdf.generic import ContentStream

from bench.certificates import sample_certificate, sealed
from inspection.pdf import certificate_pdf
from inspection.pdf.qrmask import mask_applied, mask_best, symbol_bits

from .test_pdf_forms import page_of

QR = zxingcpp.BarcodeFormat.QRCode
# What a link, a seal (Base45) and other text are made of.
ALPHABET = string.ascii_letters + string.digits + "-_:/#.$%*+ "


def modules(text: str, mask: int | None = None) -> tuple[bytes, int]:
    """zxing-cpp's QR code of ``text`` (level M; its own mask, or ``mask``):
    a byte a module, 0 dark, and its side."""
    options = {} if mask is None else {"data_mask": mask}
    symbol = zxingcpp.create_barcode(text, QR, ec_level="M", **options)
    image = memoryview(symbol.to_image(scale=1, add_quiet_zones=False))
    return image.tobytes(), image.shape[0]


def texts(count: int, seed: int, longest: int = 420) -> list[str]:
    draw = random.Random(seed)
    return [
        "".join(draw.choices(ALPHABET, k=draw.randint(1, longest)))
        for _ in range(count)
    ]


@pytest.mark.parametrize("length", [1, 20, 60, 110, 160, 230, 300, 353, 420])
def test_each_candidate_is_the_symbol_zxing_encodes_with_that_mask(length):
    """Versions 1 to 14 (with and without version information): the data
    modules, the format information and everything a mask leaves alone."""
    text = "".join(random.Random(length).choices(ALPHABET, k=length))
    first, n = modules(text, mask=0)
    for mask in range(8):
        encoded, side = modules(text, mask=mask)
        assert side == n
        assert mask_applied(first, n, mask) == symbol_bits(encoded, n), mask


def test_the_mask_chosen_is_the_one_zxing_chooses():
    """Two hundred texts of every length up to version 14: the same mask as
    zint's own search (the lowest penalty, the lowest pattern of a tie)."""
    chosen = set()
    for text in texts(200, seed=22):
        own, n = modules(text)
        first, _ = modules(text, mask=0)
        best = mask_best(first, n)
        assert modules(text, mask=best)[0] == own, text
        chosen.add(best)
    assert len(chosen) == 8  # every pattern wins somewhere


def test_a_symbol_with_large_light_areas_is_masked_as_zxing_masks_it():
    """Repetitive text (long runs, blocks and finder-like patterns before
    masking) is where the penalties differ most."""
    for text in ("0" * 90, "A" * 200, "HTTPS://QC.EXAMPLE.COM/" + "00" * 80):
        own, n = modules(text)
        first, _ = modules(text, mask=0)
        assert modules(text, mask=mask_best(first, n))[0] == own


def test_the_certificate_qr_code_is_the_one_zxing_encodes():
    """The page's image mask holds, bit for bit, zxing-cpp's own symbol of
    the sealed link (its mask included)."""
    data = sealed(sample_certificate(7))
    page = page_of(certificate_pdf(data))
    operations = ContentStream(page.get_contents(), page.pdf).operations
    [image] = [
        operands for operands, operator in operations if operator == b"INLINE IMAGE"
    ]
    own, n = modules(data.qr_url)
    packed = Image.frombytes("L", (n, n), own).convert("1").tobytes()
    assert bytes.fromhex(image["data"].decode().rstrip(">")) == packed
