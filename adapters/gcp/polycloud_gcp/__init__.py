"""polycloud's Google Cloud Run adapter (provider key ``gcp-cloud-run``, aliases ``gcp``, ``cloud-run``).

Deploys a FunctionSpec as a Cloud Run service through the Admin API v2
(``google.cloud.run_v2.ServicesClient``). Importing this package does not import any Google
library; the SDK is loaded on the first API call. See docs/gcp.md for the field mapping.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from polycloud_gcp.adapter import CloudRunAdapter

__all__ = ["CloudRunAdapter"]


def __getattr__(name: str) -> Any:
    # imported on first use, so that the registry can read ``polycloud_gcp.settings`` (to compose the
    # spec) without importing the adapter
    if name == "CloudRunAdapter":
        from polycloud_gcp.adapter import CloudRunAdapter

        return CloudRunAdapter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
