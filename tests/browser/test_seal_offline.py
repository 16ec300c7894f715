"""The QR seal checked in Chromium: the verify page checks the seal after
``#`` in the browser before it asks the server, and says which it saw; with
the network blocked after load a genuine seal is "signature valid; server
unreachable" and a forged one "not genuine". The standalone verifier, opened
from disk with no network, checks the same way."""

import datetime as dt

import base45
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from inspection import selectors
from inspection.trust.seal import seal_encode, seal_url
from tests.fulfilment.conftest import certified
from tests.inspection.trust.conftest import _trust_keys, trust_dir  # noqa: F401

pytestmark = pytest.mark.usefixtures("qc", "trust_dir")

STATE = "[data-testid=seal-check]"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def forged(seal: str) -> str:
    """The seal with one byte of its signed content changed."""
    import zlib

    raw = bytearray(zlib.decompress(base45.b45decode(seal[4:])))
    raw[40] ^= 0x01
    return "QC1:" + base45.b45encode(zlib.compress(bytes(raw))).decode()


def state_after_check(page) -> str:
    page.wait_for_function(
        "(s) => { const el = document.querySelector(s);"
        " return el && el.dataset.state && el.dataset.state !== 'checking'; }",
        arg=STATE,
    )
    return page.locator(STATE).get_attribute("data-state")


def test_the_verify_page_checks_the_seal_then_the_server(world, screen):
    certificate = selectors.certificate_current_for_item(certified(world))
    one = screen("en")
    path = reverse("verify-page", kwargs={"token": certificate.token})
    url = one.base_url + path

    one.page.goto(seal_url(url, seal_encode(certificate)))
    assert state_after_check(one.page) == "valid-confirmed"
    status = one.page.get_by_test_id("seal-status")
    assert status.inner_text() == "signature valid; server confirms: valid"
    assert certificate.number in one.page.locator(STATE).inner_text()
    one.shot("confirmed")

    # The network goes away; another genuine seal is opened in the same page.
    one.context.set_offline(True)
    later = seal_encode(certificate, at=timezone.now() - dt.timedelta(seconds=5))
    one.page.evaluate("(h) => { location.hash = h; }", seal_url("", later))
    one.page.wait_for_function(
        "(s) => document.querySelector(s).dataset.state === 'valid-unreachable'",
        arg=STATE,
    )
    assert status.inner_text() == "signature valid; server unreachable"
    one.shot("unreachable")

    one.page.evaluate("(h) => { location.hash = h; }", seal_url("", forged(later)))
    one.page.wait_for_function(
        "(s) => document.querySelector(s).dataset.state === 'not-genuine'", arg=STATE
    )
    assert status.inner_text() == "not genuine"
    one.shot("forged")


def test_network_blocked_from_the_start_and_chinese(world, screen):
    certificate = selectors.certificate_current_for_item(certified(world))
    one = screen("zh-hans")
    path = reverse("verify-page", kwargs={"token": certificate.token})
    one.page.route("**/*.json", lambda route: route.abort())
    one.page.goto(seal_url(one.base_url + path, seal_encode(certificate)))
    assert state_after_check(one.page) == "valid-unreachable"
    assert one.page.get_by_test_id("seal-status").inner_text() == (
        "签名有效；无法连接服务器"  # noqa: RUF001
    )
    one.page.goto(seal_url(one.base_url + path, forged(seal_encode(certificate))))
    assert state_after_check(one.page) == "not-genuine"
    assert one.page.get_by_test_id("seal-status").inner_text() == "非真实证书"


def test_a_seal_of_another_certificate_is_not_genuine_here(world, screen):
    first = selectors.certificate_current_for_item(certified(world))
    second = selectors.certificate_current_for_item(certified(world))
    one = screen("en")
    path = reverse("verify-page", kwargs={"token": first.token})
    one.page.goto(one.base_url + path + "#h-checks")  # an anchor is no seal
    assert one.page.locator(STATE).is_hidden()
    one.page.goto(seal_url(one.base_url + path, seal_encode(second)))
    assert state_after_check(one.page) == "not-genuine"
    assert one.page.get_by_test_id("seal-status").inner_text() == "not genuine"
    # The language switch keeps the seal: the page is checked again in Chinese.
    one.page.get_by_role("button", name="中文").click()
    one.page.wait_for_load_state()
    assert "#QC1:" in one.page.url
    assert state_after_check(one.page) == "not-genuine"
    assert one.page.get_by_test_id("seal-status").inner_text() == "非真实证书"


def test_the_standalone_verifier_works_from_disk_offline(world, screen, tmp_path):
    certificate = selectors.certificate_current_for_item(certified(world))
    out = tmp_path / "qcw-verifier.html"
    call_command("seal_verifier_export", out=str(out))
    html = out.read_text()
    assert "<script src" not in html and "http" not in html.split("<script>")[1]

    genuine = seal_encode(certificate)
    one = screen("en")
    one.context.set_offline(True)
    one.page.goto(out.as_uri())
    one.page.get_by_test_id("seal-input").fill(
        seal_url("https://qc.example.com/verify/" + certificate.token, genuine)
    )
    one.page.get_by_test_id("seal-go").click()
    assert state_after_check(one.page) == "valid-offline"
    assert certificate.number in one.page.locator(STATE).inner_text()
    one.shot("standalone-genuine")

    one.page.get_by_test_id("seal-input").fill(forged(genuine))
    one.page.get_by_test_id("seal-go").click()
    one.page.wait_for_function(
        "(s) => document.querySelector(s).dataset.state === 'not-genuine'", arg=STATE
    )
    assert one.page.get_by_test_id("seal-status").inner_text() == "not genuine"
    one.shot("standalone-forged")
