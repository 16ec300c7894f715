"""Template helpers for every page: lifecycle colours, verdicts, navigation,
text a person typed (``typed``).

One mapping gives each lifecycle state its colour (``STATE_TONES``); the
stylesheet defines the tones, so a state looks the same on every page.
"""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from warehouse.common.languages import recipient_language
from warehouse.common.messages import message_render
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
    S.RETURN_EXPECTED: "idle",
    S.RETURN_RECEIVED: "info",
    S.RETURN_INSPECTING: "info",
    S.DISPUTED: "fail",
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


@register.filter
def typed(text, language: str = ""):
    """Text a person typed, shown as typed and marked as data.

    ``{{ note|typed }}`` or ``{{ event.reason|typed:event.reason_lang }}``:
    the text in a ``<span data-typed translate="no">``, with ``lang`` when its
    language is known, so screen readers read it in its language, browsers
    do not translate it, and the language sweep tells it from the product's
    own words. Empty text stays empty (``|typed|default:"—"`` works).
    """
    if text is None or text == "":
        return ""
    if language:
        return format_html(
            '<span lang="{}" translate="no" data-typed>{}</span>', language, text
        )
    return format_html('<span translate="no" data-typed>{}</span>', text)


@register.filter
def language_of(user) -> str:
    """The language to write to ``user`` in (an e-mail's
    ``{% language user|language_of %}``): their preference, else the
    active one."""
    return recipient_language(user)


# Parameters of a stored message that hold what a person typed (an appeal's
# or a hold decision's reason, an inspector's note, a legacy sentence), and
# the one that says which language it was typed in (when known).
TYPED_PARAMS = ("reason", "note", "text")
TYPED_LANGUAGE_PARAM = "lang"


@register.simple_tag
def event_reason(event):
    """An item event's reason for the timeline: its code's words in the
    reader's language with any typed parameter marked as :func:`typed`, or
    the text a person typed, marked with its language."""
    if not event.reason_code:
        return typed(event.reason, event.reason_lang)
    params = dict(event.reason_params or {})
    language = params.get(TYPED_LANGUAGE_PARAM)
    language = language if isinstance(language, str) else ""
    marks = {}
    for name in TYPED_PARAMS:
        value = params.get(name)
        if isinstance(value, str) and value:
            token = f"\x00{name}\x00"
            marks[token] = typed(value, language)
            params[name] = token
    words = message_render(event.reason_code, params)
    if words is None:
        return event.reason_code
    html = conditional_escape(words)
    for token, markup in marks.items():
        html = html.replace(token, markup)
    return mark_safe(html)  # noqa: S308 - escaped above, marks are format_html
