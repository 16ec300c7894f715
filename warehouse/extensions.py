"""Where other apps plug into the warehouse: every extension point and its contract.

``warehouse`` never imports ``inspection`` or ``fulfilment``; they add
behaviour at the points declared here, each app in its one ``wire()``
(``inspection/wiring.py``, ``fulfilment/wiring.py``), which its
``AppConfig.ready()`` calls. For each point this module names what is plugged
in (a typed :class:`~typing.Protocol` whose docstring is the contract: when it
is called, in which transaction, what it may and may not do, what raising
means) and the function that connects it. The registries themselves live
beside the code that calls them (the lifecycle keeps its guards, the outbox
its handlers); :func:`wiring` reads them all, and ``tests/test_wiring.py``
pins what it returns, so a change to who is connected where shows in review.

Connect only through the functions named here, from a ``wire()``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Protocol

from warehouse.common.jobs import JobHandler, job_handler_register, job_handlers
from warehouse.common.messages import message_catalogue_register, message_catalogues

from .claims import claim_checker_providers, claim_checkers_register
from .demo import demo_seeder_register, demo_seeders
from .lifecycle import (
    transition_guard_register,
    transition_guards,
    transition_observer_register,
    transition_observers,
)
from .serializers import item_certificate_provider, item_certificate_provider_register
from .services.scans import scan_action_handlers, scan_action_register

if TYPE_CHECKING:
    from warehouse.common.access import Principal

    from .barcodes import Barcode
    from .models import Category, Item, ItemEvent

__all__ = [
    "ClaimChecker",
    "ClaimCheckerProvider",
    "DemoSeeder",
    "ItemCertificateProvider",
    "JobHandler",
    "MessageCatalogue",
    "ScanActionHandler",
    "TransitionGuard",
    "TransitionObserver",
    "TransitionObserverMany",
    "claim_checkers_register",
    "demo_seeder_register",
    "item_certificate_provider_register",
    "job_handler_register",
    "message_catalogue_register",
    "scan_action_register",
    "transition_guard_register",
    "transition_observer_register",
    "wiring",
]


# --- the item lifecycle (warehouse.lifecycle) ---------------------------------


class TransitionGuard(Protocol):
    """A rule on one move of the item table: ``guard(item)``.

    Connected with ``transition_guard_register(source=, target=, guard=)`` for
    a move the table :data:`~warehouse.lifecycle.TRANSITIONS` lists (any other
    pair is a ``ValueError`` at registration); the same guard twice on a move
    runs once. Called by :func:`~warehouse.lifecycle.item_refusal`, the one
    judge of a move, after the table allowed it, in registration order:

    - by ``item_transition``, inside the move's transaction, with the item row
      locked (``SELECT … FOR UPDATE``);
    - by anyone who only asks whether a move may be made (a release check, a
      page), possibly without a lock or a transaction.

    To refuse, raise a :class:`~warehouse.common.exceptions.DomainError`: its code
    and message become the answer (a 409 from the API) and no later guard
    runs. Returning allows the move. Since it may be called only to ask, a
    guard reads and never writes. It runs on the scan path (a receive runs
    the receive guards): keep it to an indexed query or less.
    """

    def __call__(self, item: Item, /) -> None: ...


class TransitionObserver(Protocol):
    """Told of every item move: ``observer(item, event)``.

    Connected with ``transition_observer_register(observer)``; once however
    often registered; called in registration order. Runs inside the move's
    transaction, after the item row (locked, already holding its new state)
    is saved and ``event`` (the new :class:`~warehouse.models.ItemEvent`) is
    written, for every move whoever makes it.

    For effects that must commit with the move or not at all: record a job, a
    webhook message, a stock row. Never slow or outside work (mail, HTTP,
    rendering): record a job for it. It must not move the same item again
    (record a job that does). Raising aborts the move and, since the lifecycle
    joins its caller's transaction without a savepoint, spoils that
    transaction too.
    """

    def __call__(self, item: Item, event: ItemEvent, /) -> None: ...


class TransitionObserverMany(Protocol):
    """Told of many items' moves at once: ``many(items, events)``,
    ``events[i]`` the move of ``items[i]``.

    Registered beside its observer (``transition_observer_register(observer,
    many=many)``) and called in its place for the moves of
    ``item_transition_many`` (a batch of certificates), under the same
    contract: the same effects as the observer's for each move, e.g. their
    jobs recorded in one statement.
    """

    def __call__(self, items: list[Item], events: list[ItemEvent], /) -> None: ...


# --- station scans (warehouse.services.scans) ---------------------------------


class ScanActionHandler(Protocol):
    """Carries out a station scan: ``handler(principal, barcode, **fields)`` → the item.

    Connected with ``scan_action_register(action, handler)`` for one of the
    station contract's actions (``SCAN_ACTIONS``) that the warehouse does not
    carry out itself (``receive`` and ``lookup`` are its own); one handler per
    action, a later registration replaces the earlier. Called by
    :func:`~warehouse.services.scan_process` for ``POST /api/v1/scans/`` with
    the parsed :class:`~warehouse.barcodes.Barcode` and the caller's
    :class:`~warehouse.common.access.Principal`, and as keywords the scan's
    optional fields the action takes (``SCAN_FIELDS``: a pack's ``seal``)
    when the scan sent them.

    The handler checks what the principal may do and see, does the work in
    its own ``transaction.atomic`` (nested in the request's when it carries an
    ``Idempotency-Key``) and returns the scanned item, whose state and
    allowed actions are the answer. To refuse, raise a
    :class:`~warehouse.common.exceptions.DomainError`; the scan log records the
    refusal with its code (and the acceptance otherwise): the handler writes
    no log of its own.
    """

    def __call__(
        self, principal: Principal, barcode: Barcode, /, **fields: str
    ) -> Item: ...


# --- the outbox (warehouse.common.jobs) ---------------------------------------


# Declared beside the outbox it plugs into (warehouse.common knows no domain
# module); re-exported here with the other extension points.


# --- claims of inbound notices (warehouse.claims) -----------------------------


class ClaimChecker(Protocol):
    """Checks one item's claim: ``checker(claim, row)`` → problems.

    ``claim`` is the stored (normalised) claim, ``row`` the item as the
    merchant sent it. Returns ``(claim field, message)`` pairs, empty when
    the claim is complete; for its category it replaces the check of
    ``Category.claim_fields``. Called once per item of an inbound notice,
    before anything is written (100,000 items in one notice): no query, no
    write, no exception for bad input (report it as a problem).
    """

    def __call__(self, claim: dict, row: dict, /) -> list[tuple[str, str]]: ...


class ClaimCheckerProvider(Protocol):
    """The checkers for a notice's categories: ``provider(categories)``.

    Connected with ``claim_checkers_register(provider)``; once however often
    registered. Called once per inbound notice with its categories, before
    anything is written; returns ``{category id: checker}`` for the
    categories it knows (a later provider wins a category both know). It
    may read (one query for all categories), never write.
    """

    def __call__(self, categories: list[Category], /) -> dict[int, ClaimChecker]: ...


# --- the item detail (warehouse.serializers) ----------------------------------


class ItemCertificateProvider(Protocol):
    """The item's current certificate as the item detail shows it, or None.

    Connected with ``item_certificate_provider_register(provider)``; there is
    one, a later registration replaces the earlier. Called for each item
    detail the API answers (``GET /api/v1/items/{code}``), outside any
    transaction: a read, in plain JSON data (number, status, verification
    link …); it never writes.
    """

    def __call__(self, item: Item, /) -> dict | None: ...


# --- demo data (warehouse.demo) -----------------------------------------------


class DemoSeeder(Protocol):
    """Adds an app's demo data: ``seeder(summary)``.

    Connected with ``demo_seeder_register(seeder)``; once however often
    registered. Called by :func:`~warehouse.demo.demo_seed` (``manage.py
    demo``, ``seed_demo``) in registration order, inside its transaction,
    after the warehouse's own demo world (warehouses, categories, merchants,
    staff, stations) and before the demo notices. Idempotent: a second run
    changes nothing. It may add plain data to ``summary``, which the command
    prints.
    """

    def __call__(self, summary: dict, /) -> None: ...


# --- message codes (warehouse.common.messages) --------------------------------


class MessageCatalogue(Protocol):
    """An app's message codes: a :class:`warehouse.common.messages.Catalogue`.

    Connected with ``message_catalogue_register(catalogue)``; one per app (a
    second registration of the same app replaces the first). The warehouse's
    own is registered first (``warehouse.wiring``). Each catalogue holds the
    codes its app writes (timeline reasons, API error codes, e-mails); no
    code is in two. :func:`warehouse.common.messages.message_render` asks the
    catalogues in turn for a stored code's words in the reader's language
    (the item timeline, the station's scan history, e-mails); ``render`` and
    ``fits`` must not touch the database; ``render`` returns the code itself
    for a code it does not have.
    """

    app: str

    def __contains__(self, code: str, /) -> bool: ...

    def fits(self, code: str, params: dict | None, /) -> bool: ...

    def render(
        self, code: str, params: dict | None = None, *, language: str | None = None
    ) -> str: ...


# --- who is connected where ---------------------------------------------------


def wiring() -> dict[str, Any]:
    """What is connected to each extension point, as plain data.

    Each callable is named by where its app exports it (the shortest module
    path that holds it, e.g. ``fulfilment.services.receive_guard``), so moving
    code inside a package changes nothing here and connecting something else
    does. Guards are keyed ``source -> target``; observers, claim checker
    providers and demo seeders are listed in the order they run.
    """
    return {
        "transition_guards": {
            f"{source} -> {target}": [_name(guard) for guard in guards]
            for (source, target), guards in sorted(transition_guards().items())
            if guards
        },
        "transition_observers": [_name(fn) for fn in transition_observers()],
        "scan_actions": {
            action: _name(fn) for action, fn in sorted(scan_action_handlers().items())
        },
        "job_handlers": {
            name: {
                "handler": _name(handler.fn),
                "queue": handler.queue,
                "atomic": handler.atomic,
                "max_attempts": handler.max_attempts,
            }
            for name, handler in sorted(job_handlers().items())
        },
        "claim_checker_providers": [_name(fn) for fn in claim_checker_providers()],
        "item_certificate_provider": _name(item_certificate_provider()),
        "demo_seeders": [_name(fn) for fn in demo_seeders()],
        "message_catalogues": [catalogue.app for catalogue in message_catalogues()],
    }


def _name(fn) -> str | None:
    """``fn`` by the shortest module path that exports it, else where it is defined."""
    if fn is None:
        return None
    module, qualname = fn.__module__, fn.__qualname__
    parts = module.split(".")
    for depth in range(1, len(parts)):
        holder = sys.modules.get(".".join(parts[:depth]))
        if holder is None:
            continue
        names = vars(holder)
        if names.get(fn.__name__) is fn and not fn.__name__.startswith("_"):
            return f"{holder.__name__}.{fn.__name__}"
        aliases = sorted(
            name
            for name, value in names.items()
            if value is fn and not name.startswith("_")
        )
        if aliases:
            return f"{holder.__name__}.{aliases[0]}"
    return f"{module}.{qualname}"
