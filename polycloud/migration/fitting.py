"""Fit-to-target: the nearest valid value a target allows, rule by rule, each change reported.

The target adapter's ``portability.FITTERS`` say how to fit what its rules refuse (memory to a plan size, cpu
for memory, timeout, max instances, architecture when an image for it is named); ``fit`` runs them until the
spec passes or nothing more can be fitted. Without ``fit`` the same findings refuse the migration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pydantic import ValidationError

from polycloud.findings import Finding, Severity
from polycloud.limits import Limit, ProviderLimits
from polycloud.migration.paths import get_path, set_path
from polycloud.migration.types import Adjustment, Fitter
from polycloud.spec import FunctionSpec

__all__ = ["apply", "clamp_to_limit", "fit", "to_x86_64"]

_ROUNDS = 6


def clamp_to_limit(spec: FunctionSpec, limit: Limit | None, field: str, finding: Finding,
                   title: str) -> list[Adjustment]:
    """``field`` moved into ``limit``'s range (the nearest allowed value), or nothing when it is inside."""
    value = get_path(spec.model_dump(), field)
    if limit is None or not isinstance(value, (int, float)):
        return []
    fitted = value
    if limit.max is not None and value > limit.max:
        fitted = type(value)(limit.max)
    if limit.min is not None and value < limit.min:
        fitted = type(value)(limit.min)
    if fitted == value:
        return []
    made = [Adjustment(field, value, fitted, f"{field} {value} is outside {title}'s range "
                       f"({limit.describe_range()}); fitted to the nearest allowed value, {fitted}", finding.rule)]
    low = spec.concurrency.min_instances
    if field == "concurrency.max_instances" and low > fitted:  # min may not exceed max
        made.append(Adjustment("concurrency.min_instances", low, fitted, f"concurrency.min_instances {low} "
                               f"lowered with max_instances to {fitted}", finding.rule))
    return made


def to_x86_64(spec: FunctionSpec, finding: Finding, image_named: bool, title: str) -> list[Adjustment]:
    """arm64 -> x86_64, only when the user named the image for the target (an arm64 image cannot run there)."""
    if spec.architecture == "x86_64" or not image_named:
        return []
    return [Adjustment("architecture", spec.architecture, "x86_64",
                       f"{title} runs x86_64 only; the named image is taken to be built for linux/amd64",
                       finding.rule)]


def apply(spec: FunctionSpec, adjustments: list[Adjustment]) -> FunctionSpec:
    """``spec`` with each adjustment's ``after`` set at its field.

    Raises:
        pydantic.ValidationError: the adjusted document is not a valid spec.
    """
    document = spec.model_dump(exclude_unset=False)
    for adjustment in adjustments:
        set_path(document, adjustment.field, adjustment.after)
    return FunctionSpec.model_validate(document)


def fit(spec: FunctionSpec, check: Callable[[FunctionSpec], list[Finding]], limits: ProviderLimits,
        fitters: Mapping[str, Fitter], *, image_named: bool) -> tuple[FunctionSpec, list[Adjustment]]:
    """Fit ``spec`` to the target until its errors have no fitter left; every change is returned."""
    made: list[Adjustment] = []
    for _ in range(_ROUNDS):
        changes: list[Adjustment] = []
        for finding in check(spec):
            fitter = fitters.get(finding.rule)
            if finding.severity == Severity.ERROR and fitter is not None:
                changes += [c for c in fitter(spec, limits, finding, image_named)
                            if all(c.field != seen.field for seen in changes)]
        applied = []
        for change in _grouped(changes):  # one fit at a time: one that does not validate leaves the others
            try:
                spec = apply(spec, change)
            except ValidationError:
                continue
            applied += change
        if not applied:
            break
        made += applied
    return spec, _merged(made)


def _grouped(changes: list[Adjustment]) -> list[list[Adjustment]]:
    """The changes in groups made by one fitter call (a rule's adjustments go together)."""
    groups: list[list[Adjustment]] = []
    for change in changes:
        if groups and groups[-1][0].rule == change.rule and change.rule is not None:
            groups[-1].append(change)
        else:
            groups.append([change])
    return groups


def _merged(adjustments: list[Adjustment]) -> list[Adjustment]:
    """One adjustment per field: the first value before, the last after, the messages joined."""
    by_field: dict[str, Adjustment] = {}
    for adjustment in adjustments:
        first = by_field.get(adjustment.field)
        if first is None:
            by_field[adjustment.field] = adjustment
            continue
        by_field[adjustment.field] = Adjustment(adjustment.field, first.before, adjustment.after,
                                                f"{first.message}; {adjustment.message}", first.rule)
    return list(by_field.values())
