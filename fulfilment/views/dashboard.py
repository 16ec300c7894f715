"""The supervisor dashboard: throughput, verdicts, dwell, promises, workload.

Supervisors see their own warehouses, admins all of them. The filters (a
range of days in the warehouse's time zone, and a warehouse) come as GET
parameters, so a view of the figures can be bookmarked, pushed to the
browser's history by htmx and exported as CSV with the same query string.
Bad filters re-render the page with the errors and status 400.
"""

import csv
import datetime as dt

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from warehouse.common.access import Role
from warehouse.common.pages import page_view

from .. import dashboard
from ..dashboard import MAX_DAYS, Period

EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)
DEFAULT_DAYS = 7


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


def chart_figures(figures: dict) -> dict:
    """Each chart's data, embedded in the page as JSON (``json_script``):
    the very header and rows the CSV export writes, so the chart, its CSV
    and the table beside it say the same."""
    header, rows = _throughput_table(figures["series"])
    verdict_header, verdict_rows = _verdict_table(figures["verdicts"])
    group = {"by_category": _("category"), "by_merchant": _("merchant")}
    return {
        "throughput": {
            "bucket": figures["series"]["bucket"],
            "header": header,
            "rows": rows,
            "title": str(_throughput_title(figures["series"]["bucket"])),
        },
        **{
            key: {
                "header": verdict_header,
                "rows": [r for r in verdict_rows if r[0] == label],
                "title": str(title),
            }
            for key, label, title in (
                ("by_category", group["by_category"], _("Verdicts by category")),
                ("by_merchant", group["by_merchant"], _("Verdicts by merchant")),
            )
        },
    }


def _throughput_title(bucket: str) -> str:
    return _("Throughput per day") if bucket == "day" else _("Throughput per hour")


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
        verdicts = figures["verdicts"]
        series = figures["series"]
        context.update(
            period=period,
            figures=figures,
            charts=chart_figures(figures),
            throughput_title=_throughput_title(series["bucket"]),
            verdict_tables=[
                (verdicts["by_category"], _("By category"), "by_category"),
                (verdicts["by_merchant"], _("By merchant"), "by_merchant"),
            ],
            active_rows=[
                r
                for r in series["rows"]
                if r["received"] or r["certified"] or r["released"]
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


def _throughput_table(series: dict) -> tuple[list, list]:
    """Throughput per hour or per day, as the export and the chart write it."""
    day = series["bucket"] == "day"
    header = [
        _("Day") if day else _("Hour"),
        _("Received"),
        _("Certified"),
        _("Released"),
    ]
    stamp = "%Y-%m-%d" if day else "%Y-%m-%d %H:%M"
    rows = [
        [r["start"].strftime(stamp), r["received"], r["certified"], r["released"]]
        for r in series["rows"]
    ]
    return [str(h) for h in header], rows


def _rows_throughput(period: Period) -> tuple[list, list]:
    return _throughput_table(dashboard.throughput_series(period))


def _verdict_table(figures: dict) -> tuple[list, list]:
    """Pass, fail and hold by category, then by merchant."""
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
    return [str(h) for h in header], rows


def _rows_verdicts(period: Period) -> tuple[list, list]:
    return _verdict_table(dashboard.verdict_rates(period))


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
