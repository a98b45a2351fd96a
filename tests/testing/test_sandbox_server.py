"""`polycloud sandbox start | status | stop`: a lasting sandbox that separate commands share.

The server runs as a real background process on 127.0.0.1 (its state directory under tmp_path), and each
CLI command runs as its own ``python -m polycloud`` process, as a user's shell would run them.
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
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from polycloud.cli import main
from polycloud.testing import sandbox as in_process
from polycloud.testing.sandbox import SandboxServerError, open_sandbox, server_status, stop_server

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = str(ROOT / "examples" / "hello-api.yaml")
# what `export` needs besides the name: hello-api.yaml's resource group (Azure), project and region (GCP)
WHERE = {"aws": [], "azure": ["--resource-group", "rg-hello"], "gcp": ["--project", "acme", "--region", "europe-west1"]}
IMAGES = {"aws": "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello-api:1.0.0",
          "azure": "acme.azurecr.io/hello-api:1.0.0", "gcp": "europe-docker.pkg.dev/acme/apps/hello-api:1.0.0"}


@dataclass
class Server:
    """A sandbox server started by `polycloud sandbox start` in a separate process."""

    state_dir: Path
    env: dict[str, str]
    pid: int
    endpoints: dict[str, str]


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "polycloud", "-q", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # a zombie no one has reaped yet runs nothing either
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return False


def _wait_gone(pid: int, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.05)
    return _gone(pid)


def _port_open(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "", parts.port or 0), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _fresh_in_process_sandbox() -> Iterator[None]:
    in_process.reset()
    yield
    in_process.reset()


def _env(state_dir: Path) -> dict[str, str]:
    """The CLI's environment: this one without cloud settings, with the sandbox's state directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AZURE_", "GOOGLE_", "CLOUDSDK_"))}
    return {**env, "POLYCLOUD_SANDBOX_DIR": str(state_dir), "NO_GCE_CHECK": "true"}


@contextlib.contextmanager
def _started(state_dir: Path, *options: str) -> Iterator[Server]:
    """`polycloud sandbox start` in its own process; the server is stopped (killed if need be) afterwards,
    pass or fail."""
    env = _env(state_dir)
    started = _cli(env, "sandbox", "start", "--format", "json", *options)
    pid: int | None = None
    try:
        assert started.returncode == 0, started.stderr
        info = json.loads(started.stdout)
        pid = info["pid"]
        assert info["state"] == "started"
        yield Server(state_dir, env, info["pid"], info["endpoints"])
    finally:
        stop_server(state_dir)
        if pid is not None and not _wait_gone(pid, 5):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the tests that only deploy and read (each starts it empty)."""
    with _started(tmp_path_factory.mktemp("sandbox")) as started:
        yield started


@pytest.fixture
def server(shared_server: Server, monkeypatch: pytest.MonkeyPatch) -> Server:
    """The shared server, emptied, and named by this process's POLYCLOUD_SANDBOX_DIR too."""
    monkeypatch.setenv("POLYCLOUD_SANDBOX_DIR", str(shared_server.state_dir))
    open_sandbox(server=True).reset()
    return shared_server


@pytest.fixture
def own_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """A server of the test's own, for tests that stop it (every call 1 ms late, to see the option arrive)."""
    monkeypatch.setenv("POLYCLOUD_SANDBOX_DIR", str(tmp_path / "sandbox"))
    with _started(tmp_path / "sandbox", "--latency-ms", "1") as started:
        yield started


def test_deploy_then_export_and_plan_from_separate_processes(server: Server) -> None:
    def deploy(section: str) -> subprocess.CompletedProcess[str]:
        return _cli(server.env, "deploy", EXAMPLE, "-p", section, "--sandbox", "--format", "json")

    def export(section: str) -> subprocess.CompletedProcess[str]:
        return _cli(server.env, "export", "hello-api", "-p", section, "--sandbox", "--format", "json",
                    *WHERE[section])

    def plan(section: str) -> subprocess.CompletedProcess[str]:
        return _cli(server.env, "plan", EXAMPLE, "-p", section, "--sandbox", "--format", "json")

    with ThreadPoolExecutor(max_workers=6) as pool:  # each command its own process, three clouds at once
        deployed = {s: r for s, r in zip(IMAGES, pool.map(deploy, IMAGES), strict=True)}
        exports, plans = pool.map(export, IMAGES), pool.map(plan, IMAGES)  # after every deploy has ended
        exported = dict(zip(IMAGES, exports, strict=True))
        planned = dict(zip(IMAGES, plans, strict=True))
    for section in IMAGES:
        assert deployed[section].returncode == 0, deployed[section].stderr
        assert json.loads(deployed[section].stdout)["action"] == "created"
        assert exported[section].returncode == 0, exported[section].stderr
        spec = json.loads(exported[section].stdout)
        assert (spec["name"], spec["image"]) == ("hello-api", IMAGES[section])
        assert spec["environment"] == {"LOG_LEVEL": "info"}
        assert planned[section].returncode == 0, planned[section].stderr
        result = json.loads(planned[section].stdout)
        assert (result["action"], result["changes"]) == ("unchanged", [])


