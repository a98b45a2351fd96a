"""Property-based fuzzing of ``load_spec`` and ``validate`` with hostile input (issue 10).

Every generated input, whatever its class (malformed or random bytes, hostile values in a
spec-shaped document, nesting far past the recursion limit, YAML alias bombs and self-referencing
aliases, integers past the int-string limit, non-finite numbers, lone surrogates, text in another
encoding, very long values, FIFOs, devices and oversized files), must end the same way:

- ``load_spec`` returns a FunctionSpec or raises SpecError, nothing else;
- ``polycloud validate`` exits 0, 1 or 2 (2 only with a ``spec-file-unreadable`` finding), with no
  traceback, and writes valid JSON and valid SARIF 2.1.0 of bounded size;
- within a bounded time: each input runs under an alarm that turns a hang into a failure.

The inputs are drawn deterministically (``derandomize``), so CI runs the same examples every time.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import math
import os
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic_sarif.model import StaticAnalysisResultsFormatSarifVersion210JsonSchema as SarifLog

from polycloud import FunctionSpec, Report, SpecError, load_spec, validate
from polycloud.cli import main
from polycloud.input_limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_NUMBER_DIGITS
from polycloud.output import render

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:1"
SECONDS_PER_INPUT = 30  # far above the slowest input (about a second on a loaded machine); a hang fails
MAX_OUTPUT = 8 * 1024 * 1024
FUZZ = settings(max_examples=500, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])


# -- running one input -------------------------------------------------------------------------

class Hang(Exception):
    """An input took longer than SECONDS_PER_INPUT."""


@contextlib.contextmanager
def bounded_time() -> Iterator[None]:
    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"no result after {SECONDS_PER_INPUT} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, SECONDS_PER_INPUT)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["-q", *args])
    return code, out.getvalue(), err.getvalue()


def check_input(path: Path) -> None:
    """The whole contract for one file."""
    with bounded_time():
        try:
            loaded = load_spec(path)
        except SpecError as exc:
            assert exc.report.findings and not exc.report.ok
            str(exc).encode("utf-8")  # printable
        else:
            assert isinstance(loaded, FunctionSpec)
        report = validate(path)
        assert isinstance(report, Report)

        code, out, err = run_cli("validate", "-f", "json", str(path))
        assert code in (0, 1, 2), err
        assert "Traceback" not in err and err == ""
        assert len(out) < MAX_OUTPUT
        document = json.loads(out)
        assert document["ok"] is (code == 0)
        rules = [finding["rule"] for finding in document["findings"]]
        assert (code == 2) == ("spec-file-unreadable" in rules)
        for finding in document["findings"]:
            assert finding["message"] and len(finding["message"]) <= 1100
        assert [f.rule for f in report] == rules

        sarif_code, sarif, err = run_cli("validate", "-f", "sarif", str(path))
        assert sarif_code == code and err == ""
        SarifLog.model_validate_json(sarif)  # the SARIF 2.1.0 schema, extra keys forbidden
        assert len(json.loads(sarif)["runs"][0]["results"]) == len(rules)


_names = itertools.count()


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="polycloud-fuzz-") as directory:
        yield Path(directory)


def place(workdir: Path, suffix: str, content: bytes) -> Path:
    path = workdir / f"input{next(_names)}.{suffix}"
    path.write_bytes(content)
    return path


# -- serializing values no library writes (huge integers, surrogates, non-finite floats) ---------

@dataclass(frozen=True)
class Digits:
    """An integer written as ``count`` digits: too long for Python's int() and str()."""

    count: int
    base: str = "dec"
    negative: bool = False

    def text(self) -> str:
        sign = "-" if self.negative else ""
        if self.base == "hex":
            return f"{sign}0x" + "f" * self.count
        if self.base == "sexagesimal":
            return sign + "1" + ":1" * self.count
        return sign + "7" * self.count


def _string(value: str) -> str:
    return json.dumps(value)  # \\uXXXX escapes, lone surrogates included; valid in all three formats' quotes


def _number(value: Any, fmt: str) -> str:
    if isinstance(value, Digits):
        return value.text() if fmt == "yaml" or value.base == "dec" else value.text().replace(":1", "")
    if isinstance(value, float) and not math.isfinite(value):
        word = {"yaml": (".nan", ".inf"), "json": ("NaN", "Infinity"), "toml": ("nan", "inf")}[fmt]
        return word[0] if math.isnan(value) else ("-" if value < 0 else "") + word[1]
    return repr(value)


