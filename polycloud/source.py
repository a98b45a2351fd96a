"""Read spec files (YAML, JSON, TOML) keeping each key's position, and map errors to line:col.

Every problem found while reading becomes a Finding with the file, line and column of the
offending key, never a traceback: unreadable and binary files, malformed syntax, duplicate
keys, a list where a mapping belongs, unknown keys (with the nearest valid one), wrong types.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
import sys
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from polycloud.findings import Finding, Report, Severity
from polycloud.input_limits import (
    MAX_DEPTH,
    MAX_EXPANDED_CHARACTERS,
    MAX_FILE_BYTES,
    MAX_NUMBER_DIGITS,
    MAX_VALUES,
    NotText,
    OversizedNumber,
    UnusableFile,
    bounded,
    bracket_depth,
    decode_text,
    preview,
    read_bounded,
    safe_text,
    value_problems,
)
from polycloud.spec import ComposedSections, FunctionSpec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["SpecSource", "dump_spec", "join_path", "load_spec", "parse_spec", "read_source", "unusable_values"]

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
    def __init__(self, *findings: Finding) -> None:
        self.findings = list(findings)
        super().__init__(findings[0].message)


def _problem(rule: str, message: str, file: str | None, line: int | None = None,
             column: int | None = None, hint: str | None = None) -> _SourceProblem:
    return _SourceProblem(Finding(rule=rule, severity=Severity.ERROR, message=message, hint=hint,
                                  file=file, line=line, column=column))


def _spec_error(findings: list[Finding], file: str | None) -> Exception:
    from polycloud.errors import SpecError

    return SpecError(Report([bounded(f) for f in findings], files=[file] if file else []))


_LIMITS_HINT = "a spec is small; see docs/reliability.md for the input limits"


# -- YAML (and JSON positions) ----------------------------------------------------------

@functools.cache
def _yaml_loader() -> type[Any]:
    """PyYAML's safe loader (the C parser when libyaml is there) that leaves over-long integers
    unconverted: Python refuses to convert them, and a long sexagesimal one takes quadratic time."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _Loader(base):  # type: ignore[valid-type,misc]
        pass

    def construct_int(loader: Any, node: Any) -> Any:
        digits = sum(c.isalnum() for c in node.value)
        if digits > MAX_NUMBER_DIGITS:
            return OversizedNumber(digits)
        return yaml.SafeLoader.construct_yaml_int(loader, node)

    _Loader.add_constructor("tag:yaml.org,2002:int", construct_int)
    return _Loader


def _yaml_error(exc: Exception, text: str, file: str | None) -> _SourceProblem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    position = getattr(exc, "position", None)  # a ReaderError (control character) has no mark
    if mark is None and isinstance(position, int):
        before = text[:position]
        line, column = before.count("\n") + 1, position - before.rfind("\n")
    problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc).splitlines()[0]
    if "maximum nesting depth" in str(problem):  # libyaml's own limit, met while scanning ahead
        return _too_deep(file, line, column)
    return _problem("spec-syntax", f"malformed YAML: {problem}", file, line, column,
                    "check indentation and quoting around this line")


def _too_deep(file: str | None, line: int | None, column: int | None) -> _SourceProblem:
    return _problem("spec-limit", f"lists and mappings nest more than {MAX_DEPTH} levels deep", file, line,
                    column, "a spec nests a few levels; flatten this value")


def _yaml_depth(text: str, file: str | None) -> None:
    """Refuse nesting past MAX_DEPTH and more than MAX_VALUES values from the event stream, before any
    recursive composing."""
    import yaml

    depth = values = 0
    for event in yaml.parse(text, Loader=_yaml_loader()):
        mark = event.start_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            values += 1
            if values > MAX_VALUES:  # refused before composing a node graph of a huge flat file
                raise _problem("spec-limit", f"the spec holds more than {MAX_VALUES:,} keys and values", file,
                               line, column, _LIMITS_HINT)
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep(file, line, column)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _check_expansion(root: Any, file: str | None) -> None:
    """Refuse an alias that contains itself, and aliases that multiply the document past the limits.

    Each node is measured once (aliased nodes are shared), so this is linear in the file even for
    an alias bomb, and recursion stays within MAX_DEPTH."""
    import yaml

    measured: dict[int, tuple[int, int, int]] = {}  # node -> (values, characters, levels) with aliases expanded
    open_nodes: set[int] = set()

    def refuse(node: Any, message: str, hint: str = _LIMITS_HINT, rule: str = "spec-limit") -> _SourceProblem:
        return _problem(rule, message, file, node.start_mark.line + 1, node.start_mark.column + 1, hint)

    def measure(node: Any, depth: int) -> tuple[int, int, int]:
        key = id(node)
        if key in open_nodes:
            raise refuse(node, "an alias here refers to a list or mapping that contains it, so it never ends",
                         "replace the alias with the values it should repeat", "spec-syntax")
        if key not in measured:
            if isinstance(node, yaml.ScalarNode):
                measured[key] = (1, len(node.value), 0)
            elif depth > MAX_DEPTH:
                raise _too_deep(file, node.start_mark.line + 1, node.start_mark.column + 1)
            else:
                open_nodes.add(key)
                children = ([n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode)
                            else list(node.value))
                values, characters, levels = 1, 0, 0
                for child in children:
                    child_values, child_characters, child_levels = measure(child, depth + 1)
                    values, characters = values + child_values, characters + child_characters
                    levels = max(levels, child_levels)
                    if values > MAX_VALUES or characters > MAX_EXPANDED_CHARACTERS:
                        break
                open_nodes.discard(key)
                measured[key] = (values, characters, levels + 1)
        values, characters, levels = measured[key]
        if depth - 1 + levels > MAX_DEPTH:
            raise _too_deep(file, node.start_mark.line + 1, node.start_mark.column + 1)
        if values > MAX_VALUES:
            raise refuse(node, f"with its aliases expanded, the spec holds more than {MAX_VALUES:,} keys and values")
        if characters > MAX_EXPANDED_CHARACTERS:
            raise refuse(node, f"with its aliases expanded, the spec's text is longer than "
                               f"{MAX_EXPANDED_CHARACTERS:,} characters")
        return measured[key]

    measure(root, 1)


