"""Reading images from a registry (the fake one), pinning digests, token and Basic auth, the blob cache."""

from __future__ import annotations

import json

import pytest
import requests

from polycloud import FunctionSpec
from polycloud.image import (
    ImageError,
    PlatformNotFoundError,
    RegistryClient,
    RegistryUnreachableError,
    check_image,
    inspect_reference,
    pin,
    platform_for,
    pull_image,
    resolve_digest,
)
from polycloud.testing.image_catalog import correct_image, spec_for
from polycloud.testing.images import ImageBuilder, index_of
from polycloud.testing.registry import FakeRegistry

AMD64, ARM64 = platform_for("x86_64"), platform_for("arm64")


@pytest.fixture
def registry():
    fake = FakeRegistry()
    with fake.activate():
        yield fake


@pytest.fixture
def client(tmp_path):
    return RegistryClient(cache_dir=tmp_path / "cache")


def blob_gets(fake):
    return [c for c in fake.calls if c.method == "GET" and "/blobs/" in c.path]


def test_pull_reads_only_manifest_and_config_until_files_are_needed(registry, client):
    artifact = correct_image("http").artifact()
    digest = registry.push("team/app", "v1", artifact)
    image = pull_image(registry.reference("team/app", "v1"), client, AMD64)
    assert image.digest == digest and image.config.entrypoint == ["/app/server"]
    assert len(blob_gets(registry)) == 1  # the config only
    spec = FunctionSpec.model_validate(spec_for("http"))
    assert check_image(image, spec, ["gcp-cloud-run"]) == []
    assert len(blob_gets(registry)) == 1 + len(image.layers)


def test_blobs_are_cached_by_digest(registry, client):
    registry.push("team/app", "v1", correct_image("http").artifact())
    pull_image(registry.reference("team/app", "v1"), client, AMD64).filesystem()
    first = len(blob_gets(registry))
    again = pull_image(registry.reference("team/app", "v1"), client, AMD64)
    again.filesystem()
    assert len(blob_gets(registry)) == first  # config and layers come from the cache
    assert again.filesystem().get("/app/server") is not None


def test_anonymous_pull_follows_the_bearer_challenge(registry, client):
    registry.push("team/app", "v1", correct_image("http").artifact())
    pull_image(registry.reference("team/app", "v1"), client, AMD64)
    first, token_call, retried = registry.calls[:3]
    assert first.path == "/v2/team/app/manifests/v1" and "authorization" not in first.headers
    assert token_call.path == "/token" and token_call.query["scope"] == "repository:team/app:pull"
    assert "authorization" not in token_call.headers  # anonymous
    assert retried.headers["authorization"].startswith("Bearer token-")
    assert sum(c.path == "/token" for c in registry.calls) == 1  # the token is reused


def test_multi_platform_index_gives_the_spec_platform(registry, client):
    amd, arm = correct_image("http", "x86_64").artifact(), correct_image("http", "arm64").artifact()
    attestation = ImageBuilder(architecture="unknown", os="unknown").artifact()  # buildx provenance
    index_digest = registry.push("team/app", "v1", index_of(amd, arm, attestation))
    image = pull_image(registry.reference("team/app", "v1"), client, ARM64)
    assert image.digest == index_digest and image.manifest_digest == arm.digest
    assert image.config.architecture == "arm64"
    assert [str(p) for p in image.platforms] == ["linux/amd64", "linux/arm64/v8"]


def test_an_index_without_the_platform_says_what_it_has(registry, client):
    registry.push("team/app", "v1", index_of(correct_image("http", "arm64").artifact()))
    with pytest.raises(PlatformNotFoundError, match="no linux/amd64 image.*it has: linux/arm64/v8"):
        pull_image(registry.reference("team/app", "v1"), client, AMD64)


