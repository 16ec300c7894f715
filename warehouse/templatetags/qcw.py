"""Template helpers for every page: lifecycle colours, verdicts, navigation.

One mapping gives each lifecycle state its colour (``STATE_TONES``); the
stylesheet defines the tones, so a state looks the same on every page.
"""

from django import template
from django.utils.html import format_html

from warehouse.lifecycle import ACTION_LABELS
from warehouse.models import ItemState

register = template.Library()

S = ItemState
STATE_TONES = {
    S.ANNOUNCED: "idle",
    S.RECEIVED: "info",
    S.INSPECTING: "info",
    S.HELD: "hold",
    S.PASSED: "pass",
    S.FAILED: "fail",
    S.CERTIFIED: "pass",
    S.ALLOCATED: "pass",
    S.PACKED: "pass",
    S.RELEASED: "done",
    S.RETURNING: "fail",
    S.RETURNED_TO_MERCHANT: "done",
}


@register.simple_tag
def state_badge(state: str):
    """A coloured badge naming ``state`` in the reader's language."""
    try:
        choice = ItemState(state)
    except ValueError:
        return format_html('<span class="badge tone-idle">{}</span>', state)
    return format_html(
        '<span class="badge tone-{}" data-state="{}">{}</span>',
        STATE_TONES[choice],
        choice.value,
        choice.label,
    )


@register.filter
def verdict_class(verdict) -> str:
    """The CSS class of a verdict (pass, fail, hold, pending, skipped)."""
    return f"v-{verdict or 'pending'}"


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template (None when absent)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def action_label(verb: str) -> str:
    """A lifecycle or scan verb (``pack``, ``lookup`` …) in the reader's language."""
    return str(ACTION_LABELS.get(verb, verb))
