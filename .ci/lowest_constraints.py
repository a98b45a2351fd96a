"""Print a pip constraints file pinning every ``>=`` bound in pyproject.toml to exactly that version.

pyproject.toml stays the one source of truth for the lower bounds: ``.ci/lowest`` installs the package
with these pins (``pip install --upgrade -c FILE``), so every direct dependency, core and extra, is at the
lowest version pyproject.toml allows, and anything not named in pyproject.toml resolves as usual.

Usage: python3 .ci/lowest_constraints.py [pyproject.toml] > constraints.txt
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - CI runs 3.11+
    import tomli as tomllib

_REQUIREMENT = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*"
                          r"(?P<specifiers>[^;]*?)\s*(?:;\s*(?P<marker>.+))?\s*$")
_LOWER_BOUND = re.compile(r">=\s*(?P<version>[^\s,]+)")


_TOOLS = frozenset({"dev", "bench"})
"""Extras of developer tools (pytest, ruff, cfn-lint...): their lowest versions are not what users get."""


def _canonical(name: str) -> str:
    """PEP 503 name, so ``PyYAML`` and ``pyyaml`` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _version_key(version: str) -> tuple[int, ...]:
    """Numeric release tuple for picking the higher of two bounds on one package."""
    return tuple(int(part) for part in re.findall(r"\d+", version))


def lower_bounds(pyproject: dict[str, object]) -> dict[str, tuple[str, str, str | None]]:
    """``{canonical name: (name, version, marker)}`` for every ``>=`` bound; the highest wins on repeats."""
    project = pyproject["project"]
    assert isinstance(project, dict)
    requirements: list[str] = list(project.get("dependencies", []))
    for name, extra in project.get("optional-dependencies", {}).items():
        if name not in _TOOLS:  # what users install, not the developers' own tools
            requirements += extra
    bounds: dict[str, tuple[str, str, str | None]] = {}
    for requirement in requirements:
        match = _REQUIREMENT.match(requirement)
        if match is None:
            raise SystemExit(f"cannot read requirement {requirement!r} in pyproject.toml")
        bound = _LOWER_BOUND.search(match["specifiers"])
        if bound is None:
            continue
        key = _canonical(match["name"])
        if key not in bounds or _version_key(bound["version"]) > _version_key(bounds[key][1]):
            bounds[key] = (match["name"], bound["version"], match["marker"])
    return bounds


def main(argv: list[str]) -> int:
    """Write one ``name==version`` line (with its environment marker, if any) per lower bound."""
    path = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent / "pyproject.toml"
    with path.open("rb") as handle:
        bounds = lower_bounds(tomllib.load(handle))
    for name, version, marker in sorted(bounds.values(), key=lambda row: _canonical(row[0])):
        print(f"{name}=={version}" + (f"; {marker}" if marker else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
