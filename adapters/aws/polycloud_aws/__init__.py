"""polycloud's AWS Lambda adapter (provider key ``aws-lambda``, alias ``aws``).

Importing this package does not import boto3; the SDK is loaded on the first API call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from polycloud_aws.adapter import LambdaAdapter

__all__ = ["LambdaAdapter"]


def __getattr__(name: str) -> Any:
    # imported on first use, so that the registry can read ``polycloud_aws.settings`` (to compose the
    # spec) without importing the adapter
    if name == "LambdaAdapter":
        from polycloud_aws.adapter import LambdaAdapter

        return LambdaAdapter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
