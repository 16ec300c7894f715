import json
import os
import shlex

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.http.request import validate_host

from warehouse.demo import demo_seed

# Where each role starts, once signed in.
ROLE_STARTS = [
    ("merchant, merchant2", "portal/items/", "their items, notices and tokens"),
    ("inspector, inspector2", "inspect/", "the inspection queue"),
    ("operator", "station/", "receiving and dock stations"),
    ("supervisor", "dashboard/", "the dashboard, holds and appeals"),
    ("admin", "admin/", "every table"),
]


def served_url(addr: str) -> str:
    """The address a browser reaches ``runserver addr`` at."""
    host, _, port = addr.rpartition(":")
    if host in ("", "0.0.0.0", "::", "[::]"):  # noqa: S104 - every interface
        host = "127.0.0.1"
    return f"http://{host}:{port}"


class Command(BaseCommand):
    help = (
        "Run the product on its embedded default: migrate, seed a demo warehouse "
        "in full swing, print where to start, serve. Certificates and labels "
        "point at --addr unless PUBLIC_BASE_URL is set."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--addr", default="127.0.0.1:8000", help="host:port to serve on"
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="set up and print, do not serve"
        )

    def handle(self, *args, addr, no_serve, **options):
        url = served_url(addr)
        # The QR codes on what the seed renders point at the served address,
        # unless the environment names the public one (the runserver below
        # runs in this process and keeps it).
        if not os.environ.get("PUBLIC_BASE_URL"):
            settings.PUBLIC_BASE_URL = url
        host = url.split("//", 1)[1].rsplit(":", 1)[0]
        if settings.DEBUG and not validate_host(host, settings.ALLOWED_HOSTS):
            # A phone on the LAN opens http://<this machine's address>:port/.
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, host]
        call_command("migrate", interactive=False, verbosity=0)
        data = demo_seed()
        url += "/"
        public = settings.PUBLIC_BASE_URL.rstrip("/") + "/"
        out = self.stdout.write
        out(json.dumps(data, ensure_ascii=False, indent=2))
        out("")
        out(self.style.SUCCESS(f"Quality-inspection warehouse running at {url}"))
        password = data["users"]["password"]
        out(
            f"  Sign in      {url}accounts/login/  (password {password} for: "
            "merchant, merchant2, inspector, inspector2, supervisor, operator)"
        )
        for users, path, what in ROLE_STARTS:
            out(f"    {users:<22} {url}{path}  ({what})")
        out(f"  API docs     {url}api/docs/")
        out(f"  Admin        {url}admin/  (admin / {password})")
        living = data.get("living", {})
        if living.get("verify_url"):
            out(f"  On a phone   {living['verify_url']}  (a certificate's public page)")
        if public != url:
            out(f"  QR codes point at {public} (PUBLIC_BASE_URL)")
        token, code = data["tokens"]["station"], data["items"][0]
        scan = {"barcode": code, "action": "lookup"}
        out(
            "  Try a scan   curl -s -X POST "
            f"-H 'Authorization: Token {token}' -H 'Content-Type: application/json' "
            f"-d {shlex.quote(json.dumps(scan))} {url}api/v1/scans/"
        )
        if living.get("certified_item"):
            order = self._order(living["certified_item"])
            out(
                "  Send order   curl -s -X POST "
                f"-H 'Authorization: Token {data['tokens']['platform']}' "
                "-H 'Content-Type: application/json' "
                f"-H 'Idempotency-Key: demo-{order['order_id']}' "
                f"-d {shlex.quote(json.dumps(order, ensure_ascii=False))} "
                f"{url}api/v1/orders/"
            )
        if not no_serve:
            call_command("runserver", addr, use_reloader=False)

    @staticmethod
    def _order(code: str) -> dict:
        """A platform order for the certified item ``code`` (its id from the
        item's code: sent twice, it is the same order)."""
        return {
            "order_id": f"LS-TRY-{code}",
            "merchant": "JADEHOME",
            "warehouse": "GZ",
            "carrier": "zto",
            "promise": "same_day",
            "buyer": {
                "name": "王小明",
                "phone": "13800138000",
                "province": "广东省",
                "city": "深圳市",
                "address": "南山区科技园路 1 号 2 栋 301",
                "postcode": "518000",
            },
            "lines": [{"item_code": code}],
        }
