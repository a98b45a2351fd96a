"""Ctrl-C (SIGINT) and SIGTERM while a deploy waits for the cloud: a prompt stop, a report of what changed
and what is still running, exit 128 + the signal's number, and a next deploy that converges.

The sandbox's operations are made to run for ever (``slow_cloud``): an ARM or Cloud Run long-running
operation polled every 50 ms, a Lambda waiter whose GetFunction keeps answering Pending.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from polycloud import InterruptedDeployError, deploy
from polycloud.cli import main
from polycloud.testing.sandbox import open_sandbox
from tests.core.slow_cloud import slow_operations

HERE = Path(__file__).parent
PROMPT = 3.0  # seconds from the signal to the process's exit, at most

SPECS = {
    "aws": "name: slow-fn\nimage: 123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:1\n"
           "providers:\n  aws: {region: us-east-1}\n",
    "azure": "name: slow-fn\nimage: acme.azurecr.io/hello:1\nnetwork: {auth: none}\nproviders:\n"
             "  azure: {subscription_id: 00000000-0000-0000-0000-000000000000, resource_group: rg-slow,\n"
             "          location: westeurope, storage: acmestorage, registry_managed_identity: true}\n",
    "gcp": "name: slow-fn\nimage: us-docker.pkg.dev/acme/apps/hello:1\nnetwork: {auth: none}\n"
           "providers:\n  gcp: {project: acme, region: europe-west1}\n",
}
# What the first long wait of a create is, per provider, and what it has changed by then.
WAITING = {"aws": ("slow-fn (function_active_v2)", "created function slow-fn"),
           "azure": ("App Service plan", None),
           "gcp": ("Cloud Run to create slow-fn", "created service slow-fn")}
SIGNALS = {"SIGINT": signal.SIGINT, "SIGTERM": signal.SIGTERM}


def _spec_file(tmp_path: Path, provider: str) -> Path:
    path = tmp_path / f"{provider}.yaml"
    path.write_text(SPECS[provider], encoding="utf-8")
    return path


def _assert_report(stderr: str, provider: str, name: str) -> None:
    waited, changed = WAITING[provider]
    assert "Traceback" not in stderr
    prefix = f"polycloud: interrupted by {name}: already changed: "
    assert prefix in stderr, stderr
    done, _, running = stderr.partition(prefix)[2].partition("; still running in the cloud: ")
    assert done.endswith(changed or "nothing"), stderr
    assert running.startswith(f"the operation polycloud was waiting for {waited}"), stderr
    assert "run deploy again to converge" in stderr


# A real process and a real signal: one provider per signal (each start costs seconds of imports); the
# in-process test below covers every provider with both.
@pytest.mark.parametrize(("provider", "name"), [("gcp", "SIGINT"), ("azure", "SIGTERM")])
def test_a_signal_during_a_wait_stops_the_cli_promptly_with_a_report(provider: str, name: str,
                                                                    tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    env = {**os.environ, "POLYCLOUD_SANDBOX_DIR": str(tmp_path / "no-server"), "PYTHONPATH": str(HERE.parents[1])}
    process = subprocess.Popen(
        [sys.executable, str(HERE / "slow_cloud.py"), str(ready), "deploy", str(_spec_file(tmp_path, provider)),
         "--sandbox", "-p", provider], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # a shell starts background jobs with SIGINT ignored, and Python then leaves it so: give it Ctrl-C back
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the deploy never started waiting"
            time.sleep(0.02)
        time.sleep(0.2)  # well inside the wait
        sent = time.monotonic()
        process.send_signal(SIGNALS[name])
        stdout, stderr = process.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 128 + SIGNALS[name], (process.returncode, stderr)
    assert took < PROMPT, f"took {took:.2f} s to stop"
    print(f"{provider} {name}: stopped {took:.2f} s after the signal")
    _assert_report(stderr, provider, name)


@pytest.fixture
def sandbox_in_process(fresh_sandbox: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("POLYCLOUD_SANDBOX_DIR", str(tmp_path / "no-server"))
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C as an interactive shell has it
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _signal_main_thread_when(started: threading.Event, signum: int) -> threading.Thread:
    main_thread = threading.main_thread().ident
    assert main_thread is not None

    def send() -> None:
        if started.wait(30):
            time.sleep(0.1)
            signal.pthread_kill(main_thread, signum)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("name", list(SIGNALS))
@pytest.mark.parametrize("provider", list(SPECS))
def test_after_an_interrupted_deploy_the_next_one_converges(provider: str, name: str, sandbox_in_process: None,
                                                            tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    spec = str(_spec_file(tmp_path, provider))
    started = threading.Event()
    release = slow_operations(started.set)
    sender = _signal_main_thread_when(started, SIGNALS[name])

    assert main(["deploy", spec, "--sandbox", "-p", provider]) == 128 + SIGNALS[name]
    sender.join(5)
    _assert_report(capsys.readouterr().err, provider, name)

    release()  # the operation the deploy left running finishes in the cloud
    assert main(["deploy", spec, "--sandbox", "-p", provider, "--format", "json"]) == 0
    capsys.readouterr()
    assert main(["plan", spec, "--sandbox", "-p", provider, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["action"] == "unchanged"


def test_the_library_raises_an_interrupt_with_what_changed_and_what_runs(sandbox_in_process: None,
                                                                        tmp_path: Path) -> None:
    """Without the CLI: ``deploy`` raises InterruptedDeployError, a KeyboardInterrupt that ``except Exception``
    does not swallow, with ``changed`` and ``running``."""
    started = threading.Event()
    slow_operations(started.set)
    _signal_main_thread_when(started, signal.SIGINT)
    adapter = open_sandbox(server=False).adapter_for("gcp", project="acme", region="europe-west1")
    with pytest.raises(InterruptedDeployError) as caught:
        try:
            deploy(str(_spec_file(tmp_path, "gcp")), adapter)
        except Exception:  # noqa: BLE001 - what a script's broad handler does: the interrupt goes through
            pytest.fail("an interrupt was caught as an Exception")
    assert isinstance(caught.value, KeyboardInterrupt)
    assert caught.value.changed == ["created service slow-fn"]
    assert caught.value.running is not None and "waiting for Cloud Run to create slow-fn" in caught.value.running


def test_an_interrupt_while_only_reading_says_nothing_was_being_written(sandbox_in_process: None, tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    started = threading.Event()

    def slow_read(_request: object) -> None:
        started.set()
        for _ in range(200):  # a read that takes 10 s unless interrupted
            time.sleep(0.05)

    fake = open_sandbox(server=False).fake("gcp")
    fake.before(lambda request: request.method == "GET" and request.path.endswith("/services/slow-fn"), slow_read)
    _signal_main_thread_when(started, signal.SIGTERM)
    began = time.monotonic()
    assert main(["plan", str(_spec_file(tmp_path, "gcp")), "--sandbox", "-p", "gcp", "--format", "json"]) == 143
    assert time.monotonic() - began < 5
    captured = capsys.readouterr()
    assert "polycloud: interrupted by SIGTERM while no deploy was writing; run the command again" in captured.err
    assert json.loads(captured.out)["error"] == {"interrupted": True, "signal": "SIGTERM", "deploying": False,
                                                 "changed": [], "running": None}
