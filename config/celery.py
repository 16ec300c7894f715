"""The Celery application.

Broker and behaviour come from Django settings (``CELERY_*``): with no
``REDIS_URL`` the embedded default runs every task in-process, eagerly.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("qcw")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
