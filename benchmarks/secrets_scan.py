"""Time of the credential-shape scan (polycloud.secrets_scan): first use (the lazy detect-secrets
import), a typical plan's values, and hostile values of growing size (the time must grow linearly).
Prints figures; asserts nothing.

    python benchmarks/secrets_scan.py
"""

from __future__ import annotations

import time

from polycloud.secrets_scan import scrub

TYPICAL = ["debug", "8080", "us-east-1", "europe-docker.pkg.dev/acme/r/app:1", "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
           "postgres://app:pw@db.example.com:5432/app", "arn:aws:iam::123456789012:role/app", "00:00:30"] * 6
HOSTILE = ["x", "-eyJ", "a://", "//_authToken=", "-----BEGIN PRIVATE KEY-----", "Xk7pQ2mN9vL4wR8t"]


def main() -> None:
    start = time.perf_counter()
    scrub("first use: imports detect-secrets")
    print(f"first use (lazy import):        {1000 * (time.perf_counter() - start):8.1f} ms")
    start = time.perf_counter()
    for _ in range(20):
        for value in TYPICAL:
            scrub(value)
    print(f"typical plan ({len(TYPICAL)} values):       {1000 * (time.perf_counter() - start) / 20:8.1f} ms")
    for fragment in HOSTILE:
        times = []
        for size in (10_000, 100_000, 1_000_000):
            text = (fragment * (size // len(fragment) + 1))[:size]
            start = time.perf_counter()
            scrub(text)
            times.append(time.perf_counter() - start)
        shown = "  ".join(f"{n}: {1000 * t:7.1f} ms" for n, t in zip(("10 kB", "100 kB", "1 MB"), times, strict=True))
        print(f"{fragment[:24]!r:<30} {shown}")


if __name__ == "__main__":
    main()
