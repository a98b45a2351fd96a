"""The ``polycloud`` commands that talk to a cloud (or the sandbox): plan, deploy, export, migrate, sandbox."""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

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
from polycloud.errors import (
    AdapterError,
    ConfigurationError,
    NotFoundError,
    ProviderError,
    RefusedError,
    SpecError,
)
from polycloud.redact import redact_text, withhold_secrets

if TYPE_CHECKING:
    from polycloud.image import SignaturePolicy

__all__ = ["cmd_deploy", "cmd_export", "cmd_migrate", "cmd_plan", "cmd_sandbox", "sandbox_hint"]

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


def sandbox_hint(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Wrap a command that reads what earlier commands made: with ``--sandbox`` and no sandbox server
    running, its "does not exist" says that this command's sandbox started empty and how to keep one."""
    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except NotFoundError as exc:
            if getattr(args, "sandbox", False):
                from polycloud.testing.sandbox import START_HINT, server_status

                if not server_status().running:
                    exc.message += (" in the sandbox: no sandbox server runs, so this command's sandbox started "
                                    f"empty and nothing an earlier command deployed is there; {START_HINT}")
            raise

    return run


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
    lines += [f"  note: {redact_text(n)}" for n in result.notes]
    return "\n".join(lines) + "\n"


def _pin_images(args: argparse.Namespace) -> bool | None:
    """``--no-pin``: False; else True (pin: on a cloud with its default credentials, with ``--sandbox`` on the
    in-process sandbox's registries); None with a sandbox server, whose deploys keep the tag as written."""
    if getattr(args, "no_pin", False):
        return False
    if getattr(args, "sandbox", False):
        from polycloud._pinning import sandbox_registry_active

        return True if sandbox_registry_active() else None
    return True


def _signature_policy(args: argparse.Namespace) -> SignaturePolicy | None:
    """``--cosign-key PUBKEY``: the policy deploy and plan verify the pinned digest under (None without).

    Raises:
        UsageError: the key cannot be read, or ``--no-pin`` was given too (the digest is what is verified).
    """
    key = getattr(args, "cosign_key", None)
    if not key:
        return None
    if getattr(args, "no_pin", False):
        raise UsageError("--cosign-key verifies the image's digest, so it cannot go with --no-pin")
    from polycloud.image import ImageError, SignaturePolicy

    try:
        return SignaturePolicy.from_file(key)
    except ImageError as exc:
        raise UsageError(f"--cosign-key: {exc}") from None


def _inspect_image(args: argparse.Namespace) -> bool:
    """``--inspect-image``: True (check the pinned image with the image rules before any cloud call).

    Raises:
        UsageError: ``--no-pin`` was given too (the image inspected is the one the digest names).
    """
    inspect = bool(getattr(args, "inspect_image", False))
    if inspect and getattr(args, "no_pin", False):
        raise UsageError("--inspect-image reads the image its digest names, so it cannot go with --no-pin")
    return inspect


def cmd_deploy(args: argparse.Namespace, *, dry_run: bool | None = None) -> int:
    """`polycloud deploy FILE -p P`: create or update the function."""
    from polycloud._deploy import deploy

    provider = _one_provider(args)
    dry = args.dry_run if dry_run is None else dry_run
    result = deploy(args.file, provider, dry_run=dry, limit_overrides=limits_flag(args.limits),
                    settings=_settings(args, provider), pin_images=_pin_images(args),
                    signature=_signature_policy(args), inspect_image=_inspect_image(args))
    if args.format == "json":
        emit(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        emit(_describe_deployment(result, "plan" if dry else "deploy"))
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    """`polycloud plan FILE -p P`: what deploy would change."""
    args.dry_run = True
    return cmd_deploy(args, dry_run=True)


@sandbox_hint
def cmd_export(args: argparse.Namespace) -> int:
    """`polycloud export NAME -p P`: the live function as a spec."""
    from polycloud._deploy import export
    from polycloud.source import dump_spec

    provider = _one_provider(args)
    imported = export(args.name, provider, settings=_settings(args, provider))
    spec, withheld = withhold_secrets(imported.spec)
    emit(dump_spec(spec, args.format), args.output)
    for note in imported.notes + withheld:
        print(f"note: {redact_text(note)}", file=sys.stderr)
    return EXIT_OK


@sandbox_hint
def cmd_migrate(args: argparse.Namespace) -> int:
    """`polycloud migrate NAME --from P --to Q`: read from one provider, deploy to another (``cli_migrate``)."""
    from polycloud.cli_migrate import run_migrate

    return run_migrate(args)


_SERVER_COMMANDS = ("start", "status", "stop")


def cmd_sandbox(args: argparse.Namespace) -> int:
    """`polycloud sandbox start|status|stop`: the lasting sandbox server; `polycloud sandbox FILE...`:
    rehearse specs on the in-process fakes."""
    if args.files[0] in _SERVER_COMMANDS:
        if len(args.files) > 1:
            raise UsageError(f"`polycloud sandbox {args.files[0]}` takes no files (a file named "
                             f"{args.files[0]!r}: ./{args.files[0]})")
        return _sandbox_server(args.files[0], args)
    return _rehearse_files(args)


def _sandbox_server(action: str, args: argparse.Namespace) -> int:
    from polycloud.testing import SANDBOX_CLOUDS, sandbox

    try:
        if action == "start":
            ports = {cloud: getattr(args, f"{cloud}_port") for cloud in SANDBOX_CLOUDS}
            server, started = sandbox.start_server(ports=ports, latency_ms=args.latency_ms)
            return _show_server(args.format, "started" if started else "already running", server)
        if action == "stop":
            pid = sandbox.stop_server()
            if args.format == "json":
                emit(json.dumps({"running": False, "stopped": pid}, indent=2) + "\n")
            else:
                emit(f"sandbox stopped (pid {pid})\n" if pid else "sandbox not running: nothing to stop\n")
            return EXIT_OK
    except sandbox.SandboxServerError as exc:
        print(f"polycloud: error: {exc}", file=sys.stderr)
        return EXIT_PROVIDER
    found = sandbox.server_status()
    if found.server is None:
        if args.format == "json":
            emit(json.dumps({"running": False, "state_dir": str(found.state_dir), "problem": found.problem},
                            indent=2) + "\n")
        else:
            emit(f"sandbox not running: {found.problem} (state in {found.state_dir})\n")
        return EXIT_PROVIDER
    return _show_server(args.format, "running", found.server)


def _show_server(fmt: str, state: str, server: Any) -> int:
    if fmt == "json":
        emit(json.dumps({"running": True, "state": state, **server.to_dict()}, indent=2) + "\n")
        return EXIT_OK
    lines = [f"sandbox {state} (pid {server.pid}, since {server.started_at}); state in {server.state_dir}"]
    lines += [f"  {key:<16} {url}" for key, url in server.endpoints.items()]
    if server.latency_ms:
        lines.append(f"  every API call answers {server.latency_ms} ms late")
    lines.append("`--sandbox` on plan, deploy, export and migrate uses it; `polycloud sandbox stop` ends it.")
    emit("\n".join(lines) + "\n")
    return EXIT_OK


def _rehearse_files(args: argparse.Namespace) -> int:
    """Deploy, redeploy and export each file on the in-process fakes (a running server is left alone)."""
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
                rows.append(open_sandbox(server=False).rehearse(path, provider))
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
