"""Time to inspect a large test image (many files, big layers) from a docker save tarball, an OCI
layout and the fake registry (first pull, then from the blob cache). Prints figures; asserts nothing.

    python benchmarks/image.py [--files 20000] [--mib 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(files: int, mib: int):
    from polycloud.testing.image_catalog import correct_image

    builder = correct_image("lambda-runtime-api")
    builder.layer()
    for number in range(files):
        builder.file(f"/var/task/pkg/mod{number // 500}/file{number}.py", f"VALUE = {number}\n")
    builder.layer().file("/var/task/model.bin", os.urandom(mib * 1024 * 1024))
    return builder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--mib", type=int, default=200)
    args = parser.parse_args()

    from polycloud import FunctionSpec
    from polycloud.image import RegistryClient, check_image, inspect_archive, platform_for, pull_image
    from polycloud.testing.image_catalog import spec_for
    from polycloud.testing.images import write_oci_layout
    from polycloud.testing.registry import FakeRegistry

    spec = FunctionSpec.model_validate(spec_for("lambda-runtime-api"))
    started = time.perf_counter()
    builder = build(args.files, args.mib)
    artifact = builder.artifact()
    print(f"built {args.files} files + {args.mib} MiB in {time.perf_counter() - started:.1f}s")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        archives = {"docker save": builder.write_docker_archive(folder / "image.tar"),
                    "OCI layout": write_oci_layout(folder / "layout", artifact)}
        for name, path in archives.items():
            started = time.perf_counter()
            findings = inspect_archive(path, spec, ["aws-lambda"])
            print(f"{name:<12} {time.perf_counter() - started:6.2f}s  findings={len(findings)}")
        fake = FakeRegistry()
        with fake.activate():
            fake.push("bench/app", "v1", artifact)
            client = RegistryClient(cache_dir=folder / "cache")
            for label in ("registry (first pull)", "registry (cached)"):
                started = time.perf_counter()
                image = pull_image(fake.reference("bench/app", "v1"), client, platform_for("x86_64"))
                findings = check_image(image, spec, ["aws-lambda"])
                blobs = sum(1 for c in fake.calls if c.method == "GET" and "/blobs/" in c.path)
                print(f"{label:<22} {time.perf_counter() - started:6.2f}s  findings={len(findings)} "
                      f"blob GETs so far={blobs}")


if __name__ == "__main__":
    main()
