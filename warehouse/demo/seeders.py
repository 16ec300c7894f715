"""The demo seeders' registry: apps that build on the warehouse (inspection
templates …) add their demo data through seeders registered here, run by
:func:`warehouse.demo.demo_seed` after the warehouse's own demo world."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..extensions import DemoSeeder

# Apps that build on the warehouse (inspection templates …) add their demo
# data through seeders registered here; each is idempotent and may add to the
# returned summary (:class:`~warehouse.extensions.DemoSeeder`).
_seeders: list["DemoSeeder"] = []


def demo_seeder_register(seeder: "DemoSeeder") -> None:
    """Run ``seeder(summary)`` after the warehouse's own demo data, in order."""
    if seeder not in _seeders:
        _seeders.append(seeder)


def demo_seeders() -> tuple["DemoSeeder", ...]:
    """The registered seeders, in the order they run."""
    return tuple(_seeders)
