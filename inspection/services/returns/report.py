"""The signed return report: one PDF per return inspection whose verdict holds.

The service that closes a return inspection (or sends it to dispute) records
the report's job (:func:`return_report_enqueue`, a :mod:`warehouse.common.jobs`
row keyed per inspection) in its own transaction; the job runs
:func:`return_report_render` after commit.

What the report says is stored as facts (:func:`return_report_content`): the
item, its certificate and seal, each compared point's code and raw params
with the certified and returned values, the verdict, the outcome, the
inspectors, the photos' digests. That content is signed with the
certificates' key (:mod:`inspection.services.certificates.signing`); the PDF
(:func:`inspection.pdf.return_report.return_report_pdf`) prints it in Chinese
and English, and its SHA-256 is stored. No buyer data: no reason, note or
tracking number, only the platform's return id.

Rendering is idempotent: an inspection whose report is stored gets nothing
new; a run that dies before its commit leaves no row, and the next run
replaces the file it left.
"""

import datetime as dt
import hashlib
import hmac
import json

from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from warehouse.common.access import Principal, tenant_scope
from warehouse.common.exceptions import Conflict, NotFound
from warehouse.common.jobs import job_record
from warehouse.common.messages import message_render
from warehouse.models import Tag
from warehouse.vocabularies import MATERIALS

from ... import messages
from ...models import ReturnInspection, ReturnOutcome
from ...pdf.return_report import ComparedPoint, ReturnReportData, return_report_pdf
from ..certificates.content import pdf_jpegs, verify_url
from ..certificates.signing import content_sign, signing_keys

RETURN_REPORT_JOB = "inspection.return_report"
REPORT_FORMAT = 1
"""The report content's shape."""
LANGUAGES = ("zh-hans", "en")
"""The report's languages, in the order it prints them."""
REPORTED = (ReturnInspection.Status.CLOSED, ReturnInspection.Status.DISPUTED)
"""The statuses whose verdict holds: only they get a report."""

# The compared points' names, in the reader's language.
POINT_LABELS = {
    "seal": gettext_lazy("Seal"),
    "weight": gettext_lazy("Weight"),
    "material": gettext_lazy("Material"),
    "identity": gettext_lazy("Identity"),
    "packaging": gettext_lazy("Packaging"),
    "condition": gettext_lazy("Condition"),
}
# Words for the stored states of what came back.
STATE_WORDS = {
    "unopened": gettext_lazy("unopened"),
    "opened": gettext_lazy("opened"),
    "damaged": gettext_lazy("damaged"),
    "as_certified": gettext_lazy("as certified"),
    "intact": gettext_lazy("intact"),
    "broken": gettext_lazy("broken"),
    "absent": gettext_lazy("absent"),
}


