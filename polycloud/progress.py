"""A quiet progress line on stderr for waits longer than a second."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator
from typing import TextIO

__all__ = ["waiting"]

_enabled = True


def set_enabled(enabled: bool) -> None:
    """Turn progress lines on or off (the CLI turns them off for --quiet)."""
    global _enabled
    _enabled = enabled


@contextlib.contextmanager
def waiting(what: str, *, after: float = 1.0, stream: TextIO | None = None) -> Iterator[None]:
    """Print ``what...`` to stderr if the block takes longer than ``after`` seconds, then its time."""
    out = stream or sys.stderr
    done = threading.Event()
    started = time.monotonic()
    shown = threading.Event()

    def announce() -> None:
        if not done.wait(after) and _enabled:
            shown.set()
            print(f"{what}...", file=out, flush=True)

    timer = threading.Thread(target=announce, daemon=True)
    timer.start()
    try:
        yield
    finally:
        done.set()
        timer.join()
        if shown.is_set():
            print(f"{what}: done in {time.monotonic() - started:.1f}s", file=out, flush=True)