def dump(value: Any, fmt: str) -> str:
    """``value`` as YAML flow, JSON or TOML inline text."""
    if isinstance(value, dict):
        sep = " = " if fmt == "toml" else ": "
        return "{" + ", ".join(f"{_string(str(k))}{sep}{dump(v, fmt)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(dump(v, fmt) for v in value) + "]"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return {"yaml": "null", "json": "null", "toml": '""'}[fmt]
    return _number(value, fmt)


def document(data: dict[str, Any], fmt: str) -> str:
    if fmt == "toml":
        return "".join(f"{_string(str(k))} = {dump(v, fmt)}\n" for k, v in data.items())
    if fmt == "json":
        return dump(data, fmt)
    return "".join(f"{_string(str(k))}: {dump(v, fmt)}\n" for k, v in data.items())


# -- strategies ------------------------------------------------------------------------------------

FORMATS = st.sampled_from(["yaml", "json", "toml"])
SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
TEXT = st.one_of(
    st.text(max_size=30),
    st.builds(lambda a, s, b: a + s + b, st.text(max_size=5), SURROGATES, st.text(max_size=5)),
    st.builds(lambda c, n: c * n, st.characters(codec="utf-8"), st.integers(0, 300_000)),
    st.sampled_from(["1e309", "-1e309", "inf", "Infinity", "NaN", ".inf", "0x" + "f" * 5000, "1GiB", "15m", ""]),
)
NUMBERS = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.builds(Digits, st.integers(MAX_NUMBER_DIGITS - 3, MAX_NUMBER_DIGITS + 3) | st.integers(1, 20_000),
              st.sampled_from(["dec", "hex", "sexagesimal"]), st.booleans()),
)
LEAVES = st.one_of(TEXT, NUMBERS, st.booleans(), st.none())
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                      max_leaves=12)
FIELDS = ["name", "image", "image_contract", "port", "memory", "timeout", "cpu", "architecture",
          "ephemeral_storage", "concurrency", "network", "environment", "secrets", "tags", "providers"]
SPEC_LIKE = st.builds(
    lambda base, extra: {**base, **extra},
    st.fixed_dictionaries({"name": st.just("fuzz") | TEXT, "image": st.just(ECR) | TEXT}),
    st.dictionaries(st.sampled_from(FIELDS) | TEXT, VALUES | st.dictionaries(TEXT, VALUES, max_size=3), max_size=5),
)


@st.composite
def spec_documents(draw: st.DrawFn) -> tuple[str, bytes]:
    fmt = draw(FORMATS)
    return fmt, document(draw(SPEC_LIKE), fmt).encode("utf-8", "surrogatepass")


@st.composite
def mutated_specs(draw: st.DrawFn) -> tuple[str, bytes]:
    """A valid spec with random bytes inserted, deleted or replaced."""
    fmt = draw(FORMATS)
    data = {"name": "fuzz", "image": ECR, "memory": "1GiB", "environment": {"A_B": "c"},
            "providers": {"aws": {"region": "us-east-1"}, "gcp": {"project": "p", "region": "europe-west1"}}}
    raw = bytearray(document(data, fmt).encode())
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(raw)))
        edit = draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = draw(st.binary(min_size=1, max_size=8) | st.sampled_from(
            [b"&a ", b"*a", b"<<: ", b"[", b"{", b"\x00", b"\xff\xfe", b"\n  ", b'"\\ud800"', b"!!python/name:os"]))
        if edit == "insert":
            raw[at:at] = chunk
        elif edit == "delete":
            del raw[at : at + len(chunk)]
        else:
            raw[at : at + len(chunk)] = chunk
    return fmt, bytes(raw)


@st.composite
def raw_bytes(draw: st.DrawFn) -> tuple[str, bytes]:
    return draw(FORMATS), draw(st.binary(max_size=3000))


@st.composite
def deep_nesting(draw: st.DrawFn) -> tuple[str, bytes]:
    fmt = draw(FORMATS)
    depth = draw(st.integers(MAX_DEPTH - 2, MAX_DEPTH + 2) | st.integers(1, 5000))
    style = draw(st.sampled_from(["list", "table", "block"]))
    head = {"name": "fuzz", "image": ECR}
    if style == "block" and fmt == "yaml":
        body = "tags:\n" + "".join("  " * level + "- \n" for level in range(min(depth, 600))) + "  " * depth + "x\n"
        return fmt, (document(head, fmt) + body).encode()
    if style == "table" and fmt == "toml":
        return fmt, (document(head, fmt) + "[" + ".".join(["t"] * depth) + "]\n").encode()
    opener, closer = ("[", "]") if style == "list" else ('{"k": ' if fmt != "toml" else '{"k" = ', "}")
    nested = opener * depth + "1" + closer * depth
    if fmt == "json":
        return fmt, f'{{"name": "fuzz", "image": "{ECR}", "tags": {nested}}}'.encode()
    sep = " = " if fmt == "toml" else ": "
    return fmt, (document(head, fmt) + f'"tags"{sep}{nested}\n').encode()


