"""Building blocks for the adapters' ``check`` rules, and the provider-neutral rules.

A rule produces Findings that name the field, the value, the limit, the provider, the
source of the limit and a fix; ``RuleContext`` writes those messages the same way for
every provider.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from polycloud.findings import Finding, Severity
from polycloud.limits import Limit, Profile
from polycloud.spec import FunctionSpec
from polycloud.units import format_duration, format_memory

__all__ = ["NEUTRAL_RULES", "RuleContext", "RuleInfo", "neutral_findings", "show_mib", "show_seconds"]


def show_mib(value: float) -> str:
    """MiB for a message: ``4GiB (4096 MiB)`` or ``1536 MiB``."""
    mib = int(value)
    return f"{format_memory(mib)} ({mib} MiB)" if mib % 1024 == 0 else f"{mib} MiB"


def show_seconds(value: float) -> str:
    """Seconds for a message: ``15m (900 s)`` or ``90s``."""
    text = format_duration(int(value))
    return text if text.endswith("s") else f"{text} ({int(value)} s)"


@dataclass(frozen=True)
class RuleInfo:
    """The documentation of one rule id: docs/rules.md is generated from these."""

    id: str
    severity: Severity
    summary: str
    source: str = "polycloud"


NEUTRAL_RULES: tuple[RuleInfo, ...] = (
    RuleInfo("spec-file-unreadable", Severity.ERROR, "The spec file is missing or cannot be read (exit 2)."),
    RuleInfo("spec-syntax", Severity.ERROR, "Malformed YAML, JSON or TOML, or a binary file."),
    RuleInfo("spec-limit", Severity.ERROR, "The spec goes past an input limit: nesting depth, number of values "
             "or YAML alias expansion (docs/reliability.md)."),
    RuleInfo("spec-empty", Severity.ERROR, "The spec file is empty."),
    RuleInfo("spec-type", Severity.ERROR, "A value has the wrong type (e.g. a list where a mapping belongs)."),
    RuleInfo("spec-duplicate-key", Severity.ERROR, "The same key appears twice in one mapping."),
    RuleInfo("spec-unknown-key", Severity.ERROR, "A key the spec does not know; the hint names the nearest one."),
    RuleInfo("spec-missing-key", Severity.ERROR, "A required key (name, image) is missing."),
    RuleInfo("spec-value", Severity.ERROR, "A value is out of its neutral range or cannot be parsed "
             "(sizes, durations, min_instances > max_instances, per_instance < 1, port 1..65535)."),
    RuleInfo("spec-vpc-settings", Severity.ERROR, "network.egress is vpc but no provider names a subnet/network."),
    RuleInfo("spec-auth-unreachable", Severity.WARNING, "network.auth none with ingress none has no effect."),
    RuleInfo("spec-secret-clash", Severity.ERROR, "A name is both an environment variable and a secret."),
)


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class RuleContext:
    """One provider's rule run: who, which limits profile, and how to phrase findings."""

    provider: str
    title: str
    profile: Profile

    def finding(self, rule: str, path: str, message: str, hint: str | None = None,
                severity: Severity = Severity.ERROR) -> Finding:
        """A finding of this provider."""
        return Finding(rule=rule, severity=severity, message=message, path=path,
                       provider=self.provider, hint=hint)

    def where(self, limit: Limit) -> str:
        """``<title>, profile <name>; source: <url>`` for a message."""
        return f"{self.title}, profile {self.profile.name}; source: {limit.source}"

    def upgrade(self) -> str:
        """How to reach a bigger tier, with a leading space, or ''."""
        return f" {self.profile.upgrade}" if self.profile.upgrade else ""

    def in_range(self, rule: str, path: str, value: float | None, key: str, *,
                 show: Callable[[float], str] = _plain, what: str | None = None,
                 grow_hint: bool = True) -> list[Finding]:
        """Findings when ``value`` is outside the ``key`` limit (min/max/allowed) of the profile."""
        limit = self.profile.get(key)
        if value is None or limit is None:
            return []
        label = what or path
        unit = f" {limit.unit}" if limit.unit and show is _plain else ""
        shown = f"{show(value)}{unit}"
        if limit.allowed is not None and value not in limit.allowed:
            allowed = ", ".join(show(v) if show is not _plain else _plain(v) for v in limit.allowed)
            return [self.finding(rule, path, f"{label} {shown} is not allowed on {self.title}: it must be "
                                 f"one of {allowed}{unit} ({self.where(limit)})",
                                 f"set {path} to one of {allowed}{unit}")]
        if limit.max is not None and value > limit.max:
            hint = f"set {path} to at most {show(limit.max)}{unit}" + (self.upgrade() if grow_hint else "")
            return [self.finding(rule, path, f"{label} {shown} is above the {self.title} maximum of "
                                 f"{show(limit.max)}{unit} ({self.where(limit)})", hint)]
        if limit.min is not None and value < limit.min:
            return [self.finding(rule, path, f"{label} {shown} is below the {self.title} minimum of "
                                 f"{show(limit.min)}{unit} ({self.where(limit)})",
                                 f"set {path} to at least {show(limit.min)}{unit}")]
        return []

    def matches(self, rule: str, path: str, value: str, key: str, *, what: str) -> list[Finding]:
        """Findings when ``value`` does not match the ``key`` limit's regular expression."""
        limit = self.profile.get(key)
        if limit is None or re.fullmatch(str(limit.value), value):
            return []
        return [self.finding(rule, path, f"{what} {value!r} is not valid on {self.title}: "
                             f"{limit.note or 'it must match ' + str(limit.value)} (source: {limit.source})",
                             f"rename it to match {limit.value}")]

    def values(self, key: str) -> list[Any]:
        """The list value of fact ``key`` (empty when the profile has none)."""
        limit = self.profile.get(key)
        return list(limit.value) if limit is not None and limit.value else []

    def source(self, key: str) -> str:
        """The source URL of fact ``key``."""
        limit = self.profile.get(key)
        return limit.source if limit is not None else "polycloud"


