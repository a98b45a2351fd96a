"""Importing polycloud, polycloud.image and the image test helpers loads none of the ``image`` extra."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("requests", "elftools", "cryptography")


def test_the_image_package_imports_light():
    code = ("import sys, polycloud, polycloud.cli, polycloud.image, polycloud.testing.images, "
            "polycloud.testing.image_catalog, polycloud.testing.registry\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_importing_polycloud_does_not_import_the_image_package():
    code = ("import sys, polycloud, polycloud.cli\n"
            "print(sorted(m for m in sys.modules if m.startswith('polycloud.image')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
