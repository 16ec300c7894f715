"""One form for every state machine: a table of moves and one way to make them.

A :class:`StateMachine` holds one model's state field (``Item.state``,
``Order.status`` …): the table of allowed :class:`Move` s, the guards other
code registered on a move, and the REST contract's own :class:`Refusal` for
moves the table refuses. It answers two questions and makes one change:

- :meth:`StateMachine.refusal`: why a row may not move to a state, or None:
  the table first (a :class:`~warehouse.common.exceptions.TransitionRefused`,
  HTTP 409, whose ``fields`` name the current state, the ``target`` and the
  ``allowed`` moves, and whose words list them), then the move's guards (their
  own domain error). It reads the row as given and changes nothing; any 409
  about a state takes its reason from here. Its words name the states by
  their names in the reader's language (:meth:`StateMachine.label`), its
  ``fields`` by their codes.
- :meth:`StateMachine.allowed_next` / :meth:`StateMachine.sources`: the table
  read forwards and backwards (guards not run).
- :meth:`StateMachine.transition`: in the caller's transaction, takes the row
  locked (re-read ``SELECT … FOR UPDATE``, or, with ``locked=True``, the
  instance the caller already locked or created in this transaction), refuses
  as :meth:`~StateMachine.refusal` says, saves the state with the caller's
  ``changes`` and the move's time in ``stamp`` fields with ``update_fields``,
  and writes what happened through the machine's two hooks: ``journal``
  (fields saved with the move, e.g. a history kept on the row) and ``record``
  (after the save: an event row, the outbound messages).

The machine knows no domain: each entity's module (``warehouse.lifecycle``,
``fulfilment.lifecycle``) declares its table, its words and its hooks, and
exposes named functions (``item_transition``, ``order_transition`` …), which
are the only code that changes the field.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .exceptions import DomainError, TransitionRefused

ANY = "*"  # a refusal for a target from any state the table has no move from


@dataclass(frozen=True)
class Move:
    """One allowed move of the table."""

    source: str
    target: str
    action: str  # the verb stations and pages show for it


@dataclass(frozen=True)
class Refusal:
    """The REST contract's code and words for a move the table refuses."""

    code: str
    describe: Callable[[Any], str]


Guard = Callable[[Any], None]
"""``guard(row)`` raises a domain error to refuse the move; the row is locked."""


class Words(Protocol):
    def __call__(self, row: Any, to: str, allowed: list[str]) -> str:
        """The sentence of a table refusal: ``row`` cannot become ``to``."""


class Journal(Protocol):
    def __call__(
        self, row: Any, move: Move, at: datetime, facts: dict[str, Any]
    ) -> dict[str, Any]:
        """Fields saved with the move (beside the state), e.g. a history entry.

        Called with the row locked, before its one save; ``facts`` are the
        caller's keyword arguments (actor, station, reason …).
        """


class Record(Protocol):
    def __call__(
        self, row: Any, move: Move, at: datetime, facts: dict[str, Any]
    ) -> None:
        """Write what happened after the save, in the move's transaction.

        The event row, the webhook message, the observers: effects that commit
        with the move or not at all. Raising undoes the move.
        """


class RecordMany(Protocol):
    def __call__(
        self, rows: list, moves: list[Move], at: datetime, facts: list[dict[str, Any]]
    ) -> None:
        """What :class:`Record` writes for each of ``rows`` (``facts[i]`` for
        ``rows[i]``), written together (e.g. one INSERT of their events)."""


