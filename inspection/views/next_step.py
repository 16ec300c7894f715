"""The "next step" of an item: what happens next, who does it, and whether
it is the reader.

Computed when a page is drawn from the item's state and its active
inspection (never stored); each step is a code whose sentences live in the
message catalogue, so the panel reads in the reader's language. Whether the
step is the reader's is asked of the services' own refusal checks
(``services.*_refusal``), the same ones that would turn the action away.
"""

from dataclasses import dataclass

from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from warehouse.common.access import Principal, Role
from warehouse.models import Item, ItemState
from warehouse.templatetags.qcw import typed

from .. import services
from ..models import Inspection

S = ItemState

# code: (what happens next, who does it)
STEPS = {
    "receive": (
        gettext_lazy("The parcel arrives and is scanned in."),
        gettext_lazy("a receiving station"),
    ),
    "open": (
        gettext_lazy("The inspection is opened and the checks observed."),
        gettext_lazy("an inspector of this warehouse"),
    ),
    "observe": (
        gettext_lazy(
            "Every mandatory check is observed, then the inspection is completed."
        ),
        gettext_lazy("an inspector of this warehouse"),
    ),
    "observe_sample": (
        gettext_lazy(
            "Every sampled unit is recorded, then the inspection is completed "
            "(the lot is accepted or rejected by ISO 2859-1)."
        ),
        gettext_lazy("an inspector of this warehouse"),
    ),
    "observe_fresh": (
        gettext_lazy("The appeal is inspected again from the start."),
        gettext_lazy("an inspector who did not judge the appealed inspection"),
    ),
    "sign_off": (
        gettext_lazy(
            "The verdict is signed off, or disputed (the item is then "
            "held for a supervisor)."
        ),
        gettext_lazy("a second inspector or a supervisor, not %(who)s"),
    ),
    "sign_off_unnamed": (
        gettext_lazy(
            "The verdict is signed off, or disputed (the item is then held for a "
            "supervisor)."
        ),
        gettext_lazy("a second inspector"),
    ),
    "decide": (
        gettext_lazy("A decision: pass, fail or inspect again."),
        gettext_lazy("a supervisor"),
    ),
    "certify": (
        gettext_lazy("The certificate is issued."),
        gettext_lazy("the system, without anyone's help"),
    ),
    "allocate": (
        gettext_lazy("An order takes the item."),
        gettext_lazy("the platform, with the buyer's order"),
    ),
    "pack": (
        gettext_lazy("The item is packed and its parcel labelled."),
        gettext_lazy("a packing station"),
    ),
    "release": (
        gettext_lazy("The parcel is handed to the carrier."),
        gettext_lazy("the dock, scanning the parcel's label"),
    ),
    "failed": (
        gettext_lazy(
            "The item goes back to the merchant, unless the merchant "
            "appeals the verdict (once)."
        ),
        gettext_lazy("the merchant"),
    ),
    "returning": (
        gettext_lazy("The carrier delivers the item back to the merchant."),
        gettext_lazy("the carrier"),
    ),
}


@dataclass(frozen=True)
class NextStep:
    code: str
    what: str
    who: str
    yours: bool


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def next_step(
    principal: Principal, item: Item, active: Inspection | None
) -> NextStep | None:
    """The item's next step for ``principal`` to read, or None at a journey's end."""
    params: dict = {}
    yours = False
    state = item.state
    if state == S.ANNOUNCED:
        code = "receive"
    elif state == S.RECEIVED:
        code = "open"
        yours = services.open_refusal(principal, item) is None
    elif state == S.INSPECTING and active is not None:
        if active.status == Inspection.Status.AWAITING_SIGNOFF:
            code = "sign_off"
            if principal.role == Role.MERCHANT:  # staff names stay in the house
                code = "sign_off_unnamed"
            params = {"who": typed(_name(active.completed_by))}
            yours = services.sign_off_refusal(principal, active) is None
        else:
            fresh = active.reason == Inspection.Reason.APPEAL
            if fresh:
                code = "observe_fresh"
            else:
                code = "observe_sample" if active.is_lot else "observe"
            yours = services.observe_refusal(principal, active) is None
    elif state == S.HELD:
        code = "decide"
        yours = services.hold_decide_refusal(principal, item) is None
    elif state == S.PASSED:
        code = "certify"
    elif state == S.CERTIFIED:
        code = "allocate"
    elif state == S.ALLOCATED:
        code = "pack"
        yours = principal.role == Role.OPERATOR
    elif state == S.PACKED:
        code = "release"
    elif state == S.FAILED:
        code = "failed"
        yours = principal.role == Role.MERCHANT
    elif state == S.RETURNING:
        code = "returning"
    else:
        return None
    what, who = STEPS[code]
    # The sentence is escaped first; only the typed name (marked) goes in whole.
    who_html = mark_safe(conditional_escape(str(who)) % params)  # noqa: S308
    return NextStep(code=code, what=str(what), who=who_html, yours=yours)
