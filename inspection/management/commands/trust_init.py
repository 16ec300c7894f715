"""``manage.py trust_init``: the operator's demo keys, their rotation and revocation."""

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from inspection.trust.keys import (
    KEYS_FILE,
    TrustError,
    trust_create,
    trust_revoke,
    trust_rotate,
)


def _moment(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--from {text!r}: not an ISO date or time.") from error
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


class Command(BaseCommand):
    help = (
        "Create the operator's trust keys in a directory (TRUST_DIR): a demo root "
        "CA, a PDF signing certificate it issues and an Ed25519 seal key. "
        "--rotate adds a new seal key and signing certificate (the old ones stay "
        "published); --revoke KID --from DATE declares a key compromised from DATE."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", help="the directory (default: TRUST_DIR, else var/trust)"
        )
        parser.add_argument(
            "--operator", help="the operator's name (default: TRUST_OPERATOR)"
        )
        parser.add_argument(
            "--force", action="store_true", help="replace existing keys (!)"
        )
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="add a new seal key and signing certificate",
        )
        parser.add_argument(
            "--only",
            choices=["seal", "pdf"],
            help="with --rotate: only this kind of key",
        )
        parser.add_argument("--revoke", metavar="KID", help="revoke this key")
        parser.add_argument(
            "--from",
            dest="since",
            metavar="DATE",
            help="with --revoke: ISO date or time it is compromised from (UTC)",
        )

    def handle(
        self, *args, dir, operator, force, rotate, only, revoke, since, **options
    ):
        path = Path(dir or settings.TRUST_DIR or settings.VAR_DIR / "trust")
        try:
            if revoke:
                if not since:
                    raise CommandError("--revoke needs --from DATE.")
                moment = _moment(since)
                trust_revoke(path, kid=revoke, since=moment)
                self.stdout.write(
                    f"{revoke} revoked from {moment.isoformat()} ({path})."
                )
                idle = [
                    kind
                    for kind in ("seal", "pdf")
                    if not list(path.glob(f"{kind}-*.key.pem"))
                ]
                if idle:
                    self.stderr.write(
                        f"No {' or '.join(idle)} key can sign now: "
                        "run trust_init --rotate."
                    )
                return
            if rotate:
                if not (path / KEYS_FILE).exists():
                    raise CommandError(f"No {path / KEYS_FILE}: run trust_init first.")
                kids = trust_rotate(
                    path, seal=only in (None, "seal"), pdf=only in (None, "pdf")
                )
                self.stdout.write(f"New keys {', '.join(kids)} sign from now ({path}).")
                return
            trust_create(
                path, operator=operator or settings.TRUST_OPERATOR, force=force
            )
        except TrustError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Demo trust keys created in {path}: root CA root-1, PDF signer p1, "
            "seal key q1. Keep the directory out of the repository; back it up."
        )