class StateMachine:
    """One model's state field: its table of moves and the one way to make them.

    ``field`` names the state field, ``name_field`` the field that names a row
    in a refusal's words. ``refusals`` are the contract's own codes and words
    for moves the table refuses, keyed by ``(source, target)`` or
    ``(ANY, target)``; other table refusals are ``invalid_transition`` in the
    machine's ``words`` (by default "Order X is open and cannot become …").
    ``related`` is read with the row when the transition re-reads it;
    ``stamp`` names fields every move sets to its time (e.g.
    ``state_changed_at``). ``journal`` and ``record`` are the hooks that write
    the move (see :class:`Journal`, :class:`Record`); ``record_many`` writes
    what ``record`` would for many moves at once (:meth:`transition_many`).
    """

    def __init__(
        self,
        *,
        model: type[models.Model],
        moves: Iterable[Move],
        field: str = "status",
        name_field: str,
        refusals: dict[tuple[str, str], Refusal] | None = None,
        words: Words | None = None,
        related: tuple[str, ...] = (),
        stamp: tuple[str, ...] = (),
        journal: Journal | None = None,
        record: Record | None = None,
        record_many: RecordMany | None = None,
    ):
        self.model = model
        self.field = field
        self.name_field = name_field
        self.moves = tuple(moves)
        self.refusals = refusals or {}
        self.words = words or self._words
        self.related = related
        self.stamp = stamp
        self.journal = journal
        self.record = record
        self.record_many = record_many
        self.allowed: dict[str, dict[str, Move]] = defaultdict(dict)
        for move in self.moves:
            if move.target in self.allowed[move.source]:
                raise ValueError(f"{move.source} → {move.target} is listed twice.")
            self.allowed[move.source][move.target] = move
        self.guards: dict[tuple[str, str], list[Guard]] = defaultdict(list)
        # Each state's name (lazy: rendered in the reader's language).
        self.names = dict(model._meta.get_field(field).flatchoices)

    # --- the table ---------------------------------------------------------------

    def guard_register(self, *, source: str, target: str, guard: Guard) -> None:
        """Add a rule to one move: ``guard(row)`` raises a domain error to refuse.

        Guards run in the order registered, with the row locked, after the
        table allowed the move; registering one twice adds it once. Guarding
        a move the table lacks is a programming error (``ValueError``).
        """
        if target not in self.allowed.get(source, {}):
            raise ValueError(f"No transition {source} → {target} to guard.")
        if guard not in self.guards[(source, target)]:
            self.guards[(source, target)].append(guard)

    def allowed_next(self, row) -> list[Move]:
        """The moves the table allows from ``row``'s state (guards not run)."""
        return list(self.allowed.get(getattr(row, self.field), {}).values())

    def sources(self, target: str) -> list[str]:
        """The states from which the table allows a move to ``target``."""
        return [m.source for m in self.moves if m.target == target]

    def label(self, state: str) -> str:
        """A state's name in the active language (the code if it has none):
        what a refusal's words show; its ``fields`` keep the code."""
        return str(self.names.get(state, state))

    def labels(self, states: Iterable[str]) -> str:
        """States' names in the active language, joined."""
        return ", ".join(self.label(state) for state in states)

    # --- the judge ---------------------------------------------------------------

    def refusal(self, row, to: str) -> DomainError | None:
        """Why ``row`` may not move to ``to``, or None: the table, then the guards.

        Reads ``row`` as given and changes nothing; a caller whose decision
        must hold locks the row first.
        """
        state = getattr(row, self.field)
        if to not in self.allowed.get(state, {}):
            return self._refused(row, state, to)
        for guard in self.guards.get((state, to), ()):
            try:
                guard(row)
            except DomainError as exc:
                return exc
        return None

    def _refused(self, row, state: str, to: str) -> TransitionRefused:
        allowed = [str(target) for target in self.allowed.get(state, {})]
        fields = {self.field: state, "allowed": allowed, "target": to}
        known = self.refusals.get((state, to)) or self.refusals.get((ANY, to))
        if known is not None:
            return TransitionRefused(
                known.describe(row), code=known.code, fields=fields
            )
        return TransitionRefused(self.words(row, to, allowed), fields=fields)

    def _words(self, row, to: str, allowed: list[str]) -> str:
        facts = {
            "what": capfirst(self.model._meta.verbose_name),
            "name": getattr(row, self.name_field),
            "status": self.label(getattr(row, self.field)),
            "target": self.label(to),
            "allowed": self.labels(allowed),
        }
        if allowed:
            return (
                _(
                    "%(what)s %(name)s is %(status)s and cannot become %(target)s; "
                    "allowed next: %(allowed)s."
                )
                % facts
            )
        return (
            _("%(what)s %(name)s is %(status)s, a final state; it cannot change.")
            % facts
        )

    # --- the move ----------------------------------------------------------------

    def transition(
        self,
        *,
        obj,
        to: str,
        changes: dict | None = None,
        stamp: tuple[str, ...] = (),
        locked: bool = False,
        **facts,
    ):
        """Move ``obj`` to state ``to`` and record it; return ``obj``, updated.

        ``changes`` sets other fields in the same save; the fields named in
        ``stamp`` (and the machine's own) get the move's time. ``locked=True``
        says the caller already holds the row (read ``FOR UPDATE``, or
        created, in the current transaction): it is used as read, without a
        second read. ``facts`` (actor, station, reason …) go to the hooks.
        Raises the refusal (a :class:`TransitionRefused` or a guard's error)
        and changes nothing when the move is not allowed from the row's
        current, locked state.
        """
        # Joins the caller's transaction without a savepoint (two round trips
        # less on the scan path). A refusal therefore spoils an enclosing
        # transaction, as any database error would: a caller that wants to
        # carry on after one wraps the call in its own ``atomic()``.
        # A lock only lasts as long as the transaction that took it.
        held = locked and transaction.get_connection().in_atomic_block
        with transaction.atomic(savepoint=False):
            current = obj if held else self._locked(obj.pk)
            refusal = self.refusal(current, to)
            if refusal is not None:
                raise refusal
            move = self.allowed[getattr(current, self.field)][to]
            now = timezone.now()
            fields = {self.field: to}
            for name in self.stamp:
                fields[name] = now
            if self.journal is not None:
                fields.update(self.journal(current, move, now, facts))
            if changes:
                fields.update(changes)
            for name in stamp:
                fields[name] = now
            for name, value in fields.items():
                setattr(current, name, value)
            current.save(update_fields=list(fields))
            if self.record is not None:
                self.record(current, move, now, facts)
        # Keep the caller's instance (with its loaded relations) in step.
        if current is not obj:
            for name, value in fields.items():
                setattr(obj, name, value)
        return obj

    def transition_many(
        self,
        *,
        objs: list,
        to: str,
        save: Callable[[list, list[dict]], None],
        changes: list[dict] | None = None,
        facts_each: list[dict] | None = None,
        **facts,
    ) -> list:
        """Move each of ``objs`` (locked, or created, in the caller's
        transaction) to ``to``, ``changes[i]`` set on ``objs[i]``: what
        :meth:`transition` with ``locked=True`` does for one, each row judged
        by the same table and guards (the first refusal is raised and nothing
        is saved) and given the same journal entry and record, but saved by
        ``save(objs, fields)`` at once (``fields[i]``: what changed on
        ``objs[i]``), e.g. in one UPDATE, and recorded by ``record_many``
        at once if the machine has one. ``facts_each[i]`` adds to the facts
        of ``objs[i]`` (its own reason). One row alone, or outside a
        transaction, is moved by :meth:`transition`.
        """
        each = [
            {**facts, **(facts_each[n] if facts_each else {})} for n in range(len(objs))
        ]
        if len(objs) <= 1 or not transaction.get_connection().in_atomic_block:
            for n, obj in enumerate(objs):
                changed = changes[n] if changes else None
                self.transition(obj=obj, to=to, changes=changed, locked=True, **each[n])
            return objs
        moves = []
        for obj in objs:
            refusal = self.refusal(obj, to)
            if refusal is not None:
                raise refusal
            moves.append(self.allowed[getattr(obj, self.field)][to])
        now = timezone.now()
        saved = []
        for n, (obj, move) in enumerate(zip(objs, moves, strict=True)):
            fields = {self.field: to, **dict.fromkeys(self.stamp, now)}
            if self.journal is not None:
                fields.update(self.journal(obj, move, now, each[n]))
            if changes:
                fields.update(changes[n])
            for name, value in fields.items():
                setattr(obj, name, value)
            saved.append(fields)
        save(objs, saved)
        if self.record_many is not None:
            self.record_many(objs, moves, now, each)
        elif self.record is not None:
            for n, (obj, move) in enumerate(zip(objs, moves, strict=True)):
                self.record(obj, move, now, each[n])
        return objs

    def _locked(self, pk):
        rows = self.model._default_manager
        if self.related:
            rows = rows.select_for_update(of=("self",)).select_related(*self.related)
        else:
            rows = rows.select_for_update()
        return rows.get(pk=pk)


def rows_save_alike(rows: list, fields: list[dict]) -> None:
    """A ``save`` for :meth:`StateMachine.transition_many`: rows whose saved
    fields come out the same (a move's state and time, the same history
    entry) are saved by one UPDATE."""
    alike: dict[str, tuple[dict, list[int]]] = {}
    for row, changed in zip(rows, fields, strict=True):
        key = json.dumps(changed, sort_keys=True, cls=DjangoJSONEncoder)
        alike.setdefault(key, (changed, []))[1].append(row.pk)
    for changed, pks in alike.values():
        type(rows[0])._default_manager.filter(pk__in=pks).update(**changed)
