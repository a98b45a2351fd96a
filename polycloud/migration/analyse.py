"""The rows of a portability report, computed by a round trip through the target adapter.

The target spec goes through the target's ``translate`` and back through its ``to_spec``; every field whose
value read back differs from the source is a non-exact row (no silent loss). The target's rule findings give
the ``refused`` rows (with the rule id and its fix); the adapters' ``portability`` data only explains why.
"""

from __future__ import annotations

from typing import Any

from polycloud.adapter import Adapter
from polycloud.findings import Finding, Severity
from polycloud.migration.hooks import Portability
from polycloud.migration.mapping import Target
from polycloud.migration.paths import field_paths, get_path
from polycloud.migration.report import Row
from polycloud.migration.types import Status
from polycloud.spec import FunctionSpec

__all__ = ["migration_fix", "round_trip", "rows"]

_EMPTY: tuple[Any, ...] = (None, "", [], {}, False)


def round_trip(adapter: Adapter, spec: FunctionSpec) -> tuple[FunctionSpec, str | None]:
    """``spec`` as the target reads it back (``to_spec(translate(spec))``), or ``spec`` and why it could not be
    read back (the target refuses it before translating)."""
    try:
        return adapter.to_spec(adapter.translate(spec)).spec, None
    except Exception as exc:  # noqa: BLE001 - a refused spec is reported by its findings, not raised here
        return spec, f"not read back from the target ({type(exc).__name__}: {exc})"


def _secret_ref(document: dict[str, Any], path: str, section: str | None) -> Any:
    refs = get_path(document, path)
    if not isinstance(refs, dict):
        return None
    refs = {k: v for k, v in refs.items() if v}
    return refs.get(section) if section else (refs or None)


def _read_value(document: dict[str, Any], path: str) -> Any:
    """The read-back value of ``path``; a tag whose key the target lowercased is found under that key."""
    value = get_path(document, path)
    if value is None and path.startswith("tags."):
        key = path.removeprefix("tags.")
        value = next((v for k, v in (document.get("tags") or {}).items() if k == key.lower()), None)
    return value


def _findings_at(findings: list[Finding], path: str) -> list[Finding]:
    return [f for f in findings if f.path == path or (f.path and path.startswith(f.path + "."))]


def migration_fix(path: str) -> str:
    """How a migration changes the value at ``path`` (the flag, and the keyword of ``migrate``)."""
    head, _, key = path.partition(".")
    if head == "secrets":
        return f"map it: --secret {key}=REFERENCE (secrets=)"
    if head == "image":
        return "--image IMAGE or --image-map SRC_PREFIX=DST_PREFIX (image=, image_map=)"
    if head == "name":
        return "--name NEW (new_name=)"
    if head == "providers":
        return f"--target-setting {path.rsplit('.', 1)[-1]}=VALUE (providers=)"
    return f"--override {path}=VALUE (overrides=)"


def _refused(path: str, source: Any, target: Any, errors: list[Finding], fitters: set[str], fit: bool) -> Row:
    first = errors[0]
    fix = "; ".join(p for p in (first.hint, f"in a migration: {migration_fix(path)}") if p)
    if first.rule in fitters and not fit:
        fix += ", or let fit=True (--fit) take the nearest allowed value"
    return Row(path, Status.REFUSED, source, target, first.rule,
               first.message + (f". Fix: {fix}" if fix else ""))


def _sentences(*parts: str | None) -> str:
    return "; ".join(dict.fromkeys(p for p in parts if p))


