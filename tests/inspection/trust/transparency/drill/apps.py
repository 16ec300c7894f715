import os
import time
from pathlib import Path

from django.apps import AppConfig


class DrillConfig(AppConfig):
    name = "tests.inspection.trust.transparency.drill"
    label = "transparency_drill"

    def ready(self):
        """With ``DRILL_LOG_STALL_MARKER`` set, issuing stalls after the log
        entry is written (its transaction open) until the drill kills us."""
        from inspection.services.certificates import issue

        original = issue.log_entries_record

        def stalling(entries):
            rows = original(entries)
            marker = os.environ.get("DRILL_LOG_STALL_MARKER")
            if marker:
                Path(marker).write_text(entries[0]["certificate"].number)
                time.sleep(600)
            return rows

        issue.log_entries_record = stalling
