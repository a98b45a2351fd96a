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
from polycloud.errors import AdapterError, ConfigurationError, ProviderError, RefusedError, SpecError

__all__ = ["cmd_deploy", "cmd_export", "cmd_migrate", "cmd_plan", "cmd_sandbox"]

def _setting_value(provider: str, key: str, value: str) -> Any:
    """``value`` converted to the type of the adapter's ``key`` setting (its settings model's, else its
    constructor's)."""
    from polycloud import registry
    from polycloud.settings import from_text

    try:
        return from_text(registry.load(provider), key, value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


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
        from polycloud.testing.sandbox import open_sandbox

        settings = {**open_sandbox().settings(provider), **settings}
    return settings


def _one_provider(args: argparse.Namespace) -> str:
    names = providers_flag(args.provider)
    if not names or len(names) != 1:
        from polycloud import registry

        raise UsageError(f"name exactly one --provider ({', '.join(registry.sections())} or a provider key)")
    return names[0]


def _describe_deployment(result: Any, verb: str) -> str:
    lines = [f"{verb} {result.provider} {result.name}: {result.action}" + (" (dry run)" if result.dry_run else "")]
    if result.resource_id:
        lines.append(f"  id:  {result.resource_id}")
    if result.url:
        lines.append(f"  url: {result.url}")
    lines += [f"  {c.describe()}" for c in result.changes]
    lines += [f"  note: {n}" for n in result.notes]
    return "\n".join(lines) + "\n"


def cmd_deploy(args: argparse.Namespace, *, dry_run: bool | None = None) -> int:
    """`polycloud deploy FILE -p P`: create or update the function."""
    from polycloud._deploy import deploy

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
    from polycloud._deploy import export
    from polycloud.source import dump_spec

    provider = _one_provider(args)
    imported = export(args.name, provider, **_settings(args, provider))
    emit(dump_spec(imported.spec, args.format), args.output)
    for note in imported.notes:
        print(f"note: {note}", file=sys.stderr)
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    """`polycloud migrate NAME --from P --to Q`: read from one provider, deploy to another."""
    from polycloud._deploy import migrate

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
        print(f"note: {note}", file=sys.stderr)
    if args.format == "json":
        emit(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        emit(_describe_deployment(result, "migrate"))
    return EXIT_OK


def cmd_sandbox(args: argparse.Namespace) -> int:
    """`polycloud sandbox FILE...`: deploy, redeploy and export on the offline fakes."""
    from polycloud._validate import load_input, target_providers
    from polycloud.source import UNREADABLE
    from polycloud.testing.sandbox import Rehearsal, open_sandbox

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
                rows.append(open_sandbox().rehearse(path, provider))
            except SpecError as exc:
                code = max(code, EXIT_FINDINGS)
                rows.append(Rehearsal(file=path, provider=provider, error="; ".join(
                    f.describe() for f in exc.report.errors)))
            except (ProviderError, RefusedError, AdapterError, ConfigurationError) as exc:
                code = EXIT_PROVIDER if isinstance(exc, (ProviderError, RefusedError)) else max(code, EXIT_USAGE)
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
