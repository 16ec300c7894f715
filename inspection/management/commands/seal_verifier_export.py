"""Write the standalone seal verifier: one HTML file, no network.

The file holds the in-browser check (static/qcw/seal-verify.js) and the seal
keys published now (with their dates and revocations), in English and
Chinese. Anyone may open it from disk, paste a certificate QR code's text or
link and see whether its seal is genuine. Export it again after a rotation or
a revocation.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management.base import BaseCommand
from django.template.loader import render_to_string
from django.utils import timezone

from inspection.trust.keys import operator_name
from inspection.views.trust import seal_verifier_context

SCRIPT = "qcw/seal-verify.js"


def seal_verifier_html() -> str:
    """The standalone verifier's HTML, with the keys published now."""
    script = Path(finders.find(SCRIPT)).read_text(encoding="utf-8")
    context = seal_verifier_context([code for code, _name in settings.LANGUAGES])
    return render_to_string(
        "inspection/seal_verifier.html",
        {
            **context,
            "script": script,
            "operator": operator_name(),
            "exported": timezone.now().strftime("%Y-%m-%d %H:%M UTC"),
        },
    )


class Command(BaseCommand):
    help = "Write the standalone QR seal verifier (one HTML file, keys embedded)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--out",
            default=str(settings.BASE_DIR / "var" / "qcw-verifier.html"),
            help="where to write it (default var/qcw-verifier.html)",
        )

    def handle(self, *args, out, **options):
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(seal_verifier_html(), encoding="utf-8")
        self.stdout.write(f"Wrote {path}")
