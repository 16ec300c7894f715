"""Secrets come from the environment only.

With ``DJANGO_DEBUG=false`` (production) the process refuses to start without
``DJANGO_SECRET_KEY``, and no setting that holds a secret keeps a value
written in the code: the embedded default's literals (a development
SECRET_KEY, the demo's printed password) exist only with debug on. Webhook
signing secrets are generated per endpoint and carrier adapters are
configured from ``FULFILMENT_CARRIER_ADAPTERS``; no module holds a literal
secret.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PRODUCT = ("config", "warehouse", "inspection", "fulfilment")
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN$|_KEY$|_KEYS$|API_KEY", re.I)
DUMP = """
import json
import django
django.setup()
import config.settings as s
print(json.dumps({
    name: value for name, value in vars(s).items()
    if name.isupper() and isinstance(value, (str, dict, list))
}, default=str))
"""


def production_env(tmp_path, **extra) -> dict:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DEMO_", "CERTIFICATE_", "FULFILMENT_"))
    }
    environment.update(
        DJANGO_DEBUG="false",
        DJANGO_SETTINGS_MODULE="config.settings",
        QCW_VAR_DIR=str(tmp_path),
        **extra,
    )
    return environment


def run(args, environment) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our interpreter, our arguments
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    refused = run(["manage.py", "check"], production_env(tmp_path))

    assert refused.returncode != 0
    assert "DJANGO_SECRET_KEY" in refused.stderr
    assert "System check identified" not in refused.stdout

    started = run(
        ["manage.py", "check"],
        production_env(tmp_path, DJANGO_SECRET_KEY="a-key-from-the-environment-1234"),
    )
    assert started.returncode == 0, started.stderr


def test_no_secret_setting_keeps_a_literal_in_production(tmp_path):
    """Every secret-named setting is empty or what the environment gave."""
    key = "the-environment-s-own-secret-key-0123456789"
    answer = run(["-c", DUMP], production_env(tmp_path, DJANGO_SECRET_KEY=key))
    assert answer.returncode == 0, answer.stderr
    values = json.loads(answer.stdout)

    secret_settings = {
        name: value
        for name, value in values.items()
        if SECRET_NAME.search(name) and isinstance(value, str | dict)
    }
    assert secret_settings["SECRET_KEY"] == key
    assert secret_settings["DEMO_PASSWORD"] == ""
    assert secret_settings["CERTIFICATE_SIGNING_KEYS"] == {}
    leftovers = {
        name: value
        for name, value in secret_settings.items()
        if value and name != "SECRET_KEY" and value != key
    }
    assert leftovers == {}


LITERAL_SECRET = re.compile(
    r"""(?ix)\b\w*(secret|password|passwd|api_?key|access_?key|token)\w*\s*
    (=|:)\s*["'][^"'\s]{6,}["']"""
)


def test_no_module_holds_a_literal_secret():
    """Outside the settings' debug-only defaults, no secret is written down."""
    found = []
    for package in PRODUCT:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if LITERAL_SECRET.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_the_debug_only_defaults_are_inside_debug_branches():
    """The two literals the embedded default needs are chosen only with DEBUG."""
    source = (ROOT / "config" / "settings.py").read_text()
    secret = source.index('"insecure-embedded-default-do-not-deploy"')
    assert source.rfind("if DEBUG:", 0, secret) > source.rfind("else:", 0, secret)
    assert 'default="demo-pass-2026" if DEBUG else ""' in source
