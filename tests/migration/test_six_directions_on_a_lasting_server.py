"""Issue 11's done-when on the lasting sandbox: with ``polycloud sandbox start``, the worker deployed to each
cloud with ``--sandbox`` migrates to each of the other two. Every command below is a fresh CLI run (its own
adapters and clients) whose only shared state is the sandbox server's, as separate shell commands would be."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from polycloud.testing import _daemon, sandbox
from tests.migration.test_six_directions import test_worker_migrates as test_worker_migrates_on_the_server

__all__ = ["test_worker_migrates_on_the_server"]


@pytest.fixture(scope="module")
def server_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    directory = tmp_path_factory.mktemp("sandbox-server")
    _daemon.start_server(directory)
    try:
        yield directory
    finally:
        _daemon.stop_server(directory)
        assert _daemon.server_status(directory).server is None


@pytest.fixture
def clouds(server_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Overrides the in-process sandbox of conftest: ``--sandbox`` finds the running server."""
    monkeypatch.setenv("POLYCLOUD_SANDBOX_DIR", str(server_dir))
    found = sandbox.open_sandbox()
    assert found.lasting  # the commands talk to the server, not to fakes in this process
    yield
