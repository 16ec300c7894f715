"""Who is connected to which extension point (warehouse.extensions), pinned.

The apps extend the warehouse only at the points ``warehouse.extensions``
declares, each app in its one ``wire()``. ``WIRING`` below is the reviewed
state of those connections: a change to the flow (a guard added, an observer
moved, a job on another queue) fails here until the snapshot is updated in
the same change, where a reviewer sees it.
"""

import ast
import inspect
import pprint
from pathlib import Path

from fulfilment.wiring import wire as fulfilment_wire
from inspection.wiring import wire as inspection_wire
from warehouse import extensions
from warehouse.claims import claim_checker_providers
from warehouse.demo import demo_seeders
from warehouse.lifecycle import transition_guards, transition_observers
from warehouse.serializers import item_certificate_provider
from warehouse.services.scans import scan_action_handlers
from warehouse.wiring import wire as warehouse_wire

ROOT = Path(__file__).resolve().parent.parent
APPS = ("warehouse", "inspection", "fulfilment")

WIRING = {
    "transition_guards": {
        "allocated -> packed": ["inspection.services.valid_certificate_required"],
        "announced -> received": ["fulfilment.services.receive_guard"],
        "certified -> allocated": ["inspection.services.valid_certificate_required"],
        "certified -> inspecting": ["inspection.services.revoked_only"],
        "packed -> released": ["inspection.services.valid_certificate_required"],
    },
    "transition_observers": [
        "fulfilment.services.stock_on_item_transition",
        "fulfilment.services.notify_on_item_transition",
        "fulfilment.services.buyer_returns.returns_on_item_transition",
    ],
    "scan_actions": {
        "lookup": "warehouse.services.scans._lookup",
        "pack": "fulfilment.services.item_pack_scan",
        "release": "fulfilment.services.release_scan",
    },
    "job_handlers": {
        "fulfilment.buyer_return_ship": {
            "handler": "fulfilment.services.buyer_returns.buyer_return_ship",
            "queue": "labels",
            "atomic": True,
            "max_attempts": 10,
        },
        "fulfilment.booking_cancel": {
            "handler": "fulfilment.services.booking_cancel",
            "queue": "labels",
            "atomic": True,
            "max_attempts": 10,
        },
        "fulfilment.email_send": {
            "handler": "fulfilment.services.email_send",
            "queue": "notifications",
            "atomic": True,
            "max_attempts": 10,
        },
        "fulfilment.item_certified": {
            "handler": "fulfilment.services.item_certified",
            "queue": "default",
            "atomic": True,
            "max_attempts": 10,
        },
        "fulfilment.label_wave": {
            "handler": "fulfilment.services.shipping.waves.label_wave",
            "queue": "labels",
            "atomic": False,
            "max_attempts": 10,
        },
        "fulfilment.order_allocate": {
            "handler": "fulfilment.services.order_allocate",
            "queue": "default",
            "atomic": True,
            "max_attempts": 10,
        },
        "fulfilment.shipment_label": {
            "handler": "fulfilment.services.shipment_label",
            "queue": "labels",
            "atomic": True,
            "max_attempts": 10,
        },
        "fulfilment.webhooks_deliver": {
            "handler": "fulfilment.services.webhooks_deliver",
            "queue": "notifications",
            "atomic": False,
            "max_attempts": 10,
        },
        "inspection.certificate_issue": {
            "handler": "inspection.services.certificate_issue",
            "queue": "certificates",
            "atomic": True,
            "max_attempts": 10,
        },
        "inspection.return_report": {
            "handler": "inspection.services.returns.report.return_report_render",
            "queue": "certificates",
            "atomic": True,
            "max_attempts": 10,
        },
        "inspection.transparency_integrate": {
            "handler": "inspection.trust.transparency.log.log_integrate",
            "queue": "certificates",
            "atomic": True,
            "max_attempts": 10,
        },
    },
    "claim_checker_providers": ["inspection.services.claim_checkers"],
    "item_certificate_provider": "inspection.services.certificate_summary",
    "demo_seeders": [
        "inspection.demo.demo_templates_seed",
        "inspection.demo.demo_inspections_seed",
        "fulfilment.demo.demo_fulfilment_seed",
    ],
    "message_catalogues": ["warehouse", "inspection", "fulfilment"],
}

CHANGED = (
    "The wiring between the apps changed (warehouse.extensions.wiring()). If "
    "this change to who is connected where is intended, replace WIRING in "
    "tests/test_wiring.py with the value below in the same commit, so the "
    "reviewer sees the change to the flow:\n\n"
)


def test_the_apps_are_wired_as_reviewed():
    actual = extensions.wiring()
    assert actual == WIRING, CHANGED + pprint.pformat(actual, sort_dicts=False)


def test_wiring_an_app_again_changes_nothing():
    warehouse_wire()
    inspection_wire()
    fulfilment_wire()

    assert extensions.wiring() == WIRING


def _takes(protocol, fn) -> bool:
    """Whether ``fn`` accepts the arguments the extension point passes."""
    parameters = list(inspect.signature(protocol.__call__).parameters.values())[1:]
    passed = sum(p.kind is inspect.Parameter.POSITIONAL_ONLY for p in parameters)
    try:
        inspect.signature(fn).bind(*[object()] * passed)
    except TypeError:
        return False
    return True


def test_everything_connected_takes_what_its_point_passes():
    """Job handlers are left out: they take the job's own keyword arguments."""
    connected = [
        (extensions.TransitionGuard, fn)
        for guards in transition_guards().values()
        for fn in guards
    ]
    connected += [(extensions.TransitionObserver, fn) for fn in transition_observers()]
    connected += [
        (extensions.ScanActionHandler, fn) for fn in scan_action_handlers().values()
    ]
    connected += [
        (extensions.ClaimCheckerProvider, fn) for fn in claim_checker_providers()
    ]
    connected += [
        (extensions.ItemCertificateProvider, item_certificate_provider()),
        *((extensions.DemoSeeder, fn) for fn in demo_seeders()),
    ]

    assert connected
    assert [
        f"{fn.__module__}.{fn.__qualname__} is no {protocol.__name__}"
        for protocol, fn in connected
        if not _takes(protocol, fn)
    ] == []


def test_a_callable_that_does_not_fit_its_point_is_seen():
    def guard(item):
        pass

    def guard_wanting_a_station(item, station):
        pass

    assert _takes(extensions.TransitionGuard, guard)
    assert not _takes(extensions.TransitionGuard, guard_wanting_a_station)
    assert not _takes(extensions.TransitionObserver, guard)


REGISTER = {
    "transition_guard_register",
    "transition_observer_register",
    "scan_action_register",
    "job_handler_register",
    "claim_checkers_register",
    "item_certificate_provider_register",
    "demo_seeder_register",
    "message_catalogue_register",
}


def _connections(source: str) -> list[int]:
    """The lines of ``source`` that call an extension point's register function."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) in REGISTER
    ]


def test_apps_connect_only_in_their_wire():
    """No module but an app's ``wiring.py`` connects to an extension point."""
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if path.name == "wiring.py" or "migrations" in path.parts:
                continue
            found += [
                f"{path.relative_to(ROOT)}:{line}"
                for line in _connections(path.read_text())
            ]
    assert found == []


def test_a_connection_outside_wire_is_seen():
    defined = 'def demo_seeder_register(seeder):\n    """demo_seeder_register(f)"""'
    assert _connections('ext.scan_action_register("pack", handler)') == [1]
    assert _connections("\ntransition_guard_register(source=a, guard=g)") == [2]
    assert _connections(defined) == []
