"""The order, shipment and manifest state machines: every pair of statuses,
the history each move writes, the message it sends, the contract's refusals.

Rows are put in a status by walking them through ``fulfilment.lifecycle``
along a path found over its table, never by assigning ``status``.
"""

import itertools
from collections import deque
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fulfilment import lifecycle
from fulfilment.models import Manifest, Order, Shipment, WebhookEndpoint, WebhookMessage
from tests.conftest import api_client
from warehouse import lifecycle as item_lifecycle
from warehouse.common.exceptions import Conflict, TransitionRefused
from warehouse.models import ItemState

from .conftest import certified, label_scan, order_payload, run_jobs, tracking_of

pytestmark = pytest.mark.django_db

# The tables as the product's flow draws them (README "Fulfilment", DESIGN.md
# section 5), with the webhook each move sends; written out apart from the code.
DESIGN = {
    "order": {
        ("open", "allocated"): "order.allocated",
        ("allocated", "packed"): "",
        ("packed", "dispatched"): "order.dispatched",
        ("open", "cancelled"): "order.cancelled",
        ("allocated", "cancelled"): "order.cancelled",
        ("packed", "cancelled"): "order.cancelled",
    },
    "shipment": {  # a return parcel: a buyer's is told by its order's dispatch
        ("booking", "labelled"): "shipment.labelled",
        ("labelled", "released"): "shipment.released",
        ("booking", "cancelled"): "",
        ("labelled", "cancelled"): "",
    },
    "manifest": {("open", "closed"): ""},
}
# Refusals the REST contract names with their own code (and words).
CONTRACT = {
    "order": {
        ("dispatched", "cancelled"): ("order_dispatched", "has already left"),
        ("cancelled", "packed"): ("order_cancelled", "only an allocated order"),
        ("open", "packed"): ("not_allocated", "only an allocated order"),
        ("packed", "packed"): ("not_allocated", "only an allocated order"),
        ("dispatched", "packed"): ("not_allocated", "only an allocated order"),
    },
    "shipment": {
        ("released", "released"): ("already_released", "already been handed to"),
        ("cancelled", "released"): ("order_cancelled", "was cancelled"),
        ("booking", "released"): ("no_label", "has no carrier label yet"),
    },
    "manifest": {},
}
MACHINES = {
    "order": lifecycle.ORDERS,
    "shipment": lifecycle.SHIPMENTS,
    "manifest": lifecycle.MANIFESTS,
}
STATUSES = {
    "order": list(Order.Status.values),
    "shipment": list(Shipment.Status.values),
    "manifest": list(Manifest.Status.values),
}
ALLOWED = [
    (entity, str(m.source), str(m.target))
    for entity, machine in MACHINES.items()
    for m in machine.moves
]
REFUSED = [
    (entity, source, target)
    for entity, statuses in STATUSES.items()
    for source, target in itertools.product(statuses, statuses)
    if (source, target) not in DESIGN[entity]
]


def _ids(cases):
    return [f"{e}:{s}->{t}" for e, s, t in cases]


_numbers = itertools.count(1)


def path_to(machine, start: str, target: str) -> list[str]:
    """The statuses after ``start`` on a shortest path to ``target`` (BFS)."""
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        status = queue.popleft()
        for move in machine.moves:
            if move.source == status and str(move.target) not in previous:
                previous[str(move.target)] = status
                queue.append(str(move.target))
    if target not in previous:
        raise AssertionError(f"{target} cannot be reached from {start}")
    path, status = [], target
    while status != start:
        path.append(status)
        status = previous[status]
    return path[::-1]


