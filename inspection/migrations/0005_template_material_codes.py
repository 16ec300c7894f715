"""A material check's vocabulary becomes a list of material codes.

Templates written before the materials were a vocabulary
(``warehouse.vocabularies.MATERIALS``) stored a mapping of a name to its
synonyms (``{"和田玉": ["软玉"], "jade": ["玉"]}``); one whose names the
vocabulary does not know no longer loads. Each name is read through
``MATERIALS.find`` (codes, both names and the trade's synonyms), its own
synonyms too: every code they name is accepted. A name none of whose
spellings the vocabulary knows is not guessed at (a guess would accept a
material the template never named): it leaves the vocabulary and is kept,
with its synonyms, under ``unmapped_vocabulary`` in the check's params, which
the rule does not read, for a supervisor to see in the admin. Instrument
readings follow their material's code; a reading for a material that left
is kept under ``unmapped_readings``. The template checks and the rule each
inspection kept of them (``InspectionCheck.rule``) are both rewritten.

If no name of a vocabulary is known, the vocabulary ends empty, which the
rule reads as "any material": the check still compares the inspector's
finding with the claim.

Backwards: nothing to undo (the list of codes loads as it is).
"""

from django.db import migrations

from warehouse.vocabularies import MATERIALS


def _names(value) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return []
    return [v.strip() for v in value if isinstance(v, str) and v.strip()]


def material_params_migrate(params) -> dict | None:
    """The params of a material check with its vocabulary as codes, or None
    if they are already so (nothing to change)."""
    if not isinstance(params, dict):
        return None
    vocabulary = params.get("vocabulary") or []
    if isinstance(vocabulary, dict):
        entries = [(name, _names(synonyms)) for name, synonyms in vocabulary.items()]
    elif isinstance(vocabulary, list):
        entries = [(name, []) for name in vocabulary]
    else:
        entries = []
    codes: list[str] = []
    code_of: dict[str, str] = {}  # an old name -> the first code it names
    unmapped: dict[str, list[str]] = {}
    for name, synonyms in entries:
        if not isinstance(name, str) or not name.strip():
            continue
        found = [MATERIALS.find(s) for s in (name, *synonyms)]
        found = [code for code in found if code]
        if not found:
            unmapped[name] = synonyms
            continue
        code_of[name] = found[0]
        codes.extend(code for code in found if code not in codes)
    readings = params.get("readings") or {}
    new_readings: dict = {}
    unmapped_readings: dict = {}
    if isinstance(readings, dict):
        for given, ranges in readings.items():
            code = MATERIALS.find(given) or code_of.get(given)
            if code and (code in codes or not codes) and code not in new_readings:
                new_readings[code] = ranges
            else:
                unmapped_readings[given] = ranges
    else:
        unmapped_readings = {"": readings}
    if (
        vocabulary == codes
        and readings == new_readings
        and not unmapped
        and not unmapped_readings
    ):
        return None
    migrated = {**params, "vocabulary": codes, "readings": new_readings}
    if unmapped:
        migrated["unmapped_vocabulary"] = {
            **(params.get("unmapped_vocabulary") or {}),
            **unmapped,
        }
    if unmapped_readings:
        migrated["unmapped_readings"] = {
            **(params.get("unmapped_readings") or {}),
            **unmapped_readings,
        }
    return migrated


def materials_as_codes(apps, schema_editor):
    TemplateCheck = apps.get_model("inspection", "TemplateCheck")
    InspectionCheck = apps.get_model("inspection", "InspectionCheck")
    for check in TemplateCheck.objects.filter(kind="material").iterator():
        params = material_params_migrate(check.params)
        if params is not None:
            check.params = params
            check.save(update_fields=["params"])
    for check in InspectionCheck.objects.filter(kind="material").iterator():
        rule = check.rule if isinstance(check.rule, dict) else {}
        params = material_params_migrate(rule.get("params"))
        if params is not None:
            check.rule = {**rule, "params": params}
            check.save(update_fields=["rule"])


class Migration(migrations.Migration):
    dependencies = [
        ("inspection", "0004_check_results_as_facts"),
    ]

    operations = [
        migrations.RunPython(materials_as_codes, migrations.RunPython.noop),
    ]
