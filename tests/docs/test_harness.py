"""The docs harness fails a block that is wrong, honours the markers, and misses no block of the real documents."""

from __future__ import annotations

import os
import re
import sys
import unittest
from pathlib import Path

import pytest
from sybil.evaluators.doctest import DocTestEvaluator
from sybil.example import SybilFailure

from polycloud.testing.sandbox import server_status
from tests.docs import harness
from tests.docs.harness import (
    DOCS,
    FILE_LANGUAGES,
    SHELL_LANGUAGES,
    WORKDIR,
    console_commands,
    document_setup,
    document_teardown,
    isolate,
)

FENCE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})(?P<info>[^\n`]*)$", re.MULTILINE)
DATA_LANGUAGES = {"", "yaml", "yml", "json", "toml", "text", "ini", "xml", "diff", "dockerfile", "markdown", "jsonc"}


def run_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> list[str]:
    """Each block's outcome, as the docs test would report it: ``ok``, ``skipped: why`` or ``failed: message``."""
    path = tmp_path / "doc.md"
    path.write_text(text)
    document = DOCS.parse(path)
    document_setup(document.namespace)
    outcomes = []
    try:
        with monkeypatch.context() as patch:
            isolate(document.namespace[WORKDIR], patch)
            for example in document.examples():
                try:
                    example.evaluate()
                except unittest.SkipTest as skip:
                    outcomes.append(f"skipped: {skip}")
                except (SybilFailure, AssertionError) as failure:
                    outcomes.append(f"failed: {failure}")
                else:
                    outcomes.append("ok")
    finally:
        document_teardown(document.namespace)
    return outcomes


def test_console_output_is_compared(tmp_path, monkeypatch):
    outcomes = run_document(tmp_path, monkeypatch, "```console\n$ echo hello\nhello\n$ echo hello\ngoodbye\n```\n")
    assert len(outcomes) == 1 and outcomes[0].startswith("failed")
    assert "$ echo hello\nprinted:\nhello\nthe document shows:\ngoodbye" in outcomes[0]
    assert run_document(tmp_path, monkeypatch, "```console\n$ echo 'pid 42, port 8080'\npid ..., port ...\n```\n") \
        == ["ok"]
    several = "```console\n$ printf 'first\\nsecond\\nthird\\n'\nfirst\n...\n```\n"
    assert run_document(tmp_path, monkeypatch, several) == ["ok"]
    assert run_document(tmp_path, monkeypatch, several.replace("first\n...", "second\n..."))[0].startswith("failed")


def test_a_failing_command_fails_unless_the_document_expects_it(tmp_path, monkeypatch):
    block = "```console\n$ true\n$ exit 1\n```\n"
    assert "exited 1, the document expects 0" in run_document(tmp_path, monkeypatch, block)[0]
    marked = '<!-- exit: 1 "the last command fails" -->\n\n' + block
    assert run_document(tmp_path, monkeypatch, marked) == ["ok"]
    wrong = '<!-- exit: 1 "says it fails" -->\n```console\n$ true\n```\n'
    assert "exited 0, the document expects 1" in run_document(tmp_path, monkeypatch, wrong)[0]
    each = '<!-- exit: 0 1 "one status per command" -->\n' + block
    assert run_document(tmp_path, monkeypatch, each) == ["ok"]


def test_a_bash_block_is_one_script_that_stops_at_the_first_failure(tmp_path, monkeypatch):
    outcomes = run_document(tmp_path, monkeypatch, "```bash\nfalse\ntrue\n```\n")
    assert outcomes[0].startswith("failed") and "exited 1" in outcomes[0]


def test_illustrative_output_is_not_compared(tmp_path, monkeypatch):
    text = '<!-- output: illustrative "varies" -->\n```console\n$ echo 1234\n4321\n```\n```console\n$ echo 1\n2\n```\n'
    outcomes = run_document(tmp_path, monkeypatch, text)
    assert outcomes[0] == "ok" and outcomes[1].startswith("failed")  # the marker covers one block only


def test_skip_marker_reports_the_reason(tmp_path, monkeypatch):
    text = '<!-- skip: next "needs a real AWS account" -->\n```console\n$ exit 3\n```\n'
    assert run_document(tmp_path, monkeypatch, text) == ["ok", "skipped: needs a real AWS account"]


def test_markers_of_a_skipped_block_stay_with_it(tmp_path, monkeypatch):
    text = ('<!-- skip: next "needs a cloud" -->\n<!-- exit: 3 "fails" -->\n```console\n$ exit 3\n```\n'
            "```console\n$ exit 3\n```\n")
    outcomes = run_document(tmp_path, monkeypatch, text)
    assert outcomes[1] == "skipped: needs a cloud" and "exited 3, the document expects 0" in outcomes[2]


def test_a_file_block_is_written_for_later_blocks(tmp_path, monkeypatch):
    text = ("```yaml\n# polycloud.yaml\nname: from-the-doc\n```\n"
            "```console\n$ cat polycloud.yaml\n# polycloud.yaml\nname: from-the-doc\n```\n")
    assert run_document(tmp_path, monkeypatch, text) == ["ok", "ok"]


def test_blocks_run_without_credentials_in_the_document_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "a-real-looking-secret")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", "/somewhere/key.json")
    text = ("```python\nimport os, pathlib\n"
            "assert 'AWS_SECRET_ACCESS_KEY' not in os.environ and 'GOOGLE_APPLICATION_CREDENTIALS' not in os.environ\n"
            "assert pathlib.Path('polycloud.yaml').is_file() and pathlib.Path('examples/hello-api.yaml').is_file()\n"
            "```\n"
            "```console\n$ env | grep -c '^AWS_SECRET_ACCESS_KEY=' || true\n0\n"
            f"$ command -v polycloud\n{Path(sys.executable).parent / 'polycloud'}\n```\n")
    assert run_document(tmp_path, monkeypatch, text) == ["ok", "ok"]


