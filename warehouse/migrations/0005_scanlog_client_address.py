# Where each scan came from: the client address behind the trusted proxies
# (warehouse.common.proxies). Nullable, so adding it rewrites no row.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('warehouse', '0004_item_notice_announced_by_line'),
    ]

    operations = [
        migrations.AddField(
            model_name='scanlog',
            name='client_address',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='client address'),
        ),
    ]
