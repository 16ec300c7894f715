"""Check results become facts: a message code and its params, not a sentence.

Each stored reason (a check row's, and each sampled unit's per check) is read
back into its code and raw params, in English or in Chinese, against the
catalogue as it was when results were sentences (frozen below, so later edits
of the messages cannot change what this migration reads). A sentence that is
no known message (an inspector's note, a message since reworded) is kept as
code ``legacy_text`` with the original text.
"""

import re

from django.db import migrations, models

LEGACY_TEXT = "legacy_text"

# code: (English source, Chinese translation), as stored until now.
MESSAGES = {
    "nothing_claimed": ("Nothing was claimed for this check.", "此检查项没有申报值。"),
    "material_mismatch": (
        "Found %(found)s, claimed %(claimed)s.",
        "实测为 %(found)s，申报为 %(claimed)s。",
    ),
    "material_reading_outside": (
        "%(name)s %(value)s is outside %(low)s to %(high)s for %(material)s: "
        "the instrument disagrees with the finding.",
        "%(name)s %(value)s 超出 %(material)s 的 %(low)s 至 %(high)s 范围："
        "仪器读数与判定不符。",
    ),
    "material_as_claimed": ("%(material)s as claimed.", "%(material)s，与申报相符。"),
    "weight_within_tolerance": (
        "Off by %(deviation)s; tolerance %(tolerance)s.",
        "偏差 %(deviation)s；允差 %(tolerance)s。",
    ),
    "weight_heavier": (
        "%(deviation)s heavier than claimed; tolerance %(tolerance)s.",
        "比申报重 %(deviation)s；允差 %(tolerance)s。",
    ),
    "weight_lighter": (
        "%(deviation)s lighter than claimed; tolerance %(tolerance)s.",
        "比申报轻 %(deviation)s；允差 %(tolerance)s。",
    ),
    "shelf_life_date_disagrees": (
        "The label says %(name)s %(seen)s, the claim %(said)s.",
        "标签%(name)s为 %(seen)s，申报为 %(said)s。",
    ),
    "shelf_life_no_expiry": ("No expiry date is known.", "无法得知有效期。"),
    "shelf_life_expired": ("Expired on %(date)s.", "已于 %(date)s 过期。"),
    "shelf_life_days_short": (
        "%(left)d days of shelf life left at receipt; at least %(min)d needed.",
        "入库时剩余保质期 %(left)d 天；至少需要 %(min)d 天。",
    ),
    "shelf_life_no_production": (
        "Cannot compute the share of shelf life left: no production date.",
        "无法计算剩余保质期比例：缺少生产日期。",
    ),
    "shelf_life_share_short": (
        "%(left)s%% of shelf life left at receipt; at least %(min)s%% needed.",
        "入库时剩余保质期 %(left)s%%；至少需要 %(min)s%%。",
    ),
    "shelf_life_left": (
        "%(left)d days of shelf life left at receipt.",
        "入库时剩余保质期 %(left)d 天。",
    ),
    "packaging_state_refused": ("Packaging is %(state)s.", "包装状态：%(state)s。"),
    "packaging_type_mismatch": (
        "Packaging is %(found)s, claimed %(claimed)s.",
        "包装为 %(found)s，申报为 %(claimed)s。",
    ),
    "packaging_accepted": ("Packaging %(state)s.", "包装 %(state)s。"),
    "labels_missing": ("Missing or illegible: %(list)s.", "缺失或不清晰：%(list)s。"),
    "labels_present": ("All required markings present.", "所需标识齐全。"),
    "identity_mismatch": (
        "%(field)s is %(found)s, claimed %(claimed)s.",
        "%(field)s 为 %(found)s，申报为 %(claimed)s。",
    ),
    "identity_matches": ("%(field)s matches.", "%(field)s 一致。"),
    "free_confirmed": ("Confirmed by the inspector.", "质检员确认。"),
    "free_not_confirmed": ("Not confirmed by the inspector.", "质检员未确认。"),
    "lot_units_not_passed": (
        "%(bad)d of %(units)d sampled units did not pass.",
        "%(units)d 件样品中有 %(bad)d 件未通过。",
    ),
}

