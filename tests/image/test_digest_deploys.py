"""Image digests in plan and deploy (issue 12): a tag pushed again is an update, the same digest is unchanged.

On the in-process sandbox, whose image registries answer for every host a spec names (``Sandbox.registries``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from polycloud import deploy, export, load_spec, plan, registry
from polycloud.cli import main
from polycloud.errors import ProviderError
from polycloud.testing.fakes import matching
from polycloud.testing.sandbox import Sandbox

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "hello-api.yaml")
PROVIDERS = ["aws-lambda", "azure-functions", "gcp-cloud-run"]


def _written(provider: str) -> str:
    """The image the example names for ``provider`` (Azure and Cloud Run override it under providers:)."""
    return load_spec(EXAMPLE).image_for(registry.load(provider).section)


def _pinned(reference: str, digest: str) -> str:
    return f"{reference.rsplit(':', 1)[0]}@{digest}"


def _live_image(sandbox: Sandbox, provider: str) -> str:
    spec = load_spec(EXAMPLE)
    settings = {**registry.load(provider).settings_from(spec), **sandbox.settings(provider)}
    return export(spec.name, provider, settings=settings).spec.image


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_tag_pushed_again_is_an_update_and_the_same_digest_is_unchanged(
        polycloud_sandbox: Sandbox, provider: str) -> None:
    settings = polycloud_sandbox.settings(provider)
    written = _written(provider)
    registries = polycloud_sandbox.registries

    first = deploy(EXAMPLE, provider, settings=settings, pin_images=True)
    old = registries.digest(written)
    assert first.action == "created" and old is not None
    assert f"image {written} pinned to {old}: deploying {_pinned(written, old)}" in first.notes
    assert _live_image(polycloud_sandbox, provider) == _pinned(written, old)

    again = deploy(EXAMPLE, provider, settings=settings, pin_images=True)
    assert (again.action, again.changes) == ("unchanged", [])

    new = registries.push_build(written)  # CI pushes a new build under the same tag
    assert new != old
    planned = plan(EXAMPLE, provider, settings=settings, pin_images=True)
    assert planned.action == "updated"  # the plan sees it before anything is written
    moved = deploy(EXAMPLE, provider, settings=settings, pin_images=True)
    assert moved.action == "updated"
    image_changes = [c for c in moved.changes if old in str(c.old)]
    assert len(image_changes) == 1 and new in str(image_changes[0].new)
    assert _live_image(polycloud_sandbox, provider) == _pinned(written, new)

    settled = deploy(EXAMPLE, provider, settings=settings, pin_images=True)
    assert (settled.action, settled.changes) == ("unchanged", [])


def test_an_image_given_by_digest_is_deployed_as_written(polycloud_sandbox: Sandbox, tmp_path: Path) -> None:
    written = _written("gcp-cloud-run")
    digest = polycloud_sandbox.registries.push_build(written)
    spec = load_spec(EXAMPLE).model_dump(mode="json", exclude_none=True)
    spec["providers"]["gcp"]["image"] = _pinned(written, digest)
    result = deploy(spec, "gcp-cloud-run", settings=polycloud_sandbox.settings("gcp-cloud-run"), pin_images=True)
    assert result.action == "created" and not any("pinned to" in n for n in result.notes)
    assert _live_image(polycloud_sandbox, "gcp-cloud-run") == _pinned(written, digest)


def test_the_python_default_pins_only_with_a_registry_client_given(polycloud_sandbox: Sandbox) -> None:
    """``pin_images=None``: no registry is asked unless ``image_registry=`` names one (code on fake clients
    stays offline); with one, the digest is deployed."""
    from polycloud.image import RegistryClient

    provider = "gcp-cloud-run"
    settings = polycloud_sandbox.settings(provider)
    written = _written(provider)
    as_written = deploy(EXAMPLE, provider, settings=settings)
    assert as_written.action == "created" and _live_image(polycloud_sandbox, provider) == written
    assert polycloud_sandbox.registries.digest(written) is None  # never asked

    pinned = deploy(EXAMPLE, provider, settings=settings, image_registry=RegistryClient())
    digest = polycloud_sandbox.registries.digest(written)
    assert pinned.action == "updated" and digest is not None
    assert [(c.old, c.new) for c in pinned.changes if c.old == written] == [(written, _pinned(written, digest))]


def _drop_registry(sandbox: Sandbox, reference: str) -> Any:
    """Every request to the registry of ``reference`` loses its connection."""
    host = reference.split("/", 1)[0]
    fake = sandbox.registries.registry(host)
    fake.fail_when(matching("GET"), fault=_dropped(), count=100)
    fake.fail_when(matching("HEAD"), fault=_dropped(), count=100)
    return fake


def _dropped() -> Any:
    from polycloud.testing.fakes import Fault

    return Fault(drop=True)


def test_an_unreachable_registry_stops_the_deploy_unless_told_to_deploy_the_tag(polycloud_sandbox: Sandbox) -> None:
    provider = "aws-lambda"
    settings = polycloud_sandbox.settings(provider)
    written = _written(provider)
    _drop_registry(polycloud_sandbox, written)

    with pytest.raises(ProviderError) as stopped:
        deploy(EXAMPLE, provider, settings=settings, pin_images=True)
    message = str(stopped.value)
    assert stopped.value.code == "RegistryUnreachable"
    assert "123456789012.dkr.ecr.us-east-1.amazonaws.com" in message and "pin_images=False" in message
    assert "--no-pin" in message and "Nothing was deployed" in message
    assert polycloud_sandbox.adapter_for(provider).read("hello-api") is None

    result = deploy(EXAMPLE, provider, settings=settings, pin_images=False)
    assert result.action == "created"
    assert any("deployed as written, not pinned" in n for n in result.notes)
    assert _live_image(polycloud_sandbox, provider) == written


def test_the_cli_pins_by_default_and_says_how_to_go_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --sandbox, deploy asks the image's registry first: unreachable, it stops before any cloud call."""
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False):  # nothing answers: no network at all
        code = main(["deploy", EXAMPLE, "-p", "gcp", "--project", "acme", "--region", "europe-west1"])
    err = capsys.readouterr().err
    assert code == 3
    assert "cannot reach registry europe-docker.pkg.dev" in err and "--no-pin" in err


