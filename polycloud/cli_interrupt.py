"""Ctrl-C and SIGTERM in the CLI: one path for both, a short report, the shell's exit code.

Python turns SIGINT into ``KeyboardInterrupt`` in the main thread, wherever it is waiting (an SDK poller's
sleep, a socket read). ``interrupts_as_keyboard_interrupt`` makes SIGTERM (what ``kill``, CI runners and
container runtimes send) do the same for the duration of a command, so a deploy stopped either way ends in
``BaseAdapter.apply``'s ``InterruptedDeployError`` with what it had changed and what it left running.
The exit code is the shell's ``128 + signal number``: 130 for SIGINT, 143 for SIGTERM.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

from polycloud.errors import InterruptedDeployError

__all__ = ["interrupt_exit", "interrupts_as_keyboard_interrupt"]

_received: list[int] = []


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    raise KeyboardInterrupt(signal.Signals(signum).name)


@contextlib.contextmanager
def interrupts_as_keyboard_interrupt() -> Iterator[None]:
    """SIGTERM raises ``KeyboardInterrupt`` in the block, as SIGINT does (main thread only; a signal the
    process was started to ignore stays ignored)."""
    _received.clear()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        if previous is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, previous)


def interrupt_exit(exc: KeyboardInterrupt, fmt: str) -> int:
    """Report an interrupt (what had changed and what is left running, when a deploy was under way) and
    return the exit code: 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM)."""
    signum = _received[-1] if _received else int(signal.SIGINT)
    name = signal.Signals(signum).name
    deploying = isinstance(exc, InterruptedDeployError)
    changed = exc.changed if isinstance(exc, InterruptedDeployError) else []
    running = exc.running if isinstance(exc, InterruptedDeployError) else None
    if fmt == "json":
        sys.stdout.write(json.dumps({"ok": False, "error": {
            "interrupted": True, "signal": name, "deploying": deploying, "changed": changed, "running": running}},
            indent=2) + "\n")
    if deploying:
        print(f"polycloud: interrupted by {name}: already changed: {'; '.join(changed) or 'nothing'}; still "
              f"running in the cloud: {running or 'nothing'}; run deploy again to converge", file=sys.stderr)
    else:  # reading, planning, between fleet items: no write of this process was under way
        print(f"polycloud: interrupted by {name} while no deploy was writing; run the command again",
              file=sys.stderr)
    return 128 + signum
