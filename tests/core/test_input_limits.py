"""The input limits of docs/reliability.md, each tested at its boundary: the limit passes, one past it is refused."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from polycloud import FunctionSpec, SpecError, load_spec, validate
from polycloud.cli import main
from polycloud.input_limits import (
    MAX_DEPTH,
    MAX_EXPANDED_CHARACTERS,
    MAX_FILE_BYTES,
    MAX_MESSAGE_CHARACTERS,
    MAX_NUMBER_DIGITS,
    MAX_VALUES,
)

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:1"
HEAD = f"name: x\nimage: {ECR}\n"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def rules(path: Path) -> list[str]:
    """The rule ids load_spec refuses the file with ([] when it loads)."""
    try:
        load_spec(path)
    except SpecError as exc:
        return [f.rule for f in exc.report]
    return []


def refused(path: Path) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_spec(path)
    return info.value


# -- file size and kind -------------------------------------------------------------------------

def padded(size: int) -> bytes:
    """A valid spec of exactly ``size`` bytes (a comment fills it up)."""
    body = HEAD.encode()
    return body + b"#" + b"x" * (size - len(body) - 2) + b"\n"


def test_a_file_of_exactly_the_size_limit_loads(tmp_path):
    path = write(tmp_path, "s.yaml", padded(MAX_FILE_BYTES))
    assert path.stat().st_size == MAX_FILE_BYTES
    assert load_spec(path).name == "x"


def test_one_byte_past_the_size_limit_is_refused_with_exit_2(tmp_path, capsys):
    path = write(tmp_path, "s.yaml", padded(MAX_FILE_BYTES + 1))
    assert [f.rule for f in refused(path).report] == ["spec-file-unreadable"]
    assert main(["validate", "-f", "json", str(path)]) == 2
    finding = json.loads(capsys.readouterr().out)["findings"][0]
    assert "1,048,576-byte (1 MiB) limit" in finding["message"]


def test_a_huge_sparse_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "sparse.yaml"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024**3)  # 50 GiB of holes: reading it would take minutes
    assert "larger than the 1,048,576-byte" in refused(path).report.findings[0].message


def test_a_fifo_is_refused_without_blocking(tmp_path, capsys):
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)  # nobody ever writes to it: opening it for reading in blocking mode would hang
    assert main(["validate", str(fifo)]) == 2
    assert "named pipe (FIFO), not a regular file" in capsys.readouterr().out


def test_a_limits_file_that_is_a_fifo_or_a_device_is_refused_without_blocking(tmp_path, capsys):
    spec = write(tmp_path, "s.yaml", HEAD)
    fifo = tmp_path / "limits.yaml"
    os.mkfifo(fifo)
    for limits in (fifo, Path("/dev/zero")):
        assert main(["validate", str(spec), "--limits", str(limits)]) == 2
        assert "not a regular file" in capsys.readouterr().err


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_character_device_is_refused(tmp_path, device):
    link = tmp_path / "spec.yaml"
    link.symlink_to(device)  # the check follows links to what they name
    for path in (Path(device), link):
        finding = refused(path).report.findings[0]
        assert finding.rule == "spec-file-unreadable" and "a character device" in finding.message


def test_text_past_the_size_limit_is_refused_by_parse_spec_too():
    from polycloud.source import parse_spec

    assert parse_spec(padded(MAX_FILE_BYTES).decode()).data["name"] == "x"
    with pytest.raises(SpecError) as info:
        parse_spec(padded(MAX_FILE_BYTES + 1).decode())
    assert [f.rule for f in info.value.report] == ["spec-limit"]


def test_a_path_with_a_nul_character_is_unreadable():
    assert [f.rule for f in refused(Path("spec\x00.yaml")).report] == ["spec-file-unreadable"]


def test_a_directory_is_still_refused_as_unreadable(tmp_path):
    assert "a directory, not a regular file" in refused(tmp_path).report.findings[0].message


# -- encodings ------------------------------------------------------------------------------------

@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "utf-8"])
def test_text_with_a_byte_order_mark_is_decoded(tmp_path, codec):
    path = write(tmp_path, "s.yaml", ("\ufeff" + HEAD + "memory: 1GiB\n").encode(codec))
    assert load_spec(path).memory == 1024


def test_utf16_without_a_byte_order_mark_is_refused_as_binary(tmp_path):
    finding = refused(write(tmp_path, "s.yaml", HEAD.encode("utf-16-le"))).report.findings[0]
    assert finding.rule == "spec-syntax" and "binary" in finding.message


def test_broken_utf16_after_its_mark_is_named(tmp_path):
    raw = codecs_bom_utf16() + "name: x\n".encode("utf-16-le") + b"\x00\xd8"  # a lone high surrogate
    finding = refused(write(tmp_path, "s.yaml", raw)).report.findings[0]
    assert finding.rule == "spec-syntax" and "not UTF-16 text" in finding.message


def codecs_bom_utf16() -> bytes:
    import codecs

    return codecs.BOM_UTF16_LE


# -- nesting --------------------------------------------------------------------------------------

def nested_yaml(depth: int) -> str:
    """A spec whose deepest list sits ``depth`` levels down (the document is level 1)."""
    return HEAD + "tags: " + "[" * (depth - 1) + "]" * (depth - 1) + "\n"


def nested_json(depth: int) -> str:
    return json.dumps({"name": "x", "image": ECR})[:-1] + ', "tags": ' + "[" * (depth - 1) + "]" * (depth - 1) + "}"


def nested_toml(depth: int) -> str:
    return f'name = "x"\nimage = "{ECR}"\ntags = ' + "[" * (depth - 1) + "]" * (depth - 1) + "\n"


def nested_toml_tables(depth: int) -> str:
    """Nesting by dotted table names, which no bracket count sees."""
    return f'name = "x"\nimage = "{ECR}"\n[' + ".".join(["t"] * (depth - 1)) + "]\n"


@pytest.mark.parametrize(("suffix", "make"), [("yaml", nested_yaml), ("json", nested_json), ("toml", nested_toml),
                                              ("toml", nested_toml_tables)])
def test_nesting_at_the_depth_limit_passes_and_one_deeper_is_refused(tmp_path, suffix, make):
    assert "spec-limit" not in rules(write(tmp_path, f"ok.{suffix}", make(MAX_DEPTH)))
    error = refused(write(tmp_path, f"deep.{suffix}", make(MAX_DEPTH + 1)))
    assert [f.rule for f in error.report] == ["spec-limit"]
    assert f"more than {MAX_DEPTH} levels deep" in error.report.findings[0].message
    assert error.report.findings[0].line == (1 if suffix == "json" else 3)


@pytest.mark.parametrize(("suffix", "make"), [("yaml", nested_yaml), ("json", nested_json), ("toml", nested_toml)])
def test_nesting_far_past_the_recursion_limit_is_one_finding(tmp_path, suffix, make):
    depth = 50 * sys.getrecursionlimit()
    assert rules(write(tmp_path, f"deep.{suffix}", make(depth))) == ["spec-limit"]


def test_brackets_inside_toml_strings_and_comments_do_not_count(tmp_path):
    text = "\n".join([
        'name = "x"  # ' + "[" * 50,
        f'image = "{ECR}"',
        "[environment]",
        'A = "' + "[" * 53 + '"',
        "B = '" + "{" * 70 + "'",
        'C = """',
        "[" * 90 + '"""',
        "D = \'\'\'" + "]" * 10 + "[" * 40 + "\'\'\'",
        "",
    ])
    spec = load_spec(write(tmp_path, "s.toml", text))
    assert spec.environment["A"].count("[") == 53 and spec.environment["D"].count("[") == 40


