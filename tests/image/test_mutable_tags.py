"""`validate` warns (offline) about image references whose tag moves, with the digest fix."""

from __future__ import annotations

import json

import pytest

from polycloud import FunctionSpec, validate
from polycloud.cli import main
from polycloud.image import ImageReference

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app"


def tag_findings(image: str, **fields):
    spec = FunctionSpec.model_validate({"name": "fn", "image": image, "providers": {"aws": {"region": "us-east-1"}},
                                        **fields})
    return [f for f in validate(spec) if f.rule == "image-mutable-tag"]


@pytest.mark.parametrize("tag", ["", ":latest", ":main", ":master", ":develop", ":stable", ":nightly", ":prod"])
def test_moving_tags_are_warned_about_with_the_digest_fix(tag):
    [finding] = tag_findings(ECR + tag)
    assert finding.severity.value == "warning"
    assert finding.path == "image"
    assert f"pin it by digest: {ECR}@sha256:<digest>" in finding.hint
    assert ("means ':latest'" if not tag else f"':{tag[1:]}'") in finding.message


@pytest.mark.parametrize("image", [ECR + "@sha256:" + "a" * 64, ECR + ":latest@sha256:" + "a" * 64,
                                   ECR + ":1.4.2", ECR + ":git-3f2a1c9"])
def test_digests_and_build_tags_are_fine(image):
    assert tag_findings(image) == []


def test_a_provider_override_is_checked_at_its_own_path():
    [finding] = tag_findings(ECR + "@sha256:" + "a" * 64, providers={
        "aws": {"region": "us-east-1", "image": ECR + ":latest"}})
    assert finding.path == "providers.aws.image"


def test_the_cli_places_the_warning_at_the_image_line_and_strict_fails(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    spec.write_text(f"name: fn\nproviders:\n  aws: {{region: us-east-1}}\nimage: {ECR}:latest\n", encoding="utf-8")
    assert main(["validate", str(spec), "--format", "json"]) == 0
    [finding] = [f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule"] == "image-mutable-tag"]
    assert (finding["line"], finding["column"]) == (4, 1)
    assert main(["validate", str(spec), "--strict"]) == 1


@pytest.mark.parametrize(("text", "registry", "repository", "tag", "digest"), [
    ("nginx", "docker.io", "library/nginx", None, None),
    ("nginx:1.27", "docker.io", "library/nginx", "1.27", None),
    ("team/app:v1", "docker.io", "team/app", "v1", None),
    ("localhost:5000/app:dev", "localhost:5000", "app", "dev", None),
    ("ghcr.io/o/r/app@sha256:" + "c" * 64, "ghcr.io", "o/r/app", None, "sha256:" + "c" * 64),
])
def test_references_parse_like_docker_reads_them(text, registry, repository, tag, digest):
    reference = ImageReference.parse(text)
    assert (reference.registry, reference.repository, reference.tag, reference.digest) == (
        registry, repository, tag, digest)
    assert str(reference) == text


@pytest.mark.parametrize("text", ["app@sha256:short", "App/Upper", "app:bad tag", "/app"])
def test_bad_references_say_which_part_is_wrong(text):
    with pytest.raises(ValueError, match="image"):
        ImageReference.parse(text)
