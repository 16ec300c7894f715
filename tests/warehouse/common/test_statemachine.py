"""The one form of state machine (``warehouse.common.statemachine``), on its own.

A small machine over ``Item.state`` is declared here, apart from the item
lifecycle's table, guards and observers, so that what is tested is the
machine: its table, its judge (the refusal, naming the allowed moves, then
the guards), and its one move (lock, refuse, save with ``update_fields``,
the journal and record hooks).
"""

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.utils import timezone, translation

from tests.warehouse import factories as f
from warehouse.common.exceptions import Conflict, DomainError, TransitionRefused
from warehouse.common.statemachine import ANY, Move, Refusal, StateMachine
from warehouse.models import Item

pytestmark = pytest.mark.django_db

MOVES = (
    Move("announced", "received", "receive"),
    Move("received", "inspecting", "inspect"),
    Move("received", "returning", "return"),
    Move("inspecting", "passed", "pass"),
    Move("returning", "returned_to_merchant", "return_complete"),
)


@dataclass
class Written:
    """What the hooks were given, in order."""

    calls: list

    def journal(self, row, move, at, facts):
        self.calls.append(("journal", row.state, move, at, facts))
        return {"title": f"{move.action} by {facts.get('actor')}"}

    def record(self, row, move, at, facts):
        saved = Item.objects.values_list("state", flat=True).get(pk=row.pk)
        self.calls.append(("record", row.state, move, at, facts, saved))


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def written():
    return Written(calls=[])


def machine(written=None, **kw) -> StateMachine:
    kw.setdefault("name_field", "code")
    return StateMachine(
        model=Item,
        moves=MOVES,
        field="state",
        journal=written.journal if written else None,
        record=written.record if written else None,
        **kw,
    )


def _saved(item: Item) -> tuple[str, str]:
    return Item.objects.values_list("state", "title").get(pk=item.pk)


# --- the table -----------------------------------------------------------------


def test_a_move_listed_twice_is_a_programming_error():
    with pytest.raises(ValueError, match="announced → received is listed twice"):
        StateMachine(
            model=Item,
            moves=(*MOVES, Move("announced", "received", "again")),
            field="state",
            name_field="code",
        )


def test_the_table_read_forwards_and_backwards():
    """``allowed_next`` reads the row's state field; ``sources`` the table."""
    sm = machine()

    assert [m.target for m in sm.allowed_next(Item(state="received"))] == [
        "inspecting",
        "returning",
    ]
    assert sm.allowed_next(Item(state="passed")) == []
    assert sm.sources("inspecting") == ["received"]
    assert sm.sources("announced") == []


def test_a_guard_for_a_move_the_table_lacks_is_refused():
    sm = machine()

    with pytest.raises(ValueError, match="No transition announced → passed"):
        sm.guard_register(source="announced", target="passed", guard=print)

    assert dict(sm.guards) == {}


# --- the judge -----------------------------------------------------------------


def test_a_table_refusal_names_the_state_the_target_and_the_allowed_moves():
    """The default words name the row by its model and ``name_field``."""
    item = Item(code="QC-1", state="received")

    refusal = machine().refusal(item, "passed")

    assert isinstance(refusal, TransitionRefused)
    assert isinstance(refusal, Conflict), "HTTP 409"
    assert refusal.code == "invalid_transition"
    assert refusal.message == (
        "Item QC-1 is received and cannot become passed; "
        "allowed next: inspecting, returning."
    )
    assert refusal.fields == {
        "state": "received",
        "allowed": ["inspecting", "returning"],
        "target": "passed",
    }


def test_a_final_state_says_so():
    refusal = machine().refusal(Item(code="QC-2", state="passed"), "received")

    assert refusal.message == "Item QC-2 is passed, a final state; it cannot change."
    assert refusal.fields["allowed"] == []


def test_a_machine_may_word_its_own_refusals():
    """``words`` is given the row, the target and the allowed moves."""
    seen = []

    def words(row, to, allowed):
        seen.append((row.code, to, allowed))
        return f"{row.code}: not {to}"

    refusal = machine(words=words).refusal(Item(code="QC-3", state="announced"), "x")

    assert refusal.message == "QC-3: not x"
    assert seen == [("QC-3", "x", ["received"])]


def test_the_contracts_refusals_come_first_by_pair_then_by_target():
    """A refusal the REST contract names keeps the table's facts in ``fields``."""
    sm = machine(
        refusals={
            ("passed", "received"): Refusal("already_passed", lambda r: "passed"),
            (ANY, "received"): Refusal("not_announced", lambda r: f"{r.code} no"),
        }
    )

    by_pair = sm.refusal(Item(code="QC-4", state="passed"), "received")
    by_target = sm.refusal(Item(code="QC-4", state="inspecting"), "received")
    other = sm.refusal(Item(code="QC-4", state="inspecting"), "announced")

    assert (by_pair.code, by_pair.message) == ("already_passed", "passed")
    assert (by_target.code, by_target.message) == ("not_announced", "QC-4 no")
    assert by_target.fields == {
        "state": "inspecting",
        "allowed": ["passed"],
        "target": "received",
    }
    assert other.code == "invalid_transition"


def test_guards_judge_an_allowed_move_in_order_and_only_theirs():
    """The first guard that raises a domain error is the answer; a guard is
    never asked about a move the table refuses; registering twice adds once."""
    sm = machine()
    asked = []

    def first(row):
        asked.append("first")

    def second(row):
        asked.append("second")
        raise Conflict("Lab report missing.", code="lab_report_missing")

    sm.guard_register(source="received", target="inspecting", guard=first)
    sm.guard_register(source="received", target="inspecting", guard=second)
    sm.guard_register(source="received", target="inspecting", guard=first)
    item = Item(code="QC-5", state="received")

    refusal = sm.refusal(item, "inspecting")

    assert (refusal.code, refusal.message) == (
        "lab_report_missing",
        "Lab report missing.",
    )
    assert asked == ["first", "second"]
    assert sm.refusal(item, "returning") is None
    assert isinstance(sm.refusal(item, "passed"), TransitionRefused)
    assert asked == ["first", "second"], "the table refused first"