# -- number of values and alias expansion ------------------------------------------------------------

# root 1 + name 2 + image 2 + providers 2 + aws 2 + subnet_ids 2 = 11 values before the list's items
def flat_yaml(items: int) -> str:
    return HEAD + "providers:\n  aws:\n    subnet_ids: [" + ", ".join(["s"] * items) + "]\n"


def flat_json(items: int) -> str:
    return json.dumps({"name": "x", "image": ECR, "providers": {"aws": {"subnet_ids": ["s"] * items}}})


def flat_toml(items: int) -> str:
    return f'name = "x"\nimage = "{ECR}"\n[providers.aws]\nsubnet_ids = [' + ", ".join(['"s"'] * items) + "]\n"


@pytest.mark.parametrize(("suffix", "make"), [("yaml", flat_yaml), ("json", flat_json), ("toml", flat_toml)])
def test_values_at_the_limit_pass_and_one_more_is_refused(tmp_path, suffix, make):
    assert load_spec(write(tmp_path, f"ok.{suffix}", make(MAX_VALUES - 11))).providers.aws is not None
    error = refused(write(tmp_path, f"many.{suffix}", make(MAX_VALUES - 10)))
    assert [f.rule for f in error.report] == ["spec-limit"]
    assert f"more than {MAX_VALUES:,} keys and values" in error.report.findings[0].message


