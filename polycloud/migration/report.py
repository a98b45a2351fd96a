"""The portability report: one row per spec field and per source setting, a to-do list, and its renderings
(text, JSON, Markdown)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from polycloud.migration.types import Status
from polycloud.spec import FunctionSpec

__all__ = ["FORMATS", "PortabilityReport", "Row", "TodoItem", "markdown_cell"]

FORMATS = ("text", "json", "markdown")


@dataclass(frozen=True)
class Row:
    """How one field (``memory``, ``environment.LOG_LEVEL``, ``providers.aws.role``) arrives on the target."""

    field: str
    status: Status
    source: Any
    """The value on the source (JSON-like)."""
    target: Any
    """The value read back from the target (JSON-like); None when it has none."""
    rule: str | None = None
    """The rule that refuses it (``refused``) or that a fit satisfied (``adjusted``)."""
    message: str = ""
    """How and why (``adjusted``, ``emulated``), what to do instead (``dropped``), the fix (``refused``)."""

    def to_dict(self) -> dict[str, Any]:
        """``{"field", "status", "source", "target", "rule", "message"}``."""
        return {"field": self.field, "status": self.status.value, "source": self.source, "target": self.target,
                "rule": self.rule, "message": self.message}


@dataclass(frozen=True)
class TodoItem:
    """One thing the user must do for a migration to be complete (create, grant, copy, move, retire)."""

    kind: str
    """``identity``, ``network``, ``invoker``, ``secret-access``, ``code``, ``image``, ``callers``, ``retire``..."""
    text: str
    command: str | None = None
    """The exact command to run, when there is one (an image copy)."""

    def to_dict(self) -> dict[str, Any]:
        """``{"kind", "text", "command"}``."""
        return {"kind": self.kind, "text": self.text, "command": self.command}

    def describe(self) -> str:
        """One line: the text, then the command."""
        return self.text + (f": {self.command}" if self.command else "")


@dataclass
class PortabilityReport:
    """What a migration of ``name`` from ``source`` to ``target`` carries, field by field."""

    source: str | None
    """The source provider key (None for a spec that names no provider)."""
    target: str
    name: str
    rows: list[Row] = field(default_factory=list)
    todo: list[TodoItem] = field(default_factory=list)
    deployment: dict[str, Any] | None = None
    """The deployment (or its dry-run plan) once made, as ``Deployment.to_dict``."""
    spec: FunctionSpec | None = None
    """The spec for the target, as mapped and fitted (not part of the JSON report)."""

    @property
    def refused(self) -> list[Row]:
        """The rows that stop the migration."""
        return [row for row in self.rows if row.status == Status.REFUSED]

    @property
    def ok(self) -> bool:
        """True when nothing is refused."""
        return not self.refused

    def row(self, path: str) -> Row:
        """The row of ``path``.

        Raises:
            KeyError: no such row.
        """
        for row in self.rows:
            if row.field == path:
                return row
        raise KeyError(path)

    def to_dict(self) -> dict[str, Any]:
        """``{"source", "target", "name", "fields": [...], "todo": [...], "deployment": {...}}``."""
        return {"source": self.source, "target": self.target, "name": self.name,
                "fields": [row.to_dict() for row in self.rows], "todo": [item.to_dict() for item in self.todo],
                "deployment": self.deployment}

    def render(self, fmt: str = "text") -> str:
        """The report as ``text``, ``json`` or ``markdown``.

        Raises:
            ValueError: an unknown format.
        """
        if fmt == "json":
            return json.dumps(self.to_dict(), indent=2) + "\n"
        if fmt == "markdown":
            return self._markdown()
        if fmt == "text":
            return self._text()
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")

    def _title(self) -> str:
        return f"{self.name}: {self.source or 'spec'} -> {self.target}"

    def _text(self) -> str:
        width = max([len(r.field) for r in self.rows] + [5])
        lines = [self._title()]
        for row in self.rows:
            line = f"  {row.field:<{width}}  {row.status.value:<8}"
            if row.status != Status.EXACT:
                line += f"  {_short(row.source)} -> {_short(row.target)}"
                line += f"  [{row.rule}]" if row.rule else ""
                line += f"  {row.message}" if row.message else ""
            lines.append(line.rstrip())
        counts = {s.value: sum(r.status == s for r in self.rows) for s in Status}
        lines.append("  " + ", ".join(f"{n} {s}" for s, n in counts.items() if n))
        if self.todo:
            lines.append("to do:")
            lines += [f"  - {item.describe()}" for item in self.todo]
        return "\n".join(lines) + "\n"

    def _markdown(self) -> str:
        lines = [f"## {self._title()}", "", "| field | status | source | target | rule | message |",
                 "|---|---|---|---|---|---|"]
        for row in self.rows:
            cells = [f"`{row.field}`", row.status.value, markdown_cell(row.source), markdown_cell(row.target),
                     row.rule or "", row.message.replace("|", "\\|")]
            lines.append("| " + " | ".join(cells) + " |")
        if self.todo:
            lines += ["", "### To do", ""]
            lines += [f"- {item.text}" + (f": `{item.command}`" if item.command else "") for item in self.todo]
        return "\n".join(lines) + "\n"


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


def markdown_cell(value: Any) -> str:
    """A value as a Markdown table cell (code, shortened; empty for None)."""
    return "" if value is None else f"`{_short(value)}`".replace("|", "\\|")
