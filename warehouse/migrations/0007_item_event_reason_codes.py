"""Item events written before reasons were codes: read their sentences back.

Each stored reason is matched against the sentences the product wrote, in
English and in Chinese (the two languages it ran in); a match becomes its code
and parameters and the sentence is cleared (it is rendered from the code now).
A reason that matches none keeps its text under the code ``legacy_text``
(``{"text": …}``), shown as it was. The patterns are frozen here, as the
sentences were when they were written, not read from today's catalogue.
"""

# ruff: noqa: RUF001 (the Chinese sentences are written with full-width marks)
import re

from django.db import migrations

VERDICTS = {
    "pass": "pass",
    "fail": "fail",
    "hold": "hold",
    "合格": "pass",
    "不合格": "fail",
    "暂扣": "hold",
}
DECISIONS = {"pass": "pass", "fail": "fail", "reinspect": "reinspect"}

# code, the English sentence, its Chinese translation (as in django.po).
SENTENCES = (
    (
        "inspection_opened",
        "Inspection #%(number)d opened.",
        "第 %(number)d 次质检开始。",
    ),
    (
        "inspection_awaiting_signoff",
        "Inspection #%(number)d: verdict %(verdict)s, awaiting a second "
        "inspector's sign-off.",
        "第 %(number)d 次质检：结论 %(verdict)s，等待第二名质检员复核。",
    ),
    (
        "signoff_disputed",
        "Inspection #%(number)d: sign-off disputed the %(verdict)s verdict: %(note)s",
        "第 %(number)d 次质检：复核不同意 %(verdict)s 结论：%(note)s",
    ),
    (
        "inspection_verdict",
        "Inspection #%(number)d: %(verdict)s.",
        "第 %(number)d 次质检：%(verdict)s。",
    ),
    ("merchant_appealed", "Merchant appealed: %(reason)s", "商家申诉：%(reason)s"),
    (
        "supervisor_decided",
        "Supervisor decided %(decision)s: %(reason)s",
        "主管决定 %(decision)s：%(reason)s",
    ),
    (
        "certificate_issued",
        "Certificate %(number)s issued.",
        "证书 %(number)s 已签发。",
    ),
    (
        "certificate_revoked",
        "Certificate %(number)s revoked: %(reason)s",
        "证书 %(number)s 已撤销：%(reason)s",
    ),
    ("allocated_to_order", "Allocated to order %(order)s.", "已分配给订单 %(order)s。"),
    (
        "order_cancelled_held",
        "Order %(order)s was cancelled: held for the merchant.",
        "订单 %(order)s 已取消：暂扣，等待商家决定。",
    ),
    (
        "order_cancelled_to_stock",
        "Order %(order)s cancelled.",
        "订单 %(order)s 已取消。",
    ),
    ("kept_as_stock", "Kept as stock.", "已留作库存。"),
    (
        "packed_for_order",
        "Packed for order %(order)s in parcel %(ref)s.",
        "已为订单 %(order)s 打包，包裹 %(ref)s。",
    ),
    (
        "handed_to_carrier",
        "Handed to %(carrier)s, tracking %(tracking)s.",
        "已交给 %(carrier)s，运单号 %(tracking)s。",
    ),
    ("returning_to_merchant", "Going back to the merchant.", "退回商家。"),
)

_PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")


def _pattern(sentence: str) -> re.Pattern:
    parts, last = [], 0
    for match in _PLACEHOLDER.finditer(sentence):
        parts.append(re.escape(sentence[last : match.start()]))
        name, kind = match.groups()
        parts.append(rf"(?P<{name}>\d+)" if kind == "d" else rf"(?P<{name}>.+?)")
        last = match.end()
    parts.append(re.escape(sentence[last:]))
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


PATTERNS = [
    (code, _pattern(sentence), english)
    for code, english, chinese in SENTENCES
    for sentence in (english, chinese)
]


def reason_parse(text: str) -> tuple[str, dict] | None:
    """The code and parameters of a stored sentence, or None if it is not one."""
    text = text.strip()
    for code, pattern, english in PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        params = match.groupdict()
        if "verdict" in params:
            verdict = VERDICTS.get(params["verdict"])
            if verdict is None:
                continue
            params["verdict"] = verdict
        if "decision" in params:
            decision = DECISIONS.get(params["decision"])
            if decision is None:
                continue
            params["decision"] = decision
        for name, kind in _PLACEHOLDER.findall(english):
            if kind == "d":
                params[name] = int(params[name])
        return code, params
    return None


def forwards(apps, schema_editor):
    ItemEvent = apps.get_model("warehouse", "ItemEvent")
    rows = (
        ItemEvent.objects.filter(reason_code="")
        .exclude(reason="")
        .only("id", "reason")
        .order_by("id")
    )
    batch = []
    for event in rows.iterator(chunk_size=2000):
        parsed = reason_parse(event.reason)
        if parsed is None:
            event.reason_code = "legacy_text"
            event.reason_params = {"text": event.reason}
        else:
            event.reason_code, event.reason_params = parsed
        event.reason = ""
        batch.append(event)
        if len(batch) >= 2000:
            ItemEvent.objects.bulk_update(
                batch, ["reason_code", "reason_params", "reason"]
            )
            batch = []
    if batch:
        ItemEvent.objects.bulk_update(batch, ["reason_code", "reason_params", "reason"])


def backwards(apps, schema_editor):
    """Codes back into sentences, in English (the source language)."""
    ItemEvent = apps.get_model("warehouse", "ItemEvent")
    english = {code: sentence for code, sentence, _zh in SENTENCES}
    batch = []
    for event in ItemEvent.objects.exclude(reason_code="").iterator(chunk_size=2000):
        params = event.reason_params or {}
        if event.reason_code == "legacy_text":
            event.reason = params.get("text", "")
        elif event.reason_code in english:
            try:
                event.reason = english[event.reason_code] % params
            except (KeyError, TypeError, ValueError):
                event.reason = event.reason_code
        else:
            continue
        event.reason_code, event.reason_params = "", {}
        batch.append(event)
    ItemEvent.objects.bulk_update(
        batch, ["reason_code", "reason_params", "reason"], batch_size=2000
    )


class Migration(migrations.Migration):
    dependencies = [("warehouse", "0006_item_event_reason_code")]

    operations = [migrations.RunPython(forwards, backwards)]
