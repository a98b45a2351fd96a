"""Deploy, redeploy, a one-field update and export of an example on whatever AWS endpoint boto3's standard
chain reaches (``rehearse``). Run as a script by tests/aws/test_stock_endpoints.py in a fresh interpreter,
so moto is stock (polycloud's extension is never installed there), inside a user's own ``with mock_aws():``;
it prints one JSON object per example."""

from __future__ import annotations

import functools
import json
import sys
from typing import Any

LAMBDA_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]})


@functools.cache
def _clients(region: str) -> dict[str, Any]:
    """One Lambda and one IAM client per region for every deploy (making clients is most of the time)."""
    import boto3

    return {"client": boto3.client("lambda", region_name=region), "iam_client": boto3.client("iam", region_name=region)}


def rehearse(path: str) -> dict[str, Any]:
    """deploy, redeploy, update memory, export: what each step said."""
    from polycloud import deploy, export, load_spec
    from polycloud.retry import RetryPolicy

    spec = load_spec(path)
    region = spec.providers.aws.region if spec.providers.aws and spec.providers.aws.region else "us-east-1"
    settings: dict[str, Any] = {"retry": RetryPolicy.no_wait(), "waiter_delay": 0, **_clients(region)}
    first = deploy(spec, "aws", settings=settings)
    again = deploy(spec, "aws", settings=settings)
    bigger = deploy(spec.model_copy(update={"memory": spec.memory + 512}), "aws", settings=settings)
    imported = export(spec.name, "aws", settings={"region": region, **settings})
    return {"path": path, "actions": [first.action, again.action, bigger.action],
            "changes": [c.path for c in bigger.changes], "notes": first.notes + bigger.notes,
            "exported_memory": imported.spec.memory, "export_notes": imported.notes,
            "differs": sorted(k for k, v in imported.spec.model_dump().items() if spec.model_dump()[k] != v)}


def make_role(name: str) -> None:
    """The role a spec names must exist, as on AWS (stock moto checks it too)."""
    _clients("us-east-1")["iam_client"].create_role(RoleName=name, AssumeRolePolicyDocument=LAMBDA_TRUST)


def main(paths: list[str]) -> None:
    from moto import mock_aws

    with mock_aws(config={"lambda": {"use_docker": False}}):
        make_role("orders-worker")
        for path in paths:
            print(json.dumps(rehearse(path)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