def _facts(value):
    """``value`` as the JSON it is stored as (dates as ISO text)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _seal(inspection: ReturnInspection) -> str:
    """The seal the item was compared with; else the one it left under (its
    seal tag, else the certificate's record)."""
    compared = (inspection.certified or {}).get("seal")
    if compared:
        return compared
    tag = (
        Tag.objects.filter(item=inspection.item_id, purpose=Tag.Purpose.SEAL)
        .order_by("-bound_at", "-id")
        .values_list("value", flat=True)
        .first()
    )
    return tag or inspection.certificate.seal


def _certified_photos(inspection: ReturnInspection):
    return inspection.certificate.inspection.photos.order_by("uploaded_at", "id")


def _returned_photos(inspection: ReturnInspection):
    return inspection.photos.order_by("uploaded_at", "id")


POINT_KINDS = ("seal", "weight", "material", "identity", "packaging", "condition")


def point_kind(point: dict) -> str:
    """What a compared point compares, from its code (``return_<kind>_…``);
    its ``check`` names the certificate's check it was compared with."""
    code = point.get("code", "")
    for kind in POINT_KINDS:
        if code.startswith(f"return_{kind}_"):
            return kind
    return point.get("check", "")


def _point_values(kind: str, params: dict, certified: dict, observed: dict):
    """The certified and the returned value of one compared point, as facts:
    from the inspection's copies of the certified values and of what was
    observed (:func:`inspection.services.returns.return_compare`), the
    point's params where those do not hold it."""
    if kind == "weight":
        was = certified.get("weight_mg", params.get("certified_mg"))
        now = observed.get("weight_mg", params.get("now_mg"))
    elif kind == "identity":
        field = params.get("field", "")
        was = (certified.get("identity") or {}).get(field, params.get("certified"))
        now = (observed.get("identity") or {}).get(field, params.get("found"))
    elif kind in ("packaging", "condition"):  # not a certified value
        was, now = None, observed.get(kind)
    else:
        was, now = certified.get(kind), observed.get(kind)
    return _facts(was), _facts(now)


def return_report_content(
    *, inspection: ReturnInspection, number: str, issued_at
) -> dict:
    """The facts the report states and its signature covers (no buyer data)."""
    item, certificate = inspection.item, inspection.certificate
    certified, observed = inspection.certified or {}, inspection.observed or {}
    points = []
    for point in inspection.checks or []:
        kind, params = point_kind(point), point.get("params") or {}
        was, now = _point_values(kind, params, certified, observed)
        points.append(
            {
                "kind": kind,
                "check": point.get("check", ""),
                "code": point.get("code", ""),
                "params": _facts(point.get("params") or {}),
                "ok": bool(point.get("ok")),
                "severity": point.get("severity")
                or ("ok" if point.get("ok") else "mismatch"),
                "certified": was,
                "returned": now,
            }
        )
    return {
        "format": REPORT_FORMAT,
        "number": number,
        "certificate": certificate.number,
        "item": item.code,
        "title": item.title,
        "category": item.category.code,
        "merchant": item.merchant.name,
        "warehouse": item.warehouse.code,
        "return_id": inspection.notice.return_id,
        "inspection": inspection.number,
        "inspected_at": inspection.inspected_at.astimezone(dt.UTC).isoformat(),
        "issued_at": issued_at.astimezone(dt.UTC).isoformat(),
        "seal": _seal(inspection),
        "verdict": inspection.verdict,
        "outcome": inspection.outcome,
        "status": inspection.status,
        "points": points,
        "inspectors": [_name(inspection.inspected_by)],
        "signoff": (
            {
                "by": _name(inspection.signed_off_by),
                "approved": inspection.signoff_approved,
                "note": inspection.signoff_note,
                "note_lang": inspection.signoff_note_lang,
            }
            if inspection.signed_off_by_id
            else None
        ),
        "notes": inspection.notes,
        "notes_lang": inspection.notes_lang,
        "photos": {
            "certified": [p.sha256 for p in _certified_photos(inspection)],
            "returned": [p.sha256 for p in _returned_photos(inspection)],
        },
    }


# --- the document, in both languages ------------------------------------------------


def _both(render) -> tuple[str, str]:
    """``(Chinese, English)`` of ``render()``, called in each language."""
    texts = []
    for language in LANGUAGES:
        with translation.override(language):
            texts.append(str(render()))
    return tuple(texts)


def point_reason(code: str, params: dict | None) -> str:
    """A compared point's reason in the active language (its code if unknown)."""
    params = params or {}
    if not code:
        return ""
    if code in messages.CATALOGUE:
        return messages.return_point_reason(code, params)
    return message_render(code, params) or code


def _grams(mg) -> str:
    return f"{mg / 1000:.3f} g"


def value_text(check: str, value) -> str:
    """A certified or returned value of a point as a short text, in the
    active language."""
    if value is None or value == "" or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float) and check == "weight":
        return _grams(value)
    if isinstance(value, str):
        if check == "material":
            return MATERIALS.name(value)
        if value in STATE_WORDS:
            return str(STATE_WORDS[value])
        return value
    if isinstance(value, dict):
        if "weight_mg" in value:
            return _grams(value["weight_mg"])
        if check == "seal" or {"present", "intact"} & set(value):
            words = [value["number"]] if value.get("number") else []
            if value.get("present") is False:
                words.append(str(STATE_WORDS["absent"]))
            elif value.get("intact") is False:
                words.append(str(STATE_WORDS["broken"]))
            elif value.get("intact"):
                words.append(str(STATE_WORDS["intact"]))
            return pgettext("list separator", ", ").join(words) if words else "—"
        if "material" in value:
            return MATERIALS.name(value["material"])
        if "state" in value:
            return value_text(check, value["state"])
        if set(value) == {"value"}:
            return value_text(check, value["value"])
        return ", ".join(f"{k} {value_text(check, v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(value_text(check, v) for v in value)
    return str(value)


def _point_label(point: dict) -> str:
    kind = point["kind"]
    label = str(POINT_LABELS.get(kind, point["check"]))
    field = (point.get("params") or {}).get("field")
    return f"{label} ({field})" if kind == "identity" and field else label


def _point(point: dict) -> ComparedPoint:
    kind = point["kind"]
    return ComparedPoint(
        check=point["check"],
        label=_both(lambda: _point_label(point)),
        certified=_both(lambda: value_text(kind, point["certified"])),
        returned=_both(lambda: value_text(kind, point["returned"])),
        reason=_both(lambda: point_reason(point["code"], point["params"])),
        severity=point["severity"],
    )


def _signoff(content: dict) -> tuple[str, str] | str:
    signoff = content.get("signoff")
    if not signoff:
        return ""

    def line():
        word = _("sign-off approved") if signoff["approved"] else _("sign-off disputed")
        text = f"{signoff['by']} ({word})"
        return f"{text}: {signoff['note']}" if signoff.get("note") else text

    return _both(line)


def return_report_document(inspection: ReturnInspection) -> ReturnReportData:
    """Everything the PDF shows, from the inspection's signed report content."""
    content = inspection.report_content
    item = inspection.item
    outcome = content["outcome"]
    outcome_text = (
        _both(lambda: ReturnOutcome(outcome).label)
        if outcome in ReturnOutcome.values
        else outcome
    )
    return ReturnReportData(
        number=content["number"],
        certificate_number=content["certificate"],
        verify_url=verify_url(inspection.certificate.token),
        warehouse_name=item.warehouse.names_both,
        warehouse_address=item.warehouse.address,
        item_code=content["item"],
        merchant_name=content["merchant"],
        title=content["title"],
        category=item.category.name,
        category_zh=item.category.name_zh,
        return_id=content["return_id"],
        seal=content["seal"],
        points=tuple(_point(point) for point in content["points"]),
        verdict=content["verdict"],
        outcome=outcome_text,
        inspectors=tuple(content["inspectors"]),
        signed_off=_signoff(content),
        inspected_at=dt.datetime.fromisoformat(content["inspected_at"]),
        issued_at=dt.datetime.fromisoformat(content["issued_at"]),
        time_zone=item.warehouse.time_zone,
        notes=content["notes"],
        key_id=inspection.report_key_id,
        signature=inspection.report_signature,
        certified_photos=pdf_jpegs(_certified_photos(inspection)),
        returned_photos=pdf_jpegs(_returned_photos(inspection)),
    )


# --- rendering, signing, storing ------------------------------------------------------


def report_number(inspection: ReturnInspection) -> str:
    """``<certificate number>-R<n>``: the n-th return inspection of the item."""
    return f"{inspection.certificate.number}-R{inspection.number}"


def _store(inspection: ReturnInspection, data: bytes) -> None:
    """Write the PDF through storage (no partial file on failure) under the
    report's number, replacing a file a run that died before committing left."""
    storage, field = inspection.report.storage, inspection.report.field
    name = field.generate_filename(inspection, f"{report_number(inspection)}.pdf")
    if storage.exists(name):
        storage.delete(name)
    try:
        inspection.report = storage.save(
            name, ContentFile(data), max_length=field.max_length
        )
    except BaseException:
        if storage.exists(name):
            storage.delete(name)
        raise


def return_report_render(*, inspection_id: int) -> ReturnInspection | None:
    """Render, sign and store the report of a closed or disputed inspection.

    The handler of the ``inspection.return_report`` job, run in the job's
    transaction. An inspection already reported, or still awaiting sign-off,
    gets nothing new.
    """
    with transaction.atomic():
        inspection = (
            ReturnInspection.objects.select_for_update(of=("self",))
            .select_related(
                "item__warehouse",
                "item__category",
                "item__merchant",
                "certificate__inspection",
                "notice",
                "inspected_by",
                "signed_off_by",
            )
            .filter(pk=inspection_id)
            .first()
        )
        if inspection is None or inspection.report:
            return inspection
        if inspection.status not in REPORTED:
            return inspection
        content = return_report_content(
            inspection=inspection,
            number=report_number(inspection),
            issued_at=timezone.now(),
        )
        key_id, signature = content_sign(content)
        inspection.report_content = content
        inspection.report_key_id = key_id
        inspection.report_signature = signature
        data = return_report_pdf(return_report_document(inspection))
        _store(inspection, data)
        inspection.report_sha256 = hashlib.sha256(data).hexdigest()
        inspection.save(
            update_fields=[
                "report",
                "report_content",
                "report_key_id",
                "report_signature",
                "report_sha256",
            ]
        )
    return inspection


def return_report_enqueue(inspection: ReturnInspection) -> None:
    """Record the inspection's report job in the caller's transaction.

    Called when a return inspection's verdict holds (closed, or disputed).
    Keyed per inspection: a job still pending for it is not recorded twice.
    """
    job_record(
        name=RETURN_REPORT_JOB,
        args={"inspection_id": inspection.pk},
        key=f"return-report:{inspection.pk}",
    )


def return_report_signature_valid(inspection: ReturnInspection) -> bool:
    """Whether the stored signature matches the stored report content."""
    if not inspection.report_signature or inspection.report_key_id not in (
        signing_keys()
    ):
        return False
    _key, expected = content_sign(
        inspection.report_content, key_id=inspection.report_key_id
    )
    return hmac.compare_digest(expected, inspection.report_signature)


def return_report_get(principal: Principal, inspection_id: int) -> ReturnInspection:
    """The return inspection whose report ``principal`` may download.

    The platform sees all, a merchant its own items', staff their
    warehouses'; anything else is a 404. A report not rendered yet is a 409
    ``report_pending``.
    """
    inspection = (
        tenant_scope(
            ReturnInspection.objects.select_related("item", "certificate"),
            principal,
            via="item__",
        )
        .filter(pk=inspection_id)
        .first()
    )
    if inspection is None:
        raise NotFound(_("No such return inspection."), code="not_found")
    if not inspection.report:
        raise Conflict(
            _("The return report is not rendered yet; try again shortly."),
            code="report_pending",
        )
    return inspection
