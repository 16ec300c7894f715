"""Vocabularies: every term a code with a Chinese and an English name and
the trade's synonyms; input in either language finds the code, an unknown
name is refused with the choices in the reader's language; the API, the
announce form, the upload and the inspection keep the code."""

import datetime as dt
import importlib
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import load_workbook

from inspection import rules
from inspection.forms import check_rows
from inspection.messages import check_reason
from inspection.models import InspectionCheck
from tests.conftest import api_client
from tests.fulfilment.conftest import order_payload
from tests.inspection.factories import (  # noqa: F401 - qc: a fixture
    GOOD_JADE,
    jade_row,
    lot_row,
    qc,
    received,
)
from tests.inspection.test_services import submit
from tests.warehouse.views.test_portal import (
    CREATE,
    JADE_ROW,
    LOT_ROW,
    form_data,
    text,
    upload,
)
from warehouse import uploads
from warehouse.claims import claim_normalise
from warehouse.common.messages import message_render
from warehouse.demo import CATEGORIES as DEMO_CATEGORIES
from warehouse.messages import CATALOGUE
from warehouse.models import (
    Carrier,
    Category,
    InboundNotice,
    StaffAssignment,
    Station,
)
from warehouse.vocabularies import (
    CARRIERS,
    MARKINGS,
    MATERIALS,
    PACKAGING_STATES,
    PACKAGING_TYPES,
    VOCABULARIES,
    UnknownTerm,
    categories,
    term_key,
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def merchant(client, world):
    """The test client signed in as the merchant, in English."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(world.merchant_user)
    return client


# --- resolve --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vocabulary", "text", "code"),
    [
        (MATERIALS, "翡翠", "jadeite A"),
        (MATERIALS, "jadeite", "jadeite A"),
        (MATERIALS, "翡翠A货", "jadeite A"),
        (MATERIALS, "A货翡翠", "jadeite A"),
        (MATERIALS, "type A jadeite", "jadeite A"),
        (MATERIALS, "  Type  A   JADEITE ", "jadeite A"),
        (MATERIALS, "ｊａｄｅｉｔｅ", "jadeite A"),  # full width  # noqa: RUF001
        (MATERIALS, "翡翠（A货）", "jadeite A"),  # noqa: RUF001
        (MATERIALS, "和田玉", "nephrite jade"),
        (MATERIALS, "nephrite", "nephrite jade"),
        (MATERIALS, "软玉", "nephrite jade"),
        (MATERIALS, "Hetian Jade", "nephrite jade"),
        (MATERIALS, "足金", "24K gold"),
        (MATERIALS, "999金", "24K gold"),
        (MATERIALS, "24K", "24K gold"),
        (MATERIALS, "足金999", "24K gold"),
        (MATERIALS, "２４ｋ", "24K gold"),  # noqa: RUF001
        (MATERIALS, "18K金", "18K gold"),
        (MATERIALS, "18k", "18K gold"),
        (MATERIALS, "Au750", "18K gold"),
        (MATERIALS, "S925银", "S925 silver"),
        (MATERIALS, "925银", "S925 silver"),
        (MATERIALS, "sterling silver", "S925 silver"),
        (MATERIALS, "s925", "S925 silver"),
        (PACKAGING_TYPES, "礼盒", "gift box"),
        (PACKAGING_TYPES, "Gift-Box", "gift box"),
        (PACKAGING_TYPES, "原装盒", "original box"),
        (PACKAGING_STATES, "完好", "intact"),
        (PACKAGING_STATES, "seal missing", "missing_seal"),
        (PACKAGING_STATES, "已开封", "opened"),
        (MARKINGS, "净含量", "net_content"),
        (MARKINGS, "net content", "net_content"),
        (MARKINGS, "Net-Content", "net_content"),
        (MARKINGS, "品名", "name"),
        (MARKINGS, "生产许可证编号", "licence_number"),
        (MARKINGS, "SC编号", "licence_number"),
        (MARKINGS, "保质期", "shelf_life"),
        (MARKINGS, "生产日期", "production_date"),
        (CARRIERS, "顺丰", "sf"),
        (CARRIERS, "中通快递", "zto"),
        (CARRIERS, "J&T", "jt"),
    ],
)
def test_a_name_in_either_language_or_a_trade_spelling_resolves_to_its_code(
    vocabulary, text, code
):
    assert vocabulary.resolve(text) == code
    assert vocabulary.find(text) == code


@pytest.mark.parametrize("vocabulary", VOCABULARIES.values(), ids=VOCABULARIES)
def test_every_spelling_of_every_term_finds_that_term_and_names_are_both_kept(
    vocabulary,
):
    for term in vocabulary:
        assert term.zh and term.en, term.code
        for spelling in term.spellings():
            assert vocabulary.resolve(spelling) == term.code
        assert vocabulary.name(term.code, "zh-hans") == term.zh
        assert vocabulary.name(term.code, "en") == term.en


def test_the_carriers_are_the_notices_carriers():
    assert set(CARRIERS.codes()) == set(Carrier.values)


def test_a_spelling_is_compared_without_case_width_or_spaces():
    full_width = " \uff2eet -Content "
    assert term_key(full_width) == term_key("net_content") == "netcontent"


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "zh-hans",
            "未知材质 琉璃；请使用：和田玉、翡翠A货、玻璃。",  # noqa: RUF001
        ),
        (
            "en",
            "Unknown material 琉璃; use one of: nephrite jade, "
            "jadeite (natural, type A), glass.",
        ),
    ],
)
def test_an_unknown_name_lists_the_choices_in_the_readers_language(language, message):
    allowed = ["nephrite jade", "jadeite A", "glass"]
    with translation.override(language), pytest.raises(UnknownTerm) as refused:
        MATERIALS.resolve("琉璃", within=allowed, field="material")

    assert refused.value.code == "unknown_material"
    assert refused.value.message == message
    assert refused.value.fields == {"material": [message]}
    assert refused.value.params == {"value": "琉璃", "list": allowed}


def test_a_known_term_outside_those_allowed_is_refused_too():
    with pytest.raises(UnknownTerm, match=r"use one of: nephrite jade\.$"):
        MATERIALS.resolve("翡翠", within=["nephrite jade"])


def test_every_unknown_code_is_the_catalogues_and_renders_stored_params():
    for vocabulary in VOCABULARIES.values():
        assert vocabulary.error_code in CATALOGUE
    params = {"value": "X", "list": ["nephrite jade", "24K gold"]}
    assert (
        message_render("unknown_material", params, language="zh-hans")
        == "未知材质 X；请使用：和田玉、足金。"  # noqa: RUF001
    )
    assert message_render("unknown_material", params, language="en") == (
        "Unknown material X; use one of: nephrite jade, 24K gold (999)."
    )


def test_a_name_stored_before_codes_reads_as_its_terms_name():
    assert MATERIALS.name("和田玉", "en") == "nephrite jade"
    assert MATERIALS.name("nephrite jade", "zh-hans") == "和田玉"
    assert MATERIALS.name("resin", "zh-hans") == "resin"  # typed text, as typed
    assert MARKINGS.names(["name", "net_content"], "zh-hans") == "品名、净含量"
    assert MARKINGS.names(["name", "net_content"], "en") == "product name, net content"


# --- claims and rules -----------------------------------------------------------------


def test_a_claim_stores_the_codes_of_the_terms_it_names():
    stored = claim_normalise(
        {
            "material": "A货翡翠",
            "packaging": "礼盒",
            "labels": ["品名", "Net Content", "生产许可证编号", "防伪码"],
            "weight_g": "3.2",
        }
    )

    assert stored == {
        "material": "jadeite A",
        "packaging": "gift box",
        "labels": ["name", "net_content", "licence_number", "防伪码"],
        "weight_mg": 3200,
    }


def test_a_template_vocabulary_is_a_list_of_codes_and_an_old_mapping_reads_as_one():
    old = rules.rule_from_dict(
        {
            "key": "m",
            "kind": "material",
            "params": {
                "vocabulary": {"nephrite jade": ["和田玉"], "翡翠A货": []},
                "readings": {"和田玉": {"refractive_index": ["1.60", "1.64"]}},
            },
        }
    )
    new = rules.rule_from_dict(
        {"key": "m", "kind": "material", "params": {"vocabulary": ["和田玉", "翡翠"]}}
    )

    assert (
        old.params["vocabulary"]
        == new.params["vocabulary"]
        == [
            "nephrite jade",
            "jadeite A",
        ]
    )
    assert old.params["readings"] == {
        "nephrite jade": {"refractive_index": ["1.60", "1.64"]}
    }
    with pytest.raises(rules.RuleError, match="Unknown material unobtainium"):
        rules.rule_from_dict(
            {"key": "m", "kind": "material", "params": {"vocabulary": ["unobtainium"]}}
        )


def test_labels_and_packaging_rules_read_and_describe_in_the_readers_words():
    labels = rules.rule_from_dict(
        {"key": "l", "kind": "labels", "params": {"required": ["品名", "net content"]}}
    )
    packaging = rules.rule_from_dict(
        {"key": "p", "kind": "packaging", "params": {"accepted_states": ["完好"]}}
    )

    assert labels.params["required"] == ["name", "net_content"]
    assert packaging.params["accepted_states"] == ["intact"]
    with translation.override("zh-hans"):
        assert "品名、净含量" in rules.rule_describe(labels)
        assert "完好" in rules.rule_describe(packaging)
    assert "product name, net content" in rules.rule_describe(labels)
    observation = rules.observation_parse(labels, {"labels": ["品名"]})
    result = rules.check_evaluate(
        labels,
        None,
        observation,
        context=rules.Context(received_on=None, today=dt.date(2026, 12, 1)),
    )
    assert result.params == {"missing": ["net_content"]}
    chinese = check_reason(result.code, result.params, "zh-hans")
    assert chinese == "缺失或不清晰：净含量。"  # noqa: RUF001


# --- through the API, the form, the upload and the inspection -------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("qc")
def test_the_api_stores_the_code_of_a_chinese_claim(world):
    client = api_client(world.merchant_user)
    body = {
        "reference": "VOC-1",
        "warehouse": "GZ",
        "items": [jade_row(material="翡翠", packaging="礼盒")],
    }

    response = client.post("/api/v1/inbound-notices/", body, format="json")

    assert response.status_code == 201, response.content
    code = response.json()["items"][0]["code"]
    item = client.get(f"/api/v1/items/{code}/").json()
    assert item["claim"]["material"] == "jadeite A"
    assert item["claim"]["packaging"] == "gift box"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-hans", "未知材质 琉璃；请使用：和田玉、翡翠A货、玻璃。"),  # noqa: RUF001
        (
            "en",
            "Unknown material 琉璃; use one of: nephrite jade, "
            "jadeite (natural, type A), glass.",
        ),
    ],
)
@pytest.mark.usefixtures("qc")
def test_the_api_refuses_an_unknown_material_listing_the_choices(
    world, language, message
):
    client = api_client(world.merchant_user)
    body = {
        "reference": "VOC-2",
        "warehouse": "GZ",
        "items": [jade_row(material="琉璃")],
    }

    response = client.post(
        "/api/v1/inbound-notices/",
        body,
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"]["items[0].claim.material"] == [message]


@pytest.mark.django_db
def test_the_announce_form_offers_names_and_stores_codes(merchant):
    client = merchant
    page = text(client.get(CREATE, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert '<datalist id="vocabulary-material">' in page
    assert '<option value="和田玉">' in page
    assert 'list="vocabulary-packaging_type"' in page

    rows = [
        {**JADE_ROW, "material": "和田玉", "packaging": "礼盒"},
        {**LOT_ROW, "packaging": "密封纸箱", "labels": "品名|净含量；生产者"},  # noqa: RUF001
    ]
    response = client.post(CREATE, form_data(rows))

    assert response.status_code == 302, text(response)
    jade, lot = InboundNotice.objects.get(reference="FORM-1").items.order_by("line")
    assert (jade.claim["material"], jade.claim["packaging"]) == (
        "nephrite jade",
        "gift box",
    )
    assert lot.claim["packaging"] == "sealed carton"
    assert lot.claim["labels"] == ["name", "net_content", "producer"]


@pytest.mark.django_db
def test_an_uploaded_file_may_name_terms_in_chinese(merchant):
    header = "sku,title,category,serial,quantity,claim.material,claim.weight_g"
    rows = [
        header,
        "# 注释行被跳过",
        "B-1,手镯,jewellery-jade,S-1,1,和田玉,52.31",
        "B-2,戒指,jewellery-jade,S-2,1,足金999,3",
    ]
    data = ("\ufeff" + "\n".join(rows) + "\n").encode()

    response = upload(merchant, (io.BytesIO(data), "items.csv"))

    assert response.status_code == 302, text(response)
    notice = InboundNotice.objects.get(reference="FILE-1")
    materials = notice.items.order_by("line").values_list("claim__material", flat=True)
    assert list(materials) == ["nephrite jade", "24K gold"]


@pytest.mark.django_db
def test_the_templates_list_every_code_with_both_names(world):
    workbook = load_workbook(io.BytesIO(uploads.notice_template_xlsx()))
    assert workbook.sheetnames == ["items", "codes"]
    listed = [list(row) for row in workbook["codes"].iter_rows(values_only=True)]
    assert ["claim.material", "jadeite A", "翡翠A货", "jadeite (natural, type A)"] in (
        listed
    )
    assert ["claim.labels", "net_content", "净含量", "net content"] in listed

    csv_text = uploads.notice_template_csv().decode("utf-8-sig")
    assert "nephrite jade = 和田玉 / nephrite jade" in csv_text
    assert "gift box = 礼盒 / gift box" in csv_text
    result = uploads.notice_file_read(io.BytesIO(uploads.notice_template_csv()))
    assert result.errors == []  # the comment lines are skipped


@pytest.mark.django_db
@pytest.mark.usefixtures("qc")
def test_an_observation_in_chinese_is_stored_as_codes_and_shown_by_name(world):
    item = received(world, jade_row(packaging="gift box"))
    observed = {**GOOD_JADE, "packaging": {"state": "完好", "type": "礼盒"}}

    inspection = submit(world.inspector, item, observed)

    checks = {c.key: c for c in InspectionCheck.objects.filter(inspection=inspection)}
    assert checks["material"].observed == {"material": "nephrite jade"}
    assert checks["packaging"].observed == {"state": "intact", "type": "gift box"}
    assert checks["packaging"].verdict == "pass"
    with translation.override("zh-hans"):
        rows = {row.check.key: row for row in check_rows(checks.values())}
        assert ("nephrite jade", "和田玉") in [
            (code, str(name)) for code, name in rows["material"].options
        ]
        assert rows["material"].values["material"] == "和田玉"
        assert rows["packaging"].values["type"] == "礼盒"
        assert rows["material"].claimed == "和田玉"
        assert "和田玉" in checks["material"].reason


# --- categories, carriers, stations: the vocabularies kept in the database ------------


@pytest.fixture
def categories_seeded(world):
    """The demo categories, with their Chinese names and trade synonyms."""
    for data in DEMO_CATEGORIES:
        Category.objects.update_or_create(code=data["code"], defaults=data)


@pytest.mark.django_db
@pytest.mark.usefixtures("categories_seeded")
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("jewellery-jade", "jewellery-jade"),
        ("珠宝玉石", "jewellery-jade"),
        ("Jewellery and jade", "jewellery-jade"),
        ("珠宝", "jewellery-jade"),
        ("玉石", "jewellery-jade"),
        ("jewelry", "jewellery-jade"),
        ("  JEWELLERY ", "jewellery-jade"),
        ("Jade", "jewellery-jade"),
        ("化妆品", "cosmetics"),
        ("护肤品", "cosmetics"),
        ("Skin Care", "cosmetics"),
        ("skincare", "cosmetics"),
        ("食品", "packaged-food"),
        ("预包装食品", "packaged-food"),
        ("food", "packaged-food"),
        ("二手手机", "phones-used"),
        ("手机", "phones-used"),
        ("used phone", "phones-used"),
        ("Second-hand phone", "phones-used"),
        ("ｓｅｃｏｎｄ ｈａｎｄ ｐｈｏｎｅ", "phones-used"),  # full width  # noqa: RUF001
    ],
)
def test_a_category_is_found_by_its_code_either_name_or_a_trade_word(text, code):
    assert categories().find(text) == code
    assert categories().resolve_active(text) == code


@pytest.mark.django_db
@pytest.mark.usefixtures("categories_seeded")
def test_saving_a_category_rebuilds_the_vocabulary_here_at_once():
    assert categories().find("文玩") is None
    jade = Category.objects.get(code="jewellery-jade")
    jade.synonyms = [*jade.synonyms, "文玩"]
    jade.save()

    assert categories().find("文玩") == "jewellery-jade"
    jade.is_active = False
    jade.save()
    with pytest.raises(UnknownTerm) as caught:
        categories().resolve_active("文玩")
    assert "jewellery-jade" not in caught.value.params["list"]


@pytest.mark.django_db
@pytest.mark.usefixtures("categories_seeded")
def test_a_synonym_naming_another_category_is_refused_in_the_admin_form():
    jade = Category.objects.get(code="jewellery-jade")
    jade.synonyms = ["护肤品"]  # the cosmetics'
    with pytest.raises(ValidationError, match="already names category cosmetics"):
        jade.full_clean()
    jade.synonyms = "珠宝"
    with pytest.raises(ValidationError, match="list of words"):
        jade.full_clean()


@pytest.mark.django_db
@pytest.mark.usefixtures("categories_seeded")
def test_the_api_stores_the_code_of_a_category_named_in_chinese_or_a_trade_word(world):
    client = api_client(world.merchant_user)
    body = {
        "reference": "CAT-1",
        "warehouse": "GZ",
        "carrier": "顺丰",
        "items": [
            {**jade_row(), "category": "珠宝"},
            {**jade_row(), "sku": "B-2", "category": "Jewelry"},
            {**lot_row(labels=["品名", "净含量"]), "category": "护肤品"},
        ],
    }

    response = client.post("/api/v1/inbound-notices/", body, format="json")

    assert response.status_code == 201, response.content
    notice = InboundNotice.objects.get(reference="CAT-1")
    assert notice.carrier == "sf"
    assert list(
        notice.items.order_by("line").values_list("category__code", flat=True)
    ) == [
        "jewellery-jade",
        "jewellery-jade",
        "cosmetics",
    ]
    listed = client.get("/api/v1/items/", {"category": "珠宝玉石"}).json()
    assert len(listed["results"]) == 2


@pytest.mark.django_db
@pytest.mark.usefixtures("categories_seeded")
@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("zh-hans", "化妆品、珠宝玉石、预包装食品、二手手机"),
        ("en", "Cosmetics, Jewellery and jade, Packaged food, Second-hand phones"),
    ],
)
def test_an_unknown_category_is_refused_listing_the_categories_in_the_readers_language(
    world, language, names
):
    client = api_client(world.merchant_user)
    body = {
        "reference": "CAT-2",
        "warehouse": "GZ",
        "items": [{**jade_row(), "category": "家电"}],
    }

    response = client.post(
        "/api/v1/inbound-notices/", body, format="json", HTTP_ACCEPT_LANGUAGE=language
    )

    assert response.status_code == 400
    (message,) = response.json()["error"]["fields"]["items[0].category"]
    assert "家电" in message
    assert names in message
    params = {"value": "家电", "list": ["cosmetics", "phones-used"]}
    words = message_render("unknown_category", params, language=language)
    assert ("化妆品" in words) == (language == "zh-hans")
    assert "cosmetics" not in words


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("carrier", "code"), [("顺丰", "sf"), ("中通快递", "zto"), ("J&T", "jt")]
)
def test_an_order_names_its_carrier_in_either_language(world, carrier, code):
    payload = order_payload(world, lines=[{"sku": "SERUM-30"}], carrier=carrier)

    response = api_client(world.platform).post("/api/v1/orders/", payload, "json")

    assert response.status_code == 201, response.json()
    assert response.json()["carrier"] == code


@pytest.mark.django_db
def test_an_unknown_carrier_is_refused_listing_the_carriers_by_name(world):
    payload = order_payload(world, lines=[{"sku": "SERUM-30"}], carrier="DHL")

    response = api_client(world.platform).post(
        "/api/v1/orders/", payload, "json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unknown_carrier"
    assert "顺丰速运" in error["fields"]["carrier"][0]
    policy = api_client(world.merchant_user).put(
        "/api/v1/merchant-policy/", {"return_carrier": "圆通"}, "json"
    )
    assert policy.status_code == 200, policy.json()
    assert policy.json()["return_carrier"] == "yto"


@pytest.mark.django_db
@pytest.mark.usefixtures("categories_seeded")
def test_the_announce_form_shows_category_names_and_takes_a_trade_word(merchant):
    page = text(merchant.get(CREATE, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert '<option value="jewellery-jade">珠宝玉石</option>' in page
    assert "jewellery-jade ·" not in page
    english = text(merchant.get(CREATE, HTTP_ACCEPT_LANGUAGE="en"))
    assert '<option value="jewellery-jade">Jewellery and jade</option>' in english

    response = merchant.post(
        CREATE, form_data([{**JADE_ROW, "category": "珠宝"}], carrier="sf")
    )

    assert response.status_code == 302, text(response)
    item = InboundNotice.objects.get(reference="FORM-1").items.get()
    assert item.category.code == "jewellery-jade"


@pytest.mark.django_db
@pytest.mark.usefixtures("categories_seeded")
def test_an_uploaded_file_may_name_categories_in_either_language(merchant):
    header = (
        "sku,title,category,serial,quantity,claim.material,claim.weight_g,"
        "claim.declared_value"
    )
    rows = [
        header,
        "B-1,手镯,珠宝,S-1,1,和田玉,52.31,1000",
        "B-2,戒指,Jewellery and jade,S-2,1,足金999,3,2000",
        "B-3,吊坠,玉石,S-3,1,翡翠,4,3000",
    ]
    data = ("\ufeff" + "\n".join(rows) + "\n").encode()

    response = upload(merchant, (io.BytesIO(data), "items.csv"))

    assert response.status_code == 302, text(response)
    notice = InboundNotice.objects.get(reference="FILE-1")
    assert set(notice.items.values_list("category__code", flat=True)) == {
        "jewellery-jade"
    }
    bad = "\ufeff" + "\n".join([header, "B-9,手镯,家电,S-9,1,和田玉,5,100"]) + "\n"
    refused = upload(
        merchant, (io.BytesIO(bad.encode()), "items.csv"), reference="FILE-2"
    )
    assert refused.status_code == 400
    assert "Jewellery and jade, Packaged food" in text(refused)


@pytest.mark.django_db
@pytest.mark.usefixtures("categories_seeded")
def test_the_templates_list_the_categories_with_both_names():
    workbook = load_workbook(io.BytesIO(uploads.notice_template_xlsx()))
    listed = [list(row) for row in workbook["codes"].iter_rows(values_only=True)]
    assert ["category", "jewellery-jade", "珠宝玉石", "Jewellery and jade"] in listed
    assert ["category", "phones-used", "二手手机", "Second-hand phones"] in listed
    csv_text = uploads.notice_template_csv().decode("utf-8-sig")
    assert "cosmetics = 化妆品 / Cosmetics" in csv_text


@pytest.mark.django_db
def test_stations_and_warehouses_are_named_in_the_readers_language(client, world):
    station = Station.objects.get(code="GZ-RCV-01")
    station.name, station.name_zh = "GZ receiving 1", "GZ 收货台 1"
    station.save()
    world.gz.name, world.gz.name_zh = "Guangzhou Inspection Warehouse", "广州质检仓"
    world.gz.save()

    assert station.name_in("zh-hans") == "GZ 收货台 1"
    assert station.name_in("en") == "GZ receiving 1"
    with translation.override("zh-hans"):
        assert station.display_name == "GZ 收货台 1"
        assert str(world.gz) == "GZ 广州质检仓"
    assert world.gz.names_both == "广州质检仓 Guangzhou Inspection Warehouse"
    world.sih.name_zh = ""
    assert world.sih.name_in("zh-hans") == world.sih.name  # no Chinese name: English

    operator = get_user_model().objects.create(username="op")
    StaffAssignment.objects.create(user=operator, warehouse=world.gz, role="operator")
    client.force_login(operator)
    client.post("/station/choose/", {"station": station.pk})
    page = text(client.get("/station/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "GZ 收货台 1" in page
    assert "广州质检仓" in page
    assert "GZ receiving 1" not in page
    english = text(client.get("/station/", HTTP_ACCEPT_LANGUAGE="en"))
    assert "GZ receiving 1" in english and "Guangzhou Inspection Warehouse" in english
    assert "收货台" not in english


def test_the_migration_splits_names_given_in_both_languages():
    migration = importlib.import_module(
        "warehouse.migrations.0011_bilingual_names_category_synonyms"
    )
    both = migration.BOTH.match("四会玉器质检仓 Sihui Jade Inspection Warehouse")
    assert (both["zh"], both["en"]) == (
        "四会玉器质检仓",
        "Sihui Jade Inspection Warehouse",
    )
    assert migration.BOTH.match("Guangzhou") is None
    assert migration.STATION_NAME.match("GZ dock 1")["kind"] == "dock"
    assert set(migration.SYNONYMS) == {c["code"] for c in DEMO_CATEGORIES}
