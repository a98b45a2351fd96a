"""Exceptions raised by polycloud.

PolycloudError
├── SpecError (ValueError)          the spec cannot be deployed as written; carries the Report
├── ConfigurationError (ValueError) a setting the adapter needs is missing or unusable (region, project...)
├── AdapterError                    an adapter cannot be found, imported or loaded
│   ├── UnknownProviderError (LookupError)
│   ├── MissingDependencyError (ImportError)
│   └── InvalidAdapterError (TypeError)
├── RefusedError                    polycloud refused to change a resource; no API call failed
│   └── OwnershipError              the resource exists but polycloud did not create it (needs adopt)
└── ProviderError                   a cloud API call failed; __cause__ is the SDK error
    ├── AuthError
    ├── NotFoundError
    ├── ConflictError               the provider answered 409 / "already exists" / "busy"
    └── ThrottledError

``RefusedError`` and ``ProviderError`` both carry ``changed``: what the deploy had already changed.

Adapters translate SDK exceptions at their boundary (``raise ... from exc``); the core
never imports botocore, azure.core or google.api_core.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from polycloud.findings import Report


class PolycloudError(Exception):
    """Base class for every error polycloud raises on purpose."""


class SpecError(PolycloudError, ValueError):
    """The function spec cannot be deployed as written; ``report`` holds the findings."""

    def __init__(self, report: Report, message: str | None = None) -> None:
        self.report = report
        errors = report.errors
        if message is None:
            lines = [f"  - {f.describe()}" for f in errors] or ["  - (no findings)"]
            noun = "error" if len(errors) == 1 else "errors"
            message = f"the spec has {len(errors)} {noun}:\n" + "\n".join(lines)
        super().__init__(message)


class AdapterError(PolycloudError):
    """An adapter cannot be found, imported or used."""


class UnknownProviderError(AdapterError, LookupError):
    """No adapter is registered under the requested provider name."""

    def __init__(self, name: str, available: Sequence[str]) -> None:
        self.name = name
        self.available = tuple(available)
        known = ", ".join(self.available) or "none"
        super().__init__(f"unknown provider {name!r}; known providers: {known}")


class MissingDependencyError(AdapterError, ImportError):
    """A cloud SDK (an optional extra of polycloud) is not installed."""

    def __init__(self, what: str, install: str) -> None:
        self.install = install
        super().__init__(f"{what} is not installed; run: pip install '{install}'")


class InvalidAdapterError(AdapterError, TypeError):
    """An entry point is registered as an adapter but does not behave like one."""


class ConfigurationError(PolycloudError, ValueError):
    """A setting the adapter needs (region, subscription, project...) is missing or unusable; nothing was called."""

    def __init__(self, message: str, *, provider: str, setting: str | None = None) -> None:
        self.provider = provider
        self.setting = setting
        super().__init__(message)


class RefusedError(PolycloudError):
    """polycloud refused to change a resource as asked; no API call failed.

    ``changed`` lists what the deploy had already changed before the refusal (usually nothing).
    """

    def __init__(self, message: str, *, provider: str, operation: str, code: str | None = None) -> None:
        self.message = message
        self.provider = provider
        self.operation = operation
        self.code = code
        self.changed: list[str] = []
        super().__init__(message)

    def __str__(self) -> str:
        text = f"{self.provider} refused {self.operation}: {self.message}"
        if self.changed:
            text += "\nalready changed before the refusal: " + "; ".join(self.changed)
        return text


class OwnershipError(RefusedError):
    """The resource exists but polycloud did not create it; deploying over it needs ``adopt=True``."""


class ProviderError(PolycloudError):
    """A cloud API call failed.

    ``changed`` lists what the failed deploy had already changed before the error, so
    nothing is left half-deployed without saying so.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        operation: str,
        code: str | None = None,
        status: int | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        transient: bool = False,
    ) -> None:
        self.message = message
        self.provider = provider
        self.operation = operation
        self.code = code
        self.status = status
        self.request_id = request_id
        self.retry_after = retry_after
        self.transient = transient
        self.changed: list[str] = []
        super().__init__(message)

    def __str__(self) -> str:
        parts = [f"{self.provider} {self.operation} failed"]
        detail = ", ".join(
            f"{k} {v}"
            for k, v in (("code", self.code), ("status", self.status), ("request id", self.request_id))
            if v is not None
        )
        if detail:
            parts.append(f" ({detail})")
        parts.append(f": {self.message}")
        if self.changed:
            parts.append("\nalready changed before the failure: " + "; ".join(self.changed))
        return "".join(parts)


class AuthError(ProviderError):
    """The credentials were missing, invalid or not allowed to make the call."""


class NotFoundError(ProviderError):
    """The resource does not exist."""


class ConflictError(ProviderError):
    """The resource is busy or in a conflicting state (often transient)."""


class ThrottledError(ProviderError):
    """The provider asked us to slow down."""

    def __init__(self, message: str, **kwargs: object) -> None:
        kwargs.setdefault("transient", True)
        super().__init__(message, **kwargs)  # type: ignore[arg-type]


ErrorMapper = Callable[[Exception, str], "ProviderError | None"]
"""An adapter's translation of one SDK exception (and the operation's name) into a ProviderError,
or None for exceptions that are not the SDK's."""


@contextlib.contextmanager
def translating(mapper: ErrorMapper, operation: str) -> Iterator[None]:
    """Re-raise SDK exceptions from the block as ProviderErrors (``from`` the original)."""
    try:
        yield
    except PolycloudError:
        raise
    except Exception as exc:
        mapped = mapper(exc, operation)
        if mapped is None:
            raise
        raise mapped from exc