def test_pin_follows_a_moved_tag(registry, client):
    first = registry.push("team/app", "main", correct_image("http").artifact())
    pinned = pin(registry.reference("team/app", "main"), client)
    assert pinned.digest == first
    assert pinned.pinned == f"{registry.host}/team/app@{first}"
    rebuilt = correct_image("http")
    rebuilt.file("/app/static/version.txt", "2\n")
    second = registry.push("team/app", "main", rebuilt.artifact())
    assert second != first
    assert pin(registry.reference("team/app", "main"), client).digest == second
    assert resolve_digest(registry.reference("team/app", "main"), client) == f"{registry.host}/team/app@{second}"
    heads = [c for c in registry.calls if c.method == "HEAD"]
    assert heads and not blob_gets(registry)  # resolving reads no blob


def test_pin_of_a_digest_reference_checks_it_exists(registry, client):
    digest = registry.push("team/app", "v1", correct_image("http").artifact())
    assert pin(f"{registry.host}/team/app@{digest}", client).digest == digest
    with pytest.raises(ImageError, match="not found"):
        pin(f"{registry.host}/team/app@sha256:{'0' * 64}", client)


def test_a_missing_tag_is_an_image_error(registry, client):
    with pytest.raises(ImageError, match="team/none: v9 not found"):
        pin(registry.reference("team/none", "v9"), client)


def test_private_repository_needs_credentials(registry, tmp_path):
    registry.users["ci"] = "s3cret"
    registry.repository("team/private", public=False)
    registry.push("team/private", "v1", correct_image("http").artifact())
    with pytest.raises(ImageError, match="refused access.*pass credentials"):
        pin(registry.reference("team/private", "v1"), RegistryClient(cache_dir=tmp_path))
    asked = []

    def credentials(host):
        asked.append(host)
        return ("ci", "s3cret")

    client = RegistryClient(credentials=credentials, cache_dir=tmp_path)
    assert pin(registry.reference("team/private", "v1"), client).digest.startswith("sha256:")
    assert asked == [registry.host]
    token_call = next(c for c in registry.calls if c.path == "/token" and "authorization" in c.headers)
    assert token_call.headers["authorization"].startswith("Basic ")


def test_basic_auth_registry_like_ecr(tmp_path):
    fake = FakeRegistry("123456789012.dkr.ecr.us-east-1.amazonaws.com", auth="basic", users={"AWS": "pw"})
    with fake.activate():
        digest = fake.push("app", "v1", correct_image("lambda-runtime-api").artifact())
        with pytest.raises(ImageError, match="needs credentials"):
            pin(fake.reference("app", "v1"), RegistryClient(cache_dir=tmp_path))
        client = RegistryClient(credentials=lambda host: ("AWS", "pw"), cache_dir=tmp_path)
        assert pin(fake.reference("app", "v1"), client).digest == digest
        image = pull_image(fake.reference("app", "v1"), client, AMD64)
        assert check_image(image, FunctionSpec.model_validate(spec_for("lambda-runtime-api")), ["aws-lambda"]) == []


def test_an_unreachable_registry_is_its_own_error(registry, client):
    registry.inject(drop=True)
    with pytest.raises(RegistryUnreachableError, match=f"cannot reach registry {registry.host}"):
        pin(registry.reference("team/app", "v1"), client)


def test_a_corrupted_blob_is_refused_and_not_cached(registry, client, tmp_path):
    artifact = correct_image("http").artifact()
    registry.push("team/app", "v1", artifact)
    repo = registry.repository("team/app")
    layer = json.loads(artifact.manifest)["layers"][-1]["digest"]
    repo.blobs[layer] = b"tampered"
    image = pull_image(registry.reference("team/app", "v1"), client, AMD64)  # manifest and config are fine
    with pytest.raises(ImageError, match=f"blob {layer} does not match its digest"):
        image.filesystem()
    assert not list((tmp_path / "cache").rglob(layer.split(":")[1]))


