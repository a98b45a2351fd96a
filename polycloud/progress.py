"""Progress of long waits, reported as log records (never printed): the CLI turns them into lines.

``waiting(what)`` logs, on the ``polycloud.progress`` logger unless given the caller's own:

- DEBUG ``what`` when the block starts;
- INFO ``what...`` once it has taken longer than ``after`` seconds (default 1), then INFO
  ``what: Ns so far`` every ``every`` seconds;
- at the end, ``what: done in N.Ns``: INFO when the wait was announced, DEBUG when it was short.

Every record carries ``progress`` (``"start"``, ``"waiting"``, ``"end"``) and ``elapsed`` (seconds)
as attributes, for a handler that wants more than the message. A library user sees nothing unless
they configure logging, as with httpx or botocore.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator

__all__ = ["waiting"]

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def waiting(what: str, *, after: float = 1.0, every: float = 10.0,
            log: logging.Logger | None = None) -> Iterator[None]:
    """Log the progress of the block: announced after ``after`` seconds, then every ``every`` seconds."""
    out = log or logger
    done = threading.Event()
    announced = threading.Event()
    started = time.monotonic()

    def record(level: int, phase: str, message: str, *args: object) -> None:
        out.log(level, message, *args, extra={"progress": phase, "elapsed": time.monotonic() - started})

    def announce() -> None:
        if done.wait(after):
            return
        announced.set()
        record(logging.INFO, "waiting", "%s...", what)
        while not done.wait(every):
            record(logging.INFO, "waiting", "%s: %ds so far", what, time.monotonic() - started)

    record(logging.DEBUG, "start", "%s", what)
    timer = threading.Thread(target=announce, name="polycloud-progress", daemon=True)
    timer.start()
    try:
        yield
    finally:
        done.set()
        timer.join()
        record(logging.INFO if announced.is_set() else logging.DEBUG, "end", "%s: done in %.1fs", what,
               time.monotonic() - started)
