"""What every ``polycloud`` command shares: exit codes, usage errors, provider and limits flags, output."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["EXIT_FINDINGS", "EXIT_INTERNAL", "EXIT_OK", "EXIT_PROVIDER", "EXIT_USAGE", "UsageError", "emit",
           "limits_flag", "providers_flag"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_PROVIDER = 0, 1, 2, 3
EXIT_INTERNAL = 70
"""A bug in polycloud (or in a third-party adapter): EX_SOFTWARE of sysexits.h, never 1 or 2."""


class UsageError(Exception):
    """A bad command line (exit 2)."""


def providers_flag(value: str | None) -> list[str] | None:
    """Provider keys from a ``--provider aws,gcp`` flag (None when absent)."""
    if not value:
        return None
    from polycloud import registry

    names = [registry.canonical(p) for p in value.split(",") if p.strip()]
    unknown = [n for n in names if not registry.is_builtin(n) and n not in registry.available()]
    if unknown:
        raise UsageError(f"unknown provider {', '.join(unknown)}; known: {', '.join(registry.available())} "
                         "(aliases: aws, azure, gcp)")
    return names


def limits_flag(path: str | None) -> dict[str, Any] | None:
    """The overrides document of a ``--limits FILE`` flag (None when absent)."""
    if not path:
        return None
    from polycloud.limits import read_overrides

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
