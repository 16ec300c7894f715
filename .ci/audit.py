"""Dependency audit: pip-audit over the installed environment.

Fails on any known vulnerability. pip-audit asks PyPI's JSON API for each
installed version's advisories; a package it could not look up is skipped
and named here, so a run that audited nothing says so instead of passing
in silence (on a machine whose package index is a mirror without that API).
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

venv_bin = Path(sys.executable).parent
with tempfile.NamedTemporaryFile(suffix=".json") as report:
    run = subprocess.run(  # noqa: S603 - our own venv's pip-audit
        [
            str(venv_bin / "pip-audit"),
            "--progress-spinner=off",
            "--skip-editable",
            "--format=json",
            f"--output={report.name}",
        ],
        capture_output=True,
        text=True,
    )
    try:
        deps = json.loads(Path(report.name).read_text())["dependencies"]
    except (OSError, ValueError, KeyError):
        print(run.stdout, run.stderr, sep="\n", file=sys.stderr)
        sys.exit(run.returncode or 1)

vulnerable = [d for d in deps if d.get("vulns")]
skipped = [d for d in deps if "skip_reason" in d]
audited = len(deps) - len(skipped)
for dep in vulnerable:
    for vuln in dep["vulns"]:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
        print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} ({fixes})")
print(
    f"{len(deps)} installed packages, {audited} audited, {len(vulnerable)} vulnerable"
)
if skipped:
    example = skipped[0]["skip_reason"]
    print(f"WARNING: {len(skipped)} could not be looked up, e.g. {example}")
    if not audited:
        print("WARNING: no advisory service answered; nothing was audited")
sys.exit(1 if vulnerable else 0)
