"""A ``FakeService`` served over real HTTP: the WSGI front end of the lasting sandbox's ARM and Cloud Run fakes.

``FakeServiceApp`` turns each WSGI request into a ``FakeRequest``, asks the fake's ``handle`` (the same
request -> response core the ``responses`` front end drives) and writes its ``FakeResponse`` back; a
dropped-connection fault closes the socket without an answer. Requests are served one at a time per fake
(a lock), as the in-process fakes assume. Two control paths, under ``CONTROL``, answer the sandbox's own
tooling: ``GET`` health (which process serves, for ``polycloud sandbox status``) and ``POST .../reset``
(a fresh, empty fake). ``Delayed`` adds a fixed latency to every other request (a benchmark's stand-in
for a real control plane's round trip). Importing this module imports no SDK and no werkzeug.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from polycloud.testing.fakes import FakeRequest, FakeResponse, FakeService, Fault

__all__ = ["CONTROL", "FakeServiceApp", "Delayed"]

CONTROL = "/_polycloud/sandbox"
"""Path of the health answer; ``CONTROL + "/reset"`` empties the fake."""

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

_REASONS = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request",
            401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
            409: "Conflict", 412: "Precondition Failed", 429: "Too Many Requests",
            500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


class FakeServiceApp:
    """A WSGI application serving the fake ``make()`` returns (made again on reset).

    ``name`` is the provider key the health answer reports.
    """

    def __init__(self, name: str, make: Callable[[], FakeService]) -> None:
        self.name = name
        self._make = make
        self._lock = threading.Lock()
        self.fake = make()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer one WSGI request."""
        path = environ.get("PATH_INFO") or "/"
        method = str(environ.get("REQUEST_METHOD") or "GET").upper()
        if path.rstrip("/") == CONTROL and method == "GET":
            return _send(start_response, FakeResponse(200, {"service": self.name, "pid": os.getpid()}))
        if path.rstrip("/") == CONTROL + "/reset" and method == "POST":
            with self._lock:
                self.fake = self._make()
            return _send(start_response, FakeResponse(200, {"service": self.name, "reset": True}))
        request = _fake_request(environ, method, path)
        with self._lock:
            answer = self.fake.handle(request)
        if isinstance(answer, Fault):
            if answer.drop:
                _drop(environ)
                return _send(start_response, FakeResponse(502, None))
            headers = {} if answer.retry_after is None else {"Retry-After": f"{answer.retry_after:g}"}
            answer = FakeResponse(answer.status, answer.body or self.fake.fault_body(answer.status), headers)
        return _send(start_response, answer)


class Delayed:
    """WSGI middleware: wait ``seconds`` before ``app`` answers (not for ``CONTROL`` paths). Requests wait in
    parallel, as calls to a real service do, so bounded parallelism in a client shows."""

    def __init__(self, app: Callable[..., Iterable[bytes]], seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Wait, then pass the request on."""
        if not str(environ.get("PATH_INFO") or "").startswith(CONTROL):
            time.sleep(self.seconds)
        return self.app(environ, start_response)


def _fake_request(environ: dict[str, Any], method: str, path: str) -> FakeRequest:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length).decode("utf-8") if length > 0 else ""
    try:
        body: Any = json.loads(raw) if raw else None
    except ValueError:
        body = raw
    headers = {key[5:].replace("_", "-").lower(): str(value) for key, value in environ.items()
               if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = str(environ[key])
    query = dict(parse_qsl(str(environ.get("QUERY_STRING") or ""), keep_blank_values=True))
    return FakeRequest(method=method, path=path, query=query, headers=headers, body=body)


def _send(start_response: StartResponse, answer: FakeResponse) -> list[bytes]:
    data = b"" if answer.body is None else json.dumps(answer.body).encode("utf-8")
    headers = {"Content-Type": "application/json", **answer.headers, "Content-Length": str(len(data))}
    start_response(f"{answer.status} {_REASONS.get(answer.status, 'Status')}", list(headers.items()))
    return [data]


def _drop(environ: dict[str, Any]) -> None:
    """Close the client's connection without an answer (werkzeug exposes the socket)."""
    sock = environ.get("werkzeug.socket")
    if isinstance(sock, socket.socket):
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
