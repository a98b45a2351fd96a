"""Lambda's package type: polycloud deploys container images only, and Lambda cannot convert a function's
package type, so a Zip function of the same name is refused rather than updated or exported."""

from __future__ import annotations

from typing import Any

from polycloud.errors import RefusedError
from polycloud_aws.errors import PROVIDER

__all__ = ["refuse_zip"]


def refuse_zip(name: str, function: dict[str, Any]) -> None:
    """Refuse a function (GetFunction's ``Configuration``) whose package type is not ``Image``.

    Raises:
        RefusedError: code ``PackageTypeMismatch``.
    """
    package = function.get("PackageType") or ("Image" if function.get("ImageUri") else "Zip")
    if package == "Image":
        return
    runtime = f" (runtime {function['Runtime']})" if function.get("Runtime") else ""
    raise RefusedError(
        f"{name} is a {package} package Lambda function{runtime}, not a container image. polycloud deploys "
        "container images only and Lambda cannot convert a function's package type, so polycloud neither "
        f"updates it nor exports it ({package} package: not exportable as a container spec). Delete it, or give "
        "the spec another name.", provider=PROVIDER, operation="GetFunction", code="PackageTypeMismatch")
