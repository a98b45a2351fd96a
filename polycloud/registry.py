"""Find adapters: entry points in the ``polycloud.adapters`` group, read from metadata first
and imported on demand, with aliases and install hints.

The adapters shipped with polycloud register themselves the same way a third-party one would.
"""

from __future__ import annotations

import functools
import importlib
from importlib.metadata import EntryPoint, PackageNotFoundError, entry_points, version
from typing import Any

from polycloud.adapter import Adapter
from polycloud.errors import InvalidAdapterError, MissingDependencyError, UnknownProviderError

__all__ = ["ALIASES", "GROUP", "available", "canonical", "create", "is_builtin", "load", "register", "sdk_status"]

GROUP = "polycloud.adapters"
ALIASES: dict[str, str] = {"aws": "aws-lambda", "azure": "azure-functions", "gcp": "gcp-cloud-run",
                           "lambda": "aws-lambda", "cloud-run": "gcp-cloud-run", "cloudrun": "gcp-cloud-run"}
_INSTALL_HINTS = {"aws-lambda": "polycloud[aws]", "azure-functions": "polycloud[azure]",
                  "gcp-cloud-run": "polycloud[gcp]"}
_BUILTIN = {"aws-lambda": "polycloud_aws:LambdaAdapter", "azure-functions": "polycloud_azure:AzureFunctionsAdapter",
            "gcp-cloud-run": "polycloud_gcp:CloudRunAdapter"}
"""The adapters shipped in polycloud's wheel, loaded without scanning every installed package's
metadata (they are registered as entry points too, like any third-party adapter)."""
_overrides: dict[str, type[Adapter]] = {}


@functools.cache
def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}  # metadata only


def canonical(name: str) -> str:
    """The provider key for a key or alias (``aws`` -> ``aws-lambda``); unknown names unchanged."""
    key = name.strip().lower()
    return ALIASES.get(key, key)


def is_builtin(name: str) -> bool:
    """True for the adapters shipped with polycloud (known without reading package metadata)."""
    return canonical(name) in _BUILTIN


def available() -> list[str]:
    """Provider keys of every registered adapter, sorted."""
    return sorted({*_entry_points(), *_overrides})


def register(cls: type[Adapter]) -> None:
    """Register an adapter class in-process (tests, or adapters not installed as a package)."""
    _validate(cls, cls.name, f"{cls.__module__}.{cls.__qualname__}")
    _overrides[cls.name] = cls


def _validate(cls: Any, name: str, where: str) -> type[Adapter]:
    if not (isinstance(cls, type) and getattr(cls, "name", None) == name):
        raise InvalidAdapterError(f"{where} is registered as {name!r} but is not that adapter")
    missing = [m for m in ("check", "translate", "to_spec", "read", "apply", "delete", "limits")
               if not hasattr(cls, m)]
    if missing:
        raise InvalidAdapterError(f"{where} is registered as {name!r} but lacks {', '.join(missing)}")
    return cls


def load(name: str) -> type[Adapter]:
    """Import and return the adapter class registered as ``name`` (a key or alias).

    Raises:
        UnknownProviderError: nothing is registered under that name.
        MissingDependencyError: the adapter cannot be imported; says which extra to install.
        InvalidAdapterError: the entry point does not name a matching adapter.
    """
    key = canonical(name)
    if key in _overrides:
        return _overrides[key]
    if key in _BUILTIN:
        return _load_builtin(key)
    ep = _entry_points().get(key)
    if ep is None:
        if key in _INSTALL_HINTS:
            raise MissingDependencyError(f"the {key} adapter", _INSTALL_HINTS[key])
        raise UnknownProviderError(name, available())
    try:
        cls = ep.load()
    except ImportError as exc:
        hint = _INSTALL_HINTS.get(key) or (ep.dist.name if ep.dist else ep.value)
        raise MissingDependencyError(f"a dependency of the {key} adapter", hint) from exc
    except AttributeError as exc:
        raise InvalidAdapterError(f"{ep.value} is registered as {key!r} but does not exist: {exc}") from exc
    return _validate(cls, key, ep.value)


@functools.cache
def _load_builtin(key: str) -> type[Adapter]:
    module, _, attribute = _BUILTIN[key].partition(":")
    try:
        cls = getattr(importlib.import_module(module), attribute)
    except ImportError as exc:
        raise MissingDependencyError(f"a dependency of the {key} adapter", _INSTALL_HINTS[key]) from exc
    except AttributeError as exc:
        raise InvalidAdapterError(f"{_BUILTIN[key]} does not exist: {exc}") from exc
    return _validate(cls, key, _BUILTIN[key])


def create(name: str, **settings: Any) -> Adapter:
    """An adapter instance for ``name`` built with keyword ``settings``."""
    return load(name)(**settings)


def sdk_status(cls: type[Adapter]) -> dict[str, str | None]:
    """Installed version (or None) of each SDK distribution the adapter needs; imports nothing."""
    status: dict[str, str | None] = {}
    for dist in cls.sdk_distributions:
        try:
            status[dist] = version(dist)
        except PackageNotFoundError:
            status[dist] = None
    return status
