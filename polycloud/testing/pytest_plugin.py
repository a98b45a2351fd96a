"""polycloud's offline fakes as pytest fixtures (registered through the ``pytest11`` entry point).

Installed with polycloud, so any project's tests can ask for:

- ``polycloud_sandbox``: the all-clouds sandbox (``polycloud.testing.sandbox.Sandbox``), empty at the
  start of the test and reset after it: ``polycloud_sandbox.settings("gcp")``, ``.adapter_for("aws")``,
  ``.fake("azure")``;
- ``moto_aws``: moto's Lambda and IAM, extended (``polycloud.testing.aws.MotoLambda``), with fault
  injectors and ``.settings()`` for ``deploy``;
- ``fake_arm``: an active ``FakeArmWeb`` (Azure Resource Manager, ``Microsoft.Web``);
- ``fake_cloud_run``: an active ``FakeCloudRun`` (Cloud Run Admin API v2).

Fakes that answer HTTP (``fake_arm``, ``fake_cloud_run``, ``polycloud_sandbox``) each hold their own
``responses`` mock, so use one of them per test. Loading this plugin imports no cloud SDK, moto or
responses: each fixture imports what it needs when a test asks for it, so a project without the
``polycloud-sdk[sandbox]`` extra runs its other tests as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from polycloud.testing.aws import MotoLambda
    from polycloud.testing.azure import FakeArmWeb
    from polycloud.testing.gcp import FakeCloudRun
    from polycloud.testing.sandbox import Sandbox

__all__ = ["fake_arm", "fake_cloud_run", "moto_aws", "polycloud_sandbox"]


@pytest.fixture
def polycloud_sandbox() -> Iterator[Sandbox]:
    """The offline sandbox of all three clouds, in this process (never a running ``polycloud sandbox start``
    server, whose state other commands share), reset after the test."""
    from polycloud.testing.sandbox import open_sandbox, reset

    reset()  # whatever an earlier user of the process-wide sandbox left behind
    try:
        yield open_sandbox(server=False)
    finally:
        reset()


@pytest.fixture
def moto_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoLambda]:
    """moto's Lambda and IAM in-process (us-east-1), with fake credentials for the test."""
    from polycloud.testing.aws import moto_lambda

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with moto_lambda() as moto:
        yield moto


@pytest.fixture
def fake_arm() -> Iterator[FakeArmWeb]:
    """An active ARM fake: each create takes one ``InProgress`` poll before it succeeds."""
    from polycloud.testing.azure import FakeArmWeb

    arm = FakeArmWeb(lro_polls=1)
    with arm.activate():
        yield arm


@pytest.fixture
def fake_cloud_run() -> Iterator[FakeCloudRun]:
    """An active Cloud Run fake: each operation answers ``done: false`` once before it is done."""
    from polycloud.testing.gcp import FakeCloudRun

    run = FakeCloudRun(lro_polls=1)
    with run.activate():
        yield run
