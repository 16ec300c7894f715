# The "any item of this notice still announced?" probe of every receive scan
# reads the notice's first announced line from this index, in order: a plan
# the planner cannot trade for a sequential scan, whatever its statistics.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("warehouse", "0003_staff_operator_role"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="item",
            index=models.Index(
                condition=models.Q(("state", "announced")),
                fields=["notice", "line"],
                name="item_notice_announced_line_idx",
            ),
        ),
        migrations.RemoveIndex(
            model_name="item",
            name="item_notice_announced_idx",
        ),
    ]