def test_python_api_shares_the_servers_state_and_resets_it(server: Server,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    done = _cli(server.env, "deploy", EXAMPLE, "-p", "gcp", "--sandbox")
    assert done.returncode == 0, done.stderr
    moved = _cli(server.env, "migrate", "hello-api", "--from", "gcp", "--to", "aws", *WHERE["gcp"], "--sandbox",
                 "--image", IMAGES["aws"], "--target-setting", "region=us-east-1", "--format", "json")
    assert moved.returncode == 0, moved.stderr
    sandbox = open_sandbox()  # this process: POLYCLOUD_SANDBOX_DIR names the running server
    assert sandbox.lasting and sandbox.server is not None and sandbox.server.pid == server.pid
    adapter = sandbox.adapter_for("gcp", project="acme", region="europe-west1")
    assert adapter.read("hello-api") is not None
    aws = sandbox.adapter_for("aws", region="us-east-1")
    migrated = aws.read("hello-api")
    assert migrated is not None and aws.to_spec(migrated).spec.image == IMAGES["aws"]
    with pytest.raises(SandboxServerError, match=f"pid {server.pid}"):
        sandbox.fake("gcp")  # the fakes live in the server process
    sandbox.reset()
    assert adapter.read("hello-api") is None
    assert main(["-q", "export", "hello-api", "-p", "gcp", "--sandbox", *WHERE["gcp"]]) == 3
    err = capsys.readouterr().err
    assert "does not exist" in err and "sandbox start" not in err  # a server runs: no hint to start one


def test_rehearsal_stays_in_process_while_a_server_runs(server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    done = _cli(server.env, "deploy", EXAMPLE, "-p", "aws", "--sandbox")
    assert done.returncode == 0, done.stderr
    assert main(["-q", "sandbox", EXAMPLE, "-p", "aws", "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["deploy"], row["redeploy"]) == ("created", "unchanged")  # an empty sandbox: not the server's


def test_start_is_idempotent_and_stop_leaves_nothing_behind(own_server: Server,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    server = own_server
    assert main(["-q", "sandbox", "status", "--format", "json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["pid"], status["latency_ms"]) == (server.pid, 1)  # what the server process recorded
    assert main(["-q", "sandbox", "start"]) == 0
    assert f"already running (pid {server.pid}" in capsys.readouterr().out
    assert all(_port_open(url) for url in server.endpoints.values())

    stopped = _cli(server.env, "sandbox", "stop")
    assert stopped.returncode == 0 and f"stopped (pid {server.pid})" in stopped.stdout
    assert _gone(server.pid)
    assert not any(_port_open(url) for url in server.endpoints.values())
    assert not (server.state_dir / "server.json").exists()
    assert main(["-q", "sandbox", "status"]) == 3
    assert "not running" in capsys.readouterr().out
    assert main(["-q", "sandbox", "stop"]) == 0
    assert "nothing to stop" in capsys.readouterr().out


def test_server_stops_itself_when_its_state_directory_goes(own_server: Server) -> None:
    server = own_server
    (server.state_dir / "server.json").unlink()
    assert _wait_gone(server.pid)
    assert not any(_port_open(url) for url in server.endpoints.values())


def test_without_a_server_export_says_how_to_keep_a_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("POLYCLOUD_SANDBOX_DIR", str(tmp_path))
    assert main(["-q", "export", "hello-api", "-p", "aws", "--sandbox"]) == 3
    err = capsys.readouterr().err
    assert "hello-api does not exist" in err and "`polycloud sandbox start`" in err


def test_a_stale_state_file_is_not_running_and_stop_cleans_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                           text=True, check=True, timeout=30)
    dead: dict[str, Any] = {"pid": int(ended.stdout), "endpoints": {"aws-lambda": "http://127.0.0.1:9"}}
    (tmp_path / "server.json").write_text(json.dumps(dead))
    monkeypatch.setenv("POLYCLOUD_SANDBOX_DIR", str(tmp_path))
    found = server_status()
    assert not found.running and found.recorded_pid == dead["pid"] and "no longer running" in (found.problem or "")
    assert main(["-q", "sandbox", "status"]) == 3
    assert main(["-q", "sandbox", "stop"]) == 0
    assert "nothing to stop" in capsys.readouterr().out
    assert not (tmp_path / "server.json").exists()


def test_a_command_word_with_files_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "sandbox", "start", EXAMPLE]) == 2
    assert "takes no files" in capsys.readouterr().err


def test_the_http_front_end_answers_as_the_fake_core_does() -> None:
    from werkzeug.test import Client

    from polycloud.testing._http import FakeServiceApp
    from polycloud.testing.gcp import FakeCloudRun

    app = FakeServiceApp("gcp-cloud-run", lambda: FakeCloudRun(base_url="http://127.0.0.1:1"))
    client = Client(app)
    path = "/v2/projects/acme/locations/europe-west1/services"
    app.fake.inject(1, status=429, retry_after=2)
    throttled = client.get(f"{path}/hello")
    assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "2")
    assert throttled.get_json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    bad = client.post(f"{path}?serviceId=Bad_Name", json={"template": {"containers": [{"image": "x"}]}})
    assert bad.status_code == 400 and "Bad_Name" in bad.get_json()["error"]["message"]
    assert client.get(f"{path}/hello").get_json()["error"]["status"] == "NOT_FOUND"
    assert client.get("/_polycloud/sandbox").get_json() == {"service": "gcp-cloud-run", "pid": os.getpid()}


def test_a_delayed_front_end_answers_late_but_its_health_at_once() -> None:
    from werkzeug.test import Client

    from polycloud.testing._http import Delayed, FakeServiceApp
    from polycloud.testing.gcp import FakeCloudRun

    client = Client(Delayed(FakeServiceApp("gcp-cloud-run", FakeCloudRun), 0.5))
    began = time.monotonic()
    assert client.get("/v2/projects/acme/locations/europe-west1/services/hello").status_code == 404
    assert time.monotonic() - began >= 0.5
    began = time.monotonic()
    assert client.get("/_polycloud/sandbox").status_code == 200
    assert time.monotonic() - began < 0.5
