"""The small data types a migration passes around, and that adapters' ``portability`` modules return.

An adapter describes how a spec lands on its cloud in ``polycloud_<cloud>/portability.py`` (beside its
``translate`` and ``to_spec``), as data and pure functions over these types; the core does the rest
(``polycloud.migration``). Importing this module imports no cloud SDK.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from polycloud.findings import Finding
from polycloud.limits import ProviderLimits
from polycloud.spec import FunctionSpec

__all__ = ["Adjustment", "Fitter", "Leaving", "Status"]


class Status(str, enum.Enum):
    """How one field of the source arrives on the target."""

    EXACT = "exact"
    """Read back from the target, it equals the source."""
    ADJUSTED = "adjusted"
    """It arrives with another value; the row says how and why."""
    EMULATED = "emulated"
    """It arrives, but the target has no native equivalent: the code or the user must do part of it."""
    DROPPED = "dropped"
    """The target cannot hold it; the row says what to do instead."""
    REFUSED = "refused"
    """The target refuses it as it is: an error with the rule id and the fix. Nothing is written."""

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Adjustment:
    """One change the migration made to a spec field on the way (a mapping, a carry, a fit)."""

    field: str
    """Dotted path in the spec (``concurrency.max_instances``, ``providers.azure.plan``)."""
    before: Any
    after: Any
    message: str
    """How and why, in a sentence."""
    rule: str | None = None
    """The rule that would refuse the value without this change (a fit), if any."""


@dataclass(frozen=True)
class Leaving:
    """What one of an adapter's settings means when the function leaves its cloud."""

    what: str
    """What the setting is (``the execution role``)."""
    instead: str
    """What to do on the target instead (a sentence)."""
    todo: str | None = None
    """The kind of to-do item (``identity``, ``network``, ``image``, ``data``) when the user must create or grant
    something on the target for it; None when nothing is left to do."""


Fitter = Callable[[FunctionSpec, ProviderLimits, Finding, bool], list[Adjustment]]
"""A fit for one rule: ``(spec, limits, finding, image_named) -> adjustments`` (empty: cannot fit it).

``image_named`` is True when the user named the image for the target (``--image`` or ``--image-map``), so an
architecture may change with it."""
