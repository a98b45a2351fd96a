"""The ``polycloud`` commands that talk to a cloud (or the sandbox): plan, deploy, export, migrate, sandbox."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from polycloud.cli_common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_PROVIDER,
    EXIT_USAGE,
    UsageError,
    emit,
    limits_flag,
    providers_flag,
)
from polycloud.errors import AdapterError, ProviderError, SpecError
from polycloud.redact import redact_text, withhold_secrets

__all__ = ["cmd_deploy", "cmd_export", "cmd_migrate", "cmd_plan", "cmd_sandbox"]

def _setting_value(provider: str, key: str, value: str) -> Any:
    """``value`` converted to the type of the adapter's ``key`` setting."""
    from polycloud import registry
    from polycloud.deploy import adapter_settings

    params = adapter_settings(registry.load(provider))
    if key not in params:
        raise UsageError(f"{provider} has no setting {key!r}; settings: {', '.join(params)}")
    annotation = str(params[key].annotation)
    kinds = {kind for kind in ("bool", "int", "float", "str") if kind in annotation.replace("None", "")}
    try:
        if "bool" in kinds:
            if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(value)
            return value.lower() in ("true", "1", "yes")
        if "float" in kinds:
            return float(value)
        if "int" in kinds:
            return int(value)
    except ValueError:
        raise UsageError(f"--set {key}={value}: expected {' or '.join(sorted(kinds))}") from None
    if "str" not in kinds:
        raise UsageError(f"{provider} setting {key!r} ({annotation}) cannot be set from the command line; "
                         "use the Python API")
    return value


def _settings(args: argparse.Namespace, provider: str) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for item in getattr(args, "set", None) or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--set takes KEY=VALUE, not {item!r}")
        key = key.replace("-", "_")
        settings[key] = _setting_value(provider, key, value)
    for flag, key in (("region", "region"), ("project", "project"), ("subscription", "subscription_id"),
                      ("resource_group", "resource_group")):
        value = getattr(args, flag, None)
        if value:
            _setting_value(provider, key, value)
            settings[key] = value
    if getattr(args, "sandbox", False):
        from polycloud.testing.sandbox import sandbox_settings

        settings = {**sandbox_settings(provider), **settings}
    return settings


def _one_provider(args: argparse.Namespace) -> str:
    names = providers_flag(args.provider)
    if not names or len(names) != 1:
        raise UsageError("name exactly one --provider (aws, azure or gcp)")
    return names[0]


def _describe_deployment(result: Any, verb: str) -> str:
    lines = [f"{verb} {result.provider} {result.name}: {result.action}" + (" (dry run)" if result.dry_run else "")]
    if result.resource_id:
        lines.append(f"  id:  {result.resource_id}")
    if result.url:
        lines.append(f"  url: {result.url}")
    lines += [f"  {c.describe()}" for c in result.changes]
    lines += [f"  note: {redact_text(n)}" for n in result.notes]
    return "\n".join(lines) + "\n"


def cmd_deploy(args: argparse.Namespace, *, dry_run: bool | None = None) -> int:
    """`polycloud deploy FILE -p P`: create or update the function."""
    from polycloud.deploy import deploy

    provider = _one_provider(args)
    dry = args.dry_run if dry_run is None else dry_run
    result = deploy(args.file, provider, dry_run=dry, limits=limits_flag(args.limits), **_settings(args, provider))
    if args.format == "json":
        emit(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        emit(_describe_deployment(result, "plan" if dry else "deploy"))
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    """`polycloud plan FILE -p P`: what deploy would change."""
    args.dry_run = True
    return cmd_deploy(args, dry_run=True)


def cmd_export(args: argparse.Namespace) -> int:
    """`polycloud export NAME -p P`: the live function as a spec."""
    from polycloud.deploy import export
    from polycloud.source import dump_spec

    provider = _one_provider(args)
    imported = export(args.name, provider, **_settings(args, provider))
    spec, withheld = withhold_secrets(imported.spec)
    emit(dump_spec(spec, args.format), args.output)
    for note in imported.notes + withheld:
        print(f"note: {redact_text(note)}", file=sys.stderr)
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    """`polycloud migrate NAME --from P --to Q`: read from one provider, deploy to another."""
    from polycloud.deploy import migrate

    source = _one_provider(argparse.Namespace(provider=args.source))
    target = _one_provider(argparse.Namespace(provider=args.target))
    target_section: dict[str, Any] = {}
    for item in args.target_setting or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--target-setting takes KEY=VALUE, not {item!r}")
        target_section[key.replace("-", "_")] = value
    source_settings = _settings(args, source)
    target_settings = _settings(argparse.Namespace(set=args.target_set, sandbox=args.sandbox), target)
    result, imported = migrate(args.name, source, target, source_settings=source_settings,
                               target_settings=target_settings, providers=target_section, image=args.image,
                               dry_run=args.dry_run)
    for note in imported.notes:
        print(f"note: {redact_text(note)}", file=sys.stderr)
    if args.format == "json":
        emit(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        emit(_describe_deployment(result, "migrate"))
    return EXIT_OK


def cmd_sandbox(args: argparse.Namespace) -> int:
    """`polycloud sandbox FILE...`: deploy, redeploy and export on the offline fakes."""
    from polycloud.source import UNREADABLE
    from polycloud.testing.sandbox import Rehearsal, rehearse
    from polycloud.validate import load_input, target_providers

    rows: list[Rehearsal] = []
    code = EXIT_OK
    for path in args.files:  # one bad file or provider never hides the others' rows
        try:
            spec, _ = load_input(path)
        except SpecError as exc:
            code = max(code, EXIT_USAGE if any(f.rule == UNREADABLE for f in exc.report) else EXIT_FINDINGS)
            rows.append(Rehearsal(file=path, provider="-", error="; ".join(f.describe() for f in exc.report)))
            continue
        for provider in target_providers(spec, providers_flag(args.provider)):
            try:
                rows.append(rehearse(path, provider))
            except SpecError as exc:
                code = max(code, EXIT_FINDINGS)
                rows.append(Rehearsal(file=path, provider=provider, error="; ".join(
                    f.describe() for f in exc.report.errors)))
            except (ProviderError, AdapterError) as exc:
                code = EXIT_PROVIDER if isinstance(exc, ProviderError) else max(code, EXIT_USAGE)
                rows.append(Rehearsal(file=path, provider=provider, error=str(exc)))
    if args.format == "json":
        emit(json.dumps([r.to_dict() for r in rows], indent=2) + "\n")
        return code
    lines = [f"{'file':<32} {'provider':<16} {'deploy':<8} {'redeploy':<10} export"]
    for row in rows:
        if row.error:
            lines.append(f"{row.file:<32} {row.provider:<16} refused: {row.error}")
            continue
        export = "same spec" if not row.export_differs else "differs in " + ", ".join(row.export_differs)
        lines.append(f"{row.file:<32} {row.provider:<16} {row.deploy:<8} {row.redeploy:<10} {export}")
    emit("\n".join(lines) + "\n")
    return code
