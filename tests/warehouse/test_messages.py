"""Facts, not prose: item events store a code with params, rendered for the reader.

The same rows read in English by an English reader and in Chinese by a
Chinese reader, on the item page and in the API; the apps' catalogues name
every API error code each app raises and translate every message; the scan
log keeps a refusal's params and shows it in the reader's language. (The
machinery: tests/warehouse/common/test_messages.py.)
"""

import ast
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from fulfilment import messages as fulfilment_messages
from inspection import messages as inspection_messages
from tests.conftest import api_client
from tests.warehouse import factories as f
from tests.warehouse.views.test_station import CHOOSE, HOME
from warehouse import lifecycle
from warehouse import messages as warehouse_messages
from warehouse.common import exceptions
from warehouse.common.access import principal_of
from warehouse.models import ItemEvent, ScanLog
from warehouse.services import scan_process

ROOT = Path(__file__).resolve().parent.parent.parent
CATALOGUES = {
    "warehouse": (warehouse_messages.CATALOGUE,),
    # inspection raises the warehouse's generic codes too (item_not_found …)
    "inspection": (inspection_messages.CATALOGUE, warehouse_messages.CATALOGUE),
    # fulfilment also the generic ones and the certificate's (not_certified)
    "fulfilment": (
        fulfilment_messages.CATALOGUE,
        inspection_messages.CATALOGUE,
        warehouse_messages.CATALOGUE,
    ),
}


@pytest.fixture
def item(world):
    notice = f.NoticeFactory(merchant=world.merchant, warehouse=world.gz)
    made = f.ItemFactory(notice=notice, category=world.jade, line=0)
    lifecycle.item_receive(item=made, actor=world.station)
    lifecycle.item_inspection_start(
        item=made,
        actor=world.inspector,
        reason_code="inspection_opened",
        reason_params={"number": 1},
    )
    lifecycle.item_hold(
        item=made,
        actor=world.inspector,
        reason_code="inspection_verdict",
        reason_params={"number": 1, "verdict": "hold"},
    )
    lifecycle.item_pass(
        item=made,
        actor=world.supervisor,
        reason_code="supervisor_decided",
        reason_params={"decision": "pass", "reason": "lab says jade"},
    )
    return made


READINGS = {
    "en": [
        "Inspection #1 opened.",
        "Inspection #1: hold.",
        "Supervisor decided pass: lab says jade",
    ],
    "zh-hans": [
        "第 1 次质检开始。",
        "第 1 次质检：暂扣。",  # noqa: RUF001
        "主管决定 合格：lab says jade",  # noqa: RUF001
    ],
}


