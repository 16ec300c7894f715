"""The data migration that reads item events' old sentences back into codes.

English and Chinese sentences the product wrote become their code and params;
anything else keeps its text under ``legacy_text``; backwards gives English
sentences again.
"""

import importlib

import pytest
from django.apps import apps as django_apps
from django.utils import translation

from tests.warehouse import factories as f
from warehouse import lifecycle
from warehouse.models import ItemEvent

migration = importlib.import_module("warehouse.migrations.0007_item_event_reason_codes")


@pytest.fixture
def item(world):
    notice = f.NoticeFactory(merchant=world.merchant, warehouse=world.gz)
    made = f.ItemFactory(notice=notice, category=world.jade, line=0)
    lifecycle.item_receive(item=made, actor=world.station)
    return made


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("Inspection #3 opened.", ("inspection_opened", {"number": 3})),
        ("第 3 次质检开始。", ("inspection_opened", {"number": 3})),
        (
            "第 2 次质检：不合格。",  # noqa: RUF001
            ("inspection_verdict", {"number": 2, "verdict": "fail"}),
        ),
        (
            "Inspection #2: verdict pass, awaiting a second inspector's sign-off.",
            ("inspection_awaiting_signoff", {"number": 2, "verdict": "pass"}),
        ),
        (
            "Handed to sf, tracking SF123.",
            ("handed_to_carrier", {"carrier": "sf", "tracking": "SF123"}),
        ),
        (
            "主管决定 reinspect：scale broken: retry",  # noqa: RUF001
            (
                "supervisor_decided",
                {"decision": "reinspect", "reason": "scale broken: retry"},
            ),
        ),
        ("Kept as stock.", ("kept_as_stock", {})),
        ("lab test", None),
        ("Inspection #x opened.", None),
        ("Inspection #2: maybe.", None),
    ],
)
def test_the_migration_reads_old_sentences_in_both_languages(text, parsed):
    assert migration.reason_parse(text) == parsed


def test_the_migration_turns_rows_into_codes_and_keeps_what_it_cannot_read(world, item):
    def old(reason):
        return ItemEvent.objects.create(
            item=item, from_state="passed", to_state="passed", reason=reason
        )

    english = old("Certificate QC-1 issued.")
    chinese = old("已分配给订单 PO-7。")
    typed = old("lab test")
    migration.forwards(django_apps, None)
    for event in (english, chinese, typed):
        event.refresh_from_db()
    assert (english.reason_code, english.reason_params, english.reason) == (
        "certificate_issued",
        {"number": "QC-1"},
        "",
    )
    assert (chinese.reason_code, chinese.reason_params) == (
        "allocated_to_order",
        {"order": "PO-7"},
    )
    assert (typed.reason_code, typed.reason_params) == (
        "legacy_text",
        {"text": "lab test"},
    )
    with translation.override("zh-hans"):
        assert english.reason_text == "证书 QC-1 已签发。"
        assert typed.reason_text == "lab test"
    with translation.override("en"):
        assert chinese.reason_text == "Allocated to order PO-7."

    migration.backwards(django_apps, None)
    english.refresh_from_db()
    typed.refresh_from_db()
    assert (english.reason, english.reason_code) == ("Certificate QC-1 issued.", "")
    assert (typed.reason, typed.reason_code) == ("lab test", "")
