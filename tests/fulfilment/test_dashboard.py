"""The supervisor dashboard: its figures, scope, filters, charts and exports."""

import csv
import datetime as dt
import io
import json
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fulfilment import dashboard
from fulfilment.views.dashboard import csv_cell
from inspection import services as inspection
from tests.conftest import api_client
from tests.inspection.factories import GOOD_JADE, jade_row, received
from tests.warehouse import factories as f
from warehouse.common.access import principal_of
from warehouse.models import Item, ItemEvent, ItemState

from .conftest import (
    certified,
    failed,
    label_scan,
    order_payload,
    run_jobs,
    tracking_of,
)

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
URL = "/dashboard/"
EXPORT = "/dashboard/export.csv"


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    """Pages answer in the browser's language; these tests read English."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def post(user, path, data=None):
    return api_client(user).post(path, data or {}, format="json")


def released(world) -> Item:
    """A jade item certified, ordered, packed and released at the dock."""
    item = certified(world)
    payload = order_payload(world, lines=[{"item_code": item.code}])
    assert post(world.platform, "/api/v1/orders/", payload).status_code == 201
    run_jobs()
    packed = post(world.station, f"/api/v1/orders/{payload['order_id']}/pack/")
    assert packed.status_code == 200, packed.json()
    run_jobs()
    out = label_scan(world.station, tracking_of(item))
    assert out.status_code == 200, out.json()
    item.refresh_from_db()
    assert item.state == ItemState.RELEASED
    return item


def order_late(world, *, hours_ago: float, warehouse: str = "GZ") -> None:
    """An open order (for stock nobody has) placed ``hours_ago``, promised
    within 24 h."""
    ordered = timezone.now() - dt.timedelta(hours=hours_ago)
    payload = order_payload(
        world,
        lines=[{"sku": "SERUM-30"}],
        warehouse=warehouse,
        ordered_at=ordered.isoformat(),
    )
    assert post(world.platform, "/api/v1/orders/", payload).status_code == 201


@pytest.fixture
def sih_people(world):
    """An inspector and a supervisor of SIH only."""
    inspector = f.UserFactory(username="inspector-sih")
    f.StaffFactory(user=inspector, warehouse=world.sih)
    supervisor = f.UserFactory(username="supervisor-sih")
    f.StaffFactory(user=supervisor, warehouse=world.sih, role="supervisor")
    return inspector, supervisor


@pytest.fixture
def floor(world, qc, sih_people):
    """A small known day: in GZ one item released (5 h after receipt), one
    certified, one failed, one awaiting sign-off, one under inspection and
    one only received; an order at risk and one breached. In SIH one item
    certified and one order breached."""
    gone = released(world)
    event = ItemEvent.objects.get(item=gone, to_state=ItemState.RELEASED)
    Item.objects.filter(pk=gone.pk).update(received_at=event.at - dt.timedelta(hours=5))
    certified(world)
    failed(world, qc)
    awaiting = received(world, jade_row())
    inspection.inspection_submit(
        principal=principal_of(world.inspector),
        code=awaiting.code,
        observed={**GOOD_JADE, "appearance": False},
    )
    opened = received(world, jade_row())
    inspection.inspection_open(principal=principal_of(qc.inspector2), code=opened.code)
    received(world, jade_row())

    sih_item = received(world, jade_row(), warehouse="SIH")
    inspection.inspection_submit(
        principal=principal_of(sih_people[0]), code=sih_item.code, observed=GOOD_JADE
    )
    inspection.certificate_issue(item_id=sih_item.pk)
    run_jobs()

    order_late(world, hours_ago=23)  # due within the hour: at risk
    order_late(world, hours_ago=30)  # overdue: breached
    order_late(world, hours_ago=30, warehouse="SIH")
    return world


def period_for(principal_user, warehouse=None, days=7) -> dashboard.Period:
    principal = principal_of(principal_user)
    today = timezone.localdate(timezone=SH)
    return dashboard.Period(
        principal=principal,
        warehouse=warehouse,
        day_from=today - dt.timedelta(days=days - 1),
        day_to=today,
        zone=SH,
    )


# --- figures ----------------------------------------------------------------------


def test_the_figures_of_a_known_day(floor, qc):
    figures = dashboard.dashboard_figures(period_for(floor.supervisor))

    assert figures["kpis"] == {
        "received": 6,
        "certified": 2,
        "released": 1,
        "pass_rate": 2 / 3,
        "pass_percent": pytest.approx(66.667, abs=0.001),
        "median_dwell": pytest.approx(5.0, abs=0.01),
        "at_risk": 1,
        "breached": 1,
    }
    verdicts = figures["verdicts"]
    assert [
        (r["label"], r["pass"], r["fail"], r["hold"]) for r in verdicts["by_category"]
    ] == [("Jewellery and jade", 2, 1, 0)]
    assert [r["label"] for r in verdicts["by_merchant"]] == [
        "JADEHOME Merchant JADEHOME"
    ]
    dwell = figures["dwell"]
    assert dwell["overall"]["count"] == 1
    assert dwell["by_category"][0]["p90"] == pytest.approx(5.0, abs=0.01)

    promises = figures["promises"]
    assert [o["state"] for o in promises["orders"]] == ["breached", "at_risk"]
    assert promises["orders"][0]["deadline"].tzinfo.key == "Asia/Shanghai"
    assert promises["on_time"] == [
        {
            "warehouse": "GZ",
            "merchant": "JADEHOME",
            "on_time": 1,
            "late": 0,
            "breached": 0,
            "open": 2,
            "on_time_rate": 1.0,
            "on_time_percent": 100.0,
        }
    ]

    workload = {r["inspector"]: r for r in figures["workload"]["rows"]}
    assert workload["inspector"]["completed"] == 4  # two passes, two fails
    assert workload["inspector"]["awaiting_signoff"] == 1
    assert workload["inspector2"]["signed_off"] == 1
    assert workload["inspector2"]["open"] == 1
    assert figures["workload"]["awaiting_signoff"] == 1


def test_hours_are_bucketed_in_the_warehouse_time_zone(floor):
    nine = dt.datetime.combine(
        timezone.localdate(timezone=SH) - dt.timedelta(days=1), dt.time(9, 10), SH
    )
    gz_receipts = ItemEvent.objects.filter(
        to_state=ItemState.RECEIVED, item__warehouse=floor.gz
    )
    assert gz_receipts.update(at=nine) == 6

    hours = dashboard.throughput(period_for(floor.supervisor))["hours"]

    assert len(hours) == 7 * 24
    busy = [h for h in hours if h["received"]]
    assert [(h["hour"].strftime("%Y-%m-%d %H:%M"), h["received"]) for h in busy] == [
        (nine.strftime("%Y-%m-%d 09:00"), 6)
    ]
    assert busy[0]["hour"].utcoffset() == dt.timedelta(hours=8)


def test_each_warehouse_counts_hours_in_its_own_time_zone(client, floor):
    floor.sih.time_zone = "Europe/Berlin"
    floor.sih.save()
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    day = timezone.localdate(timezone=berlin) - dt.timedelta(days=1)
    ItemEvent.objects.filter(
        to_state=ItemState.RECEIVED, item__warehouse=floor.sih
    ).update(at=dt.datetime.combine(day, dt.time(23, 30), berlin))
    client.force_login(floor.admin)

    context = client.get(URL, {"warehouse": "SIH"}).context

    assert context["period"].zone.key == "Europe/Berlin"
    busy = [h for h in context["figures"]["throughput"]["hours"] if h["received"]]
    assert [h["hour"].strftime("%Y-%m-%d %H:%M") for h in busy] == [
        f"{day.isoformat()} 23:00"
    ]


def test_a_day_when_the_clocks_change_has_23_hours():
    new_york = zoneinfo.ZoneInfo("America/New_York")
    period = dashboard.Period(
        principal=None,
        warehouse=None,
        day_from=dt.date(2026, 3, 8),
        day_to=dt.date(2026, 3, 8),
        zone=new_york,
    )
    hours = dashboard._hours(period)
    assert len(hours) == 23
    assert [h.hour for h in hours[:4]] == [0, 1, 3, 4]


def test_the_page_shows_the_figures_and_well_formed_charts(client, floor):
    client.force_login(floor.supervisor)

    answer = client.get(URL)

    assert answer.status_code == 200
    page = answer.content.decode()
    assert "<html" in page
    assert re.search(r'data-kpi="received">\s*6<', page)
    assert re.search(r'data-kpi="breached">\s*1<', page)
    assert "66.7%" in page
    # Three charts, each fed by the JSON beside it, which is the CSV export's.
    assert page.count('data-chart="') == 3
    assert "vendor/echarts/echarts.min.js" in page
    flow = chart_json(page, "chart-throughput")
    assert flow["bucket"] == "day"  # a week: per day

    def as_csv(rows):  # the JSON keeps numbers as numbers, the CSV as text
        return [[str(cell) for cell in row] for row in rows]

    export = rows_of(client.get(EXPORT, {"table": "throughput"}))
    assert as_csv([flow["header"], *flow["rows"]]) == export
    verdicts = rows_of(client.get(EXPORT, {"table": "verdicts"}))
    by_category = chart_json(page, "chart-by_category")
    by_merchant = chart_json(page, "chart-by_merchant")
    assert by_category["header"] == verdicts[0]
    assert as_csv([*by_category["rows"], *by_merchant["rows"]]) == verdicts[1:]
    assert f'href="{EXPORT}?from=' in page

    chinese = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 200
    assert '<html lang="zh-hans">' in chinese.content.decode()


# --- scope and roles --------------------------------------------------------------


def test_a_supervisor_sees_only_their_warehouses(client, floor, sih_people):
    client.force_login(floor.supervisor)
    gz = client.get(URL).context
    assert gz["period"].warehouse == floor.gz
    assert [c[0] for c in gz["form"].fields["warehouse"].choices] == ["GZ"]

    client.force_login(sih_people[1])
    sih = client.get(URL).context["figures"]["kpis"]
    assert (sih["received"], sih["certified"], sih["released"]) == (1, 1, 0)
    assert (sih["at_risk"], sih["breached"]) == (0, 1)

    refused = client.get(URL, {"warehouse": "GZ"})
    assert refused.status_code == 400
    assert refused.context["figures"] is None


def test_an_admin_sees_every_warehouse_and_can_narrow(client, floor):
    client.force_login(floor.admin)
    everything = client.get(URL).context["figures"]["kpis"]
    assert (everything["received"], everything["breached"]) == (7, 2)

    only_sih = client.get(URL, {"warehouse": "SIH"}).context["figures"]["kpis"]
    assert (only_sih["received"], only_sih["breached"]) == (1, 1)


@pytest.mark.parametrize("who", ["inspector", "merchant_user", "station"])
def test_other_roles_get_403(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(URL).status_code == 403
    assert client.get(EXPORT, {"table": "dwell"}).status_code == 403


def test_anonymous_is_sent_to_sign_in(client, world):
    for path in (URL, f"{EXPORT}?table=dwell"):
        answer = client.get(path)
        assert answer.status_code == 302
        assert answer["Location"].startswith("/accounts/login/?next=")


# --- filters ----------------------------------------------------------------------


def test_the_date_filter_chooses_the_days(client, floor):
    today = timezone.localdate(timezone=SH)
    old = Item.objects.filter(warehouse=floor.gz, state=ItemState.RECEIVED).get()
    ItemEvent.objects.filter(item=old).update(at=timezone.now() - dt.timedelta(days=10))
    client.force_login(floor.supervisor)

    recent = client.get(URL).context
    assert recent["figures"]["kpis"]["received"] == 5
    assert recent["period"].day_from == today - dt.timedelta(days=6)

    back = today - dt.timedelta(days=12)
    then = client.get(
        URL,
        {"from": back.isoformat(), "to": (today - dt.timedelta(days=8)).isoformat()},
    ).context["figures"]["kpis"]
    assert (then["received"], then["certified"]) == (1, 0)

    week = client.get(URL, {"to": "2026-01-10"}).context["period"]
    assert (week.day_from, week.day_to) == (dt.date(2026, 1, 4), dt.date(2026, 1, 10))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "yesterday"}, "Enter a date as YYYY-MM-DD."),
        ({"from": "2026-03-10", "to": "2026-03-01"}, "The end comes before the start."),
        ({"from": "2026-01-01", "to": "2026-03-01"}, "Choose at most 31 days."),
        ({"from": "9999-12-30", "to": "9999-12-31"}, "Choose a day from 2000-01-01"),
        ({"warehouse": "NOPE"}, "Select a valid choice."),
    ],
)
def test_bad_filters_answer_400_with_the_message(client, world, query, message):
    client.force_login(world.supervisor)

    answer = client.get(URL, query)

    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert answer.context["figures"] is None


def test_an_htmx_request_gets_the_body_only(client, floor):
    client.force_login(floor.supervisor)

    partial = client.get(URL, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    body = partial.content.decode()
    assert "<html" not in body and 'id="dashboard-body"' not in body
    assert 'data-kpi="received"' in body

    bad = client.get(URL, {"to": "soon"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400
    assert "<html" not in bad.content.decode()
    assert "Enter a date as YYYY-MM-DD." in bad.content.decode()

    full = client.get(URL).content.decode()
    assert 'hx-get="/dashboard/"' in full and 'hx-target="#dashboard-body"' in full


# --- CSV --------------------------------------------------------------------------


def rows_of(answer) -> list[list[str]]:
    raw = answer.content
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_each_table_exports_as_csv(client, floor):
    client.force_login(floor.supervisor)

    dwell = client.get(EXPORT, {"table": "dwell"})
    assert dwell.status_code == 200
    assert dwell["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="qcw-dwell-GZ-' in dwell["Content-Disposition"]
    assert rows_of(dwell) == [
        ["Category", "Items released", "Median (h)", "Mean (h)", "90th percentile (h)"],
        ["Jewellery and jade", "1", "5.00", "5.00", "5.00"],
        ["All", "1", "5.00", "5.00", "5.00"],
    ]

    verdicts = rows_of(client.get(EXPORT, {"table": "verdicts"}))
    assert verdicts[1][:6] == ["category", "Jewellery and jade", "2", "1", "0", "3"]
    assert verdicts[1][6] == "66.7%"

    promises = rows_of(client.get(EXPORT, {"table": "promises"}))
    assert [r[-1] for r in promises[1:]] == ["breached", "at risk"]

    throughput = rows_of(client.get(EXPORT, {"table": "throughput"}))
    assert throughput[0] == ["Day", "Received", "Certified", "Released"]
    assert len(throughput) == 1 + 7
    assert sum(int(r[1]) for r in throughput[1:]) == 6
    today = timezone.localdate(timezone=SH).isoformat()
    hourly = rows_of(
        client.get(EXPORT, {"table": "throughput", "from": today, "to": today})
    )
    assert hourly[0] == ["Hour", "Received", "Certified", "Released"]
    assert len(hourly) == 1 + 24
    assert sum(int(r[1]) for r in hourly[1:]) == 6

    ontime = rows_of(client.get(EXPORT, {"table": "ontime"}))
    assert ontime[1] == ["GZ", "JADEHOME", "1", "0", "0", "2", "100.0%"]


def test_the_export_header_is_in_the_reader_s_language(client, floor):
    client.force_login(floor.supervisor)

    answer = client.get(EXPORT, {"table": "dwell"}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert answer.content.startswith("\ufeff品类,".encode())


def test_export_neutralises_spreadsheet_formulas(client, floor):
    floor.inspector.first_name = '=HYPERLINK("http://evil.example","x")'
    floor.inspector.save()
    client.force_login(floor.supervisor)

    rows = rows_of(client.get(EXPORT, {"table": "workload"}))

    assert rows[0][0] == "Inspector"
    names = [r[0] for r in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example","x")' in names
    assert not any(name.startswith("=") for name in names)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_starts_a_formula_gets_an_apostrophe(start):
    assert csv_cell(f"{start}1+1") == f"'{start}1+1"
    assert csv_cell("plain") == "plain"
    assert csv_cell(3) == 3
    assert csv_cell(None) == ""


def test_an_unknown_export_table_is_a_400(client, world):
    client.force_login(world.supervisor)
    answer = client.get(EXPORT, {"table": "secrets"})
    assert answer.status_code == 400
    assert "Choose a table to export" in answer.content.decode()


# --- charts -----------------------------------------------------------------------


def chart_json(page: str, ident: str) -> dict:
    """The JSON a chart is drawn from (``json_script``), as the browser reads it."""
    found = re.search(
        rf'<script id="{ident}" type="application/json">(.*?)</script>', page, re.S
    )
    assert found, ident
    return json.loads(found.group(1))


@pytest.mark.parametrize(
    ("days", "bucket", "rows"), [(1, "hour", 24), (2, "hour", 48), (3, "day", 3)]
)
def test_the_time_bucket_follows_the_range(world, days, bucket, rows):
    """Hours for a day or two, days for longer: a week of hours is a comb."""
    period = period_for(world.supervisor, days=days)
    series = dashboard.throughput_series(period)
    assert series["bucket"] == bucket
    assert len(series["rows"]) == rows


def test_a_day_bucket_sums_its_hours_in_the_warehouse_zone(floor):
    period = period_for(floor.supervisor, floor.gz, days=7)
    hours = dashboard.throughput(period)
    days = dashboard.throughput_series(period, hours)
    assert [r["start"].hour for r in days["rows"]] == [0] * 7
    assert days["rows"][-1]["start"].date() == timezone.localdate(timezone=SH)
    for state in ("received", "certified", "released"):
        assert sum(r[state] for r in days["rows"]) == hours["totals"][state]


def test_the_chart_data_is_embedded_as_json_not_as_markup(client, world, qc):
    """A merchant's name with markup reaches the chart as JSON text only."""
    world.merchant.name = '</script><script>alert("x")</script>'
    world.merchant.save()
    failed(world, qc)
    client.force_login(world.supervisor)
    page = client.get(URL).content.decode()
    assert '<script>alert("x")' not in page
    rows = chart_json(page, "chart-by_merchant")["rows"]
    assert rows[0][1].endswith('</script><script>alert("x")</script>')


# --- cost -------------------------------------------------------------------------


def queries_for(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return len(queries)


def crowd(world, count: int) -> None:
    for _ in range(count):
        certified(world)
        order_late(world, hours_ago=23)


# Session and user (2); who the user is: station, merchant membership,
# platform account, staff assignments (4); their warehouses (1); then one
# query per figure: throughput, verdicts, dwell, promise counts, promise
# rows, on-time figures, and the workload's completed, signed off, open
# and awaiting sign-off (10).
DASHBOARD_QUERIES = 17


def test_the_page_costs_the_same_queries_on_more_data(client, world, qc):
    released(world)
    client.force_login(world.supervisor)
    crowd(world, 2)
    few = queries_for(client)
    crowd(world, 18)
    many = queries_for(client)

    assert few == many == DASHBOARD_QUERIES
