"""Demo inspection templates for the demo categories, and the living
warehouse's inspections (run by ``seed_demo``).

Idempotent: a category that already has a template keeps it; the living
warehouse's items are inspected when they are first announced.
"""

import io

from PIL import Image, ImageDraw

from warehouse.demo import (
    COSMETIC_LABELS,
    FOOD_LABELS,
    DemoWeek,
    demo_clock,
    demo_jobs_run,
    demo_living_items,
    demo_living_lots,
    demo_living_receive,
    demo_people,
)
from warehouse.models import Category

from .models import Certificate, InspectionTemplate
from .services import (
    appeal_create,
    certificate_revoke,
    inspection_complete,
    inspection_open,
    inspection_photo_add,
    inspection_sign_off,
    inspection_submit,
    inspection_units_record,
    template_publish,
)

# Codes of warehouse.vocabularies.MATERIALS; their names and trade synonyms
# in both languages are the vocabulary's.
JADE_GOLD_VOCABULARY = [
    "nephrite jade",
    "jadeite A",
    "jadeite B",
    "18K gold",
    "24K gold",
    "S925 silver",
    "Pt950 platinum",
    "glass",
]
JADE_READINGS = {
    "nephrite jade": {
        "refractive_index": ["1.60", "1.64"],
        "specific_gravity": ["2.90", "3.10"],
    },
    "jadeite A": {
        "refractive_index": ["1.65", "1.68"],
        "specific_gravity": ["3.25", "3.45"],
    },
}


def _shelf_goods(*, min_days: int, min_share: str, labels: list, net_content_pct: str):
    """Stock-first goods: shelf life, intact packaging, labels, net content."""
    return {
        "aql": "1.0",
        "signoff_above_value": None,
        "checks": [
            {
                "key": "shelf_life",
                "kind": "shelf_life",
                "label": "Shelf life",
                "label_zh": "保质期",
                "params": {
                    "min_remaining_days": min_days,
                    "min_remaining_share": min_share,
                },
            },
            {
                "key": "packaging",
                "kind": "packaging",
                "label": "Outer packaging",
                "label_zh": "外包装",
                "params": {"accepted_states": ["intact"]},
            },
            {
                "key": "labels",
                "kind": "labels",
                "label": "Labels and markings",
                "label_zh": "标签标识",
                "params": {"required": labels},
            },
            {
                "key": "weight",
                "kind": "weight",
                "label": "Net content",
                "label_zh": "净含量",
                "mandatory": False,
                "params": {"tolerance_pct": net_content_pct},
            },
        ],
    }


TEMPLATES = {
    "jewellery-jade": {
        "aql": "2.5",
        "signoff_above_value": "2000.00",
        "notes": "Material by instrument where the claim names a gemstone.",
        "checks": [
            {
                "key": "material",
                "kind": "material",
                "label": "Material",
                "label_zh": "材质",
                "params": {
                    "vocabulary": JADE_GOLD_VOCABULARY,
                    "readings": JADE_READINGS,
                },
            },
            {
                "key": "weight",
                "kind": "weight",
                "label": "Weight",
                "label_zh": "克重",
                "params": {
                    "tolerance_mg": 50,
                    "tolerance_pct": "0.2",
                    "combine": "larger",
                },
            },
            {
                "key": "appearance",
                "kind": "free",
                "label": "No cracks, chips or repairs",
                "label_zh": "无裂纹、缺损或修补",
                "params": {
                    "question": "No cracks, chips or repairs are visible.",
                    "question_zh": "无可见裂纹、缺损或修补痕迹。",
                },
            },
            {
                "key": "packaging",
                "kind": "packaging",
                "label": "Packaging",
                "label_zh": "外包装",
                "mandatory": False,
                "on_fail": "hold",
                "params": {"accepted_states": ["intact"]},
            },
        ],
    },
    "cosmetics": _shelf_goods(
        min_days=180, min_share="0.5", labels=COSMETIC_LABELS, net_content_pct="3"
    ),
    "packaged-food": _shelf_goods(
        min_days=30, min_share="0.33", labels=FOOD_LABELS, net_content_pct="2"
    ),
    "phones-used": {
        "aql": "2.5",
        "signoff_above_value": "3000.00",
        "checks": [
            {
                "key": "imei",
                "kind": "identity",
                "label": "IMEI",
                "label_zh": "IMEI 串号",
                "params": {"field": "imei"},
            },
            {
                "key": "model",
                "kind": "identity",
                "label": "Model",
                "label_zh": "型号",
                "params": {"field": "model"},
            },
            {
                "key": "function_test",
                "kind": "free",
                "label": "Functions work",
                "label_zh": "功能检测",
                "params": {
                    "question": "Screen, cameras, buttons, charging and calls work.",
                    "question_zh": "屏幕、摄像头、按键、充电和通话均正常。",
                },
            },
            {
                "key": "grade",
                "kind": "free",
                "label": "Cosmetic grade as claimed",
                "label_zh": "成色与描述相符",
                "mandatory": False,
                "on_fail": "hold",
                "params": {
                    "question": "The cosmetic grade matches the claim.",
                    "question_zh": "成色与商家描述相符。",
                    "claim_key": "grade",
                },
            },
        ],
    },
}


