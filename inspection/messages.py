"""Inspection's message codes: check results, timeline reasons, API errors.

:data:`CATALOGUE` (a :class:`~warehouse.common.messages.Catalogue`, registered
by ``inspection.wiring``) holds the item timeline's reasons that inspection
writes (an inspection opened, a verdict, a sign-off, an appeal, a decision, a
certificate issued or revoked) and the ``code`` of every domain error
inspection raises, beside the warehouse's generic ones (``item_not_found``,
``invalid_transition`` … in ``warehouse.messages``).

A check's result (:data:`MESSAGES`) is stored as a code and its raw facts
(``params``: numbers in mg, dates ISO, vocabulary codes), never as a
sentence; :func:`check_reason`
renders it in the reader's language when it is shown (pages, the API by
``Accept-Language``). Each code's English source string is its gettext msgid.

The codes are the check rules' (:data:`inspection.rules.registry.MESSAGES`,
every kind's ``MESSAGES``), a lot's summary, a note the inspector typed
(its text, with the language it was written in) and ``legacy_text``: a
sentence stored before results were facts that could not be read back.
"""

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from warehouse.claims import CLAIM_NAMES
from warehouse.common.messages import Catalogue
from warehouse.common.messages import Message as M
from warehouse.vocabularies import MATERIALS

from .rules.free import NOTE
from .rules.registry import MESSAGES as RULE_MESSAGES
from .rules.registry import reason_render

LOT_SUMMARY = "lot_units_not_passed"
LEGACY_TEXT = "legacy_text"

MESSAGES: dict[str, str] = {
    **RULE_MESSAGES,
    LOT_SUMMARY: gettext_noop("%(bad)d of %(units)d sampled units did not pass."),
}
"""Every code a check result may carry that renders a sentence."""

TEXT_CODES = (NOTE, LEGACY_TEXT)
"""Codes whose ``params["text"]`` is shown as it is (typed or legacy text)."""


def check_reason(code: str, params: dict | None, language: str | None = None) -> str:
    """The sentence of a check result, in ``language`` or the active one.

    An empty code (a check not judged yet) is an empty reason; a typed note
    or legacy text is its own text, in whatever language it was written.
    """
    params = params or {}
    if not code:
        return ""
    if code in TEXT_CODES:
        return params.get("text", "")
    if language is not None:
        with translation.override(language):
            return check_reason(code, params)
    if code == LOT_SUMMARY:
        return _(MESSAGES[code]) % params
    return reason_render(code, params)


# --- the catalogue: timeline reasons and API errors ---------------------------


# Words for stored values that the timeline's reasons name.
VERDICT_LABELS = {
    "pass": gettext_lazy("pass"),
    "fail": gettext_lazy("fail"),
    "hold": gettext_lazy("hold"),
}
DECISION_LABELS = {**VERDICT_LABELS, "reinspect": gettext_lazy("re-inspect")}

# The item timeline (ItemEvent.reason_code and its reason_params).
ITEM_EVENTS = (
    M("inspection_opened", gettext_lazy("Inspection #%(number)d opened."), ("number",)),
    M(
        "inspection_awaiting_signoff",
        gettext_lazy(
            "Inspection #%(number)d: verdict %(verdict)s, awaiting a second "
            "inspector's sign-off."
        ),
        ("number", "verdict"),
        {"verdict": VERDICT_LABELS},
    ),
    M(
        "inspection_verdict",
        gettext_lazy("Inspection #%(number)d: %(verdict)s."),
        ("number", "verdict"),
        {"verdict": VERDICT_LABELS},
    ),
    M(
        "signoff_disputed",
        gettext_lazy(
            "Inspection #%(number)d: sign-off disputed the %(verdict)s "
            "verdict: %(note)s"
        ),
        ("number", "verdict", "note"),
        {"verdict": VERDICT_LABELS},
    ),
    M("merchant_appealed", gettext_lazy("Merchant appealed: %(reason)s"), ("reason",)),
    M(
        "supervisor_decided",
        gettext_lazy("Supervisor decided %(decision)s: %(reason)s"),
        ("decision", "reason"),
        {"decision": DECISION_LABELS},
    ),
    M(
        "certificate_issued",
        gettext_lazy("Certificate %(number)s issued."),
        ("number",),
    ),
    # Also the code of the certificate guard's refusal (a revoked certificate).
    M(
        "certificate_revoked",
        gettext_lazy("Certificate %(number)s revoked: %(reason)s"),
        ("number", "reason"),
    ),
)

