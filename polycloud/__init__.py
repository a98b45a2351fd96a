"""polycloud: one serverless function spec, deployed to AWS Lambda, Azure Functions or Cloud Run.

Importing polycloud imports no cloud SDK; each adapter loads its SDK on its first API call.
"""

from polycloud._deploy import deploy, export, plan
from polycloud._plan import Change, Deployment, Plan
from polycloud._validate import validate, validate_files
from polycloud.adapter import Adapter, Imported
from polycloud.errors import (
    AdapterError,
    AuthError,
    ConfigurationError,
    ConflictError,
    InvalidAdapterError,
    MissingDependencyError,
    NotFoundError,
    OwnershipError,
    PolycloudError,
    ProviderError,
    RefusedError,
    SpecError,
    ThrottledError,
    UnknownProviderError,
)
from polycloud.findings import Finding, Report, Severity
from polycloud.limits import ProviderLimits, load_limits
from polycloud.migration import Migration, MigrationRefusedError, PortabilityReport, migrate, portability
from polycloud.source import dump_spec, load_spec
from polycloud.spec import FunctionSpec

__version__ = "0.1.0"

__all__ = [
    "Adapter",
    "AdapterError",
    "AuthError",
    "Change",
    "ConfigurationError",
    "ConflictError",
    "Deployment",
    "Finding",
    "FunctionSpec",
    "Imported",
    "InvalidAdapterError",
    "Migration",
    "MigrationRefusedError",
    "MissingDependencyError",
    "NotFoundError",
    "OwnershipError",
    "Plan",
    "PolycloudError",
    "PortabilityReport",
    "ProviderError",
    "ProviderLimits",
    "RefusedError",
    "Report",
    "Severity",
    "SpecError",
    "ThrottledError",
    "UnknownProviderError",
    "deploy",
    "dump_spec",
    "export",
    "load_limits",
    "load_spec",
    "migrate",
    "plan",
    "portability",
    "validate",
    "validate_files",
]
