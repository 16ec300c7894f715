"""The log's public endpoints and the verify JSON's inclusion proof."""

import base64
import json

import pytest

from inspection.models import LogEntry
from inspection.trust.transparency import log as tlog
from inspection.trust.transparency import merkle
from tests.inspection.test_certificates import certified_item

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "https://qc.example.com"


def _b(values):
    return [base64.b64decode(v) for v in values]


def test_no_head_yet_is_a_404_in_the_error_shape(client):
    answer = client.get("/transparency/sth")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_heads_entries_and_proofs_verify_against_each_other(client, world, qc):
    certificates = [certified_item(world)[1] for _ in range(3)]
    tlog.log_integrate(sign=True)
    first = client.get("/transparency/sth").json()
    certificates += [certified_item(world)[1] for _ in range(2)]
    tlog.log_integrate(sign=True)

    answer = client.get("/transparency/sth")
    assert answer.status_code == 200
    assert answer["Cache-Control"].startswith("public, max-age=")
    second = answer.json()
    assert (first["tree_size"], second["tree_size"]) == (3, 5)
    assert client.get("/transparency/sth/3").json() == first
    assert [
        h["tree_size"] for h in client.get("/transparency/sths").json()["sths"]
    ] == [
        3,
        5,
    ]

    page = client.get("/transparency/entries?start=0&end=99").json()["entries"]
    assert [e["index"] for e in page] == [0, 1, 2, 3, 4]
    assert json.loads(page[4]["leaf"])["number"] == certificates[4].number
    tree = merkle.MemoryTree(e["leaf"].encode() for e in page)
    assert tree.root().hex() == base64.b64decode(second["root_hash"]).hex()

    proof = client.get("/transparency/consistency?first=3&second=5").json()
    merkle.consistency_verify(
        3,
        5,
        base64.b64decode(first["root_hash"]),
        base64.b64decode(second["root_hash"]),
        _b(proof["proof"]),
    )

    answer = client.get(
        f"/transparency/proof?number={certificates[1].number}&tree_size=3"
    ).json()
    (entry,) = answer["entries"]
    merkle.inclusion_verify(
        entry["index"],
        3,
        merkle.leaf_hash(entry["leaf"].encode()),
        _b(entry["proof"]),
        base64.b64decode(first["root_hash"]),
    )


def test_bad_parameters_are_400_naming_the_parameter(client, world, qc):
    certified_item(world)
    tlog.log_integrate(sign=True)
    for url, name in [
        ("/transparency/consistency?first=1&second=9", "second"),
        ("/transparency/consistency?first=x&second=1", "first"),
        ("/transparency/entries?start=-1", "start"),
        ("/transparency/entries?start=5&end=1", "end"),
    ]:
        answer = client.get(url)
        assert answer.status_code == 400, url
        assert list(answer.json()["error"]["fields"]) == [name]
    assert client.get("/transparency/proof?number=NOPE").status_code == 404


def test_the_verify_json_carries_the_inclusion_proof_or_pending(client, world, qc):
    _item, certificate = certified_item(world)
    url = f"/verify/{certificate.token}.json"
    assert client.get(url).json()["transparency"] == {"pending": True}

    tlog.log_integrate(sign=True)
    found = client.get(url).json()["transparency"]
    entry = LogEntry.objects.get(certificate=certificate)
    assert found["index"] == entry.index
    assert found["tree_size"] == found["sth"]["tree_size"] == 1
    merkle.inclusion_verify(
        found["index"],
        found["tree_size"],
        merkle.leaf_hash(found["leaf"].encode()),
        _b(found["proof"]),
        base64.b64decode(found["root_hash"]),
    )


def _synthetic(certificate, count):
    for n in range(count):
        leaf = json.dumps({"n": n, "number": certificate.number})
        LogEntry.objects.create(
            kind="issue",
            certificate=certificate,
            leaf=leaf,
            leaf_hash=merkle.leaf_hash(leaf.encode()).hex(),
            recorded_at="2026-01-01T00:00:00Z",
        )


def test_proofs_and_appends_read_a_fixed_number_of_queries_whatever_the_size(
    client, world, qc
):
    """Complete subtrees are read in one query: a proof costs the same at 3
    entries as at 700, and integrating 5 entries as many as 400."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _item, certificate = certified_item(world)
    tlog.log_integrate(sign=True)
    counts = []
    for count in (5, 400):
        _synthetic(certificate, count)
        with CaptureQueriesContext(connection) as integrating:
            tlog.log_integrate(sign=True)
        counts.append(len(integrating))
    assert counts[0] == counts[1]

    size = LogEntry.objects.count()
    with CaptureQueriesContext(connection) as small:
        client.get("/transparency/consistency?first=3&second=6")
    with CaptureQueriesContext(connection) as large:
        client.get(f"/transparency/consistency?first=333&second={size}")
    assert len(small) == len(large) == 2  # the log's size, the subtrees
