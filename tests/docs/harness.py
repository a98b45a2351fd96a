"""How tests/docs runs the shell and Python blocks of the documents named in ``tested_docs.txt`` (README.md,
docs/*.md), with sybil. A block added to any of those documents later is run with no change here.

What each block runs in (one per document, shared by its blocks in order, as a reader would type them):

- a fresh temporary directory holding a copy of ``examples/`` and a ``polycloud.yaml`` (``examples/hello-api.yaml``,
  all three providers); a ``yaml``/``toml`` block whose first line names a file (``# polycloud.yaml``,
  ``# overrides.yaml: ...``) writes that file there, so a document's own files are the ones its commands read;
- no cloud credentials (``AWS_*``, ``AZURE_*``, ``GOOGLE_*``, ``CLOUDSDK_*``... are removed), and
  ``POLYCLOUD_SANDBOX_DIR`` inside the directory, so ``--sandbox`` and ``open_sandbox()`` use the document's own
  fakes (a ``polycloud sandbox start`` in a block is stopped when the document ends, whatever happened);
- ``polycloud`` and ``python`` from this virtual environment first on ``PATH``.

Blocks:

- ``console``: each ``$ command`` (``\\`` continues a line) runs with bash in that directory and must exit 0; the
  lines after a command are its expected output (stdout and stderr as a terminal shows them), compared line by
  line, where ``...`` stands for any text (several lines too);
- ``bash`` / ``sh`` / ``shell``: the block runs as one ``bash -e -o pipefail`` script and must exit 0;
- ``python``: runs in one namespace per document (blocks see earlier blocks' names), in the directory above; a block
  that defines ``test_*`` functions is a pytest file and runs under pytest (with polycloud's fixtures);
  ``>>>`` blocks are doctests.

Markers, HTML comments in the document's source right before the block (say why in the quotes):

- ``<!-- skip: next "why it cannot run here" -->`` (sybil's own): the block is reported as skipped with that reason;
- ``<!-- exit: 1 "why" -->``: the last command of the block exits 1 (``<!-- exit: 0 1 -->``: one status per
  command);
- ``<!-- output: illustrative "why" -->``: the block's output is shown for illustration, not compared.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sybil import Document, Example, Region, Sybil
from sybil.evaluators.python import PythonEvaluator
from sybil.parsers.markdown import CodeBlockParser, PythonCodeBlockParser, SkipParser
from sybil.parsers.markdown.lexers import FencedCodeBlockLexer

ROOT = Path(__file__).resolve().parents[2]
LIST = Path(__file__).with_name("tested_docs.txt")
SHELL_LANGUAGES = r"console|bash|sh|shell|zsh"
FILE_LANGUAGES = r"ya?ml|toml"
FILE_HEADER = re.compile(r"#\s*(?P<name>[\w.\-/]+\.(?:ya?ml|toml|json))\s*(?::.*)?$")
CREDENTIAL_PREFIXES = ("AWS_", "AZURE_", "ARM_", "MSI_", "IDENTITY_", "GOOGLE_", "GCLOUD_", "CLOUDSDK_", "GCE_")
COMMAND_TIMEOUT = 120
SANDBOX_SETS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
WORKDIR = "_docs_workdir"


def tested_documents() -> list[Path]:
    """The documents named by ``tested_docs.txt``, sorted."""
    patterns = [line.strip() for line in LIST.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return sorted({path for pattern in patterns for path in ROOT.glob(pattern) if path.is_file()})


# --- the directory, environment and sandbox of one document ---------------------------------------------------


def document_setup(namespace: dict[str, Any]) -> None:
    """A fresh directory for one document: ``examples/`` and ``polycloud.yaml``; an empty in-process sandbox."""
    workdir = Path(tempfile.mkdtemp(prefix="polycloud-docs-"))
    shutil.copytree(ROOT / "examples", workdir / "examples")
    shutil.copyfile(ROOT / "examples" / "hello-api.yaml", workdir / "polycloud.yaml")
    namespace[WORKDIR] = workdir
    _reset_in_process_sandbox()


def document_teardown(namespace: dict[str, Any]) -> None:
    """Stop the document's sandbox server if a block started one, empty the in-process sandbox, remove the files."""
    workdir: Path = namespace[WORKDIR]
    from polycloud.testing.sandbox import stop_server

    if (workdir / ".sandbox").exists():
        stop_server(workdir / ".sandbox")  # a block's `polycloud sandbox start`, even when a later command failed
    _reset_in_process_sandbox()
    shutil.rmtree(workdir, ignore_errors=True)


