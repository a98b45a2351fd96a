"""moto (5.x) taught IAM's eventual consistency towards Lambda: a new role is not usable at once.

After CreateRole, Lambda's CreateFunction and UpdateFunctionConfiguration refuse the role until IAM has
propagated it, "often tens of seconds and sometimes over a minute": terraform's AWS provider retries these
answers for 15 minutes (``retryFunctionOp`` in internal/service/lambda/function.go, ``lambdaPropagationTimeout``
in internal/service/lambda/consts.go, https://github.com/hashicorp/terraform-provider-aws; failures
reported after 5.5 minutes in https://github.com/hashicorp/terraform-provider-aws/issues/44517). The answer
is ``InvalidParameterValueException`` "The role defined for the function cannot be assumed by Lambda."
(https://github.com/hashicorp/terraform-provider-aws/issues/14285), or, for a function in a VPC, "The
provided execution role does not have permissions to call CreateNetworkInterface on EC2" (the permissions
come from the role's policies, which propagate the same way).

How long a role stays unusable is ``MotoBehaviour.role_propagation_calls`` (that many refused calls) and
``role_propagation_seconds`` (refused until that long after CreateRole); both 0 by default, so moto stays
instant unless a test asks.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from polycloud.testing._moto_behaviour import BEHAVIOUR

__all__ = ["NOT_ASSUMABLE", "NO_ENI_PERMISSION", "recording_creation", "refusing_new_roles"]

Handler = Callable[..., Any]
NOT_ASSUMABLE = "The role defined for the function cannot be assumed by Lambda."
NO_ENI_PERMISSION = "The provided execution role does not have permissions to call CreateNetworkInterface on EC2"


def recording_creation(original: Handler) -> Handler:
    """IAMBackend.create_role, remembering when the role was made."""
    def create_role(self: Any, *args: Any, **kwargs: Any) -> Any:
        role = original(self, *args, **kwargs)
        role.polycloud_created_at = time.monotonic()
        role.polycloud_refused = 0
        return role

    return create_role


def _role(response: Any, arn: object) -> Any:
    from moto.iam.models import iam_backends

    if not isinstance(arn, str) or ":role/" not in arn:
        return None
    try:
        return iam_backends[response.current_account]["aws"].get_role_by_arn(arn)
    except Exception:
        return None


def refusing_new_roles(original: Handler) -> Handler:
    """A Lambda handler (CreateFunction, UpdateFunctionConfiguration) that refuses a role IAM has not
    propagated yet."""
    def handler(self: Any) -> Any:
        from polycloud.testing._moto_lambda import _error

        body = json.loads(self.body or "{}")
        role = _role(self, body.get("Role"))
        created = getattr(role, "polycloud_created_at", None)
        if created is not None:
            young = time.monotonic() - created < BEHAVIOUR.role_propagation_seconds
            if young or role.polycloud_refused < BEHAVIOUR.role_propagation_calls:
                role.polycloud_refused += 1
                in_vpc = bool((body.get("VpcConfig") or {}).get("SubnetIds"))
                return _error(400, "InvalidParameterValueException", NO_ENI_PERMISSION if in_vpc else NOT_ASSUMABLE)
        return original(self)

    return handler
