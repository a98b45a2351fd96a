"""``migrate`` (read a live function, deploy it to another provider) and ``portability`` (the same report,
offline, for a spec), with the result object ``Migration``."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from polycloud import registry
from polycloud._deploy import (
    _ADOPT_HINT,
    _MIGRATE_ADOPT_HINT,
    ProviderInput,
    _adapter,
    _with_settings,
    deploy,
    export,
)
from polycloud._plan import Deployment
from polycloud._validate import SpecInput, check_spec, load_input
from polycloud.adapter import Adapter, Imported
from polycloud.errors import OwnershipError, SpecError
from polycloud.findings import Finding, Report, Severity
from polycloud.migration import analyse
from polycloud.migration.hooks import Portability, portability_of
from polycloud.migration.mapping import MigrationOptions, Target, build_target
from polycloud.migration.report import PortabilityReport, Row, TodoItem
from polycloud.migration.todo import todo_list
from polycloud.migration.types import Status
from polycloud.spec import FunctionSpec

__all__ = ["Migration", "MigrationRefusedError", "migrate", "portability"]

TARGET_EXISTS = "migrate-target-exists"
"""Rule id: a function of the target's name exists on the target and ``replace`` is off."""
IMAGE_REGISTRY = "migrate-image-registry"
"""Rule id: the image is in a registry the target cannot pull from without credentials."""


class MigrationRefusedError(SpecError):
    """The migration is refused (nothing was written): ``report`` holds the findings, ``portability`` the
    per-field report with the refused rows, their rule ids and fixes."""

    def __init__(self, portability: PortabilityReport) -> None:
        self.portability = portability
        findings = [Finding(row.rule or "migrate-refused", Severity.ERROR, row.message, row.field,
                            portability.target) for row in portability.refused]
        super().__init__(Report(findings, providers=[portability.target]))


