"""The product's settings plus the drill app that stalls after the log entry."""

from config.settings import *  # noqa: F403

INSTALLED_APPS = [
    *INSTALLED_APPS,  # noqa: F405
    "tests.inspection.trust.transparency.drill.apps.DrillConfig",
]
