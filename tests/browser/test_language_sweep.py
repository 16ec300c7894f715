"""Every page of every role, in English and in Chinese, at desktop and phone sizes.

The demo world (``warehouse.demo.demo_seed``) is taken through the flow by
the services and the API so that every page has something to show: a
certified item ordered, packed and released (its shipment on a manifest, its
certificate to verify), one packed whose label waits at the dock, one held,
one failed, one failed awaiting sign-off, one failed and going back to its
merchant (a return parcel), one certified for an order the platform
cancelled (held for the merchant's decision), one under inspection, a lot
under sample inspection, accepted and refused scans at the receiving
station; and the demo's buyers' returns (``fulfilment.demo_returns``): one
announced, one received and waiting for its comparison, one matched (its
certificate's page says so), one awaiting a second inspector, one disputed.
Then each role signs in (the inspector reaches Chinese by the header's
switch, everyone else by the browser's language) and opens each of its
pages, a refused announcement and a refused scan among them (the list is
checked against the URLconfs and the role's navigation); at each size the
page's own JavaScript reads every text node and every attribute a person
reads (title, placeholder, aria-label, alt, button values, options), and:

- on an English page, no Han character may show;
- on a Chinese page, no vocabulary code, no state code shown as a word, and
  no English phrase (two or more words of ASCII letters in a row);

outside what is data, not the product's words; and every page must answer
as expected (200, or the 403/404 page meant) and fit the screen's width.
Data is marked in the templates, never listed here:

- text a person typed: ``data-typed`` (the ``typed`` filter, the timeline's
  ``event_reason``), with ``lang`` when its language is known;
- any element whose ``lang`` differs from the page's (the language switch's
  "中文" / "English", a name given in its own language);
- codes people must read as they are (item codes, SKUs, serials, barcodes,
  tracking, certificate, order and manifest numbers, station codes, column
  names): the class ``mono``, the one the templates set codes in (monospace),
  or ``translate="no"``, HTML's own mark for "not to be translated" (a data
  ``<option>``, which can hold no element, carries it with ``data-typed``).

Screenshots of every page, both languages and both sizes, go to
``$SCREENSHOT_DIR/sweep/``. A failure lists every offending text of every
page of the role and language: page, role, language, size, texts.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import connection
from django.urls import Resolver404, URLResolver, get_resolver, resolve
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from fulfilment.models import Manifest, Order, Shipment
from inspection.models import Certificate, Inspection, ReturnInspection
from inspection.services import inspection_open, inspection_sign_off, inspection_submit
from tests.browser.conftest import SCREENSHOTS
from tests.conftest import api_client
from tests.fulfilment.conftest import run_jobs
from warehouse import vocabularies
from warehouse.common.access import Role, principal_of
from warehouse.common.context_processors import navigation_for
from warehouse.demo import demo_seed
from warehouse.models import InboundNotice, Item, ItemState, ReturnNotice, Station
from warehouse.services import inbound_notice_create

PASSWORD = "pw-for-the-sweep-1"
SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
# The browser's language, as a reader's browser sends it.
LOCALES = {"en": "en-US", "zh-hans": "zh-CN"}
SHOTS = SCREENSHOTS / "sweep"

# English words a Chinese page may show, each for its reason. Kept short.
ALLOWED_ENGLISH = {
    # The interface's name, written so in Chinese technical writing too.
    "REST API",
}

# --- what the browser reads -------------------------------------------------------

READ_PAGE = r"""
({pageLang, mode, codes, allowed}) => {
  const norm = (l) => (l || '').toLowerCase().replace('_', '-');
  const page = norm(pageLang);
  const isData = (el) => {
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
      if (e.hasAttribute('data-typed')) return true;
      if (e.getAttribute('translate') === 'no') return true;
      if (e.classList && e.classList.contains('mono')) return true;
      if (e.hasAttribute('lang') && norm(e.getAttribute('lang')) !== page) return true;
    }
    return false;
  };
  const skip = (el) => {
    for (let e = el; e; e = e.parentElement) {
      if (['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEXTAREA'].includes(e.tagName)) return true;
    }
    return false;
  };
  const han = /\p{Script=Han}/u;
  const english = /[A-Za-z]+(?:[ \u00a0]+[A-Za-z]+)+/g;
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const edge = '[A-Za-z0-9_\\-]';
  const codeRe = codes.length
    ? new RegExp(`(?<!${edge})(?:${codes.map(escape).join('|')})(?!${edge})`, 'g')
    : null;
  const found = [];
  const judge = (text, where) => {
    const t = text.replace(/\s+/g, ' ').trim();
    if (!t) return;
    if (mode === 'en') {
      if (han.test(t)) found.push(`${where}: ${t}`);
      return;
    }
    const bad = new Set();
    if (codeRe) for (const m of t.matchAll(codeRe)) bad.add(`code "${m[0]}"`);
    for (const m of t.matchAll(english)) {
      if (!allowed.includes(m[0])) bad.add(`English "${m[0]}"`);
    }
    if (bad.size) found.push(`${where}: ${t} [${[...bad].join(', ')}]`);
  };
  judge(document.title, 'title');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (skip(el) || isData(el)) continue;
    judge(n.data, el.tagName.toLowerCase());
  }
  const attrs = ['placeholder', 'title', 'aria-label', 'alt'];
  for (const el of document.body.querySelectorAll('*')) {
    if (skip(el) || isData(el)) continue;
    for (const a of attrs) {
      const where = `${el.tagName.toLowerCase()}@${a}`;
      if (el.hasAttribute(a)) judge(el.getAttribute(a), where);
    }
    const buttonish =
      el.tagName === 'INPUT' && ['submit', 'button', 'reset'].includes(el.type);
    if (buttonish && el.value) judge(el.value, 'input@value');
  }
  return found;
}
"""


# A page must fit the screen's width (a wide table scrolls in its own box).
SETTLED = """
() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))
"""

WIDER_THAN_SCREEN = """
() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width + 1) return '';
  const over = [...document.body.querySelectorAll('*')]
    .filter((el) => el.getBoundingClientRect().right > width + 1)
    .filter((el) => !el.parentElement.closest('.table-wrap'))
    .slice(0, 3)
    .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
  return `${document.documentElement.scrollWidth}px > ${width}px (${over.join(', ')})`;
}
"""


def vocabulary_codes() -> set[str]:
    """Every code of every vocabulary of ``warehouse.vocabularies``."""
    codes = set()
    for value in vars(vocabularies).values():
        if isinstance(value, vocabularies.Vocabulary):
            codes.update(value.codes())
    return codes


def state_codes() -> set[str]:
    """Every stored choice of the three apps' models (item, order, shipment,
    manifest, inspection, certificate, scan states, verdicts, kinds), but the
    language codes (a language's code is its name's ``lang``)."""
    codes = set()
    for label in ("warehouse", "inspection", "fulfilment"):
        for model in apps.get_app_config(label).get_models():
            for f in model._meta.get_fields():
                for value, _ in getattr(f, "flatchoices", None) or ():
                    if isinstance(value, str) and len(value) > 2:
                        codes.add(value)
    return codes | set(ItemState.values)


# --- the world the pages show -----------------------------------------------------


@dataclass
class World:
    items: dict = field(default_factory=dict)
    inspection_id: int = 0
    signoff_id: int = 0
    lot_inspection_id: int = 0
    notice_id: int = 0
    manifest: str = ""
    verify_token: str = ""
    reset_path: str = ""
    # The demo's buyers' returns (fulfilment.demo_returns), by how far each went.
    returns: dict = field(default_factory=dict)


def _ok(answer, *codes):
    assert answer.status_code in (codes or (200, 201)), answer.content
    return answer.json() if answer.content else None


def _scan_api(station, code: str, action: str):
    return api_client(station).post(
        "/api/v1/scans/", {"barcode": code, "action": action}, format="json"
    )


def _inspect(user, code: str, observed: dict, *, second=None) -> None:
    done = inspection_submit(principal=principal_of(user), code=code, observed=observed)
    if second and done[0].status == Inspection.Status.AWAITING_SIGNOFF:
        inspection_sign_off(principal=principal_of(second), inspection_id=done[0].pk)
    run_jobs()


JADE_OK = {"material": "和田玉", "weight_g": "52.31", "appearance": True}


def world_build() -> World:
    demo_seed()
    users = get_user_model().objects
    for user in users.all():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    admin = users.get(username="admin")
    inspector, inspector2 = (users.get(username=u) for u in ("inspector", "inspector2"))
    receiving = Station.objects.get(code="GZ-RCV-01").user
    dock = Station.objects.get(code="GZ-DOCK-01").user
    platform = users.get(username="platform")

    jade_notice = InboundNotice.objects.get(reference="DEMO-JADE-001")
    inbound_notice_create(
        merchant=jade_notice.merchant,
        warehouse_code="GZ",
        reference="DEMO-JADE-002",
        carrier="yto",
        tracking_number="YT0000000000001",
        actor=admin,
        items=[
            {
                "sku": f"JADE-PENDANT-{n}",
                "title": f"和田玉吊坠 Hetian nephrite pendant {n}",
                "category": "jewellery-jade",
                "serial": f"HT-2026-01{n}",
                "order_ref": f"LS-90010{n}",
                "claim": {
                    "material": "nephrite jade",
                    "weight_g": "52.31",
                    "declared_value": "880.00",
                    "packaging": "gift box",
                },
            }
            for n in range(1, 7)
        ],
    )
    items = {
        i.sku: i
        for i in Item.objects.filter(
            notice__reference__in=["DEMO-JADE-001", "DEMO-JADE-002"]
        )
    }
    for item in items.values():
        _ok(_scan_api(receiving, item.code, "receive"))
    _scan_api(receiving, items["JADE-BANGLE-56"].code, "receive")  # refused: logged

    # Certified (signed off above the template's value), then ordered,
    # packed and released: a shipment on a manifest, a certificate to verify.
    bangle = items["JADE-BANGLE-56"]
    _inspect(inspector, bangle.code, JADE_OK, second=inspector2)
    # Two pendants certified: one released with the bangle, one packed only.
    for sku in ("JADE-PENDANT-1", "JADE-PENDANT-2"):
        _inspect(inspector, items[sku].code, JADE_OK)
    # Held: the packaging is damaged (the template holds on it).
    _inspect(
        inspector, items["JADE-PENDANT-3"].code, {**JADE_OK, "packaging": "damaged"}
    )
    # Failed, then sent back at the merchant's request: a return parcel.
    pendant = items["JADE-PENDANT-4"]
    _inspect(
        inspector, pendant.code, {**JADE_OK, "appearance": False}, second=inspector2
    )
    merchant = users.get(username="merchant")
    returns_desk = {
        "name": "翡翠之家 退货组",
        "phone": "020-38881234",
        "province": "广东省",
        "city": "广州市",
        "lines": "天河区体育西路 1 号",
        "postcode": "510620",
    }
    policy = {"return_to": returns_desk}
    _ok(api_client(merchant).put("/api/v1/merchant-policy/", policy, format="json"))
    _ok(api_client(merchant).post(f"/api/v1/items/{pendant.code}/return/"))
    # Certified for an order the platform cancels: held for the merchant.
    _inspect(inspector, items["JADE-PENDANT-5"].code, JADE_OK)
    # Failed: the gold ring has a crack; a second inspector signs it off.
    ring = items["GOLD-RING-18K"]
    cracked = {"material": "18K金", "weight_g": "3.25", "appearance": False}
    _inspect(inspector, ring.code, cracked, second=inspector2)
    # Failed, awaiting a second inspector's sign-off.
    awaiting = items["JADE-PENDANT-6"]
    _inspect(inspector, awaiting.code, {**JADE_OK, "appearance": False})
    # A lot under inspection by sample, at Sihui.
    serum = Item.objects.get(sku="SERUM-30ML")
    _ok(_scan_api(Station.objects.get(code="SIH-RCV-01").user, serum.code, "receive"))
    lot = inspection_open(principal=principal_of(inspector), code=serum.code)
    # Under inspection: the phone's inspection is open.
    phone = items["IP13-128-BLU"]
    opened = inspection_open(principal=principal_of(inspector), code=phone.code)
    run_jobs()

    from tests.fulfilment.conftest import label_scan, order_payload, tracking_of

    class _W:  # what order_payload reads
        merchant = jade_notice.merchant

    for sku in ("JADE-BANGLE-56", "JADE-PENDANT-1", "JADE-PENDANT-2"):
        payload = order_payload(_W, lines=[{"item_code": items[sku].code}])
        _ok(api_client(platform).post("/api/v1/orders/", payload, format="json"))
        run_jobs()
        order = Order.objects.get(external_id=payload["order_id"])
        # Jade leaves under an anti-swap seal (防调包扣) of its own number.
        seal = {"seal": f"S{80000000 + order.pk:08d}"}
        _ok(
            api_client(dock).post(
                f"/api/v1/orders/{order.external_id}/pack/", seal, format="json"
            )
        )
        run_jobs()
        if sku != "JADE-PENDANT-2":
            _ok(label_scan(dock, tracking_of(items[sku])))
    payload = order_payload(_W, lines=[{"item_code": items["JADE-PENDANT-5"].code}])
    _ok(api_client(platform).post("/api/v1/orders/", payload, format="json"))
    run_jobs()
    cancel = f"/api/v1/orders/{payload['order_id']}/cancel/"
    _ok(api_client(platform).post(cancel, {"reason": "买家取消"}, format="json"))
    run_jobs()

    world = World()
    world.items = {sku: Item.objects.get(pk=item.pk) for sku, item in items.items()}
    world.items["SERUM-30ML"] = Item.objects.get(sku="SERUM-30ML")
    world.inspection_id = opened.pk
    world.lot_inspection_id = lot.pk
    world.signoff_id = Inspection.objects.get(item=awaiting).pk
    world.notice_id = jade_notice.pk
    world.manifest = Manifest.objects.latest("pk").number
    certificate = Certificate.objects.get(item=bangle, status="valid")
    world.verify_token = certificate.token
    merchant = users.get(username="merchant")
    uid = urlsafe_base64_encode(force_bytes(merchant.pk))
    world.reset_path = (
        f"/accounts/reset/{uid}/{default_token_generator.make_token(merchant)}/"
    )
    world.returns = _buyer_returns()
    states = {sku: i.state for sku, i in world.items.items()}
    assert states["JADE-BANGLE-56"] == ItemState.RELEASED, states
    assert states["JADE-PENDANT-2"] == ItemState.PACKED, states
    assert states["JADE-PENDANT-3"] == ItemState.HELD, states
    assert states["GOLD-RING-18K"] == ItemState.FAILED, states
    assert states["JADE-PENDANT-4"] == ItemState.RETURNING, states
    assert states["JADE-PENDANT-5"] == ItemState.CERTIFIED, states
    assert states["IP13-128-BLU"] == ItemState.INSPECTING, states
    assert Shipment.objects.filter(printed_at__isnull=True).exists()
    return world


def _buyer_returns() -> dict:
    """What the pages of the demo's buyers' returns are opened with."""
    from fulfilment.demo_returns import RETURN_PREFIX

    notices = {
        n: ReturnNotice.objects.get(return_id=f"{RETURN_PREFIX}{n:04d}")
        for n in range(1, 6)
    }
    items = {n: notice.lines.get().item for n, notice in notices.items()}
    inspections = {
        n: ReturnInspection.objects.filter(item=items[n]).latest("number")
        for n in (3, 4, 5)
    }
    found = {
        "expected": items[1].code,
        "received": items[2].code,
        "matched_notice": notices[3].pk,
        "matched_token": inspections[3].certificate.token,
        "awaiting": inspections[4].pk,
        "awaiting_item": items[4].code,
        "disputed": items[5].code,
        "disputed_notice": notices[5].pk,
        "disputed_inspection": inspections[5].pk,
    }
    states = {
        "expected": ItemState.RETURN_EXPECTED,
        "received": ItemState.RETURN_RECEIVED,
        "awaiting_item": ItemState.RETURN_INSPECTING,
        "disputed": ItemState.DISPUTED,
    }
    for key, state in states.items():
        assert Item.objects.get(code=found[key]).state == state, (key, state)
    return found


# --- the pages of each role ---------------------------------------------------------


def _choose_station(code: str):
    def choose(page):
        page.goto(
            page.url.split("/", 3)[0]
            + "//"
            + page.url.split("/")[2]
            + "/station/?change=1"
        )
        page.check(f"#station-{Station.objects.get(code=code).pk}")
        page.click("form[action='/station/choose/'] button[type=submit]")
        page.wait_for_selector("input[data-scanbox]")

    choose.path = "/station/"
    return choose


def _scan(action: str, code: str):
    """Scan ``code`` with ``action`` on the station page; wait for its answer."""

    def scan(page):
        page.evaluate("document.querySelector('[data-testid=scan-result]')?.remove()")
        page.click(f"label[for=action-{action}]")
        box = page.locator("input[data-scanbox]")
        box.fill(code)
        box.press("Enter")
        page.wait_for_selector("[data-testid=scan-result]")

    scan.path = "/station/"
    return scan


def _announce_unknown_material(page):
    """The announce form sent with a material no vocabulary knows."""
    page.goto(
        page.url.split("/", 3)[0]
        + "//"
        + page.url.split("/")[2]
        + "/portal/shipments/new/"
    )
    page.fill("#id_reference", "SWEEP-BAD-1")
    page.select_option("#id_warehouse", index=1)
    page.fill("#id_items-0-sku", "BANGLE-X")
    page.fill("#id_items-0-title", "Bangle")
    page.select_option("#id_items-0-category", "jewellery-jade")
    page.fill("#id_items-0-material", "unobtainium")
    page.fill("#id_items-0-weight_g", "52.31")
    page.fill("#id_items-0-declared_value", "1200")
    page.click("form button[type=submit]:not([name=add_row])")
    page.wait_for_selector(".errorlist")


_announce_unknown_material.path = "/portal/shipments/new/"


def _item(w: World, sku: str) -> str:
    return f"/items/{w.items[sku].code}/"


def pages_of(role: str, w: World) -> list[tuple[str, object]]:
    """(label, path or step) in the order the role opens them; a step is a
    function of the page that leaves it on something to read.

    Each role opens each of its templates, and the item page in the states
    its work meets it in (between them, every state the demo flow reaches);
    the same page in the same state is not opened again by a second role
    that sees it alike (an admin sees what a supervisor sees, and the admin
    link; the password pages are the same for everyone)."""
    item = {sku: _item(w, sku) for sku in w.items}
    r = w.returns
    dock = [
        ("labels", "/dock/labels/"),
        ("manifests", "/dock/manifests/"),
        ("manifest", f"/dock/manifests/{w.manifest}/"),
    ]
    if role == "anonymous":
        return [
            ("login", "/accounts/login/"),
            ("password-reset", "/accounts/password_reset/"),
            ("password-reset-sent", "/accounts/password_reset/done/"),
            ("password-reset-confirm", w.reset_path),
            ("password-reset-complete", "/accounts/reset/done/"),
            ("verify-lookup", "/verify/"),
            ("verify", f"/verify/{w.verify_token}"),
            ("verify-returned", f"/verify/{w.returns['matched_token']}"),
            ("not-found", "/no-such-page/"),
        ]
    if role == Role.MERCHANT:
        return [
            ("items", "/portal/items/"),
            ("shipments", "/portal/shipments/"),
            ("shipment", f"/portal/shipments/{w.notice_id}/"),
            ("announce", "/portal/shipments/new/"),
            ("announce-refused", _announce_unknown_material),
            ("upload", "/portal/shipments/upload/"),
            ("tokens", "/portal/tokens/"),
            ("returns-policy", "/decisions/returns/"),
            ("buyer-returns", "/decisions/buyer-returns/"),
            (
                "buyer-return-matched",
                f"/decisions/buyer-returns/{r['matched_notice']}/",
            ),
            (
                "buyer-return-disputed",
                f"/decisions/buyer-returns/{r['disputed_notice']}/",
            ),
            ("item-return-expected", f"/items/{r['expected']}/"),
            ("item-released", item["JADE-BANGLE-56"]),
            ("item-packed", item["JADE-PENDANT-2"]),
            ("item-held", item["JADE-PENDANT-3"]),
            ("item-failed", item["GOLD-RING-18K"]),
            ("item-returning", item["JADE-PENDANT-4"]),
            ("item-order-cancelled", item["JADE-PENDANT-5"]),
            ("account", "/account/"),
            ("password-change", "/accounts/password_change/"),
            ("password-changed", "/accounts/password_change/done/"),
            ("forbidden", "/inspect/"),
            ("not-found", "/items/NOSUCH/"),
        ]
    if role == Role.INSPECTOR:
        return [
            ("queue", "/inspect/"),
            ("scan-unknown", "/inspect/scan/?barcode=NOSUCH"),
            ("inspection", f"/inspect/inspections/{w.inspection_id}/"),
            ("item-inspecting", item["IP13-128-BLU"]),
            ("item-failed", item["GOLD-RING-18K"]),
            ("item-released", item["JADE-BANGLE-56"]),
            ("return-queue", "/inspect/returns/"),
            ("return-compare", f"/items/{r['received']}/return-compare/"),
            ("return-inspection", f"/inspect/return-inspections/{r['awaiting']}/"),
            ("item-return-received", f"/items/{r['received']}/"),
            ("account", "/account/"),
            ("forbidden", "/dashboard/"),
        ]
    if role == Role.SUPERVISOR:
        return [
            ("dashboard", "/dashboard/"),
            ("decisions", "/inspect/decisions/"),
            (
                "decide-hold",
                f"/inspect/decisions/holds/{w.items['JADE-PENDANT-3'].code}/"
                "?decision=reinspect",
            ),
            (
                "revoke",
                f"/inspect/decisions/revoke/{w.items['JADE-PENDANT-2'].code}/",
            ),
            ("queue", "/inspect/"),
            ("inspection", f"/inspect/inspections/{w.inspection_id}/"),
            ("inspection-sign-off", f"/inspect/inspections/{w.signoff_id}/"),
            ("inspection-lot", f"/inspect/inspections/{w.lot_inspection_id}/"),
            ("item-held", item["JADE-PENDANT-3"]),
            ("item-lot", item["SERUM-30ML"]),
            ("return-queue", "/inspect/returns/"),
            ("return-disputes", "/inspect/disputes/"),
            (
                "return-inspection-disputed",
                f"/inspect/return-inspections/{r['disputed_inspection']}/",
            ),
            ("item-disputed", f"/items/{r['disputed']}/"),
            ("item-return-inspecting", f"/items/{r['awaiting_item']}/"),
            ("station-choose", "/station/"),
            *dock,
            ("account", "/account/"),
        ]
    if role == Role.ADMIN:
        return [
            ("dashboard", "/dashboard/"),
            ("decisions", "/inspect/decisions/"),
            ("queue", "/inspect/"),
            ("return-queue", "/inspect/returns/"),
            ("return-disputes", "/inspect/disputes/"),
            ("item-returning", item["JADE-PENDANT-4"]),
            ("station-choose", "/station/"),
            *dock,
            ("account", "/account/"),
        ]
    if role == Role.OPERATOR:
        return [
            ("station-choose", "/station/"),
            ("station-receiving", _choose_station("GZ-RCV-01")),
            ("station-lookup", _scan("lookup", w.items["GOLD-RING-18K"].code)),
            ("station-refused", _scan("receive", w.items["GOLD-RING-18K"].code)),
            ("station-dock", _choose_station("GZ-DOCK-01")),
            *dock,
            ("item-packed", item["JADE-PENDANT-2"]),
            ("account", "/account/"),
            ("forbidden", "/inspect/"),
        ]
    # The platform and the stations work through the API; a person signed in
    # with their account has the account page, and no home.
    return [("home", "/"), ("account", "/account/")]


# The pages that show a refusal; every other page answers 200.
EXPECTED_STATUS = {"forbidden": 403, "not-found": 404, "home": 403, "scan-unknown": 404}

# Who reaches Chinese by the header's language switch (their preference)
# from an English browser; everyone else by the browser's language.
SWITCHERS = {Role.INSPECTOR}

USERS = {
    "anonymous": None,
    Role.MERCHANT: "merchant",
    Role.INSPECTOR: "inspector",
    Role.SUPERVISOR: "supervisor",
    Role.OPERATOR: "operator",
    Role.ADMIN: "admin",
    Role.PLATFORM: "platform",
    Role.STATION: "station-gz-rcv-01",
}


# --- the sweep --------------------------------------------------------------------


def read(page, language: str) -> list[str]:
    mode = "en" if language == "en" else "zh"
    codes = sorted(vocabulary_codes() | state_codes()) if mode == "zh" else []
    return page.evaluate(
        READ_PAGE,
        {
            "pageLang": page.evaluate("document.documentElement.lang"),
            "mode": mode,
            "codes": codes,
            "allowed": sorted(ALLOWED_ENGLISH),
        },
    )


def sweep_role(browser, base: str, w: World, role: str, language: str) -> list:
    """Sign in as ``role`` in a context of its own, open each of its pages,
    read them at both sizes and screenshot them; return what is wrong."""
    switch = role in SWITCHERS and language != "en"
    context = browser.new_context(
        locale=LOCALES["en" if switch else language], viewport=viewport("desktop")
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems = []
    try:
        if USERS[role]:
            page.goto(base + "/accounts/login/")
            page.fill("#id_username", USERS[role])
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            assert "/accounts/login/" not in page.url, f"{role} could not sign in"
        if switch:  # the header's switch, which saves the person's preference
            page.click("[data-testid=language-switch] button")
            page.wait_for_load_state()
        for n, (label, step) in enumerate(pages_of(role, w), 1):
            if callable(step):
                step(page)
            else:
                status = page.goto(base + step, wait_until="domcontentloaded").status
                expected = EXPECTED_STATUS.get(label, 200)
                if status != expected:
                    problems.append(
                        f"{label} ({step}) · {role} · {language}: "
                        f"answered {status}, not {expected}"
                    )
            shown = page.evaluate("document.documentElement.lang")
            if shown != language:
                problems.append(
                    f"{label} · {role} · {language}: the page is in {shown}"
                )
            for size in SIZES:
                page.set_viewport_size(viewport(size))
                # Let resize observers (the dashboard's charts) run first.
                page.evaluate(SETTLED)
                where = f"{label} ({page.url.removeprefix(base)}) · {role} · {language}"
                problems += [f"{where} · {size}: {t}" for t in read(page, language)]
                wide = page.evaluate(WIDER_THAN_SCREEN)
                if wide:
                    problems.append(f"{where} · {size}: wider than the screen: {wide}")
                page.screenshot(
                    path=str(SHOTS / f"{language}-{role}-{n:02d}-{label}-{size}.jpg"),
                    full_page=True,
                    type="jpeg",
                    quality=60,
                    animations="disabled",
                )
            page.set_viewport_size(viewport("desktop"))
    finally:
        context.close()
    return problems


def off_the_event_loop(build):
    """``build()`` in a thread of its own: Playwright's event loop runs in
    this one, and signing a certificate's PDF (pyHanko) runs its own
    (``asyncio.run``), which a running loop refuses."""

    def run():
        try:
            return build()
        finally:
            connection.close()  # the thread's own connection

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def viewport(size: str) -> dict:
    width, height = SIZES[size]
    return {"width": width, "height": height}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_page_of_every_role_in_the_readers_language(
    browser, live_server, language
):
    """One world per language; each role in its own browser context."""
    started = time.monotonic()
    w = off_the_event_loop(world_build)
    print(f"\nworld: {time.monotonic() - started:.1f}s")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob(f"{language}-*"):  # a page no longer swept
        old.unlink()
    problems = []
    for role in USERS:
        began = time.monotonic()
        problems += sweep_role(browser, live_server.url, w, role, language)
        print(f"{role}: {time.monotonic() - began:.1f}s")
    assert not problems, f"{len(problems)} texts in the wrong language:\n" + "\n".join(
        problems
    )


# --- the list of pages is the URLconf's --------------------------------------------

# Named URLs of the product that are not pages a person reads, each with why.
NOT_PAGES = {
    "logout": "a POST that signs out",
    "set_language": "a POST that sets the language",
    "portal:notice-template": "the upload template, a CSV/XLSX file",
    "station:choose": "a POST; the station page it leads to is swept",
    "station:scan": "a POST; its answer is read in the operator's lookup step",
    "inspect:start": "a POST that opens an inspection",
    "inspect:observe": "a POST answering a check's verdict fragment",
    "inspect:unit": "a POST recording a sampled unit",
    "inspect:photo-add": "a POST adding a photo",
    "inspect:complete": "a POST completing the inspection",
    "inspect:sign-off": "a POST signing it off",
    "inspect:hold-decide": "a POST deciding a held item",
    "inspect:appeal": "a POST appealing a verdict",
    "inspect:item-label": "a PDF",
    "inspect:certificate": "a PDF",
    "inspect:certificates-zip": "a ZIP of PDFs",
    "dock:label-download": "a PDF or ZPL file",
    "dock:label-printed": "a POST",
    "dock:wave-download": "a PDF or ZPL file (a wave's labels)",
    "dock:wave-printed": "a POST",
    "dock:manifest-close": "a POST",
    "dock:manifest-pdf": "a PDF",
    "dashboard:export": "a CSV file",
    "decide:return": "a POST",
    "decide:held": "a POST",
    "decide:received": "a POST",
    "decide:buyer-return-photo": "an image (a returned item's photo)",
    "inspect:return-preview": "a POST answering the comparison's live verdict",
    "inspect:return-photo-add": "a POST adding a photo of a returned item",
    "inspect:return-sign-off": "a POST signing a return's verdict off",
    "inspect:return-decide": "a POST deciding a disputed return",
    "verify-json": "JSON for machines",
    "verify-photo": "an image",
    "seal-keys": "JSON for machines: the seal's public keys",
    "transparency:sth": "JSON for machines: the transparency log's newest head",
    "transparency:sth-at": "JSON for machines: a signed head of the log",
    "transparency:sths": "JSON for machines: the log's signed heads",
    "transparency:consistency": "JSON for machines: a consistency proof",
    "transparency:entries": "JSON for machines: the log's entries",
    "transparency:proof": "JSON for machines: an inclusion proof",
    "schema": "the OpenAPI schema",
    "api-docs": "the API's documentation, generated from the schema",
    "api-redoc": "the API's documentation, generated from the schema",
}
# Namespaces that are not pages: the REST API and the Django admin.
NOT_PAGE_SPACES = ("admin", "warehouse", "inspection", "fulfilment")


def _names(patterns, space=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = f"{space}{p.namespace}:" if p.namespace else space
            yield from _names(p.url_patterns, inner)
        elif p.name:
            yield space + p.name


def _placeholder_world() -> World:
    item = SimpleNamespace(code="QABCDEFGHJKL")
    skus = [f"JADE-PENDANT-{n}" for n in range(1, 7)] + [
        "JADE-BANGLE-56",
        "GOLD-RING-18K",
    ]
    return World(
        items={sku: item for sku in (*skus, "IP13-128-BLU", "SERUM-30ML")},
        inspection_id=1,
        notice_id=1,
        manifest="MZTO-GZ-1",
        verify_token="A" * 32,
        reset_path="/accounts/reset/MQ/set-password/",
        returns={
            "expected": item.code,
            "received": item.code,
            "matched_notice": 1,
            "matched_token": "B" * 32,
            "awaiting": 1,
            "awaiting_item": item.code,
            "disputed": item.code,
            "disputed_notice": 2,
            "disputed_inspection": 2,
        },
    )


def test_the_sweep_opens_every_page_of_the_urlconf_and_every_menu_entry():
    w = _placeholder_world()
    swept = set()
    for role in USERS:
        paths = []
        for _, step in pages_of(role, w):
            path = step.path if callable(step) else step
            paths.append(path.split("?")[0])
            try:
                match = resolve(path.split("?")[0])
            except Resolver404:  # the not-found page
                continue
            if match.url_name:
                swept.add(":".join([*match.namespaces, match.url_name]))
        for entry in navigation_for(role):
            assert entry["url"] in paths, f"{role} does not open {entry['url']}"
    names = {
        n
        for n in _names(get_resolver().url_patterns)
        if n.split(":")[0] not in NOT_PAGE_SPACES or ":" not in n
    }
    assert names - swept - set(NOT_PAGES) == set()
    assert swept & set(NOT_PAGES) == set()


def test_the_reader_tells_the_products_words_from_data(browser):
    """The page's reader on a page made for it: what it flags, what it leaves."""
    page = browser.new_page()
    try:
        page.set_content(
            """<html lang="en"><head><title>Item 合格</title></head><body>
            <p>Packed 已打包</p>
            <p><span data-typed>和田玉手镯</span> <span lang="zh-hans">中文</span>
               <span class="mono">深圳市 135-78</span></p>
            <input placeholder="扫描" value="x"><input type="submit" value="提交">
            <select><option>全部</option>
              <option translate="no" data-typed>光彩</option></select>
            <script>var a = "脚本";</script></body></html>"""
        )
        found = read(page, "en")
        assert [f.split(": ", 1)[0] for f in found] == [
            "title",
            "p",
            "option",
            "input@placeholder",
            "input@value",
        ], found

        page.set_content(
            """<html lang="zh-hans"><body>
            <p>状态 received; 材质 nephrite jade</p><p>请用 REST API 提交</p>
            <p>Hetian</p><p>Not translated yet</p>
            <p><span data-typed>Jade Home</span> <span lang="en">English</span>
               <span class="mono">claim.net_content</span>
               <span translate="no">intact</span></p>
            <button title="Sign out">退出</button></body></html>"""
        )
        found = read(page, "zh-hans")
        assert len(found) == 3, found
        assert 'code "received"' in found[0] and 'code "nephrite jade"' in found[0]
        assert 'English "Not translated yet"' in found[1]
        assert found[2].startswith("button@title") and "Sign out" in found[2]
    finally:
        page.close()