def test_a_guard_error_that_is_no_domain_error_is_not_a_refusal():
    """A bug in a guard surfaces as itself, not as a 409."""
    sm = machine()

    def broken(row):
        raise KeyError("oops")

    sm.guard_register(source="received", target="inspecting", guard=broken)

    with pytest.raises(KeyError):
        sm.refusal(Item(state="received"), "inspecting")


# --- the move ------------------------------------------------------------------


def test_a_move_reads_the_row_for_update_saves_it_and_writes_through_the_hooks(
    written, django_assert_num_queries
):
    """Re-read ``FOR UPDATE``, one UPDATE of the state, the machine's and the
    caller's stamps, the journal's fields and the changes; then the record
    hook, after the save, with the same move, time and facts."""
    item = f.ItemFactory()
    sm = machine(written, stamp=("state_changed_at",))
    actor = f.UserFactory(username="mover")
    started = timezone.now()

    with django_assert_num_queries(3) as captured:  # read, update, record's read
        returned = sm.transition(
            obj=item,
            to="received",
            changes={"sku": "SKU-9"},
            stamp=("received_at",),
            actor=actor,
            reason="in",
        )

    read, update, _ = (q["sql"] for q in captured.captured_queries)
    assert read.startswith("SELECT") and "FOR UPDATE" in read
    assert update.startswith("UPDATE")
    assert returned is item
    fresh = Item.objects.get(pk=item.pk)
    assert (fresh.state, fresh.sku, fresh.title) == (
        "received",
        "SKU-9",
        "receive by mover",
    )
    assert started <= fresh.received_at == fresh.state_changed_at <= timezone.now()
    (kind, state, move, at, facts), recorded = written.calls
    assert (kind, state, move) == ("journal", "announced", MOVES[0])
    assert facts == {"actor": actor, "reason": "in"}
    assert recorded == ("record", "received", MOVES[0], at, facts, "received")
    assert at == fresh.state_changed_at
    assert (item.state, item.sku, item.received_at) == ("received", "SKU-9", at)


def test_a_locked_row_is_used_as_read(written, django_assert_num_queries):
    """``locked=True`` in a transaction: no second read, the move is its UPDATE."""
    item = f.ItemFactory()
    sm = machine()

    with transaction.atomic():
        row = Item.objects.select_for_update().get(pk=item.pk)
        with django_assert_num_queries(1) as captured:
            sm.transition(obj=row, to="received", locked=True)

    assert captured.captured_queries[0]["sql"].startswith("UPDATE")
    assert _saved(item)[0] == "received"


def test_related_rows_are_read_with_the_row_and_only_the_row_is_locked(
    django_assert_num_queries,
):
    item = f.ItemFactory()
    loaded = Item.objects.get(pk=item.pk)
    sm = machine(related=("merchant",))
    seen = []
    sm.guard_register(
        source="announced", target="received", guard=lambda r: seen.append(r.merchant)
    )

    with django_assert_num_queries(2) as captured:
        sm.transition(obj=loaded, to="received")

    read = captured.captured_queries[0]["sql"]
    assert 'FOR UPDATE OF "warehouse_item"' in read
    assert '"warehouse_merchant"' in read
    assert seen == [item.merchant]


def test_the_move_is_judged_on_the_saved_state_not_a_stale_copy(written):
    item = f.ItemFactory()
    stale = Item.objects.get(pk=item.pk)
    sm = machine(written)
    sm.transition(obj=item, to="received")
    written.calls.clear()

    with pytest.raises(TransitionRefused) as caught, transaction.atomic():
        sm.transition(obj=stale, to="received")

    assert "is received and cannot become received" in caught.value.message
    assert written.calls == [], "a refused move writes nothing"
    assert stale.state == "announced", "the caller's instance is untouched"


def test_a_refused_move_changes_nothing(written):
    """Table or guard: the refusal is raised, the row and the hooks untouched."""
    item = f.ItemFactory(title="as was")
    sm = machine(written)

    def no(row):
        raise Conflict("No.", code="no")

    sm.guard_register(source="announced", target="received", guard=no)

    for to, code in (("passed", "invalid_transition"), ("received", "no")):
        with pytest.raises(DomainError) as caught, transaction.atomic():
            sm.transition(obj=item, to=to, changes={"title": "changed"})
        assert caught.value.code == code
    assert _saved(item) == ("announced", "as was")
    assert item.title == "as was"
    assert written.calls == []


def test_only_the_moves_fields_are_saved():
    """``update_fields``: a concurrent edit of another field survives."""
    item = f.ItemFactory()
    stale = Item.objects.get(pk=item.pk)
    Item.objects.filter(pk=item.pk).update(title="Renamed elsewhere")

    machine().transition(obj=stale, to="received")

    assert _saved(item) == ("received", "Renamed elsewhere")


def test_a_record_hook_that_raises_undoes_the_move():
    """What the record hook writes commits with the move or not at all."""
    item = f.ItemFactory()

    def record(row, move, at, facts):
        raise RuntimeError("outbox down")

    machine().transition(obj=item, to="received")
    failing = StateMachine(
        model=Item, moves=MOVES, field="state", name_field="code", record=record
    )

    with pytest.raises(RuntimeError), transaction.atomic():
        failing.transition(obj=item, to="inspecting")

    assert _saved(item)[0] == "received"