def _reset_in_process_sandbox() -> None:
    """Empty the in-process sandbox, keeping the environment: stopping moto puts back the AWS variables it saw
    when it started (the blocks' sandbox keys), which must not outlive the document."""
    from polycloud.testing.sandbox import reset

    environment = dict(os.environ)
    reset()
    os.environ.clear()
    os.environ.update(environment)


def isolate(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``workdir`` as cwd, no cloud credentials, the sandbox state in ``workdir/.sandbox``, this venv on PATH."""
    monkeypatch.chdir(workdir)
    for key in list(os.environ):
        if key.startswith(CREDENTIAL_PREFIXES):
            monkeypatch.delenv(key)
    for key in SANDBOX_SETS:  # the in-process sandbox sets these: undone with the rest after the block
        monkeypatch.setenv(key, "unset")
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask 169.254.169.254 for credentials
    monkeypatch.setenv("AWS_CONFIG_FILE", str(workdir / ".no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(workdir / ".no-aws-credentials"))
    monkeypatch.setenv("POLYCLOUD_SANDBOX_DIR", str(workdir / ".sandbox"))
    bin_dir = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", bin_dir + os.pathsep + os.environ.get("PATH", ""))


# --- markers for the next block -------------------------------------------------------------------------------

MARKER = re.compile(r"^[ \t]*<!--+\s*(?P<directive>[\w-]+):\s*(?P<arguments>.*?)\s*--+>[ \t]*$")


@dataclass
class BlockOptions:
    """What ``<!-- exit: ... -->`` and ``<!-- output: illustrative ... -->`` right before a block say about it."""

    exits: list[int] = field(default_factory=list)
    illustrative: bool = False


def markers_before(document: Document, start: int) -> BlockOptions:
    """The options set by the one-line HTML comments (and blank lines) right above the block starting at ``start``."""
    options = BlockOptions()
    for line in reversed(document.text[:start].splitlines()):
        marker = MARKER.match(line)
        if marker is None:
            if line.strip():
                break
            continue
        words = shlex.split(marker["arguments"])
        if marker["directive"] == "exit":
            options.exits = [int(word) for word in words if word.isdigit()]
            if not options.exits:
                raise ValueError(f"{document.path}: `exit:` needs exit statuses, got {line.strip()!r}")
        elif marker["directive"] == "output":
            if words[:1] != ["illustrative"]:
                raise ValueError(f"{document.path}: `output:` takes `illustrative \"why\"`, got {line.strip()!r}")
            options.illustrative = True
    return options


# --- files written by the document ------------------------------------------------------------------------------


class FileBlockParser:
    """A ``yaml``/``toml`` block whose first line is ``# NAME.yaml`` writes NAME into the document's directory."""

    def __init__(self) -> None:
        self.lexer = FencedCodeBlockLexer(language=FILE_LANGUAGES, mapping={"language": "language", "source": "source"})

    def __call__(self, document: Document) -> Iterable[Region]:
        for region in self.lexer(document):
            source = str(region.lexemes["source"])
            header = FILE_HEADER.match(source.splitlines()[0] if source else "")
            if header:
                yield Region(region.start, region.end, (header["name"], source), _write_file)


def _write_file(example: Example) -> None:
    name, text = example.parsed
    target = example.namespace[WORKDIR] / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


# --- shell blocks ---------------------------------------------------------------------------------------------


@dataclass
class Command:
    text: str
    expected: list[str] = field(default_factory=list)


def console_commands(source: str) -> list[Command]:
    """The ``$ `` commands of a console block (``\\`` continues one), each with the output lines shown under it."""
    commands: list[Command] = []
    continuing = False
    for line in source.splitlines():
        if continuing:
            commands[-1].text += "\n" + line
        elif line.startswith("$ "):
            commands.append(Command(line[2:]))
        elif commands:
            commands[-1].expected.append(line.rstrip())
        elif line.strip():
            raise ValueError(f"console block: output {line!r} before any `$ ` command")
        continuing = bool(commands) and not commands[-1].expected and line.endswith("\\")
    return commands


def output_matches(expected: list[str], actual: list[str]) -> bool:
    """The output shown in the document, where ``...`` stands for any text (several lines too), is the output."""
    shown = "\n".join(expected).rstrip("\n")
    pattern = "(?s:.*?)".join(re.escape(part) for part in shown.split("..."))
    return re.fullmatch(pattern, "\n".join(actual)) is not None


def evaluate_shell(example: Example) -> str | None:
    language, source, options = example.parsed
    if language == "console":
        commands = console_commands(str(source))
    else:
        commands = [Command(str(source))]
    statuses = options.exits or [0]
    if len(statuses) == 1:
        statuses = [0] * (len(commands) - 1) + statuses
    if len(statuses) != len(commands):
        return f"`exit:` names {len(statuses)} statuses for {len(commands)} commands"
    for command, status in zip(commands, statuses, strict=True):
        result = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", command.text], cwd=os.getcwd(),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                timeout=COMMAND_TIMEOUT, check=False)
        actual = [line.rstrip() for line in result.stdout.rstrip().splitlines()]
        if result.returncode != status:
            return (f"$ {command.text}\nexited {result.returncode}, the document expects {status}; output:\n"
                    + "\n".join(actual))
        if command.expected and not options.illustrative and not output_matches(command.expected, actual):
            return (f"$ {command.text}\nprinted:\n" + "\n".join(actual)
                    + "\nthe document shows:\n" + "\n".join(command.expected))
    return None


class ShellBlockParser:
    """``console``, ``bash``, ``sh``, ``shell`` and ``zsh`` fenced blocks."""

    def __init__(self) -> None:
        self.lexer = FencedCodeBlockLexer(language=SHELL_LANGUAGES, mapping={"language": "language",
                                                                              "source": "source"})

    def __call__(self, document: Document) -> Iterable[Region]:
        for region in self.lexer(document):
            parsed = (region.lexemes["language"], region.lexemes["source"], markers_before(document, region.start))
            yield Region(region.start, region.end, parsed, evaluate_shell)


# --- Python blocks --------------------------------------------------------------------------------------------


def defines_tests(source: str) -> bool:
    """True when the block is a pytest file: it defines ``test_*`` functions at top level."""
    tree = ast.parse(source)
    return any(isinstance(node, ast.FunctionDef) and node.name.startswith("test_") for node in tree.body)


class PythonBlockEvaluator:
    """Run a block in the document's namespace, or under pytest when it is a pytest file."""

    def __init__(self) -> None:
        self.python = PythonEvaluator()

    def __call__(self, example: Example) -> str | None:
        if not defines_tests(str(example.parsed)):
            self.python(example)
            return None
        test_file = Path.cwd() / f"test_doc_line_{example.line}.py"
        test_file.write_text(str(example.parsed))
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_file.name],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                timeout=COMMAND_TIMEOUT, check=False)
        test_file.unlink()
        return None if result.returncode == 0 else f"pytest on the block exited {result.returncode}:\n{result.stdout}"


class PythonBlockParser(PythonCodeBlockParser):
    """sybil's Python block parser (``>>>`` blocks stay doctests) with the evaluator above for plain blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.codeblock_parser = CodeBlockParser("python", PythonBlockEvaluator())


# --- the sybil of the tested documents ------------------------------------------------------------------

DOCS = Sybil(
    parsers=[SkipParser(), FileBlockParser(), ShellBlockParser(), PythonBlockParser()],
    path=str(ROOT),
    patterns=["*.md"],
    setup=document_setup,
    teardown=document_teardown,
    fixtures=["_docs_env"],
)