def neutral_findings(spec: FunctionSpec) -> list[Finding]:
    """Rules that hold for every provider and are not already enforced by the model."""
    findings: list[Finding] = []
    network = spec.network
    if network.egress == "vpc" and not any(s.names_vpc() for s in spec.providers.set_sections().values()):
        findings.append(Finding(
            "spec-vpc-settings", Severity.ERROR, "network.egress is 'vpc' but no provider section names a "
            "subnet or network", "network.egress", hint=_vpc_hint()))
    if network.ingress == "none" and network.auth == "none":
        findings.append(Finding(
            "spec-auth-unreachable", Severity.WARNING, "network.auth is 'none' but network.ingress is 'none': "
            "nobody can reach the function, so opening it to everyone does nothing", "network.auth",
            hint="remove network.auth or set network.ingress to public"))
    findings.extend(_secret_clashes(spec))
    return findings


def _vpc_hint() -> str:
    """``add providers.<section>.<first VPC field>, ... or ...`` over the installed adapters' sections."""
    from polycloud import registry

    fields = [f"providers.{name}.{s.model.vpc_fields[0]}" for name, s in registry.sections().items()
              if s.model.vpc_fields]
    if not fields:
        return "set network.egress: default"
    return "add " + (", ".join(fields[:-1]) + " or " + fields[-1] if len(fields) > 1 else fields[0])


def _secret_clashes(spec: FunctionSpec) -> Iterable[Finding]:
    for name in sorted(set(spec.secrets) & set(spec.environment)):
        yield Finding("spec-secret-clash", Severity.ERROR, f"{name!r} is both an environment variable and a "
                      "secret", f"secrets.{name}", hint=f"remove environment.{name} or secrets.{name}")
