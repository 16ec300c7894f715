"""The Item state machine: every pair of states, the named moves, guards.

Items are put in a state by walking them through the lifecycle along a path
found over ``lifecycle.TRANSITIONS``, never by assigning ``state``.
"""

import itertools
from collections import deque

import pytest
from django.db import transaction
from django.utils import timezone, translation

from warehouse import lifecycle
from warehouse.common.exceptions import Conflict, TransitionRefused
from warehouse.common.statemachine import StateMachine
from warehouse.models import Item, ItemEvent, ItemState

from . import factories as f

S = ItemState
STATES = list(S.values)
FINAL_STATES = {S.RETURNED_TO_MERCHANT.value}

# The table as DESIGN.md section 3 draws it, written out independently of the code.
DESIGN_MOVES = {
    ("announced", "received"),
    ("received", "inspecting"),
    ("inspecting", "passed"),
    ("inspecting", "failed"),
    ("inspecting", "held"),
    ("held", "inspecting"),
    ("held", "passed"),
    ("held", "failed"),
    ("failed", "inspecting"),
    ("passed", "certified"),
    ("certified", "allocated"),
    # DESIGN.md rule 3: a revoked certificate's item is inspected again.
    ("certified", "inspecting"),
    ("allocated", "packed"),
    ("packed", "released"),
    # Fulfilment: a cancelled order's item goes back to stock, or to its merchant.
    ("allocated", "certified"),
    ("packed", "certified"),
    ("certified", "returning"),
    ("failed", "returning"),
    ("returning", "returned_to_merchant"),
    # A buyer's return, compared with what we certified.
    ("released", "return_expected"),
    ("return_expected", "return_received"),
    ("released", "return_received"),
    ("return_received", "return_inspecting"),
    ("return_inspecting", "certified"),
    ("return_inspecting", "returning"),
    ("return_inspecting", "disputed"),
    ("disputed", "return_inspecting"),
    ("disputed", "returning"),
}

ALLOWED_PAIRS = sorted((str(t.source), str(t.target)) for t in lifecycle.TRANSITIONS)
REFUSED_PAIRS = sorted(
    set(itertools.product(STATES, STATES)) - set(ALLOWED_PAIRS),
)

NAMED_MOVES = {
    "item_receive": (lifecycle.item_receive, S.RECEIVED),
    "item_inspection_start": (lifecycle.item_inspection_start, S.INSPECTING),
    "item_pass": (lifecycle.item_pass, S.PASSED),
    "item_fail": (lifecycle.item_fail, S.FAILED),
    "item_hold": (lifecycle.item_hold, S.HELD),
    "item_certify": (lifecycle.item_certify, S.CERTIFIED),
    "item_allocate": (lifecycle.item_allocate, S.ALLOCATED),
    "item_pack": (lifecycle.item_pack, S.PACKED),
    "item_release": (lifecycle.item_release, S.RELEASED),
    "item_return_start": (lifecycle.item_return_start, S.RETURNING),
    "item_return_complete": (lifecycle.item_return_complete, S.RETURNED_TO_MERCHANT),
    "item_return_announce": (lifecycle.item_return_announce, S.RETURN_EXPECTED),
    "item_return_receive": (lifecycle.item_return_receive, S.RETURN_RECEIVED),
    "item_return_inspect": (lifecycle.item_return_inspect, S.RETURN_INSPECTING),
    "item_dispute": (lifecycle.item_dispute, S.DISPUTED),
}
# The one named function that moves an item into each state.
MOVE_INTO = {str(target): move for move, target in NAMED_MOVES.values()}
NAMED_ALLOWED = [
    (name, source)
    for name, (_fn, target) in NAMED_MOVES.items()
    for source in STATES
    if (source, str(target)) in ALLOWED_PAIRS
]
# Two walks through the lifecycle that visit every state between them.
TOURS = [
    [
        "announced",
        "received",
        "inspecting",
        "held",
        "inspecting",
        "failed",
        "inspecting",
        "passed",
        "certified",
        "allocated",
        "packed",
        "released",
        "return_expected",
        "return_received",
        "return_inspecting",
        "disputed",
        "return_inspecting",
        "certified",
    ],
    [
        "announced",
        "received",
        "inspecting",
        "failed",
        "returning",
        "returned_to_merchant",
    ],
]


