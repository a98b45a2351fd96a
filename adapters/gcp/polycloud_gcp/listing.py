"""``CloudRunAdapter.list``: the region's services, from ListServices.

``GET /v2/projects/{project}/locations/{region}/services`` answers a page of ``services`` and a
``nextPageToken`` while more remain (https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.services/list);
the SDK's pager follows the tokens, each page sent with ``retry=None`` (polycloud's policy retries the listing).
"""

from __future__ import annotations

from typing import Any

from polycloud.adapter import Listed
from polycloud.units import memory_from_quantity
from polycloud_gcp.translate import is_polycloud

__all__ = ["DEFAULT_MEMORY", "listed"]

DEFAULT_MEMORY = "512Mi"
"""A container's memory limit when the service sets none (https://cloud.google.com/run/docs/configuring/services/memory-limits)."""


def listed(service: dict[str, Any]) -> Listed:
    """One ListServices item (proto JSON) as a ``Listed`` row."""
    container = ((service.get("template") or {}).get("containers") or [{}])[0]
    quantity = ((container.get("resources") or {}).get("limits") or {}).get("memory") or DEFAULT_MEMORY
    try:
        memory: int | None = memory_from_quantity(str(quantity)).mib
    except ValueError:
        memory = None
    name = str(service.get("name") or "")
    return Listed(name=name.rsplit("/", 1)[-1], owned=is_polycloud(service.get("annotations")),
                  image=container.get("image"), memory=memory, url=service.get("uri"), resource_id=name or None)
