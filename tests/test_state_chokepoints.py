"""Every state machine has its chokepoint: no code but the one state machine
changes the ``state`` of an Item or the ``status`` of an Order, a Shipment or
a Manifest.

Each of these fields is held by one
:class:`~warehouse.common.statemachine.StateMachine`, declared in its
lifecycle module (``warehouse.lifecycle.ITEMS``, ``fulfilment.lifecycle``'s
``ORDERS``, ``SHIPMENTS``, ``MANIFESTS``), whose ``transition`` is the one
code that writes the field. The app modules are read as source (migrations
and ``warehouse/common/statemachine.py`` aside; the lifecycle modules only
declare tables and hooks, and are read too) and every write of such a field
is reported with its place: an assignment (``x.status = …``,
``setattr(x, "state", …)``), a queryset ``update(status=…)``/
``bulk_update(…, ["state"])``, or raw SQL that sets it. Creating a row in its
first state is not a change and is not reported.
"""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

from fulfilment import lifecycle as fulfilment_lifecycle
from fulfilment.models import Manifest, Order, Shipment
from warehouse import lifecycle as item_lifecycle
from warehouse.common.statemachine import StateMachine
from warehouse.models import Item

ROOT = Path(settings.BASE_DIR).resolve()
# The only module that may change these fields: the machine's transition.
TRANSITION_MODULES = {"warehouse/common/statemachine.py"}
# Where each guarded field's machine is declared, and under which name.
MACHINES = {
    (Item, "state"): ("warehouse/lifecycle.py", item_lifecycle, "ITEMS"),
    (Order, "status"): ("fulfilment/lifecycle.py", fulfilment_lifecycle, "ORDERS"),
    (Shipment, "status"): (
        "fulfilment/lifecycle.py",
        fulfilment_lifecycle,
        "SHIPMENTS",
    ),
    (Manifest, "status"): (
        "fulfilment/lifecycle.py",
        fulfilment_lifecycle,
        "MANIFESTS",
    ),
}
FIELDS = {"state", "status"}
# The guarded models, their state enums, and the words naming their rows.
MODELS = {"Item", "Order", "Shipment", "Manifest"}
ENUMS = {
    "ItemState",
    "Item.State",
    "Order.Status",
    "Shipment.Status",
    "Manifest.Status",
}
ROW_NAME = re.compile(r"(item|order|shipment|parcel|manifest|member)s?$", re.I)
TABLES = r"(warehouse_item|fulfilment_order|fulfilment_shipment|fulfilment_manifest)"
RAW_UPDATE = re.compile(
    rf"UPDATE\s+\"?{TABLES}\"?\s+SET\b[^;]*?\b\"?(state|status)\"?\s*=", re.I | re.S
)


