"""The function's tags: bring Lambda's tags to what the spec says with the fewest calls."""

from __future__ import annotations

from polycloud.adapter import Journal
from polycloud_aws.calls import LambdaCalls

__all__ = ["sync_tags"]


def sync_tags(api: LambdaCalls, arn: str, desired: dict[str, str], live: dict[str, str], journal: Journal) -> None:
    """Remove the tags the spec no longer has (UntagResource), then set the new and changed ones (TagResource)."""
    stale = sorted(set(live) - set(desired))
    if stale:
        api.call("UntagResource", lambda: api.client.untag_resource(Resource=arn, TagKeys=stale))
    fresh = {k: v for k, v in desired.items() if live.get(k) != v}
    if fresh:
        api.call("TagResource", lambda: api.client.tag_resource(Resource=arn, Tags=fresh))
    journal.record("updated tags")