def aliased(items: int, extra: bool) -> str:
    """root 1 + name 2 + image 2 + x (2 + items) + z (2 + 1 + items [+ 1]): 10 + 2 * items (+ 1) values
    once ``*l`` is expanded, but only about half of that in the file."""
    return HEAD + "x: &l [" + ", ".join(["s"] * items) + "]\nz: [*l" + (", s" if extra else "") + "]\n"


def test_alias_expansion_at_the_limit_passes_and_one_more_is_refused(tmp_path):
    items = (MAX_VALUES - 10) // 2
    assert "spec-limit" not in rules(write(tmp_path, "ok.yaml", aliased(items, extra=False)))
    error = refused(write(tmp_path, "bomb.yaml", aliased(items, extra=True)))
    assert [f.rule for f in error.report] == ["spec-limit"]
    assert "with its aliases expanded" in error.report.findings[0].message


def text_aliased(pad: int) -> str:
    """Keys and values hold 4 + 1 + 5 + len(ECR) + 1 + 100,000 + 1 + 19 * 100,000 + 1 + pad characters."""
    return HEAD + "x: &s " + "v" * 100_000 + "\nz: [" + ", ".join(["*s"] * 19) + "]\np: " + "w" * pad + "\n"


def test_aliased_text_at_the_limit_passes_and_one_character_more_is_refused(tmp_path):
    pad = MAX_EXPANDED_CHARACTERS - (4 + 1 + 5 + len(ECR) + 1 + 100_000 + 1 + 19 * 100_000 + 1)
    assert "spec-limit" not in rules(write(tmp_path, "ok.yaml", text_aliased(pad)))
    error = refused(write(tmp_path, "long.yaml", text_aliased(pad + 1)))
    assert [f.rule for f in error.report] == ["spec-limit"]
    assert f"longer than {MAX_EXPANDED_CHARACTERS:,} characters" in error.report.findings[0].message


