import json

from django.core.management.base import BaseCommand

from warehouse.demo import demo_seed


class Command(BaseCommand):
    help = (
        "Create the demo warehouses, categories, merchants, staff and stations "
        "(idempotent); print their tokens as JSON."
    )

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(demo_seed(), ensure_ascii=False, indent=2))