def path_to(target: str, start: str = S.ANNOUNCED) -> list[str]:
    """The states after ``start`` on a shortest path to ``target`` (BFS)."""
    start = str(start)
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        for move in lifecycle.TRANSITIONS:
            target_state = str(move.target)
            if move.source == state and target_state not in previous:
                previous[target_state] = state
                queue.append(target_state)
    if target not in previous:
        raise AssertionError(f"{target} cannot be reached from {start}")
    path = []
    state = target
    while state != start:
        path.append(state)
        state = previous[state]
    return path[::-1]


def walk_to(item: Item, target: str, *, actor) -> Item:
    """Drive ``item`` to ``target`` through the named lifecycle functions."""
    for state in path_to(target, start=item.state):
        MOVE_INTO[state](item=item, actor=actor, reason="setup")
    assert item.state == target, f"setup walked to {item.state}, not {target}"
    return item


pytestmark = pytest.mark.usefixtures("without_app_guards")


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def actor(db):
    return f.UserFactory(username="operator")


@pytest.fixture
def station(db):
    return f.StationFactory(code="GZ-INS-01")


@pytest.fixture
def item(db):
    return f.ItemFactory()


@pytest.fixture
def guards():
    """``transition_guard_register``, with the registry restored afterwards."""
    saved = {key: list(value) for key, value in lifecycle._guards.items()}
    yield lifecycle.transition_guard_register
    lifecycle._guards.clear()
    lifecycle._guards.update(saved)


def _events(item: Item) -> list[ItemEvent]:
    return list(ItemEvent.objects.filter(item=item).order_by("id"))


def _db_state(item: Item) -> str:
    return Item.objects.values_list("state", flat=True).get(pk=item.pk)


# --- The table ---------------------------------------------------------------------


def test_transition_table_is_the_designed_one():
    """TRANSITIONS holds exactly the moves DESIGN.md section 3 draws, no more."""
    assert set(ALLOWED_PAIRS) == DESIGN_MOVES
    assert len(ALLOWED_PAIRS) == len(lifecycle.TRANSITIONS), "a move is listed twice"


def test_the_item_machine_is_the_common_form():
    """The lifecycle is a ``StateMachine`` over ``Item.state``: its table is
    TRANSITIONS, its guards are the registry apps connect to, every move
    stamps ``state_changed_at``."""
    machine = lifecycle.ITEMS
    assert isinstance(machine, StateMachine)
    assert (machine.model, machine.field) == (Item, "state")
    assert machine.moves == lifecycle.TRANSITIONS
    assert lifecycle._guards is machine.guards
    assert machine.stamp == ("state_changed_at",)


def test_every_state_is_reachable_from_announced():
    """Each state lies on some path from ``announced``, so the pair walk covers all."""
    for state in STATES:
        if state == S.ANNOUNCED:
            continue
        path = path_to(state)
        assert path[-1] == state
        assert path[0] == S.RECEIVED, f"every path starts by receiving: {path}"


def test_pair_lists_cover_every_pair_of_states():
    """Allowed and refused pairs together are all 16 x 16 pairs of states."""
    assert len(STATES) == 16
    assert len(ALLOWED_PAIRS) + len(REFUSED_PAIRS) == 256
    assert not set(ALLOWED_PAIRS) & set(REFUSED_PAIRS)


# --- Every pair of states ----------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target"), ALLOWED_PAIRS, ids=[f"{s}->{t}" for s, t in ALLOWED_PAIRS]
)
def test_item_transition_allowed_pair_moves_and_writes_one_event(
    item, actor, station, source, target
):
    """An allowed move changes the state and writes exactly one matching event."""
    walk_to(item, source, actor=actor)
    before = _events(item)
    started = timezone.now()

    returned = lifecycle.item_transition(
        item=item,
        to=target,
        actor=actor,
        station=station,
        reason=f"test {source} to {target}",
        payload={"check": "pair", "from": source},
    )

    assert returned is item, "the caller's instance is returned"
    assert item.state == target, "the caller's instance shows the new state"
    assert _db_state(item) == target, "the new state is saved"
    new = _events(item)[len(before) :]
    assert len(new) == 1, f"expected one event, got {len(new)}"
    event = new[0]
    assert (event.from_state, event.to_state) == (source, target)
    assert event.actor == actor
    assert event.station == station
    assert event.reason == f"test {source} to {target}"
    assert event.payload == {"check": "pair", "from": source}
    assert event.at >= started
    assert item.state_changed_at == event.at, "state_changed_at is the event's time"


