"""``LambdaCalls``: the part of ``LambdaAdapter`` its deploy steps (``roles``, ``concurrency``, ``url``) use.

The steps get this narrow view rather than the whole adapter: the two boto3 clients and the one way to
call them (errors translated, transient ones retried by polycloud's policy).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from polycloud.errors import ErrorMapper
from polycloud.retry import RetryPolicy

__all__ = ["LambdaCalls"]

T = TypeVar("T")


class LambdaCalls(Protocol):
    """Lambda and IAM clients, and ``call`` to send one request through polycloud's retry policy."""

    propagation_retry: RetryPolicy
    """The budget for waiting until IAM has propagated a role polycloud just made (``propagation``)."""

    @property
    def client(self) -> Any:
        """The boto3 Lambda client."""
        ...

    @property
    def iam(self) -> Any:
        """The boto3 IAM client."""
        ...

    def call(self, operation: str, fn: Callable[[], T], *, mapper: ErrorMapper | None = None) -> T:
        """One SDK call named by Lambda's ``operation``: errors translated, transient ones retried."""
        ...
