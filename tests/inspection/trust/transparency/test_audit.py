"""The audit: a sound log passes; a replaced entry, a forged head or a rewritten
history fails it, and the command exits non-zero."""

import base64
import json

import pytest
from django.core.management import CommandError, call_command

from inspection.models import LogEntry, LogNode, TreeHead
from inspection.trust.keys import jwks
from inspection.trust.transparency import audit, merkle
from inspection.trust.transparency import log as tlog
from tests.inspection.test_certificates import certified_item

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_BASE_URL = "https://qc.example.com"


@pytest.fixture
def served(client, monkeypatch):
    """The command's HTTP requests answered by this test's server."""

    def get(self, path):
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.content)
        return answer.json()

    monkeypatch.setattr(audit.HttpSource, "_http_get", get)


def _grow(world, batches=(3, 2)) -> list[str]:
    numbers = []
    for batch in batches:
        numbers += [certified_item(world)[1].number for _ in range(batch)]
        tlog.log_integrate(sign=True)
    return numbers


def _files(tmp_path, numbers):
    key = tmp_path / "jwks.json"
    key.write_text(json.dumps(jwks()))
    listed = tmp_path / "numbers.txt"
    listed.write_text("\n".join(numbers) + "\n")
    return key, listed


def _run(*args):
    out = __import__("io").StringIO()
    err = __import__("io").StringIO()
    try:
        call_command("transparency_audit", *args, stdout=out, stderr=err)
    except CommandError as error:
        return False, out.getvalue() + err.getvalue() + str(error)
    return True, out.getvalue() + err.getvalue()


def test_a_sound_log_passes_by_url_and_by_dump(world, qc, served, tmp_path):
    numbers = _grow(world)
    key, listed = _files(tmp_path, numbers)
    dump = tmp_path / "dump.json"

    ok, said = _run(
        "--url", "https://qc.example.com", "--key", str(key),
        "--certificates", str(listed), "--save-dump", str(dump),
    )  # fmt: skip
    assert ok, said
    assert "2 heads, 5 entries, 5 certificates checked" in said

    ok, said = _run(
        "--dump", str(dump), "--key", str(key), "--certificates", str(listed)
    )
    assert ok, said


def test_a_replaced_old_entry_fails_the_audit(world, qc, served, tmp_path):
    numbers = _grow(world)
    key, _listed = _files(tmp_path, numbers)
    entry = LogEntry.objects.get(index=1)
    forged = entry.leaf.replace(numbers[1], numbers[4])
    LogEntry.objects.filter(pk=entry.pk).update(
        leaf=forged, leaf_hash=merkle.leaf_hash(forged.encode()).hex()
    )

    ok, said = _run("--url", "https://qc.example.com", "--key", str(key))
    assert not ok
    assert "head of 3: the entries do not give its root" in said
    assert "head of 5: the entries do not give its root" in said
    assert "the log failed its audit" in said


def test_a_history_rewritten_and_signed_again_fails_against_heads_seen(
    world, qc, served, tmp_path
):
    """The log rebuilds its tree with an entry replaced and signs new heads; an
    auditor who kept the heads it saw before catches it."""
    numbers = _grow(world)
    key, _listed = _files(tmp_path, numbers)
    seen = tmp_path / "seen.json"
    assert _run("--url", "https://x", "--key", str(key), "--seen", str(seen))[0]

    entry = LogEntry.objects.get(index=1)
    forged = entry.leaf.replace(numbers[1], numbers[4])
    LogEntry.objects.filter(pk=entry.pk).update(
        leaf=forged, leaf_hash=merkle.leaf_hash(forged.encode()).hex()
    )
    TreeHead.objects.all().delete()
    LogNode.objects.all().delete()
    LogEntry.objects.update(index=None)
    from inspection.models import LogState

    LogState.objects.update(size=0)
    tlog.log_integrate(sign=True)

    ok, said = _run("--url", "https://x", "--key", str(key), "--seen", str(seen))
    assert not ok
    assert "two different roots for one size" in said


def test_a_forged_head_and_an_unknown_key_fail(world, qc, served, tmp_path):
    numbers = _grow(world, batches=(2,))
    key, _listed = _files(tmp_path, numbers)
    head = TreeHead.objects.get()
    signature = bytearray(base64.b64decode(head.signature))
    signature[0] ^= 1
    TreeHead.objects.filter(pk=head.pk).update(
        signature=base64.b64encode(bytes(signature)).decode()
    )
    ok, said = _run("--url", "https://x", "--key", str(key))
    assert not ok
    assert "signature invalid" in said

    key.write_text(json.dumps({"keys": []}))
    ok, said = _run("--url", "https://x", "--key", str(key))
    assert "unknown key" in said


def test_a_certificate_missing_from_the_log_fails(world, qc, served, tmp_path):
    numbers = _grow(world, batches=(1,))
    key, listed = _files(tmp_path, [*numbers, "GZ-20990101-000001-X"])
    ok, said = _run(
        "--url", "https://x", "--key", str(key), "--certificates", str(listed)
    )
    assert not ok
    assert "certificate GZ-20990101-000001-X: not in the log" in said
