"""The judge of a buyer's return: the item now against what we observed at
certification (not the claim), each point a fact, the verdict and where the
item would go; it writes nothing."""

import pytest

from inspection.messages import return_point_reason
from inspection.models import Certificate, InspectionTemplate, ReturnInspection
from inspection.services.returns import return_certified_values, return_compare
from tests.fulfilment.conftest import certified
from tests.inspection.factories import lot_row
from warehouse.common.exceptions import Conflict, InvalidInput
from warehouse.models import ItemEvent, Tag

SEAL = "S00012345"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def jade(world, qc):
    """A certified jade bangle (52.31 g of nephrite jade) that left under a seal."""
    item = certified(world)
    Tag.objects.create(value=SEAL, purpose=Tag.Purpose.SEAL, item=item)
    return item


@pytest.fixture
def serum(world, qc):
    """One certified unit of stock-first goods (cosmetics)."""
    return certified_unit(world)


def certified_unit(world):
    from inspection import services
    from tests.fulfilment.conftest import run_jobs
    from tests.inspection.factories import GOOD_UNIT, received
    from warehouse.common.access import principal_of

    item = received(world, lot_row(quantity=1))
    services.inspection_submit(
        principal=principal_of(world.inspector),
        code=item.code,
        observed={**GOOD_UNIT, "expiry_date": item.claim["expiry_date"]},
    )
    services.certificate_issue(item_id=item.pk)
    run_jobs()
    item.refresh_from_db()
    return item


def same(**changes) -> dict:
    """What an inspector sees of the same bangle, with ``changes``."""
    observed = {
        "seal": {"present": True, "intact": True, "number": SEAL},
        "weight_g": "52.31",
        "material": "和田玉",
    }
    observed.update(changes)
    return {k: v for k, v in observed.items() if v is not None}


def test_the_certified_values_are_what_was_observed_at_certification(jade):
    values = return_certified_values(jade)
    assert values["certificate"] == Certificate.objects.get(item=jade).number
    assert values["seal"] == SEAL
    assert values["weight_mg"] == 52310
    assert values["material"] == "nephrite jade"
    assert values["identity"] == {}
    assert values["packaging"] is False
    assert values["tolerance_mg"] == 20


def test_the_same_item_matches_and_goes_back_to_its_merchant(jade):
    judged = return_compare(item=jade, observed=same())
    assert judged["verdict"] == "matches"
    assert judged["outcome"] == "to_merchant"  # order-first: never to stock
    assert [(c["check"], c["code"], c["ok"]) for c in judged["checks"]] == [
        ("seal", "return_seal_intact", True),
        ("weight", "return_weight_same", True),
        ("material", "return_material_same", True),
    ]
    assert judged["observed"]["weight_mg"] == 52310
    assert judged["observed"]["material"] == "nephrite jade"


def test_within_the_scales_repeatability_is_the_same_weight(jade):
    judged = return_compare(item=jade, observed=same(weight_g="52.33"))
    assert judged["verdict"] == "matches"
    weight = judged["checks"][1]
    assert weight["params"] == {
        "now_mg": 52330,
        "certified_mg": 52310,
        "difference_mg": 20,
        "tolerance_mg": 20,
    }


def test_two_grams_lighter_is_not_the_certified_item(jade):
    judged = return_compare(item=jade, observed=same(weight_g="50.31"))
    assert judged["verdict"] == "mismatch"
    assert judged["outcome"] == "disputed"
    weight = judged["checks"][1]
    assert weight == {
        "check": "weight",
        "code": "return_weight_differs",
        "params": {
            "now_mg": 50310,
            "certified_mg": 52310,
            "difference_mg": 2000,
            "tolerance_mg": 20,
        },
        "ok": False,
        "severity": "mismatch",
    }
    assert return_point_reason(weight["code"], weight["params"], "en") == (
        "Weighs 50310 mg, certified 52310 mg: 2000 mg apart, beyond 20 mg."
    )


def test_the_templates_return_tolerance_is_used(jade):
    InspectionTemplate.objects.filter(category=jade.category).update(
        return_weight_tolerance_mg=3000
    )
    judged = return_compare(item=jade, observed=same(weight_g="50.31"))
    assert judged["verdict"] == "matches"


@pytest.mark.parametrize(
    "seal, code",
    [
        ({"present": False}, "return_seal_missing"),
        ({"present": True, "intact": False}, "return_seal_broken"),
        (
            {"present": True, "intact": True, "number": "S00099999"},
            "return_seal_number_differs",
        ),
    ],
)
def test_a_seal_missing_broken_or_another_is_a_mismatch(jade, seal, code):
    judged = return_compare(item=jade, observed=same(seal=seal))
    assert judged["verdict"] == "mismatch"
    assert judged["checks"][0]["code"] == code
    assert judged["checks"][0]["severity"] == "mismatch"