def _yaml_positions(text: str, file: str | None) -> tuple[Any, dict[str, Position]]:
    import yaml

    try:
        _yaml_depth(text, file)
        loader = _yaml_loader()(text)  # the pure-Python reader rejects control characters right here
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, file) from None
    positions: dict[str, Position] = {}
    if root is None:
        loader.dispose()
        return None, positions
    try:
        _check_expansion(root, file)
        positions[""] = (root.start_mark.line + 1, root.start_mark.column + 1)
        _walk(root, (), positions, file, set())
        data = loader.construct_document(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise _problem("spec-syntax", f"malformed YAML: {getattr(exc, 'problem', exc)}", file,
                       mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    finally:
        loader.dispose()
    return data, positions


def _walk(node: Any, prefix: tuple[Any, ...], positions: dict[str, Position], file: str | None,
          visited: set[int]) -> None:
    """Record each key's position and refuse duplicate keys; a node met again through an alias is
    not walked again (its keys are located at the alias)."""
    import yaml

    if id(node) in visited:
        return
    visited.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise _problem("spec-type", "a key must be plain text, not a list or mapping", file, line,
                               column, "write the key as text, e.g. 'name:'")
            key = key_node.value
            if key in seen:
                raise _problem("spec-duplicate-key", f"key {safe_text(join_path(prefix + (key,)))!r} appears twice "
                               f"(first on line {seen[key]})", file, line, column,
                               "keep one of them; the file would otherwise mean different things to different tools")
            seen[key] = line
            positions[join_path(prefix + (key,))] = (line, column)
            _walk(value_node, prefix + (key,), positions, file, visited)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            positions[join_path(prefix + (index,))] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _walk(item, prefix + (index,), positions, file, visited)


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
        SpecError: the text is not a well-formed mapping within the input limits; the report says where.
    """
    try:
        return _parse(text, file, _format_of(file, fmt))
    except _SourceProblem as problem:
        raise _spec_error(problem.findings, file) from None


class _DuplicateJsonKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(key)


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateJsonKey(key)
            seen.add(key)
    return data


def _json_int(digits: str) -> int | OversizedNumber:
    count = len(digits.lstrip("-"))
    return OversizedNumber(count) if count > MAX_NUMBER_DIGITS else int(digits)


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _json_as_yaml(text: str) -> str:
    """JSON text the YAML parser reads with the same lines and columns: tabs become spaces and
    surrogate escapes (which libyaml refuses, even in pairs) a plain letter's escape."""
    return _SURROGATE_ESCAPE.sub(r"\\u0041", text.replace("\t", " "))


def _json_duplicate(text: str, key: str, file: str | None) -> _SourceProblem:
    """The duplicate-key finding, at the second occurrence of the key as far as the text shows it."""
    try:
        _yaml_positions(_json_as_yaml(text), file)  # the YAML walk knows the key's path and line
    except _SourceProblem as problem:
        if problem.findings[0].rule == "spec-duplicate-key":
            return problem
    spelled = [m.start() for form in {json.dumps(key), json.dumps(key, ensure_ascii=False)}
               for m in re.finditer(re.escape(form) + r"\s*:", text)]
    line = column = None
    if len(spelled) >= 2:
        before = text[: sorted(spelled)[1]]
        line, column = before.count("\n") + 1, len(before) - before.rfind("\n")
    return _problem("spec-duplicate-key", f"key {safe_text(key)!r} appears twice in one object", file, line, column,
                    "keep one of them; the file would otherwise mean different things to different tools")


def _parse_json(text: str, file: str | None) -> tuple[Any, dict[str, Position]]:
    too_deep = bracket_depth(text, "json", MAX_DEPTH)
    if too_deep:
        raise _too_deep(file, *too_deep)
    try:
        data = json.loads(text, object_pairs_hook=_json_object, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        raise _problem("spec-syntax", f"malformed JSON: {exc.msg}", file, exc.lineno, exc.colno) from None
    except _DuplicateJsonKey as duplicate:
        raise _json_duplicate(text, duplicate.key, file) from None
    except RecursionError:
        raise _too_deep(file, None, None) from None
    try:
        _, positions = _yaml_positions(_json_as_yaml(text), file)
    except _SourceProblem:  # JSON that is not YAML (e.g. a key over 1,024 characters): positions unknown
        positions = {"": (1, 1)}
    return data, positions


def _parse_toml(text: str, file: str | None) -> tuple[Any, dict[str, Position]]:
    too_deep = bracket_depth(text, "toml", MAX_DEPTH - 1)  # the document is a level no bracket opens
    if too_deep:
        raise _too_deep(file, *too_deep)
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
    except RecursionError:
        raise _too_deep(file, None, None) from None
    except ValueError:  # Python's int-string limit: an integer with too many digits
        long_number = re.search(rf"[0-9_]{{{MAX_NUMBER_DIGITS + 1},}}", text)
        line = column = None
        if long_number:
            before = text[: long_number.start()]
            line, column = before.count("\n") + 1, len(before) - before.rfind("\n")
        raise _problem("spec-value", f"a number with more than {MAX_NUMBER_DIGITS:,} digits is past the limit",
                       file, line, column, "write a shorter number, or quote it if it is text") from None
    return data, _toml_positions(text)


def _parse(text: str, file: str | None, fmt: str) -> SpecSource:
    if len(text) > MAX_FILE_BYTES:  # text given to parse_spec; a file is refused by its size before this
        raise _problem("spec-limit", f"the spec text is longer than {MAX_FILE_BYTES:,} characters", file, None, None,
                       _LIMITS_HINT)
    if "\x00" in text:
        raise _problem("spec-syntax", "the file is binary, not a YAML, JSON or TOML spec", file, 1, 1)
    if not text.strip():
        raise _problem("spec-empty", "the file is empty", file, 1, 1,
                       "write at least 'name:' and 'image:'; see examples/")
    if fmt == "json":
        data, positions = _parse_json(text, file)
    elif fmt == "toml":
        data, positions = _parse_toml(text, file)
    else:
        data, positions = _yaml_positions(text, file)
    if data is None:
        raise _problem("spec-empty", "the file has no content (only comments or blank lines)", file, 1, 1,
                       "write at least 'name:' and 'image:'; see examples/")
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise _problem("spec-type", f"a spec must be a mapping of keys to values, not a {kind}", file, 1, 1,
                       "start the file with 'name: ...' on its own line")
    source = SpecSource(file=file, data=data, positions=positions)
    problems = value_problems(data)
    if problems:
        raise _SourceProblem(*(source.place(Finding(
            p.rule, Severity.ERROR, f"{join_path(p.path) or 'spec'}: {p.message}", join_path(p.path), hint=p.hint))
            for p in problems))
    return source


def read_source(path: str | Path) -> SpecSource:
    """Read and parse a spec file (see ``polycloud.input_limits`` for the limits on it).

    Raises:
        SpecError: the file cannot be read or is past a limit (rule ``spec-file-unreadable``), or is not
            a well-formed spec.
    """
    file = str(path)
    try:
        text = decode_text(read_bounded(path))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise _spec_error([Finding(rule=UNREADABLE, severity=Severity.ERROR, file=file,
                                   message=f"cannot read {file}: {reason}",
                                   hint="check the path and permissions")], file) from None
    except UnusableFile as refused:
        raise _spec_error([Finding(rule=UNREADABLE, severity=Severity.ERROR, file=file,
                                   message=f"cannot read {file}: {refused.message}",
                                   hint="give the path of a spec file of at most 1 MiB")], file) from None
    except NotText as refused:
        raise _spec_error([Finding("spec-syntax", Severity.ERROR, refused.message, file=file,
                                   line=refused.line or 1, column=refused.column or 1)], file) from None
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
            shown = "" if isinstance(value, (dict, list)) else f" (got {preview(value)})"
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
        spec = FunctionSpec.model_validate(source.data)
    except ValidationError as exc:
        raise _spec_error([source.place(f) for f in findings_from_validation(exc)], source.file) from None
    unusable = unusable_values(spec)  # e.g. cpu: "1e309", text the model reads as an infinite float
    if unusable:
        raise _spec_error([source.place(f) for f in unusable], source.file)
    return spec


def unusable_values(spec: FunctionSpec) -> list[Finding]:
    """Findings for values of a valid spec no rule or cloud can take: a number that is not finite or
    has more than 4,300 digits, text with lone surrogates (possible in a spec built in Python)."""
    return [Finding(p.rule, Severity.ERROR, f"{join_path(p.path)}: {p.message}", join_path(p.path), hint=p.hint)
            for p in value_problems(spec.model_dump(), limit_count=False)]  # the dump adds every default


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
