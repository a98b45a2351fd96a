"""Diff a desired provider config against the live one; the Plan and Deployment results.

A provider config (``polycloud.config.ProviderConfig``) is what an adapter's ``translate`` makes
from a spec and its ``read`` makes from the live resource, in the same shape. Only its settings are
compared: nested dicts key by key, so a change names one field (``function.MemorySize``); lists and
scalars whole. Its typed facts (name, id, URL, ownership, notes) are never diffed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from polycloud.config import ProviderConfig
from polycloud.redact import redact

__all__ = ["Change", "Deployment", "Plan", "ProviderConfig", "diff", "make_plan"]

Action = Literal["created", "updated", "unchanged"]

_MISSING: Any = object()


@dataclass(frozen=True)
class Change:
    """One field that differs: ``old`` is None when the field is new, ``new`` when removed."""

    path: str
    old: Any
    new: Any

    @property
    def kind(self) -> Literal["add", "remove", "modify"]:
        """add, remove or modify."""
        if self.old is None:
            return "add"
        if self.new is None:
            return "remove"
        return "modify"

    def to_dict(self) -> dict[str, Any]:
        """JSON shape: path, kind, old, new (secret values redacted)."""
        return {"path": self.path, "kind": self.kind, "old": redact(self.path, self.old),
                "new": redact(self.path, self.new)}

    def describe(self) -> str:
        """``+ path = new``, ``- path (was old)`` or ``~ path: old -> new`` (secret values redacted)."""
        old, new = redact(self.path, self.old), redact(self.path, self.new)
        if self.kind == "add":
            return f"+ {self.path} = {new!r}"
        if self.kind == "remove":
            return f"- {self.path} (was {old!r})"
        return f"~ {self.path}: {old!r} -> {new!r}"


def diff(desired: Mapping[str, Any], live: Mapping[str, Any], prefix: str = "") -> list[Change]:
    """Field-level differences between two configs, sorted by path. None counts as absent."""
    changes: list[Change] = []
    keys = set(desired) | set(live)
    for key in sorted(keys):
        path = f"{prefix}{key}"
        new, old = desired.get(key), live.get(key)
        if isinstance(new, Mapping) and isinstance(old, Mapping):
            changes.extend(diff(new, old, prefix=f"{path}."))
        elif isinstance(new, Mapping) and old is None:
            changes.extend(diff(new, {}, prefix=f"{path}."))
        elif isinstance(old, Mapping) and new is None:
            changes.extend(diff({}, old, prefix=f"{path}."))
        elif new != old:
            changes.append(Change(path, old, new))
    return changes


@dataclass
class Plan:
    """What a deploy would do: the desired and live configs and the changes between them."""

    provider: str
    name: str
    desired: ProviderConfig[Any]
    live: ProviderConfig[Any] | None
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Warnings and adjustments the user should see (findings below error level, adapter notes)."""

    @property
    def action(self) -> Action:
        """created (nothing live), updated (changes) or unchanged."""
        if self.live is None:
            return "created"
        return "updated" if self.changes else "unchanged"

    def touches(self, *prefixes: str) -> bool:
        """True when a change is at or below one of the dotted ``prefixes``."""
        return any(
            c.path == p or c.path.startswith(p + ".") for c in self.changes for p in prefixes
        )


def make_plan(provider: str, name: str, desired: ProviderConfig[Any], live: ProviderConfig[Any] | None) -> Plan:
    """Plan a deploy of ``desired`` over ``live`` (None: nothing is deployed yet)."""
    changes = diff(desired, live if live is not None else {})
    return Plan(provider=provider, name=name, desired=desired, live=live, changes=changes)


@dataclass
class Deployment:
    """The result of a deploy (or, with ``dry_run``, of its plan)."""

    provider: str
    name: str
    action: Action
    resource_id: str | None = None
    url: str | None = None
    changes: list[Change] = field(default_factory=list)
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """``{"action", "provider", "name", "resource_id", "url", "changes": [...]}``."""
        return {
            "action": self.action,
            "provider": self.provider,
            "name": self.name,
            "resource_id": self.resource_id,
            "url": self.url,
            "dry_run": self.dry_run,
            "changes": [c.to_dict() for c in self.changes],
            "notes": list(self.notes),
        }
