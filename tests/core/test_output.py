"""The renderers of a Report: text, json, sarif, github and junit."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pydantic_sarif.model import StaticAnalysisResultsFormatSarifVersion210JsonSchema as SarifLog

from polycloud import Finding, Report, Severity, validate_files
from polycloud.output import FORMATS, render

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:1"
KEYS = ["rule", "severity", "provider", "path", "message", "hint", "file", "line", "column"]

ERROR = Finding("aws-memory", Severity.ERROR, "memory 20GiB is above the maximum", "memory", "aws-lambda",
                "set memory to at most 10GiB", "spec.yaml", 3, 1)
WARNING = Finding("aws-per-instance", Severity.WARNING, "per_instance 4 cannot be honoured",
                  "concurrency.per_instance", "aws-lambda", "set per_instance: 1", "spec.yaml", 7, 3)
INFO = Finding("aws-ingress", Severity.INFO, "no function URL", "network.ingress", "aws-lambda", None,
               "spec.yaml", 9, 3)
NEUTRAL = Finding("spec-unknown-key", Severity.ERROR, "unknown key 'memroy'", "memroy", None,
                  "did you mean 'memory'?", "other.yaml", 2, 1)
NOWHERE = Finding("spec-file-unreadable", Severity.ERROR, "cannot read gone.yaml", "", None,
                  "check the path", "gone.yaml")


def report(*findings: Finding, files=("spec.yaml", "other.yaml"), providers=("aws-lambda",)) -> Report:
    return Report(list(findings), files=list(files), providers=list(providers))


MIXED = report(ERROR, WARNING, INFO, NEUTRAL)
WARNINGS_ONLY = report(WARNING, INFO)


def test_formats_are_the_five_of_the_design():
    assert set(FORMATS) == {"text", "json", "sarif", "github", "junit"}


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render(MIXED, "xml")


# -- text ----------------------------------------------------------------------------------

def test_text_one_line_a_finding_then_a_summary():
    lines = render(MIXED, "text").splitlines()
    assert len(lines) == 5
    assert lines[0] == ("spec.yaml:3:1: error: [aws-lambda] memory 20GiB is above the maximum "
                        "Fix: set memory to at most 10GiB (aws-memory)")
    assert lines[2] == "spec.yaml:9:3: info: [aws-lambda] no function URL (aws-ingress)"
    assert lines[3] == "other.yaml:2:1: error: unknown key 'memroy' Fix: did you mean 'memory'? (spec-unknown-key)"
    assert lines[4] == "failed: 2 files checked against aws-lambda; 2 errors, 1 warning"


def test_text_without_position():
    assert render(report(NOWHERE), "text").splitlines()[0] == (
        "gone.yaml: error: cannot read gone.yaml Fix: check the path (spec-file-unreadable)")


@pytest.mark.parametrize(("strict", "verdict"), [(False, "ok"), (True, "failed")])
def test_text_verdict_with_warnings(strict, verdict):
    summary = render(WARNINGS_ONLY, "text", strict=strict).splitlines()[-1]
    assert summary == f"{verdict}: 2 files checked against aws-lambda; 0 errors, 1 warning"


def test_text_of_a_clean_report():
    assert render(report(files=["a.yaml"]), "text") == "ok: 1 file checked against aws-lambda; 0 errors, 0 warnings\n"


# -- json ----------------------------------------------------------------------------------

def test_json_shape():
    data = json.loads(render(MIXED, "json"))
    assert list(data) == ["ok", "findings"]
    assert data["ok"] is False
    assert [list(f) for f in data["findings"]] == [KEYS] * 4
    assert data["findings"][0] == {
        "rule": "aws-memory", "severity": "error", "provider": "aws-lambda", "path": "memory",
        "message": "memory 20GiB is above the maximum", "hint": "set memory to at most 10GiB",
        "file": "spec.yaml", "line": 3, "column": 1,
    }
    assert data["findings"][3]["provider"] is None
    assert [f["severity"] for f in data["findings"]] == ["error", "warning", "info", "error"]


@pytest.mark.parametrize(("strict", "ok"), [(False, True), (True, False)])
def test_json_strict_flips_ok_on_warnings(strict, ok):
    assert json.loads(render(WARNINGS_ONLY, "json", strict=strict))["ok"] is ok


def test_json_info_never_fails():
    assert json.loads(render(report(INFO), "json", strict=True))["ok"] is True


# -- sarif ---------------------------------------------------------------------------------

def sarif(rep: Report) -> dict:
    text = render(rep, "sarif")
    SarifLog.model_validate_json(text)  # the SARIF 2.1.0 schema, extra keys forbidden
    return json.loads(text)


def test_sarif_validates_and_maps_findings():
    log = sarif(MIXED)
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({"aws-memory", "aws-per-instance", "aws-ingress", "spec-unknown-key"})
    memory_rule = next(r for r in rules if r["id"] == "aws-memory")
    assert memory_rule["helpUri"].startswith("https://docs.aws.amazon.com/lambda/")
    results = run["results"]
    assert [r["level"] for r in results] == ["error", "warning", "note", "error"]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    first = results[0]
    assert first["message"]["text"] == "memory 20GiB is above the maximum Fix: set memory to at most 10GiB"
    location = first["locations"][0]
    assert location["physicalLocation"] == {"artifactLocation": {"uri": "spec.yaml"},
                                            "region": {"startLine": 3, "startColumn": 1}}
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "memory"
    assert first["properties"] == {"provider": "aws-lambda", "path": "memory"}


def test_sarif_without_positions_or_findings_validates():
    log = sarif(report(NOWHERE))
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "gone.yaml"}}
    assert sarif(report())["runs"][0]["results"] == []
    bare = Finding("x-unknown", Severity.WARNING, "no file")
    assert "locations" not in sarif(report(bare))["runs"][0]["results"][0]


def test_sarif_of_real_validation_validates(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: a.b\nimage: docker.io/x:1\nmemory: 20GiB\nmemroy: 1\n", encoding="utf-8")
    worse = tmp_path / "worse.yaml"
    worse.write_text(f"name: a.b\nimage: {ECR}\nmemory: 20GiB\ntimeout: 1h\nenvironment: {{TZ: UTC}}\n",
                     encoding="utf-8")
    rep = validate_files([bad, worse, tmp_path / "missing.yaml"], ["aws"])
    log = sarif(rep)
    assert len(log["runs"][0]["results"]) == len(rep.findings) >= 5


# -- github --------------------------------------------------------------------------------

def test_github_annotations():
    lines = render(MIXED, "github").splitlines()
    assert lines == [
        "::error file=spec.yaml,line=3,col=1,title=aws-memory (aws-lambda)::memory 20GiB is above the maximum "
        "Fix: set memory to at most 10GiB",
        "::warning file=spec.yaml,line=7,col=3,title=aws-per-instance (aws-lambda)::per_instance 4 cannot be "
        "honoured Fix: set per_instance: 1",
        "::notice file=spec.yaml,line=9,col=3,title=aws-ingress (aws-lambda)::no function URL",
        "::error file=other.yaml,line=2,col=1,title=spec-unknown-key::unknown key 'memroy' Fix: did you mean "
        "'memory'?",
    ]


def test_github_escaping():
    finding = Finding("r-1", Severity.ERROR, "50% over\r\nthe limit: a, b", "memory", "p:x,y",
                      "100%", "dir,1/a:b%.yaml", 4, 2)
    (line,) = render(report(finding), "github").splitlines()
    assert line == ("::error file=dir%2C1/a%3Ab%25.yaml,line=4,col=2,title=r-1 (p%3Ax%2Cy)"
                    "::50%25 over%0D%0Athe limit: a, b Fix: 100%25")


def test_github_without_position():
    assert render(report(NOWHERE), "github") == (
        "::error file=gone.yaml,title=spec-file-unreadable::cannot read gone.yaml Fix: check the path\n")
    assert render(report(), "github") == ""


# -- junit ---------------------------------------------------------------------------------

def junit(rep: Report, strict: bool = False) -> ET.Element:
    text = render(rep, "junit", strict=strict)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(text.split("\n", 1)[1])


def test_junit_counts_failures():
    root = junit(MIXED)
    assert root.tag == "testsuites"
    assert root.get("failures") == "2"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == ["spec.yaml", "other.yaml"]
    spec_suite = suites["spec.yaml"]
    assert (spec_suite.get("tests"), spec_suite.get("failures")) == ("2", "1")
    cases = {c.get("name"): c for c in spec_suite.findall("testcase")}
    assert set(cases) == {"spec", "aws-lambda"}
    failure = cases["aws-lambda"].find("failure")
    assert failure is not None
    assert failure.get("type") == "aws-memory"
    assert failure.get("message") == "memory 20GiB is above the maximum"
    assert "spec.yaml:3:1" in failure.text
    # warnings and info are reported, not failed
    assert "per_instance 4" in cases["aws-lambda"].find("system-out").text
    assert cases["spec"].find("failure") is None
    other = {c.get("name"): c for c in suites["other.yaml"].findall("testcase")}
    assert other["spec"].find("failure").get("type") == "spec-unknown-key"
    assert other["aws-lambda"].find("failure") is None


def test_junit_strict_fails_warnings():
    root = junit(WARNINGS_ONLY, strict=False)
    assert root.get("failures") == "0"
    root = junit(WARNINGS_ONLY, strict=True)
    assert root.get("failures") == "1"
    failure = root.find("testsuite/testcase/failure")
    assert failure.get("type") == "aws-per-instance"


def test_junit_escapes_markup():
    finding = Finding("r", Severity.ERROR, "a <b> & \"c\"", "", None, None, "x&y.yaml", 1, 1)
    root = junit(report(finding, files=["x&y.yaml"]))
    assert root.find("testsuite").get("name") == "x&y.yaml"
    assert root.find("testsuite/testcase/failure").get("message") == "a <b> & \"c\""


def test_junit_of_real_files(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(f"name: ok\nimage: {ECR}\n", encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"name: ok\nimage: {ECR}\nmemory: 20GiB\n", encoding="utf-8")
    root = junit(validate_files([good, bad], ["aws"]))
    assert root.get("failures") == "1"
    suites = {Path(s.get("name")).name: s.get("failures") for s in root.findall("testsuite")}
    assert suites == {"good.yaml": "0", "bad.yaml": "1"}


def test_junit_counts_a_spec_that_did_not_load_once(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\n  image: : y\n", encoding="utf-8")
    root = junit(validate_files([broken], ["aws"]))
    assert root.get("failures") == "1"
    cases = root.findall("testsuite/testcase")
    assert [c.get("name") for c in cases] == ["spec"]
    assert cases[0].find("failure").get("type") == "spec-syntax"


def test_junit_keeps_findings_of_spec_objects():
    from polycloud import FunctionSpec

    rep = validate_files([FunctionSpec(name="fn", image="docker.io/x:1"), FunctionSpec(name="ok", image=ECR)],
                         ["aws"])
    assert not rep.ok
    root = junit(rep)
    assert root.get("failures") == "1"
    failure = root.find("testsuite[@name='<spec>']/testcase[@name='aws-lambda']/failure")
    assert failure is not None and failure.get("type") == "aws-image-registry"


def test_junit_gives_a_file_cases_only_for_the_providers_it_was_checked_against(tmp_path):
    # each spec names one provider; worker-lambda.yaml would have errors on Cloud Run, so a passing
    # gcp-cloud-run case for it would be false
    examples = Path(__file__).resolve().parents[2] / "examples"
    lam, run = examples / "worker-lambda.yaml", examples / "render-cloud-run.yaml"
    assert not validate_files([lam], ["gcp"]).ok
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\n  image: : y\n", encoding="utf-8")
    root = junit(validate_files([lam, run, broken]))
    cases = {Path(s.get("name")).name: [c.get("name") for c in s.findall("testcase")]
             for s in root.findall("testsuite")}
    assert cases == {"worker-lambda.yaml": ["spec", "aws-lambda"],
                     "render-cloud-run.yaml": ["spec", "gcp-cloud-run"],
                     "broken.yaml": ["spec"]}
    suites = {Path(s.get("name")).name: s.get("tests") for s in root.findall("testsuite")}
    assert suites == {"worker-lambda.yaml": "2", "render-cloud-run.yaml": "2", "broken.yaml": "1"}


def test_junit_of_files_checked_against_the_same_providers_lists_them_all(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(f"name: ok\nimage: {ECR}\n", encoding="utf-8")
    root = junit(validate_files([good, good.with_name("gone.yaml")], ["aws", "gcp"]))
    cases = {Path(s.get("name")).name: [c.get("name") for c in s.findall("testcase")]
             for s in root.findall("testsuite")}
    assert cases == {"good.yaml": ["spec", "aws-lambda", "gcp-cloud-run"], "gone.yaml": ["spec"]}
