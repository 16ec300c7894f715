import json

from django.core.management import call_command
from django.core.management.base import BaseCommand

from warehouse.demo import demo_seed


class Command(BaseCommand):
    help = (
        "Run the product on its embedded default: migrate, seed demo data, "
        "print tokens and the URL, serve."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--addr", default="127.0.0.1:8000", help="host:port to serve on"
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="set up and print, do not serve"
        )

    def handle(self, *args, addr, no_serve, **options):
        call_command("migrate", interactive=False, verbosity=0)
        data = demo_seed()
        host, _, port = addr.rpartition(":")
        url = f"http://{host}:{port}/"
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"Quality-inspection warehouse running at {url}")
        )
        password = data["users"]["password"]
        self.stdout.write(
            f"  Sign in      {url}accounts/login/  (password {password} for: "
            "merchant, merchant2, inspector, inspector2, supervisor, operator)"
        )
        self.stdout.write(f"  API docs     {url}api/docs/")
        self.stdout.write(
            f"  Admin        {url}admin/  (admin / {data['users']['password']})"
        )
        token, code = data["tokens"]["station"], data["items"][0]
        self.stdout.write(
            "  Try a scan   curl -s -X POST "
            f"-H 'Authorization: Token {token}' -H 'Content-Type: application/json' "
            f'-d \'{{"barcode": "{code}", "action": "lookup"}}\' {url}api/v1/scans/'
        )
        if not no_serve:
            call_command("runserver", addr, use_reloader=False)
