"""The Celery application.

Broker and behaviour come from Django settings (``CELERY_*``): with no
``REDIS_URL`` the embedded default runs every task in-process, eagerly.
Queues: ``CELERY_TASK_QUEUES`` in ``config.settings``; each recorded job
(``warehouse.common.jobs``) is sent to the queue its handler was registered with, and
a worker started without ``-Q`` consumes every queue.
"""

import ctypes
import ctypes.util
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("qcw")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _database_connections_check(sender=None, **_):
    """Around every task in a worker, as Django does around every request:
    close a connection older than ``DB_CONN_MAX_AGE`` or broken by an error,
    keep the others (``CELERY_DB_REUSE_MAX`` stops Celery closing them all).
    Never for a task run eagerly inside the caller's transaction."""
    if sender is None or getattr(sender.request, "is_eager", False):
        return
    close_old_connections()


def _malloc_trim():
    """glibc's ``malloc_trim``, or None elsewhere (musl, macOS)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None


_TRIM = _malloc_trim()


def _trim_freed_memory(**_):
    _TRIM(0)


@worker_process_init.connect
def _trim_after_each_task(**_):
    """In a prefork worker's child: after every task, give the memory the task
    freed back to the system. glibc keeps freed blocks for reuse, and the
    buffers of PDF rendering, images and zlib leave holes it rarely returns:
    a worker that issues tens of thousands of certificates would otherwise
    creep up by megabytes (bench/worker_memory.py). Costs well under a
    millisecond per task."""
    if _TRIM is not None:
        task_postrun.connect(
            _trim_freed_memory, weak=False, dispatch_uid="qcw-malloc-trim"
        )