def test_the_cli_sandbox_deploy_pins_and_no_pin_keeps_the_tag(polycloud_sandbox: Sandbox,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-q", "deploy", EXAMPLE, "-p", "gcp", "--sandbox"]) == 0
    written = _written("gcp-cloud-run")
    assert f"pinned to {polycloud_sandbox.registries.digest(written)}" in capsys.readouterr().out
    assert main(["-q", "plan", EXAMPLE, "-p", "gcp", "--sandbox", "--no-pin"]) == 0
    out = capsys.readouterr().out
    assert "update" in out and f"-> '{written}'" in out


def test_the_lambda_fake_refuses_a_tag_with_a_digest_as_lambda_does(polycloud_sandbox: Sandbox) -> None:
    """So the digest deploys above would fail if the pinned reference kept its tag (``name:tag@sha256:...``)."""
    from botocore.exceptions import ClientError

    client = polycloud_sandbox.settings("aws-lambda")["client"]
    uri = f"{_written('aws-lambda')}@sha256:{'a' * 64}"
    with pytest.raises(ClientError) as refused:
        client.create_function(FunctionName="both", PackageType="Image", Code={"ImageUri": uri},
                               Role="arn:aws:iam::123456789012:role/any")
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert f"Source image {uri} is not valid" in refused.value.response["Error"]["Message"]


def test_a_lambda_image_index_is_pinned_with_a_warning(polycloud_sandbox: Sandbox) -> None:
    """buildx makes an index even for one platform when it attaches attestations; Lambda refuses indexes."""
    from polycloud.image import ImageReference
    from polycloud.testing.images import ImageBuilder, index_of

    written = _written("aws-lambda")
    reference = ImageReference.parse(written)
    index = index_of(ImageBuilder().artifact(), ImageBuilder("arm64").artifact())
    digest = polycloud_sandbox.registries.registry(reference.api_host).push(reference.repository, reference.tag,
                                                                           index)
    planned = plan(EXAMPLE, "aws-lambda", settings=polycloud_sandbox.settings("aws-lambda"), pin_images=True)
    assert f"image {written} pinned to {digest}: deploying {_pinned(written, digest)}" in planned.notes
    assert any("multi-platform index" in n and "--provenance=false" in n for n in planned.notes)
