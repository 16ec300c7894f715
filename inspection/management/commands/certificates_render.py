from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from inspection.models import Certificate
from inspection.services import certificate_rerender


class Command(BaseCommand):
    help = (
        "Render certificate PDFs again (after a layout change), with a progress "
        "bar. Earlier renderings keep verifying by their hash."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "numbers", nargs="*", help="certificate numbers (default: all)"
        )
        parser.add_argument("--warehouse", help="only this warehouse's certificates")
        parser.add_argument(
            "--valid-only", action="store_true", help="skip revoked certificates"
        )

    def handle(self, *args, numbers, warehouse, valid_only, **options):
        certificates = Certificate.objects.order_by("pk")
        if numbers:
            certificates = certificates.filter(number__in=numbers)
            missing = set(numbers) - set(certificates.values_list("number", flat=True))
            if missing:
                raise CommandError(f"No certificate {', '.join(sorted(missing))}.")
        if warehouse:
            certificates = certificates.filter(item__warehouse__code=warehouse)
        if valid_only:
            certificates = certificates.filter(status=Certificate.Status.VALID)
        total = certificates.count()
        done = 0
        with tqdm(total=total, unit="certificate", file=self.stderr) as bar:
            for certificate in certificates.iterator(chunk_size=200):
                certificate_rerender(certificate=certificate)
                done += 1
                bar.update()
        self.stdout.write(self.style.SUCCESS(f"Rendered {done} certificates."))
