"""The ``polycloud`` command: validate, plan, deploy, export, migrate, portability, list, delete, schema, limits,
providers, rules.

Exit codes: 0 valid / done; 1 findings at error level (or warnings with --strict);
2 usage error (bad flag, unreadable or unusable file, unknown provider, missing SDK); 3 a cloud call failed
(`sandbox status`: no sandbox server runs; `sandbox start`: the server could not start); 70 an internal error
(a bug: please report it); 130 / 143 interrupted by Ctrl-C (SIGINT) / SIGTERM (``cli_interrupt``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from polycloud.cli_cloud import cmd_deploy, cmd_export, cmd_migrate, cmd_plan, cmd_sandbox
from polycloud.cli_common import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_PROVIDER,
    EXIT_USAGE,
    UsageError,
    add_verbosity_flags,
    emit,
    image_archive_findings,
    limits_flag,
    log_level,
    progress_lines,
    providers_flag,
)
from polycloud.cli_fleet import add_deploy_files, add_fleet_commands, add_migrate_names
from polycloud.cli_interrupt import interrupt_exit, interrupts_as_keyboard_interrupt
from polycloud.cli_migrate import add_migration_commands
from polycloud.errors import AdapterError, ConfigurationError, PolycloudError, ProviderError, RefusedError, SpecError
from polycloud.findings import Report
from polycloud.redact import redact_text

__all__ = ["main"]

# -- commands -------------------------------------------------------------------------

def _cmd_validate(args: argparse.Namespace) -> int:
    from polycloud._validate import validate_files
    from polycloud.output import render
    from polycloud.source import UNREADABLE

    providers, limits = providers_flag(args.provider), limits_flag(args.limits)
    report = validate_files(args.files, providers, limit_overrides=limits)
    if args.image_archive:
        report.extend(image_archive_findings(args.files, args.image_archive, providers, limits, args.cosign_key))
    elif args.cosign_key:
        raise UsageError("--cosign-key needs --image-archive (validate checks images offline)")
    emit(render(report, args.format, strict=args.strict), args.output)
    if any(f.rule == UNREADABLE for f in report):
        return EXIT_USAGE
    return EXIT_OK if report.passes(strict=args.strict) else EXIT_FINDINGS


def _cmd_schema(args: argparse.Namespace) -> int:
    from polycloud.schema import write_schemas

    try:
        written = write_schemas(Path(args.output_dir))
    except OSError as exc:
        raise UsageError(f"cannot write schemas to {args.output_dir}: {exc.strerror or exc}") from None
    for path in written:
        print(path)
    return EXIT_OK


def _cmd_limits(args: argparse.Namespace) -> int:
    from polycloud import registry
    from polycloud._validate import DEFAULT_PROVIDERS

    names = providers_flag(args.provider) or list(DEFAULT_PROVIDERS)
    tables = [registry.load(n).limits for n in names]  # an adapter's own data, wherever it is installed from
    if args.format == "json":
        emit(json.dumps([t.model_dump(mode="json") for t in tables], indent=2) + "\n")
        return EXIT_OK
    out = []
    for table in tables:
        out.append(f"{table.title} ({table.provider}), default profile {table.default_profile}, as of {table.as_of}")
        for name in table.profiles:
            profile = table.profile(name)
            out.append(f"  profile {name}: {profile.description}")
            for key, limit in profile.limits.items():
                if limit.min is None and limit.max is None and limit.allowed is None:
                    continue
                out.append(f"    {key:<22} {limit.describe_range():<28} {limit.source}")
        out.append("")
    emit("\n".join(out))
    return EXIT_OK


def _cmd_providers(args: argparse.Namespace) -> int:
    from polycloud import registry

    rows: list[dict[str, Any]] = []
    for name in registry.available():
        try:
            cls = registry.load(name)
        except AdapterError as exc:
            rows.append({"provider": name, "title": None, "sdk": {}, "ready": False, "install": str(exc)})
            continue
        status = registry.sdk_status(cls)
        ready = all(status.values())
        rows.append({"provider": name, "title": cls.title, "sdk": status, "ready": ready,
                     "install": None if ready else f"pip install '{cls.extra}'"})
    if args.format == "json":
        emit(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    for row in rows:
        sdk = ", ".join(f"{d} {v or 'missing'}" for d, v in row["sdk"].items())
        state = "ready" if row["ready"] else f"not ready: {row['install']}"
        emit(f"{row['provider']:<16} {row['title'] or '':<16} {sdk:<48} {state}\n")
    return EXIT_OK


def _cmd_rules(args: argparse.Namespace) -> int:
    from polycloud.ruledocs import all_rules, render_markdown

    if args.markdown:
        emit(render_markdown())
    else:
        for rule in all_rules():
            emit(f"{rule.id:<28} {rule.severity.value:<8} {rule.summary}\n")
    return EXIT_OK


# -- parser ---------------------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    from polycloud import __version__
    from polycloud.output import FORMATS

    parser = argparse.ArgumentParser(prog="polycloud", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"polycloud {__version__}")
    add_verbosity_flags(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="check spec files against providers' limits (offline)")
    validate.add_argument("files", nargs="+", metavar="FILE", help="spec files (YAML, JSON or TOML)")
    validate.add_argument("--provider", "-p", help="comma-separated provider keys or sections (default: those "
                          "under providers:, or the shipped three; see `polycloud providers`)")
    validate.add_argument("--format", "-f", choices=FORMATS, default="text", help="report format")
    validate.add_argument("--strict", action="store_true", help="warnings fail too")
    validate.add_argument("--limits", metavar="FILE", help="JSON/YAML overrides of the limits data")
    validate.add_argument("--output", "-o", metavar="FILE", help="write the report here")
    validate.add_argument("--image-archive", metavar="PATH", help="also check this image (docker/podman save "
                          "tarball, OCI layout directory or tarball) against each spec")
    validate.add_argument("--cosign-key", metavar="PUBKEY", help="with --image-archive: refuse the image unless "
                          "its digest has a valid cosign signature by this public key")
    validate.set_defaults(handler=_cmd_validate)

    def cloud(name: str, help_text: str, handler: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text)
        if name != "migrate":
            command.add_argument("--provider", "-p", required=True, help="a provider key or section "
                                 "(see `polycloud providers`)")
        command.add_argument("--format", "-f", choices=("text", "json"), default="text", help="output format")
        command.add_argument("--set", action="append", metavar="KEY=VALUE", help="adapter setting")
        command.add_argument("--region", help="AWS or Cloud Run region (over providers.<p>.region)")
        command.add_argument("--project", help="Google Cloud project id (over providers.gcp.project)")
        command.add_argument("--subscription", help="Azure subscription id (over providers.azure.subscription_id)")
        command.add_argument("--resource-group", help="Azure resource group (over providers.azure.resource_group)")
        command.add_argument("--sandbox", action="store_true",
                             help="use polycloud's offline fakes instead of a cloud: the running `polycloud "
                                  "sandbox start` server, else fakes that live for this command only")
        command.set_defaults(handler=handler)
        return command

    for name, help_text, handler in (("plan", "show what deploy would change", cmd_plan),
                                     ("deploy", "create or update the function", cmd_deploy)):
        command = cloud(name, help_text, handler)
        if name == "deploy":
            add_deploy_files(command)
        else:
            command.add_argument("file", metavar="FILE", help="spec file (YAML, JSON or TOML)")
        command.add_argument("--limits", metavar="FILE", help="JSON/YAML overrides of the limits data")
        command.add_argument("--dry-run", action="store_true", help="write nothing; show what would change "
                             "(plan never writes)")
        command.add_argument("--no-pin", action="store_true", help="deploy the image tag as written instead of "
                             "the digest it names now in its registry (docs/images.md, Digests)")
        command.add_argument("--cosign-key", metavar="PUBKEY", help="refuse the image, before any cloud call, "
                             "unless its pinned digest has a valid cosign signature by this public key in its "
                             "registry (docs/images.md, Signature policy at deploy)")
        command.add_argument("--inspect-image", action="store_true", help="read the pinned image from its "
                             "registry and refuse it, before any cloud call, when an image-* rule finds an error; "
                             "warnings become notes (docs/images.md, Digests)")

    export = cloud("export", "write a live function as a spec", cmd_export)
    export.add_argument("name", metavar="NAME", help="the function's name")
    export.add_argument("--output", "-o", metavar="FILE", help="write the spec here (replaced only once the "
                        "export succeeded); default: stdout")
    export.set_defaults(format="yaml")
    for action in export._actions:
        if action.dest == "format":
            action.choices = ("yaml", "json")
            action.default = "yaml"

    add_migration_commands(sub, cloud, cmd_migrate)
    add_migrate_names(sub.choices["migrate"])
    add_fleet_commands(sub, cloud)

    sandbox = sub.add_parser(
        "sandbox", usage="%(prog)s {start,status,stop} | FILE... [options]",
        help="run the offline fakes of all three clouds in the background (start, status, stop), or rehearse "
             "specs on them: deploy, redeploy and export (FILE...)")
    sandbox.add_argument("files", nargs="+", metavar="start|status|stop|FILE",
                         help="start, status or stop the lasting sandbox server; or spec files to rehearse "
                              "in-process (a file named like a command: ./start)")
    sandbox.add_argument("--provider", "-p", help="rehearsal: comma-separated; default: those under providers:, "
                         "or all")
    sandbox.add_argument("--format", "-f", choices=("text", "json"), default="text", help="output format")
    from polycloud.testing import SANDBOX_CLOUDS  # the fakes are per cloud by nature; the core names none

    for section in SANDBOX_CLOUDS:
        sandbox.add_argument(f"--{section}-port", type=int, default=0, metavar="PORT",
                             help=f"start: the {section} fake's loopback port (default: a free one)")
    sandbox.add_argument("--latency-ms", type=float, default=0, metavar="MS",
                         help="start: every API call answers MS milliseconds late (for benchmarks)")
    sandbox.set_defaults(handler=cmd_sandbox)

    schema = sub.add_parser("schema", help="write the spec's JSON Schemas")
    schema.add_argument("--output-dir", default="schemas", metavar="DIR", help="where to write the schema files")
    schema.set_defaults(handler=_cmd_schema)

    limits = sub.add_parser("limits", help="print the limit tables with sources")
    limits.add_argument("--provider", "-p", help="comma-separated provider keys or sections (default: every "
                        "installed one)")
    limits.add_argument("--format", "-f", choices=("text", "json"), default="text", help="output format")
    limits.set_defaults(handler=_cmd_limits)

    providers = sub.add_parser("providers", help="list adapters and their SDK status")
    providers.add_argument("--format", "-f", choices=("text", "json"), default="text", help="output format")
    providers.set_defaults(handler=_cmd_providers)

    rules = sub.add_parser("rules", help="list rule ids")
    rules.add_argument("--markdown", action="store_true", help="print docs/rules.md")
    rules.set_defaults(handler=_cmd_rules)
    for command in sub.choices.values():  # -q / -v after the command name too
        add_verbosity_flags(command, default=argparse.SUPPRESS)
    return parser


def _report_error(report: Report, fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(report.to_dict(), indent=2) + "\n")
    else:
        for finding in report:
            print(finding.describe(), file=sys.stderr)


def _internal_error(exc: Exception, fmt: str) -> int:
    from polycloud.input_limits import safe_text, shorten

    what = shorten(safe_text(f"{type(exc).__name__}: {exc}"))
    if fmt == "json":
        sys.stdout.write(json.dumps({"ok": False, "error": {"internal": True, "message": what}}, indent=2) + "\n")
    print(f"polycloud: internal error: {what}\nThis is a bug in polycloud (or in an adapter); please report it "
          "with the command and input that caused it.", file=sys.stderr)
    return EXIT_INTERNAL


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    fmt = getattr(args, "format", "text")
    try:
        with interrupts_as_keyboard_interrupt(), progress_lines(log_level(args)):
            code: int = args.handler(args)
        return code
    except KeyboardInterrupt as exc:  # Ctrl-C or SIGTERM: what changed, what still runs, exit 128 + signal
        return interrupt_exit(exc, fmt)
    except BrokenPipeError:  # e.g. `polycloud rules | head`: the reader left; say nothing more
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except UsageError as exc:
        print(f"polycloud: error: {redact_text(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except SpecError as exc:
        _report_error(exc.report, fmt)
        from polycloud.source import UNREADABLE

        return EXIT_USAGE if any(f.rule == UNREADABLE for f in exc.report) else EXIT_FINDINGS
    except (ProviderError, RefusedError) as exc:
        if fmt == "json":
            sys.stdout.write(json.dumps({"ok": False, "error": {
                "provider": exc.provider, "operation": exc.operation, "code": exc.code,
                "status": getattr(exc, "status", None), "request_id": getattr(exc, "request_id", None),
                "refused": isinstance(exc, RefusedError), "message": redact_text(exc.message),
                "changed": exc.changed}}, indent=2) + "\n")
        print(f"polycloud: error: {exc}", file=sys.stderr)
        return EXIT_PROVIDER
    except (AdapterError, ConfigurationError) as exc:
        print(f"polycloud: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except PolycloudError as exc:  # pragma: no cover - every subclass is handled above
        print(f"polycloud: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # a bug: one line and its own exit code, never a traceback or exit 1
        return _internal_error(exc, fmt)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
