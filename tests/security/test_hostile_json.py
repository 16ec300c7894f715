"""Generated hostile JSON at every JSON endpoint: refused, never a 500.

Every operation the OpenAPI schema publishes with a JSON request body (so a
new endpoint is covered as soon as it exists) is called, as a role that may
use it (:data:`tests.security.test_access_matrix.ROUTES` says who), on
merchant A's real objects, with bodies hypothesis builds from what that role
would honestly send, spoiled:

- nesting past :data:`warehouse.common.parsers.MAX_DEPTH`, and past Python's own
  recursion limit;
- a lone surrogate or a NUL in a value, a key, or as the whole body;
- numbers no column holds: ``1e400``, integer literals of up to 6,000 digits
  (``int()`` refuses more than 4,300), anything outside 64 bits;
- a field of the wrong kind: a list or an object where text, a number or a
  flag goes, text or a number where a list or an object goes, a body that is
  not an object at all.

Each answer must be a 4xx in the API's error shape, and nothing may change
in the database (one statement hashes every table before and after; the
scan log may gain refused scans, which it keeps by design, and a refused
request's answer is kept for its Idempotency-Key).

PostgreSQL is what refuses lone surrogates and NUL, so these run there.
Bounded for CI by the ``hostile-json`` profile (a fixed seed, a few dozen
examples per endpoint); ``HOSTILE_JSON_PROFILE=hostile-json-thorough`` runs
ten times as many, from a random seed.
"""

import json
import os
import re
import uuid

import pytest
from django.apps import apps
from django.db import connection
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.parsers import JSONParser as DRFJSONParser
from rest_framework.test import APIClient
from rest_framework.views import APIView

from tests.security.test_access_matrix import (  # noqa: F401 - a fixture
    DOCK,
    INSP,
    PLAT,
    QC,
    ROUTES,
    ST,
    SUP,
    M,
    fill,
    loose_throttles,
    places,
)
from tests.security.test_schema_fuzz import path_values
from tests.warehouse import factories as f
from warehouse.common.parsers import MAX_DEPTH, JSONParser
from warehouse.models import ScanLog

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "hostile-json",
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=_QUIET,
)
settings.register_profile(
    "hostile-json-thorough",
    max_examples=300,
    database=None,
    deadline=None,
    suppress_health_check=_QUIET,
)
PROFILE = os.environ.get("HOSTILE_JSON_PROFILE", "hostile-json")

# Who calls an endpoint: the first of these its row in ROUTES admits.
CALLERS = [M, ST, INSP, PLAT, SUP, QC, DOCK]
# Rows a refused request may leave, by design (checked apart, or not at all).
UNWATCHED = {"warehouse.ScanLog", "warehouse.IdempotencyKey"}


# --- the endpoints ------------------------------------------------------------------


def json_operations() -> list[tuple[str, str, dict]]:
    """(method, path, request body schema) of every operation taking JSON."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {})
            if "application/json" in body:
                ref = body["application/json"]["schema"].get("$ref", "")
                found.append(
                    (method.upper(), path, components.get(ref.rsplit("/", 1)[-1], {}))
                )
    return found


def test_every_api_view_reads_json_through_the_guarded_parser():
    """No view may read JSON past :class:`warehouse.common.parsers.JSONParser`."""
    unguarded = []
    for method, path, _body in json_operations():
        concrete = re.sub(r"{\w+}", "1", path)
        view = resolve(concrete).func.view_class
        assert issubclass(view, APIView), path
        parsers = [cls for cls in view.parser_classes if issubclass(cls, DRFJSONParser)]
        if not parsers or not all(issubclass(cls, JSONParser) for cls in parsers):
            unguarded.append(f"{method} {path}: {parsers}")
    assert not unguarded


# --- what must not change -------------------------------------------------------


def _tables() -> list[tuple[str, str]]:
    return [
        (model._meta.label, model._meta.db_table)
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and model._meta.label not in UNWATCHED
    ]


def fingerprint_statement() -> tuple[list[str], str]:
    """One statement hashing every watched table's rows, table by table."""
    tables = _tables()
    quote = connection.ops.quote_name
    # Table names from the models, not from input.
    row = "md5(t::text)"
    hashed = f"SELECT md5(coalesce(string_agg({row}, '' ORDER BY {row}), ''))"
    parts = [f"({hashed} FROM {quote(table)} t)" for _label, table in tables]
    return [label for label, _table in tables], "SELECT ARRAY[" + ", ".join(parts) + "]"