def test_the_billion_laughs_is_refused_at_once(tmp_path):
    lines = [HEAD, "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10)]
    assert rules(write(tmp_path, "bomb.yaml", "".join(lines))) == ["spec-limit"]


def test_nested_merge_keys_are_refused_at_once(tmp_path):
    lines = [HEAD, "m0: &m0 {k0: v, k1: v}\n"]
    lines += [f"m{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 4)}], z{i}: 1}}\n" for i in range(1, 20)]
    assert rules(write(tmp_path, "merge.yaml", "".join(lines))) == ["spec-limit"]


@pytest.mark.parametrize("text", ["x: &r [*r]\n", "environment: &e {<<: *e}\n", "tags: &t {a: {b: *t}}\n"])
def test_an_alias_inside_what_it_names_is_refused(tmp_path, text):
    error = refused(write(tmp_path, "loop.yaml", HEAD + text))
    assert [f.rule for f in error.report] == ["spec-syntax"]
    assert "refers to a list or mapping that contains it" in error.report.findings[0].message
    assert error.report.findings[0].line == 3


def test_ordinary_anchors_and_merge_keys_still_work(tmp_path):
    text = HEAD + "x-common: &common {A_B: one, C_D: two}\nenvironment:\n  <<: *common\n  E_F: three\n"
    error = refused(write(tmp_path, "s.yaml", text))
    assert [f.rule for f in error.report] == ["spec-unknown-key"]  # only x-common, not the merge
    text = HEAD + "tags: &t {team: a}\nproviders:\n  aws: {subnet_ids: &s [s1, s2], security_group_ids: *s}\n"
    spec = load_spec(write(tmp_path, "t.yaml", text))
    assert spec.providers.aws.security_group_ids == ["s1", "s2"]


def test_a_finding_under_an_alias_points_at_the_alias(tmp_path):
    text = HEAD + "x: &bad {subnet_ids: [1]}\nproviders:\n  aws: *bad\n"
    findings = refused(write(tmp_path, "s.yaml", text)).report.findings
    inside = next(f for f in findings if f.path == "providers.aws.subnet_ids.0")
    assert (inside.line, inside.column) == (5, 3)  # the 'aws:' key that holds the alias


# -- numbers --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("suffix", "template"), [
    ("yaml", HEAD + "environment:\n  BIG_NUMBER: {n}\n"),
    ("json", '{{"name": "x", "image": "' + ECR + '", "environment": {{"BIG_NUMBER": {n}}}}}'),
    ("toml", f'name = "x"\nimage = "{ECR}"\n[environment]\nBIG_NUMBER = {{n}}\n'),
])
def test_an_integer_of_the_digit_limit_passes_and_one_digit_more_is_refused(tmp_path, suffix, template):
    spec = load_spec(write(tmp_path, f"ok.{suffix}", template.format(n="7" * MAX_NUMBER_DIGITS)))
    assert spec.environment["BIG_NUMBER"] == "7" * MAX_NUMBER_DIGITS
    error = refused(write(tmp_path, f"long.{suffix}", template.format(n="7" * (MAX_NUMBER_DIGITS + 1))))
    finding = error.report.findings[0]
    assert [f.rule for f in error.report] == ["spec-value"]
    assert f"more than {MAX_NUMBER_DIGITS:,} digits" in finding.message
    assert finding.line == (1 if suffix == "json" else 4)


@pytest.mark.parametrize("number", ["0x" + "f" * 4000, "1" + ":1" * 3000, "-" + "9" * 100_000])
def test_long_hex_sexagesimal_and_negative_integers_are_refused(tmp_path, number):
    error = refused(write(tmp_path, "s.yaml", HEAD + f"port: {number}\n"))
    assert [f.rule for f in error.report] == ["spec-value"]
    assert error.report.findings[0].path == "port"


@pytest.mark.parametrize(("suffix", "text"), [
    ("yaml", HEAD + "cpu: .inf\n"), ("yaml", HEAD + "cpu: -.inf\n"), ("yaml", HEAD + "cpu: .nan\n"),
    ("yaml", HEAD + "cpu: 1e309\n"), ("yaml", HEAD + "cpu: Infinity\n"), ("yaml", HEAD + "cpu: 'inf'\n"),
    ("json", f'{{"name": "x", "image": "{ECR}", "cpu": 1e309}}'),
    ("json", f'{{"name": "x", "image": "{ECR}", "cpu": Infinity}}'),
    ("json", f'{{"name": "x", "image": "{ECR}", "cpu": NaN}}'),
    ("toml", f'name = "x"\nimage = "{ECR}"\ncpu = inf\n'),
    ("toml", f'name = "x"\nimage = "{ECR}"\ncpu = 1e309\n'),
])
def test_numbers_that_are_not_finite_are_spec_errors(tmp_path, capsys, suffix, text):
    path = write(tmp_path, f"s.{suffix}", text)
    error = refused(path)
    assert [(f.rule, f.path) for f in error.report] == [("spec-value", "cpu")]
    assert "is not a finite number" in error.report.findings[0].message
    assert main(["validate", "-p", "gcp", str(path)]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_a_spec_built_in_python_with_values_no_rule_can_take_gets_findings():
    specs = {"cpu": FunctionSpec(name="x", image=ECR, cpu=math.inf),
             "memory": FunctionSpec(name="x", image=ECR, memory=10**5000),
             "environment.A": FunctionSpec(name="x", image=ECR, environment={"A": "\ud800"})}
    for path, spec in specs.items():
        report = validate(spec)
        assert [(f.rule, f.path) for f in report] == [("spec-value", path)], report.findings
        assert all(str(10**4000)[:50] not in f.message for f in report)


# -- text -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "path"), [
    (f'{{"name": "x", "image": "{ECR}", "environment": {{"A": "\\ud800"}}}}', "environment.A"),
    (f'{{"name": "x", "image": "{ECR}", "environment": {{"A\\udfff": "v"}}}}', "environment.A\\udfff"),
    (f'{{"name": "x\\udc80y", "image": "{ECR}"}}', "name"),
])
def test_lone_surrogates_are_refused_with_a_printable_message(tmp_path, capsys, text, path):
    file = write(tmp_path, "s.json", text)
    error = refused(file)
    assert [(f.rule, f.path) for f in error.report] == [("spec-value", path)]
    assert "lone surrogate" in error.report.findings[0].message
    assert main(["validate", str(file)]) == 1
    out = capsys.readouterr().out
    out.encode("utf-8")  # printable: no surrogate reached the output


