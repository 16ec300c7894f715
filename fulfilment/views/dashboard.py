"""The supervisor dashboard: throughput, verdicts, dwell, promises, workload.

Supervisors see their own warehouses, admins all of them. The filters (a
range of days in the warehouse's time zone, and a warehouse) come as GET
parameters, so a view of the figures can be bookmarked, pushed to the
browser's history by htmx and exported as CSV with the same query string.
Bad filters re-render the page with the errors and status 400.
"""

import csv
import datetime as dt
import math

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from warehouse.common.access import Role
from warehouse.common.pages import page_view

from .. import charts, dashboard
from ..dashboard import MAX_DAYS, Period

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)
DEFAULT_DAYS = 7
COLOURS = {
    "received": "#1d4ed8",
    "certified": "#6d28d9",
    "released": "#15803d",
    "pass": "#15803d",
    "fail": "#b91c1c",
    "hold": "#b45309",
}


class DashboardFilterForm(forms.Form):
    """``from`` and ``to`` (days, inclusive) and ``warehouse`` (a code)."""

    def __init__(self, *args, warehouses, **kwargs):
        super().__init__(*args, **kwargs)
        self.warehouses = {w.code: w for w in warehouses}
        choices = [(w.code, f"{w.code} {w.display_name}") for w in warehouses]
        if len(warehouses) != 1:
            choices.insert(0, ("", _("All my warehouses")))
        date = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["from"] = forms.DateField(
            label=gettext_lazy("From"), widget=date, input_formats=["%Y-%m-%d"]
        )
        self.fields["to"] = forms.DateField(
            label=gettext_lazy("To"), widget=date, input_formats=["%Y-%m-%d"]
        )
        self.fields["warehouse"] = forms.ChoiceField(
            label=gettext_lazy("Warehouse"), choices=choices, required=False
        )
        for name in ("from", "to"):
            self.fields[name].error_messages["invalid"] = _(
                "Enter a date as YYYY-MM-DD."
            )

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        for name, day in (("from", start), ("to", end)):
            if day is not None and not EARLIEST <= day <= LATEST:
                self.add_error(
                    name,
                    _("Choose a day from %(first)s to %(last)s.")
                    % {"first": EARLIEST.isoformat(), "last": LATEST.isoformat()},
                )
                return data
        if start and end:
            if start > end:
                self.add_error("to", _("The end comes before the start."))
            elif (end - start).days >= MAX_DAYS:
                self.add_error(
                    "to", _("Choose at most %(days)d days.") % {"days": MAX_DAYS}
                )
        return data

    def period(self, principal) -> Period:
        """The validated filters as a :class:`~fulfilment.dashboard.Period`."""
        warehouse = self.warehouses.get(self.cleaned_data.get("warehouse") or "")
        return Period(
            principal=principal,
            warehouse=warehouse,
            day_from=self.cleaned_data["from"],
            day_to=self.cleaned_data["to"],
            zone=dashboard.zone_for(warehouse, list(self.warehouses.values())),
        )


