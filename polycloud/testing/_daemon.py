"""Start, find and stop the lasting sandbox's server process (``polycloud sandbox start | status | stop``).

The server (``python -m polycloud.testing.server``) runs in its own session, its output in ``server.log``,
and records its pid and endpoints in ``server.json``, both in the state directory: ``$POLYCLOUD_SANDBOX_DIR``,
else ``$XDG_RUNTIME_DIR/polycloud-sandbox``, else ``~/.cache/polycloud/sandbox``. A server counts as running
when its process lives and its fakes answer with its pid; ``stop`` ends only a process that proves to be
the sandbox server (its health answer or its command line), so a pid reused by another program is never
signalled. Start and stop hold a lock file, so two at once do not race.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from polycloud.errors import PolycloudError
from polycloud.testing._http import CONTROL

__all__ = ["ENV_DIR", "HOST", "STATE_FILE", "SandboxServerError", "ServerInfo", "ServerStatus", "reset_server",
           "server_status", "start_server", "state_dir", "stop_server", "write_state"]

ENV_DIR = "POLYCLOUD_SANDBOX_DIR"
HOST = "127.0.0.1"
STATE_FILE = "server.json"
LOG_FILE = "server.log"
_POLL = 0.05
_children: dict[int, subprocess.Popen[bytes]] = {}


class SandboxServerError(PolycloudError):
    """The sandbox server could not be started or stopped (the message says why and where its log is)."""


@dataclass(frozen=True)
class ServerInfo:
    """A running sandbox server: its pid, endpoints by provider key, and where it keeps state and log."""

    pid: int
    endpoints: dict[str, str]
    state_dir: Path
    log: str = ""
    started_at: str = ""
    latency_ms: int = 0
    """How late every API call answers (``start --latency-ms``)."""

    def to_dict(self) -> dict[str, Any]:
        """JSON shape (``polycloud sandbox status --format json``)."""
        return {"pid": self.pid, "endpoints": dict(self.endpoints), "state_dir": str(self.state_dir),
                "log": self.log, "started_at": self.started_at, "latency_ms": self.latency_ms}


@dataclass(frozen=True)
class ServerStatus:
    """What ``status`` found: the running server, or why none runs (``problem``)."""

    server: ServerInfo | None
    state_dir: Path
    problem: str | None = None
    recorded_pid: int | None = None
    """The pid the state file names when no server answers for it (a stale or stuck server)."""

    @property
    def running(self) -> bool:
        """True when a server runs and answers."""
        return self.server is not None


def state_dir() -> Path:
    """Where the server's state file and log live (see the module docs)."""
    configured = os.environ.get(ENV_DIR)
    if configured:
        return Path(configured).expanduser()
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "polycloud-sandbox"
    return Path.home() / ".cache" / "polycloud" / "sandbox"


def write_state(directory: Path, state: Mapping[str, Any]) -> None:
    """Write ``server.json`` atomically (readers never see half a file)."""
    directory.mkdir(parents=True, exist_ok=True)
    partial = directory / f".{STATE_FILE}.{os.getpid()}"
    partial.write_text(json.dumps(dict(state), indent=2) + "\n", "utf-8")
    os.replace(partial, directory / STATE_FILE)


def _read_state(directory: Path) -> dict[str, Any] | None:
    try:
        state = json.loads((directory / STATE_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or not isinstance(state.get("pid"), int) \
            or not isinstance(state.get("endpoints"), dict):
        return None
    return state


def _forget(directory: Path) -> None:
    with contextlib.suppress(OSError):
        (directory / STATE_FILE).unlink()


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True


def _answers_as(url: str, pid: int, timeout: float = 2.0) -> bool:
    """The fake at ``url`` answers its health path with ``pid``."""
    try:
        with urllib.request.urlopen(url + CONTROL, timeout=timeout) as answer:  # noqa: S310 - loopback
            return bool(json.loads(answer.read()).get("pid") == pid)
    except (OSError, ValueError):
        return False


def _port_open(url: str, timeout: float = 2.0) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or HOST, parts.port or 80), timeout=timeout):
            return True
    except OSError:
        return False


def _healthy(state: Mapping[str, Any]) -> bool:
    pid, endpoints = state["pid"], state["endpoints"]
    fakes = [url for key, url in endpoints.items() if key != "aws-lambda"]
    return all(_answers_as(url, pid) for url in fakes) and _port_open(endpoints.get("aws-lambda", ""))


