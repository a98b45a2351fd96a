"""Long-running operations of the fake Cloud Run v2 API: started by each write, settled by polls.

A write is applied at once and its service reports ``reconciling: true``; the operation answers
``done: false`` to its first ``polls`` polls, then settles the service (Ready, or failed with a
queued error) and answers ``done: true`` with the Service or the error. Pure in-memory state,
shared with ``FakeCloudRun`` (which serialises calls); no SDK import.
"""

from __future__ import annotations

import copy
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

__all__ = ["Operation", "Operations", "now"]

_SERVICE_TYPE = "type.googleapis.com/google.cloud.run.v2.Service"


def now() -> str:
    """The current time as the API writes it (RFC 3339, UTC, microseconds)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Operation:
    """One long-running operation of a service write."""

    name: str
    kind: str  # create | update | delete | validate
    service: str  # full resource name
    polls_left: int
    generation: str
    error: dict[str, Any] | None = None
    done: bool = False
    result: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The google.longrunning.Operation JSON: the Service as metadata, then response or error."""
        body: dict[str, Any] = {"name": self.name, "metadata": {"@type": _SERVICE_TYPE, **(self.result or {})}}
        if self.done:
            body["done"] = True
            if self.error is not None:
                body["error"] = dict(self.error)
            else:
                body["response"] = {"@type": _SERVICE_TYPE, **(self.result or {})}
        return body


class Operations:
    """The fake's operations, settling the services (and IAM policies) of the dicts it is given."""

    def __init__(self, services: dict[str, dict[str, Any]], policies: dict[str, dict[str, Any]]) -> None:
        self._services = services
        self._policies = policies
        self._all: dict[str, Operation] = {}
        self._fail_next: deque[dict[str, Any]] = deque()

    def fail_next(self, code: int, message: str) -> None:
        """Make the next operation started end with this ``google.rpc.Status`` error."""
        self._fail_next.append({"code": code, "message": message})

    def start(self, kind: str, service: dict[str, Any], polls: int) -> dict[str, Any]:
        """Start an operation on ``service`` (just written); returns its JSON. ``validate`` is done at once."""
        parent = service["name"].split("/services/")[0]
        op = Operation(name=f"{parent}/operations/{uuid.uuid4()}", kind=kind, service=service["name"],
                       polls_left=polls, generation=service["generation"], result=copy.deepcopy(service))
        if kind == "validate":
            op.done = True
        elif self._fail_next:
            op.error = self._fail_next.popleft()
        self._all[op.name] = op
        return op.to_json()

    def poll(self, name: str) -> dict[str, Any] | None:
        """One poll of operation ``name``: its JSON, or None when there is no such operation."""
        op = self._all.get(name)
        if op is None:
            return None
        if not op.done:
            if op.polls_left > 0:
                op.polls_left -= 1
            else:
                self._finish(op)
        return op.to_json()

    def complete_all(self) -> int:
        """Finish every pending operation as if polled to the end; returns how many finished."""
        pending = [op for op in self._all.values() if not op.done]
        for op in pending:
            self._finish(op)
        return len(pending)

    def _finish(self, op: Operation) -> None:
        op.done = True
        current = self._services.get(op.service)
        if current is None or current["generation"] != op.generation:
            return  # deleted meanwhile, or superseded by a newer write: nothing to settle
        when = now()
        if op.kind == "delete":
            if op.error is None:
                del self._services[op.service]
                self._policies.pop(op.service, None)
                current["deleteTime"] = when
            current["reconciling"] = False
            op.result = copy.deepcopy(current)
            return
        current["reconciling"] = False
        current["observedGeneration"] = current["generation"]
        if op.error is None:
            current["latestReadyRevision"] = current["latestCreatedRevision"]
            condition = {"state": "CONDITION_SUCCEEDED", "lastTransitionTime": when}
            current["terminalCondition"] = {"type": "Ready", **condition}
            current["conditions"] = [{"type": t, **condition} for t in ("RoutesReady", "ConfigurationsReady")]
            current["trafficStatuses"] = [{"type": "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST", "percent": 100}]
        else:
            current["terminalCondition"] = {"type": "Ready", "state": "CONDITION_FAILED", "severity": "ERROR",
                                            "message": op.error["message"], "lastTransitionTime": when}
        op.result = copy.deepcopy(current)