@dataclass
class Migration:
    """The result of ``migrate``: the report, the deployment (or its dry-run plan), the source as read, the
    spec deployed and the to-do list.

    Unpacking it as the old ``(deployment, imported)`` tuple still works, with a DeprecationWarning.
    """

    report: PortabilityReport
    deployment: Deployment
    source: Imported
    spec: FunctionSpec
    """The spec deployed on the target."""
    todo: list[TodoItem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The JSON report: ``{"source", "target", "name", "fields", "todo", "deployment"}``."""
        return self.report.to_dict()

    def __iter__(self) -> Iterator[Any]:
        warnings.warn("unpacking migrate()'s result as (deployment, imported) is deprecated; use "
                      ".deployment and .source", DeprecationWarning, stacklevel=2)
        return iter((self.deployment, self.source))


@dataclass
class _Analysis:
    report: PortabilityReport
    target: Target
    adapter: Adapter
    source_data: Portability
    target_data: Portability


def _provider_class(provider: ProviderInput) -> type[Adapter]:
    return registry.load(provider) if isinstance(provider, str) else type(provider)


def _registry_finding(spec: FunctionSpec, adapter: Adapter, data: Portability,
                      findings: list[Finding]) -> list[Finding]:
    if data.native_registry(spec) or any(f.path == "image" and f.severity == Severity.ERROR for f in findings):
        return []
    image = spec.image_for(adapter.section)
    prefix = image.rsplit("/", 1)[0] if "/" in image else image
    return [Finding(IMAGE_REGISTRY, Severity.ERROR,
                    f"image {image} is in a registry {adapter.title} cannot pull from without credentials or an "
                    "identity",
                    "image", adapter.name,
                    f"copy it to a registry the target pulls from and name it: --image-map "
                    f"{prefix}={data.registry_example} (image_map=), or --image"
                    + (f"; {data.registry_access}" if data.registry_access else ""))]


def _analyse(source: FunctionSpec, source_provider: str | None, section: str | None, target: ProviderInput,
             target_settings: Mapping[str, Any], options: MigrationOptions) -> _Analysis:
    cls = _provider_class(target)
    target_data = portability_of(cls)
    source_data = portability_of(registry.load(source_provider)) if source_provider else Portability()

    def adapter_for(spec: FunctionSpec) -> Adapter:
        return _adapter(target, spec, target_settings)

    def check(spec: FunctionSpec) -> list[Finding]:
        adapter = adapter_for(spec)
        return check_spec(_with_settings(spec, adapter, target_settings), [adapter]).findings

    built = build_target(source, section, cls.section, cls.name, options, target_data, cls.limits, check)
    adapter = adapter_for(built.spec)
    built.spec = _with_settings(built.spec, adapter, target_settings)
    findings = check_spec(built.spec, [adapter]).findings
    if section != cls.section:  # the image moves to another cloud: can that one pull it?
        findings += _registry_finding(built.spec, adapter, target_data, findings)
    rows = analyse.rows(source, section, built, cls.section, adapter, findings, target_data, source_data,
                        fit=options.fit)
    report = PortabilityReport(source_provider, cls.name, source.name, rows, spec=built.spec)
    report.todo = todo_list(source, source_provider, built, cls.name, rows, source_data, target_data)
    return _Analysis(report, built, adapter, source_data, target_data)


def _options(new_name: str | None, image: str | None, image_map: Mapping[str, str] | None,
             secrets: Mapping[str, str] | None, overrides: Mapping[str, Any] | None,
             providers: Mapping[str, Any] | None, fit: bool) -> MigrationOptions:
    return MigrationOptions(name=new_name, image=image, image_map=dict(image_map or {}), secrets=dict(secrets or {}),
                            overrides=dict(overrides or {}), providers=dict(providers or {}), fit=fit)


def portability(spec: SpecInput, target: ProviderInput, *, source: str | None = None,
                target_settings: Mapping[str, Any] | None = None, providers: Mapping[str, Any] | None = None,
                new_name: str | None = None, image: str | None = None, image_map: Mapping[str, str] | None = None,
                secrets: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None,
                fit: bool = False) -> PortabilityReport:
    """Offline: how ``spec`` would arrive on ``target``, field by field (nothing is called).

    ``source`` is the provider the spec comes from (default: the one provider its ``providers:`` names, if
    exactly one); its settings get rows of their own. The other keywords are ``migrate``'s.

    Raises:
        SpecError: the spec cannot be read, or a mapping or override is not valid.
    """
    loaded, _ = load_input(spec)
    named = loaded.named_providers()
    source_key = registry.canonical(source) if source else (named[0] if len(named) == 1 else None)
    section = registry.load(source_key).section if source_key else None
    options = _options(new_name, image, image_map, secrets, overrides, providers, fit)
    return _analyse(loaded, source_key, section, target, dict(target_settings or {}), options).report


def migrate(name: str, source: ProviderInput, target: ProviderInput, *,
            source_settings: Mapping[str, Any] | None = None, target_settings: Mapping[str, Any] | None = None,
            providers: Mapping[str, Any] | None = None, new_name: str | None = None, image: str | None = None,
            image_map: Mapping[str, str] | None = None, secrets: Mapping[str, str] | None = None,
            overrides: Mapping[str, Any] | None = None, fit: bool = False, replace: bool = False,
            dry_run: bool = False) -> Migration:
    """Read ``name`` from ``source`` and deploy the same function to ``target``; report every field.

    ``providers`` fills the target's section (``{"region": ...}``, ``subnet_ids``...); ``new_name`` renames
    it; ``image`` names the target's image, or ``image_map`` maps registry prefixes (``{SRC: DST}``);
    ``secrets`` maps each secret to the target's store (``{"DB_PASSWORD": "arn:aws:..."}``); ``overrides``
    sets spec fields (``{"memory": "2GiB"}``); ``fit`` takes the nearest value the target allows where its
    rules refuse one (each change reported). A function of the same name on the target is replaced only with
    ``replace``. With ``dry_run`` nothing is written: the result holds the report and the plan.

    Raises:
        MigrationRefusedError: a row is refused (a SpecError; ``.portability`` has the report). Nothing was
            written: the target's rules, names included, are checked before any write.
        NotFoundError: no such function on the source.
        ProviderError: a cloud call failed; ``.changed`` lists what had already changed.
    """
    imported = export(name, source, settings=dict(source_settings or {}))
    source_cls = _provider_class(source)
    options = _options(new_name, image, image_map, secrets, overrides, providers, fit)
    analysis = _analyse(imported.spec, source_cls.name, source_cls.section, target, dict(target_settings or {}),
                        options)
    report, spec, adapter = analysis.report, analysis.target.spec, analysis.adapter
    if report.ok:
        live = adapter.read(spec.name)
        # One polycloud made is replaced only with ``replace``; one it did not make is refused by the deploy
        # unless the target adapter is told to adopt it (``--target-set adopt=true``), itself an explicit takeover.
        if live is not None and live.owned and not replace:
            report.rows.insert(0, Row("name", Status.REFUSED, imported.spec.name, spec.name, TARGET_EXISTS,
                                      f"{adapter.title} already has a function {spec.name}; a migration never "
                                      "replaces one silently. Fix: replace=True (--replace) to update it with the "
                                      "source's configuration, or new_name= (--name) for another name"))
    if not report.ok:
        raise MigrationRefusedError(report)
    try:
        deployment = deploy(spec, adapter, dry_run=dry_run)
    except OwnershipError as exc:  # the target's adopt is given as a target setting in a migration
        exc.message = exc.message.replace(_ADOPT_HINT, _MIGRATE_ADOPT_HINT)
        raise
    deployment.notes = [note.replace(_ADOPT_HINT, _MIGRATE_ADOPT_HINT) for note in deployment.notes]
    deployment.notes += [f"source {source_cls.name}: {note}" for note in imported.notes
                         if f"source {source_cls.name}: {note}" not in deployment.notes]
    report.deployment = deployment.to_dict()
    report.todo = todo_list(imported.spec, source_cls.name, analysis.target, adapter.name, report.rows,
                            analysis.source_data, analysis.target_data, url=deployment.url)
    return Migration(report, deployment, imported, spec, report.todo)
