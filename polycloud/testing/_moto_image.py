"""moto Lambda taught which ``ImageUri`` forms the real service accepts.

Lambda takes ``repo:tag`` or ``repo@sha256:<digest>``, never both: ``repo:tag@sha256:...`` is refused with
``InvalidParameterValueException: Source image <uri> is not valid. Provide a valid source image.``
Sources: https://github.com/serverless/serverless/issues/8636,
https://github.com/pulumi/pulumi-docker-build/issues/571 (moto accepts any string).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["refusing_tag_and_digest"]


def _tag_and_digest(uri: str) -> bool:
    name, at, _ = uri.partition("@")
    return bool(at) and ":" in name.rsplit("/", 1)[-1]


def refusing_tag_and_digest(original: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap CreateFunction or UpdateFunctionCode: an ``ImageUri`` with a tag and a digest is a 400."""

    def handler(self: Any) -> Any:
        try:
            body = json.loads(self.body or "{}")
        except ValueError:
            return original(self)
        uri = body.get("ImageUri") or (body.get("Code") or {}).get("ImageUri")
        if isinstance(uri, str) and _tag_and_digest(uri):
            message = f"Source image {uri} is not valid. Provide a valid source image."
            return 400, {"x-amzn-errortype": "InvalidParameterValueException", "status": "400"}, json.dumps(
                {"Type": "User", "message": message})
        return original(self)

    return handler
