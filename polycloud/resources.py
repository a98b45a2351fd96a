"""Where the data files shipped with polycloud live (wheel or source checkout)."""

from __future__ import annotations

import functools
from pathlib import Path

__all__ = ["schemas_dir"]


@functools.cache
def schemas_dir() -> Path:
    """The ``schemas/`` folder: inside the installed package, else beside it in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "schemas", here.parent / "schemas"):
        if (candidate / "limits").is_dir():
            return candidate
    raise FileNotFoundError(f"polycloud's schemas/ folder is missing (looked in {here} and {here.parent})")
