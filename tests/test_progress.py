"""The stderr progress line appears only for waits longer than the threshold."""

from __future__ import annotations

import io
import time

from polycloud.progress import waiting


def test_long_wait_is_announced_with_its_duration() -> None:
    out = io.StringIO()
    with waiting("waiting for hello", after=0.01, stream=out):
        deadline = time.monotonic() + 10
        while "..." not in out.getvalue() and time.monotonic() < deadline:  # however loaded the machine
            time.sleep(0.01)
    lines = out.getvalue().splitlines()
    assert lines[0] == "waiting for hello..."
    assert lines[1].startswith("waiting for hello: done in ")


def test_short_wait_prints_nothing() -> None:
    out = io.StringIO()
    with waiting("waiting for hello", after=5, stream=out):
        pass
    assert out.getvalue() == ""