# The API error codes inspection raises (its own; the generic ones are the
# warehouse's).
ERRORS = (
    M("already_appealed", gettext_lazy("The verdict was already appealed.")),
    M("already_revoked", gettext_lazy("The certificate is already revoked.")),
    M(
        "appeal_needs_other_inspector",
        gettext_lazy("A different inspector must re-inspect an appealed verdict."),
    ),
    M("category_not_found", gettext_lazy("No such category.")),
    M("certificate_not_found", gettext_lazy("No such certificate.")),
    M(
        "certificate_valid",
        gettext_lazy(
            "The item's certificate is valid; revoke it before re-inspecting."
        ),
    ),
    M("inspection_closed", gettext_lazy("The inspection is closed.")),
    M(
        "inspection_in_progress",
        gettext_lazy("An inspection of the item is in progress."),
    ),
    M("inspection_not_found", gettext_lazy("No such inspection.")),
    M("inspection_not_open", gettext_lazy("The inspection is not open.")),
    M("invalid_image", gettext_lazy("The photo is not a JPEG, PNG or WebP image.")),
    M("invalid_observation", gettext_lazy("An observation is not valid.")),
    M(
        "lot_needs_units",
        gettext_lazy("A lot is inspected by sample: record each unit."),
    ),
    M("missing_observation", gettext_lazy("Mandatory checks are not observed yet.")),
    M("no_open_inspection", gettext_lazy("The item has no open inspection.")),
    M("no_template", gettext_lazy("The category has no inspection template yet.")),
    M("no_weight_check", gettext_lazy("The template has no weight check.")),
    M("not_a_lot", gettext_lazy("The item is a single item, not a lot.")),
    M("not_awaiting_signoff", gettext_lazy("The inspection is not awaiting sign-off.")),
    # Also raised by fulfilment, which reads inspection's certificates.
    M("not_certified", gettext_lazy("The item is not certified.")),
    M("photo_not_found", gettext_lazy("No such photo.")),
    M(
        "report_pending",
        gettext_lazy("The return report is not rendered yet; try again shortly."),
    ),
    M(
        "same_inspector",
        gettext_lazy("A second inspector must sign the inspection off."),
    ),
    M("sample_incomplete", gettext_lazy("Not every sampled unit is recorded yet.")),
    M("template_not_found", gettext_lazy("No such inspection template.")),
    M("unit_recorded", gettext_lazy("The unit is already recorded.")),
    M("wrong_station_kind", gettext_lazy("This is not an inspection station.")),
)

# --- a buyer's return compared with its certificate ---------------------------

RETURN_VERDICT_LABELS = {
    "matches": gettext_lazy("matches the certified item"),
    "damaged": gettext_lazy("damaged"),
    "mismatch": gettext_lazy("not the certified item"),
}
RETURN_DECISION_LABELS = {
    "return_to_merchant": gettext_lazy("return to the merchant"),
    "reinspect": gettext_lazy("re-inspect"),
}
IDENTITY_LABELS = {
    **CLAIM_NAMES,
    "imei": gettext_lazy("IMEI"),
    "serial": gettext_lazy("serial number"),
}

