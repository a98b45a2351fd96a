"""validate -> read -> plan -> apply, for one provider; export and migrate between providers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from polycloud import registry
from polycloud._plan import Deployment, Plan, make_plan
from polycloud._validate import SpecInput, check_spec, load_input
from polycloud.adapter import Adapter, Imported
from polycloud.errors import AdapterError, SpecError
from polycloud.findings import Report
from polycloud.settings import constructor_settings as adapter_settings
from polycloud.settings import split as split_settings
from polycloud.source import SpecSource, findings_from_validation
from polycloud.spec import FunctionSpec

__all__ = ["adapter_settings", "deploy", "export", "migrate", "plan"]

ProviderInput = str | Adapter

# how deploy's ownership refusals and notes say to take a resource over, and how migrate's must say it
_ADOPT_HINT = "adopt=True (CLI: --set adopt=true)"
_MIGRATE_ADOPT_HINT = "target_settings={'adopt': True} (CLI: --target-set adopt=true)"


def _adapter(provider: ProviderInput, spec: FunctionSpec | None, settings: Mapping[str, Any]) -> Adapter:
    if not isinstance(provider, str):
        return provider
    cls = registry.load(provider)
    try:
        section, keywords = split_settings(cls, settings)
    except ValueError as exc:
        raise AdapterError(str(exc)) from None
    if spec is None and set(section) - set(keywords):
        only_spec = sorted(set(section) - set(keywords))
        raise AdapterError(f"{', '.join(only_spec)}: spec settings (providers.{cls.section}) apply to plan and "
                           "deploy only")
    return cls(**{**(cls.settings_from(spec) if spec is not None else {}), **keywords})


def _refuse_invalid(spec: FunctionSpec, source: SpecSource | None, adapter: Adapter,
                    limits: Mapping[str, Any] | None) -> list[str]:
    """Raise SpecError on errors; return the warnings and notes as lines for the result."""
    report = check_spec(spec, [adapter], source=source, limits=limits)
    if not report.ok:
        raise SpecError(report)
    return [f.describe() for f in report]


def _with_settings(spec: FunctionSpec, adapter: Adapter, settings: Mapping[str, Any]) -> FunctionSpec:
    """The spec as the adapter will deploy it: settings given outside the spec (``region=``, ``--project``)
    replace its ``providers.<section>`` values, so the checks see what the deploy will use.

    Raises:
        SpecError: a given value is not valid there (the finding names ``providers.<section>.<key>``).
    """
    given = {k: v for k, v in settings.items() if k in adapter.settings_model.model_fields and v is not None}
    if not given:
        return spec
    current = getattr(spec.providers, adapter.section)
    merged = {**(current.model_dump(exclude_unset=True) if current else {}), **given}
    try:
        section = adapter.settings_model.model_validate(merged)
    except ValidationError as exc:
        findings = findings_from_validation(exc, prefix=("providers", adapter.section))
        raise SpecError(Report(findings, providers=[adapter.name])) from None
    return spec.model_copy(update={"providers": spec.providers.model_copy(update={adapter.section: section})})


def _prepare(spec: SpecInput, provider: ProviderInput, limits: Mapping[str, Any] | None,
             settings: Mapping[str, Any]) -> tuple[Adapter, Plan]:
    loaded, source = load_input(spec)
    adapter = _adapter(provider, loaded, settings)
    effective = _with_settings(loaded, adapter, settings)
    findings = _refuse_invalid(effective, source, adapter, limits)
    desired = adapter.translate(effective)
    live = adapter.read(effective.name)
    the_plan = make_plan(adapter.name, effective.name, desired, live)
    preflight = getattr(adapter, "preflight", None)  # optional: adapters on the bare protocol have none
    checked = list(preflight(the_plan)) if preflight is not None else []
    # Warnings are never dropped silently: they travel with the plan and the result.
    the_plan.notes = findings + list(desired.notes) + checked
    if live is not None and not live.owned and not getattr(adapter, "adopt", False):
        the_plan.notes.append(f"{adapter.name} {effective.name} exists but polycloud did not create it: deploying "
                              f"it needs {_ADOPT_HINT}, which takes it over")
    return adapter, the_plan


def plan(spec: SpecInput, provider: ProviderInput, *, limits: Mapping[str, Any] | None = None,
         **settings: Any) -> Plan:
    """What ``deploy`` would change, reading the live resource but writing nothing.

    Raises:
        SpecError: the spec is invalid for this provider (nothing was called).
        ProviderError: reading the live resource failed.
    """
    return _prepare(spec, provider, limits, settings)[1]


def deploy(spec: SpecInput, provider: ProviderInput, *, dry_run: bool = False,
           limits: Mapping[str, Any] | None = None, **settings: Any) -> Deployment:
    """Create or update ``spec`` on ``provider`` (a key, alias or Adapter), idempotently.

    ``settings`` go to the adapter's constructor (``region=``, ``client=``, ``credential=``,
    ``credentials=``...) over what ``spec.providers`` says. With ``dry_run`` nothing is written
    and the Deployment describes the plan.

    Raises:
        SpecError: the spec is invalid for this provider; no API call was made.
        ProviderError: a cloud call failed; ``.changed`` lists what had already changed.
    """
    adapter, the_plan = _prepare(spec, provider, limits, settings)
    if dry_run or the_plan.action == "unchanged":
        live = the_plan.live
        return Deployment(provider=adapter.name, name=the_plan.name, action=the_plan.action,
                          resource_id=live.id if live else None, url=live.url if live else None,
                          changes=the_plan.changes,
                          dry_run=dry_run, notes=list(the_plan.notes))
    result = adapter.apply(the_plan)
    result.notes = list(dict.fromkeys(the_plan.notes + result.notes))
    return result


def export(name: str, provider: ProviderInput, **settings: Any) -> Imported:
    """Read a live function back into a spec (with notes on what did not map).

    Raises:
        NotFoundError: no such function.
        ProviderError: the read failed.
    """
    from polycloud.errors import NotFoundError

    adapter = _adapter(provider, None, settings)
    live = adapter.read(name)
    if live is None:
        raise NotFoundError(f"{name} does not exist", provider=adapter.name, operation="read")
    return adapter.to_spec(live)


def migrate(name: str, source: ProviderInput, target: ProviderInput, **options: Any) -> Any:
    """``polycloud.migration.migrate`` (kept here for callers of the old location)."""
    from polycloud.migration import migrate as run

    return run(name, source, target, **options)
