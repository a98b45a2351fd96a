"""`polycloud validate SPEC --image-archive PATH`: correct images pass, each broken image is refused by its rule."""

from __future__ import annotations

import json

import pytest

from polycloud.cli import main
from polycloud.testing.image_catalog import BROKEN, correct_image, spec_for
from polycloud.testing.images import write_oci_layout

CONTRACTS = ("http", "lambda-runtime-api", "azure-functions-host")


def run_json(capsys, *argv):
    code = main(["validate", *map(str, argv), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def image_rules(document):
    return sorted({f["rule"] for f in document["findings"] if f["rule"].startswith("image-")})


@pytest.mark.parametrize("architecture", ["x86_64", "arm64"])
@pytest.mark.parametrize("contract", CONTRACTS)
@pytest.mark.parametrize("form", ["docker-save", "oci-dir", "oci-tar"])
def test_a_correct_image_passes(tmp_path, capsys, write_spec, contract, architecture, form):
    spec = spec_for(contract, architecture)
    if architecture == "arm64" and contract != "lambda-runtime-api":
        spec["providers"] = {"aws": {"region": "us-east-1"}}  # Azure and Cloud Run run x86_64 only
        spec["image"] = spec_for("lambda-runtime-api")["image"]
    builder = correct_image(contract, architecture)
    if form == "docker-save":
        archive = builder.write_docker_archive(tmp_path / "image.tar")
    else:
        archive = write_oci_layout(tmp_path / ("layout.tar" if form == "oci-tar" else "layout"), builder.artifact(),
                                   as_tar=form == "oci-tar")
    code, document = run_json(capsys, write_spec(spec), "--image-archive", archive)
    assert image_rules(document) == []
    if (contract, architecture) == ("azure-functions-host", "arm64"):  # no provider runs it: only theirs refuse
        assert {f["rule"] for f in document["findings"] if f["severity"] == "error"} == {"aws-image-contract"}
    else:
        assert code == 0, document


@pytest.mark.parametrize("broken", BROKEN, ids=lambda b: b.name)
def test_each_broken_image_is_refused_with_its_rule(tmp_path, capsys, write_spec, broken):
    archive = broken.write(tmp_path)
    argv = [write_spec(broken.spec), "--image-archive", archive]
    if broken.rule == "image-size":
        limits = tmp_path / "limits.json"
        limits.write_text(json.dumps({"aws-lambda": {"common": {"image_size": {"max": 2}}}}), encoding="utf-8")
        argv += ["--limits", limits]
    code, document = run_json(capsys, *argv)
    assert code == 1
    assert image_rules(document) == [broken.rule], document["findings"]
    finding = next(f for f in document["findings"] if f["rule"] == broken.rule)
    assert finding["severity"] == "error"
    assert broken.in_message in finding["message"] + finding["hint"]
    assert finding["hint"]


def test_findings_point_at_the_image_line_of_the_spec(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text("name: image-test\n# the image\nimage: europe-docker.pkg.dev/p/r/app@sha256:" + "b" * 64 +
                    "\nproviders:\n  gcp: {project: p, region: europe-west1}\n", encoding="utf-8")
    builder = correct_image("http")
    builder.entrypoint = ["/app/missing"]
    archive = builder.write_docker_archive(tmp_path / "image.tar")
    assert main(["validate", str(spec), "--image-archive", str(archive)]) == 1
    out = capsys.readouterr().out
    assert f"{spec}:3:1: error: the entrypoint '/app/missing' is not a file in the image" in out
    assert "(image-entrypoint-missing)" in out


def test_the_image_findings_join_every_output_format(tmp_path, capsys, write_spec):
    broken = next(b for b in BROKEN if b.rule == "image-shebang-crlf")
    archive = broken.write(tmp_path)
    spec = write_spec(broken.spec)
    for fmt, needle in (("sarif", '"ruleId": "image-shebang-crlf"'), ("github", "image-shebang-crlf"),
                        ("junit", "image-shebang-crlf")):
        assert main(["validate", str(spec), "--image-archive", str(archive), "--format", fmt]) == 1
        assert needle in capsys.readouterr().out


def test_an_unreadable_archive_is_a_usage_error(tmp_path, capsys, write_spec):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar at all")
    assert main(["validate", str(write_spec(spec_for())), "--image-archive", str(junk)]) == 2
    err = capsys.readouterr().err
    assert "--image-archive" in err and "junk.tar" in err and "Traceback" not in err


def test_an_archive_that_is_not_an_image_says_how_to_make_one(tmp_path, capsys, write_spec):
    (tmp_path / "dir").mkdir()
    assert main(["validate", str(write_spec(spec_for())), "--image-archive", str(tmp_path / "dir")]) == 2
    assert "docker save" in capsys.readouterr().err


def test_cosign_key_needs_an_image(tmp_path, capsys, write_spec):
    assert main(["validate", str(write_spec(spec_for())), "--cosign-key", str(tmp_path / "k.pub")]) == 2
    assert "--cosign-key needs --image-archive" in capsys.readouterr().err


def test_one_archive_is_checked_against_each_spec_file(tmp_path, capsys, write_spec):
    archive = correct_image("http").write_docker_archive(tmp_path / "image.tar")
    good = write_spec(spec_for("http"), "good.json")
    wrong_port = write_spec(spec_for("http", port=9000), "port.json")
    code, document = run_json(capsys, good, wrong_port, "--image-archive", archive)
    assert code == 1
    [finding] = [f for f in document["findings"] if f["rule"].startswith("image-")]
    assert finding["rule"] == "image-contract-port" and finding["file"].endswith("port.json")


def test_an_invalid_spec_is_reported_once_and_its_image_is_not_checked(tmp_path, capsys, write_spec):
    archive = correct_image("http").write_docker_archive(tmp_path / "image.tar")
    code, document = run_json(capsys, write_spec({"name": "x"}), "--image-archive", archive)
    assert code == 1
    assert [f["rule"] for f in document["findings"]] == ["spec-missing-key"]
