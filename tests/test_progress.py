"""waiting(): progress of long waits as log records, never printed."""

from __future__ import annotations

import logging
import time

import pytest

from polycloud.progress import waiting


def _progress(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if hasattr(r, "progress")]


def _until(condition, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds  # however loaded the machine
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def test_long_wait_logs_start_progress_and_end(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="polycloud")
    with waiting("waiting for hello", after=0.01, every=0.02):
        _until(lambda: sum(r.progress == "waiting" for r in _progress(caplog)) >= 3)
    records = _progress(caplog)
    assert records[0].progress == "start" and records[0].levelno == logging.DEBUG
    assert records[0].getMessage() == "waiting for hello"
    assert records[1].getMessage() == "waiting for hello..." and records[1].levelno == logging.INFO
    periodic = [r for r in records[2:] if r.progress == "waiting"]
    assert periodic and all(r.getMessage().startswith("waiting for hello: ") and r.getMessage().endswith(
        "s so far") for r in periodic)
    elapsed = [r.elapsed for r in records]
    assert elapsed == sorted(elapsed)
    end = records[-1]
    assert end.progress == "end" and end.levelno == logging.INFO
    assert end.getMessage().startswith("waiting for hello: done in ")
    assert {r.name for r in records} == {"polycloud.progress"}


def test_short_wait_logs_only_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="polycloud")
    with waiting("waiting for hello", after=5):
        pass
    records = _progress(caplog)
    assert [r.progress for r in records] == ["start", "end"]
    assert all(r.levelno == logging.DEBUG for r in records)


def test_records_go_to_the_callers_logger(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with waiting("waiting for Cloud Run", after=5, log=logging.getLogger("polycloud_gcp.adapter")):
        pass
    assert {r.name for r in _progress(caplog)} == {"polycloud_gcp.adapter"}


def test_nothing_reaches_stderr_without_logging_configured(capfd: pytest.CaptureFixture[str]) -> None:
    with waiting("waiting for hello", after=0.01, every=0.01):
        time.sleep(0.1)
    assert capfd.readouterr().err == ""
