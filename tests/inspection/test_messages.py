"""Check results stored as facts (a code and raw params) and rendered in the
reader's language: the catalogue, the stored rows, the API and the pages, and
the migration that read the old sentences back."""

import importlib
import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from inspection import services
from inspection.messages import LEGACY_TEXT, MESSAGES, check_reason
from inspection.models import InspectionCheck
from tests.conftest import api_client
from warehouse.common.access import principal_of

from .factories import GOOD_UNIT, jade_row, lot_row, received, weighing
from .test_services import submit

# One example of each code's raw facts, as a judgement stores them.
FACTS = {
    "nothing_claimed": {},
    "material_mismatch": {"found": "jadeite", "claimed": "nephrite jade"},
    "material_reading_outside": {
        "name": "refractive_index",
        "value": "1.66",
        "low": "1.6",
        "high": "1.63",
        "material": "nephrite jade",
    },
    "material_as_claimed": {"material": "nephrite jade"},
    "weight_within_tolerance": {"deviation_mg": 45, "tolerance_mg": 50},
    "weight_heavier": {"deviation_mg": 1051, "tolerance_mg": 52.5},
    "weight_lighter": {"deviation_mg": 51, "tolerance_mg": 1000},
    "shelf_life_date_disagrees": {
        "date": "production",
        "seen": "2029-09-01",
        "said": "2029-08-31",
    },
    "shelf_life_no_expiry": {},
    "shelf_life_expired": {"date": "2026-11-24"},
    "shelf_life_days_short": {"left": 6, "min": 30},
    "shelf_life_no_production": {},
    "shelf_life_share_short": {"left_share": 0.125, "min_share": 0.5},
    "shelf_life_left": {"left": 365},
    "packaging_state_refused": {"state": "opened"},
    "packaging_type_mismatch": {"found": "bag", "claimed": "box"},
    "packaging_accepted": {"state": "intact"},
    "labels_missing": {"missing": ["net_content", "licence_number"]},
    "labels_present": {},
    "identity_mismatch": {"field": "imei", "found": "b2", "claimed": "a1"},
    "identity_matches": {"field": "imei"},
    "free_confirmed": {},
    "free_not_confirmed": {},
    "lot_units_not_passed": {"bad": 2, "units": 32},
}

migration = importlib.import_module("inspection.migrations.0004_check_results_as_facts")


def test_every_code_of_the_catalogue_has_an_example():
    assert set(FACTS) == set(MESSAGES)


@pytest.mark.parametrize("code", sorted(FACTS))
def test_each_code_renders_in_the_language_asked_for(code):
    english = check_reason(code, FACTS[code], "en")
    chinese = check_reason(code, FACTS[code], "zh-hans")
    with translation.override("zh-hans"):
        assert check_reason(code, FACTS[code]) == chinese
    assert english != chinese
    assert "%(" not in english and "%(" not in chinese


def test_raw_facts_are_formatted_only_when_rendered():
    assert check_reason("weight_heavier", FACTS["weight_heavier"], "en") == (
        "1,051 mg heavier than claimed; tolerance 52.5 mg."
    )
    assert check_reason(
        "weight_within_tolerance", FACTS["weight_within_tolerance"], "zh-hans"
    ) == (
        "偏差 45 mg；允差 50 mg。"  # noqa: RUF001
    )
    assert check_reason(
        "shelf_life_share_short", FACTS["shelf_life_share_short"], "en"
    ) == ("12.5% of shelf life left at receipt; at least 50.0% needed.")
    assert (
        check_reason(
            "shelf_life_date_disagrees", FACTS["shelf_life_date_disagrees"], "zh-hans"
        )
        == "标签生产日期为 2029-09-01，申报为 2029-08-31。"  # noqa: RUF001
    )
    assert check_reason("labels_missing", FACTS["labels_missing"], "en") == (
        "Missing or illegible: net content, production licence number."
    )
    assert check_reason("packaging_state_refused", {"state": "missing_seal"}, "en") == (
        "Packaging is seal missing."
    )
    assert check_reason("packaging_state_refused", {"state": "opened"}, "zh-hans") == (
        "包装状态：已拆封。"  # noqa: RUF001
    )
    assert check_reason(
        "material_reading_outside", FACTS["material_reading_outside"], "zh-hans"
    ).startswith("折射率 1.66 超出")


