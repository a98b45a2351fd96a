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
from polycloud.plan import Deployment, Plan, ProviderConfig
from polycloud.progress import waiting
from polycloud.retry import RetryPolicy
from polycloud.spec import FunctionSpec
from polycloud_azure import rules
from polycloud_azure.errors import map_sdk_error, quiet_identity_logs
from polycloud_azure.read import live_config, to_spec
from polycloud_azure.translate import (
    OWNER,
    OWNER_TAG,
    SKUS,
    is_polycloud,
    plan_body,
    plan_differences,
    plan_id,
    plan_update_body,
    site_body,
    site_patch,
    translate,
)

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.mgmt.web import WebSiteManagementClient

__all__ = ["AzureFunctionsAdapter"]

T = TypeVar("T")

_CLI_FLAGS = {"subscription_id": "--subscription SUB", "resource_group": "--resource-group RG",
              "location": "--set location=REGION"}


def _site_name(name: str) -> str:
    """``name`` when it can be a function app name in an ARM path; an empty name would address the
    resource group's whole list of sites instead."""
    if not name or "/" in name:
        raise AdapterError(f"{name!r} is not a function app name: give the app's name (letters, digits and "
                           "hyphens), not a path")
    return name


def _not_set(field: str) -> AdapterError:
    return AdapterError(f"{field} is not set: add providers.azure.{field} to the spec, or pass {field}=... "
                        f"(CLI: {_CLI_FLAGS[field]})")


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
                 lro_timeout: float = 1800.0, adopt: bool = False) -> None:
        """Keep the settings; nothing is imported or called until the first API call.

        ``lro_timeout`` bounds the wait for one long-running operation (seconds). ``adopt`` lets a
        deploy take over a function app polycloud did not create (one without the
        ``managed-by: polycloud`` tag), replacing its configuration with the spec's.
        """
        self._subscription_id = subscription_id
        self._resource_group = resource_group
        self._location = location
        self._client = client
        self._credential = credential
        self.retry = retry or RetryPolicy()
        self.lro_timeout = lro_timeout
        self.adopt = adopt

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
            raise _not_set(field)
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
        """Run one API call (an ARM operation id names it) under the retry policy, errors translated.

        The credential gets its token inside the call, so a failed sign-in surfaces here as an AuthError
        (with how to sign in), and azure-identity's own warning about it is held back meanwhile.
        """
        with quiet_identity_logs():
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
            AdapterError: no location was given (neither ``location=`` nor ``providers.azure.location``),
                so ``plan`` fails where ``deploy`` would, before any call.
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
        location = self._location or (azure.location if azure else None)
        if not location:
            raise _not_set("location")
        return translate(
            spec, sku=sku,
            subscription_id=self._subscription_id or (azure.subscription_id if azure else None),
            resource_group=self._resource_group or (azure.resource_group if azure else None),
            location=location,
        )

    def to_spec(self, config: ProviderConfig) -> Imported:
        """Function app config -> spec (pure), with notes on what Azure cannot say."""
        return to_spec(config, self.limits)

    # -- I/O ---------------------------------------------------------------------------------------
    def read(self, name: str) -> ProviderConfig | None:
        """The live function app in the shape ``translate`` makes, or None when it does not exist.

        Four reads: GET site, GET config/web, POST appsettings/list (a read despite the verb), GET plan.
        """
        name = _site_name(name)
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
            ConflictError: the app or its plan is not polycloud's to change (nothing was written).
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
        notes = list(plan.desired.get("@notes") or [])
        if plan.live is not None and not is_polycloud(plan.live.get("tags")):
            notes.append(f"adopted function app {plan.name}, which polycloud did not create: it is now tagged "
                         f"{OWNER_TAG}: {OWNER} and managed from the spec")
        return Deployment(provider=self.name, name=plan.name, action=plan.action,
                          resource_id=site.get("id") if site else live.get("@id"),
                          url=f"https://{host}" if host else live.get("@url"), changes=plan.changes, notes=notes)

    def _apply(self, plan: Plan, done: list[str]) -> dict[str, Any] | None:
        desired, live, name = plan.desired, plan.live, plan.name
        rg = self._setting("resource_group")
        if not desired["site"]["location"]:  # translate refuses this already; a plan made by hand may not
            raise _not_set("location")
        if live is not None:
            self._check_owner(live, name)
            if plan.touches("site.location"):
                raise ConflictError(f"{name} is in {live['site']['location']}; a function app cannot move to "
                                    f"{desired['site']['location']}: delete it first", provider=self.name,
                                    operation="WebApps_Update")
        farm_id = plan_id(self._setting("subscription_id"), rg, desired["plan"]["name"])
        if live is None or plan.touches("plan", "site.siteConfig.functionAppScaleLimit"):
            # A new app, another plan or tier, or a new scale limit the plan's burst may not cover.
            self._ensure_plan(desired, live, farm_id, done)
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

    def _check_owner(self, live: ProviderConfig, name: str) -> None:
        """Refuse to take over a function app polycloud did not create, unless told to ``adopt`` it."""
        if self.adopt or is_polycloud(live.get("tags")):
            return
        raise ConflictError(
            f"function app {name} exists but polycloud did not create it (it has no {OWNER_TAG}: {OWNER} tag): "
            "a deploy would replace its configuration and app settings with the spec's. Check the changes with "
            "`polycloud plan`, then deploy with adopt=True (CLI: --set adopt=true) to take it over, or choose "
            "another name", provider=self.name, operation="WebApps_CreateOrUpdate")

    def _ensure_plan(self, desired: ProviderConfig, live: ProviderConfig | None, farm_id: str,
                     done: list[str]) -> None:
        """Create the App Service plan when it is absent; use an existing one that fits as it is.

        An existing plan that does not fit (another sku or kind, a burst below what the app needs) is
        changed only when polycloud created it and no other app uses it, by a PUT of its live body with
        the tier replaced, so nothing else is lost; otherwise the deploy is refused before any write.
        """
        want = desired["plan"]["name"]
        rg = self._setting("resource_group")
        on_plan = (live or {}).get("@plan") or {}
        on_it = str(on_plan.get("id") or "").lower() == farm_id.lower()  # the app is on this plan now
        found = on_plan if on_it else self._get_plan(rg, want)
        plans: Any = self.client.app_service_plans
        operation = "AppServicePlans_CreateOrUpdate"
        if found is None:
            body = plan_body(desired)
            self._wait(operation, f"App Service plan {want}", lambda: plans.begin_create_or_update(rg, want, body))
            done.append(f"created App Service plan {want}")
            return
        props = found.get("properties") or {}
        if not props.get("reserved"):
            raise ConflictError(f"App Service plan {want} is a Windows plan; a Linux container needs a Linux "
                                "plan: set providers.azure.plan_name to another plan", provider=self.name,
                                operation=operation)
        problems = plan_differences(desired, found)
        if not problems:
            return
        others = int(props.get("numberOfSites") or 0) - (1 if on_it else 0)
        if not is_polycloud(found.get("tags")) or others > 0:
            why = (f"it was not created by polycloud (no {OWNER_TAG}: {OWNER} tag)"
                   if not is_polycloud(found.get("tags")) else f"{others} other app(s) use it")
            raise ConflictError(
                f"App Service plan {want} does not fit {desired['@name']}: {'; '.join(problems)}. polycloud changes "
                f"only a plan it created that no other app uses, and {why}: set providers.azure.plan (and "
                "concurrency.max_instances) to match the plan, set providers.azure.plan_name to another plan, "
                "or change the plan yourself", provider=self.name, operation=operation)
        body = plan_update_body(desired, found)
        self._wait(operation, f"App Service plan {want}", lambda: plans.begin_create_or_update(rg, want, body))
        done.append(f"updated App Service plan {want}")

    def delete(self, name: str) -> None:
        """Delete the function app, and its App Service plan when polycloud created it and no app uses it.

        A plan without the ``managed-by: polycloud`` tag is never deleted, even when it is left empty.

        Raises:
            NotFoundError: there is no such function app.
        """
        name = _site_name(name)
        rg = self._setting("resource_group")
        web = self.client.web_apps
        site = dict(self._call("WebApps_Get", lambda: web.get(rg, name)))
        parts = str((site.get("properties") or {}).get("serverFarmId") or "").split("/")
        self._call("WebApps_Delete", lambda: web.delete(rg, name, delete_empty_server_farm=False))
        found = self._get_plan(parts[4], parts[-1]) if len(parts) == 9 else None
        if found is None or not is_polycloud(found.get("tags")) or (found.get("properties") or {}).get("numberOfSites"):
            return
        plans = self.client.app_service_plans
        try:
            self._call("AppServicePlans_Delete", lambda: plans.delete(parts[4], parts[-1]))
        except (NotFoundError, ConflictError):  # gone already, or an app moved onto it meanwhile: keep it
            pass
