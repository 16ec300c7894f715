"""The data migration that turns a material check's old vocabulary (a mapping
of names to synonyms) into material codes: names the vocabulary knows become
their codes, through their synonyms too; a name it does not know leaves the
vocabulary and is kept under ``unmapped_vocabulary``, so every template and
every inspection's rule loads again."""

import importlib

import pytest
from django.apps import apps as django_apps

from inspection import rules
from inspection.models import InspectionCheck, TemplateCheck
from tests.inspection.factories import GOOD_JADE, jade_row, received
from tests.inspection.test_services import submit

migration = importlib.import_module(
    "inspection.migrations.0005_template_material_codes"
)
migrate = migration.material_params_migrate

OLD = {
    "vocabulary": {
        "和田玉": ["软玉"],
        "jade": ["翡翠", "玉"],  # not a term; its synonym 翡翠 is (jadeite A)
        "琉璃": ["古法琉璃"],  # no spelling the vocabulary knows
        "gold": [],  # nor this
    },
    "readings": {
        "和田玉": {"refractive_index": ["1.60", "1.64"]},
        "jade": {"specific_gravity": ["3.30", "3.38"]},
        "琉璃": {"refractive_index": ["1.50", "1.52"]},
    },
}


def test_known_names_become_codes_and_unknown_ones_are_kept_aside():
    params = migrate(OLD)

    assert params["vocabulary"] == ["nephrite jade", "jadeite A"]
    assert params["readings"] == {
        "nephrite jade": {"refractive_index": ["1.60", "1.64"]},
        "jadeite A": {"specific_gravity": ["3.30", "3.38"]},
    }
    assert params["unmapped_vocabulary"] == {"琉璃": ["古法琉璃"], "gold": []}
    assert params["unmapped_readings"] == {
        "琉璃": {"refractive_index": ["1.50", "1.52"]}
    }
    rule = rules.rule_from_dict({"key": "m", "kind": "material", "params": params})
    assert rule.params["vocabulary"] == ["nephrite jade", "jadeite A"]


def test_a_vocabulary_of_codes_is_left_alone_and_a_list_of_names_becomes_codes():
    assert migrate({"vocabulary": ["nephrite jade"], "readings": {}}) is None
    assert migrate({}) is None
    assert migrate({"vocabulary": ["和田玉", "翡翠"]}) == {
        "vocabulary": ["nephrite jade", "jadeite A"],
        "readings": {},
    }


def test_a_vocabulary_of_unknown_names_only_ends_empty_and_says_what_it_had():
    params = migrate({"vocabulary": {"unobtainium": ["mithril"]}})

    assert params["vocabulary"] == []
    assert params["unmapped_vocabulary"] == {"unobtainium": ["mithril"]}
    rules.rule_from_dict({"key": "m", "kind": "material", "params": params})


@pytest.mark.django_db
def test_the_migration_rewrites_templates_and_inspections_so_they_load(world, qc):
    item = received(world, jade_row())
    inspection = submit(world.inspector, item, GOOD_JADE)
    template_check = TemplateCheck.objects.get(
        template=qc.jade_template, kind="material"
    )
    TemplateCheck.objects.filter(pk=template_check.pk).update(params=OLD)
    kept = InspectionCheck.objects.get(inspection=inspection, kind="material")
    InspectionCheck.objects.filter(pk=kept.pk).update(rule={**kept.rule, "params": OLD})
    template_check.refresh_from_db()
    with pytest.raises(rules.RuleError):
        rules.rule_from_dict({"key": "m", "kind": "material", "params": OLD})

    migration.materials_as_codes(django_apps, None)
    migration.materials_as_codes(django_apps, None)  # a second run changes nothing

    template_check.refresh_from_db()
    kept.refresh_from_db()
    # (PostgreSQL keeps a JSON object's keys in its own order)
    assert sorted(template_check.params["vocabulary"]) == ["jadeite A", "nephrite jade"]
    assert sorted(kept.rule["params"]["vocabulary"]) == ["jadeite A", "nephrite jade"]
    assert kept.rule["params"]["unmapped_vocabulary"] == {
        "琉璃": ["古法琉璃"],
        "gold": [],
    }
    assert kept.rule["key"] == "material"  # the rest of the rule as it was
    rules.rule_from_dict(kept.rule)
    rules.rule_from_dict(
        {"key": "material", "kind": "material", "params": template_check.params}
    )
