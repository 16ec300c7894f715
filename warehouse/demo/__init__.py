"""Demo data: two warehouses, three categories, merchants, staff, stations, tokens,
and a living warehouse in full swing.

The living warehouse (:data:`LIVING_PLAN`, :data:`LIVING_LOTS`) is announced
and received here (:func:`demo_living_receive`); the inspection and
fulfilment apps' demo seeders take its items on through their own services,
each step at its own moment of the last seven days (:func:`demo_clock`,
:class:`DemoWeek`), running the jobs the steps record in-process
(:func:`demo_jobs_run`).

:func:`demo_seed` is idempotent: running it again changes nothing and returns
the same tokens.

One module per part: ``world`` (the fixed data: warehouses, categories,
stations, merchants), ``seed`` (:func:`demo_seed`), ``seeders`` (the other
apps' seeders' registry), ``people`` (users and principals), ``clock`` (the
demo's clock and week), ``living`` (the living warehouse's plan and receipt),
``jobs`` (running the recorded jobs in-process). Import from here.
"""

from .clock import DemoWeek, demo_clock
from .jobs import demo_jobs_run
from .living import (
    COSMETIC_LABELS,
    FOOD_LABELS,
    LIVING_LOTS,
    LIVING_PLAN,
    LIVING_PREFIX,
    demo_living_items,
    demo_living_lots,
    demo_living_receive,
)
from .people import demo_people, demo_user
from .seed import demo_seed
from .seeders import demo_seeder_register, demo_seeders
from .world import (
    CATEGORIES,
    CATEGORY_SYNONYMS,
    MERCHANTS,
    SHELF_GOODS_CLAIMS,
    STATIONS,
    WAREHOUSES,
)

__all__ = [
    "CATEGORIES",
    "CATEGORY_SYNONYMS",
    "COSMETIC_LABELS",
    "FOOD_LABELS",
    "LIVING_LOTS",
    "LIVING_PLAN",
    "LIVING_PREFIX",
    "MERCHANTS",
    "SHELF_GOODS_CLAIMS",
    "STATIONS",
    "WAREHOUSES",
    "DemoWeek",
    "demo_clock",
    "demo_jobs_run",
    "demo_living_items",
    "demo_living_lots",
    "demo_living_receive",
    "demo_people",
    "demo_seed",
    "demo_seeder_register",
    "demo_seeders",
    "demo_user",
]