@st.composite
def yaml_aliases(draw: st.DrawFn) -> tuple[str, bytes]:
    """Billion laughs (lists, mappings, merge keys, long strings) and aliases inside what they name."""
    kind = draw(st.sampled_from(["lists", "mappings", "merges", "strings", "self-list", "self-merge", "nested-self"]))
    width, levels = draw(st.integers(1, 12)), draw(st.integers(1, 14))
    lines = [f"name: fuzz\nimage: {ECR}\n"]
    if kind == "self-list":
        lines.append(f"{draw(st.sampled_from(['x', 'tags', 'environment']))}: &r [" + ", ".join(["*r"] * width) + "]\n")
    elif kind == "self-merge":
        lines.append(f"{draw(st.sampled_from(['x', 'environment', 'tags']))}: &e {{<<: *e}}\n")
    elif kind == "nested-self":
        lines.append("tags: &t {a: {b: [*t]}}\n")
    else:
        seed = {"lists": "[lol, lol]", "mappings": "{a: lol, b: lol}", "merges": "{k0: v, k1: v}",
                "strings": "l" * draw(st.integers(1, 50_000))}[kind]
        lines.append(f"a0: &a0 {seed}\n")
        for level in range(1, levels + 1):
            refs = ", ".join([f"*a{level - 1}"] * width)
            if kind == "merges":
                lines.append(f"a{level}: &a{level} {{<<: [{refs}], z{level}: 1}}\n")
            elif kind == "mappings":
                pairs = ", ".join(f"k{i}: *a{level - 1}" for i in range(width))
                lines.append(f"a{level}: &a{level} {{{pairs}}}\n")
            else:
                lines.append(f"a{level}: &a{level} [{refs}]\n")
        where = draw(st.sampled_from(["environment", "tags", "providers"]))
        lines.append(f"{where}: *a{levels}\n")
    return "yaml", "".join(lines).encode()


@st.composite
def encoded_specs(draw: st.DrawFn) -> tuple[str, bytes]:
    text = document({"name": "fuzz", "image": ECR, "memory": "1GiB", "environment": {"GREETING": "héllo ✓"}}, "yaml")
    codec = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
                                  "utf-32-be", "latin-1", "cp1252"]))
    raw = text.encode(codec)
    cut = draw(st.integers(0, 3))
    return "yaml", raw[: len(raw) - cut] if cut else raw


@st.composite
def long_values(draw: st.DrawFn) -> tuple[str, bytes]:
    fmt = draw(FORMATS)
    huge = draw(st.integers(0, 99)) >= 90  # one in ten: each costs a fraction of a second
    length = draw(st.sampled_from([65_536, 1_000_000, MAX_FILE_BYTES - 100, MAX_FILE_BYTES]) if huge
                  else st.integers(0, 5000))
    char = draw(st.sampled_from(["n", "é", " ", "-", "A", "1"]))
    where = draw(st.sampled_from(["name", "image", "env-value", "env-key", "tag", "unknown-key"]))
    value = char * length
    data: dict[str, Any] = {"name": "fuzz", "image": ECR}
    if where in ("name", "image"):
        data[where] = value
    elif where == "env-value":
        data["environment"] = {"A_B": value}
    elif where == "env-key":
        data["environment"] = {value: "x"}
    elif where == "tag":
        data["tags"] = {"team": value}
    else:
        data[value] = 1
    return fmt, document(data, fmt).encode()


SPECIAL = ["fifo", "/dev/zero", "/dev/null", "/dev/urandom", "directory", "link-to-device", "dangling-link",
           "missing", "sparse-huge", "sparse-at-limit", "sparse-near-limit", "empty"]


