"""``ProviderConfig``: one function as one provider sees it, desired (from ``translate``) or live (from ``read``).

The settings are plain JSON-like data (nested dicts, lists, scalars) and are what ``plan.diff`` compares;
the config reads like a mapping of them (``config["function"]["MemorySize"]``). Facts about the resource
that are not settings (its name, id, URL, whether polycloud owns it, notes for the user) are typed
attributes, never diffed. ``private`` is the adapter's own typed record of what else it read (a Lambda
alias, a Cloud Run service body, an App Service plan): the core never looks inside it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

__all__ = ["ProviderConfig"]

P = TypeVar("P")


@dataclass(eq=False)
class ProviderConfig(Mapping[str, Any], Generic[P]):
    """The settings of one function in a provider's request shapes, plus facts that are not diffed.

    Equality compares the settings only, with any mapping (golden dicts in tests).
    """

    settings: dict[str, Any]
    """What ``plan.diff`` compares, field by field."""
    name: str
    """The function's name."""
    id: str | None = None
    """The provider's id of the live resource (an ARN, an ARM id, a service name); None when desired."""
    url: str | None = None
    """Where the live function answers, when it has a URL."""
    owned: bool = True
    """False when the live resource exists but polycloud did not create it (deploying it needs ``adopt``)."""
    notes: list[str] = field(default_factory=list)
    """Adjustments the user should see (``translate``) or what did not map (``read``)."""
    private: P | None = None
    """The adapter's own facts about the live resource; opaque to the core."""

    def __getitem__(self, key: str) -> Any:
        return self.settings[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.settings)

    def __len__(self) -> int:
        return len(self.settings)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self.settings) == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dict it wraps

    def __repr__(self) -> str:
        facts = ", ".join(f"{k}={v!r}" for k, v in (("id", self.id), ("url", self.url)) if v)
        return f"ProviderConfig(name={self.name!r}{', ' + facts if facts else ''}, settings=[{', '.join(self)}])"
