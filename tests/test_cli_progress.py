"""Progress and retries: log records from the library, lines on stderr only from the CLI (-q / -v)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from polycloud import deploy
from polycloud.cli import main

EXAMPLE = str(Path(__file__).resolve().parents[1] / "examples" / "hello-api.yaml")


def test_a_throttled_call_shows_one_retry_line(polycloud_sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    polycloud_sandbox.fake("gcp").inject(1, status=429, retry_after=2)
    assert main(["deploy", EXAMPLE, "-p", "gcp", "--sandbox"]) == 0
    assert capsys.readouterr().err.splitlines() == ["retrying GetService in 2.0s (attempt 1 of 6 failed: "
                                                    "RESOURCE_EXHAUSTED)"]


@pytest.mark.parametrize("argv", [["-q", "deploy", EXAMPLE], ["deploy", EXAMPLE, "-q"]])
def test_quiet_shows_only_errors(polycloud_sandbox, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    polycloud_sandbox.fake("gcp").inject(1, status=429, retry_after=2)
    assert main([*argv, "-p", "gcp", "--sandbox"]) == 0
    assert capsys.readouterr().err == ""
    polycloud_sandbox.fake("gcp").inject(6, status=403)
    assert main([*argv, "-p", "gcp", "--sandbox"]) == 3
    assert capsys.readouterr().err.startswith("polycloud: error: ")


@pytest.mark.parametrize("argv", [["-v", "deploy", EXAMPLE], ["deploy", EXAMPLE, "--verbose"]])
def test_verbose_shows_every_retry(polycloud_sandbox, capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    polycloud_sandbox.fake("gcp").inject(1, status=503)  # a short backoff: DEBUG, so only with -v
    assert main([*argv, "-p", "gcp", "--sandbox"]) == 0
    err = capsys.readouterr().err.splitlines()
    retries = [line for line in err if "retrying" in line]
    assert len(retries) == 1 and retries[0].startswith("debug: retrying GetService in ")
    assert retries[0].endswith("s (attempt 1 of 6 failed: UNAVAILABLE)")
    assert all(line.startswith("debug: ") for line in err), err  # no wait here lasted a second
    polycloud_sandbox.fake("gcp").inject(1, status=503)
    assert main(["deploy", EXAMPLE, "-p", "gcp", "--sandbox"]) == 0
    assert "retrying" not in capsys.readouterr().err


def test_quiet_and_verbose_together_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "rules", "-v"]) == 2
    assert "-q/--quiet and -v/--verbose cannot be used together" in capsys.readouterr().err


def test_every_command_takes_quiet_and_verbose(capsys: pytest.CaptureFixture[str]) -> None:
    from polycloud.cli import _parser

    parser = _parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    for name, command in sub.choices.items():
        flags = {option for action in command._actions for option in action.option_strings}
        assert {"-q", "--quiet", "-v", "--verbose"} <= flags, name


def test_the_library_logs_and_never_prints(polycloud_sandbox, capfd: pytest.CaptureFixture[str],
                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="polycloud")
    polycloud_sandbox.fake("gcp").inject(1, status=429, retry_after=2)
    assert deploy(EXAMPLE, "gcp", settings=polycloud_sandbox.settings("gcp")).action == "created"
    assert capfd.readouterr().err == ""
    (record,) = [r for r in caplog.records if r.name == "polycloud.retry"]
    assert (record.operation, record.attempt, record.wait, record.levelno) == ("GetService", 1, 2, logging.INFO)


def test_the_cli_leaves_logging_as_it_found_it(polycloud_sandbox) -> None:
    loggers = [logging.getLogger(name) for name in ("polycloud", "polycloud_gcp")]
    before = [(lg.level, lg.propagate, list(lg.handlers)) for lg in loggers]
    assert main(["-v", "deploy", EXAMPLE, "-p", "gcp", "--sandbox"]) == 0
    assert [(lg.level, lg.propagate, list(lg.handlers)) for lg in loggers] == before