class Rows:
    """Makes a new row of each entity and moves it, as the services would."""

    def __init__(self, world):
        self.world = world

    def order(self) -> Order:
        now = timezone.now()
        return Order.objects.create(
            external_id=f"LC-{next(_numbers)}",
            merchant=self.world.merchant,
            warehouse=self.world.gz,
            fingerprint="-",
            buyer_name="王小明",
            buyer_phone="13800138000",
            buyer_address="南山区科技园路 1 号",
            carrier="zto",
            promise="within_24h",
            ordered_at=now,
            deadline=now + timedelta(hours=24),
        )

    def shipment(self, *, order: Order | None = None) -> Shipment:
        return Shipment.objects.create(
            reference=f"SLC{next(_numbers):09d}",
            kind=Shipment.Kind.ORDER if order else Shipment.Kind.RETURN,
            order=order,
            merchant=self.world.merchant,
            warehouse=self.world.gz,
            carrier="zto",
            recipient={"name": "王小明", "phone": "13800138000", "lines": "1 号"},
        )

    def manifest(self) -> Manifest:
        return Manifest.objects.create(
            number=f"M-LC-{next(_numbers)}", warehouse=self.world.gz, carrier="zto"
        )

    def new(self, entity: str):
        return getattr(self, entity)()

    def move(self, entity: str, obj, to: str, **kw):
        """One move through the entity's transition function."""
        if entity == "order":
            if to == Order.Status.DISPATCHED:  # as the parcel's release does
                kw.setdefault("shipment", self.shipment(order=obj))
                kw.setdefault("stamp", ("dispatched_at",))
            return lifecycle.order_transition(order=obj, to=to, **kw)
        if entity == "shipment":
            if to == Shipment.Status.LABELLED:  # the carrier's number, as booked
                kw.setdefault("changes", {"tracking_number": f"7{next(_numbers):011d}"})
            return lifecycle.shipment_transition(shipment=obj, to=to, **kw)
        kw.pop("payload", None)
        return lifecycle.manifest_transition(manifest=obj, to=to, **kw)

    def walk(self, entity: str, obj, target: str):
        machine = MACHINES[entity]
        for status in path_to(machine, obj.status, target):
            self.move(entity, obj, status)
        assert obj.status == target
        return obj


@pytest.fixture
def rows(world):
    return Rows(world)


