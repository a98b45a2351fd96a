"""The Azure Functions adapter: azure-mgmt-web imported lazily, client and credential injectable."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from polycloud.adapter import Imported
from polycloud.errors import (
    AdapterError,
    ConflictError,
    MissingDependencyError,
    NotFoundError,
    ProviderError,
    SpecError,
)
from polycloud.findings import Finding, Report, Severity
from polycloud.limits import ProviderLimits, load_limits
from polycloud.plan import Deployment, Plan, ProviderConfig, diff
from polycloud.progress import waiting
from polycloud.retry import RetryPolicy
from polycloud.spec import FunctionSpec
from polycloud_azure import rules
from polycloud_azure.errors import map_sdk_error
from polycloud_azure.translate import (
    SKUS,
    live_config,
    plan_body,
    plan_config,
    plan_id,
    site_body,
    site_patch,
    to_spec,
    translate,
)

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.mgmt.web import WebSiteManagementClient

__all__ = ["AzureFunctionsAdapter"]

T = TypeVar("T")

_NOT_SET = ("{field} is not set: add providers.azure.{field} to the spec, or pass {field}=... "
            "(CLI: --set {field}=...)")


class AzureFunctionsAdapter:
    """Deploys a FunctionSpec as a Linux container function app on an Elastic Premium plan."""

    name: ClassVar[str] = "azure-functions"
    title: ClassVar[str] = "Azure Functions"
    section: ClassVar[str] = "azure"
    extra: ClassVar[str] = "polycloud[azure]"
    sdk_distributions: ClassVar[tuple[str, ...]] = ("azure-mgmt-web", "azure-identity")
    limits: ClassVar[ProviderLimits] = load_limits("azure-functions")
    sample_image: ClassVar[str] = "acme.azurecr.io/hello:1"

    def __init__(self, *, subscription_id: str | None = None, resource_group: str | None = None,
                 location: str | None = None, client: WebSiteManagementClient | None = None,
                 credential: TokenCredential | None = None, retry: RetryPolicy | None = None,
                 lro_timeout: float = 1800.0) -> None:
        """Keep the settings; nothing is imported or called until the first API call.

        ``lro_timeout`` bounds the wait for one long-running operation (seconds).
        """
        self._subscription_id = subscription_id
        self._resource_group = resource_group
        self._location = location
        self._client = client
        self._credential = credential
        self.retry = retry or RetryPolicy()
        self.lro_timeout = lro_timeout

    @classmethod
    def settings_from(cls, spec: FunctionSpec) -> dict[str, Any]:
        """``subscription_id``, ``resource_group`` and ``location`` from ``providers.azure``."""
        azure = spec.providers.azure
        if azure is None:
            return {}
        found = {"subscription_id": azure.subscription_id, "resource_group": azure.resource_group,
                 "location": azure.location}
        return {key: value for key, value in found.items() if value}

    # -- settings and clients ----------------------------------------------------------------------
    def _setting(self, field: str) -> str:
        value: str | None = getattr(self, f"_{field}")
        if not value:
            raise AdapterError(_NOT_SET.format(field=field))
        return value

    @property
    def credential(self) -> TokenCredential:
        """The injected credential, else ``DefaultAzureCredential()`` (created on first use)."""
        if self._credential is None:
            try:
                from azure.identity import DefaultAzureCredential
            except ImportError as exc:
                raise MissingDependencyError("azure-identity", self.extra) from exc
            self._credential = DefaultAzureCredential()
        return self._credential

    @property
    def client(self) -> WebSiteManagementClient:
        """The ``WebSiteManagementClient`` (created on first use).

        Raises:
            MissingDependencyError: azure-mgmt-web is not installed.
            AdapterError: no subscription id was given.
        """
        if self._client is None:
            try:
                from azure.mgmt.web import WebSiteManagementClient
            except ImportError as exc:
                raise MissingDependencyError("azure-mgmt-web", self.extra) from exc
            self._client = WebSiteManagementClient(self.credential, self._setting("subscription_id"))
        return self._client

    def _call(self, operation: str, fn: Callable[[], T]) -> T:
        """Run one API call (an ARM operation id names it) under the retry policy, errors translated."""
        return self.retry.run(operation, fn, map_sdk_error)

    def _wait(self, operation: str, what: str, start: Callable[[], Any]) -> dict[str, Any]:
        """Start a long-running operation and wait, at most ``lro_timeout`` s, with the client's polling."""
        def run() -> Any:
            poller = start()
            result = poller.result(timeout=self.lro_timeout)
            if not poller.done():
                raise ProviderError(f"{what} did not finish within {self.lro_timeout:g} s", provider=self.name,
                                    operation=operation, code="OperationTimedOut")
            return result

        with waiting(f"waiting for {what}"):
            return dict(self._call(operation, run))

    # -- pure --------------------------------------------------------------------------------------
    def check(self, spec: FunctionSpec, limits: ProviderLimits | None = None) -> list[Finding]:
        """Azure Functions' limits and conventions (pure, offline)."""
        return rules.check(spec, limits or self.limits)

    def translate(self, spec: FunctionSpec) -> ProviderConfig:
        """Spec -> function app config (pure); the adapter's settings win over ``providers.azure``.

        Raises:
            SpecError: the spec's plan is not one polycloud can create for a container image.
        """
        try:
            sku = rules.profile_for(spec, self.limits).name
        except KeyError:
            sku = ""
        if sku not in SKUS:
            errors = [f for f in self.check(spec) if f.severity == Severity.ERROR
                      and f.path == "providers.azure.plan"]
            raise SpecError(Report(findings=errors or [Finding(
                "azure-plan-container", Severity.ERROR, f"polycloud cannot create a {sku or '?'} plan for a "
                "container image", "providers.azure.plan", self.name, "set providers.azure.plan to EP1, EP2 or EP3",
            )], providers=[self.name]))
        azure = spec.providers.azure
        return translate(
            spec, sku=sku,
            subscription_id=self._subscription_id or (azure.subscription_id if azure else None),
            resource_group=self._resource_group or (azure.resource_group if azure else None),
            location=self._location or (azure.location if azure else None),
        )

    def to_spec(self, config: ProviderConfig) -> Imported:
        """Function app config -> spec (pure), with notes on what Azure cannot say."""
        return to_spec(config, self.limits)

    # -- I/O ---------------------------------------------------------------------------------------
    def read(self, name: str) -> ProviderConfig | None:
        """The live function app in the shape ``translate`` makes, or None when it does not exist.

        Four reads: GET site, GET config/web, POST appsettings/list (a read despite the verb), GET plan.
        """
        rg = self._setting("resource_group")
        web = self.client.web_apps
        try:
            site = dict(self._call("WebApps_Get", lambda: web.get(rg, name)))
        except NotFoundError:
            return None
        config = dict(self._call("WebApps_GetConfiguration", lambda: web.get_configuration(rg, name)))
        settings = dict(self._call("WebApps_ListApplicationSettings",
                                   lambda: web.list_application_settings(rg, name)))
        farm = str((site.get("properties") or {}).get("serverFarmId") or "")
        parts = farm.split("/")
        plan = self._get_plan(parts[4], parts[-1]) if len(parts) == 9 else None
        return live_config(site, dict(config.get("properties") or {}), dict(settings.get("properties") or {}),
                           plan, parts[-1] or None)

    def _get_plan(self, rg: str, name: str) -> dict[str, Any] | None:
        plans = self.client.app_service_plans
        try:
            return dict(self._call("AppServicePlans_Get", lambda: plans.get(rg, name)))
        except NotFoundError:
            return None

    def apply(self, plan: Plan) -> Deployment:
        """Create or update the plan and the function app, writing only what the plan changes.

        Raises:
            ProviderError: a call failed; ``.changed`` lists the steps that had completed.
        """
        done: list[str] = []
        try:
            site = self._apply(plan, done)
        except ProviderError as exc:
            exc.changed = done
            raise
        host = (site.get("properties") or {}).get("defaultHostName") if site else None
        live = plan.live or {}
        return Deployment(provider=self.name, name=plan.name, action=plan.action,
                          resource_id=site.get("id") if site else live.get("@id"),
                          url=f"https://{host}" if host else live.get("@url"),
                          changes=plan.changes, notes=list(plan.desired.get("@notes") or []))

    def _apply(self, plan: Plan, done: list[str]) -> dict[str, Any] | None:
        desired, live, name = plan.desired, plan.live, plan.name
        rg = self._setting("resource_group")
        if not desired["site"]["location"]:
            raise AdapterError(_NOT_SET.format(field="location"))
        if live is not None and plan.touches("site.location"):
            raise ConflictError(f"{name} is in {live['site']['location']}; a function app cannot move to "
                                f"{desired['site']['location']}: delete it first", provider=self.name,
                                operation="WebApps_Update")
        farm_id = plan_id(self._setting("subscription_id"), rg, desired["plan"]["name"])
        if live is None or plan.touches("plan"):
            # Look the plan up when it is new to this app or was missing when the app was read.
            same = live["plan"] if live is not None and not plan.touches("plan.name") else None
            self._ensure_plan(desired, same if same and same.get("sku") else None, done)
        web: Any = self.client.web_apps  # the typed overloads take models; JSON dicts are what we send
        if live is None or plan.touches("tags"):
            # Only PUT can change tags; it carries every setting, app settings included.
            body = site_body(desired, farm_id, identity=live is None or plan.touches("site.identity"))
            verb = "created" if live is None else "updated"
            created = self._wait("WebApps_CreateOrUpdate", f"function app {name}",
                                 lambda: web.begin_create_or_update(rg, name, body))
            done.append(f"{verb} function app {name}")
            return created
        site: dict[str, Any] | None = None
        if plan.touches("site", "plan.name"):
            body = site_patch(desired, farm_id, identity=plan.touches("site.identity"))
            site = dict(self._call("WebApps_Update", lambda: web.update(rg, name, body)))
            done.append("updated site configuration")
        if plan.touches("app_settings"):
            settings = {"properties": dict(desired["app_settings"])}
            self._call("WebApps_UpdateApplicationSettings",
                       lambda: web.update_application_settings(rg, name, settings))
            done.append("replaced app settings")
        return site

    def _ensure_plan(self, desired: ProviderConfig, live_plan: dict[str, Any] | None, done: list[str]) -> None:
        """Create the App Service plan, or PUT it when its settings differ; a matching plan is reused as is."""
        want = desired["plan"]
        rg = self._setting("resource_group")
        if live_plan is None:
            found = self._get_plan(rg, want["name"])
            live_plan = plan_config(found) if found is not None else None
        if live_plan is not None and not diff(want, live_plan):
            return
        if live_plan is not None and not live_plan.get("reserved"):
            raise ConflictError(f"App Service plan {want['name']} is a Windows plan; a Linux container needs "
                                "a Linux plan: set providers.azure.plan_name to another plan",
                                provider=self.name, operation="AppServicePlans_CreateOrUpdate")
        body = plan_body(desired)
        plans: Any = self.client.app_service_plans
        self._wait("AppServicePlans_CreateOrUpdate", f"App Service plan {want['name']}",
                   lambda: plans.begin_create_or_update(rg, want["name"], body))
        done.append(f"{'created' if live_plan is None else 'updated'} App Service plan {want['name']}")

    def delete(self, name: str) -> None:
        """Delete the function app, and its App Service plan when no other app uses it.

        Raises:
            NotFoundError: there is no such function app.
        """
        rg = self._setting("resource_group")
        web = self.client.web_apps
        self._call("WebApps_Delete", lambda: web.delete(rg, name, delete_empty_server_farm=True))

