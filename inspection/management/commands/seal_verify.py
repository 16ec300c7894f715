"""Check a certificate QR code's seal offline: ``manage.py seal_verify TEXT``.

TEXT is the QR code's text (its link, or the seal alone). The keys are the
published ones, or a JWKS file (``--keys``: a copy of
``/.well-known/qcw-keys.json``), so anyone can check with no server. Prints
what the seal states and whether it is genuine; exits 1 when it is not.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inspection.trust.seal import seal_decode_verify


class Command(BaseCommand):
    help = "Check a QR seal (or a link carrying one) with the published keys."

    def add_arguments(self, parser):
        parser.add_argument("text", help="the QR code's text: a link or a seal")
        parser.add_argument("--keys", help="a JWKS file (/.well-known/qcw-keys.json)")

    def handle(self, *args, text, keys=None, **options):
        document = None
        if keys:
            try:
                document = json.loads(Path(keys).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read the keys in {keys}: {exc}") from exc
        result = seal_decode_verify(text, keys=document)
        for name, value in result.claims.items():
            self.stdout.write(f"{name:<10} {value}")
        if result.kid:
            self.stdout.write(f"{'key':<10} {result.kid}")
        if result.signed_at:
            self.stdout.write(f"{'signed':<10} {result.signed_at.isoformat()}")
        if result.genuine:
            self.stdout.write(self.style.SUCCESS("genuine: signature valid"))
            return
        self.stdout.write(self.style.ERROR(f"not genuine: {result.message}"))
        raise SystemExit(1)
