"""Certificates become recorded jobs: give every item waiting in ``passed``
its certificate job.

Before, a passed item's certificate was a Celery message of its own
(``inspection.tasks.certificate_issue``), recovered by a periodic sweep. Those
messages are not understood any more, so each item still in ``passed`` gets
the job a verdict records now (key ``certificate:<item id>``), unsent: the job
dispatcher sends it on its next round. Running it for an item that was
certified meanwhile does nothing.
"""

from django.db import migrations
from django.utils import timezone

JOB = "inspection.certificate_issue"


def certificate_jobs_record(apps, schema_editor):
    Item = apps.get_model("warehouse", "Item")
    Job = apps.get_model("warehouse", "Job")
    waiting = set(
        Job.objects.filter(name=JOB, state="pending").values_list("key", flat=True)
    )
    now = timezone.now()
    ids = Item.objects.filter(state="passed").values_list("pk", flat=True)
    Job.objects.bulk_create(
        [
            Job(
                name=JOB,
                key=f"certificate:{pk}",
                args={"item_id": pk},
                available_at=now,
                created_at=now,
                enqueued_at=None,
            )
            for pk in ids.iterator()
            if f"certificate:{pk}" not in waiting
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("inspection", "0002_certificates"),
        ("warehouse", "0002_job"),
    ]

    operations = [
        migrations.RunPython(certificate_jobs_record, migrations.RunPython.noop),
    ]