@pytest.mark.parametrize(
    ("source", "target"), REFUSED_PAIRS, ids=[f"{s}->{t}" for s, t in REFUSED_PAIRS]
)
def test_item_transition_refused_pair_raises_and_changes_nothing(
    item, actor, station, source, target
):
    """A move the table does not allow raises, names the state, writes nothing."""
    walk_to(item, source, actor=actor)
    events_before = _events(item)
    changed_at = Item.objects.get(pk=item.pk).state_changed_at
    allowed = sorted(t for s, t in ALLOWED_PAIRS if s == source)

    with pytest.raises(TransitionRefused) as caught, transaction.atomic():
        lifecycle.item_transition(
            item=item, to=target, actor=actor, station=station, reason="nope"
        )

    exc = caught.value
    assert exc.code == "invalid_transition"
    assert isinstance(exc, Conflict), "a refused move is a conflict (HTTP 409)"
    assert item.code in exc.message
    # The words name the states (in the reader's language), fields the codes.
    label = lifecycle.ITEMS.label
    assert f"is {label(source)}" in exc.message, exc.message
    if allowed:
        assert f"cannot become {label(target)}" in exc.message, exc.message
        for state in allowed:
            assert label(state) in exc.message.split("allowed next:")[1], exc.message
    else:
        assert "final state" in exc.message, exc.message
    assert sorted(exc.fields["allowed"]) == allowed
    assert exc.fields["state"] == source
    assert exc.fields["target"] == target
    assert _events(item) == events_before, "a refused move writes no event"
    fresh = Item.objects.get(pk=item.pk)
    assert fresh.state == source, "a refused move leaves the state"
    assert fresh.state_changed_at == changed_at
    assert item.state == source, "the caller's instance is untouched"


# --- Named functions ---------------------------------------------------------------


@pytest.mark.parametrize(("name", "source"), NAMED_ALLOWED)
def test_named_move_from_allowed_state(item, actor, station, name, source):
    """Each named function makes its move from each state the table allows."""
    move, target = NAMED_MOVES[name]
    walk_to(item, source, actor=actor)
    count = len(_events(item))

    move(item=item, actor=actor, station=station, reason="why", payload={"n": name})

    assert item.state == target
    assert _db_state(item) == target
    events = _events(item)
    assert len(events) == count + 1, "one event per move"
    last = events[-1]
    assert (last.from_state, last.to_state) == (source, target)
    assert (last.actor, last.station, last.reason) == (actor, station, "why")
    assert last.payload == {"n": name}


@pytest.mark.parametrize("name", sorted(NAMED_MOVES))
def test_named_move_is_refused_from_every_other_state(actor, name):
    """Each named function refuses every state its move does not start from.

    Two items tour the lifecycle between them visiting all twelve states; at
    each state the function may not start from, it is refused, names the
    state, writes no event and leaves the item where it was.
    """
    move, target = NAMED_MOVES[name]
    sources = {s for s, t in ALLOWED_PAIRS if t == target}
    refused_at = []
    for tour in TOURS:
        item = f.ItemFactory()
        for state in tour:
            if state != S.ANNOUNCED:
                MOVE_INTO[state](item=item, actor=actor)
            if state in sources:
                continue
            count = ItemEvent.objects.filter(item=item).count()
            with pytest.raises(TransitionRefused) as caught, transaction.atomic():
                move(item=item, actor=actor)
            message = caught.value.message
            assert f"is {lifecycle.ITEMS.label(state)}" in message, message
            assert caught.value.fields["target"] == target
            assert ItemEvent.objects.filter(item=item).count() == count, message
            assert _db_state(item) == state
            assert item.state == state
            refused_at.append(state)
    assert set(refused_at) == set(STATES) - sources, "every other state was tried"


def test_item_receive_sets_received_at_and_location(item, actor, station):
    """Receiving stamps received_at and records the location, on the row and event."""
    location = f.LocationFactory(warehouse=item.warehouse)
    assert item.received_at is None
    started = timezone.now()

    lifecycle.item_receive(
        item=item,
        actor=actor,
        station=station,
        location=location,
        reason="parcel in",
        payload={"barcode": item.code},
    )

    fresh = Item.objects.get(pk=item.pk)
    assert fresh.state == S.RECEIVED
    assert fresh.received_at is not None
    assert started <= fresh.received_at <= timezone.now()
    assert fresh.location == location
    assert item.location == location, "the caller's instance has the location"
    assert item.received_at == fresh.received_at
    (event,) = _events(item)
    assert event.reason == "parcel in"
    assert event.payload == {"barcode": item.code}


