"""validate -> read -> plan -> apply, for one provider; export and migrate between providers."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from polycloud import registry
from polycloud._inspecting import check_inspection_allowed, refuse_broken_image
from polycloud._pinning import pin_spec, registry_client
from polycloud._plan import Deployment, Plan, make_plan
from polycloud._signing import check_pinning_allowed, refuse_unsigned
from polycloud._validate import SpecInput, check_spec, load_input
from polycloud.adapter import Adapter, Imported
from polycloud.errors import AdapterError, SpecError
from polycloud.findings import Report
from polycloud.settings import constructor_settings as adapter_settings
from polycloud.settings import split as split_settings
from polycloud.source import SpecSource, findings_from_validation
from polycloud.spec import FunctionSpec

if TYPE_CHECKING:
    from polycloud.image.registry import RegistryClient
    from polycloud.image.signature import SignaturePolicy

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


def _pinned_image(spec: FunctionSpec, adapter: Adapter, source: SpecSource | None, pinning: Mapping[str, Any],
                  limits: Mapping[str, Any] | None) -> tuple[FunctionSpec, list[str]]:
    """The spec with its image as deployed: its tag resolved to a digest (polycloud._pinning), so a moved tag
    is a change; under a signature policy, always pinned and the digest's signature verified (polycloud._signing);
    with ``inspect_image``, always pinned and the image checked by the image rules (polycloud._inspecting).

    Raises:
        SpecError: the signature policy or an image rule refuses the image.
    """
    pin_images, client, policy = pinning.get("pin_images"), pinning.get("image_registry"), pinning.get("signature")
    inspect = bool(pinning.get("inspect_image"))
    if policy is None and not inspect:
        return pin_spec(spec, adapter, pin_images=pin_images, client=client)
    if policy is not None:
        check_pinning_allowed(pin_images, adapter)
    if inspect:
        check_inspection_allowed(pin_images, adapter)
    client = registry_client(client)
    pinned, notes = pin_spec(spec, adapter, pin_images=True, client=client)
    if policy is not None:
        notes += refuse_unsigned(pinned, adapter, client, policy, source)
    if inspect:
        notes += refuse_broken_image(pinned, adapter, client, source, limits)
    return pinned, notes


def _prepare(spec: SpecInput, provider: ProviderInput, limits: Mapping[str, Any] | None,
             settings: Mapping[str, Any], pinning: Mapping[str, Any] | None = None) -> tuple[Adapter, Plan]:
    loaded, source = load_input(spec)
    adapter = _adapter(provider, loaded, settings)
    effective = _with_settings(loaded, adapter, settings)
    findings = _refuse_invalid(effective, source, adapter, limits)
    effective, pinned = _pinned_image(effective, adapter, source, pinning or {}, limits)
    findings += pinned
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


def _settings_given(settings: Mapping[str, Any] | None, legacy: Mapping[str, Any], call: str) -> dict[str, Any]:
    """``settings=`` merged with adapter settings given as keywords (the old spelling, deprecated)."""
    if legacy:
        names = ", ".join(sorted(legacy))
        warnings.warn(f"{call}(..., {names}=...): pass adapter settings as settings={{...}}; keyword settings "
                      "are deprecated and will be removed", DeprecationWarning, stacklevel=3)
    return {**dict(settings or {}), **legacy}


def _overrides_given(limit_overrides: Mapping[str, Any] | None, limits: Mapping[str, Any] | None,
                     call: str) -> Mapping[str, Any] | None:
    """``limit_overrides=``, or the deprecated ``limits=`` of the same meaning."""
    if limits is not None:
        warnings.warn(f"{call}(..., limits=...): the limits overrides are now limit_overrides=; limits= is "
                      "deprecated", DeprecationWarning, stacklevel=3)
    return limit_overrides if limit_overrides is not None else limits


def plan(spec: SpecInput, provider: ProviderInput, *, settings: Mapping[str, Any] | None = None,
         limit_overrides: Mapping[str, Any] | None = None, limits: Mapping[str, Any] | None = None,
         pin_images: bool | None = None, image_registry: RegistryClient | None = None,
         signature: SignaturePolicy | None = None, inspect_image: bool = False, **legacy_settings: Any) -> Plan:
    """What ``deploy`` would change, reading the live resource but writing nothing.

    Arguments as for ``deploy``.

    Raises:
        SpecError: the spec is invalid for this provider, or its image is refused by ``signature`` or, with
            ``inspect_image``, by an image rule (nothing was called).
        ProviderError: reading the live resource failed.
    """
    return _prepare(spec, provider, _overrides_given(limit_overrides, limits, "plan"),
                    _settings_given(settings, legacy_settings, "plan"),
                    {"pin_images": pin_images, "image_registry": image_registry, "signature": signature,
                     "inspect_image": inspect_image})[1]


def deploy(spec: SpecInput, provider: ProviderInput, *, settings: Mapping[str, Any] | None = None,
           dry_run: bool = False, limit_overrides: Mapping[str, Any] | None = None,
           limits: Mapping[str, Any] | None = None, pin_images: bool | None = None,
           image_registry: RegistryClient | None = None, signature: SignaturePolicy | None = None,
           inspect_image: bool = False, **legacy_settings: Any) -> Deployment:
    """Create or update ``spec`` on ``provider`` (a key, alias or Adapter), idempotently.

    ``spec`` is a spec file's path, a ``FunctionSpec`` or a plain mapping of one. ``settings`` are the
    adapter's settings (``{"region": ...}``, ``{"client": ...}``, ``{"adopt": True}``...) over what
    ``spec.providers`` says; ``limit_overrides`` changes the limits checked (keyed by provider, as a
    ``--limits`` file). With ``dry_run`` nothing is written and the Deployment describes the plan.
    Adapter settings given as keywords (``region="..."``) still work but are deprecated, as is ``limits=``.

    The image's tag is resolved to a digest and ``name@sha256:...`` is deployed, so a tag pushed again is
    an update and the same digest is ``unchanged`` (docs/images.md, "Digests"). ``image_registry`` (a
    ``polycloud.image.RegistryClient``) is the registry client to ask; without one, the in-process sandbox's
    fake registry is used while it runs. ``pin_images``: None (default) pins when a registry client is
    available and otherwise deploys the tag as written with a note; True always pins (with each cloud's
    default credential chain when no client is given); False deploys the tag as written. An image given
    by digest is deployed as written.

    ``signature`` (a ``polycloud.image.SignaturePolicy``, e.g. ``SignaturePolicy.from_file("cosign.pub")``)
    requires a valid cosign signature of the pinned digest by that key, checked through the same registry
    client before any cloud call; it implies pinning (``pin_images=False`` with it is a ConfigurationError).

    ``inspect_image=True`` reads the pinned image from its registry through the same client and checks it with
    every ``image-*`` rule for this provider (``polycloud.image.inspect_reference``) before any cloud call: an
    error refuses the deploy, warnings become notes. It implies pinning too.

    Raises:
        SpecError: the spec is invalid for this provider, or under ``signature`` the image's digest has no
            valid signature by its key (rule ``image-signature``), or with ``inspect_image`` an image rule
            finds an error; no API call was made.
        ConfigurationError: ``signature`` or ``inspect_image`` with ``pin_images=False``.
        ProviderError: a cloud call failed; ``.changed`` lists what had already changed.
        RefusedError: polycloud will not make the change (not its own, a quota); nothing more was written.
        ProviderError: also when the image registry cannot be reached or has no such image (code
            ``RegistryUnreachable`` / ``ImageNotResolved``); nothing was deployed.
    """
    limits = _overrides_given(limit_overrides, limits, "deploy")
    settings = _settings_given(settings, legacy_settings, "deploy")
    adapter, the_plan = _prepare(spec, provider, limits, settings,
                                 {"pin_images": pin_images, "image_registry": image_registry,
                                  "signature": signature, "inspect_image": inspect_image})
    if dry_run or the_plan.action == "unchanged":
        live = the_plan.live
        return Deployment(provider=adapter.name, name=the_plan.name, action=the_plan.action,
                          resource_id=live.id if live else None, url=live.url if live else None,
                          changes=the_plan.changes,
                          dry_run=dry_run, notes=list(the_plan.notes))
    result = adapter.apply(the_plan)
    result.notes = list(dict.fromkeys(the_plan.notes + result.notes))
    return result


def export(name: str, provider: ProviderInput, *, settings: Mapping[str, Any] | None = None,
           **legacy_settings: Any) -> Imported:
    """Read a live function back into a spec (with notes on what did not map).

    ``settings`` are the adapter's (``{"region": ...}``); as keywords they are deprecated.

    Raises:
        NotFoundError: no such function.
        ProviderError: the read failed.
    """
    from polycloud.errors import NotFoundError

    adapter = _adapter(provider, None, _settings_given(settings, legacy_settings, "export"))
    live = adapter.read(name)
    if live is None:
        raise NotFoundError(f"{name} does not exist", provider=adapter.name, operation="read")
    return adapter.to_spec(live)


def migrate(name: str, source: ProviderInput, target: ProviderInput, **options: Any) -> Any:
    """``polycloud.migration.migrate`` (kept here for callers of the old location)."""
    from polycloud.migration import migrate as run

    return run(name, source, target, **options)
