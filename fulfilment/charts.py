"""Charts for the supervisor dashboard, drawn as inline SVG on the server.

Pure functions: plain data in (labels, numbers, colours), an SVG document as
a string out; no ORM, no templates, no JavaScript. Every piece of text that
reaches the drawing is escaped (and stripped of characters XML does not
allow), so a merchant or category name can never break or script the page.
Colours not of the form ``#rgb`` / ``#rrggbb`` are replaced by a grey.
Each chart carries a ``<title>`` and ``<desc>`` for screen readers; the page
shows the same figures as a table beside it.
"""

import html
import re
from collections.abc import Sequence

# Characters XML 1.0 forbids even when escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
GREY = "#4b5563"
FONT = 'font-family="system-ui, sans-serif"'


def text(value) -> str:
    """``value`` as text safe inside an SVG element or a quoted attribute."""
    return html.escape(_NOT_XML.sub("", str(value)), quote=True)


def colour(value: str) -> str:
    return value if isinstance(value, str) and _COLOUR.match(value) else GREY


def _width(value: str, size: float) -> float:
    """Roughly how wide ``value`` is drawn at font ``size``: a CJK or other
    wide character takes a full em, the rest about 0.6 em."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in value)


def _fit(value, room: float, size: float = 12) -> str:
    """``value``, cut short with an ellipsis to fit ``room`` units."""
    value = str(value)
    if _width(value, size) <= room:
        return value
    while value and _width(value + "…", size) > room:
        value = value[:-1]
    return value + "…"


def _number(value: float) -> str:
    """A coordinate: at most two decimals, no exponent."""
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


def _ceiling(value: float) -> float:
    """A round upper bound for an axis (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= step * factor:
                return step * factor
        step *= 10


def _open(width: int, height: int, title: str, desc: str, ident: str) -> list[str]:
    ident = re.sub(r"[^A-Za-z0-9_-]", "", ident) or "chart"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{text(title)}</title>',
        f'<desc id="{ident}-desc">{text(desc)}</desc>',
    ]


def _legend(entries: Sequence[tuple[str, str]], x: float, y: float) -> list[str]:
    parts = []
    for label, fill in entries:
        parts.append(
            f'<rect x="{_number(x)}" y="{_number(y - 9)}" width="10" height="10" '
            f'fill="{colour(fill)}"/>'
        )
        parts.append(
            f'<text x="{_number(x + 14)}" y="{_number(y)}" font-size="12" {FONT}>'
            f"{text(label)}</text>"
        )
        x += 24 + _width(str(label), 12)
    return parts


def line_chart(
    *,
    x_labels: Sequence[str],
    series: Sequence[dict],
    title: str,
    desc: str = "",
    ident: str = "line",
    width: int = 760,
    height: int = 260,
    ticks: Sequence[int] | None = None,
) -> str:
    """Lines over a shared x axis (e.g. hours): one polyline per series.

    ``series`` items are ``{"label": str, "values": [number, …], "colour":
    "#hex"}``, each value matching the label at the same index of
    ``x_labels``. ``ticks`` are the indexes whose labels are written under
    the axis (with a faint vertical line); by default about eight, evenly
    spaced.
    """
    left, right, top, bottom = 44, 12, 30, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    count = len(x_labels)
    peak = max((max(s["values"], default=0) for s in series), default=0)
    ceiling = _ceiling(peak)
    parts = _open(width, height, title, desc, ident)
    parts += _legend([(s["label"], s.get("colour", GREY)) for s in series], left, 16)
    # Horizontal grid: 0, half, top.
    for fraction in (0, 0.5, 1):
        y = top + plot_h - fraction * plot_h
        value = ceiling * fraction
        shown = _number(value) if value != int(value) else str(int(value))
        parts.append(
            f'<line x1="{left}" y1="{_number(y)}" x2="{left + plot_w}" '
            f'y2="{_number(y)}" stroke="#d1d5db" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{_number(y + 4)}" font-size="11" '
            f'text-anchor="end" fill="{GREY}" {FONT}>{text(shown)}</text>'
        )

    def x_of(index: int) -> float:
        return left + (plot_w * index / (count - 1) if count > 1 else plot_w / 2)

    if ticks is None:
        ticks = range(0, count, max(1, -(-count // 8)))
    for index in ticks:
        if not 0 <= index < count:
            continue
        x = _number(x_of(index))
        parts.append(
            f'<line x1="{x}" y1="{top}" x2="{x}" y2="{top + plot_h}" '
            f'stroke="#e5e7eb" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{x}" y="{height - 12}" font-size="11" '
            f'text-anchor="middle" fill="{GREY}" {FONT}>'
            f"{text(x_labels[index])}</text>"
        )
    for entry in series:
        values = list(entry["values"])[:count]
        if not values:
            continue
        points = " ".join(
            f"{_number(x_of(i))},{_number(top + plot_h - plot_h * v / ceiling)}"
            for i, v in enumerate(values)
        )
        parts.append(
            f'<polyline fill="none" stroke="{colour(entry.get("colour", GREY))}" '
            f'stroke-width="2" stroke-linejoin="round" points="{points}">'
            f"<title>{text(entry['label'])}: {text(_number(sum(values)))}</title>"
            "</polyline>"
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_bar_chart(
    *,
    rows: Sequence[dict],
    segments: Sequence[tuple[str, str, str]],
    title: str,
    desc: str = "",
    ident: str = "bars",
    width: int = 760,
    bar_height: int = 22,
    label_width: int = 170,
) -> str:
    """One horizontal bar per row, split into shares that add up to 100 %.

    ``rows`` items are ``{"label": str, "values": {key: number}}``;
    ``segments`` lists ``(key, label, "#hex")`` in drawing order. A row whose
    values are all zero is drawn as an empty outline. The row's total is
    written at the bar's end.
    """
    top, gap, total_width = 30, 8, 56
    plot_w = width - label_width - total_width
    height = top + len(rows) * (bar_height + gap) + 4
    parts = _open(width, height, title, desc, ident)
    parts += _legend([(label, fill) for _, label, fill in segments], label_width, 16)
    for index, row in enumerate(rows):
        y = top + index * (bar_height + gap)
        values = row.get("values", {})
        total = sum(values.get(key, 0) or 0 for key, _, _ in segments)
        parts.append(
            f'<text x="{label_width - 8}" y="{_number(y + bar_height * 0.7)}" '
            f'font-size="12" text-anchor="end" {FONT}>'
            f"{text(_fit(row.get('label', ''), label_width - 12))}</text>"
        )
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{plot_w}" '
            f'height="{bar_height}" fill="none" stroke="#d1d5db"/>'
        )
        x = float(label_width)
        for key, label, fill in segments:
            value = values.get(key, 0) or 0
            if not total or value <= 0:
                continue
            share = value / total
            parts.append(
                f'<rect x="{_number(x)}" y="{y}" width="{_number(plot_w * share)}" '
                f'height="{bar_height}" fill="{colour(fill)}">'
                f"<title>{text(row.get('label', ''))}: {text(label)} "
                f"{text(_number(value))} ({share:.0%})</title></rect>"
            )
            x += plot_w * share
        parts.append(
            f'<text x="{label_width + plot_w + 6}" '
            f'y="{_number(y + bar_height * 0.7)}" font-size="12" {FONT}>'
            f"{text(_number(total))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
