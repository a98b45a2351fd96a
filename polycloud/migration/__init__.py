"""Migration between providers: a per-field portability report, mappings that make hard migrations possible
(secrets, overrides, rename, image and registry maps, fit-to-target), a to-do list, and safe defaults.

``migrate`` reads a live function and deploys it elsewhere; ``portability`` reports the same offline for a
spec. Each adapter explains its side in ``polycloud_<cloud>/portability.py``; the differences themselves come
from a round trip through the target adapter's ``translate`` and ``to_spec``.
"""

from polycloud.migration.mapping import MigrationOptions
from polycloud.migration.report import PortabilityReport, Row, TodoItem
from polycloud.migration.run import Migration, MigrationRefusedError, migrate, portability
from polycloud.migration.types import Adjustment, Leaving, Status

__all__ = ["Adjustment", "Leaving", "Migration", "MigrationOptions", "MigrationRefusedError", "PortabilityReport",
           "Row", "Status", "TodoItem", "migrate", "portability"]
