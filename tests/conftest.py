"""Shared fixtures: no cloud credentials or endpoints leak in from the environment."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _clean_cloud_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith(("AWS_", "AZURE_", "GOOGLE_", "CLOUDSDK_", "MOTO_")):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("NO_GCE_CHECK", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def fresh_sandbox() -> Iterator[None]:
    """polycloud's in-process sandbox, empty before the test and stopped after it."""
    from polycloud.testing import sandbox

    sandbox.reset()
    yield
    sandbox.reset()