def app_modules() -> list[Path]:
    """The Python modules of the project's own apps and its config."""
    roots = {Path(config.path).resolve() for config in apps.get_app_configs()}
    roots = {root for root in roots if ROOT in root.parents}
    roots.add(ROOT / "config")
    modules = []
    for root in sorted(roots):
        for path in sorted(root.rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in TRANSITION_MODULES:
                continue
            modules.append(path)
    return modules


def _aliases(tree: ast.Module) -> set[str]:
    """Module-level names bound to a guarded enum (``S = ItemState``)."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Assign) and ast.unparse(node.value) in ENUMS:
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _names_guarded_enum(node: ast.AST, aliases: set[str]) -> bool:
    text = ast.unparse(node)
    if any(enum in text for enum in ENUMS):
        return True
    return any(
        re.search(rf"\b{re.escape(alias)}\.[A-Z_]+\b", text) for alias in aliases
    )


def _names_guarded_row(node: ast.AST) -> bool:
    """The expression ``x.status`` is on looks like an item, order or parcel."""
    text = ast.unparse(node)
    last = re.split(r"[.\[\]()]", text.rstrip(")]"))[-1] or text
    return bool(ROW_NAME.search(last)) or any(
        re.search(rf"\b{model}\b", text) for model in MODELS
    )


def _literal_strings(node: ast.AST) -> list[str]:
    return [
        n.value
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    ]


def state_writes(source: str, filename: str = "<source>") -> list[str]:
    """Where ``source`` writes a guarded state field outside a transition."""
    tree = ast.parse(source, filename)
    aliases = _aliases(tree)
    found = []

    def report(node: ast.AST, what: str) -> None:
        found.append(f"{filename}:{node.lineno}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            for target in targets:
                for t in ast.walk(target):
                    if (
                        isinstance(t, ast.Attribute)
                        and t.attr in FIELDS
                        and isinstance(t.ctx, ast.Store)
                        and (
                            _names_guarded_row(t.value)
                            or (
                                value is not None
                                and _names_guarded_enum(value, aliases)
                            )
                        )
                    ):
                        report(node, ast.unparse(node).splitlines()[0])
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else ""
            if name == "update":
                for keyword in node.keywords:
                    if keyword.arg in FIELDS and (
                        _names_guarded_enum(keyword.value, aliases)
                        or _names_guarded_row(func.value)
                    ):
                        report(node, f".update({keyword.arg}=…)")
            elif name == "bulk_update" and _names_guarded_row(func.value):
                if FIELDS & set(_literal_strings(node)):
                    report(node, "bulk_update of a state field")
            elif (
                isinstance(func, ast.Name)
                and func.id == "setattr"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.Constant)
                and node.args[1].value in FIELDS
                and _names_guarded_row(node.args[0])
            ):
                report(node, f"setattr(…, {node.args[1].value!r}, …)")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and RAW_UPDATE.search(node.value)
        ):
            report(node, "raw SQL setting a state field")
    return found


def test_no_state_is_changed_outside_its_transition():
    """Item.state and Order/Shipment/Manifest.status change only in the state
    machine's transition: not in the services, not in the lifecycle modules,
    which declare the tables and hooks."""
    modules = app_modules()
    relative = {p.relative_to(ROOT).as_posix() for p in modules}
    assert {"warehouse/lifecycle.py", "fulfilment/lifecycle.py"} <= relative
    assert any(
        p.as_posix().endswith("fulfilment/services/shipping/release.py")
        for p in modules
    )
    found = []
    for path in modules:
        found += state_writes(path.read_text(), path.relative_to(ROOT).as_posix())
    assert found == [], "change these through their transition:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("model", "field"), sorted(MACHINES, key=lambda key: key[0].__name__)
)
def test_each_guarded_field_has_one_machine_in_its_lifecycle_module(model, field):
    """Item.state, Order/Shipment/Manifest.status: each is held by one
    ``StateMachine``, declared in its app's lifecycle module."""
    path, module, name = MACHINES[(model, field)]
    machine = getattr(module, name)
    assert isinstance(machine, StateMachine)
    assert (machine.model, machine.field) == (model, field)
    assert module.__file__.endswith(path)
    holders = [
        other
        for other in vars(module).values()
        if isinstance(other, StateMachine) and other.model is model
    ]
    assert holders == [machine], f"{model.__name__} has one machine"


def test_machines_are_declared_only_in_the_lifecycle_modules():
    """A new state machine is one of the known ones: no module but the
    lifecycle modules builds a ``StateMachine``."""
    lifecycle_paths = {path for path, _module, _name in MACHINES.values()}
    found = []
    for path in app_modules():
        relative = path.relative_to(ROOT).as_posix()
        if relative in lifecycle_paths:
            continue
        for node in ast.walk(ast.parse(path.read_text(), relative)):
            if (
                isinstance(node, ast.Call)
                and ast.unparse(node.func).split(".")[-1] == "StateMachine"
            ):
                found.append(f"{relative}:{node.lineno}")
    assert found == [], "state machines declared elsewhere:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "line",
    [
        "order.status = Order.Status.PACKED",
        "shipment.status = 'released'",
        "self.order.status = status",
        "item.state = S.RECEIVED",
        "x.state = ItemState.RECEIVED",
        "member.state: str = 'released'",
        "Order.objects.filter(pk=1).update(status='cancelled')",
        "Shipment.objects.filter(pk=1).update(status=Shipment.Status.CANCELLED)",
        "Item.objects.filter(pk=1).update(state=S.CERTIFIED, title='x')",
        "order.shipments.update(status=value)",
        "Order.objects.bulk_update(orders, ['status'])",
        "setattr(order, 'status', 'packed')",
        "cursor.execute('UPDATE fulfilment_order SET status = %s WHERE id = %s')",
        'sql = \'UPDATE "warehouse_item" SET "state" = %s\'',
    ],
)
def test_the_scan_finds_each_way_of_writing_a_state(line):
    """The check is not blind: each of these writes is reported."""
    source = "from warehouse.models import ItemState\nS = ItemState\n" + line + "\n"
    assert len(state_writes(source)) == 1, line


@pytest.mark.parametrize(
    "line",
    [
        "job.state = Job.State.DEAD",
        "failed.state = WebhookMessage.State.FAILED",
        "inspection.status = Inspection.Status.CLOSED",
        "certificate.status = Certificate.Status.REVOKED",
        "Job.objects.filter(pk=1).update(state=Job.State.PENDING)",
        "WebhookMessage.objects.filter(pk=1).update(state=WebhookMessage.State.FAILED)",
        "Order.objects.filter(status=Order.Status.OPEN).update(promise_state='met')",
        "Item.objects.create(state=S.ANNOUNCED)",
        "status = Order.Status.OPEN",
        "cursor.execute('SELECT status FROM fulfilment_order')",
    ],
)
def test_the_scan_leaves_other_fields_and_models_alone(line):
    """Other models' states, reads and a row's first state are not changes."""
    source = "from warehouse.models import ItemState\nS = ItemState\n" + line + "\n"
    assert state_writes(source) == [], line