def test_typed_and_legacy_text_is_shown_as_it_was_written():
    note = {"text": "发丝裂纹", "lang": "zh-hans"}
    assert check_reason("inspector_note", note, "en") == "发丝裂纹"
    assert check_reason(LEGACY_TEXT, {"text": "Old words."}, "zh-hans") == "Old words."
    assert check_reason("", {}) == ""


# --- the migration --------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("code", sorted(FACTS))
def test_the_migration_reads_each_message_back_in_both_languages(code, language):
    sentence = stored_sentence(code, language)
    assert migration.reason_parse(sentence) == (code, FACTS[code])


# Sentences stored before results were facts named vocabulary codes untranslated.
STORED_VALUES = {
    "packaging_state_refused": {"state": "opened"},
    "packaging_accepted": {"state": "intact"},
    "packaging_type_mismatch": FACTS["packaging_type_mismatch"],
    "material_mismatch": FACTS["material_mismatch"],
    "material_as_claimed": FACTS["material_as_claimed"],
    "labels_missing": {"list": "net_content, licence_number"},
    "material_reading_outside": {
        **FACTS["material_reading_outside"],
        "name": "refractive index",
    },
}


def stored_sentence(code: str, language: str) -> str:
    """A reason as it was stored, in ``language``."""
    if code not in STORED_VALUES:
        return check_reason(code, FACTS[code], language)
    english, chinese = migration.MESSAGES[code]
    return (english if language == "en" else chinese) % STORED_VALUES[code]


@pytest.mark.parametrize(
    "text",
    [
        "Hairline crack near the clasp",
        "内侧有细小裂纹",
        "Packaging is opened and wet.",
        "Off by a lot; tolerance 50 mg.",
    ],
)
def test_the_migration_keeps_what_it_cannot_read_as_legacy_text(text):
    assert migration.reason_parse(text) == (LEGACY_TEXT, {"text": text})


def test_the_migration_leaves_an_unjudged_check_without_a_code():
    assert migration.reason_parse("") == ("", {})


def test_the_migration_table_is_the_catalogue_it_froze():
    for code, (english, chinese) in migration.MESSAGES.items():
        assert MESSAGES[code] == english
        with translation.override("zh-hans"):
            assert gettext(english) == chinese


# --- stored rows, pages, API ----------------------------------------------------------


@pytest.mark.django_db
def test_a_stored_check_holds_its_code_and_raw_facts_not_a_sentence(world, qc):
    item = received(world, jade_row())
    with translation.override("zh-hans"):
        inspection = submit(world.inspector, item, weighing(weight_g="52.50"))

    assert "reason" not in {f.name for f in InspectionCheck._meta.concrete_fields}
    weight = inspection.checks.get(key="weight")
    assert (weight.code, weight.params) == (
        "weight_heavier",
        {"deviation_mg": 190, "tolerance_mg": 100},
    )
    material = inspection.checks.get(key="material")
    assert (material.code, material.params) == (
        "material_as_claimed",
        {"material": "nephrite jade"},
    )
    with translation.override("en"):
        assert weight.reason == "190 mg heavier than claimed; tolerance 100 mg."


@pytest.mark.django_db
def test_an_inspectors_note_is_stored_as_text_with_its_language(world, qc):
    item = received(world, jade_row())
    observed = {**weighing(weight_g="52.31"), "appearance": {"result": False}}
    observed["appearance"]["note"] = "内侧有细小裂纹"
    with translation.override("zh-hans"):
        inspection = submit(world.inspector, item, observed)
    check = inspection.checks.get(key="appearance")
    assert (check.code, check.params) == (
        "inspector_note",
        {"text": "内侧有细小裂纹", "lang": "zh-hans"},
    )


@pytest.mark.django_db
def test_the_api_renders_the_reason_in_the_requests_language_beside_the_facts(
    world, qc
):
    item = received(world, jade_row())
    with translation.override("zh-hans"):
        inspection = submit(world.inspector, item, weighing(weight_g="52.50"))
    client = api_client(world.merchant_user)
    url = f"/api/v1/inspections/{inspection.pk}/"

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").json()

    en = {c["check"]: c for c in english["checks"]}["weight"]
    zh = {c["check"]: c for c in chinese["checks"]}["weight"]
    assert en["reason"] == "190 mg heavier than claimed; tolerance 100 mg."
    assert zh["reason"] == "比申报重 190 mg；允差 100 mg。"  # noqa: RUF001
    assert (en["code"], en["params"]) == (zh["code"], zh["params"])
    assert (en["code"], en["params"]) == (
        "weight_heavier",
        {"deviation_mg": 190, "tolerance_mg": 100},
    )