@pytest.fixture
def endpoint(world):
    """An active webhook endpoint: every message a move sends is recorded."""
    return WebhookEndpoint.objects.create(
        platform=world.platform.platform_account,
        url="https://hooks.example.com/qcw",
        secrets=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


def _saved(obj) -> tuple[str, list]:
    fresh = type(obj).objects.get(pk=obj.pk)
    return fresh.status, fresh.history


def _messages() -> list[str]:
    return list(
        WebhookMessage.objects.order_by("id").values_list("event_type", flat=True)
    )


# --- The tables -----------------------------------------------------------------------


@pytest.mark.parametrize("entity", sorted(MACHINES))
def test_the_table_is_the_designed_one(entity):
    """Each table holds exactly the designed moves and messages, none twice."""
    machine = MACHINES[entity]
    table = {(str(m.source), str(m.target)): m.message for m in machine.moves}
    assert table == DESIGN[entity]
    assert len(machine.moves) == len(table), "a move is listed twice"


@pytest.mark.parametrize("entity", sorted(MACHINES))
def test_every_status_is_reachable_from_the_first(entity):
    """Each status lies on a path from the one rows are created in."""
    first = STATUSES[entity][0]
    for status in STATUSES[entity][1:]:
        assert path_to(MACHINES[entity], first, status)[-1] == status


def test_pair_lists_cover_every_pair_of_statuses():
    """Allowed and refused pairs together are every pair, per entity."""
    for entity, statuses in STATUSES.items():
        allowed = {(s, t) for e, s, t in ALLOWED if e == entity}
        refused = {(s, t) for e, s, t in REFUSED if e == entity}
        assert not allowed & refused
        assert len(allowed) + len(refused) == len(statuses) ** 2


# --- Every pair of statuses -----------------------------------------------------------


@pytest.mark.parametrize(("entity", "source", "target"), ALLOWED, ids=_ids(ALLOWED))
def test_allowed_pair_moves_writes_one_entry_and_its_message(
    rows, endpoint, world, entity, source, target
):
    """An allowed move saves the status, appends one history entry and sends
    the table's message (once per endpoint), nothing else."""
    obj = rows.walk(entity, rows.new(entity), source)
    history = list(obj.history)
    sent = _messages()
    station = world.station.station
    started = timezone.now()

    returned = rows.move(
        entity,
        obj,
        target,
        actor=world.supervisor,
        station=station,
        reason=f"test {source} to {target}",
        payload={"check": "pair"},
    )

    assert returned is obj, "the caller's instance is returned"
    assert obj.status == target, "the caller's instance shows the new status"
    status, saved = _saved(obj)
    assert status == target
    assert saved == obj.history
    assert saved[: len(history)] == history, "earlier entries are kept"
    assert len(saved) == len(history) + 1, "one entry per move"
    entry = saved[-1]
    assert (entry["from"], entry["to"]) == (source, target)
    assert entry["actor"] == world.supervisor.pk
    assert entry["station"] == station.pk
    assert entry["reason"] == f"test {source} to {target}"
    if entity != "manifest":
        assert entry["payload"] == {"check": "pair"}
    assert started <= datetime.fromisoformat(entry["at"]) <= timezone.now()
    message = DESIGN[entity][(source, target)]
    assert _messages()[len(sent) :] == ([message] if message else [])


@pytest.mark.parametrize(("entity", "source", "target"), REFUSED, ids=_ids(REFUSED))
def test_refused_pair_raises_naming_the_allowed_moves_and_changes_nothing(
    rows, endpoint, entity, source, target
):
    """A move the table does not allow is a 409 naming the allowed moves; the
    row, its history and the outbox stay as they were."""
    obj = rows.walk(entity, rows.new(entity), source)
    before = _saved(obj)
    sent = _messages()
    allowed = sorted(t for e, s, t in ALLOWED if e == entity and s == source)

    with pytest.raises(TransitionRefused) as caught, transaction.atomic():
        rows.move(entity, obj, target)

    exc = caught.value
    assert isinstance(exc, Conflict), "a refused move is a conflict (HTTP 409)"
    assert sorted(exc.fields.pop("allowed")) == allowed
    assert exc.fields == {"status": source, "target": target}
    code, words = CONTRACT[entity].get((source, target), ("invalid_transition", ""))
    assert exc.code == code
    if words:
        assert words in exc.message, exc.message
    elif allowed:
        # The words name the states (in the reader's language), fields the codes.
        label = MACHINES[entity].label
        assert f"is {label(source)} and cannot become {label(target)}" in exc.message
        named = exc.message.split("allowed next:")[1]
        assert all(label(status) in named for status in allowed), exc.message
    else:
        assert (
            f"is {MACHINES[entity].label(source)}, a final state; it cannot change."
            in exc.message
        )
    assert _saved(obj) == before
    assert obj.status == source, "the caller's instance is untouched"
    assert _messages() == sent


# --- The mechanics --------------------------------------------------------------------


def test_a_locked_row_moves_with_one_update_and_no_read(
    rows, django_assert_num_queries
):
    """On the burst path the caller holds the row: the move is its one UPDATE."""
    order = rows.walk("order", rows.order(), Order.Status.ALLOCATED)
    locked = Order.objects.select_for_update().get(pk=order.pk)

    with django_assert_num_queries(1) as captured:
        lifecycle.order_transition(order=locked, to=Order.Status.PACKED, locked=True)

    assert captured.captured_queries[0]["sql"].startswith("UPDATE")
    assert _saved(order)[0] == Order.Status.PACKED


def test_an_unlocked_row_is_read_again_for_update(rows, django_assert_num_queries):
    """Without ``locked`` the move re-reads the row ``FOR UPDATE`` first."""
    order = rows.walk("order", rows.order(), Order.Status.ALLOCATED)

    with django_assert_num_queries(2) as captured:
        lifecycle.order_transition(order=order, to=Order.Status.PACKED)

    read, write = (q["sql"] for q in captured.captured_queries)
    assert read.startswith("SELECT")
    assert 'FOR UPDATE OF "fulfilment_order"' in read
    assert write.startswith("UPDATE")


def test_the_move_is_judged_on_the_saved_status_not_a_stale_copy(rows):
    """A copy read before the order was cancelled cannot allocate it."""
    order = rows.order()
    stale = Order.objects.get(pk=order.pk)
    lifecycle.order_transition(order=order, to=Order.Status.CANCELLED)

    with pytest.raises(TransitionRefused) as caught, transaction.atomic():
        lifecycle.order_transition(order=stale, to=Order.Status.ALLOCATED)

    assert caught.value.message == (
        f"Order {order.external_id} is cancelled, a final state; it cannot change."
    )
    assert _saved(order) == (Order.Status.CANCELLED, order.history)


def test_other_fields_are_not_overwritten(rows):
    """The move saves only its own fields: a concurrent edit elsewhere survives."""
    order = rows.order()
    Order.objects.filter(pk=order.pk).update(buyer_name="改了名")

    lifecycle.order_transition(order=order, to=Order.Status.ALLOCATED)

    assert Order.objects.get(pk=order.pk).buyer_name == "改了名"


def test_changes_and_stamps_are_saved_with_the_move(rows):
    """``changes`` and ``stamp`` fields go in the move's one save."""
    order = rows.order()

    lifecycle.order_transition(
        order=order,
        to=Order.Status.CANCELLED,
        reason="buyer changed mind",
        changes={"cancel_reason": "buyer changed mind"},
        stamp=("cancelled_at",),
    )

    fresh = Order.objects.get(pk=order.pk)
    assert fresh.cancel_reason == "buyer changed mind"
    assert fresh.cancelled_at.isoformat() == fresh.history[-1]["at"]
    assert fresh.history[-1]["reason"] == "buyer changed mind"


def test_a_buyers_parcel_leaving_is_told_by_its_orders_dispatch(rows, endpoint):
    """labelled → released sends shipment.released for a return parcel only;
    the buyer's parcel is told once, as order.dispatched, with its tracking."""
    order = rows.walk("order", rows.order(), Order.Status.PACKED)
    parcel = rows.walk("shipment", rows.shipment(order=order), "labelled")
    sent = len(_messages())

    rows.move("shipment", parcel, Shipment.Status.RELEASED)
    rows.move("order", order, Order.Status.DISPATCHED, shipment=parcel)

    assert _messages()[sent:] == ["order.dispatched"]
    body = WebhookMessage.objects.order_by("id").last().body
    assert parcel.tracking_number in body


def test_a_cancelled_buyers_parcel_names_its_order(rows):
    """Releasing a cancelled parcel of an order says the order was cancelled."""
    order = rows.order()
    parcel = rows.walk("shipment", rows.shipment(order=order), "cancelled")

    refusal = lifecycle.shipment_refusal(parcel, Shipment.Status.RELEASED)

    assert refusal.code == "order_cancelled"
    assert refusal.message == (
        f"Order {order.external_id} was cancelled; this parcel must not leave."
    )


def test_a_labelled_parcel_without_a_tracking_number_has_no_label(rows):
    """The table allows labelled → released; its guard wants the carrier's number."""
    parcel = rows.walk("shipment", rows.shipment(), "labelled")
    parcel.tracking_number = ""

    refusal = lifecycle.shipment_refusal(parcel, Shipment.Status.RELEASED)

    assert refusal.code == "no_label"
    assert "has no carrier label yet" in refusal.message


def test_refusal_answers_without_moving(rows):
    """``order_refusal`` judges a move and changes nothing."""
    order = rows.order()

    assert lifecycle.order_refusal(order, Order.Status.ALLOCATED) is None
    refused = lifecycle.order_refusal(order, Order.Status.DISPATCHED)

    assert refused.code == "invalid_transition"
    assert refused.fields["allowed"] == ["allocated", "cancelled"]
    assert _saved(order) == (Order.Status.OPEN, [])


def test_sources_are_read_from_the_table():
    """The statuses a parcel can be cancelled from are the table's."""
    assert lifecycle.SHIPMENTS.sources(Shipment.Status.CANCELLED) == [
        "booking",
        "labelled",
    ]


# --- Through the services -------------------------------------------------------------


def test_an_order_through_the_services_records_each_move(world, qc):
    """Order, pack, label, release: each status change is one history entry,
    with who made it."""
    item = certified(world)
    payload = order_payload(world, lines=[{"item_code": item.code}])
    api_client(world.platform).post("/api/v1/orders/", payload, format="json")
    run_jobs()
    order_id = payload["order_id"]
    api_client(world.station).post(f"/api/v1/orders/{order_id}/pack/", format="json")
    run_jobs()
    released = label_scan(world.station, tracking_of(item))
    assert released.status_code == 200, released.json()

    order = Order.objects.get(external_id=order_id)
    parcel = order.shipments.get()
    assert [(e["from"], e["to"]) for e in order.history] == [
        ("open", "allocated"),
        ("allocated", "packed"),
        ("packed", "dispatched"),
    ]
    assert order.history[1]["actor"] == world.station.pk
    assert order.history[2]["payload"] == {"parcel": parcel.reference}
    assert [(e["from"], e["to"]) for e in parcel.history] == [
        ("booking", "labelled"),
        ("labelled", "released"),
    ]


def test_release_refusals_come_from_the_item_lifecycles_guards(world, qc):
    """A rule added to packed → released refuses the release with its own
    code and words: the release checks ask the item lifecycle, not a copy."""
    item = certified(world)
    payload = order_payload(world, lines=[{"item_code": item.code}])
    api_client(world.platform).post("/api/v1/orders/", payload, format="json")
    run_jobs()
    api_client(world.station).post(
        f"/api/v1/orders/{payload['order_id']}/pack/", format="json"
    )
    run_jobs()

    def seal_intact(item):
        raise Conflict("The seal of the parcel is broken.", code="seal_broken")

    saved = {k: list(v) for k, v in item_lifecycle._guards.items()}
    item_lifecycle.transition_guard_register(
        source=ItemState.PACKED, target=ItemState.RELEASED, guard=seal_intact
    )
    try:
        answer = label_scan(world.station, tracking_of(item))
    finally:
        item_lifecycle._guards.clear()
        item_lifecycle._guards.update(saved)

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "seal_broken"
    assert answer.json()["error"]["message"] == "The seal of the parcel is broken."
    item.refresh_from_db()
    assert item.state == ItemState.PACKED


def test_a_pack_refusal_names_the_allowed_moves(world, qc):
    """Packing a cancelled order: the contract's code, the table's facts."""
    item = certified(world)
    payload = order_payload(world, lines=[{"item_code": item.code}])
    platform = api_client(world.platform)
    platform.post("/api/v1/orders/", payload, format="json")
    platform.post(f"/api/v1/orders/{payload['order_id']}/cancel/", format="json")

    answer = api_client(world.station).post(
        f"/api/v1/orders/{payload['order_id']}/pack/", format="json"
    )

    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "order_cancelled"
    assert error["fields"] == {"status": "cancelled", "allowed": [], "target": "packed"}


def test_many_parcels_move_as_each_would_alone_in_one_update(rows, endpoint):
    """shipment_transition_many: each parcel its own changes, history entry
    and message, saved by one UPDATE; a refusal of one saves none."""
    parcels = [rows.shipment(order=rows.order()) for _ in range(3)]
    numbers = [f"7{next(_numbers):011d}" for _ in parcels]
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        lifecycle.shipment_transition_many(
            shipments=parcels,
            to=Shipment.Status.LABELLED,
            changes=[{"tracking_number": n, "sort_code": "1-2 深圳"} for n in numbers],
        )
    updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    for parcel, number in zip(parcels, numbers, strict=True):
        fresh = Shipment.objects.get(pk=parcel.pk)
        assert (fresh.status, fresh.tracking_number) == ("labelled", number)
        assert fresh.sort_code == "1-2 深圳"
        assert [(h["from"], h["to"]) for h in fresh.history] == [
            ("booking", "labelled")
        ]
    assert _messages() == ["shipment.labelled"] * 3

    labelled, fresh = parcels[0], rows.shipment(order=rows.order())
    with pytest.raises(TransitionRefused), transaction.atomic():
        lifecycle.shipment_transition_many(
            shipments=[fresh, labelled], to=Shipment.Status.LABELLED
        )
    assert _saved(fresh) == ("booking", [])
