"""The execution roles polycloud creates when a spec names none (least privilege, made idempotently).

- ``polycloud-lambda-logs`` (functions outside a VPC): trusted by Lambda, with one inline policy allowing
  only ``logs:CreateLogGroup``, ``logs:CreateLogStream`` and ``logs:PutLogEvents``.
- ``polycloud-lambda-vpc`` (``network.egress: vpc``): the same inline policy plus the AWS managed policy
  AWSLambdaVPCAccessExecutionRole, which Lambda needs to create and delete the function's network
  interfaces (``ec2:CreateNetworkInterface``, ``ec2:DescribeNetworkInterfaces``, ``ec2:DescribeSubnets``,
  ``ec2:DeleteNetworkInterface``, ``ec2:AssignPrivateIpAddresses``, ``ec2:UnassignPrivateIpAddresses``;
  https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaVPCAccessExecutionRole.html).
  A separate role, so functions outside a VPC keep a logs-only role.

Every write is safe to repeat: the role is created when GetRole does not find it (a create whose answer
was lost reads it back), and the inline policy is put (and the managed policy attached) each time the role
is ensured, so a role left half-made by a failed deploy is completed by the next one.
"""

from __future__ import annotations

import json

from polycloud.adapter import Journal
from polycloud.errors import ConflictError, NotFoundError
from polycloud_aws.calls import LambdaCalls
from polycloud_aws.errors import answer_field
from polycloud_aws.translate import MANAGED_ROLES, MANAGED_VPC_ROLE

__all__ = ["LOGS_POLICY_NAME", "VPC_POLICY", "ensure_role"]

LOGS_POLICY_NAME = "cloudwatch-logs"
VPC_POLICY = "policy/service-role/AWSLambdaVPCAccessExecutionRole"
"""The AWS managed policy's ARN after ``arn:<partition>:iam::aws:``."""

_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}
_LOGS_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow",
                   "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                   "Resource": "arn:aws:logs:*:*:*"}],
}
_DESCRIPTIONS = {
    MANAGED_VPC_ROLE: "Execution role created by polycloud for functions in a VPC: CloudWatch Logs and "
                      "the function's network interfaces",
}


def ensure_role(api: LambdaCalls, marker: str, journal: Journal) -> str:
    """The ARN of the managed role ``marker`` stands for, creating or completing the role as needed."""
    name = MANAGED_ROLES[marker]
    iam = api.iam
    try:
        arn = _role_arn(api, name)
    except NotFoundError:
        try:
            role = api.call("CreateRole", lambda: iam.create_role(
                RoleName=name, AssumeRolePolicyDocument=json.dumps(_TRUST_POLICY),
                Description=_DESCRIPTIONS.get(marker, "Execution role created by polycloud: CloudWatch Logs only")))
            arn = str(answer_field(role, "CreateRole", "Role", "Arn"))
            journal.record(f"created role {name}")
        except ConflictError:  # created meanwhile, or our create's answer was lost
            arn = _role_arn(api, name)
    api.call("PutRolePolicy", lambda: iam.put_role_policy(
        RoleName=name, PolicyName=LOGS_POLICY_NAME, PolicyDocument=json.dumps(_LOGS_POLICY)))
    journal.record(f"set the CloudWatch Logs policy of role {name}")
    if marker == MANAGED_VPC_ROLE:
        partition = arn.split(":")[1] if arn.count(":") >= 5 else "aws"
        policy = f"arn:{partition}:iam::aws:{VPC_POLICY}"
        api.call("AttachRolePolicy", lambda: iam.attach_role_policy(RoleName=name, PolicyArn=policy))
        journal.record(f"attached AWSLambdaVPCAccessExecutionRole to role {name}")
    return arn


def _role_arn(api: LambdaCalls, name: str) -> str:
    role = api.call("GetRole", lambda: api.iam.get_role(RoleName=name))
    return str(answer_field(role, "GetRole", "Role", "Arn"))
