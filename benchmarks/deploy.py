"""API calls (reads and writes) and in-process time per deploy scenario, for each provider,
against polycloud's offline fakes (moto for AWS). Prints figures; asserts nothing.

    python benchmarks/deploy.py [--spec examples/hello-api.yaml]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROVIDERS = ("aws-lambda", "azure-functions", "gcp-cloud-run")


def _counts(fake: Any) -> tuple[int, int]:
    """(reads, writes) so far: FaultInjector for AWS (operation names), FakeService otherwise (whose
    ``writes`` leave out reads sent with another verb, such as ARM's POST .../appsettings/list)."""
    return len(fake.calls) - len(fake.writes), len(fake.writes)


def _totals(fake: Any, iam: Any) -> tuple[int, int]:
    reads, writes = _counts(fake)
    if iam is not None:
        iam_reads, iam_writes = _counts(iam)
        reads, writes = reads + iam_reads, writes + iam_writes
    return reads, writes


def run(spec_path: Path) -> None:
    from polycloud import deploy, load_spec
    from polycloud.testing import sandbox

    spec = load_spec(spec_path)
    changed = spec.model_copy(update={"timeout": spec.timeout * 2})
    print(f"API calls per deploy of {spec_path.relative_to(ROOT)}")
    print("(offline fakes; AWS counts Lambda + IAM calls; Azure's POST .../appsettings/list is a read)")
    print(f"  {'provider':<16} {'scenario':<18} {'reads':>5} {'writes':>6} {'ms':>8}  result")
    for provider in PROVIDERS:
        sandbox.reset()
        settings = sandbox.sandbox_settings(provider)
        fake = sandbox.fakes[provider]
        iam = sandbox.fakes.get("aws-iam") if provider == "aws-lambda" else None
        for scenario, target in (("create", spec), ("no-op", spec), ("one-field update", changed),
                                 ("no-op after update", changed)):
            before = _totals(fake, iam)
            start = time.perf_counter()
            result = deploy(target, provider, settings=settings)
            elapsed = (time.perf_counter() - start) * 1000
            reads, writes = (a - b for a, b in zip(_totals(fake, iam), before, strict=True))
            fields = ", ".join(c.path for c in result.changes) if scenario.startswith("one") else ""
            print(f"  {provider:<16} {scenario:<18} {reads:>5} {writes:>6} {elapsed:>8.1f}  {result.action} {fields}")
    sandbox.reset()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", type=Path, default=ROOT / "examples" / "hello-api.yaml")
    args = parser.parse_args()
    run(args.spec.resolve())


if __name__ == "__main__":
    main()
