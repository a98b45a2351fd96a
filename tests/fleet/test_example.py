"""examples/fleet_deploy.py runs on the sandbox: the fleet deploys but for its one bad spec, lists, and retires one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_fleet_example_deploys_lists_and_retires(tmp_path: Path) -> None:
    env = {**os.environ, "POLYCLOUD_SANDBOX_DIR": str(tmp_path)}  # this run's own sandbox, never a server's
    ran = subprocess.run([sys.executable, str(ROOT / "examples" / "fleet_deploy.py")], capture_output=True,
                         text=True, env=env, timeout=300, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[2].startswith("checkout   FAILED: error: [gcp-cloud-run] memory 64GiB")
    assert "5 of 6 deployed; failed: checkout" in lines
    assert "listed search     owned=True memory=2048 MiB image=europe-docker.pkg.dev/acme/apps/search:1.4.0" in lines
    assert lines[-2:] == ["dry run: would delete reviews (owned=True)", "left: cart, catalog, payments, search"]
