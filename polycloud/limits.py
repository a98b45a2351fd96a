"""A typed view of the provider limits kept as data in ``schemas/limits/*.json``.

Every value carries its unit, the URL it comes from and the date it was checked. A profile
is one tier of a provider (Lambda ``standard``, Azure ``EP1``, Cloud Run ``cpu-4``); the
``common`` limits apply to every profile unless the profile overrides them. Users may
deep-merge their own overrides (``--limits FILE``) so a stale limit never blocks a deploy.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from polycloud.resources import schemas_dir

__all__ = ["Limit", "Profile", "ProviderLimits", "load_limits"]


class Limit(BaseModel):
    """One sourced fact: a range, a set of allowed values, or a plain value."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float | None = None
    max: float | None = None
    allowed: list[Any] | None = None
    value: Any = None
    unit: str | None = None
    source: str = Field(description="URL of the page or SDK model the fact comes from.")
    as_of: str = Field(description="Date the fact was last checked, YYYY-MM-DD.")
    note: str | None = None

    def describe_range(self) -> str:
        """``128..10240 MiB`` or ``one of 512, 2048``."""
        unit = f" {self.unit}" if self.unit else ""
        if self.allowed is not None:
            return "one of " + ", ".join(_num(v) for v in self.allowed) + unit
        lo = "" if self.min is None else _num(self.min)
        hi = "" if self.max is None else _num(self.max)
        return f"{lo}..{hi}{unit}"


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class Profile(BaseModel):
    """The limits of one tier of a provider."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str
    upgrade: str | None = Field(None, description="How to reach a bigger tier.")
    limits: dict[str, Limit]

    def get(self, key: str) -> Limit | None:
        """The limit named ``key``, or None when this profile has none."""
        return self.limits.get(key)

    def __getitem__(self, key: str) -> Limit:
        return self.limits[key]


class ProviderLimits(BaseModel):
    """All limits of one provider, by profile."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str
    title: str
    as_of: str
    default_profile: str
    common: dict[str, Limit] = Field(default_factory=dict)
    profiles: dict[str, _ProfileData]
    _built: dict[str, Profile] = PrivateAttr(default_factory=dict)  # profiles are immutable: build each once

    def profile(self, name: str | None = None) -> Profile:
        """The named profile (default: the user's default) with the common limits merged in.

        Raises:
            KeyError: no such profile; the message lists the known ones.
        """
        key = name or self.default_profile
        cached = self._built.get(key)
        if cached is not None:
            return cached
        self._built[key] = built = self._build(key)
        return built

    def _build(self, key: str) -> Profile:
        data = self.profiles.get(key)
        if data is None:
            raise KeyError(f"{self.provider} has no limits profile {key!r}; known: {', '.join(self.profiles)}")
        return Profile(
            name=key,
            description=data.description,
            upgrade=data.upgrade,
            limits={**self.common, **data.limits},
        )


class _ProfileData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str
    upgrade: str | None = None
    limits: dict[str, Limit] = Field(default_factory=dict)


ProviderLimits.model_rebuild()


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


@functools.cache
def _raw(provider: str) -> dict[str, Any]:
    path = schemas_dir() / "limits" / f"{provider}.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@functools.cache
def _cached(provider: str) -> ProviderLimits:
    return ProviderLimits.model_validate(_raw(provider))


def load_limits(provider: str, overrides: Mapping[str, Any] | None = None) -> ProviderLimits:
    """The limits of ``provider`` (a provider key), with optional user overrides merged in.

    ``overrides`` is the whole overrides document: ``{"aws-lambda": {"profiles": {...}}}``.
    """
    own = (overrides or {}).get(provider)
    if not own:
        return _cached(provider)
    return ProviderLimits.model_validate(_deep_merge(_raw(provider), own))
