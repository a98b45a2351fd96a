"""A signature policy at deploy (issue 12): an unsigned or wrongly signed image is refused before any cloud
call; a correctly signed one deploys.

On the in-process sandbox, whose image registries answer for every host a spec names (``Sandbox.registries``);
signatures are made with generated keys and pushed as cosign does (``sha256-<hex>.sig`` in the same repository).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from polycloud import deploy, export, load_spec, plan, registry
from polycloud.cli import main
from polycloud.errors import ConfigurationError, SpecError
from polycloud.image import ImageReference, SignaturePolicy
from polycloud.image.signature import signature_tag
from polycloud.testing.images import cosign_signature, generate_cosign_key
from polycloud.testing.sandbox import Sandbox

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "hello-api.yaml")
PROVIDERS = ["aws-lambda", "azure-functions", "gcp-cloud-run"]


@pytest.fixture(scope="module")
def keys() -> tuple[tuple[Any, bytes], tuple[Any, bytes]]:
    """The team's key pair and another one."""
    return generate_cosign_key(), generate_cosign_key()


def _written(provider: str) -> str:
    return load_spec(EXAMPLE).image_for(registry.load(provider).section)


def _image_line(key: str) -> int:
    """The 1-based line of ``key:`` (first occurrence, indentation ignored) in the example spec."""
    lines = Path(EXAMPLE).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.strip().startswith(f"{key}:"))


def _sign(sandbox: Sandbox, reference: str, private_key: Any) -> str:
    """Push a build under ``reference``'s tag and a cosign signature of its digest by ``private_key``."""
    digest = sandbox.registries.push_build(reference)
    parsed = ImageReference.parse(reference)
    sandbox.registries.registry(parsed.api_host).push(parsed.repository, signature_tag(digest),
                                                      cosign_signature(private_key, digest, parsed.repository))
    return digest


def _settings(sandbox: Sandbox, provider: str) -> dict[str, Any]:
    """The example's settings for ``provider`` on the sandbox's fake."""
    return {**registry.load(provider).settings_from(load_spec(EXAMPLE)), **sandbox.settings(provider)}


def _nothing_deployed(sandbox: Sandbox, provider: str) -> bool:
    return sandbox.adapter_for(provider, **_settings(sandbox, provider)).read(load_spec(EXAMPLE).name) is None


def test_an_unsigned_image_is_refused_and_nothing_is_deployed(polycloud_sandbox: Sandbox, keys: Any) -> None:
    (_, pem), _ = keys
    provider = "aws-lambda"
    settings = polycloud_sandbox.settings(provider)
    digest = polycloud_sandbox.registries.push_build(_written(provider))
    policy = SignaturePolicy(pem, "cosign.pub")

    for call in (plan, deploy):
        with pytest.raises(SpecError) as refused:
            call(EXAMPLE, provider, settings=settings, signature=policy)
        [finding] = refused.value.report.errors
        assert finding.rule == "image-signature" and finding.path == "image"
        assert (finding.file, finding.line) == (EXAMPLE, _image_line("image"))
        assert f"no {signature_tag(digest)} manifest" in finding.message
        assert f"cosign sign --key cosign.key {_written(provider).rsplit(':', 1)[0]}@{digest}" in (finding.hint or "")
    assert _nothing_deployed(polycloud_sandbox, provider)


def test_a_signature_by_another_key_is_refused(polycloud_sandbox: Sandbox, keys: Any) -> None:
    (_, pem), (other_private, _) = keys
    provider = "gcp-cloud-run"
    _sign(polycloud_sandbox, _written(provider), other_private)
    with pytest.raises(SpecError) as refused:
        deploy(EXAMPLE, provider, settings=polycloud_sandbox.settings(provider), signature=SignaturePolicy(pem))
    [finding] = refused.value.report.errors
    assert finding.rule == "image-signature" and "does not verify with the policy key" in finding.message
    assert finding.path == "providers.gcp.image"  # the image Cloud Run deploys is the override's
    assert _nothing_deployed(polycloud_sandbox, provider)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_correctly_signed_image_deploys_pinned(polycloud_sandbox: Sandbox, keys: Any, provider: str) -> None:
    (private, pem), _ = keys
    written = _written(provider)
    digest = _sign(polycloud_sandbox, written, private)
    settings = polycloud_sandbox.settings(provider)
    result = deploy(EXAMPLE, provider, settings=settings, signature=SignaturePolicy(pem, "cosign.pub"))
    pinned = f"{written.rsplit(':', 1)[0]}@{digest}"
    assert result.action == "created"
    assert f"image {pinned}: cosign signature verified with cosign.pub" in result.notes
    live = export(load_spec(EXAMPLE).name, provider, settings=_settings(polycloud_sandbox, provider))
    assert live.spec.image == pinned


