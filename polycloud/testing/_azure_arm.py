"""ARM plumbing behind ``polycloud.testing.azure.FakeArmWeb``: a fixed-token credential and the
long-running operations (202 + ``Azure-AsyncOperation``, ``InProgress`` polls, then the outcome).

No I/O and no SDK imports at import time.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from polycloud.testing._azure_state import ArmError, Operation, norm_location
from polycloud.testing.fakes import FakeRequest, FakeResponse

if TYPE_CHECKING:
    from types import TracebackType

    from azure.core.credentials import AccessToken, AccessTokenInfo, TokenRequestOptions

__all__ = ["FakeCredential", "LongRunningOperations"]

_TOKEN_LIFETIME = 10 * 365 * 24 * 3600


class FakeCredential:
    """An azure-core ``TokenCredential`` (and ``SupportsTokenInfo``) that hands out a fixed token.

    ``scopes`` records the scopes of every token request.
    """

    def __init__(self, token: str = "fake-token") -> None:
        self.token = token
        self.scopes: list[tuple[str, ...]] = []

    def get_token(
        self,
        *scopes: str,
        claims: str | None = None,
        tenant_id: str | None = None,
        enable_cae: bool = False,
        **kwargs: Any,
    ) -> AccessToken:
        """Return the fixed token, valid for ten years."""
        from azure.core.credentials import AccessToken

        self.scopes.append(scopes)
        return AccessToken(self.token, int(time.time()) + _TOKEN_LIFETIME)

    def get_token_info(self, *scopes: str, options: TokenRequestOptions | None = None) -> AccessTokenInfo:
        """Return the fixed token as an ``AccessTokenInfo`` (azure-core prefers this when present)."""
        from azure.core.credentials import AccessTokenInfo

        self.scopes.append(scopes)
        return AccessTokenInfo(self.token, int(time.time()) + _TOKEN_LIFETIME)

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> FakeCredential:
        """Context manager support, as ``SupportsTokenInfo`` requires."""
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Nothing to release."""


class LongRunningOperations:
    """ARM's asynchronous operations for a fake: ``_start`` answers 202 and keeps the change pending
    until ``lro_polls`` polls have answered ``InProgress``; then it is committed (or abandoned)."""

    base_url: str
    lro_polls: int

    def __init__(self, lro_polls: int) -> None:
        self.lro_polls = lro_polls
        self._ops: dict[str, Operation] = {}
        self._fail_next: dict[str, str] | None = None

    def fail_next_operation(self, code: str = "OperationFailed", message: str = "Operation failed.") -> None:
        """Make the next long-running operation end ``Failed`` with this error (nothing is created)."""
        self._fail_next = {"code": code, "message": message}

    def _start(
        self,
        target: str,
        sub: str,
        location: str,
        request: FakeRequest,
        commit: Callable[[], None],
        abandon: Callable[[], None],
    ) -> FakeResponse:
        op_id = str(uuid.uuid4())
        self._ops[op_id] = Operation(op_id, target, self.lro_polls, commit, abandon, error=self._fail_next)
        self._fail_next = None
        api = next(v for k, v in request.query.items() if k.lower() == "api-version")
        url = (
            f"{self.base_url}/subscriptions/{sub}/providers/Microsoft.Web/locations/{norm_location(location)}"
            f"/operationResults/{op_id}?api-version={api}"
        )
        return FakeResponse(202, None, {"Azure-AsyncOperation": url})

    @staticmethod
    def _finish(op: Operation) -> None:
        if op.error is not None:
            op.status = "Failed"
            op.abandon()
        else:
            op.status = "Succeeded"
            op.commit()

    def _settle(self, target: str) -> None:
        """Finish at once any operation still running on ``target`` (time passes for a new request)."""
        for op in self._ops.values():
            if op.target == target and op.status == "InProgress":
                self._finish(op)

    def _poll(self, op_id: str, request: FakeRequest) -> FakeResponse:
        op = self._ops.get(op_id)
        if op is None:
            raise ArmError(404, "ResourceNotFound", f"The operation '{op_id}' was not found.")
        if op.status == "InProgress":
            if op.polls_left > 0:
                op.polls_left -= 1
            else:
                self._finish(op)
        body: dict[str, Any] = {"id": request.path, "name": op_id, "status": op.status}
        if op.status == "Failed":
            body["error"] = dict(op.error or {})
        return FakeResponse(200, body)
