"""A cosign signature policy: unsigned or wrongly signed images are refused, correctly signed ones pass."""

from __future__ import annotations

import json

import pytest

from polycloud import FunctionSpec
from polycloud.cli import main
from polycloud.image import (
    RegistryClient,
    SignaturePolicy,
    check_image,
    inspect_archive,
    platform_for,
    pull_image,
    verify_signature,
)
from polycloud.image.signature import signature_tag
from polycloud.testing.image_catalog import correct_image, spec_for
from polycloud.testing.images import cosign_signature, generate_cosign_key, index_of, write_oci_layout
from polycloud.testing.registry import FakeRegistry


@pytest.fixture(scope="module")
def keys():
    return generate_cosign_key(), generate_cosign_key()


def validate_json(capsys, spec, archive, key):
    code = main(["validate", str(spec), "--image-archive", str(archive), "--cosign-key", str(key), "-f", "json"])
    return code, [f for f in json.loads(capsys.readouterr().out)["findings"] if f["rule"] == "image-signature"]


def layout(tmp_path, artifact, signature=None):
    extra = {signature_tag(artifact.digest): signature} if signature else None
    return write_oci_layout(tmp_path / "layout", artifact, extra=extra)


def public_key(tmp_path, pem, name="cosign.pub"):
    path = tmp_path / name
    path.write_bytes(pem)
    return path


def test_a_correctly_signed_image_passes(tmp_path, capsys, write_spec, keys):
    (private, pem), _ = keys
    artifact = correct_image("http").artifact()
    archive = layout(tmp_path, artifact, cosign_signature(private, artifact.digest))
    assert validate_json(capsys, write_spec(spec_for()), archive, public_key(tmp_path, pem)) == (0, [])


def test_an_unsigned_image_is_refused(tmp_path, capsys, write_spec, keys):
    (_, pem), _ = keys
    artifact = correct_image("http").artifact()
    code, [finding] = validate_json(capsys, write_spec(spec_for()), layout(tmp_path, artifact),
                                    public_key(tmp_path, pem))
    assert code == 1 and finding["severity"] == "error"
    assert f"no {signature_tag(artifact.digest)} manifest" in finding["message"]
    assert f"cosign sign --key cosign.key IMAGE@{artifact.digest}" in finding["hint"]
    assert finding["path"] == "image"


def test_a_signature_by_another_key_is_refused(tmp_path, capsys, write_spec, keys):
    (_, pem), (other_private, _) = keys
    artifact = correct_image("http").artifact()
    archive = layout(tmp_path, artifact, cosign_signature(other_private, artifact.digest))
    code, [finding] = validate_json(capsys, write_spec(spec_for()), archive, public_key(tmp_path, pem))
    assert code == 1 and "does not verify with" in finding["message"]


def test_a_signature_of_another_digest_is_refused(tmp_path, capsys, write_spec, keys):
    (private, pem), _ = keys
    artifact = correct_image("http").artifact()
    other = "sha256:" + "e" * 64
    archive = layout(tmp_path, artifact, cosign_signature(private, artifact.digest, signed_digest=other))
    code, [finding] = validate_json(capsys, write_spec(spec_for()), archive, public_key(tmp_path, pem))
    assert code == 1 and f"is for {other}, not {artifact.digest}" in finding["message"]


def test_a_docker_save_archive_cannot_prove_a_signature(tmp_path, capsys, write_spec, keys):
    (_, pem), _ = keys
    archive = correct_image("http").write_docker_archive(tmp_path / "image.tar")
    code, [finding] = validate_json(capsys, write_spec(spec_for()), archive, public_key(tmp_path, pem))
    assert code == 1 and "no manifest digest" in finding["message"] and "cosign save" in finding["hint"]


def test_a_signed_multi_platform_index_passes_for_each_platform(tmp_path, keys):
    (private, pem), (other_private, _) = keys
    index = index_of(correct_image("http", "x86_64").artifact(), correct_image("http", "arm64").artifact())
    archive = layout(tmp_path, index, cosign_signature(private, index.digest))
    for architecture in ("x86_64", "arm64"):
        spec = FunctionSpec.model_validate(spec_for("http", architecture))
        assert inspect_archive(archive, spec, ["gcp-cloud-run"], signature=SignaturePolicy(pem)) == []
    forged = layout(tmp_path / "forged", index, cosign_signature(other_private, index.digest))
    [finding] = inspect_archive(forged, FunctionSpec.model_validate(spec_for("http", "arm64")), ["gcp-cloud-run"],
                                signature=SignaturePolicy(pem))
    assert finding.rule == "image-signature"


def test_a_key_file_that_is_not_a_key_is_a_usage_error(tmp_path, capsys, write_spec):
    archive = correct_image("http").write_docker_archive(tmp_path / "image.tar")
    bad = public_key(tmp_path, b"-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n", "bad.pub")
    assert main(["validate", str(write_spec(spec_for())), "--image-archive", str(archive),
                 "--cosign-key", str(bad)]) == 2
    assert "--cosign-key" in capsys.readouterr().err


def test_the_policy_checks_signatures_in_the_registry(tmp_path, keys):
    (private, pem), (other_private, _) = keys
    fake = FakeRegistry()
    with fake.activate():
        artifact = correct_image("http").artifact()
        digest = fake.push("team/app", "v1", artifact)
        client = RegistryClient(cache_dir=tmp_path)
        policy = SignaturePolicy(pem)
        spec = FunctionSpec.model_validate(spec_for("http"))
        image = pull_image(fake.reference("team/app", "v1"), client, platform_for("x86_64"))
        [unsigned] = check_image(image, spec, ["gcp-cloud-run"], signature=policy)
        assert unsigned.rule == "image-signature"
        fake.push("team/app", signature_tag(digest), cosign_signature(other_private, digest))
        assert "does not verify" in verify_signature(image.store, digest, policy)
        fake.push("team/app", signature_tag(digest), cosign_signature(private, digest))
        assert verify_signature(image.store, digest, policy) is None
        assert check_image(image, spec, ["gcp-cloud-run"], signature=policy) == []
