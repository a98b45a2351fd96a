"""An adapter's migration data: the ``portability`` module beside its ``translate`` and ``to_spec``.

Found by convention, ``<adapter package>.portability`` (``polycloud_aws.portability``), or named by the adapter
class itself in a ``portability`` attribute. An adapter without one gets ``Portability.none``: the round trip
still finds every difference; only the explanations, carries, fits and to-dos are missing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from polycloud.migration.types import Adjustment, Fitter, Leaving
from polycloud.spec import FunctionSpec

__all__ = ["Portability", "portability_of"]


def _nothing(spec: FunctionSpec) -> Any:
    return None


def _no_carry(spec: FunctionSpec) -> list[Adjustment]:
    return []


def _no_grants(spec: FunctionSpec) -> list[str]:
    return []


def _any_registry(spec: FunctionSpec) -> bool:
    return True


@dataclass(frozen=True)
class Portability:
    """One adapter's migration data (see ``polycloud_aws.portability`` for the fields' meaning)."""

    why: Mapping[str, str] = field(default_factory=dict)
    emulated: Mapping[str, str] = field(default_factory=dict)
    leaving: Mapping[str, Leaving] = field(default_factory=dict)
    fitters: Mapping[str, Fitter] = field(default_factory=dict)
    carry: Callable[[FunctionSpec], list[Adjustment]] = _no_carry
    secret_reader: Callable[[FunctionSpec], str | None] = _nothing
    invoker: Callable[[FunctionSpec], str | None] = _nothing
    native_registry: Callable[[FunctionSpec], bool] = _any_registry
    registry_example: str = "REGISTRY/REPOSITORY"
    registry_access: str = ""
    grants: Callable[[FunctionSpec], list[str]] = _no_grants

    @classmethod
    def from_module(cls, module: ModuleType) -> Portability:
        """The data of an adapter's ``portability`` module (missing names keep their defaults)."""
        names = {"why": "WHY", "emulated": "EMULATED", "leaving": "LEAVING", "fitters": "FITTERS",
                 "carry": "carry", "secret_reader": "secret_reader", "invoker": "invoker",
                 "native_registry": "native_registry", "registry_example": "REGISTRY_EXAMPLE",
                 "registry_access": "REGISTRY_ACCESS", "grants": "grants"}
        return cls(**{key: getattr(module, name) for key, name in names.items() if hasattr(module, name)})

    @staticmethod
    def lookup(table: Mapping[str, str], path: str) -> str | None:
        """The entry of ``path`` or of its nearest parent (``environment.X`` -> ``environment``)."""
        parts = path.split(".")
        for end in range(len(parts), 0, -1):
            found = table.get(".".join(parts[:end]))
            if found:
                return found
        return None


def portability_of(adapter: Any) -> Portability:
    """The migration data of an adapter (class or instance)."""
    cls = adapter if isinstance(adapter, type) else type(adapter)
    named = getattr(cls, "portability", None)
    if isinstance(named, ModuleType):
        return Portability.from_module(named)
    package = cls.__module__.partition(".")[0]
    try:
        module = importlib.import_module(f"{package}.portability")
    except ImportError:
        return Portability()
    return Portability.from_module(module)
