"""Spec files: positions of offending keys, and one clear message (never a traceback) for bad input."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polycloud import FunctionSpec, Severity, SpecError, dump_spec, load_spec, validate
from polycloud.cli import main
from polycloud.spec import Concurrency, Network, ProviderSettings, SecretRef
from polycloud_aws.settings import AwsSettings
from polycloud_gcp.settings import GcpSettings

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:1"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def load_errors(path: Path):
    """The findings of a spec that must not load."""
    with pytest.raises(SpecError) as info:
        load_spec(path)
    findings = info.value.report.findings
    assert findings, "a SpecError carries at least one finding"
    assert all(f.severity is Severity.ERROR for f in findings)
    return findings


def only(findings, rule: str):
    matching = [f for f in findings if f.rule == rule]
    assert len(matching) == 1, [f.describe() for f in findings]
    return matching[0]


# -- YAML positions -----------------------------------------------------------------------

def test_yaml_nested_key_position(tmp_path):
    path = write(tmp_path, "s.yaml", f"name: x\nimage: {ECR}\nconcurrency:\n  min_instances: 0\n  max_instances: 0\n")
    finding = only(load_errors(path), "spec-value")
    assert finding.path == "concurrency.max_instances"
    assert (finding.file, finding.line, finding.column) == (str(path), 5, 3)
    assert "greater than or equal to 1" in finding.message and "(got 0)" in finding.message


def test_yaml_list_item_position(tmp_path):
    text = f"name: x\nimage: {ECR}\nproviders:\n  aws:\n    subnet_ids:\n      - subnet-1\n      - [nested]\n"
    finding = only(load_errors(write(tmp_path, "s.yaml", text)), "spec-type")
    assert finding.path == "providers.aws.subnet_ids.1"
    assert (finding.line, finding.column) == (7, 9)


def test_yaml_flow_list_item_position(tmp_path):
    text = f"name: x\nimage: {ECR}\nproviders:\n  aws:\n    subnet_ids: [subnet-1, 7]\n"
    finding = only(load_errors(write(tmp_path, "s.yaml", text)), "spec-type")
    assert finding.path == "providers.aws.subnet_ids.1"
    assert (finding.line, finding.column) == (5, text.splitlines()[4].index("7") + 1)


@pytest.mark.parametrize(
    ("text", "path", "line", "column", "suggestion"),
    [
        ("memroy: 1GiB\n", "memroy", 3, 1, "memory"),
        ("concurrency:\n  max_instancs: 3\n", "concurrency.max_instancs", 4, 3, "max_instances"),
        ("network:\n  egres: vpc\n", "network.egres", 4, 3, "egress"),
        ("providers:\n  aws:\n    regoin: us-east-1\n", "providers.aws.regoin", 5, 5, "region"),
        ("providers:\n  gpc: {project: p}\n", "providers.gpc", 4, 3, "gcp"),
        # a key inside a dict-valued field (secrets.<NAME>) must still get a suggestion
        ("secrets:\n  DB:\n    aws: arn:aws:ssm:us-east-1:123456789012:parameter/db\n    gpc: x\n",
         "secrets.DB.gpc", 6, 5, "gcp"),
    ],
)
def test_yaml_unknown_key_names_the_nearest(tmp_path, text, path, line, column, suggestion):
    spec = write(tmp_path, "s.yaml", f"name: x\nimage: {ECR}\n{text}")
    finding = only(load_errors(spec), "spec-unknown-key")
    assert finding.path == path
    assert (finding.line, finding.column) == (line, column)
    assert finding.hint.startswith(f"did you mean {suggestion!r}?")
    if path in ("providers.gpc", "secrets.DB.gpc"):  # a section: the installed adapters' sections are listed
        assert finding.hint.endswith("sections of the installed adapters: aws, azure, gcp (see `polycloud providers`)")
    else:
        assert finding.hint == f"did you mean {suggestion!r}?"


def test_yaml_unknown_key_without_a_near_one_lists_valid_keys(tmp_path):
    spec = write(tmp_path, "s.yaml", f"name: x\nimage: {ECR}\nnetwork:\n  zzzzzz: 1\n")
    finding = only(load_errors(spec), "spec-unknown-key")
    assert finding.hint == "valid keys here: ingress, auth, egress"


@pytest.mark.parametrize(
    ("text", "path", "line"),
    [
        ("environment: [a, b]\n", "environment", 3),
        ("tags: 5\n", "tags", 3),
        ("concurrency: 5\n", "concurrency", 3),
        ("network: public\n", "network", 3),
        ("environment:\n  A: {b: 1}\n", "environment.A", 4),
        ("name2: x\n", "name2", 3),
    ],
)
def test_yaml_wrong_types_point_at_the_key(tmp_path, text, path, line):
    findings = load_errors(write(tmp_path, "s.yaml", f"name: x\nimage: {ECR}\n{text}"))
    assert len(findings) == 1
    assert findings[0].path == path
    assert findings[0].line == line
    assert findings[0].rule in {"spec-type", "spec-unknown-key"}


def test_yaml_name_as_list_is_a_type_error(tmp_path):
    finding = only(load_errors(write(tmp_path, "s.yaml", f"name: [a]\nimage: {ECR}\n")), "spec-type")
    assert (finding.path, finding.line, finding.column) == ("name", 1, 1)


def test_yaml_min_above_max(tmp_path):
    text = f"name: x\nimage: {ECR}\nconcurrency:\n  min_instances: 5\n  max_instances: 2\n"
    finding = only(load_errors(write(tmp_path, "s.yaml", text)), "spec-value")
    assert finding.path == "concurrency"
    assert finding.line == 3
    assert "min_instances (5)" in finding.message and "max_instances (2)" in finding.message


def test_yaml_unit_error_keeps_the_parser_hint(tmp_path):
    finding = only(load_errors(write(tmp_path, "s.yaml", f"name: x\nimage: {ECR}\nmemory: 1G\n")), "spec-value")
    assert (finding.path, finding.line, finding.column) == ("memory", 3, 1)
    assert "'1G'" in finding.message and "GiB" in finding.message


def test_yaml_missing_required_key(tmp_path):
    finding = only(load_errors(write(tmp_path, "s.yaml", "name: x\n")), "spec-missing-key")
    assert finding.path == "image"
    assert finding.hint == "add 'image:' to the spec"


@pytest.mark.parametrize("value", ["-1", "0", "-1GiB"])
def test_non_positive_sizes_are_rejected(tmp_path, value):
    findings = load_errors(write(tmp_path, "s.yaml", f"name: x\nimage: {ECR}\nmemory: {value}\n"))
    assert [f.path for f in findings] == ["memory"]
    assert findings[0].line == 3


def test_validate_places_check_findings_too(tmp_path):
    spec = write(tmp_path, "s.yaml", f"name: x\nimage: {ECR}\n\n\ntimeout: 16m\n")
    report = validate(spec, ["aws"])
    finding = only(report.findings, "aws-timeout")
    assert (finding.file, finding.line, finding.column) == (str(spec), 5, 1)


# -- JSON ---------------------------------------------------------------------------------

def test_json_positions(tmp_path):
    text = json.dumps({"name": "x", "image": ECR, "concurrency": {"per_instance": 0}}, indent=2)
    finding = only(load_errors(write(tmp_path, "s.json", text)), "spec-value")
    assert finding.path == "concurrency.per_instance"
    assert (finding.line, finding.column) == (5, 5)


def test_tab_indented_json_keeps_positions(tmp_path):
    text = '{\n\t"name": "x",\n\t"image": "ECR",\n\t"network": {\n\t\t"egres": "vpc"\n\t}\n}\n'.replace("ECR", ECR)
    finding = only(load_errors(write(tmp_path, "s.json", text)), "spec-unknown-key")
    assert (finding.path, finding.line, finding.column) == ("network.egres", 5, 3)


def test_json_one_line_positions(tmp_path):
    text = '{"name": "x", "image": "ECR", "memory": "1G"}'.replace("ECR", ECR)
    finding = only(load_errors(write(tmp_path, "s.json", text)), "spec-value")
    assert (finding.line, finding.column) == (1, text.index('"memory"') + 1)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ('{\n  "name": "x",\n  "image": "y",\n}\n', 4, 1),
        ('{\n  "name": "x"\n  "image": "y"\n}\n', 3, 3),
        ('{"name": }', 1, 10),
    ],
)
def test_malformed_json_has_line_and_column(tmp_path, text, line, column):
    finding = only(load_errors(write(tmp_path, "s.json", text)), "spec-syntax")
    assert finding.message.startswith("malformed JSON")
    assert (finding.line, finding.column) == (line, column)


def test_json_duplicate_keys_are_reported(tmp_path):
    text = '{\n  "name": "a",\n  "image": "ECR",\n  "name": "b"\n}\n'.replace("ECR", ECR)
    finding = only(load_errors(write(tmp_path, "s.json", text)), "spec-duplicate-key")
    assert (finding.line, finding.column) == (4, 3)
    assert "first on line 2" in finding.message


# -- TOML ---------------------------------------------------------------------------------

def test_toml_table_key_position(tmp_path):
    text = f'name = "x"\nimage = "{ECR}"\n\n[concurrency]\nmin_instances = 0\nmax_instances = 0\n'
    finding = only(load_errors(write(tmp_path, "s.toml", text)), "spec-value")
    assert finding.path == "concurrency.max_instances"
    assert (finding.line, finding.column) == (6, 1)


def test_toml_top_level_key_position(tmp_path):
    text = f'name = "x"\nimage = "{ECR}"\n  memory = "1G"\n'
    finding = only(load_errors(write(tmp_path, "s.toml", text)), "spec-value")
    assert (finding.line, finding.column) == (3, 3)


def test_toml_unknown_key_in_nested_table(tmp_path):
    text = f'name = "x"\nimage = "{ECR}"\n[providers.aws]\nregoin = "us-east-1"\n'
    finding = only(load_errors(write(tmp_path, "s.toml", text)), "spec-unknown-key")
    assert finding.path == "providers.aws.regoin"
    assert finding.line == 4
    assert finding.hint == "did you mean 'region'?"


def test_toml_inline_table_falls_back_to_the_parent(tmp_path):
    text = f'name = "x"\nimage = "{ECR}"\nconcurrency = {{ max_instances = 0 }}\n'
    finding = only(load_errors(write(tmp_path, "s.toml", text)), "spec-value")
    assert finding.path == "concurrency.max_instances"
    assert finding.line == 3


def test_malformed_toml(tmp_path):
    finding = only(load_errors(write(tmp_path, "s.toml", 'name = "x"\nimage = \n')), "spec-syntax")
    assert finding.message.startswith("malformed TOML")
    assert finding.line == 2 and finding.column is not None
    assert "(at line" not in finding.message


def test_toml_spec_loads(tmp_path):
    text = f'name = "x"\nimage = "{ECR}"\nmemory = "1GiB"\ntimeout = "15m"\n[environment]\nA_B = 1\n'
    spec = load_spec(write(tmp_path, "s.toml", text))
    assert (spec.memory, spec.timeout, spec.environment) == (1024, 900, {"A_B": "1"})


# -- bad input: one clear message with file:line, never a traceback -------------------------

BAD_INPUT = {
    "malformed-yaml": ("s.yaml", "name: x\n  image: : y\n", "spec-syntax", 2),
    "unclosed-flow": ("s.yaml", "name: x\nimage: [y\n", "spec-syntax", 3),
    "tab-indent": ("s.yaml", "name: x\n\timage: y\n", "spec-syntax", 2),
    "top-level-list": ("s.yaml", "- name: x\n- image: y\n", "spec-type", 1),
    "top-level-scalar": ("s.yaml", "just text\n", "spec-type", 1),
    "environment-list": ("s.yaml", f"name: x\nimage: {ECR}\nenvironment: [a, b]\n", "spec-type", 3),
    "unknown-key": ("s.yaml", f"name: x\nimage: {ECR}\nmemroy: 1GiB\n", "spec-unknown-key", 3),
    "wrong-type": ("s.yaml", f"name: x\nimage: {ECR}\ntags: 5\n", "spec-type", 3),
    "empty": ("s.yaml", "", "spec-empty", 1),
    "blank": ("s.yaml", "\n   \n", "spec-empty", 1),
    "comments-only": ("s.yaml", "# nothing yet\n", "spec-empty", 1),
    "nul-bytes": ("s.yaml", b"name: x\x00\x01\x02", "spec-syntax", 1),
    "invalid-utf8": ("s.yaml", b"name: \xff\xfe\n", "spec-syntax", 1),
    "png": ("s.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "spec-syntax", 1),
    "duplicate-key": ("s.yaml", f"name: x\nimage: {ECR}\nname: y\n", "spec-duplicate-key", 3),
    "nested-duplicate": ("s.yaml", f"name: x\nimage: {ECR}\ntags:\n  a: b\n  a: c\n", "spec-duplicate-key", 5),
    "complex-key": ("s.yaml", f"name: x\nimage: {ECR}\n? [a, b]\n: c\n", "spec-type", 3),
    "unknown-tag": ("s.yaml", f"name: x\nimage: {ECR}\nmemory: !gib 1\n", "spec-syntax", 3),
    "python-tag": ("s.yaml", f"name: !!python/object/apply:os.system [ls]\nimage: {ECR}\n", "spec-syntax", 1),
    "infinite-memory": ("s.yaml", f"name: x\nimage: {ECR}\nmemory: .inf\n", "spec-value", 3),
    "two-documents": ("s.yaml", f"name: x\n---\nimage: {ECR}\n", "spec-syntax", 2),
    "malformed-json": ("s.json", '{"name": "x",', "spec-syntax", 1),
    "json-list": ("s.json", "[1, 2]", "spec-type", 1),
    "json-duplicate": ("s.json", '{"name": "x", "image": "y", "name": "z"}', "spec-duplicate-key", 1),
    "malformed-toml": ("s.toml", "name = \n", "spec-syntax", 1),
    "toml-duplicate": ("s.toml", 'name = "a"\nname = "b"\n', "spec-syntax", 2),
    "toml-key-at-end": ("s.toml", 'name = "a"\nimage', "spec-syntax", 2),
    "control-character": ("s.yaml", "name: x\nimage: a\x01b\n", "spec-syntax", 2),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_gives_one_clear_message(tmp_path, capsys, case):
    name, text, rule, line = BAD_INPUT[case]
    path = write(tmp_path, name, text)
    code = main(["validate", str(path), "-p", "aws"])
    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out + err
    lines = out.splitlines()
    assert len(lines) == 2, out  # the finding, then the summary
    assert lines[0].startswith(f"{path}:{line}:"), lines[0]
    assert lines[0].endswith(f"({rule})")
    assert lines[1].startswith("failed: 1 file")

    report = validate(path, ["aws"])
    assert [(f.rule, f.line) for f in report.findings] == [(rule, line)]


def test_missing_file(tmp_path, capsys):
    path = tmp_path / "nope.yaml"
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out.splitlines()[0] == (f"{path}: error: cannot read {path}: No such file or directory "
                                   "Fix: check the path and permissions (spec-file-unreadable)")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    finding = only(info.value.report.findings, "spec-file-unreadable")
    assert finding.file == str(path)


def test_directory_is_unreadable(tmp_path, capsys):
    assert main(["validate", str(tmp_path)]) == 2
    assert "(spec-file-unreadable)" in capsys.readouterr().out


def test_bad_input_in_a_real_process_shows_no_traceback(tmp_path):
    files = [write(tmp_path, f"{case}.{BAD_INPUT[case][0].split('.')[1]}", BAD_INPUT[case][1])
             for case in ("malformed-yaml", "nul-bytes", "complex-key", "unknown-tag", "json-list")]
    result = subprocess.run([sys.executable, "-m", "polycloud", "validate", "-p", "aws", *map(str, files)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr == ""
    located = [line for line in result.stdout.splitlines() if re.match(r".+:\d+:\d+: error: ", line)]
    assert len(located) == len(files)


TOKENS = ["name", "image", "memory", "concurrency", "environment", "providers", "aws", ":", " ", "  ", "\n",
          "- ", "[", "]", "{", "}", ",", "'", '"', "!", "&a", "*a", "?", "#", "1", "1.5", "GiB", "-1", "true",
          "null", ".inf", "<<", "|", "\t", "=", "%", "@", "\\", "\x00", "\x01", "\ufeff", "é", "---", "[a.b]"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(TOKENS), max_size=30).map("".join).map(str.encode) | st.binary(max_size=80),
       st.sampled_from(["yaml", "json", "toml"]))
def test_any_input_gives_findings_with_a_position(tmp_path, data, fmt):
    path = tmp_path / f"fuzz.{fmt}"
    path.write_bytes(data)
    report = validate(path, ["aws"])  # never raises
    for finding in report.errors:
        assert finding.file == str(path)
        assert finding.line is not None and finding.column is not None, finding


def test_utf8_bom_is_accepted(tmp_path):
    spec = load_spec(write(tmp_path, "s.yaml", "\ufeff" + f"name: x\nimage: {ECR}\n"))
    assert spec.name == "x"


# -- dump_spec -> load_spec ----------------------------------------------------------------

FULL = FunctionSpec(
    name="hello-api",
    image=ECR,
    image_contract="http",
    port=9000,
    memory=1536,
    timeout=5400,
    cpu=2.0,
    architecture="arm64",
    ephemeral_storage=2048,
    concurrency=Concurrency(min_instances=1, max_instances=20, per_instance=4),
    network=Network(ingress="internal", auth="none", egress="vpc"),
    environment={"LOG_LEVEL": "info", "COUNT": "3", "FLAG": "yes", "EMPTY": "", "COLON": "a: b # c"},
    secrets={"DB_PASSWORD": SecretRef(aws="arn:aws:secretsmanager:us-east-1:123456789012:secret:db",
                                      gcp="projects/p/secrets/db/versions/1")},
    tags={"team": "platform", "cost": "1.0"},
    providers=ProviderSettings(
        aws=AwsSettings(region="us-east-1", subnet_ids=["subnet-1"], security_group_ids=["sg-1"]),
        gcp=GcpSettings(project="acme", region="europe-west1", network="default"),
    ),
)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
@pytest.mark.parametrize("spec", [FULL, FunctionSpec(name="x", image="y")], ids=["full", "minimal"])
def test_dump_load_round_trip(tmp_path, fmt, spec):
    path = write(tmp_path, f"s.{fmt}", dump_spec(spec, fmt))
    assert load_spec(path) == spec


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_dump_keeps_unusual_text(tmp_path, fmt):
    # NEL, LS and PS are line breaks to YAML: written raw they would fold into spaces
    text = {"NEL": "a\x85b", "LS": "\u2028", "PS": "x\u2029", "NUL": "\x00", "CR": "a\r\nb", "TAB": "\t",
            "BOM": "\ufeffx", "YES": "yes", "NUM": "0x10", "NULL": "~", "HASH": "# not a comment"}
    spec = FunctionSpec(name="fn", image=ECR, environment=text, tags={"k\x85": "v\u2028"})
    path = write(tmp_path, f"s.{fmt}", dump_spec(spec, fmt))
    assert load_spec(path) == spec


def test_dump_writes_human_units():
    text = dump_spec(FULL)
    assert "memory: 1536MiB" in text and "timeout: 90m" in text and "ephemeral_storage: 2GiB" in text
    assert "port: 9000" in text
    minimal = dump_spec(FunctionSpec(name="x", image="y"))
    assert minimal == "name: x\nimage: y\n"


_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)  # control and line-break characters too
_KEY = st.from_regex(r"[A-Z][A-Z0-9_]{1,8}", fullmatch=True)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=_TEXT.filter(bool),
    memory=st.integers(min_value=1, max_value=100_000),
    timeout=st.integers(min_value=1, max_value=100_000),
    environment=st.dictionaries(_KEY, _TEXT, max_size=4),
    tags=st.dictionaries(_KEY, _TEXT, max_size=3),
    max_instances=st.none() | st.integers(min_value=1, max_value=1000),
    fmt=st.sampled_from(["yaml", "json"]),
)
def test_dump_load_round_trip_property(tmp_path, name, memory, timeout, environment, tags, max_instances, fmt):
    spec = FunctionSpec(name=name, image=ECR, memory=memory, timeout=timeout, environment=environment,
                        tags=tags, concurrency=Concurrency(max_instances=max_instances))
    path = tmp_path / f"s.{fmt}"
    path.write_text(dump_spec(spec, fmt), encoding="utf-8")
    assert load_spec(path) == spec
