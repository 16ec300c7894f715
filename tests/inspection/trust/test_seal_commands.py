"""Anyone's checks of a QR seal: ``manage.py seal_verify`` (exit 1 when not
genuine, the keys published or a JWKS file) and the standalone verifier
written by ``manage.py seal_verifier_export`` (keys and script embedded)."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from inspection.trust import seal
from inspection.trust.keys import jwks, trust_revoke

CLAIMS = {"number": "GZ-20261125-000123-K", "item": "GZ1", "verdict": "pass"}


def run(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("seal_verify", *args, stdout=out)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def test_seal_verify_prints_the_claims_and_says_genuine():
    text = seal.seal_url(
        "https://qc.example.com/verify/x", seal.seal_encode_claims(CLAIMS)
    )
    code, out = run(text)
    assert code == 0
    assert "GZ-20261125-000123-K" in out and "genuine: signature valid" in out


def test_seal_verify_fails_for_a_key_revoked_before_and_with_a_jwks_file(
    trust_dir, tmp_path
):
    text = seal.seal_encode_claims(CLAIMS)
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(jwks()))
    assert run(text, "--keys", str(keys))[0] == 0
    trust_revoke(trust_dir, kid="q1", since=timezone.now() - dt.timedelta(hours=1))
    code, out = run(text)
    assert code == 1
    assert "not genuine: The key was revoked before the seal was signed." in out
    assert run(text, "--keys", str(keys))[0] == 0  # the old copy knows nothing
    keys.write_text(json.dumps({"keys": []}))
    assert run(text, "--keys", str(keys))[0] == 1


def test_seal_verify_refuses_what_is_no_seal():
    code, out = run("https://qc.example.com/verify/abc")
    assert code == 1 and "not genuine" in out


@pytest.mark.usefixtures("trust_dir")
def test_the_standalone_verifier_embeds_script_and_keys(tmp_path):
    out = tmp_path / "v.html"
    call_command("seal_verifier_export", out=str(out), stdout=io.StringIO())
    html = out.read_text()
    assert "DecompressionStream" in html
    assert json.dumps(jwks()["keys"][0]["x"]) in html
    assert json.dumps("签名有效")[1:-1] in html and "signature valid" in html
    assert "<script src" not in html and "<link" not in html
