"""Deploy a fleet of functions to Cloud Run, eight at a time, with polycloud's public API, on the offline sandbox.

Run it: ``python examples/fleet_deploy.py`` (needs ``pip install 'polycloud-sdk[sandbox,gcp]'``). Against a real
project, drop the sandbox settings: ``deploy_all(specs, "gcp", jobs=8)`` with your credentials, and the project
and region in the specs.

1. build one spec per team service from a template, one of them asking for more memory than Cloud Run allows;
2. ``deploy_all``: every other service is deployed; the bad one fails alone, with the reason;
3. print the summary, then ``list_functions``: what the region holds and whether polycloud owns it;
4. retire one service with ``delete`` (a dry run first).

The CLI does the same with ``polycloud deploy specs/*.yaml -p gcp --jobs 8``, ``polycloud list -p gcp`` and
``polycloud delete NAME -p gcp``.
"""

from __future__ import annotations

import sys

from polycloud import FunctionSpec, delete, deploy_all, list_functions
from polycloud.testing.sandbox import open_sandbox

WHERE = {"project": "acme", "region": "europe-west1"}
IMAGE = "europe-docker.pkg.dev/acme/apps/{name}:1.4.0"
TEMPLATE = {
    "memory": "512MiB",
    "timeout": "60s",
    "concurrency": {"max_instances": 10, "per_instance": 20},
    "network": {"ingress": "public", "auth": "iam"},
    "tags": {"team": "shop"},
    "providers": {"gcp": WHERE},
}
SERVICES = {"cart": {}, "catalog": {}, "checkout": {"memory": "64GiB"}, "search": {"memory": "2GiB"},
            "reviews": {}, "payments": {"network": {"ingress": "internal", "auth": "iam"}}}


def fleet() -> list[FunctionSpec]:
    """One spec per service: the template with the service's name, image and own values."""
    specs = []
    for name, own in SERVICES.items():
        document = {**TEMPLATE, "name": name, "image": IMAGE.format(name=name), **own}
        specs.append(FunctionSpec.model_validate(document))
    return specs


def main() -> int:
    """Deploy, list and retire; exit 0 when only the bad spec failed and the retired service is gone."""
    on_gcp = open_sandbox().settings("gcp")
    results = deploy_all(fleet(), "gcp", jobs=8, settings=on_gcp)
    for row in results:
        outcome = row.deployment.action if row.deployment else f"FAILED: {row.describe_error()}"
        print(f"{row.item:<10} {outcome}")
    failed = [row.item for row in results if not row.ok]
    print(f"{len(results) - len(failed)} of {len(results)} deployed; failed: {', '.join(failed) or 'none'}")

    for listed in list_functions("gcp", settings={**WHERE, **on_gcp}):
        print(f"listed {listed.name:<10} owned={listed.owned} memory={listed.memory} MiB image={listed.image}")

    planned = delete("reviews", "gcp", dry_run=True, settings={**WHERE, **on_gcp})
    print(f"dry run: would delete {planned.name} (owned={planned.owned})")
    delete("reviews", "gcp", settings={**WHERE, **on_gcp})
    left = [listed.name for listed in list_functions("gcp", settings={**WHERE, **on_gcp})]
    print("left:", ", ".join(left))
    return 0 if failed == ["checkout"] and "reviews" not in left else 1


if __name__ == "__main__":
    sys.exit(main())
