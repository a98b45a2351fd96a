"""How fast the CLI stops when Ctrl-C (SIGINT) or SIGTERM arrives while a deploy waits for the cloud.

For each provider and signal: ``polycloud deploy --sandbox`` in a child process, on sandbox fakes whose
operations never finish (``tests/core/slow_cloud.py``), the signal sent 0.2 s after the first poll; prints the
time from the signal to the report line on stderr and to the process's exit. Prints figures; asserts nothing.

    python benchmarks/interrupts.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.core.test_interrupts import SPECS  # noqa: E402 - after the path is set


def _one(provider: str, signum: int, work: Path) -> tuple[float, float, int]:
    """(seconds to the report line, seconds to the exit, exit code) for one interrupted deploy."""
    ready = work / "ready"
    ready.unlink(missing_ok=True)
    spec = work / f"{provider}.yaml"
    spec.write_text(SPECS[provider], encoding="utf-8")
    env = {**os.environ, "POLYCLOUD_SANDBOX_DIR": str(work / "no-server"), "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "core" / "slow_cloud.py"), str(ready), "deploy", str(spec),
         "--sandbox", "-p", provider], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert process.stderr is not None
    while not ready.exists():
        time.sleep(0.01)
    time.sleep(0.2)
    sent = time.monotonic()
    process.send_signal(signum)
    line, reported = "", sent
    for line in process.stderr:
        if line.startswith("polycloud: interrupted"):
            reported = time.monotonic()
            break
    code = process.wait()
    return reported - sent, time.monotonic() - sent, code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{'provider':<10} {'signal':<8} {'report (ms)':>12} {'exit (ms)':>10} {'code':>5}")
    with tempfile.TemporaryDirectory() as tmp:
        for provider in SPECS:
            for signum in (signal.SIGINT, signal.SIGTERM):
                runs = [_one(provider, signum, Path(tmp)) for _ in range(args.rounds)]
                report = max(r[0] for r in runs) * 1000
                exited = max(r[1] for r in runs) * 1000
                codes = sorted({r[2] for r in runs})
                print(f"{provider:<10} {signal.Signals(signum).name:<8} {report:>12.0f} {exited:>10.0f} "
                      f"{','.join(map(str, codes)):>5}")


if __name__ == "__main__":
    main()
