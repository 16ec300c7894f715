"""The API against its own OpenAPI schema, fuzzed with schemathesis.

Every operation published at ``/api/schema/`` is called in-process (WSGI)
with examples generated from the schema, as a merchant, the platform and a
station, on merchant A's real objects (so answers are mostly real 200s and
refusals, not 404s) and on generated path values. Each answer must:

- not be a server error (``not_a_server_error``);
- match the documented body for its status (``response_schema_conformance``),
  error bodies included (:mod:`warehouse.common.schema` documents them);
- have a documented status (``status_code_conformance``).

Bounded for CI: a fixed seed (``derandomize``), a few examples per operation
and caller, no shrinking. A failure names the operation, the caller and a
curl command that reproduces it.
"""

import contextlib
import logging

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.warehouse import factories as f

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
# (generation mode, use A's real path values, examples per operation and caller)
ROUNDS = [
    (schemathesis.GenerationMode.POSITIVE, True, 8),
    (schemathesis.GenerationMode.NEGATIVE, True, 5),
    (schemathesis.GenerationMode.POSITIVE, False, 3),
]


@pytest.fixture
def wsgi_app(settings):
    """The project's WSGI app, sharing the test's connection and transaction.

    Django closes the connection at the end of each request; the test client
    stops that, and so does this fixture.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    app = get_wsgi_application()
    quiet = [logging.getLogger(name) for name in ("django", "qcw.scans")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:  # thousands of refused requests, each logged
        logger.setLevel(logging.CRITICAL)
    yield app
    for logger, level in zip(quiet, levels, strict=True):
        logger.setLevel(level)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def path_values(estate, path: str) -> dict:
    """Merchant A's objects, chosen to suit the operation at ``path``."""
    code = estate.certified.code
    if any(part in path for part in ("/inspections/", "scale-readings", "hold-dec")):
        code = estate.inspecting.code
    elif "/appeal/" in path or "/return/" in path:
        code = estate.failed.code
    elif "/release/" in path:
        code = estate.shipment.contents.get().item.code
    values = {
        "code": code,
        "notice_id": estate.notice.pk,
        "inspection_id": estate.inspection.pk,
        "photo_id": estate.photo.pk,
        "template_id": estate.template_id,
        "order_id": estate.order.external_id,
        "reference": estate.shipment.reference,
        "fmt": "pdf",
        "endpoint_id": estate.endpoint.pk,
        "number": (
            estate.manifest.number
            if path.startswith("/api/v1/manifests/")
            else estate.certificate.number
        ),
    }
    return {name: value for name, value in values.items() if f"{{{name}}}" in path}


def round_failures(operation, headers, mode, fixed: dict, examples: int) -> list:
    """What each failing example of one round says."""
    found = []

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    def run(case):
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except BaseException as exc:  # schemathesis' FailureGroup
            found.append(str(exc).strip())

    with contextlib.suppress(Unsatisfiable):  # nothing here can be made invalid
        run()
    return found


def failures(operation, headers, estate) -> list:
    """Every round on one operation."""
    found = []
    for mode, real_paths, examples in ROUNDS:
        if not real_paths and "{" not in operation.path:
            continue
        if mode.is_negative and not (operation.body or operation.query):
            # Nothing to make invalid but its headers, whose strings every
            # value satisfies: hypothesis would only discard what it draws.
            continue
        fixed = path_values(estate, operation.path) if real_paths else {}
        found += round_failures(operation, headers, mode, fixed, examples)
    return found


@pytest.mark.parametrize("caller", ["merchant_user", "platform", "station"])
def test_every_operation_answers_as_its_schema_says(world, estate, wsgi_app, caller):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 45, [op.label for op in operations]
    headers = {
        "Authorization": f"Token {f.token_for(getattr(world, caller))}",
        "Accept-Language": "en",
    }

    problems = {}
    for operation in operations:
        found = failures(operation, headers, estate)
        if found:
            problems[operation.label] = found

    report = "\n\n".join(
        f"=== {label} ({len(found)} failing examples) ===\n{found[0]}"
        for label, found in problems.items()
    )
    assert not problems, f"{caller}:\n{report}"
