"""The ``polycloud`` command: exit codes, formats, --limits, and the schema/limits/providers/rules commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from polycloud import registry
from polycloud.cli import main
from polycloud.ruledocs import all_rules
from polycloud.schema import render as render_schema

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "hello-api.yaml"
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:1"
ALL_PROVIDERS = ["aws-lambda", "azure-functions", "gcp-cloud-run"]
KEYS = ["rule", "severity", "provider", "path", "message", "hint", "file", "line", "column"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def spec_file(tmp_path: Path, body: str = "", name: str = "spec.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"name: fn\nimage: {ECR}\nproviders:\n  aws:\n    region: us-east-1\n{body}", encoding="utf-8")
    return path


# -- validate: exit codes --------------------------------------------------------------------

def test_example_passes_on_aws(capsys):
    code, out, _ = run(capsys, "validate", str(EXAMPLE), "-p", "aws")
    assert code == 0
    assert out == "ok: 1 file checked against aws-lambda; 0 errors, 0 warnings\n"


def test_example_passes_on_every_provider_it_names(capsys):
    assert registry.available() == ALL_PROVIDERS
    code, out, _ = run(capsys, "validate", str(EXAMPLE), "--strict")
    assert code == 0, out
    *infos, last = out.splitlines()
    assert last == f"ok: 1 file checked against {', '.join(ALL_PROVIDERS)}; 0 errors, 0 warnings"
    assert [line.rsplit("(", 1)[-1] for line in infos] == ["azure-http-image)"]  # info: what an http image gets


def test_example_passes_with_aliases_and_keys_mixed(capsys):
    code, out, _ = run(capsys, "validate", str(EXAMPLE), "--provider", "gcp-cloud-run,aws,azure")
    assert code == 0
    assert "against gcp-cloud-run, aws-lambda, azure-functions;" in out


def test_invalid_spec_exits_1(capsys, tmp_path):
    code, out, _ = run(capsys, "validate", str(spec_file(tmp_path, "memory: 20GiB\n")), "-p", "aws")
    assert code == 1
    assert "(aws-memory)" in out
    assert out.splitlines()[-1].startswith("failed: ")


def test_unloadable_spec_exits_1(capsys, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: [\n", encoding="utf-8")
    assert run(capsys, "validate", str(path), "-p", "aws")[0] == 1


def test_warnings_fail_only_with_strict(capsys, tmp_path):
    path = spec_file(tmp_path, "environment:\n  TZ: UTC\n")
    code, out, _ = run(capsys, "validate", str(path), "-p", "aws")
    assert code == 0
    assert "warning: [aws-lambda]" in out and "(aws-env-tz)" in out
    code, out, _ = run(capsys, "validate", str(path), "-p", "aws", "--strict")
    assert code == 1
    assert out.splitlines()[-1].startswith("failed: ")


def test_info_passes_even_with_strict(capsys, tmp_path):
    path = spec_file(tmp_path, "network:\n  ingress: internal\n")
    code, out, _ = run(capsys, "validate", str(path), "-p", "aws", "--strict")
    assert code == 0
    assert "(aws-ingress)" in out


def test_missing_file_exits_2(capsys, tmp_path):
    code, out, _ = run(capsys, "validate", str(tmp_path / "nope.yaml"), "-p", "aws")
    assert code == 2
    assert "(spec-file-unreadable)" in out


def test_missing_file_wins_over_findings(capsys, tmp_path):
    bad = spec_file(tmp_path, "memory: 20GiB\n")
    code, out, _ = run(capsys, "validate", str(bad), str(tmp_path / "nope.yaml"), str(EXAMPLE), "-p", "aws")
    assert code == 2
    assert "(aws-memory)" in out and "(spec-file-unreadable)" in out
    assert "3 files checked" in out


@pytest.mark.parametrize("argv", [
    ["validate", "--bogus", "x.yaml"],
    ["validate"],
    ["validate", "x.yaml", "--format", "xml"],
    ["frobnicate"],
    [],
])
def test_bad_command_line_exits_2(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "usage: polycloud" in capsys.readouterr().err


def test_unknown_provider_exits_2(capsys):
    code, out, err = run(capsys, "validate", str(EXAMPLE), "-p", "aws,ibm")
    assert code == 2
    assert out == ""
    assert err == ("polycloud: error: unknown provider ibm; known: aws-lambda, azure-functions, gcp-cloud-run "
                   "(aliases: aws, azure, gcp)\n")


def test_many_files_at_once(capsys, tmp_path):
    good = spec_file(tmp_path, name="good.yaml")
    bad = spec_file(tmp_path, "timeout: 1h\n", name="bad.yaml")
    also_bad = tmp_path / "also-bad.json"
    also_bad.write_text(json.dumps({"name": "x", "image": ECR, "memroy": 1}), encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(good), str(bad), str(also_bad), "-p", "aws")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{bad}:6:1: error: [aws-lambda] timeout 1h (3600 s)")
    assert lines[1].startswith(f"{also_bad}:1:")
    assert lines[1].endswith("(spec-unknown-key)")
    assert lines[2] == "failed: 3 files checked against aws-lambda; 2 errors, 0 warnings"


# -- validate: formats ---------------------------------------------------------------------

def test_json_format(capsys, tmp_path):
    path = spec_file(tmp_path, "memory: 20GiB\nenvironment:\n  TZ: UTC\n")
    code, out, _ = run(capsys, "validate", str(path), "-p", "aws", "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert list(data) == ["ok", "findings"]
    assert data["ok"] is False
    assert all(list(f) == KEYS for f in data["findings"])
    memory = next(f for f in data["findings"] if f["rule"] == "aws-memory")
    assert (memory["file"], memory["line"], memory["column"], memory["path"]) == (str(path), 6, 1, "memory")
    assert memory["provider"] == "aws-lambda" and memory["severity"] == "error"


def test_json_format_strict(capsys, tmp_path):
    path = spec_file(tmp_path, "environment:\n  TZ: UTC\n")
    assert json.loads(run(capsys, "validate", str(path), "-p", "aws", "-f", "json")[1])["ok"] is True
    code, out, _ = run(capsys, "validate", str(path), "-p", "aws", "-f", "json", "--strict")
    assert code == 1
    assert json.loads(out)["ok"] is False


def test_json_format_for_missing_file(capsys, tmp_path):
    code, out, _ = run(capsys, "validate", str(tmp_path / "nope.yaml"), "-f", "json")
    assert code == 2
    (finding,) = json.loads(out)["findings"]
    assert finding["rule"] == "spec-file-unreadable" and finding["line"] is None


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "junit"])
def test_every_format_writes_to_output_file(capsys, tmp_path, fmt):
    target = tmp_path / f"report.{fmt}"
    code, out, _ = run(capsys, "validate", str(spec_file(tmp_path, "memory: 20GiB\n")), "-p", "aws",
                       "-f", fmt, "-o", str(target))
    assert code == 1
    assert out == ""
    assert "aws-memory" in target.read_text(encoding="utf-8")


def test_unwritable_output_exits_2(capsys, tmp_path):
    target = tmp_path / "no-such-dir" / "report.json"
    code, out, err = run(capsys, "validate", str(EXAMPLE), "-p", "aws", "-f", "json", "-o", str(target))
    assert code == 2
    assert err == f"polycloud: error: cannot write {target}: No such file or directory\n"


# -- validate: --limits ----------------------------------------------------------------------

@pytest.mark.parametrize(("name", "text"), [
    ("limits.json", '{"aws-lambda": {"common": {"memory": {"max": 12288}}}}'),
    ("limits.yaml", "aws-lambda:\n  common:\n    memory: {max: 12288}\n"),
    ("alias.yaml", "aws:\n  common:\n    memory: {max: 12288}\n"),
])
def test_limits_override(capsys, tmp_path, name, text):
    path = spec_file(tmp_path, "memory: 11GiB\n")
    assert run(capsys, "validate", str(path), "-p", "aws")[0] == 1
    limits = tmp_path / name
    limits.write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(path), "-p", "aws", "--limits", str(limits))
    assert code == 0, out
    code, out, _ = run(capsys, "validate", str(spec_file(tmp_path, "memory: 12289\n")), "-p", "aws",
                       "--limits", str(limits))
    assert code == 1
    assert "maximum of 12GiB (12288 MiB)" in out


def test_limits_override_keeps_the_other_limits(capsys, tmp_path):
    limits = tmp_path / "limits.json"
    limits.write_text('{"aws-lambda": {"common": {"memory": {"max": 12288}}}}', encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(spec_file(tmp_path, "memory: 100\n")), "-p", "aws",
                       "--limits", str(limits))
    assert code == 1
    assert "minimum of 128 MiB" in out  # min kept: the override is deep-merged


@pytest.mark.parametrize(("name", "text", "says"), [
    ("bad.yaml", "aws-lambda: [\n", "not valid YAML"),
    ("bad.json", "{", "Expecting property name"),
    ("list.json", "[1]", "maps provider keys"),
    ("type.json", '{"aws-lambda": {"common": {"memory": {"max": "lots"}}}}', "common.memory.max"),
    ("typo.json", '{"aws-lamda": {"common": {}}}', "no limits for aws-lamda"),
    ("profile.json", '{"aws-lambda": {"default_profile": "huge"}}', "no limits profile 'huge'"),
])
def test_bad_limits_file_exits_2(capsys, tmp_path, name, text, says):
    limits = tmp_path / name
    limits.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "validate", str(EXAMPLE), "-p", "aws", "--limits", str(limits))
    assert code == 2
    assert out == ""
    assert err.startswith(f"polycloud: error: --limits {limits}: ")
    assert says in err
    assert len(err.splitlines()) == 1


def test_missing_limits_file_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "validate", str(EXAMPLE), "--limits", str(tmp_path / "none.json"))
    assert code == 2
    assert "No such file" in err


# -- other commands ----------------------------------------------------------------------------

def test_schema_command_writes_both_schemas(capsys, tmp_path):
    target = tmp_path / "out"
    code, out, _ = run(capsys, "schema", "--output-dir", str(target))
    assert code == 0
    assert sorted(p.name for p in target.iterdir()) == ["functionspec.draft-07.schema.json",
                                                      "functionspec.schema.json"]
    assert out.splitlines() == [str(target / "functionspec.schema.json"),
                                str(target / "functionspec.draft-07.schema.json")]
    assert (target / "functionspec.schema.json").read_text(encoding="utf-8") == render_schema("2020-12")
    draft07 = json.loads((target / "functionspec.draft-07.schema.json").read_text(encoding="utf-8"))
    assert draft07["$schema"] == "http://json-schema.org/draft-07/schema#"


def test_schema_command_to_an_unwritable_place_exits_2(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    code, _, err = run(capsys, "schema", "--output-dir", str(blocker / "sub"))
    assert code == 2
    assert err.startswith(f"polycloud: error: cannot write schemas to {blocker / 'sub'}: ")


def test_limits_command_prints_sources(capsys):
    code, out, _ = run(capsys, "limits", "-p", "aws")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "AWS Lambda (aws-lambda), default profile standard, as of 2026-11-27"
    rows = {line.split()[0]: line for line in lines if line.startswith("    ")}
    assert {"memory", "timeout", "ephemeral_storage", "env_total", "tags_count"} <= set(rows)
    assert all("https://" in row for row in rows.values())
    assert "128..10240 MiB" in rows["memory"]
    assert "https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html" in rows["timeout"]


def test_limits_command_all_providers_json(capsys):
    code, out, _ = run(capsys, "limits", "--format", "json")
    assert code == 0
    tables = json.loads(out)
    assert [t["provider"] for t in tables] == ALL_PROVIDERS
    for table in tables:
        assert table["default_profile"] in table["profiles"]


def test_providers_command_json(capsys):
    code, out, _ = run(capsys, "providers", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert [r["provider"] for r in rows] == ALL_PROVIDERS
    for row in rows:
        assert set(row) == {"provider", "title", "sdk", "ready", "install"}
        assert row["ready"] is all(row["sdk"].values())
        assert (row["install"] is None) is row["ready"]
    aws = rows[0]
    assert aws["title"] == "AWS Lambda"
    assert list(aws["sdk"]) == ["boto3"]


def test_providers_command_text(capsys):
    code, out, _ = run(capsys, "providers")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == ALL_PROVIDERS


def test_rules_command_lists_every_rule(capsys):
    code, out, _ = run(capsys, "rules")
    assert code == 0
    listed = [line.split()[0] for line in out.splitlines()]
    assert listed == [rule.id for rule in all_rules()]
    assert len(set(listed)) == len(listed), "rule ids are unique"
    assert {"spec-unknown-key", "aws-memory", "aws-env-size"} <= set(listed)


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("polycloud 0.")


# -- as a real process ---------------------------------------------------------------------------

def polycloud(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "polycloud", *argv], capture_output=True, text=True,
                          cwd=cwd, timeout=60)


def test_process_validates_the_bundled_examples_offline():
    examples = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples").iterdir()
                      if p.suffix in {".yaml", ".json", ".toml"})
    result = polycloud("validate", *examples)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith(f"ok: {len(examples)} files checked against ")


def test_process_exit_codes(tmp_path):
    bad = spec_file(tmp_path, "memory: 20GiB\n")
    assert polycloud("validate", str(bad), "-p", "aws").returncode == 1
    missing = polycloud("validate", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr
    flag = polycloud("validate", "--nope")
    assert flag.returncode == 2
    assert "usage: polycloud" in flag.stderr