def test_an_event_stores_its_reason_as_a_code_with_params(item):
    """No sentence is stored: the code and its params are; reason stays empty."""
    event = ItemEvent.objects.filter(item=item).order_by("id")[1]
    assert (event.reason_code, event.reason_params) == (
        "inspection_opened",
        {"number": 1},
    )
    assert event.reason == ""
    assert event.reason_lang == ""


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_api_renders_the_timeline_in_the_readers_language(world, item, language):
    client = api_client(world.merchant_user)
    response = client.get(f"/api/v1/items/{item.code}/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, response.content
    events = response.json()["events"]
    assert [e["reason"] for e in events[1:]] == READINGS[language]
    assert [e["code"] for e in events] == [
        "",
        "inspection_opened",
        "inspection_verdict",
        "supervisor_decided",
    ]
    assert events[2]["params"] == {"number": 1, "verdict": "hold"}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_item_page_renders_the_timeline_in_the_readers_language(
    client, world, item, language
):
    client.force_login(world.inspector)
    client.cookies["django_language"] = language
    page = client.get(
        reverse("inspect:item-detail", kwargs={"code": item.code}),
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert page.status_code == 200
    text = page.content.decode()
    # What the supervisor typed is shown as typed, marked as data.
    typed = '<span translate="no" data-typed>lab says jade</span>'
    assert typed in text
    text = text.replace(typed, "lab says jade")
    for reading in READINGS[language]:
        assert reading in text
    other = "zh-hans" if language == "en" else "en"
    assert READINGS[other][0] not in text


def test_text_a_person_typed_is_kept_with_its_language(world, item):
    with translation.override("zh-hans"):
        lifecycle.item_event_record(item=item, actor=world.supervisor, reason="备注")
    event = ItemEvent.objects.filter(item=item).latest("id")
    assert (event.reason, event.reason_lang, event.reason_code) == (
        "备注",
        "zh-hans",
        "",
    )
    with translation.override("en"):
        assert event.reason_text == "备注"


# --- the catalogues --------------------------------------------------------


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)[sd]", text))


@pytest.mark.parametrize(
    "catalogue",
    [
        warehouse_messages.CATALOGUE,
        inspection_messages.CATALOGUE,
        fulfilment_messages.CATALOGUE,
    ],
    ids=lambda c: c.app,
)
def test_every_message_names_its_params_and_has_a_chinese_translation(catalogue):
    zh = trans_real.translation("zh-hans")
    untranslated, mismatched = [], []
    for code, message in catalogue.messages.items():
        source = message.source
        if zh._catalog.get(source) in (None, ""):
            untranslated.append(code)
        if _placeholders(source) != set(message.params):
            mismatched.append(code)
    assert untranslated == []
    assert mismatched == []


def test_each_app_catalogues_the_timeline_reasons_it_writes():
    """The timeline's codes are in the catalogue of the app whose services
    write them, and an event renders from whichever catalogue has its code."""
    written = {
        "inspection": _reason_codes("inspection"),
        "fulfilment": _reason_codes("fulfilment"),
    }
    assert len(written["inspection"]) >= 7
    assert len(written["fulfilment"]) >= 6
    for app, codes in written.items():
        assert codes <= CATALOGUES[app][0].codes(), app
    event = ItemEvent(reason_code="handed_to_carrier", reason_params={})
    event.reason_params = {"carrier": "sf", "tracking": "SF1"}
    with translation.override("en"):
        assert event.reason_text == "Handed to SF Express, tracking SF1."
    with translation.override("zh-hans"):
        assert event.reason_text == "已交给 顺丰速运，运单号 SF1。"  # noqa: RUF001
    assert warehouse_messages.event_reason("no_such_code", {}) == "no_such_code"
    assert warehouse_messages.event_reason("", {}, "typed") == "typed"


def _reason_codes(app: str) -> set[str]:
    """Every ``reason_code`` a string constant is given to in the app's code."""
    found = set()
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            pairs = []
            if isinstance(node, ast.Call):
                pairs = [(k.arg, k.value) for k in node.keywords]
            elif isinstance(node, ast.Dict):
                pairs = [
                    (getattr(k, "value", None), v)
                    for k, v in zip(node.keys, node.values, strict=True)
                ]
            for name, value in pairs:
                if name == "reason_code" and isinstance(value, ast.Constant):
                    found.add(value.value)
    return found


def _domain_error_names() -> set[str]:
    names, todo = set(), [exceptions.DomainError]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return names


def _raised_codes(app: str) -> dict[str, list[str]]:
    """code -> where: every ``code="…"`` given to a domain error in the app."""
    errors = _domain_error_names()
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name in errors:
                for stmt in node.body:
                    if (
                        isinstance(stmt, ast.Assign)
                        and [getattr(t, "id", None) for t in stmt.targets] == ["code"]
                        and isinstance(stmt.value, ast.Constant)
                    ):
                        found.setdefault(stmt.value.value, []).append(str(path))
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = getattr(func, "id", None) or getattr(func, "attr", None)
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if name == "Refusal" and node.args:  # a state table's refusal
                if isinstance(node.args[0], ast.Constant):
                    found.setdefault(node.args[0].value, []).append(where)
                continue
            if name not in errors:
                continue
            for keyword in node.keywords:
                if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                    found.setdefault(keyword.value.value, []).append(where)
    return found


@pytest.mark.parametrize("app", sorted(CATALOGUES))
def test_every_api_error_code_is_a_catalogue_code(app):
    raised = _raised_codes(app)
    assert len(raised) > 5  # the scan sees the app's raises
    known = set().union(*(c.codes() for c in CATALOGUES[app]))
    missing = {code: where for code, where in raised.items() if code not in known}
    assert missing == {}


def test_the_error_scan_sees_a_raise_with_a_code(tmp_path, monkeypatch):
    """The AST scan is not vacuous: a raise of a subclass with a code is seen."""
    app = tmp_path / "someapp"
    app.mkdir()
    (app / "x.py").write_text(
        "from warehouse.common.exceptions import Conflict\n"
        "def f():\n    raise Conflict('no', code='made_up_code')\n"
    )
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert list(_raised_codes("someapp")) == ["made_up_code"]


# --- the station's scan history ---------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["No such item.", "The parcel has no label yet.", "as answered"]),
        ("zh-hans", ["没有该货品。", "包裹尚无面单。", "as answered"]),
    ],
)
def test_the_scan_history_renders_refusals_in_the_readers_language(
    world, language, words
):
    """The refusals are read from their error codes, whoever's catalogue has
    them (the warehouse's, fulfilment's); a code none has shows what the
    station was answered."""
    station = world.station.station
    operator = f.UserFactory(username="operator")
    f.StaffFactory(user=operator, warehouse=world.gz, role="operator")
    for code, message in [
        ("item_not_found", "没有条码 X1 对应的货品。"),
        ("no_label", "Parcel P1 has no label yet."),
        ("made_up_code", "as answered"),
    ]:
        ScanLog.objects.create(
            station=station,
            user=operator,
            barcode="X1",
            action="lookup",
            outcome=ScanLog.Outcome.REFUSED,
            error_code=code,
            message=message,
        )
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(operator)
    assert client.post(CHOOSE, {"station": station.pk}).status_code == 302
    page = client.get(HOME)
    assert page.status_code == 200
    text = page.content.decode()
    shown = re.findall(r'<span class="small">([^<]*)</span>', text)
    assert sorted(shown) == sorted(words)