def _filters(request) -> DashboardFilterForm:
    """The bound filter form, the days missing from the query filled in:
    the seven days up to ``to``, by default up to today in the chosen
    warehouse's time zone."""
    warehouses = dashboard.warehouses_for(request.principal)
    data = request.GET.copy()
    code = data.get("warehouse", "")
    if not code and len(warehouses) == 1:
        code = data["warehouse"] = warehouses[0].code
    chosen = next((w for w in warehouses if w.code == code), None)
    today = timezone.localdate(timezone=dashboard.zone_for(chosen, warehouses))
    if not data.get("to"):
        data["to"] = today.isoformat()
    if not data.get("from"):
        try:
            last = dt.date.fromisoformat(data["to"])
        except ValueError:  # the form says so
            last = today
        data["from"] = (last - dt.timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    return DashboardFilterForm(data, warehouses=warehouses)


def _query(form: DashboardFilterForm) -> str:
    return urlencode(
        {name: form.data.get(name, "") for name in ("from", "to", "warehouse")}
    )


def _percent(value) -> str:
    return "" if value is None else f"{value:.1%}"


def _charts(figures: dict) -> dict:
    hours = figures["throughput"]["hours"]
    if len(hours) > 24:  # several days: a tick at midnight, at most ten
        labels = [h["hour"].strftime("%m-%d") for h in hours]
        midnights = [i for i, h in enumerate(hours) if h["hour"].hour == 0]
        ticks = midnights[:: max(1, math.ceil(len(midnights) / 10))]
    else:
        labels = [h["hour"].strftime("%H:00") for h in hours]
        ticks = range(0, len(hours), 3)
    names = {
        "received": _("Received"),
        "certified": _("Certified"),
        "released": _("Released"),
    }
    flow = charts.line_chart(
        x_labels=labels,
        series=[
            {
                "label": names[key],
                "values": [h[key] for h in hours],
                "colour": COLOURS[key],
            }
            for key in names
        ],
        title=_("Throughput per hour"),
        desc=_("Items received, certified and released in each hour."),
        ident="chart-throughput",
        ticks=ticks,
    )
    segments = [
        ("pass", _("pass"), COLOURS["pass"]),
        ("fail", _("fail"), COLOURS["fail"]),
        ("hold", _("hold"), COLOURS["hold"]),
    ]

    def bars(rows, title, ident):
        return charts.stacked_bar_chart(
            rows=[
                {
                    "label": r.get("code", r["label"]),
                    "values": {k: r[k] for k, _, _ in segments},
                }
                for r in rows
            ],
            segments=segments,
            title=title,
            desc=_("Share of pass, fail and hold verdicts; the total at the end."),
            ident=ident,
        )

    verdicts = figures["verdicts"]
    # Each string is built by fulfilment.charts, which escapes every text in it.
    return {
        "throughput": mark_safe(flow),  # noqa: S308
        "by_category": mark_safe(  # noqa: S308
            bars(verdicts["by_category"], _("Verdicts by category"), "chart-cat")
        ),
        "by_merchant": mark_safe(  # noqa: S308
            bars(verdicts["by_merchant"], _("Verdicts by merchant"), "chart-merchant")
        ),
    }


@page_view(Role.SUPERVISOR, Role.ADMIN)
@require_GET
def dashboard_overview(request):
    """The dashboard; an htmx request (the filter form) gets its body only."""
    form = _filters(request)
    context = {"form": form, "query": _query(form), "figures": None}
    status = 200
    if form.is_valid():
        period = form.period(request.principal)
        figures = dashboard.dashboard_figures(period)
        drawn = _charts(figures)
        verdicts = figures["verdicts"]
        context.update(
            period=period,
            figures=figures,
            charts=drawn,
            verdict_tables=[
                (verdicts["by_category"], _("By category"), drawn["by_category"]),
                (verdicts["by_merchant"], _("By merchant"), drawn["by_merchant"]),
            ],
            active_hours=[
                h
                for h in figures["throughput"]["hours"]
                if h["received"] or h["certified"] or h["released"]
            ],
        )
    else:
        status = 400
    partial = request.htmx and not request.htmx.history_restore_request
    template = "dashboard/overview_body.html" if partial else "dashboard/overview.html"
    return render(request, template, context, status=status)


# --- CSV export -------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A cell a spreadsheet shows as text: a leading apostrophe on anything
    that would start a formula (OWASP CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    value = str(value)
    return "'" + value if value.startswith(FORMULA_START) else value


def _hours(value) -> str:
    return "" if value is None else f"{value:.2f}"


def _rows_throughput(period: Period) -> tuple[list, list]:
    figures = dashboard.throughput(period)
    header = [_("Hour"), _("Received"), _("Certified"), _("Released")]
    rows = [
        [
            h["hour"].strftime("%Y-%m-%d %H:%M"),
            h["received"],
            h["certified"],
            h["released"],
        ]
        for h in figures["hours"]
    ]
    return header, rows


def _rows_verdicts(period: Period) -> tuple[list, list]:
    figures = dashboard.verdict_rates(period)
    header = [
        _("Grouped by"),
        _("Name"),
        _("Pass"),
        _("Fail"),
        _("Hold"),
        _("Total"),
        _("Pass rate"),
        _("Fail rate"),
        _("Hold rate"),
    ]
    rows = []
    for group, label in (
        ("by_category", _("category")),
        ("by_merchant", _("merchant")),
    ):
        for r in figures[group]:
            rows.append(
                [
                    label,
                    r["label"],
                    r["pass"],
                    r["fail"],
                    r["hold"],
                    r["total"],
                    _percent(r["pass_rate"]),
                    _percent(r["fail_rate"]),
                    _percent(r["hold_rate"]),
                ]
            )
    return header, rows


def _rows_dwell(period: Period) -> tuple[list, list]:
    figures = dashboard.dwell_times(period)
    header = [
        _("Category"),
        _("Items released"),
        _("Median (h)"),
        _("Mean (h)"),
        _("90th percentile (h)"),
    ]
    rows = [
        [
            r["label"],
            r["count"],
            _hours(r["median"]),
            _hours(r["mean"]),
            _hours(r["p90"]),
        ]
        for r in [*figures["by_category"], figures["overall"]]
    ]
    return header, rows


def _rows_promises(period: Period) -> tuple[list, list]:
    figures = dashboard.promises(period, limit=dashboard.PROMISE_EXPORT_ROWS)
    header = [
        _("Order"),
        _("Merchant"),
        _("Warehouse"),
        _("Deadline (warehouse time)"),
        _("Promise"),
        _("Order status"),
        _("Promise status"),
    ]
    rows = [
        [
            r["order"],
            r["merchant"],
            r["warehouse"],
            r["deadline"].strftime("%Y-%m-%d %H:%M"),
            r["promise"],
            r["status"],
            r["state_label"],
        ]
        for r in figures["orders"]
    ]
    return header, rows


def _rows_ontime(period: Period) -> tuple[list, list]:
    figures = dashboard.promises(period, limit=0)["on_time"]
    header = [
        _("Warehouse"),
        _("Merchant"),
        _("On time"),
        _("Late"),
        _("Breached"),
        _("Open"),
        _("On-time rate"),
    ]
    rows = [
        [
            r["warehouse"],
            r["merchant"],
            r["on_time"],
            r["late"],
            r["breached"],
            r["open"],
            _percent(r["on_time_rate"]),
        ]
        for r in figures
    ]
    return header, rows


def _rows_workload(period: Period) -> tuple[list, list]:
    figures = dashboard.inspector_workload(period)
    header = [
        _("Inspector"),
        _("Completed"),
        _("Signed off"),
        _("Open now"),
        _("Awaiting sign-off now"),
    ]
    rows = [
        [
            r["inspector"],
            r["completed"],
            r["signed_off"],
            r["open"],
            r["awaiting_signoff"],
        ]
        for r in figures["rows"]
    ]
    return header, rows


EXPORTS = {
    "throughput": _rows_throughput,
    "verdicts": _rows_verdicts,
    "dwell": _rows_dwell,
    "promises": _rows_promises,
    "ontime": _rows_ontime,
    "workload": _rows_workload,
}


@page_view(Role.SUPERVISOR, Role.ADMIN)
@require_GET
def dashboard_export(request):
    """One of the dashboard's tables as CSV (UTF-8 with a BOM, for Excel)."""
    form = _filters(request)
    table = request.GET.get("table", "")
    valid = form.is_valid()
    if table not in EXPORTS:
        form.add_error(
            None,
            _("Choose a table to export: %(tables)s.") % {"tables": ", ".join(EXPORTS)},
        )
    if not valid or table not in EXPORTS:
        context = {"form": form, "query": _query(form), "figures": None}
        return render(request, "dashboard/overview.html", context, status=400)
    period = form.period(request.principal)
    header, rows = EXPORTS[table](period)
    where = period.warehouse.code if period.warehouse else "all"
    name = f"qcw-{table}-{where}-{period.day_from:%Y%m%d}-{period.day_to:%Y%m%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([csv_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return response
