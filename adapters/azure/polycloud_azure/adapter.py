"""The Azure Functions adapter: azure-mgmt-web imported lazily, client and credential injectable."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from polycloud._plan import Plan
from polycloud.adapter import Applied, BaseAdapter, Imported, Journal, Listed
from polycloud.checks import RuleInfo
from polycloud.config import ProviderConfig
from polycloud.errors import (
    ConfigurationError,
    ConflictError,
    ErrorMapper,
    MissingDependencyError,
    NotFoundError,
    ProviderError,
    RefusedError,
    SpecError,
)
from polycloud.findings import Finding, Report, Severity
from polycloud.limits import ProviderLimits, load_limits
from polycloud.retry import RetryPolicy
from polycloud.spec import FunctionSpec
from polycloud_azure import rules
from polycloud_azure.errors import PROVIDER, map_sdk_error, quiet_identity_logs
from polycloud_azure.names import refuse_taken_name
from polycloud_azure.operations import wait_for
from polycloud_azure.plans import delete_if_unused, ensure_plan, plan_of, undo_plan_if_name_taken
from polycloud_azure.read import live_config, to_spec
from polycloud_azure.settings import AzureSettings
from polycloud_azure.translate import OWNER, OWNER_TAG, SKUS, plan_id, site_body, site_patch, translate

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
        raise ConfigurationError(f"{name!r} is not a function app name: give the app's name (letters, digits and "
                                 "hyphens), not a path", provider=PROVIDER, setting="name")
    return name


def _not_set(field: str) -> ConfigurationError:
    return ConfigurationError(f"{field} is not set: add providers.azure.{field} to the spec, or pass {field}=... "
                              f"(CLI: {_CLI_FLAGS[field]})", provider=PROVIDER, setting=field)


class AzureFunctionsAdapter(BaseAdapter):
    """Deploys a FunctionSpec as a Linux container function app on an Elastic Premium plan."""

    name: ClassVar[str] = "azure-functions"
    title: ClassVar[str] = "Azure Functions"
    section: ClassVar[str] = "azure"
    settings_model: ClassVar[type[AzureSettings]] = AzureSettings
    extra: ClassVar[str] = "polycloud-sdk[azure]"
    sdk_distributions: ClassVar[tuple[str, ...]] = ("azure-mgmt-web", "azure-identity")
    limits: ClassVar[ProviderLimits] = load_limits("azure-functions")
    sample_image: ClassVar[str] = "acme.azurecr.io/hello:1"
    rule_infos: ClassVar[tuple[RuleInfo, ...]] = rules.RULES
    resource_noun: ClassVar[str] = "function app"
    owner_mark: ClassVar[str] = f"the tag {OWNER_TAG}: {OWNER}"
    verify_after_apply: ClassVar[bool] = True
    """A function app has no ETag that its writes could name (``WebApps_CreateOrUpdate``, ``WebApps_Update``
    and ``WebApps_UpdateApplicationSettings`` take no If-Match in the Microsoft.Web REST API specs), so a deploy
    reads it again after writing and reports a concurrent change (``ConcurrentChangeError``) when it is not
    what the deploy wrote."""

    def __init__(self, *, subscription_id: str | None = None, resource_group: str | None = None,
                 location: str | None = None, client: WebSiteManagementClient | None = None,
                 credential: TokenCredential | None = None, retry: RetryPolicy | None = None,
                 lro_timeout: float = 1800.0, adopt: bool = False) -> None:
        """Keep the settings; nothing is imported or called until the first API call.

        ``lro_timeout`` bounds the wait for one long-running operation (seconds). ``adopt`` lets a
        deploy take over a function app polycloud did not create (one without the
        ``managed-by: polycloud`` tag), replacing its configuration with the spec's.
        """
        super().__init__(retry=retry, adopt=adopt)
        self._subscription_id = subscription_id
        self._resource_group = resource_group
        self._location = location
        self._inject("web", client)
        self._inject("credential", credential)
        self.lro_timeout = lro_timeout

    # -- settings and clients ----------------------------------------------------------------------
    def _setting(self, field: str) -> str:
        value: str | None = getattr(self, f"_{field}")
        if not value:
            raise _not_set(field)
        return value

    @property
    def credential(self) -> TokenCredential:
        """The injected credential, else ``DefaultAzureCredential()`` (created on first use)."""
        def make() -> TokenCredential:
            try:
                from azure.identity import DefaultAzureCredential
            except ImportError as exc:
                raise MissingDependencyError("azure-identity", self.extra) from exc
            return DefaultAzureCredential()
        return self._client("credential", make)

    @property
    def client(self) -> WebSiteManagementClient:
        """The ``WebSiteManagementClient`` (created on first use, with azure-core's own retries off).

        Raises:
            MissingDependencyError: azure-mgmt-web is not installed.
            ConfigurationError: no subscription id was given.
        """
        def make() -> WebSiteManagementClient:
            try:
                from azure.mgmt.web import WebSiteManagementClient
            except ImportError as exc:
                raise MissingDependencyError("azure-mgmt-web", self.extra) from exc
            # retry_total=0: azure-core's RetryPolicy sends once; polycloud's RetryPolicy is the one retry layer.
            return WebSiteManagementClient(self.credential, self._setting("subscription_id"), retry_total=0)
        return self._client("web", make)

    def map_error(self, exc: Exception, operation: str) -> ProviderError | None:
        """azure-core exceptions -> ProviderError (status, ARM code, request id; see ``errors``)."""
        return map_sdk_error(exc, operation)

    def call(self, operation: str, fn: Callable[[], T], *, mapper: ErrorMapper | None = None) -> T:
        """Run one API call (an ARM operation id names it) under the retry policy, errors translated.

        The credential gets its token inside the call, so a failed sign-in surfaces here as an AuthError
        (with how to sign in), and azure-identity's own warning about it is held back meanwhile.
        """
        with quiet_identity_logs():
            return super().call(operation, fn, mapper=mapper)

    # -- pure --------------------------------------------------------------------------------------
    def rules(self, spec: FunctionSpec, limits: ProviderLimits) -> list[Finding]:
        """Azure Functions' limits and conventions (pure, offline)."""
        return rules.check(spec, limits)

    def translate(self, spec: FunctionSpec) -> ProviderConfig[Any]:
        """Spec -> function app config (pure); the adapter's settings win over ``providers.azure``.

        Raises:
            SpecError: the spec's plan is not one polycloud can create for a container image.
            ConfigurationError: no location was given (neither ``location=`` nor ``providers.azure.location``),
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

    def to_spec(self, config: ProviderConfig[Any]) -> Imported:
        """Function app config -> spec (pure), with notes on what Azure cannot say."""
        return to_spec(config, self.limits)

    # -- I/O ---------------------------------------------------------------------------------------
    def read(self, name: str) -> ProviderConfig[dict[str, Any]] | None:
        """The live function app in the shape ``translate`` makes, or None when it does not exist.

        Four reads: GET site, GET config/web, POST appsettings/list (a read despite the verb), GET plan.
        """
        name = _site_name(name)
        rg = self._setting("resource_group")
        web = self.client.web_apps
        try:
            site = dict(self.call("WebApps_Get", lambda: web.get(rg, name)))
        except NotFoundError:
            refuse_taken_name(self, name, rg)
            return None
        config = dict(self.call("WebApps_GetConfiguration", lambda: web.get_configuration(rg, name)))
        settings = dict(self.call("WebApps_ListApplicationSettings",
                                  lambda: web.list_application_settings(rg, name)))
        plan, plan_name = plan_of(self, site)
        return live_config(site, dict(config.get("properties") or {}), dict(settings.get("properties") or {}),
                           plan, plan_name)

    def _farm_id(self, plan: Plan) -> str:
        if not plan.desired["site"]["location"]:  # translate refuses this already; a plan made by hand may not
            raise _not_set("location")
        return plan_id(self._setting("subscription_id"), self._setting("resource_group"),
                       plan.desired["plan"]["name"])

    def create(self, plan: Plan, journal: Journal) -> Applied:
        """The App Service plan when it is absent, then one PUT of the function app (create-or-update).

        When the site's name turns out to be taken elsewhere (the PUT's 409; plan time checks it, but another
        tenant can take it meanwhile), the plan this deploy created is deleted again, and ``.changed`` says so.
        """
        farm_id = self._farm_id(plan)
        created_plan = ensure_plan(self, self._setting("resource_group"), plan.desired, None, farm_id, journal)
        try:
            return self._put_site(plan, farm_id, journal, verb="created")
        except ConflictError:
            if created_plan:
                undo_plan_if_name_taken(self, self._setting("resource_group"), plan, journal)
            raise

    def update(self, plan: Plan, journal: Journal) -> Applied:
        """The plan when its tier or burst must change; then PUT (tags), or PATCH and app settings."""
        desired, live, name = plan.desired, plan.live, plan.name
        assert live is not None
        if plan.touches("site.location"):
            raise RefusedError(f"{name} is in {live['site']['location']}; a function app cannot move to "
                               f"{desired['site']['location']}: delete it first", provider=self.name,
                               operation="WebApps_Update", code="LocationChange")
        farm_id = self._farm_id(plan)
        if plan.touches("plan", "site.siteConfig.functionAppScaleLimit"):
            # Another plan or tier, or a new scale limit the plan's burst may not cover.
            ensure_plan(self, self._setting("resource_group"), desired, live, farm_id, journal)
        if plan.touches("tags"):
            return self._put_site(plan, farm_id, journal, verb="updated")
        rg = self._setting("resource_group")
        web: Any = self.client.web_apps  # the typed overloads take models; JSON dicts are what we send
        site: dict[str, Any] | None = None
        if plan.touches("site", "plan.name"):
            body = site_patch(desired, farm_id, identity=plan.touches("site.identity"))
            site = dict(self.call("WebApps_Update", lambda: web.update(rg, name, body)))
            journal.record("updated site configuration")
        if plan.touches("app_settings"):
            settings = {"properties": dict(desired["app_settings"])}
            self.call("WebApps_UpdateApplicationSettings",
                      lambda: web.update_application_settings(rg, name, settings))
            journal.record("replaced app settings")
        return _applied(site, live)

    def _put_site(self, plan: Plan, farm_id: str, journal: Journal, *, verb: str) -> Applied:
        """Only PUT can change tags; it carries every setting, app settings included."""
        rg, name, live = self._setting("resource_group"), plan.name, plan.live
        web: Any = self.client.web_apps
        body = site_body(plan.desired, farm_id, identity=live is None or plan.touches("site.identity"))
        site = wait_for(self, "WebApps_CreateOrUpdate", f"function app {name}",
                        lambda: web.begin_create_or_update(rg, name, body), journal, f"{verb} function app {name}")
        return _applied(site, live)

    def delete(self, name: str) -> None:
        """Delete the function app, and its App Service plan when polycloud created it and no app uses it.

        A plan without the ``managed-by: polycloud`` tag is never deleted, even when it is left empty.

        Raises:
            NotFoundError: there is no such function app.
        """
        name = _site_name(name)
        rg = self._setting("resource_group")
        web = self.client.web_apps
        site = dict(self.call("WebApps_Get", lambda: web.get(rg, name)))
        self.call("WebApps_Delete", lambda: web.delete(rg, name, delete_empty_server_farm=False))
        delete_if_unused(self, site)

    def list(self) -> builtins.list[Listed]:
        """The resource group's function apps (WebApps_ListByResourceGroup, every page; web apps left out):
        owned when tagged ``managed-by: polycloud`` (see ``listing``)."""
        from polycloud_azure.listing import list_function_apps

        return list_function_apps(self.call, self.client.web_apps, self.client.app_service_plans,
                                  self._setting("resource_group"), self.limits)


def _applied(site: dict[str, Any] | None, live: ProviderConfig[Any] | None) -> Applied:
    """The app's id and URL from the write's answer, else from what was read."""
    host = (site.get("properties") or {}).get("defaultHostName") if site else None
    return Applied(resource_id=site.get("id") if site else (live.id if live else None),
                   url=f"https://{host}" if host else (live.url if live else None))