def special_file(workdir: Path, kind: str, suffix: str, size: int) -> Path:
    path = workdir / f"special{next(_names)}.{suffix}"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind.startswith("/dev/"):
        return Path(kind)
    elif kind == "directory":
        path.mkdir()
    elif kind == "link-to-device":
        path.symlink_to("/dev/zero")
    elif kind == "dangling-link":
        path.symlink_to(workdir / "nothing-here")
    elif kind.startswith("sparse"):
        size = {"sparse-huge": 64 * 1024**3, "sparse-at-limit": MAX_FILE_BYTES}.get(kind, size)
        with path.open("wb") as handle:
            handle.truncate(size)  # all NUL bytes: binary when read, refused unread when too large
    elif kind == "empty":
        path.write_bytes(b"")
    return path


# -- the properties --------------------------------------------------------------------------------

@FUZZ
@given(case=spec_documents() | mutated_specs() | raw_bytes())
def test_any_document_or_bytes_end_in_findings(workdir, case):
    fmt, content = case
    check_input(place(workdir, fmt, content))


@FUZZ
@given(case=deep_nesting() | yaml_aliases())
def test_nesting_and_alias_bombs_stay_bounded(workdir, case):
    fmt, content = case
    check_input(place(workdir, fmt, content))


@FUZZ
@given(case=encoded_specs() | long_values())
def test_encodings_and_long_values_end_in_findings(workdir, case):
    fmt, content = case
    check_input(place(workdir, fmt, content))


NUMBER_FIELDS = st.sampled_from(["port", "cpu", "memory", "timeout", "environment", "tags", "concurrency"])


@FUZZ
@given(placed=st.lists(st.tuples(NUMBER_FIELDS, NUMBERS), min_size=1, max_size=4), fmt=FORMATS)
def test_hostile_numbers_end_in_findings(workdir, placed, fmt):
    data: dict[str, Any] = {"name": "fuzz", "image": ECR}
    for field, number in placed:
        if field in ("environment", "tags"):
            data[field] = {"A_B": number}
        elif field == "concurrency":
            data[field] = {"max_instances": number}
        else:
            data[field] = number
    check_input(place(workdir, fmt, document(data, fmt).encode()))


@settings(FUZZ, max_examples=80)
@given(kind=st.sampled_from(SPECIAL), suffix=FORMATS, size=st.integers(MAX_FILE_BYTES - 2, MAX_FILE_BYTES + 2))
def test_special_files_end_in_findings_without_blocking(workdir, kind, suffix, size):
    check_input(special_file(workdir, kind, suffix, size))


PYTHON_NUMBERS = st.one_of(
    st.integers(-(2**70), 2**70),
    st.builds(lambda digits, sign: sign * 10**digits, st.integers(4290, 6000), st.sampled_from([1, -1])),
    st.floats(allow_nan=True, allow_infinity=True),
)
PYTHON_TEXT = st.text(max_size=20) | st.builds(lambda a, s: a + s, st.text(max_size=5), SURROGATES)


PYTHON_FIELDS = {
    "name": PYTHON_TEXT, "cpu": PYTHON_NUMBERS, "memory": PYTHON_NUMBERS, "timeout": PYTHON_NUMBERS,
    "port": PYTHON_NUMBERS, "ephemeral_storage": PYTHON_NUMBERS,
    "concurrency": st.fixed_dictionaries({"max_instances": PYTHON_NUMBERS}),
    "environment": st.dictionaries(PYTHON_TEXT, PYTHON_TEXT | PYTHON_NUMBERS, min_size=1, max_size=3),
    "tags": st.dictionaries(PYTHON_TEXT, PYTHON_TEXT | PYTHON_NUMBERS, min_size=1, max_size=3),
}


@st.composite
def python_specs(draw: st.DrawFn) -> dict[str, Any]:
    """A valid spec with one or two fields set to hostile values."""
    fields: dict[str, Any] = {"name": "x", "image": ECR}
    for name in draw(st.lists(st.sampled_from(sorted(PYTHON_FIELDS)), min_size=1, max_size=2, unique=True)):
        fields[name] = draw(PYTHON_FIELDS[name])
    return fields


@settings(FUZZ, max_examples=300)
@given(fields=python_specs())
def test_a_spec_built_in_python_validates_without_error(fields):
    try:
        spec = FunctionSpec.model_validate(fields)
    except ValueError:  # pydantic's ValidationError: the model refused it, as it should
        event("refused by the model")
        return
    event("validated")
    with bounded_time():
        report = validate(spec, ["aws", "azure", "gcp"])
    for finding in report:
        finding.describe().encode("utf-8")  # printable
        assert len(finding.message) <= 1100
    json.loads(render(report, "json"))
    SarifLog.model_validate_json(render(report, "sarif"))
