"""The deployment check of the operator's keys (``manage.py check --deploy``)."""

from inspection.checks import trust_keys_check
from inspection.trust.keys import trust_reset


def test_a_deployment_with_keys_passes(trust_dir):
    assert trust_keys_check(None) == []


def test_a_deployment_without_keys_is_an_error_naming_the_fix(settings, tmp_path):
    """No directory and no PEM variables: certificates could not be signed."""
    settings.TRUST_DIR = ""
    settings.TRUST_DIR_CREATE = False
    for name in (
        "TRUST_SEAL_KEY_PEM",
        "TRUST_PDF_CERT_PEM",
        "TRUST_PDF_KEY_PEM",
        "TRUST_ROOT_CERT_PEM",
    ):
        setattr(settings, name, "")
    trust_reset()

    errors = trust_keys_check(None)

    assert [error.id for error in errors] == ["inspection.E001"]
    assert "No trust keys" in errors[0].msg
    assert "trust_init" in errors[0].hint
    trust_reset()


def test_an_empty_key_directory_is_an_error_too(settings, tmp_path):
    settings.TRUST_DIR = str(tmp_path / "nothing-here")
    settings.TRUST_DIR_CREATE = False
    trust_reset()

    assert [error.id for error in trust_keys_check(None)] == ["inspection.E001"]
    trust_reset()
