"""docs/migration.md is what the tool generates; examples/migrate_worker.py runs on the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from polycloud.migration.docs import render

ROOT = Path(__file__).resolve().parents[2]


def test_migration_page_is_current() -> None:
    page = (ROOT / "docs" / "migration.md").read_text(encoding="utf-8")
    assert page == render(), "docs/migration.md is stale: python -m polycloud.migration.docs > docs/migration.md"


def test_migration_page_covers_the_six_directions_and_the_statuses() -> None:
    page = render()
    for source in ("aws-lambda", "gcp-cloud-run", "azure-functions"):
        for target in ("aws-lambda", "gcp-cloud-run", "azure-functions"):
            assert (f"### {source} -> {target}" in page) == (source != target)
    for status in ("exact", "adjusted", "emulated", "dropped", "refused"):
        assert f"| `{status}` |" in page
    assert "10 x 8 = 80 reserved concurrency" in page
    assert "crane copy" in page


def test_example_migrates_the_worker(tmp_path: Path) -> None:
    env = {**os.environ, "POLYCLOUD_SANDBOX_DIR": str(tmp_path)}  # this run's own sandbox, never a server's
    ran = subprocess.run([sys.executable, str(ROOT / "examples" / "migrate_worker.py")], capture_output=True,
                         text=True, env=env, timeout=300, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "dry run: created" in ran.stdout
    assert "orders-worker: gcp-cloud-run -> aws-lambda" in ran.stdout
    assert "10 x 8 = 80 reserved concurrency" in ran.stdout
    assert "crane copy europe-docker.pkg.dev/acme/apps/orders-worker:2.3.1 " in ran.stdout
    assert ran.stdout.rstrip().endswith("exact rows that differ on Lambda: none")
