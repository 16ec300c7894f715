"""The product's settings, plus the ceiling views' URLs (benchmark only)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
