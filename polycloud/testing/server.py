"""The lasting sandbox's server process: the three fake control planes on 127.0.0.1 until stopped.

``python -m polycloud.testing.server --state-dir DIR`` (what ``polycloud sandbox start`` runs in the
background) serves, each on its own loopback port (0: a free one):

- AWS: moto's server (the WSGI app ``ThreadedMotoServer`` and ``moto_server`` serve) with polycloud's moto
  extension (``polycloud.testing.aws.extend_moto``) and Lambda's Docker use off;
- Azure: ``FakeArmWeb`` (ARM ``Microsoft.Web``) over HTTP (``polycloud.testing._http``);
- GCP: ``FakeCloudRun`` (Cloud Run Admin API v2, REST) over HTTP.

When all three answer it writes ``DIR/server.json`` (pid and endpoints; see ``polycloud.testing._daemon``).
It stops on SIGTERM or SIGINT, and by itself when that file goes away or names another process, so a
deleted state directory never leaves a server behind. State lives in this process's memory only.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from polycloud.testing._daemon import HOST, STATE_FILE, write_state

__all__ = ["main", "serve"]

_log = logging.getLogger("polycloud.testing.server")
_WATCH_SECONDS = 0.5


def serve(state_dir: Path, *, aws_port: int = 0, azure_port: int = 0, gcp_port: int = 0, latency: float = 0.0,
          stop: threading.Event | None = None) -> None:
    """Serve the three fakes until ``stop`` is set or the state file stops naming this process.

    ``latency``: seconds every API call waits before its answer (0: none)."""
    stop = stop or threading.Event()
    with contextlib.ExitStack() as stack:
        endpoints = {"aws-lambda": stack.enter_context(_moto(aws_port, latency)),
                     "azure-functions": stack.enter_context(_serving(azure_port, "azure-functions", _arm, latency)),
                     "gcp-cloud-run": stack.enter_context(_serving(gcp_port, "gcp-cloud-run", _cloud_run, latency))}
        state = {"pid": os.getpid(), "endpoints": endpoints, "log": str(state_dir / "server.log"),
                 "latency_ms": round(latency * 1000),
                 "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        write_state(state_dir, state)
        _log.info("sandbox serving %s", json.dumps(endpoints))
        try:
            while not stop.wait(_WATCH_SECONDS):
                if not _still_mine(state_dir / STATE_FILE):
                    _log.info("state file gone or taken over: stopping")
                    break
        finally:
            with contextlib.suppress(OSError):
                if _still_mine(state_dir / STATE_FILE):
                    (state_dir / STATE_FILE).unlink()
    _log.info("sandbox stopped")


def _still_mine(path: Path) -> bool:
    try:
        return bool(json.loads(path.read_text("utf-8")).get("pid") == os.getpid())
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def _moto(port: int, latency: float) -> Iterator[str]:
    """moto's server app (what ``ThreadedMotoServer`` serves), extended, with Lambda's Docker use off.

    Served by ``_serving`` rather than ``ThreadedMotoServer``, whose thread dies unseen on a taken port
    while ``start()`` waits forever."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

    from polycloud.testing.aws import extend_moto

    extend_moto()
    with _serving(port, "aws-lambda", lambda _: DomainDispatcherApplication(create_backend_app), latency,
                  request_handler=MotoRequestHandler) as url:
        config = json.dumps({"lambda": {"use_docker": False}}).encode()
        request = urllib.request.Request(f"{url}/moto-api/config", data=config, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback, our own server
            pass
        yield url


def _arm(base_url: str) -> Any:
    from polycloud.testing._http import FakeServiceApp
    from polycloud.testing.azure import FakeArmWeb

    return FakeServiceApp("azure-functions", lambda: FakeArmWeb(base_url=base_url))


def _cloud_run(base_url: str) -> Any:
    from polycloud.testing._http import FakeServiceApp
    from polycloud.testing.gcp import FakeCloudRun

    return FakeServiceApp("gcp-cloud-run", lambda: FakeCloudRun(base_url=base_url))


@contextlib.contextmanager
def _serving(port: int, name: str, app_for: Callable[[str], Any], latency: float,
             **options: Any) -> Iterator[str]:
    """A threaded werkzeug server on loopback serving ``app_for(its base URL)`` (each answer ``latency``
    seconds late) until the block ends.

    A taken port fails here, in the main thread (werkzeug says which port and exits)."""
    from werkzeug.serving import make_server

    from polycloud.testing._http import Delayed

    server = make_server(HOST, port, _not_ready, threaded=True, **options)
    url = f"http://{HOST}:{server.server_port}"
    server.app = Delayed(app_for(url), latency) if latency > 0 else app_for(url)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name=f"sandbox-{name}",
                              daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _not_ready(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server in the foreground until SIGTERM/SIGINT; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m polycloud.testing.server", description=__doc__.splitlines()[0])
    parser.add_argument("--state-dir", required=True, type=Path)
    for cloud in ("aws", "azure", "gcp"):
        parser.add_argument(f"--{cloud}-port", type=int, default=0, help="0: a free port")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="every API call answers this much later")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    args.state_dir.mkdir(parents=True, exist_ok=True)
    serve(args.state_dir, aws_port=args.aws_port, azure_port=args.azure_port, gcp_port=args.gcp_port,
          latency=max(args.latency_ms, 0.0) / 1000, stop=stop)
    return 0


if __name__ == "__main__":  # pragma: no cover - the background process
    sys.exit(main())
