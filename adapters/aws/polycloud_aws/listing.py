"""``LambdaAdapter.list``: the region's functions, from ListFunctions page by page.

ListFunctions answers at most 50 functions per call and a ``NextMarker`` while more remain
(https://docs.aws.amazon.com/lambda/latest/api/API_ListFunctions.html), so every page is read, each call
under polycloud's retry policy. Its items carry no image URI and no URL: an image function is read as a
deploy reads it (``LambdaAdapter.read``: GetFunction, its alias and the URL on it); a Zip package
function is listed from its ListFunctions item alone (no image, no URL polycloud would know).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

from polycloud.adapter import Listed
from polycloud.config import ProviderConfig
from polycloud_aws.calls import LambdaCalls
from polycloud_aws.translate import OWNER_MARK

__all__ = ["PAGE_SIZE", "list_functions"]

PAGE_SIZE = 50
"""ListFunctions' largest page (``MaxItems``, 1-50)."""


def list_functions(api: LambdaCalls, read: Callable[[str], ProviderConfig[Any] | None]) -> list[Listed]:
    """Every function in the client's region, by name; ``read`` reads one image function in full."""
    found: list[Listed] = []
    for item in _pages(api):
        name = str(item["FunctionName"])
        if item.get("PackageType", "Zip") != "Image":
            found.append(Listed(name=name, owned=item.get("Description") == OWNER_MARK, image=None,
                                memory=item.get("MemorySize"), url=None, resource_id=item.get("FunctionArn")))
            continue
        live = read(name)
        if live is None:  # deleted since the listing
            continue
        found.append(Listed(name=name, owned=live.owned, image=live["code"].get("ImageUri"),
                            memory=live["function"].get("MemorySize"), url=live.url, resource_id=live.id))
    return sorted(found, key=lambda listed: listed.name)


def _pages(api: LambdaCalls) -> Iterator[dict[str, Any]]:
    marker: str | None = None
    while True:
        kwargs: dict[str, Any] = {"MaxItems": PAGE_SIZE, **({"Marker": marker} if marker else {})}
        page: dict[str, Any] = api.call("ListFunctions", functools.partial(api.client.list_functions, **kwargs))
        yield from page.get("Functions") or []
        marker = page.get("NextMarker")
        if not marker:
            return
