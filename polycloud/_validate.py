"""Check a spec against the neutral rules and each target provider's limits, offline."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from polycloud import registry
from polycloud.adapter import Adapter
from polycloud.checks import neutral_findings
from polycloud.errors import SpecError
from polycloud.findings import Report
from polycloud.input_limits import bounded
from polycloud.limits import load_limits
from polycloud.source import SpecSource, build_spec, findings_from_validation, read_source, unusable_values
from polycloud.spec import FunctionSpec

__all__ = ["DEFAULT_PROVIDERS", "check_spec", "load_input", "target_providers", "validate", "validate_files"]

DEFAULT_PROVIDERS = registry.DEFAULTS
"""The providers a spec is checked against when it names none (the shipped adapters)."""

SpecInput = FunctionSpec | Mapping[str, Any] | str | Path
"""A spec object, a spec as a plain mapping (what a spec file holds), or the path of a spec file."""


def target_providers(spec: FunctionSpec, providers: Iterable[str] | None) -> list[str]:
    """The providers to check: those asked for, else those under ``providers:``, else ``DEFAULT_PROVIDERS``."""
    if providers:
        return list(dict.fromkeys(registry.canonical(p) for p in providers))
    return spec.named_providers() or list(DEFAULT_PROVIDERS)


def load_input(spec: SpecInput) -> tuple[FunctionSpec, SpecSource | None]:
    """A spec object as is, a mapping validated into one, or a spec file read and validated (with its
    source positions).

    Raises:
        SpecError: the file cannot be read or is not a valid spec.
    """
    if isinstance(spec, FunctionSpec):
        return spec, None
    if isinstance(spec, Mapping):
        try:
            return FunctionSpec.model_validate(dict(spec)), None
        except ValidationError as exc:
            raise SpecError(Report(findings_from_validation(exc))) from None
    source = read_source(spec)
    return build_spec(source), source


def validate(spec: SpecInput, providers: Sequence[str] | None = None, *,
             limit_overrides: Mapping[str, Any] | None = None, limits: Mapping[str, Any] | None = None) -> Report:
    """Check a spec (file path, object or mapping) and return every finding; never raises on bad specs.

    ``providers`` are keys or aliases (default: see ``target_providers``); ``limit_overrides`` is a
    limits-overrides document keyed by provider (a ``--limits`` file's content; ``limits=`` is its
    deprecated name).

    Raises:
        UnknownProviderError: a requested provider is not registered.
    """
    if limits is not None:
        warnings.warn("validate(..., limits=...): the limits overrides are now limit_overrides=; limits= is "
                      "deprecated", DeprecationWarning, stacklevel=2)
        limit_overrides = limit_overrides if limit_overrides is not None else limits
    limits = limit_overrides
    try:
        loaded, source = load_input(spec)
    except SpecError as exc:
        return exc.report
    adapters = [registry.load(key)() for key in target_providers(loaded, providers)]
    report = check_spec(loaded, adapters, source=source, limits=limits)
    from polycloud.image.pin import mutable_tag_findings

    tags = mutable_tag_findings(loaded)  # validate only: deploy pins the digest, so a moving tag is no risk there
    report.extend([bounded(source.place(f) if source is not None else f) for f in tags])
    return report


def check_spec(spec: FunctionSpec, adapters: Sequence[Adapter], *, source: SpecSource | None = None,
               limits: Mapping[str, Any] | None = None) -> Report:
    """The neutral rules and each adapter's rules over ``spec``, placed at ``source`` positions.

    A spec built in Python with a value no file could hold (a number that is not finite or has
    more than 4,300 digits, text with lone surrogates) gets findings for those values instead:
    the rules would fail on them.
    """
    report = Report(files=[source.file] if source and source.file else [], providers=[a.name for a in adapters])
    unusable = unusable_values(spec)
    if unusable:
        report.extend(unusable)
    else:
        report.extend(neutral_findings(spec))
        for adapter in adapters:
            # overrides that do not name this adapter leave it its own limits (an adapter from another package
            # has no limits file in polycloud)
            own = load_limits(adapter.name, limits) if limits and adapter.name in limits else None
            report.extend(adapter.check(spec, own))
    report.findings = [bounded(source.place(f) if source is not None else f) for f in report.findings]
    return report


def validate_files(paths: Iterable[SpecInput], providers: Sequence[str] | None = None, *,
                   limit_overrides: Mapping[str, Any] | None = None) -> Report:
    """``validate`` over many files, merged into one report."""
    merged = Report()
    for path in paths:
        one = validate(path, providers, limit_overrides=limit_overrides)
        one.checked.setdefault(str(path) if isinstance(path, (str, Path)) else "<spec>", list(one.providers))
        merged.merge(one)
        if isinstance(path, (str, Path)) and str(path) not in merged.files:
            merged.files.append(str(path))
    return merged
