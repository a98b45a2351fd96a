"""polycloud: one serverless function spec, deployed to AWS Lambda, Azure Functions or Cloud Run.

Importing polycloud imports no cloud SDK; each adapter loads its SDK on its first API call.
"""

from polycloud._deploy import deploy, export, plan
from polycloud._plan import Change, Deployment, Plan
from polycloud._validate import validate, validate_files
from polycloud.adapter import Adapter, Imported, Listed
from polycloud.errors import (
    AdapterError,
    AuthError,
    ConcurrentChangeError,
    ConfigurationError,
    ConflictError,
    InterruptedDeployError,
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
from polycloud.fleet import Deleted, FleetResult, delete, deploy_all, list_functions, migrate_all
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
    "ConcurrentChangeError",
    "ConfigurationError",
    "ConflictError",
    "Deleted",
    "Deployment",
    "Finding",
    "FleetResult",
    "FunctionSpec",
    "Imported",
    "InterruptedDeployError",
    "InvalidAdapterError",
    "Listed",
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
    "delete",
    "deploy",
    "deploy_all",
    "dump_spec",
    "export",
    "list_functions",
    "load_limits",
    "load_spec",
    "migrate",
    "migrate_all",
    "plan",
    "portability",
    "validate",
    "validate_files",
]