@pytest.mark.django_db
def test_a_lots_units_carry_facts_and_the_api_renders_them(world, qc):
    item = received(world, lot_row(quantity=200))
    who = principal_of(world.inspector)
    bad = {**GOOD_UNIT, "packaging": "opened"}
    with translation.override("zh-hans"):
        inspection = services.inspection_open(principal=who, code=item.code)
        services.inspection_units_record(
            principal=who,
            inspection_id=inspection.pk,
            units=[{"unit": 1, "observed": GOOD_UNIT}, {"unit": 2, "observed": bad}],
        )
    stored = inspection.units.get(number=2).results["packaging"]
    assert "reason" not in stored
    assert (stored["code"], stored["params"]) == (
        "packaging_state_refused",
        {"state": "opened"},
    )
    summary = inspection.checks.get(key="packaging")
    assert (summary.code, summary.params) == (
        "lot_units_not_passed",
        {"bad": 1, "units": 2},
    )
    client = api_client(world.merchant_user)
    body = client.get(
        f"/api/v1/inspections/{inspection.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    unit = {u["unit"]: u for u in body["units"]}[2]
    assert unit["results"]["packaging"]["reason"] == "Packaging is opened."
    chinese = client.get(
        f"/api/v1/inspections/{inspection.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).json()
    unit = {u["unit"]: u for u in chinese["units"]}[2]
    assert unit["results"]["packaging"]["reason"] == "包装状态：已拆封。"  # noqa: RUF001
    assert unit["results"]["packaging"]["code"] == "packaging_state_refused"
    checks = {c["check"]: c for c in body["checks"]}
    assert checks["packaging"]["reason"] == "1 of 2 sampled units did not pass."


@pytest.mark.django_db
def test_the_item_page_renders_reasons_in_the_readers_language(client, world, qc):
    item = received(world, jade_row())
    with translation.override("en"):
        submit(world.inspector, item, weighing(weight_g="52.50"))
    client.force_login(world.merchant_user)
    url = reverse("inspect:item-detail", kwargs={"code": item.code})

    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "比申报重 190 mg；允差 100 mg。" in chinese  # noqa: RUF001
    assert "190 mg heavier than claimed" not in chinese
    assert "190 mg heavier than claimed; tolerance 100 mg." in english


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_stored_sentences_into_facts(world, qc):
    item = received(world, lot_row(quantity=200))
    who = principal_of(world.inspector)
    inspection = services.inspection_open(principal=who, code=item.code)
    services.inspection_units_record(
        principal=who,
        inspection_id=inspection.pk,
        units=[{"unit": 1, "observed": GOOD_UNIT}],
    )
    executor = MigrationExecutor(connection)
    executor.migrate([("inspection", "0003_certificate_jobs")])
    sentences = {
        "shelf_life": "入库时剩余保质期 1002 天。",
        "packaging": "Hairline crack near the clasp",
    }
    unit_results = {
        "packaging": {
            "verdict": "fail",
            "effect": "fail",
            "reason": "包装状态：opened。",  # noqa: RUF001
        },
    }
    with connection.cursor() as cursor:
        for key, sentence in sentences.items():
            cursor.execute(
                "UPDATE inspection_inspectioncheck SET reason = %s"
                " WHERE inspection_id = %s AND key = %s",
                [sentence, inspection.pk, key],
            )
        cursor.execute(
            "UPDATE inspection_sampleunit SET results = %s WHERE inspection_id = %s",
            [json.dumps(unit_results), inspection.pk],
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    checks = {c.key: c for c in InspectionCheck.objects.filter(inspection=inspection)}
    assert (checks["shelf_life"].code, checks["shelf_life"].params) == (
        "shelf_life_left",
        {"left": 1002},
    )
    assert (checks["packaging"].code, checks["packaging"].params) == (
        LEGACY_TEXT,
        {"text": "Hairline crack near the clasp"},
    )
    assert inspection.units.get().results == {
        "packaging": {
            "verdict": "fail",
            "effect": "fail",
            "code": "packaging_state_refused",
            "params": {"state": "opened"},
        }
    }
