"""One tenacity policy for transient cloud errors, shared by every adapter.

Retried: throttling (429, ThrottledError), 5xx, dropped connections and errors an adapter
marks ``transient`` (e.g. Lambda's "update in progress" conflict). Never retried: any other
4xx, which will not change by waiting. ``Retry-After`` is honoured as given; attempts are
bounded, and no retry starts whose wait would end past the total time budget.

The waits are tenacity's own (``wait_random_exponential``: exponential backoff with full jitter),
raised to the provider's ``Retry-After`` when it names a longer one (``parse_retry_after`` reads
the header for every adapter). Each retry is a record on the ``polycloud.retry`` logger: DEBUG,
or INFO when the wait is a second or more, with ``operation``, ``attempt``, ``wait`` and ``code``
as record attributes.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, TypeVar

from polycloud.errors import ErrorMapper, ProviderError, ThrottledError, translating

if TYPE_CHECKING:
    from tenacity import RetryCallState

__all__ = ["RetryPolicy", "is_transient", "parse_retry_after"]

T = TypeVar("T")
logger = logging.getLogger(__name__)


def is_transient(exc: BaseException) -> bool:
    """True for errors that may succeed when tried again."""
    if not isinstance(exc, ProviderError):
        return False
    if isinstance(exc, ThrottledError) or exc.transient:
        return True
    return exc.status is not None and (exc.status == 429 or exc.status >= 500)


def parse_retry_after(value: object, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header value, or None when there is none to honour.

    RFC 9110 section 10.2.3 (https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3): the value is
    either ``delay-seconds`` (``120``) or an ``HTTP-date`` (``Wed, 21 Oct 2015 07:28:00 GMT``), the
    wait then being the time until that date (0 when it has passed; ``now`` defaults to the clock).
    A decimal number of seconds (``1.5``, as some services and the offline fakes send) is read too;
    anything else (empty, negative, not a number or date) is None, leaving the policy's own backoff.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, int | float):
        seconds = float(value)
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    text = str(value).strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until(text, now)
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _seconds_until(text: str, now: datetime | None) -> float | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110's HTTP-date is always GMT; parsedate gives naive for "-0000"
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


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

    def _wait(self) -> Callable[[RetryCallState], float]:
        """tenacity's full-jitter exponential wait, raised to the provider's Retry-After."""
        from tenacity import wait_random_exponential

        backoff = wait_random_exponential(multiplier=self.initial, max=self.maximum)

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, ProviderError) and exc.retry_after is not None:
                # The provider said when to come back: wait that long (the total budget still stops a
                # Retry-After that would run past it, rather than retrying early).
                return max(exc.retry_after, backoff(state))
            return float(backoff(state))

        return wait

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        operation = exc.operation if isinstance(exc, ProviderError) else None
        code = (exc.code or exc.status) if isinstance(exc, ProviderError) else type(exc).__name__
        logger.log(logging.INFO if wait >= 1 else logging.DEBUG,
                   "retrying %s in %.1fs (attempt %d of %d failed: %s)",
                   operation or "the call", wait, state.attempt_number, self.attempts, code,
                   extra={"operation": operation, "attempt": state.attempt_number, "wait": wait, "code": code})

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn``, retrying transient ProviderErrors; the last error is re-raised as is."""
        from tenacity import Retrying, retry_if_exception, stop_after_attempt, stop_before_delay

        retrying = Retrying(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(self.attempts) | stop_before_delay(self.total),
            wait=self._wait(),
            sleep=self.sleep,
            before_sleep=self._log_retry,
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
