"""One tenacity policy for transient cloud errors, shared by every adapter.

Retried: throttling (429, ThrottledError), 5xx, dropped connections and errors an adapter
marks ``transient`` (e.g. Lambda's "update in progress" conflict). Never retried: any other
4xx, which will not change by waiting. ``Retry-After`` is honoured as given; attempts are
bounded, and no retry starts whose wait would end past the total time budget.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from polycloud.errors import ErrorMapper, ProviderError, ThrottledError, translating

if TYPE_CHECKING:
    from tenacity import RetryCallState

__all__ = ["RetryPolicy", "is_transient"]

T = TypeVar("T")


def is_transient(exc: BaseException) -> bool:
    """True for errors that may succeed when tried again."""
    if not isinstance(exc, ProviderError):
        return False
    if isinstance(exc, ThrottledError) or exc.transient:
        return True
    return exc.status is not None and (exc.status == 429 or exc.status >= 500)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, honouring Retry-After, bounded in attempts and time.

    ``sleep`` is injectable so tests and the offline sandbox never really wait.
    """

    attempts: int = 6
    initial: float = 0.5
    maximum: float = 20.0
    total: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        backoff = random.uniform(0, min(self.maximum, self.initial * 2 ** (state.attempt_number - 1)))
        if isinstance(exc, ProviderError) and exc.retry_after is not None:
            # The provider said when to come back: wait that long (the total budget still stops a
            # Retry-After that would run past it, rather than retrying early).
            return max(exc.retry_after, backoff)
        return backoff

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn``, retrying transient ProviderErrors; the last error is re-raised as is."""
        from tenacity import Retrying, retry_if_exception, stop_after_attempt, stop_before_delay

        retrying = Retrying(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(self.attempts) | stop_before_delay(self.total),
            wait=self._wait,
            sleep=self.sleep,
            reraise=True,
        )
        return retrying(fn)

    def run(self, operation: str, fn: Callable[[], T], mapper: ErrorMapper) -> T:
        """One SDK call: its errors translated by ``mapper``, transient ones retried."""

        def attempt() -> T:
            with translating(mapper, operation):
                return fn()

        return self.call(attempt)

    @classmethod
    def no_wait(cls, attempts: int = 6) -> RetryPolicy:
        """The same policy without sleeping (tests, sandbox): waits cost nothing, so only attempts bound it."""
        return cls(attempts=attempts, total=float("inf"), sleep=lambda _seconds: None)
