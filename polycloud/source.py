"""Read spec files (YAML, JSON, TOML) keeping each key's position, and map errors to line:col.

Every problem found while reading becomes a Finding with the file, line and column of the
offending key, never a traceback: unreadable and binary files, malformed syntax, duplicate
keys, a list where a mapping belongs, unknown keys (with the nearest valid one), wrong types.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from polycloud.findings import Finding, Report, Severity
from polycloud.spec import ComposedSections, FunctionSpec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["SpecSource", "dump_spec", "join_path", "load_spec", "parse_spec", "read_source"]

UNREADABLE = "spec-file-unreadable"
"""Rule id of a file that cannot be read at all (CLI exit 2)."""

Position = tuple[int, int]


def join_path(parts: tuple[Any, ...] | list[Any]) -> str:
    """``("concurrency", "max_instances")`` -> ``concurrency.max_instances``."""
    return ".".join(str(p) for p in parts)


@dataclass
class SpecSource:
    """A parsed spec file: its data and the 1-based position of every key."""

    file: str | None
    data: Any
    positions: dict[str, Position] = field(default_factory=dict)

    def locate(self, path: str) -> Position | None:
        """The position of ``path``, or of its nearest ancestor that has one."""
        parts = path.split(".") if path else []
        while parts:
            found = self.positions.get(".".join(parts))
            if found is not None:
                return found
            parts.pop()
        return self.positions.get("")

    def place(self, finding: Finding) -> Finding:
        """``finding`` pointed at this file and the position of its path."""
        line, column = self.locate(finding.path) or (None, None)
        return finding.located(self.file, line, column)


class _SourceProblem(Exception):
    def __init__(self, finding: Finding) -> None:
        self.finding = finding
        super().__init__(finding.message)


def _problem(rule: str, message: str, file: str | None, line: int | None = None,
             column: int | None = None, hint: str | None = None) -> _SourceProblem:
    return _SourceProblem(Finding(rule=rule, severity=Severity.ERROR, message=message, hint=hint,
                                  file=file, line=line, column=column))


# -- YAML (and JSON positions) ----------------------------------------------------------

def _yaml_positions(text: str, file: str | None) -> tuple[Any, dict[str, Position]]:
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when libyaml is there
    try:
        loader = loader_class(text)  # the pure-Python reader rejects control characters right here
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        position = getattr(exc, "position", None)  # a ReaderError (control character) has no mark
        if mark is None and isinstance(position, int):
            before = text[:position]
            line, column = before.count("\n") + 1, position - before.rfind("\n")
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc).splitlines()[0]
        raise _problem("spec-syntax", f"malformed YAML: {problem}", file, line, column,
                       "check indentation and quoting around this line") from None
    positions: dict[str, Position] = {}
    if root is None:
        loader.dispose()
        return None, positions
    positions[""] = (root.start_mark.line + 1, root.start_mark.column + 1)
    _walk(root, (), positions, file)
    try:
        data = loader.construct_document(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise _problem("spec-syntax", f"malformed YAML: {getattr(exc, 'problem', exc)}", file,
                       mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    finally:
        loader.dispose()
    return data, positions


def _walk(node: Any, prefix: tuple[Any, ...], positions: dict[str, Position], file: str | None) -> None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise _problem("spec-type", "a key must be plain text, not a list or mapping", file, line,
                               column, "write the key as text, e.g. 'name:'")
            key = key_node.value
            if key in seen:
                raise _problem("spec-duplicate-key", f"key {join_path(prefix + (key,))!r} appears twice "
                               f"(first on line {seen[key]})", file, line, column,
                               "keep one of them; the file would otherwise mean different things to different tools")
            seen[key] = line
            positions[join_path(prefix + (key,))] = (line, column)
            _walk(value_node, prefix + (key,), positions, file)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            positions[join_path(prefix + (index,))] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _walk(item, prefix + (index,), positions, file)


# -- TOML (best-effort positions) --------------------------------------------------------

_TOML_TABLE = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$")
_TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_.\"'-]+)\s*=")


def _toml_positions(text: str) -> dict[str, Position]:
    positions: dict[str, Position] = {"": (1, 1)}
    table: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        header = _TOML_TABLE.match(line)
        if header:
            table = [p.strip().strip("\"'") for p in header.group(1).split(".")]
            positions.setdefault(".".join(table), (number, line.index("[") + 1))
            continue
        key = _TOML_KEY.match(line)
        if key:
            parts = [p.strip().strip("\"'") for p in key.group(1).split(".")]
            positions.setdefault(".".join(table + parts), (number, line.index(key.group(1)[0]) + 1))
    return positions


# -- reading ----------------------------------------------------------------------------

def _format_of(file: str | None, fmt: str | None) -> str:
    if fmt:
        return fmt
    suffix = Path(file or "").suffix.lower()
    return {".json": "json", ".toml": "toml"}.get(suffix, "yaml")


def parse_spec(text: str, *, file: str | None = None, fmt: str | None = None) -> SpecSource:
    """Parse spec text (``fmt``: yaml, json or toml; default from the file name).

    Raises:
        SpecError: the text is not a well-formed mapping; the report says where.
    """
    try:
        return _parse(text, file, _format_of(file, fmt))
    except _SourceProblem as problem:
        from polycloud.errors import SpecError

        raise SpecError(Report([problem.finding], files=[file] if file else [])) from None


def _parse(text: str, file: str | None, fmt: str) -> SpecSource:
    if "\x00" in text:
        raise _problem("spec-syntax", "the file is binary, not a YAML, JSON or TOML spec", file, 1, 1)
    if not text.strip():
        raise _problem("spec-empty", "the file is empty", file, 1, 1,
                       "write at least 'name:' and 'image:'; see examples/")
    positions: dict[str, Position]
    if fmt == "json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _problem("spec-syntax", f"malformed JSON: {exc.msg}", file, exc.lineno, exc.colno) from None
        try:
            _, positions = _yaml_positions(text.replace("\t", " "), file)
        except _SourceProblem as problem:
            if problem.finding.rule == "spec-duplicate-key":
                raise
            positions = {"": (1, 1)}
    elif fmt == "toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            where = re.search(r"line (\d+), column (\d+)", str(exc))
            line, column = (int(where[1]), int(where[2])) if where else (None, None)
            if where is None and "end of document" in str(exc):  # e.g. a key with no '= value'
                lines = text.splitlines() or [""]
                line, column = len(lines), len(lines[-1]) + 1
            message = re.sub(r"\s*\(at (line .*|end of document)\)$", "", str(exc))
            raise _problem("spec-syntax", f"malformed TOML: {message}", file, line, column) from None
        positions = _toml_positions(text)
    else:
        data, positions = _yaml_positions(text, file)
    if data is None:
        raise _problem("spec-empty", "the file has no content (only comments or blank lines)", file, 1, 1,
                       "write at least 'name:' and 'image:'; see examples/")
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise _problem("spec-type", f"a spec must be a mapping of keys to values, not a {kind}", file, 1, 1,
                       "start the file with 'name: ...' on its own line")
    return SpecSource(file=file, data=data, positions=positions)


def read_source(path: str | Path) -> SpecSource:
    """Read and parse a spec file.

    Raises:
        SpecError: the file cannot be read (rule ``spec-file-unreadable``) or parsed.
    """
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        from polycloud.errors import SpecError

        reason = exc.strerror or type(exc).__name__
        finding = Finding(rule=UNREADABLE, severity=Severity.ERROR, file=file,
                          message=f"cannot read {file}: {reason}", hint="check the path and permissions")
        raise SpecError(Report([finding], files=[file])) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = "\x00"  # reported as binary below
    return parse_spec(text, file=file)


# -- validation errors -> findings ------------------------------------------------------

def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] = FunctionSpec
    parts = list(loc)
    while parts:
        if issubclass(model, ComposedSections):  # providers: {<section>: its adapter's settings model}
            entry = model.entry_model(str(parts.pop(0)))
            if entry is None:
                return None
            model = entry
            continue
        info = model.model_fields.get(str(parts.pop(0)))
        if info is None:
            return None
        annotation = info.annotation
        if typing.get_origin(annotation) is dict:  # secrets: {NAME: SecretRef}: skip the NAME part
            if not parts:
                return None
            parts.pop(0)
            annotation = typing.get_args(annotation)[1]
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        nested = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if nested is None:
            return None
        model = nested
    return model


def _known_keys(model: type[BaseModel] | None) -> list[str]:
    if model is None:
        return []
    return model.known() if issubclass(model, ComposedSections) else list(model.model_fields)


def findings_from_validation(error: ValidationError, prefix: tuple[str, ...] = ()) -> list[Finding]:
    """One finding per pydantic error, with the dotted path, the value and a fix.

    ``prefix`` is where the validated data sits in a spec (``("providers", "aws")`` for a settings model).
    """
    findings = []
    for item in error.errors(include_url=False):
        loc = prefix + tuple(p for p in item["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        path = join_path(loc)
        kind = item["type"]
        if kind == "extra_forbidden":
            parent = _model_at(loc[:-1])
            composed = parent is not None and issubclass(parent, ComposedSections)
            known = _known_keys(parent)
            close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"valid keys here: {', '.join(known)}"
            if composed:
                hint = (f"{hint} " if close else "") + ("sections of the installed adapters: "
                                                        f"{', '.join(known)} (see `polycloud providers`)")
            findings.append(Finding("spec-unknown-key", Severity.ERROR, f"unknown key {path!r}", path, hint=hint))
        elif kind == "missing":
            findings.append(Finding("spec-missing-key", Severity.ERROR, f"{path!r} is required", path,
                                    hint=f"add '{loc[-1]}:' to the spec"))
        else:
            message = item["msg"].removeprefix("Value error, ")
            value = item.get("input")
            shown = "" if isinstance(value, (dict, list)) else f" (got {value!r})"
            rule = "spec-type" if kind.endswith("_type") or kind in ("dict_type", "list_type") else "spec-value"
            findings.append(Finding(rule, Severity.ERROR, f"{path or 'spec'}: {message}{shown}", path,
                                    hint=_FIELD_HINTS.get(str(loc[-1]) if loc else "")))
    return findings


_FIELD_HINTS: dict[str, str] = {
    "memory": "write a positive size: 512 (MiB), '512MiB', '1GiB' or '1.5GB'",
    "ephemeral_storage": "write a positive size: 512 (MiB), '512MiB' or '10GiB'",
    "timeout": "write a positive duration: 30 (seconds), '90s', '15m' or '1h'",
    "port": "use a port from 1 to 65535",
    "cpu": "use a positive number of vCPU, e.g. 1 or 0.5",
    "min_instances": "use 0 or more, at most max_instances",
    "max_instances": "use 1 or more, at least min_instances",
    "per_instance": "use 1 or more",
    "concurrency": "keep min_instances at or below max_instances",
    "architecture": "use x86_64 or arm64",
    "image_contract": "use http, lambda-runtime-api or azure-functions-host",
    "ingress": "use public, internal or none",
    "auth": "use iam or none",
    "egress": "use default or vpc",
}


def build_spec(source: SpecSource) -> FunctionSpec:
    """Validate parsed data into a FunctionSpec.

    Raises:
        SpecError: the data does not describe a valid spec; findings point at file positions.
    """
    try:
        return FunctionSpec.model_validate(source.data)
    except ValidationError as exc:
        from polycloud.errors import SpecError

        findings = [source.place(f) for f in findings_from_validation(exc)]
        raise SpecError(Report(findings, files=[source.file] if source.file else [])) from None


def load_spec(path: str | Path) -> FunctionSpec:
    """Read a spec file (YAML, JSON or TOML) into a FunctionSpec.

    Raises:
        SpecError: the file cannot be read or is not a valid spec; ``.report`` says where.
    """
    return build_spec(read_source(path))


def dump_spec(spec: FunctionSpec, fmt: str = "yaml") -> str:
    """A spec file's text (yaml or json) that ``load_spec`` reads back to an equal spec."""
    document = spec.to_document()
    if fmt == "json":
        return json.dumps(document, indent=2) + "\n"
    import yaml

    class _Dumper(yaml.SafeDumper):
        """PyYAML writes NEL/LS/PS raw in plain and single-quoted text, which folds them on reading."""

    def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        if any(c in value for c in "\x85\u2028\u2029"):
            return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
        return dumper.represent_str(value)

    _Dumper.add_representer(str, _text)
    return str(yaml.dump(document, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True))
