"""Audit the certificate transparency log with its public key (issue 22)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inspection.trust.transparency.audit import DumpSource, HttpSource, log_audit


class Command(BaseCommand):
    help = (
        "Audit the certificate transparency log: every tree head signed by a key "
        "of --key, each consistent with the one before, the entries giving every "
        "root, and each certificate of --certificates included. Exits 1 on any "
        "failure."
    )

    def add_arguments(self, parser):
        where = parser.add_mutually_exclusive_group(required=True)
        where.add_argument("--url", help="the warehouse's base URL, https://host")
        where.add_argument("--dump", help="a JSON dump: {sths: [...], entries: [...]}")
        parser.add_argument(
            "--key",
            required=True,
            help="the published keys, a JWKS file (/.well-known/qcw-keys.json)",
        )
        parser.add_argument(
            "--certificates", help="a file of certificate numbers, one a line"
        )
        parser.add_argument(
            "--seen",
            help="a file of the heads earlier audits saw; read, then written with "
            "every head this audit saw (so a rewritten history is caught later)",
        )
        parser.add_argument(
            "--save-dump", help="with --url: write what was fetched as a dump"
        )

    def handle(self, *args, **options):
        jwks = json.loads(Path(options["key"]).read_text())
        numbers = []
        if options["certificates"]:
            numbers = [
                line.strip()
                for line in Path(options["certificates"]).read_text().splitlines()
                if line.strip()
            ]
        seen_path = Path(options["seen"]) if options["seen"] else None
        seen = (
            json.loads(seen_path.read_text())
            if seen_path and seen_path.exists()
            else []
        )
        if options["url"]:
            source = HttpSource(options["url"])
        else:
            source = DumpSource(json.loads(Path(options["dump"]).read_text()))
        heads = source.heads()
        result = log_audit(source, jwks, numbers=numbers, seen=seen)
        if seen_path:
            known = {json.dumps(h, sort_keys=True) for h in seen}
            merged = seen + [
                h for h in heads if json.dumps(h, sort_keys=True) not in known
            ]
            seen_path.write_text(json.dumps(merged, indent=1))
        if options["save_dump"] and options["url"]:
            size = max((h["tree_size"] for h in heads), default=0)
            Path(options["save_dump"]).write_text(
                json.dumps({"sths": heads, "entries": source.entries(size)})
            )
        self.stdout.write(
            f"{result.heads} heads, {result.entries} entries, "
            f"{result.certificates} certificates checked"
        )
        for failure in result.failures:
            self.stderr.write(f"FAIL {failure}")
        if not result.ok:
            raise CommandError(f"the log failed its audit ({len(result.failures)})")
        self.stdout.write("OK: the log is consistent and only grew")