def test_item_receive_without_location_leaves_it_empty(item, actor):
    """Without a location, receiving sets received_at and no location."""
    lifecycle.item_receive(item=item, actor=actor)

    fresh = Item.objects.get(pk=item.pk)
    assert fresh.received_at is not None
    assert fresh.location is None
    event = _events(item)[0]
    assert event.station is None
    assert event.reason == ""
    assert event.payload == {}


def test_later_moves_keep_received_at(item, actor):
    """Only receiving sets received_at; later moves keep it as it was."""
    lifecycle.item_receive(item=item, actor=actor)
    received_at = Item.objects.get(pk=item.pk).received_at

    walk_to(item, S.CERTIFIED, actor=actor)

    assert Item.objects.get(pk=item.pk).received_at == received_at


def test_a_failed_item_can_be_reinspected_or_returned(item, actor):
    """failed → inspecting (appeal) and failed → returning → returned both work."""
    walk_to(item, S.FAILED, actor=actor)
    lifecycle.item_inspection_start(item=item, actor=actor, reason="appeal")
    lifecycle.item_fail(item=item, actor=actor)
    lifecycle.item_return_start(item=item, actor=actor)
    lifecycle.item_return_complete(item=item, actor=actor)

    assert _db_state(item) == S.RETURNED_TO_MERCHANT
    moves = [(e.from_state, e.to_state) for e in _events(item)][-4:]
    assert moves == [
        ("failed", "inspecting"),
        ("inspecting", "failed"),
        ("failed", "returning"),
        ("returning", "returned_to_merchant"),
    ]


@pytest.mark.parametrize("final", sorted(FINAL_STATES))
def test_final_states_refuse_every_move(item, actor, final):
    """returned_to_merchant is final: every move says so."""
    walk_to(item, final, actor=actor)
    count = len(_events(item))

    for target in STATES:
        with pytest.raises(TransitionRefused) as caught, transaction.atomic():
            lifecycle.item_transition(item=item, to=target, actor=actor)
        message = caught.value.message
        assert message == (
            f"Item {item.code} is {lifecycle.ITEMS.label(final)}, a final state; "
            "it cannot change."
        ), message
        assert caught.value.fields["allowed"] == []

    assert len(_events(item)) == count
    assert _db_state(item) == final


def test_failed_item_cannot_be_allocated_packed_or_released(item, actor):
    """Rule 2: a failed item never moves toward a buyer."""
    walk_to(item, S.FAILED, actor=actor)

    for move in (
        lifecycle.item_certify,
        lifecycle.item_allocate,
        lifecycle.item_pack,
        lifecycle.item_release,
    ):
        with pytest.raises(TransitionRefused) as caught, transaction.atomic():
            move(item=item, actor=actor)
        assert "allowed next: inspecting, returning" in caught.value.message

    assert _db_state(item) == S.FAILED


def test_refusal_uses_the_saved_state_not_a_stale_instance(item, actor):
    """The move is judged on the re-read row: a stale copy cannot receive twice."""
    stale = Item.objects.get(pk=item.pk)
    lifecycle.item_receive(item=item, actor=actor)

    with pytest.raises(TransitionRefused) as caught, transaction.atomic():
        lifecycle.item_receive(item=stale, actor=actor)

    assert "is received and cannot become received" in caught.value.message
    assert len(_events(item)) == 1, "the second receive wrote nothing"


def test_stale_instance_moves_from_the_saved_state(item, actor):
    """A stale copy may make a move allowed from the saved state; the event says so."""
    stale = Item.objects.get(pk=item.pk)
    lifecycle.item_receive(item=item, actor=actor)

    lifecycle.item_inspection_start(item=stale, actor=actor)

    assert stale.state == S.INSPECTING
    last = _events(item)[-1]
    assert (last.from_state, last.to_state) == ("received", "inspecting")


def test_actor_without_pk_is_recorded_as_nobody(item):
    """An anonymous or missing actor leaves the event's actor empty."""
    from django.contrib.auth.models import AnonymousUser

    lifecycle.item_receive(item=item, actor=AnonymousUser())
    lifecycle.item_inspection_start(item=item, actor=None)

    assert [e.actor for e in _events(item)] == [None, None]


