"""The Azure Functions adapter: azure-mgmt-web imported lazily, client and credential injectable."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from polycloud._plan import Plan
from polycloud.adapter import Applied, BaseAdapter, Imported, Journal
from polycloud.checks import RuleInfo
from polycloud.config import ProviderConfig
from polycloud.errors import (
    AuthError,
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
from polycloud.progress import waiting
from polycloud.retry import RetryPolicy
from polycloud.spec import FunctionSpec
from polycloud_azure import rules
from polycloud_azure.errors import PROVIDER, map_sdk_error, operation_succeeded, quiet_identity_logs
from polycloud_azure.read import live_config, to_spec
from polycloud_azure.settings import AzureSettings
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

SITE_TYPE = "Microsoft.Web/sites"
"""The resource type the name-availability API checks a function app name as."""

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

    def _wait(self, operation: str, what: str, start: Callable[[], Any], journal: Journal,
              done: str) -> dict[str, Any]:
        """Start a long-running operation and wait, at most ``lro_timeout`` s, with the client's polling.

        ``done`` goes into the journal once Azure reports the operation ``Succeeded``, even when the SDK's
        final GET of the resource then fails (azure-core's ``LROBasePolling._poll`` reads the resource after
        the operation succeeded): the resource exists, so a failed deploy's ``.changed`` must name it.
        """
        succeeded = False

        def run() -> Any:
            nonlocal succeeded
            poller = start()
            try:
                result = poller.result(timeout=self.lro_timeout)
            except Exception as exc:
                succeeded = succeeded or operation_succeeded(poller, exc)
                raise
            if not poller.done():
                raise ProviderError(f"{what} did not finish within {self.lro_timeout:g} s", provider=self.name,
                                    operation=operation, code="OperationTimedOut")
            succeeded = True
            return result

        try:
            with waiting(f"waiting for {what}"):
                return dict(self.call(operation, run))
        finally:
            if succeeded:
                journal.record(done)

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
            self._refuse_taken_name(name, rg)
            return None
        config = dict(self.call("WebApps_GetConfiguration", lambda: web.get_configuration(rg, name)))
        settings = dict(self.call("WebApps_ListApplicationSettings",
                                  lambda: web.list_application_settings(rg, name)))
        farm = str((site.get("properties") or {}).get("serverFarmId") or "")
        parts = farm.split("/")
        plan = self._get_plan(parts[4], parts[-1]) if len(parts) == 9 else None
        return live_config(site, dict(config.get("properties") or {}), dict(settings.get("properties") or {}),
                           plan, parts[-1] or None)

    def _name_availability(self, name: str) -> dict[str, Any] | None:
        """The name-availability API's answer for a site name, or None when this identity may not ask.

        POST .../providers/Microsoft.Web/checknameavailability with type ``Microsoft.Web/sites``
        (https://learn.microsoft.com/rest/api/appservice/check-name-availability). It is a subscription-level
        action (``Microsoft.Web/checknameavailability/action``) that a role scoped to the resource group may
        lack (403): then the answer is unknown, not an error.
        """
        client: Any = self.client
        try:
            return dict(self.call("CheckNameAvailability", lambda: client.check_name_availability(
                {"name": name, "type": SITE_TYPE})))
        except AuthError:
            return None

    def _refuse_taken_name(self, name: str, rg: str, answer: dict[str, Any] | None = None) -> None:
        """Refuse, before any write, a site name that another resource group or subscription holds.

        Site names are global (``<name>.azurewebsites.net``): a PUT of a name taken elsewhere fails with 409
        "Website with given name ... already exists" after the deploy created the App Service plan, so plan
        time asks the name-availability API first. Only called when the site is not in ``rg``, so "taken"
        means taken by someone else. An unknown answer (``_name_availability``) lets the plan go on.

        Raises:
            RefusedError: the name is not available (code ``AlreadyExists`` or ``Invalid``).
        """
        answer = answer or self._name_availability(name)
        if answer is None or answer.get("nameAvailable", True):
            return
        reason = str(answer.get("reason") or "AlreadyExists")
        said = str(answer.get("message") or "").strip()
        raise RefusedError(
            f"the function app name {name} is not available ({reason}{': ' + said if said else ''}); there is "
            f"no app {name} in resource group {rg} of this subscription, and site names are global across Azure "
            f"(<name>.azurewebsites.net), so another resource group or subscription holds it: choose another "
            "name (nothing was written)", provider=self.name, operation="CheckNameAvailability", code=reason)

    def _get_plan(self, rg: str, name: str) -> dict[str, Any] | None:
        plans = self.client.app_service_plans
        try:
            return dict(self.call("AppServicePlans_Get", lambda: plans.get(rg, name)))
        except NotFoundError:
            return None

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
        created_plan = self._ensure_plan(plan.desired, None, farm_id, journal)
        try:
            return self._put_site(plan, farm_id, journal, verb="created")
        except ConflictError:
            if created_plan:
                self._undo_plan_if_name_taken(plan, journal)
            raise

    def _undo_plan_if_name_taken(self, plan: Plan, journal: Journal) -> None:
        """The site PUT said 409: when no such site is ours and the name is not free (taken elsewhere, or the
        identity may not ask), delete the plan this deploy created (it would be left behind, billed; ARM refuses
        to delete a plan any site uses) and refuse with the name's reason.

        Raises:
            RefusedError: the name is taken elsewhere (after the plan was deleted).
        """
        rg, name, want = self._setting("resource_group"), plan.name, plan.desired["plan"]["name"]
        web = self.client.web_apps
        try:
            self.call("WebApps_Get", lambda: web.get(rg, name))
            return  # ours after all (a create whose answer was lost): converge on it
        except NotFoundError:
            pass
        answer = self._name_availability(name)
        if answer is not None and answer.get("nameAvailable", True):
            return  # free: the conflict was something else, and a rerun uses the plan
        plans = self.client.app_service_plans
        self.call("AppServicePlans_Delete", lambda: plans.delete(rg, want))
        journal.record(f"deleted App Service plan {want} again, which this deploy had created: the function "
                       f"app name {name} is taken")
        self._refuse_taken_name(name, rg, answer or {"nameAvailable": False, "reason": "AlreadyExists",
                                                     "message": "the site PUT answered 409 Conflict"})

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
            self._ensure_plan(desired, live, farm_id, journal)
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
        site = self._wait("WebApps_CreateOrUpdate", f"function app {name}",
                          lambda: web.begin_create_or_update(rg, name, body), journal, f"{verb} function app {name}")
        return _applied(site, live)

    def _ensure_plan(self, desired: ProviderConfig[Any], live: ProviderConfig[Any] | None, farm_id: str,
                     journal: Journal) -> bool:
        """Create the App Service plan when it is absent (True) or use an existing one that fits as it is.

        An existing plan that does not fit (another sku or kind, a burst below what the app needs) is
        changed only when polycloud created it and no other app uses it, by a PUT of its live body with
        the tier replaced, so nothing else is lost; otherwise the deploy is refused before any write.
        """
        want = desired["plan"]["name"]
        rg = self._setting("resource_group")
        on_plan = (live.private if live else None) or {}
        on_it = str(on_plan.get("id") or "").lower() == farm_id.lower()  # the app is on this plan now
        found = on_plan if on_it else self._get_plan(rg, want)
        plans: Any = self.client.app_service_plans
        operation = "AppServicePlans_CreateOrUpdate"
        if found is None:
            body = plan_body(desired)
            self._wait(operation, f"App Service plan {want}", lambda: plans.begin_create_or_update(rg, want, body),
                       journal, f"created App Service plan {want}")
            return True
        props = found.get("properties") or {}
        if not props.get("reserved"):
            raise RefusedError(f"App Service plan {want} is a Windows plan; a Linux container needs a Linux "
                               "plan: set providers.azure.plan_name to another plan", provider=self.name,
                               operation=operation, code="WindowsPlan")
        problems = plan_differences(desired, found)
        if not problems:
            return False
        others = int(props.get("numberOfSites") or 0) - (1 if on_it else 0)
        if not is_polycloud(found.get("tags")) or others > 0:
            why = (f"it was not created by polycloud (no {OWNER_TAG}: {OWNER} tag)"
                   if not is_polycloud(found.get("tags")) else f"{others} other app(s) use it")
            raise RefusedError(
                f"App Service plan {want} does not fit {desired.name}: {'; '.join(problems)}. polycloud changes "
                f"only a plan it created that no other app uses, and {why}: set providers.azure.plan (and "
                "concurrency.max_instances) to match the plan, set providers.azure.plan_name to another plan, "
                "or change the plan yourself", provider=self.name, operation=operation, code="PlanDoesNotFit")
        body = plan_update_body(desired, found)
        self._wait(operation, f"App Service plan {want}", lambda: plans.begin_create_or_update(rg, want, body),
                   journal, f"updated App Service plan {want}")
        return False

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
        parts = str((site.get("properties") or {}).get("serverFarmId") or "").split("/")
        self.call("WebApps_Delete", lambda: web.delete(rg, name, delete_empty_server_farm=False))
        found = self._get_plan(parts[4], parts[-1]) if len(parts) == 9 else None
        if found is None or not is_polycloud(found.get("tags")) or (found.get("properties") or {}).get("numberOfSites"):
            return
        plans = self.client.app_service_plans
        try:
            self.call("AppServicePlans_Delete", lambda: plans.delete(parts[4], parts[-1]))
        except (NotFoundError, ConflictError):  # gone already, or an app moved onto it meanwhile: keep it
            pass


def _applied(site: dict[str, Any] | None, live: ProviderConfig[Any] | None) -> Applied:
    """The app's id and URL from the write's answer, else from what was read."""
    host = (site.get("properties") or {}).get("defaultHostName") if site else None
    return Applied(resource_id=site.get("id") if site else (live.id if live else None),
                   url=f"https://{host}" if host else (live.url if live else None))