def test_credentials_a_block_sets_do_not_outlive_it(tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    text = "```python\nfrom polycloud.testing.sandbox import open_sandbox\n\nopen_sandbox().settings('aws')\n```\n"
    assert run_document(tmp_path, monkeypatch, text) == ["ok"]
    assert "AWS_ACCESS_KEY_ID" not in os.environ


def test_python_blocks_share_a_namespace_and_pytest_blocks_run_under_pytest(tmp_path, monkeypatch):
    text = ("```python\nanswer = 42\n```\n```python\nassert answer == 42\n```\n"
            "```python\ndef test_passes(polycloud_sandbox):\n    assert polycloud_sandbox.settings('gcp')\n\n\n"
            "def test_fails():\n    assert 1 == 2\n```\n")
    outcomes = run_document(tmp_path, monkeypatch, text)
    assert outcomes[:2] == ["ok", "ok"]
    assert "pytest on the block exited 1" in outcomes[2] and "1 failed, 1 passed" in outcomes[2]


def test_a_sandbox_server_started_by_a_block_is_stopped_with_the_document(tmp_path, monkeypatch):
    path = tmp_path / "doc.md"
    path.write_text("```console\n$ polycloud sandbox start\n```\n")
    document = DOCS.parse(path)
    document_setup(document.namespace)
    state = document.namespace[WORKDIR] / ".sandbox"
    try:
        with monkeypatch.context() as patch:
            isolate(document.namespace[WORKDIR], patch)
            for example in document.examples():
                example.evaluate()
        assert server_status(state).running
    finally:
        document_teardown(document.namespace)
    assert not server_status(state).running


def test_console_commands_keep_continuations_and_output():
    commands = console_commands("$ polycloud migrate a \\\n      --image b\nout 1\n$ true\n")
    assert [(c.text, c.expected) for c in commands] == [("polycloud migrate a \\\n      --image b", ["out 1"]),
                                                        ("true", [])]


@pytest.mark.parametrize("document", harness.tested_documents(), ids=lambda path: path.name)
def test_every_shell_and_python_block_is_collected(document):
    """A block in a language the harness does not know (```sh-session, ```py) would escape the docs test."""
    text = document.read_text()
    fences = [match["info"].strip() for match in FENCE.finditer(text)]
    languages = [info.split()[0].lower() if info else "" for info in fences[0::2]]  # opening fences only
    runnable = [lang for lang in languages if re.fullmatch(SHELL_LANGUAGES, lang) or lang in ("python", "pycon")]
    unknown = [lang for lang in languages if lang not in runnable and lang not in DATA_LANGUAGES
               and not re.fullmatch(FILE_LANGUAGES, lang)]
    assert not unknown, f"{document.name}: blocks in {unknown}: name a language the docs test runs, or a data one"
    evaluators = [example.region.evaluator for example in DOCS.parse(document).examples()]
    collected = [e for e in evaluators if e is harness.evaluate_shell
                 or isinstance(e, (harness.PythonBlockEvaluator, DocTestEvaluator))]
    assert len(collected) >= len(runnable), f"{document.name}: {len(runnable)} blocks, {len(collected)} collected"