def test_a_scan_refusal_keeps_its_params_and_renders_them_for_the_reader(world):
    """A refusal recorded while the station spoke Chinese is read by an English
    reader in English, with its facts (the state, the move, the allowed moves)."""
    notice = f.NoticeFactory(merchant=world.merchant, warehouse=world.gz)
    item = f.ItemFactory(notice=notice, category=world.jade, line=0)
    lifecycle.item_receive(item=item, actor=world.station)
    with translation.override("zh-hans"), pytest.raises(exceptions.TransitionRefused):
        scan_process(
            principal=principal_of(world.station), barcode=item.code, action="receive"
        )
    log = ScanLog.objects.get(outcome=ScanLog.Outcome.REFUSED)
    assert log.error_code == "invalid_transition"
    assert log.error_params == {
        "state": "received",
        "target": "received",
        "allowed": ["inspecting"],
    }
    assert "cannot become" not in log.message  # answered in Chinese
    with translation.override("en"):
        assert log.message_text == (
            "The item is received and cannot become received; allowed next: inspecting."
        )
    with translation.override("zh-hans"):
        assert log.message_text == CHINESE_REFUSAL


CHINESE_REFUSAL = "货品当前状态为 已收货，不能变为 已收货；允许的下一状态：质检中。"  # noqa: RUF001


def test_a_refusal_logged_without_params_shows_what_the_station_was_answered(world):
    """A row logged before refusals carried params (or whose error names
    none) shows its stored message rather than words missing their facts."""
    log = ScanLog(
        outcome=ScanLog.Outcome.REFUSED,
        error_code="invalid_transition",
        message="Item QX-1 is packed and cannot become packed.",
    )
    assert log.message_text == "Item QX-1 is packed and cannot become packed."
    log.error_params = {"state": "packed", "target": "allocated", "allowed": []}
    with translation.override("en"):
        assert log.message_text == (
            "The item is packed and cannot become allocated; allowed next: none."
        )