def test_a_new_unsigned_push_under_a_signed_tag_is_refused(polycloud_sandbox: Sandbox, keys: Any) -> None:
    """The signature belongs to a digest: moving the tag to a new build needs a new signature."""
    (private, pem), _ = keys
    provider = "azure-functions"
    settings = polycloud_sandbox.settings(provider)
    _sign(polycloud_sandbox, _written(provider), private)
    assert deploy(EXAMPLE, provider, settings=settings, signature=SignaturePolicy(pem)).action == "created"
    polycloud_sandbox.registries.push_build(_written(provider))
    with pytest.raises(SpecError, match="image-signature"):
        deploy(EXAMPLE, provider, settings=settings, signature=SignaturePolicy(pem))


def test_an_image_given_by_digest_is_verified_too(polycloud_sandbox: Sandbox, keys: Any) -> None:
    (private, pem), _ = keys
    written = _written("gcp-cloud-run")
    digest = polycloud_sandbox.registries.push_build(written)
    spec = load_spec(EXAMPLE).model_dump(mode="json", exclude_none=True)
    spec["providers"]["gcp"]["image"] = f"{written.rsplit(':', 1)[0]}@{digest}"
    settings = polycloud_sandbox.settings("gcp-cloud-run")
    with pytest.raises(SpecError, match="no cosign signature"):
        deploy(spec, "gcp-cloud-run", settings=settings, signature=SignaturePolicy(pem))
    parsed = ImageReference.parse(written)
    polycloud_sandbox.registries.registry(parsed.api_host).push(
        parsed.repository, signature_tag(digest), cosign_signature(private, digest, parsed.repository))
    assert deploy(spec, "gcp-cloud-run", settings=settings, signature=SignaturePolicy(pem)).action == "created"


def test_a_policy_cannot_go_with_deploying_the_tag_as_written(polycloud_sandbox: Sandbox, keys: Any) -> None:
    (_, pem), _ = keys
    with pytest.raises(ConfigurationError, match="pin_images=False"):
        deploy(EXAMPLE, "gcp-cloud-run", settings=polycloud_sandbox.settings("gcp-cloud-run"), pin_images=False,
               signature=SignaturePolicy(pem))
    assert _nothing_deployed(polycloud_sandbox, "gcp-cloud-run")


def test_the_cli_cosign_key_refuses_then_deploys_once_signed(polycloud_sandbox: Sandbox, keys: Any, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    (private, pem), (other_private, _) = keys
    public = tmp_path / "cosign.pub"
    public.write_bytes(pem)
    written = _written("gcp-cloud-run")
    command = ["deploy", EXAMPLE, "-p", "gcp", "--sandbox", "--cosign-key", str(public), "-f", "json"]

    _sign(polycloud_sandbox, written, other_private)
    assert main(command) == 1
    out = json.loads(capsys.readouterr().out)
    assert [f["rule"] for f in out["findings"]] == ["image-signature"]
    assert _nothing_deployed(polycloud_sandbox, "gcp-cloud-run")

    digest = _sign(polycloud_sandbox, written, private)
    assert main(command) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["action"] == "created"
    assert f"cosign signature verified with {public}" in " ".join(result["notes"])
    assert digest in " ".join(result["notes"])

    assert main(["deploy", EXAMPLE, "-p", "gcp", "--sandbox", "--cosign-key", str(public), "--no-pin"]) == 2
    assert "cannot go with --no-pin" in capsys.readouterr().err


def test_a_fleet_deploy_checks_each_image_under_the_policy(polycloud_sandbox: Sandbox, keys: Any) -> None:
    from polycloud.fleet import deploy_all

    (private, pem), _ = keys
    provider = "gcp-cloud-run"
    settings = polycloud_sandbox.settings(provider)
    polycloud_sandbox.registries.push_build(_written(provider))
    [refused] = deploy_all([EXAMPLE], provider, settings=settings, signature=SignaturePolicy(pem))
    assert isinstance(refused.error, SpecError) and "image-signature" in str(refused.error)
    assert _nothing_deployed(polycloud_sandbox, provider)
    _sign(polycloud_sandbox, _written(provider), private)
    [deployed] = deploy_all([EXAMPLE], provider, settings=settings, signature=SignaturePolicy(pem))
    assert deployed.result is not None and deployed.result.action == "created"