def demo_templates_seed(summary: dict) -> None:
    """Publish the demo template of each demo category that has none yet."""
    published = []
    for code, spec in TEMPLATES.items():
        category = Category.objects.filter(code=code).first()
        if category is None:
            continue
        if not InspectionTemplate.objects.filter(category=category).exists():
            template_publish(
                category=category,
                checks=spec["checks"],
                aql=spec["aql"],
                signoff_above_value=spec["signoff_above_value"],
                notes=spec.get("notes", ""),
            )
        published.append(code)
    summary["inspection_templates"] = published


# What the inspector sees of a living item, by the goal of its plan
# (warehouse.demo.LIVING_PLAN): good jade, a damaged box (held), a crack
# (failed, signed off by a second inspector).
JADE_OK = {"material": "和田玉", "weight_g": "52.31", "appearance": True}
CRACKED = {**JADE_OK, "appearance": False}
OBSERVED = {
    "held": {**JADE_OK, "packaging": "damaged"},
    "failed": CRACKED,
    "appealed": CRACKED,
    "returning": CRACKED,
    "returned": CRACKED,
}
CERTIFICATE_JOB = "inspection.certificate_issue"


def demo_photo(view: str, seed: int) -> bytes:
    """A drawn photo of a jade bangle on the inspection table (JPEG, 960x720):
    the demo's evidence, so its certificates and verify pages show photos."""
    green = (46 + seed * 7 % 40, 120 + seed * 11 % 50, 80 + seed * 5 % 30)
    image = Image.new("RGB", (960, 720), (232, 228, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 560, 960, 720), fill=(210, 204, 194))  # the table's edge
    box = (250, 130, 710, 590) if view == "front" else (180, 250, 780, 470)
    draw.ellipse(box, outline=green, width=70)
    draw.ellipse(
        (box[0] + 30, box[1] + 20, box[0] + 110, box[1] + 60), fill=(250, 250, 245)
    )  # a highlight
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def demo_inspections_seed(summary: dict) -> None:
    """The living warehouse, received (:func:`warehouse.demo.demo_living_receive`)
    and inspected as its plan says: verdicts and sign-offs, certificates, an
    appeal, a revoked certificate, a lot passed by sample and one half-way
    through its sample. Once, when the living warehouse is first announced."""
    if not demo_living_receive():
        return
    who = demo_people()
    items = demo_living_items()
    week = DemoWeek(steps=len(items) + 8, start=0.35, end=0.7)
    for goal, item in items:
        if goal in ("announced", "received", "passed"):
            continue
        with demo_clock(week.next()):
            if goal == "inspecting":
                inspection_open(principal=who["inspector"], code=item.code)
                continue
            opened = inspection_open(principal=who["inspector"], code=item.code)
            for view in ("front", "back"):
                inspection_photo_add(
                    principal=who["inspector"],
                    inspection_id=opened.pk,
                    data=demo_photo(view, item.pk),
                    caption=view,
                )
            done, _ = inspection_submit(
                principal=who["inspector"],
                code=item.code,
                observed=OBSERVED.get(goal, JADE_OK),
            )
            if goal in ("failed", "appealed", "returning", "returned"):
                inspection_sign_off(principal=who["inspector2"], inspection_id=done.pk)
            demo_jobs_run()
    for k, lot in enumerate(demo_living_lots()):
        with demo_clock(week.next()):
            opened = inspection_open(principal=who["inspector"], code=lot.code)
            unit = {
                "expiry_date": lot.claim["expiry_date"],
                "packaging": "intact",
                "labels": lot.claim["labels"],
            }
            # The second lot is half-way through its sample.
            size = opened.sample_size if k == 0 else max(1, opened.sample_size // 2)
            inspection_units_record(
                principal=who["inspector"],
                inspection_id=opened.pk,
                units=[{"unit": n, "observed": unit} for n in range(1, size + 1)],
            )
            if k == 0:
                inspection_complete(principal=who["inspector"], inspection_id=opened.pk)
                demo_jobs_run()
    goals = {goal: item for goal, item in items}
    with demo_clock(week.next()):
        appeal_create(
            principal=who["merchant"],
            code=goals["appealed"].code,
            reason="请复检此天然石纹 / Please re-inspect: the line is a natural vein",
        )
    with demo_clock(week.next()):
        certificate = Certificate.objects.get(
            item=goals["revoked"], status=Certificate.Status.VALID
        )
        certificate_revoke(
            principal=who["supervisor"],
            number=certificate.number,
            reason="仪器复核有误 / Instrument reading rechecked",
        )
    # Passed last: its certificate is left to the worker (the embedded
    # default runs it in-process as the seed commits), so one item is passed.
    with demo_clock(week.next()):
        inspection_submit(
            principal=who["inspector"], code=goals["passed"].code, observed=JADE_OK
        )