NUMBER = r"-?[\d,]+(?:\.\d+)?"
VALUES = {  # how each placeholder's value looked, where it was narrower than text
    "deviation": NUMBER + " mg",
    "tolerance": NUMBER + " mg",
    "left": NUMBER,
    "min": NUMBER,
    "bad": r"\d+",
    "units": r"\d+",
    "seen": r"\d{4}-\d{2}-\d{2}",
    "said": r"\d{4}-\d{2}-\d{2}",
    "date": r"\d{4}-\d{2}-\d{2}",
    "state": r"[a-z_]+",
    "field": r"[a-z0-9_]{1,32}",
    "value": NUMBER,
    "low": NUMBER,
    "high": NUMBER,
}
DATE_NAMES = {"expiry": "expiry", "production": "production"}
DATE_NAMES_ZH = {"有效期": "expiry", "生产日期": "production"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")


def _pattern(text: str) -> re.Pattern:
    parts, at = [], 0
    for match in PLACEHOLDER.finditer(text):
        parts.append(re.escape(text[at : match.start()]))
        if match.group(0) == "%%":
            parts.append("%")
        else:
            name = match.group(1)
            parts.append(f"(?P<{name}>{VALUES.get(name, '.+?')})")
        at = match.end()
    parts.append(re.escape(text[at:]))
    return re.compile("^" + "".join(parts) + "$", re.DOTALL)


def _literal_length(text: str) -> int:
    return len(PLACEHOLDER.sub("", text))


# Most literal text first: a longer message is never read as a shorter one.
PATTERNS = sorted(
    ((code, _pattern(text)) for code, texts in MESSAGES.items() for text in texts),
    key=lambda pair: -_literal_length(pair[1].pattern),
)


def _number(text: str):
    value = float(text.replace(",", "").removesuffix(" mg"))
    return int(value) if value.is_integer() else value


def _facts(code: str, values: dict) -> dict:
    """The raw params of ``code`` from the values its sentence showed."""
    if code.startswith("weight_"):
        return {
            "deviation_mg": _number(values["deviation"]),
            "tolerance_mg": _number(values["tolerance"]),
        }
    if code == "shelf_life_date_disagrees":
        name = values["name"].strip()
        date = DATE_NAMES.get(name) or DATE_NAMES_ZH[name]
        return {"date": date, "seen": values["seen"], "said": values["said"]}
    if code == "shelf_life_share_short":
        return {
            "left_share": round(_number(values["left"]) / 100, 4),
            "min_share": _number(values["min"]) / 100,
        }
    if code in ("shelf_life_days_short", "shelf_life_left", "lot_units_not_passed"):
        return {name: int(value) for name, value in values.items()}
    if code == "material_reading_outside":
        return {**values, "name": values["name"].replace(" ", "_")}
    if code == "labels_missing":
        return {"missing": [name.strip() for name in values["list"].split(",")]}
    return values


def reason_parse(text: str) -> tuple[str, dict]:
    """The code and params of a stored reason; ``legacy_text`` when unknown."""
    if not text:
        return "", {}
    for code, pattern in PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return code, _facts(code, match.groupdict())
            except (KeyError, ValueError):
                continue
    return LEGACY_TEXT, {"text": text}


def forwards(apps, schema_editor):
    InspectionCheck = apps.get_model("inspection", "InspectionCheck")
    SampleUnit = apps.get_model("inspection", "SampleUnit")
    checks = []
    for check in InspectionCheck.objects.exclude(reason="").iterator():
        check.code, check.params = reason_parse(check.reason)
        checks.append(check)
        if len(checks) == 1000:
            InspectionCheck.objects.bulk_update(checks, ["code", "params"])
            checks = []
    InspectionCheck.objects.bulk_update(checks, ["code", "params"])
    units = []
    for unit in SampleUnit.objects.iterator():
        for result in unit.results.values():
            if "reason" in result:
                result["code"], result["params"] = reason_parse(result.pop("reason"))
        units.append(unit)
        if len(units) == 1000:
            SampleUnit.objects.bulk_update(units, ["results"])
            units = []
    SampleUnit.objects.bulk_update(units, ["results"])


class Migration(migrations.Migration):
    dependencies = [("inspection", "0003_certificate_jobs")]

    operations = [
        migrations.AddField(
            model_name="inspectioncheck",
            name="code",
            field=models.CharField(
                blank=True,
                help_text="What the result says, as a code of inspection.messages.",
                max_length=40,
                verbose_name="result code",
            ),
        ),
        migrations.AddField(
            model_name="inspectioncheck",
            name="params",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text="The code's facts: numbers in mg, dates ISO, codes.",
                verbose_name="result facts",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(model_name="inspectioncheck", name="reason"),
        migrations.AlterField(
            model_name="sampleunit",
            name="results",
            field=models.JSONField(
                default=dict,
                help_text="Per check key: verdict, effect, code, params, detail.",
                verbose_name="check results",
            ),
        ),
    ]
