""".ci/lowest's inputs: the pins it derives from pyproject.toml, and the ingress: none example it rehearses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from polycloud._validate import load_input

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / ".ci" / "lowest_constraints.py"


def _pins(pyproject: Path) -> list[str]:
    result = subprocess.run([sys.executable, str(SCRIPT), str(pyproject)], capture_output=True, text=True,
                            check=True, timeout=60)
    return result.stdout.splitlines()


def test_every_lower_bound_becomes_an_exact_pin(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("""
[project]
name = "x"
dependencies = ["pydantic>=2.6,<3", "PyYAML>=6.0", "tomli>=2.0; python_version < '3.11'", "plain", "exact==1.0"]
[project.optional-dependencies]
sandbox = ["moto>=5.0,<6"]
image = ["moto[server]>=5.2.5,<6", "pyyaml>=5.1"]
dev = ["pytest>=8", "moto>=5.3"]
""")
    assert _pins(pyproject) == [
        "moto==5.2.5",  # the higher of the two bounds, extras dropped; dev tools' bounds are not users' bounds
        "pydantic==2.6",
        "PyYAML==6.0",  # one package whatever the spelling; the higher bound wins
        "tomli==2.0; python_version < '3.11'",
    ]


def test_the_project_pins_its_sdks_and_test_fakes() -> None:
    pins = dict(line.split("==", 1) for line in _pins(ROOT / "pyproject.toml") if ";" not in line)
    for name in ("pydantic", "PyYAML", "tenacity", "boto3", "botocore", "google-cloud-run", "azure-mgmt-web",
                 "azure-identity", "moto", "responses"):
        assert name in pins, name
    # Public function URLs need AddPermission's InvokedViaFunctionUrl, first in botocore 1.40.50.
    assert tuple(int(p) for p in pins["botocore"].split(".")) >= (1, 40, 50)


def test_an_example_rehearses_a_cloud_run_service_closed_to_all_ingress() -> None:
    specs = [load_input(str(path))[0] for path in sorted((ROOT / "examples").iterdir())
             if path.suffix in (".yaml", ".json", ".toml")]
    assert any(spec.network.ingress == "none" and spec.providers.gcp is not None for spec in specs)
