"""Fleet deploys with bounded parallelism: 100 specs deployed to the sandbox server, whose every API call answers
``--latency-ms`` late (a stand-in for a real control plane's round trip), at ``--jobs 1`` and at ``--jobs 8``.
Prints both wall times and their ratio; asserts nothing.

    python benchmarks/fleet.py [--provider aws] [--count 100] [--latency-ms 30] [--jobs 8]

The server runs in its own process with its own state directory (a sandbox you started is left alone) and
is emptied between the two runs, so both create the same 100 functions; it is stopped at the end. Each
deploy makes the same calls at any ``--jobs`` (``deploy_all`` runs ``deploy`` per spec): parallelism
changes only how many are in flight.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PROVIDERS = {"aws": "aws-lambda", "azure": "azure-functions", "gcp": "gcp-cloud-run"}


def _specs(template: Path, count: int) -> list[object]:
    from polycloud import load_spec

    spec = load_spec(template)
    # No max_instances: on Lambda it is reserved concurrency, and 100 functions would ask the account's quota
    # for more than it has (the deploys past it are refused at plan time, as they should be).
    shared = spec.concurrency.model_copy(update={"max_instances": None})
    return [spec.model_copy(update={"name": f"fleet-{index:03d}", "concurrency": shared}) for index in range(count)]


def run(provider: str, count: int, latency_ms: float, jobs: int, template: Path) -> float:
    """Deploy ``count`` specs at ``--jobs 1`` and at ``jobs``; print the times; return the ratio."""
    from polycloud import deploy_all
    from polycloud.testing._daemon import reset_server, start_server, stop_server
    from polycloud.testing._remote import remote_settings

    specs = _specs(template, count)
    with tempfile.TemporaryDirectory(prefix="polycloud-fleet-bench-") as state:
        server, _ = start_server(Path(state), latency_ms=latency_ms)
        try:
            settings = remote_settings(provider, server.endpoints[provider])
            times = {}
            for n in (1, jobs):
                reset_server(server)
                start = time.perf_counter()
                results = deploy_all(specs, provider, jobs=n, settings=settings)
                times[n] = time.perf_counter() - start
                failed = [r for r in results if not r.ok]
                if failed:
                    print(f"  --jobs {n}: {len(failed)} failed, first: {failed[0].describe_error()}")
                print(f"{provider:<16} {count} deploys, {latency_ms:g} ms per call, --jobs {n:<2}: "
                      f"{times[n]:6.2f} s ({times[n] / count * 1000:.0f} ms per deploy)")
        finally:
            stop_server(Path(state))
    ratio = times[1] / times[jobs]
    print(f"{provider:<16} --jobs {jobs} is {ratio:.1f}x faster than --jobs 1")
    return ratio


def main() -> None:
    """Parse the options and run the benchmark for each provider asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", "-p", default="aws", choices=[*PROVIDERS, "all"],
                        help="the provider to deploy to (all: each in turn)")
    parser.add_argument("--count", type=int, default=100, help="specs to deploy")
    parser.add_argument("--latency-ms", type=float, default=30.0, help="the server's delay before each answer")
    parser.add_argument("--jobs", type=int, default=8, help="the parallel run's --jobs")
    parser.add_argument("--spec", type=Path, default=ROOT / "examples" / "hello-api.yaml",
                        help="the spec each function is made from (renamed fleet-000...)")
    args = parser.parse_args()
    for section in PROVIDERS if args.provider == "all" else [args.provider]:
        run(PROVIDERS[section], args.count, args.latency_ms, args.jobs, args.spec)


if __name__ == "__main__":
    main()