def test_caller_instance_is_updated_and_keeps_loaded_relations(
    item, actor, django_assert_num_queries
):
    """The instance passed in shows the new state and needs no reload."""
    loaded = Item.objects.select_related("merchant", "notice").get(pk=item.pk)

    lifecycle.item_receive(item=loaded, actor=actor)

    assert loaded.state == S.RECEIVED
    assert loaded.received_at is not None
    assert loaded.state_changed_at == _events(item)[-1].at
    with django_assert_num_queries(0):
        assert loaded.merchant.code
        assert loaded.notice.reference


def test_other_fields_are_not_overwritten(item, actor):
    """The move saves only its own fields: a concurrent edit elsewhere survives."""
    stale = Item.objects.get(pk=item.pk)
    Item.objects.filter(pk=item.pk).update(title="Renamed elsewhere")

    lifecycle.item_receive(item=stale, actor=actor)

    assert Item.objects.get(pk=item.pk).title == "Renamed elsewhere"


# --- Allowed actions ---------------------------------------------------------------

EXPECTED_ACTIONS = {
    "announced": ["receive"],
    "received": ["inspect"],
    "inspecting": ["pass", "fail", "hold"],
    "held": ["reinspect", "pass", "fail"],
    "passed": ["certify"],
    "failed": ["reinspect", "return"],
    "certified": ["allocate", "reinspect", "return"],
    "allocated": ["pack", "deallocate"],
    "packed": ["release", "unpack"],
    "released": ["return_announce", "return_receive"],
    "returning": ["return_complete"],
    "returned_to_merchant": [],
    "return_expected": ["return_receive"],
    "return_received": ["return_inspect"],
    "return_inspecting": ["restock", "return", "dispute"],
    "disputed": ["return_inspect", "return"],
}


@pytest.mark.parametrize("state", STATES)
def test_item_allowed_actions(item, actor, state):
    """The verbs a station sees for each state, in table order, without repeats."""
    walk_to(item, state, actor=actor)

    assert lifecycle.item_allowed_actions(item) == EXPECTED_ACTIONS[state]
    targets = [t.target for t in lifecycle.item_allowed_next(item)]
    assert sorted(targets) == sorted(t for s, t in ALLOWED_PAIRS if s == state)


def test_every_state_has_a_colour():
    """One colour per state for pages and dashboards."""
    assert set(lifecycle.STATE_COLOURS) == set(STATES)
    assert all(
        c.startswith("#") and len(c) == 7 for c in lifecycle.STATE_COLOURS.values()
    )


# --- Guards ------------------------------------------------------------------------


def test_guard_that_raises_blocks_the_move(guards, item, actor):
    """A registered guard refuses its move: its error propagates, nothing is written."""
    seen = []

    def lab_report_required(locked):
        seen.append(locked.state)
        raise Conflict("Lab report missing.", code="lab_report_missing")

    guards(source=S.INSPECTING, target=S.PASSED, guard=lab_report_required)
    walk_to(item, S.INSPECTING, actor=actor)
    count = len(_events(item))

    with pytest.raises(Conflict) as caught, transaction.atomic():
        lifecycle.item_pass(item=item, actor=actor)

    assert caught.value.code == "lab_report_missing"
    assert caught.value.message == "Lab report missing."
    assert seen == ["inspecting"], "the guard sees the locked item before the move"
    assert len(_events(item)) == count, "a guarded refusal writes no event"
    assert _db_state(item) == S.INSPECTING
    assert item.state == S.INSPECTING


def test_guard_applies_only_to_its_move(guards, item, actor):
    """A guard on inspecting → passed does not stop inspecting → failed."""

    def never(locked):
        raise Conflict("blocked")

    guards(source=S.INSPECTING, target=S.PASSED, guard=never)
    walk_to(item, S.INSPECTING, actor=actor)

    lifecycle.item_fail(item=item, actor=actor)

    assert _db_state(item) == S.FAILED


def test_guard_that_passes_lets_the_move_through(guards, item, actor):
    """A guard that returns normally lets the move happen; it runs once per move."""
    calls = []
    guards(source=S.ANNOUNCED, target=S.RECEIVED, guard=calls.append)

    lifecycle.item_receive(item=item, actor=actor)

    assert _db_state(item) == S.RECEIVED
    assert [c.pk for c in calls] == [item.pk]


def test_guard_is_not_run_for_a_refused_move(guards, item, actor):
    """The table refuses first: a guard is never asked about a move it cannot make."""
    calls = []
    guards(source=S.ANNOUNCED, target=S.RECEIVED, guard=calls.append)
    lifecycle.item_receive(item=item, actor=actor)

    with pytest.raises(TransitionRefused), transaction.atomic():
        lifecycle.item_receive(item=item, actor=actor)

    assert len(calls) == 1


