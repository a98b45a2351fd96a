"""What every ``polycloud`` command shares: exit codes, usage errors, provider and limits flags, output."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from polycloud.findings import Finding

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_PROVIDER", "EXIT_USAGE", "UsageError", "emit",
           "image_archive_findings", "limits_flag", "providers_flag"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_PROVIDER = 0, 1, 2, 3


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
