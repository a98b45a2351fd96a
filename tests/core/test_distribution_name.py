"""The docs tell users to install only the project's own distribution (never a name someone else controls).

`polycloud` on PyPI is an unrelated project, so the distribution is named in pyproject.toml and every
``pip install`` in README.md, docs/, examples/ and the pre-commit hook must name it (with extras that
exist) or the checkout itself (``-e .``); so must the install hints in the code (``pip install '...[aws]'``).
"""

from __future__ import annotations

import ast
import re
import shlex
import sys
from pathlib import Path

import pytest
import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
OWN_NAME = PYPROJECT["project"]["name"]
OWN_EXTRAS = set(PYPROJECT["project"]["optional-dependencies"])
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "examples").iterdir()),
        ROOT / ".pre-commit-hooks.yaml"]

PIP_INSTALL = re.compile(r"\b(?:python3? -m )?pip3? install\b(?P<args>[^`&;|)\n]*)")
# pip options that take a value: whatever follows them is not a requirement on the command line
OPTIONS_WITH_VALUE = {"-r", "--requirement", "-c", "--constraint", "-i", "--index-url", "--extra-index-url",
                      "-f", "--find-links", "-t", "--target", "--prefix", "--root"}
REQUIREMENT = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[(?P<extras>[^\]]*)\])?(?P<rest>.*)")


def normalize(name: str) -> str:
    """PEP 503: names that differ only in case and runs of - _ . are the same distribution."""
    return re.sub(r"[-_.]+", "-", name).lower()


def problems_of(args: list[str]) -> list[str]:
    """What is wrong with one ``pip install`` command's arguments (empty when it installs only our own)."""
    problems = []
    editable = False
    words = iter(args)
    for word in words:
        if word in ("-e", "--editable"):
            editable = True
            continue
        if word in OPTIONS_WITH_VALUE:
            problems.append(f"{word} {next(words, '')}: installs something the doc does not name")
            continue
        if word.startswith("-"):
            continue
        if re.fullmatch(r"\.(\[[^\]]*\])?", word):  # the checkout itself, with or without extras
            if not editable:
                problems.append(f"{word}: install the checkout with -e .")
            continue
        match = REQUIREMENT.fullmatch(word)
        if match is None or normalize(match["name"]) != normalize(OWN_NAME):
            problems.append(f"{word}: not the project's distribution {OWN_NAME}")
            continue
        extras = {e.strip() for e in (match["extras"] or "").split(",") if e.strip()}
        if extras - OWN_EXTRAS:
            problems.append(f"{word}: no such extra {', '.join(sorted(extras - OWN_EXTRAS))}")
    return problems


def pip_installs(text: str) -> list[list[str]]:
    """The arguments of every ``pip install`` in a text (continuation lines joined)."""
    text = text.replace("\\\n", " ")
    return [shlex.split(match["args"]) for match in PIP_INSTALL.finditer(text)]


def hook_dependencies(path: Path) -> list[list[str]]:
    """A pre-commit hook's ``additional_dependencies`` are pip installs too."""
    hooks = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [list(hook.get("additional_dependencies", [])) for hook in hooks]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_docs_install_only_the_projects_own_distribution(path: Path) -> None:
    commands = pip_installs(path.read_text(encoding="utf-8"))
    if path.name == ".pre-commit-hooks.yaml":
        commands += hook_dependencies(path)
    problems = [f"pip install {' '.join(args)}: {p}" for args in commands for p in problems_of(args)]
    assert problems == []


def test_the_distribution_is_not_the_unrelated_polycloud_on_pypi() -> None:
    assert normalize(OWN_NAME) != "polycloud"
    assert PYPROJECT["project"]["scripts"] == {"polycloud": "polycloud.cli:main"}
    # the self-referencing extras name the project's own distribution
    own = [dep for deps in PYPROJECT["project"]["optional-dependencies"].values() for dep in deps
           if normalize(REQUIREMENT.fullmatch(dep)["name"]).startswith("polycloud")]  # type: ignore[index]
    assert own and all(normalize(REQUIREMENT.fullmatch(dep)["name"]) == normalize(OWN_NAME) for dep in own)


def test_the_docs_do_install_it() -> None:
    """The scan finds the install lines it is meant to check."""
    found = [args for path in DOCS for args in pip_installs(path.read_text(encoding="utf-8"))]
    assert ["-e", "."] in found
    assert [f"{OWN_NAME}[aws]"] in found
    assert [OWN_NAME] in found  # docs/ci.md


@pytest.mark.parametrize(("line", "bad"), [
    ("pip install polycloud", True),
    ("`pip install 'polycloud[aws]'`", True),
    ("pip install {OWN}", False),
    ("python -m pip install -q '{own}[aws,gcp]' && polycloud validate x.yaml", False),
    ("pip install '{own}[nope]'", True),
    ("pip install {own} boto3", True),
    ("pip install -r requirements.txt", True),
    ("pip install .", True),
    ("pip install -e '.[dev]'", False),
    ("pip3 install \\\n  polycloud", True),
])
def test_the_check_tells_foreign_installs_apart(line: str, bad: bool) -> None:
    commands = pip_installs(line.format(own=OWN_NAME, OWN=OWN_NAME.upper().replace("-", "_")))
    assert commands
    assert bool([p for args in commands for p in problems_of(args)]) is bad


CODE = [*sorted((ROOT / "polycloud").rglob("*.py")), *sorted((ROOT / "adapters").glob("*/polycloud_*/*.py"))]
EXTRA_HINT = re.compile(r"(?<![\w.-])(polycloud[\w.-]*)\[([\w,-]+)\]")


def install_hints_in(path: Path) -> list[tuple[str, str]]:
    """``name[extras]`` strings in a module's string constants (install hints, extras, messages)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [(m[1], m[2]) for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
            for m in EXTRA_HINT.finditer(node.value)]


def test_install_hints_in_the_code_name_the_projects_distribution() -> None:
    hints = [(path.relative_to(ROOT), name, extras) for path in CODE for name, extras in install_hints_in(path)]
    assert len(hints) >= 5  # the registry's hints, each adapter's extra, the sandbox's
    wrong = [(str(path), f"{name}[{extras}]") for path, name, extras in hints
             if normalize(name) != normalize(OWN_NAME) or not set(extras.split(",")) <= OWN_EXTRAS]
    assert wrong == []


def test_every_adapter_names_an_extra_that_exists() -> None:
    from polycloud import registry

    for key in registry.available():
        match = REQUIREMENT.fullmatch(registry.load(key).extra)
        assert match is not None and normalize(match["name"]) == normalize(OWN_NAME), key
        assert set(match["extras"].split(",")) <= OWN_EXTRAS, key