def test_json_with_surrogate_escapes_keeps_its_positions(tmp_path):
    text = (f'{{"name": "x",\n "image": "{ECR}",\n "tags": {{"mood": "\\ud83d\\ude00"}},\n'
            ' "environment": {"A": "\\udfff"}}')
    finding = refused(write(tmp_path, "s.json", text)).report.findings[0]
    assert (finding.path, finding.line, finding.column) == ("environment.A", 4, 18)


def test_json_duplicate_keys_are_found_behind_a_long_key(tmp_path):
    text = f'{{"name": "x", "image": "{ECR}", "{"k" * 1100}": 1, "image": "docker.io/evil/image:1"}}'
    error = refused(write(tmp_path, "s.json", text))
    finding = error.report.findings[0]
    assert finding.rule == "spec-duplicate-key" and "'image'" in finding.message
    assert finding.column == text.rindex('"image"') + 1


def test_json_duplicate_keys_are_found_behind_a_surrogate_escape(tmp_path):
    text = f'{{"name": "x", "image": "{ECR}", "\\ud800": 1, "image": "docker.io/evil/image:1"}}'
    assert rules(write(tmp_path, "s.json", text)) == ["spec-duplicate-key"]


def test_json_duplicate_keys_written_with_different_escapes_are_found(tmp_path):
    text = f'{{"name": "x", "image": "{ECR}", "\\u0069mage": "docker.io/evil/image:1"}}'
    assert rules(write(tmp_path, "s.json", text)) == ["spec-duplicate-key"]


def test_a_one_megabyte_name_is_not_echoed(tmp_path, capsys):
    name = "n" * 1_000_000
    path = write(tmp_path, "s.yaml", f"name: {name}\nimage: {ECR}\n")
    for fmt in ("text", "json", "sarif", "github", "junit"):
        assert main(["validate", "-f", fmt, str(path)]) == 1
        out = capsys.readouterr().out
        assert len(out) < 20_000, fmt
        assert "n" * (MAX_MESSAGE_CHARACTERS + 1) not in out
    report = validate(path)
    assert all(len(f.message) <= MAX_MESSAGE_CHARACTERS + 50 for f in report)
    assert any("characters left out" in f.message for f in report)


# -- exit codes -----------------------------------------------------------------------------------

BROKEN_ADAPTER = """
import sys
from polycloud import registry
from polycloud.cli import main
from polycloud_aws import LambdaAdapter

class Broken(LambdaAdapter):
    name = "broken-cloud"
    section = "broken"

    def check(self, spec, limits=None):
        raise RuntimeError("a bug in a rule")

registry.register(Broken)
sys.exit(main(["validate", "-p", "broken-cloud", "-f", FORMAT, sys.argv[1]]))
"""


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_an_internal_error_exits_70_without_a_traceback(tmp_path, fmt):
    spec = write(tmp_path, "s.yaml", HEAD)
    script = BROKEN_ADAPTER.replace("FORMAT", repr(fmt))
    result = subprocess.run([sys.executable, "-c", script, str(spec)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 70, result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error: RuntimeError: a bug in a rule" in result.stderr
    if fmt == "json":
        assert json.loads(result.stdout) == {"ok": False, "error": {"internal": True,
                                                                    "message": "RuntimeError: a bug in a rule"}}
