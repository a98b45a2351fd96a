"""The issue's typical worker on each shipped cloud, and the mappings that carry it to each other one: the data
behind docs/migration.md's table of the six directions (and the tests' and examples' worker).

Secrets, min 2 / max 10 instances, 8 requests per instance, arm64 on AWS, VPC egress, internal ingress, IAM auth,
a dozen environment variables and tags.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CLOUDS", "REGISTRY", "SECRET", "TARGET_SETTINGS", "mapping", "worker"]

CLOUDS = ("aws", "gcp", "azure")
REGISTRY = {"aws": "123456789012.dkr.ecr.us-east-1.amazonaws.com", "gcp": "europe-docker.pkg.dev/acme/apps",
            "azure": "acme.azurecr.io"}
"""Where the worker's image lives on each cloud."""
SECRET = {"aws": "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-db-AbCdEf",
          "gcp": "projects/acme/secrets/orders-db/versions/latest",
          "azure": "https://acme-vault.vault.azure.net/secrets/orders-db"}
"""The worker's database password in each cloud's secret store."""
AZURE_SUBNET = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net/providers/"
                "Microsoft.Network/virtualNetworks/vnet/subnets/functions")
TARGET_SETTINGS: dict[str, dict[str, Any]] = {
    "aws": {"region": "us-east-1", "subnet_ids": ["subnet-0a", "subnet-0b"], "security_group_ids": ["sg-01"]},
    "gcp": {"project": "acme", "region": "europe-west1", "network": "default", "subnetwork": "default"},
    "azure": {"subscription_id": "00000000-0000-0000-0000-000000000000", "resource_group": "rg-orders",
              "location": "westeurope", "subnet_id": AZURE_SUBNET, "registry_managed_identity": True},
}
"""``providers.<section>`` values that place the worker on each cloud."""


def worker(cloud: str, name: str = "orders-worker") -> dict[str, Any]:
    """The worker spec document as deployed on ``cloud`` (``aws``, ``gcp`` or ``azure``)."""
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
        "providers": {cloud: dict(TARGET_SETTINGS[cloud])},
    }


def mapping(source: str, target: str) -> dict[str, Any]:
    """``migrate``/``portability`` keywords that carry the worker from ``source`` to ``target``."""
    return {"providers": dict(TARGET_SETTINGS[target]), "secrets": {"DB_PASSWORD": SECRET[target]},
            "image_map": {REGISTRY[source]: REGISTRY[target]}, "fit": True}
