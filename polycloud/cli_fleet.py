"""The fleet commands: ``polycloud list``, ``polycloud delete``, and ``deploy`` over many files and ``migrate``
over many names with ``--jobs N`` (a summary table; the exit code is the worst item's)."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Sequence
from typing import Any

from polycloud.cli_common import EXIT_OK, UsageError, emit, limits_flag

__all__ = ["add_deploy_files", "add_fleet_commands", "add_migrate_names", "cmd_delete", "cmd_deploy_files",
           "cmd_list", "cmd_migrate_names", "jobs_flag"]

Handler = Callable[[argparse.Namespace], int]
CloudCommand = Callable[[str, str, Handler], argparse.ArgumentParser]

_JOBS_HELP = ("run at most N items at once (default: {default}); one failure never stops the others, and a "
              "summary table ends the output")


def jobs_flag(text: str) -> int:
    """``--jobs N``: a whole number of at least 1."""
    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs takes a whole number, not {text!r}") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"--jobs must be at least 1, not {jobs}")
    return jobs


def _add_jobs(command: argparse.ArgumentParser) -> None:
    from polycloud.fleet import DEFAULT_JOBS

    command.add_argument("--jobs", "-j", type=jobs_flag, metavar="N", help=_JOBS_HELP.format(default=DEFAULT_JOBS))


# -- parser ------------------------------------------------------------------------------------------

def add_deploy_files(command: argparse.ArgumentParser) -> None:
    """``deploy FILE...`` with ``--jobs N`` (one file and no ``--jobs``: the single deploy's output)."""
    command.add_argument("files", nargs="+", metavar="FILE",
                         help="spec files (YAML, JSON or TOML); several are deployed as a fleet")
    _add_jobs(command)
    command.set_defaults(handler=cmd_deploy_files)


def add_migrate_names(migrate: argparse.ArgumentParser) -> None:
    """``migrate NAME...`` with ``--jobs N``: the migrate command's NAME takes several names."""
    for action in migrate._actions:
        if action.dest == "name":
            action.nargs = "+"
            action.help = "the function's name on the source provider; several are migrated as a fleet"
    _add_jobs(migrate)
    migrate.set_defaults(single_handler=migrate.get_default("handler"), handler=cmd_migrate_names)


def add_fleet_commands(sub: Any, cloud: CloudCommand) -> None:
    """Add ``list`` and ``delete`` (through the cloud-command maker ``cloud``) to ``sub``."""
    listing = cloud("list", "list the functions where the provider's settings point: name, owned by polycloud "
                    "or not, image, memory, URL", cmd_list)
    del listing  # no options of its own
    remove = cloud("delete", "delete a function polycloud owns (others only with --set adopt=true)", cmd_delete)
    remove.add_argument("name", metavar="NAME", help="the function's name")
    remove.add_argument("--dry-run", action="store_true", help="delete nothing; say what would be deleted")


# -- commands ----------------------------------------------------------------------------------------

def cmd_list(args: argparse.Namespace) -> int:
    """`polycloud list -p P`: the provider's functions, polycloud's and others'."""
    from polycloud.cli_cloud import _one_provider, _settings
    from polycloud.fleet import list_functions

    provider = _one_provider(args)
    found = list_functions(provider, settings=_settings(args, provider))
    if args.format == "json":
        emit(json.dumps({"provider": provider, "functions": [row.to_dict() for row in found]}, indent=2) + "\n")
        return EXIT_OK
    if not found:
        emit(f"no functions on {provider} here\n")
        return EXIT_OK
    rows = [("NAME", "OWNED", "MEMORY", "IMAGE", "URL")]
    rows += [(row.name, "yes" if row.owned else "no", f"{row.memory} MiB" if row.memory else "-",
              row.image or "-", row.url or "-") for row in found]
    noun = "function" if len(found) == 1 else "functions"
    emit(_table(rows) + f"{len(found)} {noun}, {sum(row.owned for row in found)} owned by polycloud\n")
    return EXIT_OK


def _delete(args: argparse.Namespace) -> int:
    from polycloud.cli_cloud import _one_provider, _settings
    from polycloud.fleet import delete

    provider = _one_provider(args)
    result = delete(args.name, provider, dry_run=args.dry_run, settings=_settings(args, provider))
    if args.format == "json":
        emit(json.dumps(result.to_dict(), indent=2) + "\n")
        return EXIT_OK
    lines = [f"{'would delete' if result.dry_run else 'deleted'} {result.provider} {result.name}"
             + (" (dry run: nothing was deleted)" if result.dry_run else "")]
    if result.resource_id:
        lines.append(f"  id: {result.resource_id}")
    lines += [f"  note: {note}" for note in result.notes]
    emit("\n".join(lines) + "\n")
    return EXIT_OK


def cmd_delete(args: argparse.Namespace) -> int:
    """`polycloud delete NAME -p P`: delete what polycloud owns; refuse the rest unless adopted."""
    from polycloud.cli_cloud import sandbox_hint

    return sandbox_hint(_delete)(args)


def cmd_deploy_files(args: argparse.Namespace) -> int:
    """`polycloud deploy FILE... -p P [--jobs N]`: one file as before; several as a fleet with a summary."""
    from polycloud.cli_cloud import (
        _inspect_image,
        _one_provider,
        _pin_images,
        _settings,
        _signature_policy,
        cmd_deploy,
    )
    from polycloud.fleet import DEFAULT_JOBS, deploy_all

    files = list(dict.fromkeys(args.files))
    if len(files) == 1 and args.jobs is None:
        args.file = files[0]
        return cmd_deploy(args)
    provider = _one_provider(args)
    jobs = args.jobs or DEFAULT_JOBS
    start = time.perf_counter()
    results = deploy_all(files, provider, jobs=jobs, dry_run=args.dry_run, limit_overrides=limits_flag(args.limits),
                         settings=_settings(args, provider), pin_images=_pin_images(args),
                         signature=_signature_policy(args), inspect_image=_inspect_image(args))
    return _summary(results, args.format, jobs, time.perf_counter() - start, "plan" if args.dry_run else "deploy")


def cmd_migrate_names(args: argparse.Namespace) -> int:
    """`polycloud migrate NAME... --from P --to Q [--jobs N]`: one name as before; several as a fleet."""
    from polycloud.cli_cloud import _one_provider, _settings
    from polycloud.cli_migrate import _mapping_options
    from polycloud.fleet import DEFAULT_JOBS, migrate_all

    names = list(dict.fromkeys(args.name))
    if len(names) == 1 and args.jobs is None:
        args.name = names[0]
        single: Handler = args.single_handler
        return single(args)
    if args.new_name:
        raise UsageError("--name renames one function; migrate the functions to rename one at a time")
    if args.format not in ("text", "json"):
        raise UsageError(f"--format {args.format} shows one migration's report; several names take text or json")
    source = _one_provider(argparse.Namespace(provider=args.source))
    target = _one_provider(argparse.Namespace(provider=args.target))
    options = _mapping_options(args, target)
    options.pop("new_name", None)
    source_settings = _settings(args, source)
    target_settings = _settings(argparse.Namespace(set=args.target_set, sandbox=args.sandbox), target)
    jobs = args.jobs or DEFAULT_JOBS
    start = time.perf_counter()
    results = migrate_all(names, source, target, jobs=jobs, source_settings=source_settings,
                          target_settings=target_settings, replace=args.replace, dry_run=args.dry_run, **options)
    return _summary(results, args.format, jobs, time.perf_counter() - start, "migrate")


# -- output --------------------------------------------------------------------------------------------

def _summary(results: Sequence[Any], fmt: str, jobs: int, seconds: float, verb: str) -> int:
    """The summary table (or JSON) of a fleet run; returns the worst item's exit code (0: all ok)."""
    failed = [row for row in results if not row.ok]
    code = max((row.exit_code for row in failed), default=EXIT_OK)
    if fmt == "json":
        emit(json.dumps({"ok": not failed, "jobs": jobs, "seconds": round(seconds, 3),
                         "succeeded": len(results) - len(failed), "failed": len(failed),
                         "results": [row.to_dict() for row in results]}, indent=2) + "\n")
        return code
    rows = [("ITEM", "RESULT", "DETAIL")]
    for row in results:
        deployment = row.deployment
        if not row.ok:
            rows.append((row.item, "FAILED", row.describe_error()))
        elif deployment is not None:
            action = deployment.action + (" (dry run)" if deployment.dry_run else "")
            rows.append((row.item, action, deployment.url or deployment.resource_id or ""))
        else:
            rows.append((row.item, "ok", ""))
    emit(_table(rows) + f"{verb}: {len(results) - len(failed)} of {len(results)} ok, {len(failed)} failed "
         f"({seconds:.1f} s, --jobs {jobs})\n")
    return code


def _table(rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns, the last one unpadded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]])
             for row in rows]
    return "\n".join(line.rstrip() for line in lines) + "\n"