def test_tags_pushed_over_http_move(registry, client):
    """The fake's push API (blob upload, manifest PUT) as `docker push` / `crane` use it."""
    registry.users["ci"] = "pw"
    artifact = correct_image("http").artifact()
    session = requests.Session()
    token = session.get(f"https://{registry.host}/token", params={"scope": "repository:team/app:pull,push"},
                        auth=("ci", "pw")).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    for digest, data in artifact.blobs.items():
        start = session.post(f"https://{registry.host}/v2/team/app/blobs/uploads/", headers=headers)
        assert start.status_code == 202
        done = session.put(f"https://{registry.host}{start.headers['Location']}", params={"digest": digest},
                           data=data, headers=headers)
        assert done.status_code == 201
    put = session.put(f"https://{registry.host}/v2/team/app/manifests/latest", data=artifact.manifest,
                      headers={**headers, "Content-Type": artifact.media_type})
    assert put.status_code == 201 and put.headers["Docker-Content-Digest"] == artifact.digest
    assert pin(registry.reference("team/app"), client).digest == artifact.digest
    image = pull_image(registry.reference("team/app"), client, AMD64)
    assert image.filesystem().get("/app/server").is_elf


def test_anonymous_push_is_refused(registry):
    response = requests.post(f"https://{registry.host}/v2/team/app/blobs/uploads/")
    assert response.status_code == 401
    assert 'scope="repository:team/app:push"' in response.headers["WWW-Authenticate"]


def test_pin_tells_an_index_from_an_image(registry, client):
    registry.push("team/app", "multi", index_of(correct_image("http").artifact(),
                                                correct_image("http", "arm64").artifact()))
    registry.push("team/app", "single", correct_image("http").artifact())
    assert pin(registry.reference("team/app", "multi"), client).is_index
    assert not pin(registry.reference("team/app", "single"), client).is_index


def test_a_registry_without_the_digest_header_still_pins(tmp_path):
    fake = FakeRegistry(digest_header=False)
    with fake.activate():
        digest = fake.push("team/app", "main", correct_image("http").artifact())
        pinned = pin(fake.reference("team/app", "main"), RegistryClient(cache_dir=tmp_path))
        assert pinned.digest == digest  # computed from the manifest bytes
        assert [c.method for c in fake.calls if "/manifests/" in c.path][-1] == "GET"


def test_an_expired_token_is_renewed(registry, client):
    registry.push("team/app", "v1", correct_image("http").artifact())
    pin(registry.reference("team/app", "v1"), client)
    registry.expire_tokens()
    assert pin(registry.reference("team/app", "v1"), client).digest.startswith("sha256:")
    assert sum(c.path == "/token" for c in registry.calls) == 2


def test_docker_media_types_read_like_oci_ones(registry, client):
    amd = correct_image("http").artifact(docker=True)
    arm = correct_image("http", "arm64").artifact(docker=True)
    digest = registry.push("team/app", "v1", index_of(amd, arm, docker=True))
    pinned = pin(registry.reference("team/app", "v1"), client)
    assert pinned.digest == digest and pinned.is_index
    image = pull_image(registry.reference("team/app", "v1"), client, AMD64)
    assert image.manifest_digest == amd.digest
    assert check_image(image, FunctionSpec.model_validate(spec_for("http")), ["gcp-cloud-run"]) == []


def test_inspect_reference_checks_what_the_tag_names_now(registry, client):
    spec = FunctionSpec.model_validate(spec_for("lambda-runtime-api"))
    reference = registry.reference("team/fn", "main")
    registry.push("team/fn", "main", correct_image("lambda-runtime-api").artifact())
    assert inspect_reference(reference, client, spec, ["aws-lambda"]) == []
    broken = correct_image("lambda-runtime-api")
    broken.layer().file("/lambda-entrypoint.sh", "#!/bin/sh\r\nexec /var/runtime/bootstrap\r\n", 0o755)
    registry.push("team/fn", "main", broken.artifact())
    assert [f.rule for f in inspect_reference(reference, client, spec, ["aws-lambda"])] == ["image-shebang-crlf"]
    registry.push("team/fn", "main", index_of(correct_image("lambda-runtime-api", "arm64").artifact()))
    assert [f.rule for f in inspect_reference(reference, client, spec, ["aws-lambda"])] == [
        "image-lambda-index", "image-platform-missing"]
