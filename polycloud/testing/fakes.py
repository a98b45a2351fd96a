"""The plain request -> response core of every polycloud fake, and its ``responses`` front end.

A fake is a ``FakeService``: ``handle(FakeRequest) -> FakeResponse``, with no I/O, so the same
core can be driven by ``responses`` (tests) or served over HTTP (a sandbox). Faults queued with
``inject`` answer the next calls before the service sees them: an HTTP status (429 with
``Retry-After``, 500, 503) or a dropped connection.
"""

from __future__ import annotations

import abc
import contextlib
import json
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    import requests
    import responses

__all__ = ["Fault", "FakeRequest", "FakeResponse", "FakeService", "Matcher", "matching"]

_METHODS = ("GET", "PUT", "POST", "PATCH", "DELETE", "HEAD")


@dataclass
class FakeRequest:
    """One HTTP request as the fake sees it (``body`` is parsed JSON, or None)."""

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None

    @property
    def is_write(self) -> bool:
        """True for anything but GET/HEAD, by the verb alone (``FakeService.is_read`` knows the API's
        reads sent with another verb)."""
        return self.method not in ("GET", "HEAD")


@dataclass
class FakeResponse:
    """One HTTP answer: status, JSON body (or None) and headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Fault:
    """A queued failure: an HTTP ``status`` or, with ``drop``, a dropped connection."""

    status: int = 500
    retry_after: float | None = None
    drop: bool = False
    body: Any = None


Matcher = Callable[[FakeRequest], bool]
"""Chooses the requests a scripted fault applies to."""


def matching(method: str, suffix: str = "") -> Matcher:
    """Matches requests with this HTTP ``method`` whose path ends with ``suffix``."""
    return lambda request: request.method == method.upper() and request.path.endswith(suffix)


class FakeService(abc.ABC):
    """Base of the stateful fakes: call log, fault injection, and the ``responses`` front end.

    Subclasses set ``base_url`` and implement ``dispatch``.
    """

    base_url: str = "https://fake.invalid"

    def __init__(self, *, base_url: str | None = None) -> None:
        if base_url is not None:
            self.base_url = base_url.rstrip("/")
        self.calls: list[FakeRequest] = []
        self._faults: deque[Fault] = deque()
        self._scripted: list[tuple[Matcher, Fault | None, int]] = []
        self._hooks: list[tuple[Matcher, Callable[[FakeRequest], None], int]] = []
        self._hooks_lock = threading.Lock()

    # -- the core ----------------------------------------------------------------
    def _run_hooks(self, request: FakeRequest) -> None:
        with self._hooks_lock:
            due = []
            for index, (match, action, count) in enumerate(self._hooks):
                if count and match(request):
                    self._hooks[index] = (match, action, count - 1)
                    due.append(action)
        for action in due:
            action(request)

    def before(self, match: Matcher, action: Callable[[FakeRequest], None], count: int = 1) -> None:
        """Run ``action(request)`` before the fake answers the next ``count`` requests that ``match``: a test's
        ``threading.Barrier`` to interleave two deploys deterministically, or a pause that never ends.
        Hooks run in the ``responses`` front end, outside the fake's own lock."""
        with self._hooks_lock:
            self._hooks.append((match, action, count))

    def handle(self, request: FakeRequest) -> FakeResponse | Fault:
        """Answer one request: a scripted or queued fault first, else the service's own answer."""
        self.calls.append(request)
        for index, (match, fault, count) in enumerate(self._scripted):
            if count and match(request):
                self._scripted[index] = (match, fault, count - 1)
                if fault is not None:
                    return fault
                self.dispatch(request)  # the service acts, but its answer is lost
                return Fault(drop=True)
        if self._faults:
            return self._faults.popleft()
        return self.dispatch(request)

    def fail_when(self, match: Matcher, fault: Fault, count: int = 1) -> None:
        """Answer the next ``count`` requests that ``match`` with ``fault`` (others pass)."""
        self._scripted.append((match, fault, count))

    def lose_answer_when(self, match: Matcher, count: int = 1) -> None:
        """Let the service handle the next ``count`` requests that ``match``, then drop the connection:
        the call succeeded but its answer never arrived, so a retry must not duplicate anything."""
        self._scripted.append((match, None, count))

    @abc.abstractmethod
    def dispatch(self, request: FakeRequest) -> FakeResponse:
        """The service's own answer; subclasses implement it."""

    def fault_reply(self, answer: Fault) -> tuple[int, dict[str, str], str] | Exception:
        """What ``responses`` sends for an injected fault: a dropped connection, or the status with the service's
        error body (``fault_body``) and any ``Retry-After``."""
        import requests

        if answer.drop:
            return requests.exceptions.ConnectionError("connection dropped by the fake (injected fault)")
        headers = {"Content-Type": "application/json"}
        if answer.retry_after is not None:
            headers["Retry-After"] = f"{answer.retry_after:g}"
        return answer.status, headers, json.dumps(answer.body or self.fault_body(answer.status))

    def fault_body(self, status: int) -> Any:
        """The error body an injected fault answers with; subclasses use their API's shape."""
        return {"error": {"code": str(status), "message": "injected fault"}}

    def inject(
        self, count: int = 1, *, status: int = 500, retry_after: float | None = None, drop: bool = False
    ) -> None:
        """Fail the next ``count`` calls with ``status`` (or a dropped connection)."""
        self._faults.extend(Fault(status=status, retry_after=retry_after, drop=drop) for _ in range(count))

    def is_read(self, request: FakeRequest) -> bool:
        """True for a request that cannot change state: GET/HEAD here; a subclass adds its API's reads
        sent with another verb (ARM's ``POST .../list``)."""
        return not request.is_write

    @property
    def reads(self) -> list[FakeRequest]:
        """The calls that only read (``is_read``)."""
        return [c for c in self.calls if self.is_read(c)]

    @property
    def writes(self) -> list[FakeRequest]:
        """The calls that could change state: every call ``is_read`` does not count as a read."""
        return [c for c in self.calls if not self.is_read(c)]

    def reset_calls(self) -> None:
        """Forget the call log (state stays)."""
        self.calls.clear()

    # -- the responses front end -------------------------------------------------
    def install(self, mock: responses.RequestsMock) -> None:
        """Route every request to ``base_url`` through this fake."""
        pattern = re.compile(re.escape(self.base_url) + r"(/.*)?$")
        for method in _METHODS:
            mock.add_callback(method, pattern, callback=self._callback)

    @contextlib.contextmanager
    def activate(self) -> Iterator[FakeService]:
        """Context manager: a ``responses`` mock that serves this fake (and nothing else)."""
        import responses

        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            self.install(mock)
            yield self

    def _callback(self, prepared: requests.PreparedRequest) -> tuple[int, dict[str, str], str] | Exception:
        url = urlsplit(prepared.url or "")
        raw: Any = prepared.body
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8")
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        request = FakeRequest(
            method=(prepared.method or "GET").upper(),
            path=url.path,
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            headers={k.lower(): str(v) for k, v in prepared.headers.items()},
            body=body,
        )
        self._run_hooks(request)
        answer = self.handle(request)
        if isinstance(answer, Fault):
            return self.fault_reply(answer)
        headers = {"Content-Type": "application/json", **answer.headers}
        text = "" if answer.body is None else json.dumps(answer.body)
        return answer.status, headers, text
