"""What every ``polycloud`` command shares: exit codes, usage errors, provider and limits flags, output,
and the progress lines on stderr (library log records, shown by ``-q`` / ``-v``)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from polycloud.findings import Finding

__all__ = ["EXIT_FINDINGS", "EXIT_INTERNAL", "EXIT_OK", "EXIT_PROVIDER", "EXIT_USAGE", "ProgressLines",
           "UsageError", "add_verbosity_flags", "emit", "image_archive_findings", "limits_flag", "log_level",
           "progress_lines", "providers_flag"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_PROVIDER = 0, 1, 2, 3
EXIT_INTERNAL = 70
"""A bug in polycloud (or in a third-party adapter): EX_SOFTWARE of sysexits.h, never 1 or 2."""


class UsageError(Exception):
    """A bad command line (exit 2)."""


def providers_flag(value: str | None) -> list[str] | None:
    """Provider keys from a ``--provider`` flag of keys, aliases or section names (None when absent)."""
    if not value:
        return None
    from polycloud import registry

    names = [registry.canonical(p) for p in value.split(",") if p.strip()]
    unknown = [n for n in names if not registry.is_builtin(n) and n not in registry.available()]
    if unknown:
        raise UsageError(f"unknown provider {', '.join(unknown)}; known: {', '.join(registry.available())} "
                         f"(aliases: {', '.join(registry.sections())})")
    return names


def limits_flag(path: str | None) -> dict[str, Any] | None:
    """The overrides document of a ``--limits FILE`` flag (None when absent)."""
    if not path:
        return None
    from polycloud.limit_overrides import read_overrides

    try:
        return read_overrides(path)
    except (OSError, ValueError) as exc:
        raise UsageError(f"--limits {path}: {exc}") from None


def emit(text: str, output: str | None = None) -> None:
    """Write ``text`` to ``output`` (a file, replaced only once complete) or stdout."""
    if output:
        target = Path(output)
        partial = target.with_name(f".{target.name}.partial")
        try:
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)


def image_archive_findings(files: Sequence[str], archive: str, providers: Sequence[str] | None,
                           limits: Mapping[str, Any] | None, cosign_key: str | None) -> list[Finding]:
    """The ``image-*`` findings of ``--image-archive`` (and ``--cosign-key``) for each spec file."""
    from polycloud.image import ImageError, SignaturePolicy, validate_image

    try:
        policy = SignaturePolicy.from_file(cosign_key) if cosign_key else None
        return [finding for file in files
                for finding in validate_image(file, archive, providers, limits=limits, signature=policy)]
    except ImageError as exc:
        flag = "--cosign-key" if cosign_key and cosign_key in str(exc) else "--image-archive"
        raise UsageError(f"{flag}: {exc}") from None


# -- progress lines: the library's log records on stderr --------------------------------------

def add_verbosity_flags(parser: argparse.ArgumentParser, *, default: Any = False) -> None:
    """``-q`` (errors only) and ``-v`` (debug, each retry too) on ``parser``.

    Subcommands take ``default=argparse.SUPPRESS`` so ``polycloud -q deploy`` and ``polycloud deploy -q``
    both work: an absent flag leaves the main parser's value alone.
    """
    group = parser.add_mutually_exclusive_group()
    group.add_argument("-q", "--quiet", action="store_true", default=default,
                       help="no progress lines on stderr, only errors")
    group.add_argument("-v", "--verbose", action="store_true", default=default,
                       help="debug lines on stderr too: every wait, every retry")


def log_level(args: argparse.Namespace) -> int:
    """The level of the records shown: ERROR with -q, DEBUG with -v, else INFO.

    Raises:
        UsageError: both -q and -v, one before the command and one after.
    """
    quiet, verbose = getattr(args, "quiet", False), getattr(args, "verbose", False)
    if quiet and verbose:
        raise UsageError("-q/--quiet and -v/--verbose cannot be used together")
    return logging.ERROR if quiet else logging.DEBUG if verbose else logging.INFO


def _library_loggers() -> list[str]:
    """Top-level logger names of polycloud and of every installed adapter package."""
    from importlib.metadata import entry_points

    names = {"polycloud"}
    names.update(ep.module.split(".")[0] for ep in entry_points(group="polycloud.adapters"))
    return sorted(names)


class ProgressLines(logging.Handler):
    """Shows library records as the CLI's stderr lines: the message as is, ``debug:`` before DEBUG ones,
    ``polycloud: warning:`` before warnings. ``sys.stderr`` is looked up at each record."""

    def emit(self, record: logging.LogRecord) -> None:
        """Write one record as one line."""
        try:
            message = record.getMessage()
            if record.levelno >= logging.WARNING:
                message = f"polycloud: {record.levelname.lower()}: {message}"
            elif record.levelno < logging.INFO:
                message = f"debug: {message}"
            sys.stderr.write(message + "\n")
            sys.stderr.flush()
        except Exception:  # pragma: no cover - logging's own contract: never raise from a handler
            self.handleError(record)


@contextlib.contextmanager
def progress_lines(level: int) -> Iterator[ProgressLines]:
    """For the block, show polycloud's and the adapters' records at ``level`` and above on stderr."""
    handler = ProgressLines(level)
    loggers = [logging.getLogger(name) for name in _library_loggers()]
    before = [(logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False  # shown once, here, not again by a root handler the host set up
    try:
        yield handler
    finally:
        for logger, (old_level, old_propagate) in zip(loggers, before, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(old_level)
            logger.propagate = old_propagate
