"""ListFunctions in pages, as Lambda answers it (moto 5.x answers every function at once, with no marker).

Lambda returns at most 50 functions per call, even when ``MaxItems`` asks for more, and a ``NextMarker``
while more remain; the next call passes it as ``Marker``
(https://docs.aws.amazon.com/lambda/latest/api/API_ListFunctions.html). The marker here is the position of
the next function, which a client must treat as opaque, as it must treat Lambda's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["PAGE_LIMIT", "paged_list_functions"]

PAGE_LIMIT = 50
"""The most functions Lambda returns in one ListFunctions answer."""


def paged_list_functions(original: Callable[[Any], str]) -> Callable[[Any], Any]:
    """moto's ListFunctions handler, answering one page of at most ``MaxItems`` (50 at most) functions."""

    def list_functions(self: Any) -> Any:
        everything = json.loads(original(self)).get("Functions") or []
        try:
            start = int(self.querystring.get("Marker", ["0"])[0] or 0)
            size = min(int(self.querystring.get("MaxItems", [PAGE_LIMIT])[0] or PAGE_LIMIT), PAGE_LIMIT)
        except ValueError:
            return 400, {"x-amzn-errortype": "InvalidParameterValueException"}, json.dumps(
                {"Type": "User", "message": "Marker and MaxItems must be the values Lambda gave"})
        body: dict[str, Any] = {"Functions": everything[start:start + size]}
        if start + size < len(everything):
            body["NextMarker"] = str(start + size)
        return json.dumps(body)

    return list_functions