def test_the_seal_number_is_read_without_case_or_spaces(jade):
    seal = {"present": True, "intact": True, "number": " s000 12345 "}
    assert return_compare(item=jade, observed=same(seal=seal))["verdict"] == ("matches")


def test_another_material_is_a_mismatch_named_in_the_readers_language(jade):
    judged = return_compare(item=jade, observed=same(material="玻璃"))
    material = judged["checks"][2]
    assert material["code"] == "return_material_differs"
    assert material["params"] == {"found": "glass", "certified": "nephrite jade"}
    assert judged["verdict"] == "mismatch"
    english = return_point_reason(material["code"], material["params"], "en")
    chinese = return_point_reason(material["code"], material["params"], "zh-hans")
    assert "Nephrite" in english or "nephrite" in english
    assert "和田玉" in chinese


def test_a_damaged_item_is_damaged_and_goes_back_to_its_merchant(jade):
    judged = return_compare(item=jade, observed=same(condition="damaged"))
    assert judged["verdict"] == "damaged"
    assert judged["outcome"] == "to_merchant"
    assert judged["checks"][-1]["code"] == "return_condition_damaged"


def test_a_mismatch_outweighs_damage(jade):
    judged = return_compare(
        item=jade, observed=same(condition="damaged", weight_g="40")
    )
    assert judged["verdict"] == "mismatch"


def test_a_compared_point_left_out_is_refused_naming_its_field(jade):
    with pytest.raises(InvalidInput) as refused:
        return_compare(item=jade, observed=same(weight_g=None, seal=None))
    assert refused.value.code == "missing_observation"
    assert set(refused.value.fields) == {"seal", "weight_g"}


def test_an_intact_seal_needs_its_number(jade):
    with pytest.raises(InvalidInput) as refused:
        return_compare(item=jade, observed=same(seal={"present": True, "intact": True}))
    assert set(refused.value.fields) == {"seal.number"}


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"weight_g": "heavy"}, "weight_g"),
        ({"material": "unobtainium"}, "material"),
        ({"seal": "intact"}, "seal"),
        ({"condition": "fine"}, "condition"),
        ({"colour": "green"}, "colour"),
    ],
)
def test_an_unreadable_observation_is_refused_naming_its_field(jade, changes, field):
    with pytest.raises(InvalidInput) as refused:
        return_compare(item=jade, observed=same(**changes))
    assert field in refused.value.fields


def test_the_judge_writes_nothing(jade):
    events = ItemEvent.objects.count()
    return_compare(item=jade, observed=same(weight_g="40"))
    assert ItemEvent.objects.count() == events
    assert not ReturnInspection.objects.exists()


def test_an_item_never_certified_has_nothing_to_compare(world, qc):
    from tests.inspection.factories import jade_row, received

    item = received(world, jade_row())
    with pytest.raises(Conflict) as refused:
        return_compare(item=item, observed=same())
    assert refused.value.code == "not_certified"


def test_an_identity_is_compared_as_the_identity_check_does(jade):
    certificate = Certificate.objects.get(item=jade)
    content = dict(certificate.content)
    content["checks"] = [
        *content["checks"],
        {
            "check": "imei",
            "kind": "identity",
            "rule": {"params": {"field": "imei"}},
            "observed": {"value": "490154203237518"},
        },
    ]
    Certificate.objects.filter(pk=certificate.pk).update(content=content)
    assert return_certified_values(jade)["identity"] == {"imei": "490154203237518"}
    with pytest.raises(InvalidInput) as refused:
        return_compare(item=jade, observed=same())
    assert set(refused.value.fields) == {"identity.imei"}
    same_phone = same(identity={"imei": "49-015420-323751-8"})
    judged = return_compare(item=jade, observed=same_phone)
    assert judged["checks"][-1]["code"] == "return_identity_same"
    other = return_compare(
        item=jade, observed=same(identity={"imei": "356938035643809"})
    )
    assert other["checks"][-1]["code"] == "return_identity_differs"
    assert other["checks"][-1]["params"]["field"] == "imei"
    assert other["verdict"] == "mismatch"


@pytest.mark.parametrize(
    "packaging, verdict, outcome",
    [
        ("unopened", "matches", "restock"),
        ("opened", "matches", "to_merchant"),
        ("damaged", "damaged", "to_merchant"),
    ],
)
def test_stock_first_goods_go_back_to_stock_only_unopened(
    serum, packaging, verdict, outcome
):
    assert return_certified_values(serum)["packaging"] is True
    judged = return_compare(item=serum, observed={"packaging": packaging})
    assert (judged["verdict"], judged["outcome"]) == (verdict, outcome)
    assert judged["checks"][0]["code"] == f"return_packaging_{packaging}"


def test_stock_first_goods_need_their_packaging_state(serum):
    with pytest.raises(InvalidInput) as refused:
        return_compare(item=serum, observed={})
    assert set(refused.value.fields) == {"packaging"}
