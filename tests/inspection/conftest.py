"""Fixtures of the inspection tests (see factories.py)."""

import pytest
from django.utils import translation

from .factories import qc  # noqa: F401 - a fixture


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English."""
    with translation.override("en"):
        yield
