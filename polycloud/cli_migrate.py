"""The ``polycloud migrate`` and ``polycloud portability`` commands: their flags, and the report on stdout."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from polycloud.cli_common import EXIT_FINDINGS, EXIT_OK, UsageError, emit

__all__ = ["add_migration_commands", "cmd_portability", "run_migrate"]

CloudCommand = Callable[[str, str, Callable[[argparse.Namespace], int]], argparse.ArgumentParser]


def _pairs(items: list[str] | None, flag: str) -> list[tuple[str, str]]:
    pairs = []
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{flag} takes KEY=VALUE, not {item!r}")
        pairs.append((key.strip(), value))
    return pairs


def _target_section(args: argparse.Namespace, target: str) -> dict[str, Any]:
    """``--target-setting KEY=VALUE``: values of the target's ``providers.<section>``, typed by its settings
    model (a list field takes comma-separated items: ``subnet_ids=a,b``)."""
    from polycloud import registry
    from polycloud.settings import from_text

    cls = registry.load(target)
    section: dict[str, Any] = {}
    for key, value in _pairs(args.target_setting, "--target-setting"):
        key = key.replace("-", "_")
        if key not in cls.settings_model.model_fields:
            raise UsageError(f"--target-setting {key}: providers.{cls.section} has no such setting; it has "
                             f"{', '.join(cls.settings_model.model_fields)} (adapter settings go in --target-set)")
        try:
            section[key] = from_text(cls, key, value)
        except ValueError as exc:
            raise UsageError(str(exc).replace("--set", "--target-setting")) from None
    return section


def _secrets(args: argparse.Namespace) -> dict[str, str]:
    """``--secrets-file FILE`` (a YAML/JSON mapping NAME: REFERENCE), then each ``--secret NAME=REFERENCE``."""
    secrets: dict[str, str] = {}
    if args.secrets_file:
        import yaml

        try:
            with open(args.secrets_file, encoding="utf-8") as handle:
                loaded = yaml.safe_load(handle)
        except (OSError, yaml.YAMLError) as exc:
            raise UsageError(f"--secrets-file {args.secrets_file}: {exc}") from None
        if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
            raise UsageError(f"--secrets-file {args.secrets_file}: expected a mapping of secret names to "
                             "references in the target's secret store")
        secrets.update({str(k): v for k, v in loaded.items()})
    secrets.update(_pairs(args.secret, "--secret"))
    return secrets


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """``--override PATH=VALUE``: a spec field by dotted path; the value is read as YAML (``8``, ``2GiB``)."""
    import yaml

    overrides: dict[str, Any] = {}
    for path, text in _pairs(args.override, "--override"):
        try:
            value = yaml.safe_load(text) if text.strip() else text
        except yaml.YAMLError:
            value = text
        overrides[path] = value
    return overrides


def _mapping_options(args: argparse.Namespace, target: str) -> dict[str, Any]:
    return {"providers": _target_section(args, target), "new_name": args.new_name, "image": args.image,
            "image_map": dict(_pairs(args.image_map, "--image-map")), "secrets": _secrets(args),
            "overrides": _overrides(args), "fit": args.fit}


def _add_mapping_flags(command: argparse.ArgumentParser) -> None:
    command.add_argument("--to", dest="target", required=True, help="the target provider")
    command.add_argument("--target-setting", action="append", metavar="KEY=VALUE",
                         help="providers.<target> value of the new spec, e.g. region=europe-west1 or "
                              "subnet_ids=subnet-a,subnet-b (lists: comma-separated)")
    command.add_argument("--name", dest="new_name", metavar="NEW", help="the function's name on the target")
    command.add_argument("--image", help="the image for the target")
    command.add_argument("--image-map", action="append", metavar="SRC_PREFIX=DST_PREFIX",
                         help="move an image whose reference starts with SRC_PREFIX to DST_PREFIX")
    command.add_argument("--secret", action="append", metavar="NAME=TARGET_REF",
                         help="the secret NAME's reference in the target's secret store")
    command.add_argument("--secrets-file", metavar="FILE", help="a YAML/JSON mapping NAME: TARGET_REF")
    command.add_argument("--override", action="append", metavar="FIELD=VALUE",
                         help="set a spec field, e.g. memory=2GiB or concurrency.max_instances=20")
    command.add_argument("--fit", action="store_true",
                         help="take the nearest value the target allows where it refuses one (each reported)")


def add_migration_commands(sub: Any, cloud: CloudCommand, cmd_migrate: Callable[[argparse.Namespace], int]) -> None:
    """Add ``migrate`` (through the cloud-command maker ``cloud``, run by ``cmd_migrate``) and ``portability`` to
    ``sub``."""
    from polycloud.migration.report import FORMATS

    migrate = cloud("migrate", "read a function from one provider and deploy it to another", cmd_migrate)
    migrate.add_argument("name", metavar="NAME")
    migrate.add_argument("--from", dest="source", required=True, help="the source provider (--set, --region... "
                         "apply to reading it)")
    _add_mapping_flags(migrate)
    migrate.add_argument("--target-set", action="append", metavar="KEY=VALUE",
                         help="adapter setting for the target, e.g. adopt=true")
    migrate.add_argument("--replace", action="store_true",
                         help="update a function of the same name on the target (never done without it)")
    migrate.add_argument("--dry-run", action="store_true", help="show the report and the plan; write nothing")
    for action in migrate._actions:
        if action.dest == "format":
            action.choices = FORMATS

    portability = sub.add_parser("portability", help="report, field by field, how a spec would arrive on another "
                                 "provider (offline)")
    portability.add_argument("file", metavar="SPEC")
    portability.add_argument("--from", dest="source", help="the provider the spec comes from (default: the one "
                             "its providers: names)")
    _add_mapping_flags(portability)
    portability.add_argument("--format", "-f", choices=FORMATS, default="text")
    portability.add_argument("--output", "-o", metavar="FILE", help="write the report here")
    portability.set_defaults(handler=cmd_portability)


def _one(provider: str) -> str:
    from polycloud.cli_cloud import _one_provider

    return _one_provider(argparse.Namespace(provider=provider))


def cmd_portability(args: argparse.Namespace) -> int:
    """`polycloud portability SPEC --to P`: the per-field report, offline; exit 1 when a row is refused."""
    from polycloud.migration import portability

    target = _one(args.target)
    source = _one(args.source) if args.source else None
    report = portability(args.file, target, source=source, **_mapping_options(args, target))
    emit(report.render(args.format), args.output)
    return EXIT_OK if report.ok else EXIT_FINDINGS


def run_migrate(args: argparse.Namespace) -> int:
    """`polycloud migrate NAME --from P --to Q`: read from one provider, deploy to another, report each field."""
    from polycloud.cli_cloud import _describe_deployment, _settings
    from polycloud.migration import MigrationRefusedError, migrate

    source, target = _one(args.source), _one(args.target)
    options = _mapping_options(args, target)
    source_settings = _settings(args, source)
    target_settings = _settings(argparse.Namespace(set=args.target_set, sandbox=args.sandbox), target)
    try:
        result = migrate(args.name, source, target, source_settings=source_settings,
                         target_settings=target_settings, replace=args.replace, dry_run=args.dry_run, **options)
    except MigrationRefusedError as refused:
        emit(refused.portability.render(args.format))
        return EXIT_FINDINGS
    if args.format == "text":
        emit(result.report.render("text") + _describe_deployment(result.deployment, "migrate"))
    else:
        emit(result.report.render(args.format))
    return EXIT_OK
