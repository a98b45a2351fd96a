"""Fixtures of the migration tests: a CLI that runs in-process on this process's own sandbox."""

from __future__ import annotations

import contextlib
import io
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from polycloud.cli import main
from polycloud.testing import sandbox
from tests.migration.workers import worker


@dataclass
class Ran:
    """One CLI run: exit code, stdout, stderr."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """stdout as JSON."""
        return json.loads(self.out)


Cli = Callable[..., Ran]


@pytest.fixture
def clouds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """This process's sandbox, started empty and reset afterwards; a sandbox server started elsewhere on the
    machine is not seen (its state directory is an empty one of the test's)."""
    monkeypatch.setenv("POLYCLOUD_SANDBOX_DIR", str(tmp_path / "no-server"))
    sandbox.reset()
    yield
    sandbox.reset()


@pytest.fixture
def cli(clouds: None) -> Cli:
    """Run ``polycloud ARGS...`` in-process; returns the exit code and what it printed."""
    def run(*argv: str) -> Ran:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["-q", *argv])
        return Ran(code, out.getvalue(), err.getvalue())
    return run


@pytest.fixture
def deployed_worker(cli: Cli, tmp_path: Path) -> Callable[[str], str]:
    """Deploy the issue's worker to a cloud with ``--sandbox``; returns its (unique) name."""
    def deploy(cloud: str) -> str:
        name = f"orders-{uuid.uuid4().hex[:8]}"
        path = tmp_path / f"{name}-{cloud}.yaml"
        path.write_text(yaml.safe_dump(worker(cloud, name)), encoding="utf-8")
        ran = cli("deploy", str(path), "-p", cloud, "--sandbox")
        assert ran.code == 0, ran.err
        return name
    return deploy
