"""Whole-process time of `polycloud validate` beside cfn-lint on the equivalent templates, and
in-process checks per second. Prints figures; asserts nothing.

    pip install -e '.[bench]'     # cfn-lint
    python benchmarks/validate.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

SPEC = """\
name: bench-{i}
image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/bench:{i}
memory: 1GiB
timeout: 30s
architecture: arm64
concurrency: {{max_instances: 20}}
environment: {{LOG_LEVEL: info, INDEX: "{i}"}}
tags: {{team: platform}}
providers:
  aws: {{region: us-east-1, role: "arn:aws:iam::123456789012:role/bench"}}
"""


def template(i: int) -> dict[str, object]:
    """The CloudFormation equivalent of SPEC: one AWS::Lambda::Function."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {
            "FunctionName": f"bench-{i}", "PackageType": "Image",
            "Code": {"ImageUri": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/bench:{i}"},
            "MemorySize": 1024, "Timeout": 30, "Architectures": ["arm64"],
            "Role": "arn:aws:iam::123456789012:role/bench", "ReservedConcurrentExecutions": 20,
            "Environment": {"Variables": {"LOG_LEVEL": "info", "INDEX": str(i)}},
            "Tags": [{"Key": "team", "Value": "platform"}]}}},
    }


# Installed packages run from compiled bytecode; PYTHONDONTWRITEBYTECODE (set on some CI images)
# would make every run recompile the sources of an editable install, so both tools run without it.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], runs: int) -> float:
    """Median wall time of ``command`` over ``runs`` runs (after one warm-up that writes bytecode)."""
    subprocess.run(command, capture_output=True, check=False, env=ENV)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, check=False, env=ENV)
        times.append(time.perf_counter() - start)
        if result.returncode not in (0, 1, 2) and "cfn" not in command[0]:
            raise SystemExit(f"{command[:3]} failed: {result.stderr.decode()[:500]}")
    return statistics.median(times)


def checks_per_second(seconds: float = 2.0) -> tuple[float, float]:
    """In-process ``validate`` calls per second: one provider, and all three providers."""
    sys.path.insert(0, str(ROOT))
    from polycloud import FunctionSpec, validate

    spec = FunctionSpec.model_validate({
        "name": "bench", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/bench:1", "memory": "1GiB",
        "environment": {"LOG_LEVEL": "info"}, "tags": {"team": "platform"},
        "providers": {"aws": {"region": "us-east-1"}}})
    rates = []
    for providers in (["aws"], ["aws", "azure", "gcp"]):
        validate(spec, providers)
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            validate(spec, providers)
            count += 1
        rates.append(count / (time.perf_counter() - start))
    return rates[0], rates[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    polycloud = [str(BIN / "polycloud"), "validate", "--provider", "aws"]
    cfn_lint = shutil.which("cfn-lint", path=str(BIN)) or shutil.which("cfn-lint")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        specs, templates = [], []
        for i in range(100):
            spec = folder / f"spec-{i}.yaml"
            spec.write_text(SPEC.format(i=i))
            specs.append(str(spec))
            cfn = folder / f"template-{i}.json"
            cfn.write_text(json.dumps(template(i)))
            templates.append(str(cfn))
        rows = [("polycloud validate, 1 file", timed(polycloud + specs[:1], args.runs)),
                ("polycloud validate, 100 files", timed(polycloud + specs, args.runs))]
        if cfn_lint:
            rows += [("cfn-lint, 1 template", timed([cfn_lint, *templates[:1]], args.runs)),
                     ("cfn-lint, 100 templates", timed([cfn_lint, *templates], args.runs))]
    print(f"whole-process wall time, median of {args.runs} runs (python {sys.version.split()[0]})")
    for label, seconds in rows:
        print(f"  {label:<32} {seconds * 1000:8.0f} ms")
    if cfn_lint:
        times = dict(rows)
        print(f"  ratio 1 file    polycloud / cfn-lint = "
              f"{times['polycloud validate, 1 file'] / times['cfn-lint, 1 template']:.3f}  (target <= 0.25)")
        print(f"  ratio 100 files polycloud / cfn-lint = "
              f"{times['polycloud validate, 100 files'] / times['cfn-lint, 100 templates']:.3f}  (target <= 0.25)")
    else:
        print("  cfn-lint not installed: pip install -e '.[bench]' for the comparison")
    one, three = checks_per_second()
    print("in-process validate() of a spec object")
    print(f"  against aws-lambda:               {one:10.0f} checks/s  (target >= 5000)")
    print(f"  against all three providers:      {three:10.0f} checks/s")


if __name__ == "__main__":
    main()