def rows(source: FunctionSpec, section: str | None, target: Target, to: str, adapter: Adapter,
         findings: list[Finding], target_data: Portability, source_data: Portability, *, fit: bool) -> list[Row]:
    """One row per field of the source (and per field the migration added), then one per setting."""
    read, unread = round_trip(adapter, target.spec)
    source_doc = source.model_dump(mode="json")
    source_doc["image"] = source.image_for(section) if section else source.image
    desired_doc, read_doc = target.spec.model_dump(mode="json"), read.model_dump(mode="json")
    errors = [f for f in findings if f.severity == Severity.ERROR]
    warnings = [f for f in findings if f.severity != Severity.ERROR]
    fitters = set(target_data.fitters)
    paths = list(dict.fromkeys(field_paths(source) + field_paths(target.spec)))
    out: list[Row] = []
    for path in paths:
        secret = path.startswith("secrets.")
        was = _secret_ref(source_doc, path, section) if secret else get_path(source_doc, path)
        wanted = _secret_ref(desired_doc, path, to) if secret else get_path(desired_doc, path)
        got = _secret_ref(read_doc, path, to) if secret else _read_value(read_doc, path)
        out.append(_row(path, was, wanted, got, target, _findings_at(errors, path), _findings_at(warnings, path),
                        target_data, fitters, fit, unread))
    out += _setting_rows(source, section, target, to, read, source_data, errors, fitters, fit)
    covered = {row.field for row in out}
    for finding in errors:  # an error on no row of its own (a plan, the whole spec) still refuses
        if not any(finding.path == c or c.startswith(finding.path + ".") for c in covered if finding.path):
            out.append(_refused(finding.path or "spec", None, None, [finding], fitters, fit))
    return out


def _row(path: str, was: Any, wanted: Any, got: Any, target: Target, errors: list[Finding],
         warnings: list[Finding], data: Portability, fitters: set[str], fit: bool, unread: str | None) -> Row:
    if errors:
        return _refused(path, was, wanted, errors, fitters, fit)
    made = target.adjusted(path)
    rule = next((a.rule for a in made if a.rule), None)
    changed = _sentences(*(a.message for a in made))
    why = data.lookup(data.why, path) if got != wanted else None
    said = _sentences(*(w.message for w in warnings))
    if path.startswith("secrets.") and got and got != was:
        emulated = data.lookup(data.emulated, path)
        status = Status.EMULATED if emulated else Status.ADJUSTED
        return Row(path, status, was, got, rule, _sentences(changed, emulated, unread))
    if got == was:
        emulated = data.lookup(data.emulated, path)
        if emulated:
            return Row(path, Status.EMULATED, was, got, rule, _sentences(changed, emulated, unread))
        # exact as read back; a change made on the way that the target reads back the same is still said
        return Row(path, Status.EXACT, was, got, rule, _sentences(changed, unread))
    status = Status.DROPPED if got in _EMPTY and was not in _EMPTY and not made else Status.ADJUSTED
    message = _sentences(changed, why, said, unread) or "the target reads it back with another value"
    return Row(path, status, was, got, rule, message)


def _settings_of(spec: FunctionSpec, section: str | None) -> dict[str, Any]:
    values = getattr(spec.providers, section, None) if section else None
    if values is None:
        return {}
    dumped = values.model_dump(mode="json")  # defaults too: a deployed function has them (alias live, plan EP1)
    return {key: value for key, value in dumped.items() if value not in _EMPTY}


def _setting_rows(source: FunctionSpec, section: str | None, target: Target, to: str, read: FunctionSpec,
                  data: Portability, errors: list[Finding], fitters: set[str], fit: bool) -> list[Row]:
    out: list[Row] = []
    read_values = getattr(read.providers, to, None)
    read_doc = read_values.model_dump(mode="json") if read_values is not None else {}
    if section and section != to:
        for key, value in _settings_of(source, section).items():
            leaving = data.leaving.get(key)
            message = (f"{leaving.what}: {leaving.instead}" if leaving else
                       f"a setting only providers.{section} has; the target has no such setting")
            out.append(Row(f"providers.{section}.{key}", Status.DROPPED, value, None, None, message))
    for key, value in _settings_of(target.spec, to).items():
        path = f"providers.{to}.{key}"
        errs = _findings_at(errors, path)
        if errs:
            out.append(_refused(path, value, value, errs, fitters, fit))
            continue
        was = _settings_of(source, to).get(key) if section == to else None
        made = target.adjusted(path)
        got = read_doc.get(key)
        if made:
            out.append(Row(path, Status.ADJUSTED, made[0].before, got, made[0].rule,
                           _sentences(*(a.message for a in made))))
        elif section == to and got != was:
            out.append(Row(path, Status.ADJUSTED, was, got, None, "the target reads it back with another value"))
        elif got != value:
            out.append(Row(path, Status.ADJUSTED, value, got, None, "given for the target; read back as shown"))
        else:
            out.append(Row(path, Status.EXACT, was if section == to else value, got, None,
                           "" if section == to else "given for the target"))
    return out
