"""Run by tests/aws/test_stock_endpoints.py in a fresh interpreter, so moto is stock (polycloud's
extension is never installed here): deploy, redeploy, a one-field update and export of each example given,
inside a user's own ``with mock_aws():``. Prints one JSON object per example."""

from __future__ import annotations

import json
import sys
from typing import Any


def rehearse(path: str) -> dict[str, Any]:
    """deploy, redeploy, update memory, export: what each step said."""
    from polycloud import deploy, export, load_spec
    from polycloud.retry import RetryPolicy

    settings: dict[str, Any] = {"retry": RetryPolicy.no_wait(), "waiter_delay": 0}
    spec = load_spec(path)
    first = deploy(spec, "aws", **settings)
    again = deploy(spec, "aws", **settings)
    bigger = deploy(spec.model_copy(update={"memory": spec.memory + 512}), "aws", **settings)
    imported = export(spec.name, "aws", region=(spec.providers.aws.region if spec.providers.aws else None),
                      **settings)
    return {"path": path, "actions": [first.action, again.action, bigger.action],
            "changes": [c.path for c in bigger.changes], "notes": first.notes + bigger.notes,
            "exported_memory": imported.spec.memory, "export_notes": imported.notes,
            "differs": sorted(k for k, v in imported.spec.model_dump().items() if spec.model_dump()[k] != v)}


def main(paths: list[str]) -> None:
    import boto3
    from moto import mock_aws

    with mock_aws(config={"lambda": {"use_docker": False}}):
        # the role a spec names must exist, as on AWS (stock moto checks it too)
        boto3.client("iam", region_name="us-east-1").create_role(
            RoleName="orders-worker", AssumeRolePolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                        "Principal": {"Service": "lambda.amazonaws.com"}}]}))
        for path in paths:
            print(json.dumps(rehearse(path)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
