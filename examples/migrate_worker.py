"""Migrate a worker from Cloud Run to AWS Lambda with polycloud's public API, on the offline sandbox.

Run it: ``python examples/migrate_worker.py`` (needs ``pip install 'polycloud-sdk[sandbox,aws,gcp]'``). Against real
clouds, drop the sandbox settings and give your credentials' region and project instead.

1. deploy the worker to Cloud Run (the "existing" function);
2. ask for the portability report of a dry run: nothing is written, every field has a row;
3. migrate it for real, mapping its secret, moving its image to ECR and fitting it to Lambda;
4. print the report and the to-do list, and check the function on Lambda against every exact row.
"""

from __future__ import annotations

import sys
from typing import Any

from polycloud import FunctionSpec, deploy, export, migrate
from polycloud.testing.sandbox import open_sandbox

GCP = {"project": "acme", "region": "europe-west1"}
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"

WORKER = FunctionSpec.model_validate({
    "name": "orders-worker",
    "image": "europe-docker.pkg.dev/acme/apps/orders-worker:2.3.1",
    "memory": "1GiB",
    "timeout": "3m",
    "concurrency": {"min_instances": 2, "max_instances": 10, "per_instance": 8},
    "network": {"ingress": "internal", "auth": "iam", "egress": "vpc"},
    "environment": {"QUEUE": "orders", "LOG_LEVEL": "info"},
    "secrets": {"DB_PASSWORD": {"gcp": "projects/acme/secrets/orders-db/versions/latest"}},
    "tags": {"team": "orders", "env": "prod"},
    "providers": {"gcp": {**GCP, "network": "default"}},
})


def value_at(document: dict[str, Any], path: str) -> Any:
    """The value at a report row's dotted path (``concurrency.max_instances``) in a spec document."""
    value: Any = document
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def main() -> int:
    sandbox = open_sandbox()
    on_gcp, on_aws = {**sandbox.settings("gcp"), **GCP}, sandbox.settings("aws")
    deploy(WORKER, "gcp", settings=on_gcp)

    mapping: dict[str, Any] = {
        "source_settings": on_gcp,
        "target_settings": on_aws,
        "providers": {"region": "us-east-1", "subnet_ids": ["subnet-0a", "subnet-0b"],
                      "security_group_ids": ["sg-01"]},
        "secrets": {"DB_PASSWORD": "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-db-AbCdEf"},
        "image_map": {"europe-docker.pkg.dev/acme/apps": ECR},
        "fit": True,
    }
    rehearsal = migrate("orders-worker", "gcp", "aws", dry_run=True, **mapping)
    print(f"dry run: {rehearsal.deployment.action}, {len(rehearsal.report.rows)} rows")

    result = migrate("orders-worker", "gcp", "aws", **mapping)
    print(result.report.render("text"), end="")

    on_lambda = export("orders-worker", "aws", settings={**on_aws, "region": "us-east-1"}).spec.model_dump(mode="json")
    mismatched = [row.field for row in result.report.rows if row.status.value == "exact"
                  and not row.field.startswith("providers.") and value_at(on_lambda, row.field) != row.source]
    print("exact rows that differ on Lambda:", ", ".join(mismatched) or "none")
    return 1 if mismatched else 0


if __name__ == "__main__":
    sys.exit(main())
