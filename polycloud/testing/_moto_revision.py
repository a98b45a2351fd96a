"""Lambda's optimistic concurrency, which moto (5.x) lacks: a function's ``RevisionId`` changes with every
update of its configuration or code, and a write that names an older one is refused.

- A function's configuration (GetFunction, GetFunctionConfiguration, every write's answer) has a ``RevisionId``
  (moto gives one to aliases only).
- ``UpdateFunctionConfiguration`` and ``UpdateFunctionCode`` give the function a new ``RevisionId`` and
  ``LastModified`` (moto keeps the LastModified of its creation for ever).
- ``UpdateFunctionConfiguration``, ``UpdateFunctionCode`` and ``PublishVersion`` with a ``RevisionId`` that is
  not the function's current one answer 412 ``PreconditionFailedException``: "The RevisionId provided does not
  match the latest RevisionId for the Lambda function or alias" (API reference of each action, and
  https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html#API_UpdateFunctionConfiguration_RequestSyntax:
  "RevisionId: Update the function only if the revision ID matches the ID that's specified. Use this option to
  avoid modifying a function that has changed since you last read it").
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from typing import Any

__all__ = ["checking_revision", "new_revision", "with_revision"]

Handler = Callable[..., Any]

_ATOMIC = threading.RLock()

STALE = "The RevisionId provided does not match the latest RevisionId for the Lambda function or alias. Call the " \
        "GetFunction or the GetAlias API operation to retrieve the latest RevisionId for your resource."


def _revision(function: Any) -> str:
    if not getattr(function, "polycloud_revision_id", None):
        function.polycloud_revision_id = str(uuid.uuid4())
    revision: str = function.polycloud_revision_id
    return revision


def with_revision(original: Handler) -> Handler:
    """Wrap ``LambdaFunction.get_configuration`` so it reports the function's RevisionId."""

    def get_configuration(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config: dict[str, Any] = original(self, *args, **kwargs)
        config["RevisionId"] = _revision(self)
        return config

    return get_configuration


def new_revision(original: Handler) -> Handler:
    """Wrap a ``LambdaFunction`` update so the function gets a new RevisionId and LastModified."""
    from moto.core.utils import iso_8601_datetime_with_nanoseconds

    def update(self: Any, changes: dict[str, Any]) -> dict[str, Any]:
        original(self, changes)
        self.polycloud_revision_id = str(uuid.uuid4())
        self.last_modified = iso_8601_datetime_with_nanoseconds()
        result: dict[str, Any] = self.get_configuration()
        return result

    update.__name__ = original.__name__
    return update


def checking_revision(original: Handler) -> Handler:
    """Wrap a ``LambdaResponse`` write so a stale ``RevisionId`` in its body is refused with 412."""
    from polycloud.testing._moto_lambda import _error, _function

    def handler(self: Any) -> Any:
        with _ATOMIC:  # the check and the write are one step, as on Lambda, even with requests from threads
            return checked(self)

    def checked(self: Any) -> Any:
        wanted = json.loads(self.body or "{}").get("RevisionId") if self.body else None
        if wanted:
            path = self.path.split("?")[0].rstrip("/")
            # UpdateFunctionConfiguration/UpdateFunctionCode end .../functions/NAME/{configuration,code};
            # PublishVersion ends .../functions/NAME/versions: the function name is second to last.
            function, problem = _function(self) if path.rsplit("/", 1)[-1] in (
                "configuration", "code", "versions") else (None, None)
            if problem:
                return problem
            if function is not None and wanted != _revision(function):
                return _error(412, "PreconditionFailedException", STALE)
        return original(self)

    handler.__name__ = original.__name__
    return handler
