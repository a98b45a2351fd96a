"""The Adapter protocol: what the core needs from one cloud service.

Two facts, three pure calls, three I/O calls. The core does the diffing (``plan.py``).
I/O methods raise ``polycloud.errors.ProviderError`` subclasses, never SDK exceptions.
Constructors take keyword arguments only, do no I/O, import no SDK and accept an injected
client, so ``check``/``translate``/``to_spec`` work without the provider's SDK installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

from polycloud.findings import Finding
from polycloud.limits import ProviderLimits
from polycloud.plan import Deployment, Plan, ProviderConfig
from polycloud.redact import redact_text, redacted_repr
from polycloud.spec import FunctionSpec

__all__ = ["Adapter", "Imported"]


@dataclass
class Imported:
    """A spec read back from a provider, with notes on what did not map exactly."""

    spec: FunctionSpec
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return redacted_repr(self, notes=[redact_text(n) for n in self.notes])


@runtime_checkable
class Adapter(Protocol):
    """One cloud service behind a provider-neutral interface."""

    name: ClassVar[str]
    """Registry key, e.g. ``aws-lambda``."""
    title: ClassVar[str]
    """Human name, e.g. ``AWS Lambda``."""
    section: ClassVar[str]
    """Section under ``providers:`` in a spec, e.g. ``aws``."""
    extra: ClassVar[str]
    """pip extra that brings the SDK, e.g. ``polycloud[aws]``."""
    sdk_distributions: ClassVar[tuple[str, ...]]
    """Distribution names of the SDKs the I/O calls need (checked from metadata, not imported)."""
    limits: ClassVar[ProviderLimits]
    """Plain data; importable without the SDK."""
    sample_image: ClassVar[str]
    """An image reference this provider accepts (for docs and the contract tests)."""

    @classmethod
    def settings_from(cls, spec: FunctionSpec) -> dict[str, Any]:
        """Constructor keyword arguments found in ``spec.providers.<section>``."""
        ...

    def check(self, spec: FunctionSpec, limits: ProviderLimits | None = None) -> list[Finding]:
        """Pure, offline: the provider's limits and conventions."""
        ...

    def translate(self, spec: FunctionSpec) -> ProviderConfig:
        """Pure: spec -> the provider's request shapes."""
        ...

    def to_spec(self, config: ProviderConfig) -> Imported:
        """Pure: live provider config -> spec, with notes on what did not map."""
        ...

    def read(self, name: str) -> ProviderConfig | None:
        """The live config of ``name`` in the shape ``translate`` makes, or None if absent."""
        ...

    def apply(self, plan: Plan) -> Deployment:
        """Make the live resource match ``plan.desired``, writing only what changed."""
        ...

    def delete(self, name: str) -> None:
        """Delete the function; raises NotFoundError when it does not exist."""
        ...
