"""A media storage for the worker-kill drill (used only by ``settings.py``)."""

import os
import time
from pathlib import Path

from django.core.files.storage import FileSystemStorage


class StallingStorage(FileSystemStorage):
    """Writes files as usual; with ``DRILL_STALL_MARKER`` set, after writing a
    certificate it records the file's name there and sleeps, its job's
    transaction still open, until the drill kills the worker."""

    def _save(self, name, content):
        name = super()._save(name, content)
        marker = os.environ.get("DRILL_STALL_MARKER")
        if marker and name.startswith("certificates/"):
            Path(marker).write_text(name)
            time.sleep(600)
        return name