# Each point of a return inspection (ReturnInspection.checks: code, params),
# rendered by return_point_reason in the reader's language.
RETURN_POINTS = (
    M(
        "return_seal_intact",
        gettext_lazy("Seal %(number)s present, intact and the one bound at packing."),
        ("number",),
    ),
    M(
        "return_seal_missing",
        gettext_lazy("The seal %(certified)s bound at packing is missing."),
        ("certified",),
    ),
    M(
        "return_seal_broken",
        gettext_lazy("The seal %(certified)s bound at packing is broken."),
        ("certified",),
    ),
    M(
        "return_seal_number_differs",
        gettext_lazy("The seal is %(found)s; %(certified)s was bound at packing."),
        ("found", "certified"),
    ),
    M(
        "return_weight_same",
        gettext_lazy(
            "Weighs %(now_mg)s mg, certified %(certified_mg)s mg: %(difference_mg)s "
            "mg apart, within %(tolerance_mg)s mg."
        ),
        ("now_mg", "certified_mg", "difference_mg", "tolerance_mg"),
    ),
    M(
        "return_weight_differs",
        gettext_lazy(
            "Weighs %(now_mg)s mg, certified %(certified_mg)s mg: %(difference_mg)s "
            "mg apart, beyond %(tolerance_mg)s mg."
        ),
        ("now_mg", "certified_mg", "difference_mg", "tolerance_mg"),
    ),
    M(
        "return_material_same",
        gettext_lazy("%(material)s, as certified."),
        ("material",),
        {"material": MATERIALS.labels},
    ),
    M(
        "return_material_differs",
        gettext_lazy("Found %(found)s; %(certified)s was certified."),
        ("found", "certified"),
        {"found": MATERIALS.labels, "certified": MATERIALS.labels},
    ),
    M(
        "return_identity_same",
        gettext_lazy("%(field)s as certified."),
        ("field",),
        {"field": IDENTITY_LABELS},
    ),
    M(
        "return_identity_differs",
        gettext_lazy("%(field)s is %(found)s; %(certified)s was certified."),
        ("field", "found", "certified"),
        {"field": IDENTITY_LABELS},
    ),
    M("return_packaging_unopened", gettext_lazy("Unopened.")),
    M(
        "return_packaging_opened",
        gettext_lazy("Opened: it cannot go back to stock."),
    ),
    M("return_packaging_damaged", gettext_lazy("The packaging is damaged.")),
    M(
        "return_condition_as_certified",
        gettext_lazy("In the condition it was certified in."),
    ),
    M("return_condition_damaged", gettext_lazy("The item is damaged.")),
)

# The item timeline's reasons a return inspection writes.
RETURN_EVENTS = (
    M(
        "return_inspected",
        gettext_lazy("Return inspection #%(number)d: %(verdict)s."),
        ("number", "verdict"),
        {"verdict": RETURN_VERDICT_LABELS},
    ),
    M(
        "return_awaiting_signoff",
        gettext_lazy(
            "Return inspection #%(number)d: %(verdict)s, awaiting a second "
            "inspector's sign-off."
        ),
        ("number", "verdict"),
        {"verdict": RETURN_VERDICT_LABELS},
    ),
    M(
        "return_signoff_disputed",
        gettext_lazy(
            "Return inspection #%(number)d: sign-off disputed the verdict "
            "%(verdict)s: %(note)s"
        ),
        ("number", "verdict", "note"),
        {"verdict": RETURN_VERDICT_LABELS},
    ),
    M(
        "return_decided",
        gettext_lazy("Supervisor decided: %(decision)s: %(reason)s"),
        ("decision", "reason"),
        {"decision": RETURN_DECISION_LABELS},
    ),
)

# The API error codes of return inspections.
RETURN_ERRORS = (
    M(
        "return_awaiting_signoff_exists",
        gettext_lazy("A return inspection of the item is awaiting sign-off."),
    ),
    M(
        "return_disputed",
        gettext_lazy("The item is disputed: a supervisor decides first."),
    ),
    M("return_inspection_not_found", gettext_lazy("No such return inspection.")),
    M("return_not_disputed", gettext_lazy("The item is not disputed.")),
    M("return_not_found", gettext_lazy("The item has no buyer's return.")),
)

CATALOGUE = Catalogue(
    "inspection",
    (*ITEM_EVENTS, *ERRORS, *RETURN_POINTS, *RETURN_EVENTS, *RETURN_ERRORS),
)


def return_point_reason(code: str, params: dict | None, language=None) -> str:
    """The sentence of a return inspection's point, in ``language`` or the
    active one."""
    return CATALOGUE.render(code, params or {}, language=language)
