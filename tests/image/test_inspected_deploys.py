"""Image inspection at plan/deploy time (issue 12): with ``inspect_image=True`` (CLI ``--inspect-image``) the
pinned image is read from its registry and an image rule's error refuses the deploy before any cloud call.

On the in-process sandbox, whose image registries answer for every host a spec names; the images pushed are
the catalog's correct and broken ones (``polycloud.testing.image_catalog``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from polycloud import deploy, export, load_spec, plan, registry
from polycloud.cli import main
from polycloud.errors import ConfigurationError, SpecError
from polycloud.image import ImageReference
from polycloud.testing.image_catalog import correct_image
from polycloud.testing.images import ImageBuilder
from polycloud.testing.sandbox import Sandbox

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "hello-api.yaml")  # http, x86_64, port 8080
PROVIDER = "gcp-cloud-run"


def _written() -> str:
    """The image the example deploys on Cloud Run (its ``providers.gcp.image`` override)."""
    return load_spec(EXAMPLE).image_for(registry.load(PROVIDER).section)


def _push(sandbox: Sandbox, builder: ImageBuilder) -> str:
    """Push ``builder``'s image under the example's Cloud Run tag; returns its digest."""
    parsed = ImageReference.parse(_written())
    return sandbox.registries.registry(parsed.api_host).push(parsed.repository, parsed.lookup, builder.artifact())


def _line_of(text: str) -> int:
    lines = Path(EXAMPLE).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def _nothing_deployed(sandbox: Sandbox) -> bool:
    settings = {**registry.load(PROVIDER).settings_from(load_spec(EXAMPLE)), **sandbox.settings(PROVIDER)}
    return sandbox.adapter_for(PROVIDER, **settings).read(load_spec(EXAMPLE).name) is None


def test_a_correct_image_is_inspected_and_deploys_pinned(polycloud_sandbox: Sandbox) -> None:
    digest = _push(polycloud_sandbox, correct_image("http", "x86_64"))
    result = deploy(EXAMPLE, PROVIDER, settings=polycloud_sandbox.settings(PROVIDER), inspect_image=True)
    pinned = f"{_written().rsplit(':', 1)[0]}@{digest}"
    assert result.action == "created"
    assert f"image {pinned} inspected: no image rule found an error" in result.notes
    settings = {**registry.load(PROVIDER).settings_from(load_spec(EXAMPLE)), **polycloud_sandbox.settings(PROVIDER)}
    assert export(load_spec(EXAMPLE).name, PROVIDER, settings=settings).spec.image == pinned


def test_an_image_for_another_architecture_is_refused_and_nothing_is_deployed(polycloud_sandbox: Sandbox) -> None:
    settings = polycloud_sandbox.settings(PROVIDER)
    _push(polycloud_sandbox, correct_image("http", "arm64"))
    for call in (plan, deploy):
        with pytest.raises(SpecError) as refused:
            call(EXAMPLE, PROVIDER, settings=settings, inspect_image=True)
        [finding] = refused.value.report.errors
        assert finding.rule == "image-platform" and "linux/arm64" in finding.message
        assert finding.path == "providers.gcp.image"  # the image Cloud Run deploys is the override's
        assert (finding.file, finding.line) == (EXAMPLE, _line_of("europe-docker.pkg.dev"))
    assert _nothing_deployed(polycloud_sandbox)
    # the inspection is opt-in: without it the same image deploys
    assert deploy(EXAMPLE, PROVIDER, settings=settings, pin_images=True).action == "created"


def test_a_broken_entrypoint_is_refused_by_its_rule(polycloud_sandbox: Sandbox) -> None:
    builder = correct_image("http", "x86_64")
    builder.entrypoint = ["/app/missing"]
    _push(polycloud_sandbox, builder)
    with pytest.raises(SpecError) as refused:
        deploy(EXAMPLE, PROVIDER, settings=polycloud_sandbox.settings(PROVIDER), inspect_image=True)
    assert [f.rule for f in refused.value.report.errors] == ["image-entrypoint-missing"]
    assert _nothing_deployed(polycloud_sandbox)


def test_inspection_cannot_go_with_deploying_the_tag_as_written(polycloud_sandbox: Sandbox) -> None:
    with pytest.raises(ConfigurationError, match="pin_images=False"):
        deploy(EXAMPLE, PROVIDER, settings=polycloud_sandbox.settings(PROVIDER), pin_images=False,
               inspect_image=True)
    assert _nothing_deployed(polycloud_sandbox)


def test_the_cli_inspect_image_refuses_then_deploys_a_fixed_image(polycloud_sandbox: Sandbox,
                                                                  capsys: pytest.CaptureFixture[Any]) -> None:
    command = ["deploy", EXAMPLE, "-p", "gcp", "--sandbox", "--inspect-image", "-f", "json"]
    _push(polycloud_sandbox, correct_image("http", "arm64"))
    assert main(command) == 1
    out = json.loads(capsys.readouterr().out)
    assert [f["rule"] for f in out["findings"]] == ["image-platform"]
    assert _nothing_deployed(polycloud_sandbox)

    digest = _push(polycloud_sandbox, correct_image("http", "x86_64"))
    assert main(command) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["action"] == "created"
    assert f"@{digest} inspected" in " ".join(result["notes"])

    assert main(["deploy", EXAMPLE, "-p", "gcp", "--sandbox", "--inspect-image", "--no-pin"]) == 2
    assert "cannot go with --no-pin" in capsys.readouterr().err