def test_guard_registered_twice_runs_once(guards, item, actor):
    """Registering the same guard again does not add it twice."""
    calls = []
    guards(source=S.ANNOUNCED, target=S.RECEIVED, guard=calls.append)
    guards(source=S.ANNOUNCED, target=S.RECEIVED, guard=calls.append)

    lifecycle.item_receive(item=item, actor=actor)

    assert len(calls) == 1


def test_item_refusal_judges_a_move_by_the_table_then_the_guards(guards, item, actor):
    """``item_refusal`` answers what ``item_transition`` would raise, or None,
    and changes nothing: the one place a 409 about an item's state comes from."""

    def lab_report_required(locked):
        raise Conflict("Lab report missing.", code="lab_report_missing")

    guards(source=S.INSPECTING, target=S.PASSED, guard=lab_report_required)
    walk_to(item, S.INSPECTING, actor=actor)
    count = len(_events(item))

    assert lifecycle.item_refusal(item, S.FAILED) is None
    guarded = lifecycle.item_refusal(item, S.PASSED)
    table = lifecycle.item_refusal(item, S.RELEASED)

    assert (guarded.code, guarded.message) == (
        "lab_report_missing",
        "Lab report missing.",
    )
    assert isinstance(table, TransitionRefused)
    with pytest.raises(TransitionRefused) as caught, transaction.atomic():
        lifecycle.item_release(item=item, actor=actor)
    assert (table.message, table.fields) == (
        caught.value.message,
        caught.value.fields,
    )
    assert len(_events(item)) == count
    assert _db_state(item) == S.INSPECTING


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (S.ANNOUNCED, S.RELEASED),
        (S.RELEASED, S.ANNOUNCED),
        (S.FAILED, S.PASSED),
        (S.PASSED, S.PASSED),
        ("nonsense", S.RECEIVED),
    ],
)
def test_guard_for_a_missing_transition_is_refused(guards, source, target):
    """Guarding a move the table lacks is a programming error: ValueError."""

    def guard(locked):
        raise AssertionError("never registered")

    with pytest.raises(ValueError, match=f"No transition {source} → {target}"):
        guards(source=source, target=target, guard=guard)

    assert all(guard not in registered for registered in lifecycle._guards.values())


@pytest.fixture
def observers():
    """``transition_observer_register``, with the registry restored afterwards."""
    saved, saved_many = list(lifecycle._observers), dict(lifecycle._observers_many)
    yield lifecycle.transition_observer_register
    lifecycle._observers[:] = saved
    lifecycle._observers_many.clear()
    lifecycle._observers_many.update(saved_many)


def test_an_observer_with_many_is_told_of_a_batch_of_moves_at_once(observers, actor):
    """``item_transition_many`` tells an observer registered with ``many``
    of all its moves in one call, with their events; one alone, and a move
    of one item, it tells as ever."""
    told_each, told_many = [], []
    alone = []

    def each(item, event):
        told_each.append((item.pk, event.to_state))

    def many(items, events):
        told_many.append(
            [
                (item.pk, event.pk, event.to_state)
                for item, event in zip(items, events, strict=True)
            ]
        )

    def plain(item, event):
        alone.append(item.pk)

    items = [walk_to(f.ItemFactory(), S.RECEIVED, actor=actor) for _ in range(3)]
    observers(each, many=many)
    observers(plain)
    with transaction.atomic():
        locked = list(
            Item.objects.select_for_update()
            .filter(pk__in=[i.pk for i in items])
            .order_by("pk")
        )
        lifecycle.item_transition_many(
            items=locked, to=S.INSPECTING, actor=actor, reasons=[{}] * 3
        )

    events = {e.item_id: e.pk for e in ItemEvent.objects.filter(to_state=S.INSPECTING)}
    assert told_many == [[(item.pk, events[item.pk], S.INSPECTING) for item in locked]]
    assert told_each == [] and alone == [item.pk for item in locked]

    # A batch of one moves (and tells) as item_transition does.
    with transaction.atomic():
        (one,) = Item.objects.select_for_update().filter(pk=items[0].pk)
        lifecycle.item_transition_many(
            items=[one], to=S.PASSED, actor=actor, reasons=[{}]
        )
    assert told_each == [(one.pk, S.PASSED)] and len(told_many) == 1