def fingerprint(statement: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return cursor.fetchone()[0]


def scans_other_than_refused() -> int:
    return ScanLog.objects.exclude(outcome=ScanLog.Outcome.REFUSED).count()


# --- hostile bodies -----------------------------------------------------------------


class Raw(str):
    """JSON text sent as it is (what ``json.dumps`` cannot write)."""


def encode(value) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        pairs = (f"{json.dumps(key)}:{encode(item)}" for key, item in value.items())
        return "{" + ",".join(pairs) + "}"
    if isinstance(value, list):
        return "[" + ",".join(encode(item) for item in value) + "]"
    return json.dumps(value)  # \ud800 and \u0000 escaped, as a client sends them


def _spoiled(bad: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(st.text(max_size=6), bad, st.text(max_size=6)).map("".join)


SURROGATE = st.characters(categories=["Cs"], min_codepoint=0xD800, max_codepoint=0xDFFF)
bad_text = st.one_of(_spoiled(SURROGATE), _spoiled(st.just("\x00")))
huge_number = st.one_of(
    st.sampled_from(["1e400", "-1e400", "1.5e309", "-2E+99999", "1e999999999"]),
    st.integers(min_value=20, max_value=6000).map(lambda digits: Raw("9" * digits)),
    st.integers(min_value=2**63, max_value=2**256).map(lambda n: Raw(str(n))),
    st.integers(min_value=-(2**256), max_value=-(2**63) - 1).map(lambda n: Raw(str(n))),
).map(Raw)


def _nested(depth: int, opener: str) -> Raw:
    closer = "]" if opener == "[" else "}"
    return Raw(opener * depth + "0" + closer * depth)


too_deep = st.builds(
    _nested,
    st.one_of(
        st.integers(min_value=MAX_DEPTH + 1, max_value=MAX_DEPTH + 40),
        st.integers(min_value=900, max_value=5000),
    ),
    st.sampled_from(["[", '{"a":']),
)
poison = st.one_of(bad_text, huge_number, too_deep)


def containers(value, path=()) -> list[tuple]:
    """Paths to every object and list in a body, the body itself first."""
    if not isinstance(value, dict | list):
        return []
    found = [path]
    for key, child in value.items() if isinstance(value, dict) else enumerate(value):
        found += containers(child, (*path, key))
    return found


def leaves_and_branches(value, path=()) -> list[tuple]:
    """Paths to every value in a body, the body itself excluded."""
    found = []
    if isinstance(value, dict | list):
        children = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child in children:
            found.append((*path, key))
            found += leaves_and_branches(child, (*path, key))
    return found


def at(value, path):
    for key in path:
        value = value[key]
    return value


def replaced(body, path, new):
    """A deep copy of ``body`` with the value at ``path`` replaced."""
    if not path:
        return new
    copy = json.loads(json.dumps(body))
    at(copy, path[:-1])[path[-1]] = new
    return copy


junk_scalar = st.one_of(st.text(max_size=5), st.integers(-5, 5), st.booleans())
junk_list = st.lists(junk_scalar, max_size=3)
junk_object = st.dictionaries(st.text(max_size=5), junk_scalar, max_size=3)


def wrong_kind(value) -> st.SearchStrategy:
    """A value no field typed like ``value`` accepts (nothing DRF would coerce)."""
    if isinstance(value, dict):
        return st.one_of(junk_list, st.text(max_size=5), st.integers())
    if isinstance(value, list):
        return st.one_of(junk_object, st.text(max_size=5), st.integers())
    return st.one_of(junk_list, junk_object)


@st.composite
def hostile_body(draw, base: dict) -> str:
    """``base`` spoiled in one place, as JSON text."""
    how = draw(
        st.sampled_from(["replace", "add", "bad key", "append", "wrong kind", "body"])
    )
    if how == "body":  # the whole body: poison, or not an object at all
        return encode(draw(st.one_of(poison, junk_list, junk_scalar, st.none())))
    if how == "wrong kind":
        paths = leaves_and_branches(base)
        if paths:
            path = draw(st.sampled_from(paths))
            return encode(replaced(base, path, draw(wrong_kind(at(base, path)))))
        return encode(draw(junk_list))
    where = draw(st.sampled_from(containers(base)))
    target = at(base, where)
    if how == "replace" and target:
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        return encode(
            replaced(base, (*where, draw(st.sampled_from(keys))), draw(poison))
        )
    if isinstance(target, list):
        return encode(replaced(base, where, [*target, draw(poison)]))
    if how == "bad key":
        return encode(replaced(base, where, {**target, draw(bad_text): "x"}))
    name = draw(st.text(max_size=8).filter(lambda key: key not in target))
    return encode(replaced(base, where, {**target, name: draw(poison)}))


# --- the run --------------------------------------------------------------------------


def error_shaped(body) -> bool:
    if not isinstance(body, dict) or set(body) != {"error"}:
        return False
    error = body["error"]
    return (
        isinstance(error, dict)
        and set(error) == {"code", "message", "fields"}
        and isinstance(error["code"], str)
        and isinstance(error["message"], str)
        and isinstance(error["fields"], dict)
    )


def batch_refused(answer) -> bool:
    """A batch refusing every order it was sent (``POST /api/v1/orders/batch/``
    answers each order: 200, one refused result per order, each error in the
    error shape; one bad order does not refuse the others)."""
    if answer.status_code != 200:
        return False
    body = answer.json()
    results = body.get("results") if isinstance(body, dict) else None
    return bool(results) and all(
        result["status"] == "refused" and error_shaped({"error": result["error"]})
        for result in results
    )


def callers_by_role(world, qc, estate) -> dict:
    users = {
        M: world.merchant_user,
        ST: world.station,
        INSP: world.inspector,
        PLAT: world.platform,
        SUP: world.supervisor,
        QC: qc.qc_station,
        DOCK: estate.dock.user,
    }
    clients = {}
    for role, user in users.items():
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.credentials(HTTP_AUTHORIZATION=f"Token {f.token_for(user)}")
        client.raise_request_exception = False  # a 500 is an answer to report
        clients[role] = client
    return clients


def endpoint_failures(method, url, client, base, watch, tried) -> list[str]:
    """Run the profile's examples at one endpoint; what failed, shrunk."""
    labels, statement = watch
    send = getattr(client, method.lower())

    @settings(settings.get_profile(PROFILE))
    @given(body=hostile_body(base), keyed=st.booleans())
    def run(body, keyed):
        tried.append(url)
        before, scans = fingerprint(statement), scans_other_than_refused()
        headers = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())} if keyed else {}
        answer = send(url, body, content_type="application/json", **headers)
        status = answer.status_code
        if not batch_refused(answer):
            assert 400 <= status < 500, (
                f"{status}: {body[:300]!r} {answer.content[:300]!r}"
            )
            assert error_shaped(answer.json()), answer.content[:300]
        moved = [
            label
            for label, old, new in zip(
                labels, before, fingerprint(statement), strict=True
            )
            if old != new
        ]
        assert not moved, f"{status} changed {moved}: {answer.content[:300]!r}"
        assert scans_other_than_refused() == scans, "a scan was accepted"

    try:
        run()
    except Exception as exc:  # hypothesis re-raises the shrunk failure
        notes = "\n".join(getattr(exc, "__notes__", []))
        return [f"{type(exc).__name__}: {exc}\n{notes}"]
    return []


@pytest.mark.usefixtures("loose_throttles")
def test_hostile_json_is_refused_at_every_json_endpoint(world, qc, estate):
    clients = callers_by_role(world, qc, estate)
    real = places(estate)
    watch = fingerprint_statement()
    operations = json_operations()
    assert len(operations) >= 15, [path for _m, path, _b in operations]

    tried: list[str] = []
    problems = {}
    for method, path, _schema in operations:
        url = path.format(**path_values(estate, path))
        route = ROUTES[resolve(url.split("?")[0]).route]
        allowed = route.methods[method]
        role = next(role for role in CALLERS if role in allowed)
        base = fill(route.body, real)
        found = endpoint_failures(method, url, clients[role], base, watch, tried)
        if found:
            problems[f"{method} {path} as {role}"] = found

    report = "\n\n".join(
        f"=== {name} ===\n{found[0]}" for name, found in problems.items()
    )
    assert not problems, report
    per_endpoint = {url: tried.count(url) for url in set(tried)}
    assert len(per_endpoint) == len(operations)
    assert min(per_endpoint.values()) >= 10, per_endpoint
    print(f"\nhostile JSON: {len(tried)} cases at {len(operations)} endpoints, no 5xx")
