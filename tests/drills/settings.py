"""Settings of a worker that a drill kills mid-job: the product's settings with
a media storage that stalls after writing a certificate (see ``storage.py``)."""

from config.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "default": {"BACKEND": "tests.drills.storage.StallingStorage"},
}
