"""Find adapters: entry points in the ``polycloud.adapters`` group, read from metadata first
and imported on demand, with aliases and install hints; and the spec sections they bring.

The adapters shipped with polycloud register themselves the same way a third-party one would; they
are known here by default (below) so that loading one, or composing the spec, needs no scan of every
installed package's metadata for them. Each adapter owns its settings model (``settings_model``):
``sections`` maps every installed adapter's ``providers:`` section to it, and ``polycloud.spec``
composes the ``providers:`` mapping, the secret references and the JSON Schema from that.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from importlib.metadata import EntryPoint, PackageNotFoundError, entry_points, version
from typing import Any

from polycloud.adapter import Adapter
from polycloud.errors import InvalidAdapterError, MissingDependencyError, PolycloudError, UnknownProviderError
from polycloud.spec import SettingsModel

__all__ = ["ALIASES", "DEFAULTS", "GROUP", "Section", "available", "canonical", "create", "is_builtin", "load",
           "refresh", "register", "sdk_status", "sections"]

GROUP = "polycloud.adapters"


@dataclass(frozen=True)
class _Shipped:
    adapter: str
    """``module:Class`` of the adapter."""
    section: str
    settings: str
    """``module:Class`` of its settings model (a module that imports no SDK and not the adapter)."""
    install: str
    """What to pip install for its SDK."""


_BUILTIN = {
    "aws-lambda": _Shipped("polycloud_aws:LambdaAdapter", "aws", "polycloud_aws.settings:AwsSettings",
                           "polycloud-sdk[aws]"),
    "azure-functions": _Shipped("polycloud_azure:AzureFunctionsAdapter", "azure",
                                "polycloud_azure.settings:AzureSettings", "polycloud-sdk[azure]"),
    "gcp-cloud-run": _Shipped("polycloud_gcp:CloudRunAdapter", "gcp", "polycloud_gcp.settings:GcpSettings",
                              "polycloud-sdk[gcp]"),
}
"""The adapters shipped in polycloud's wheel (registered as entry points too, like any third-party adapter)."""
ALIASES: dict[str, str] = {**{shipped.section: key for key, shipped in _BUILTIN.items()},
                           "lambda": "aws-lambda", "cloud-run": "gcp-cloud-run", "cloudrun": "gcp-cloud-run"}
"""Other names of the shipped adapters; any installed adapter's section name works as an alias too."""
DEFAULTS: tuple[str, ...] = tuple(_BUILTIN)
"""The providers a spec is checked against when it names none."""

_overrides: dict[str, type[Adapter]] = {}
_sections: dict[str, Section] | None = None


@dataclass(frozen=True)
class Section:
    """One ``providers:`` section: its name, the adapter that owns it and that adapter's settings model."""

    name: str
    provider: str
    model: type[SettingsModel]


@functools.cache
def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}  # metadata only


def canonical(name: str) -> str:
    """The provider key for a key, alias or section name (``aws`` -> ``aws-lambda``); unknown names unchanged."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key in _BUILTIN or key in _overrides or key in _entry_points():
        return key
    section = sections().get(key)
    return section.provider if section else key


def is_builtin(name: str) -> bool:
    """True for the adapters shipped with polycloud (known without reading package metadata)."""
    return canonical(name) in _BUILTIN


def available() -> list[str]:
    """Provider keys of every registered adapter, sorted."""
    return sorted({*_entry_points(), *_overrides})


def register(cls: type[Adapter]) -> None:
    """Register an adapter class in-process (tests, or adapters not installed as a package).

    Raises:
        InvalidAdapterError: ``cls`` is not a complete adapter, or its section belongs to another adapter.
    """
    _validate(cls, cls.name, f"{cls.__module__}.{cls.__qualname__}")
    owner = sections().get(cls.section)
    if owner is not None and owner.provider != cls.name:
        raise InvalidAdapterError(f"{cls.__qualname__} ({cls.name}) claims section {cls.section!r}, which belongs "
                                  f"to {owner.provider}")
    _overrides[cls.name] = cls
    _changed()


def refresh() -> None:
    """Forget what was discovered, after packages were installed or removed in this process."""
    _entry_points.cache_clear()
    _changed()


def _changed() -> None:
    global _sections
    _sections = None
    from polycloud.spec import recompose

    recompose()


def sections() -> dict[str, Section]:
    """Every installed adapter's ``providers:`` section, by name: the shipped ones first, then the others by
    provider key. An adapter that cannot be imported brings no section (``polycloud providers`` says why)."""
    global _sections
    if _sections is None:
        _sections = _compose_sections()
    return _sections


def _compose_sections() -> dict[str, Section]:
    found: dict[str, Section] = {}
    for key, shipped in _BUILTIN.items():
        if key not in _overrides:
            try:
                model = _import(shipped.settings)
            except (ImportError, AttributeError):
                continue  # not part of this install
            found[shipped.section] = Section(shipped.section, key, model)
    others = sorted(k for k in _entry_points() if k not in _BUILTIN and k not in _overrides)
    for key in [*others, *_overrides]:
        try:
            cls = load(key)
        except PolycloudError:
            continue
        claimed = found.get(cls.section)
        if claimed is None or claimed.provider == key:  # a section taken by another adapter stays its own
            found[cls.section] = Section(cls.section, key, cls.settings_model)
    return found


def _import(target: str) -> Any:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


def _validate(cls: Any, name: str, where: str) -> type[Adapter]:
    if not (isinstance(cls, type) and getattr(cls, "name", None) == name):
        raise InvalidAdapterError(f"{where} is registered as {name!r} but is not that adapter")
    missing = [m for m in ("section", "settings_model", "check", "translate", "to_spec", "read", "apply", "delete",
                           "limits") if not hasattr(cls, m)]
    if missing:
        raise InvalidAdapterError(f"{where} is registered as {name!r} but lacks {', '.join(missing)}")
    model = getattr(cls, "settings_model", None)
    if not (isinstance(model, type) and issubclass(model, SettingsModel)):
        raise InvalidAdapterError(f"{where}: settings_model must be a polycloud.spec.SettingsModel subclass, "
                                  f"not {model!r}")
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
        raise UnknownProviderError(name, available())
    try:
        cls = ep.load()
    except ImportError as exc:
        raise MissingDependencyError(f"a dependency of the {key} adapter", ep.dist.name if ep.dist else ep.value) \
            from exc
    except AttributeError as exc:
        raise InvalidAdapterError(f"{ep.value} is registered as {key!r} but does not exist: {exc}") from exc
    return _validate(cls, key, ep.value)


@functools.cache
def _load_builtin(key: str) -> type[Adapter]:
    shipped = _BUILTIN[key]
    try:
        cls = _import(shipped.adapter)
    except ImportError as exc:
        raise MissingDependencyError(f"a dependency of the {key} adapter", shipped.install) from exc
    except AttributeError as exc:
        raise InvalidAdapterError(f"{shipped.adapter} does not exist: {exc}") from exc
    return _validate(cls, key, shipped.adapter)


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
