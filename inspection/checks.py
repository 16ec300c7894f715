"""System checks of the inspection settings (``manage.py check --deploy``)."""

from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def trust_keys_check(app_configs, **kwargs) -> list[Error]:
    """A deployment has the operator's keys: without them no certificate can
    be issued (its PDF is signed and its QR sealed at issue), and the job
    would fail again and again."""
    from .trust import keys

    try:
        keys.seal_key_current()
        keys.pdf_signer()
    except keys.TrustError as exc:
        return [
            Error(
                f"No trust keys to sign certificates with: {exc}",
                hint=(
                    "Create them with `manage.py trust_init --dir DIR` and set "
                    "TRUST_DIR (or the TRUST_*_PEM variables): docs/DEPLOY.md."
                ),
                id="inspection.E001",
            )
        ]
    return []
