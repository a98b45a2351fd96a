"""Reads of optional Lambda features on endpoints that may not implement them.

AWS Lambda implements every operation polycloud calls. AWS-compatible endpoints do not always: stock moto
(``mock_aws()`` or its server, without ``polycloud.testing.aws.extend_moto()``) answers
ListProvisionedConcurrencyConfigs and GetAccountSettings with 404 "Not yet implemented", and LocalStack
answers what it lacks with 501. A read of a feature the spec does not use must not break a deploy or an
export there: ``read_optional`` returns None and the caller reads the feature as absent, with a note. A
spec that does use the feature is refused before any write (``preflight``), naming the fix.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from polycloud_aws.calls import LambdaCalls
from polycloud_aws.errors import UnsupportedOperationError

__all__ = ["read_optional", "unsupported_note"]

T = TypeVar("T")
logger = logging.getLogger(__name__)


def read_optional(api: LambdaCalls, operation: str, fn: Callable[[], T]) -> T | None:
    """``api.call(operation, fn)``, or None when the endpoint does not implement ``operation``."""
    try:
        return api.call(operation, fn)
    except UnsupportedOperationError as exc:
        logger.info("%s", exc.message, extra={"operation": operation})
        return None


def unsupported_note(operation: str, consequence: str) -> str:
    """The note for a read the endpoint could not answer: what polycloud assumed, and the fix."""
    return (f"the endpoint does not implement {operation}, so {consequence} (AWS Lambda implements it; with moto, "
            "call polycloud.testing.aws.extend_moto() before mocking)")
