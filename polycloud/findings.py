"""Findings of a check and the Report that collects them."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Finding", "Report", "Severity"]


class Severity(str, enum.Enum):
    """How bad a finding is: errors block a deploy, warnings do only with ``--strict``."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Finding:
    """One problem in a spec, with where it is and how to fix it.

    ``path`` is the dotted spec path (``memory``, ``concurrency.max_instances``,
    ``environment.AWS_REGION``); ``provider`` is a provider key, or None for neutral rules.
    """

    rule: str
    severity: Severity
    message: str
    path: str = ""
    provider: str | None = None
    hint: str | None = None
    file: str | None = None
    line: int | None = None
    column: int | None = None

    def located(self, file: str | None, line: int | None, column: int | None) -> Finding:
        """A copy that points at a file position."""
        return dataclasses.replace(self, file=file, line=line, column=column)

    def location(self) -> str:
        """``file:line:col`` as far as it is known."""
        parts = [p for p in (self.file, self.line, self.column) if p is not None]
        return ":".join(str(p) for p in parts)

    def describe(self) -> str:
        """One line for people: location, severity, message, hint and rule id."""
        where = self.location()
        prefix = f"{where}: " if where else ""
        who = f"[{self.provider}] " if self.provider else ""
        hint = f" Fix: {self.hint}" if self.hint else ""
        return f"{prefix}{self.severity}: {who}{self.message}{hint} ({self.rule})"

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of one finding (docs/ci.md shows it)."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "provider": self.provider,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
            "file": self.file,
            "line": self.line,
            "column": self.column,
        }


@dataclass
class Report:
    """Every finding of one check run, over one or more files."""

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)
    checked: dict[str, list[str]] = field(default_factory=dict)
    """The providers each file was checked against (``<spec>`` for spec objects); a file missing here
    was checked against every one of ``providers``."""

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def extend(self, findings: Iterable[Finding]) -> None:
        """Add findings."""
        self.findings.extend(findings)

    def merge(self, other: Report) -> None:
        """Add another report's findings, files and providers."""
        self.findings.extend(other.findings)
        self.files.extend(f for f in other.files if f not in self.files)
        self.providers.extend(p for p in other.providers if p not in self.providers)
        for file, providers in other.checked.items():
            known = self.checked.setdefault(file, [])
            known.extend(p for p in providers if p not in known)

    @property
    def errors(self) -> list[Finding]:
        """Findings at error level."""
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Finding]:
        """Findings at warning level."""
        return [f for f in self.findings if f.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        """True when nothing is at error level."""
        return not self.errors

    def passes(self, *, strict: bool = False) -> bool:
        """True when the report would exit 0 (``strict`` also fails on warnings)."""
        return self.ok and not (strict and self.warnings)

    def to_dict(self, *, strict: bool = False) -> dict[str, Any]:
        """``{"ok": bool, "findings": [...]}``, the `--format json` report."""
        return {"ok": self.passes(strict=strict), "findings": [f.to_dict() for f in self.findings]}
