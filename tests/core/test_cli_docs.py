"""docs/cli.md is generated from the argument parser, names every option, and is linked from the README."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

from polycloud.cli import _parser
from polycloud.clidocs import REGENERATE, render_cli_reference

ROOT = Path(__file__).resolve().parents[2]
CLI_MD = ROOT / "docs" / "cli.md"


def sections() -> dict[str, str]:
    """docs/cli.md's text under each ``## `` heading."""
    parts = re.split(r"^## (.+)$", CLI_MD.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def options_in(section: str) -> set[str]:
    return set(re.findall(r"`(-[-\w]+)`", section))


def subcommands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_cli_md_is_generated_from_the_parser() -> None:
    assert CLI_MD.read_text(encoding="utf-8") == render_cli_reference(), f"regenerate with: {REGENERATE}"


def test_the_regenerate_command_in_the_header_prints_the_reference() -> None:
    assert REGENERATE in CLI_MD.read_text(encoding="utf-8").split("\n## ")[0]
    module = REGENERATE.split()[2]
    printed = subprocess.run([sys.executable, "-m", module], capture_output=True, text=True, check=True,
                             cwd=ROOT).stdout
    assert printed == render_cli_reference()


@pytest.mark.parametrize(("section", "options"), [
    ("Global options", {"--version", "-q", "--quiet"}),
    ("polycloud validate", {"-f", "--format", "--output", "-o", "--limits", "--strict", "--provider"}),
    ("polycloud plan", {"--dry-run", "--limits", "--set", "--sandbox"}),
    ("polycloud deploy", {"--dry-run", "--limits", "--set", "--sandbox"}),
    ("polycloud migrate", {"--image", "--dry-run", "--set", "--target-set", "--target-setting", "--from", "--to"}),
    ("polycloud export", {"--format", "--output"}),
    ("polycloud sandbox", {"--format"}),
    ("polycloud limits", {"--format", "--provider"}),
    ("polycloud providers", {"--format"}),
    ("polycloud schema", {"--output-dir"}),
])
def test_the_options_no_doc_named_are_documented(section: str, options: set[str]) -> None:
    assert options <= options_in(sections()[section])


def test_every_command_and_option_of_the_parser_is_documented() -> None:
    found = sections()
    for name, parser in subcommands().items():
        documented = options_in(found[f"polycloud {name}"])
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert set(action.option_strings) <= documented, (name, action.option_strings)
            assert action.help, f"polycloud {name} {action.option_strings or action.dest} has no help text"


def test_the_readme_links_the_cli_reference() -> None:
    assert "(docs/cli.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
