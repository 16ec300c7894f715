"""No app module is over 500 lines (issue 17): a module that grows past it
becomes a package split by sub-domain, re-exported from its ``__init__``, so
that every import of the old path keeps working. Migrations are generated and
not counted."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("warehouse", "inspection", "fulfilment")
MAX_LINES = 500


def app_modules() -> list[Path]:
    """Every Python module of the apps, outside their migrations."""
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def lines_of(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_the_apps_have_modules_to_measure():
    """The walk finds the apps' modules (a wrong root would pass vacuously)."""
    found = {path.relative_to(ROOT).as_posix() for path in app_modules()}
    assert {"warehouse/lifecycle.py", "fulfilment/lifecycle.py"} <= found
    assert not any("/migrations/" in name for name in found)


def test_no_app_module_is_over_500_lines():
    """Each module of warehouse, inspection and fulfilment has at most 500
    lines; the message names every file over, with its length."""
    over = [
        f"{path.relative_to(ROOT).as_posix()} ({n} lines)"
        for path in app_modules()
        if (n := lines_of(path)) > MAX_LINES
    ]
    assert not over, (
        f"{len(over)} module(s) over {MAX_LINES} lines; split each into a package "
        "by sub-domain, re-exported from its __init__: " + ", ".join(over)
    )
