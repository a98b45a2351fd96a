"""The issue's typical worker on each cloud, and the migration flags that carry it to each cloud.

Secrets, min 2 / max 10 instances, 8 requests per instance, arm64 on AWS, VPC egress, internal ingress, IAM auth,
a dozen environment variables and tags.
"""

from __future__ import annotations

from typing import Any

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
ARTIFACT_REGISTRY = "europe-docker.pkg.dev/acme/apps"
ACR = "acme.azurecr.io"
REGISTRY = {"aws": ECR, "gcp": ARTIFACT_REGISTRY, "azure": ACR}
SECRET = {"aws": "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-db-AbCdEf",
          "gcp": "projects/acme/secrets/orders-db/versions/latest",
          "azure": "https://acme-vault.vault.azure.net/secrets/orders-db"}
AZURE_SUBNET = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net/providers/"
                "Microsoft.Network/virtualNetworks/vnet/subnets/functions")
TARGET_SETTINGS = {
    "aws": {"region": "us-east-1", "subnet_ids": "subnet-0a,subnet-0b", "security_group_ids": "sg-01"},
    "gcp": {"project": "acme", "region": "europe-west1", "network": "default", "subnetwork": "default"},
    "azure": {"resource_group": "rg-orders", "location": "westeurope", "subnet_id": AZURE_SUBNET,
              "registry_managed_identity": "true"},
}
"""``--target-setting`` values that place the worker on each cloud (lists comma-separated)."""


def worker(cloud: str, name: str) -> dict[str, Any]:
    """The worker spec document as deployed on ``cloud``."""
    settings: dict[str, Any] = dict(TARGET_SETTINGS[cloud])
    if cloud == "aws":
        settings["subnet_ids"] = settings["subnet_ids"].split(",")
        settings["security_group_ids"] = [settings["security_group_ids"]]
    if cloud == "azure":
        settings["registry_managed_identity"] = True
    return {
        "name": name,
        "image": f"{REGISTRY[cloud]}/orders-worker:2.3.1",
        "memory": "1GiB",
        "timeout": "3m",
        "architecture": "arm64" if cloud == "aws" else "x86_64",
        "concurrency": {"min_instances": 2, "max_instances": 10, "per_instance": 8},
        "network": {"ingress": "internal", "auth": "iam", "egress": "vpc"},
        "environment": {f"ORDERS_SETTING_{i}": f"value-{i}" for i in range(12)},
        "secrets": {"DB_PASSWORD": {cloud: SECRET[cloud]}},
        "tags": {f"label{i}": f"orders-{i}" for i in range(12)},
        "providers": {cloud: settings},
    }


def migration_flags(source: str, target: str) -> list[str]:
    """The ``polycloud migrate`` flags that carry the worker from ``source`` to ``target``."""
    flags = ["--secret", f"DB_PASSWORD={SECRET[target]}", "--image-map", f"{REGISTRY[source]}={REGISTRY[target]}",
             "--fit"]
    for key, value in TARGET_SETTINGS[target].items():
        flags += ["--target-setting", f"{key}={value}"]
    return flags


def source_flags(source: str) -> list[str]:
    """The flags that find the worker on ``source`` (where a name alone does not)."""
    return {"aws": ["--region", "us-east-1"], "gcp": ["--project", "acme", "--region", "europe-west1"],
            "azure": ["--resource-group", "rg-orders"]}[source]