def _is_sandbox_process(pid: int, state: Mapping[str, Any]) -> bool:
    if any(_answers_as(url, pid) for key, url in state["endpoints"].items() if key != "aws-lambda"):
        return True
    try:
        return b"polycloud.testing.server" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _info(directory: Path, state: Mapping[str, Any]) -> ServerInfo:
    return ServerInfo(pid=state["pid"], endpoints=dict(state["endpoints"]), state_dir=directory,
                      log=str(state.get("log", "")), started_at=str(state.get("started_at", "")),
                      latency_ms=int(state.get("latency_ms") or 0))


def server_status(directory: Path | None = None) -> ServerStatus:
    """Whether a sandbox server runs for ``directory`` (default ``state_dir()``), and where."""
    directory = directory or state_dir()
    state = _read_state(directory)
    if state is None:
        return ServerStatus(None, directory, "no sandbox server is running")
    if not _alive(state["pid"]):
        return ServerStatus(None, directory, f"the sandbox server (pid {state['pid']}) is no longer running",
                            state["pid"])
    if not _healthy(state):
        return ServerStatus(None, directory, f"the sandbox server (pid {state['pid']}) runs but does not answer; "
                            f"see {state.get('log') or directory / LOG_FILE}", state["pid"])
    return ServerStatus(_info(directory, state), directory)


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "lock", "a+b") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _log_tail(directory: Path, lines: int = 15) -> str:
    try:
        text = (directory / LOG_FILE).read_text("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def start_server(directory: Path | None = None, *, ports: Mapping[str, int] | None = None, latency_ms: float = 0,
                 timeout: float = 30.0) -> tuple[ServerInfo, bool]:
    """Start the sandbox server in the background unless one runs; returns it and whether it was started now.

    ``ports``: ``{"aws": 4566, ...}``; a missing or 0 port is any free one. ``latency_ms``: every API call
    answers that much later (for benchmarks). Waits until every fake answers. A running server is returned
    as it is, whatever it was started with.

    Raises:
        SandboxServerError: the server exited or did not answer within ``timeout`` seconds (it is stopped).
    """
    directory = directory or state_dir()
    with _locked(directory):
        found = server_status(directory)
        if found.server is not None:
            return found.server, False
        _forget(directory)
        command = [sys.executable, "-m", "polycloud.testing.server", "--state-dir", str(directory)]
        for cloud, port in (ports or {}).items():
            command += [f"--{cloud}-port", str(int(port))]
        if latency_ms > 0:
            command += ["--latency-ms", f"{latency_ms:g}"]
        with open(directory / LOG_FILE, "wb") as log:  # this run's log only
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True, close_fds=True)
        _children[process.pid] = process
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = process.poll()
            if code is not None:
                raise SandboxServerError(f"the sandbox server exited with code {code} before it answered; "
                                         f"its log ({directory / LOG_FILE}) ends:\n{_log_tail(directory)}")
            state = _read_state(directory)
            if state is not None and state["pid"] == process.pid and _healthy(state):
                return _info(directory, state), True
            time.sleep(_POLL)
        _end(process.pid, timeout=5.0)
        raise SandboxServerError(f"the sandbox server did not answer within {timeout:g} s and was stopped; "
                                 f"see {directory / LOG_FILE}")


def stop_server(directory: Path | None = None, *, timeout: float = 10.0) -> int | None:
    """Stop the sandbox server (SIGTERM, then SIGKILL after ``timeout`` s); returns its pid, or None if none ran.

    Raises:
        SandboxServerError: the process outlived SIGKILL.
    """
    directory = directory or state_dir()
    with _locked(directory):
        state = _read_state(directory)
        if state is None:
            return None
        pid: int = state["pid"]
        if not _alive(pid) or not _is_sandbox_process(pid, state):
            _forget(directory)  # stale: the process is gone (or its pid now belongs to another program)
            return None
        _end(pid, timeout=timeout)
        _forget(directory)
        return pid


def reset_server(server: ServerInfo) -> None:
    """Empty every fake of the running ``server`` (moto's own reset; the fakes' ``CONTROL/reset``)."""
    for key, url in server.endpoints.items():
        path = "/moto-api/reset" if key == "aws-lambda" else CONTROL + "/reset"
        request = urllib.request.Request(url + path, data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback
            pass


def _end(pid: int, *, timeout: float) -> None:
    kill = getattr(signal, "SIGKILL", signal.SIGTERM)  # Windows has no SIGKILL
    for signum, wait in ((signal.SIGTERM, timeout), (kill, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _alive(pid):
                _children.pop(pid, None)
                return
            time.sleep(_POLL)
    raise SandboxServerError(f"the sandbox server (pid {pid}) did not stop")
