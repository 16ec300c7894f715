"""Fixtures of the trust tests: the operator's keys in a temporary directory.

Every test here runs with ``settings.TRUST_DIR`` pointing at its own copy of
one set of demo keys (created once per session by ``trust_create``, as
``manage.py trust_init`` does), so a test may rotate or revoke keys
(``trust_rotate(trust_dir)``, ``trust_revoke(trust_dir, kid=…, since=…)``)
without touching another's, and nothing reads ``var/trust``.
"""

import shutil

import pytest

from inspection.trust.keys import trust_create, trust_reset

OPERATOR = "QC Warehouse (test)"


@pytest.fixture(scope="session")
def _trust_keys(tmp_path_factory):
    path = tmp_path_factory.mktemp("trust-session") / "trust"
    trust_create(path, operator=OPERATOR)
    return path


@pytest.fixture(autouse=True)
def trust_dir(_trust_keys, tmp_path, settings):
    """The directory of this test's keys (root-1, PDF signer p1, seal key q1)."""
    path = tmp_path / "trust"
    shutil.copytree(_trust_keys, path)
    settings.TRUST_DIR = str(path)
    settings.TRUST_DIR_CREATE = False
    settings.TRUST_OPERATOR = OPERATOR
    trust_reset()
    yield path
    trust_reset()
