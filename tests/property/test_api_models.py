"""Property (issue 9): anything ``validate`` accepts is accepted by the providers' own published API models.

For each cloud, hypothesis draws specs broadly (``specs``), keeps those ``validate`` reports no errors for,
and deploys two of them under one name on the offline fakes, so both the create and the update requests are
made. Every request polycloud sent is then checked against the provider's model:

- AWS: every Lambda and IAM request (recorded from the boto3 clients as sent) against botocore's service
  model: min/max, patterns and enums, and botocore's own type checks;
- Azure: every ARM write body the fake received against its ``azure.mgmt.web.models`` model (App Service
  plan, site PUT and PATCH, app settings);
- Google: every Service body sent to Cloud Run parsed by ``run_v2.Service`` and checked by the server rules.

The deploys must succeed too: a fake that refuses a spec ``validate`` accepted is the same bug seen from the
service's side.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from polycloud import FunctionSpec, PolycloudError, RefusedError, deploy, registry, validate
from polycloud.testing.api_models import RequestRecorder, arm_violations, botocore_violations, cloud_run_violations
from tests.property.specs import aws_specs, azure_specs, gcp_specs

if TYPE_CHECKING:
    from polycloud.testing.aws import MotoLambda

PROPERTY = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                    phases=(Phase.explicit, Phase.generate),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
"""Reproducible (derandomized, no example database) and bounded: no shrinking, which takes minutes when each
example is two deploys; a failure prints the violations, which name the field and the model's rule."""


def _valid(doc: dict[str, Any], provider: str) -> FunctionSpec | None:
    """The spec of ``doc`` when it builds and ``validate`` finds no error for ``provider``, else None."""
    try:
        spec = FunctionSpec.model_validate(doc)
    except ValidationError:
        return None
    return spec if not validate(spec, [provider]).errors else None


_IDENTITY = {"aws-lambda": ("aws", ("region",)), "gcp-cloud-run": ("gcp", ("project", "region")),
             "azure-functions": ("azure", ("subscription_id", "resource_group", "location"))}
"""What places a function: the update keeps it (a new place is another function, or a move polycloud refuses)."""


@st.composite
def two_valid(draw: st.DrawFn, specs: Callable[..., st.SearchStrategy[dict[str, Any]]],
              provider: str) -> tuple[FunctionSpec, FunctionSpec]:
    """A valid spec and a second valid one for the same function (same name and place): its update."""
    section, keys = _IDENTITY[provider]
    first_doc = draw(specs().filter(lambda doc: _valid(doc, provider) is not None))

    def same_place(doc: dict[str, Any]) -> dict[str, Any]:
        doc["providers"][section].update({k: first_doc["providers"][section].get(k) for k in keys})
        return doc
    second = draw(specs(name=first_doc["name"]).map(same_place).map(lambda doc: _valid(doc, provider)).filter(
        lambda spec: spec is not None))
    first = _valid(first_doc, provider)
    assert first is not None and second is not None
    return first, second


def _deploy_both(specs: tuple[FunctionSpec, FunctionSpec], provider: str, settings: dict[str, Any]) -> list[str]:
    """Deploy the create and then the update; what went wrong, as text (empty: both succeeded)."""
    failures = []
    for spec in specs:
        try:
            deploy(spec, provider, **settings)
        except RefusedError as exc:
            if exc.changed:  # a refusal of what the account holds is fine, before any write
                failures.append(f"deploy refused a spec validate accepts after writing: {exc}")
            break
        except PolycloudError as exc:
            failures.append(f"deploy failed on a spec validate accepts: {type(exc).__name__}: {exc}")
            break
        except Exception as exc:  # a traceback for the user: the worst way to refuse a valid spec
            failures.append(f"deploy crashed on a spec validate accepts: {type(exc).__name__}: {exc}")
            break
    return failures


# -- AWS Lambda (moto) ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def moto_recorded() -> Iterator[tuple[MotoLambda, RequestRecorder]]:
    """One moto for the whole property (starting moto costs more than a deploy), its clients recorded."""
    from polycloud.testing.aws import moto_lambda

    recorder = RequestRecorder()
    with moto_lambda() as moto:
        recorder.attach(moto.client)
        recorder.attach(moto.iam_client)
        yield moto, recorder


def _fresh_account(moto: MotoLambda, recorder: RequestRecorder, specs: tuple[FunctionSpec, ...]) -> None:
    """An empty moto account holding the roles ``specs`` name (the user's, made before the deploy), and an
    empty recording."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()
    for spec in specs:
        role = spec.providers.aws.role if spec.providers.aws else None
        if role:
            path, _, name = role.split(":role", 1)[1].rpartition("/")
            with contextlib.suppress(moto.iam_client.exceptions.EntityAlreadyExistsException):
                moto.iam_client.create_role(RoleName=name, Path=f"{path}/", AssumeRolePolicyDocument="{}")
    recorder.requests.clear()


@PROPERTY
@given(specs=two_valid(aws_specs, "aws-lambda"))
def test_every_lambda_and_iam_request_fits_botocore_model(
        specs: tuple[FunctionSpec, FunctionSpec], moto_recorded: tuple[MotoLambda, RequestRecorder]) -> None:
    moto, recorder = moto_recorded
    _fresh_account(moto, recorder, specs)
    failures = _deploy_both(specs, "aws-lambda", moto.settings())
    problems = recorder.violations() + failures
    assert not problems, "\n".join(problems)
    assert {"CreateFunction", "PublishVersion", "CreateAlias"} <= set(recorder.operations())


# -- Azure Functions (the ARM fake) --------------------------------------------------------------------

_ARM_MODELS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("PUT", re.compile(r".*/providers/Microsoft\.Web/serverfarms/[^/]+"), "AppServicePlan"),
    ("PATCH", re.compile(r".*/providers/Microsoft\.Web/serverfarms/[^/]+"), "AppServicePlanPatchResource"),
    ("PUT", re.compile(r".*/providers/Microsoft\.Web/sites/[^/]+"), "Site"),
    ("PATCH", re.compile(r".*/providers/Microsoft\.Web/sites/[^/]+"), "SitePatchResource"),
    ("PUT", re.compile(r".*/providers/Microsoft\.Web/sites/[^/]+/config/appsettings"), "StringDictionary"),
    ("PATCH", re.compile(r".*/providers/Microsoft\.Web/sites/[^/]+/config/web"), "SiteConfigResource"),
    ("PUT", re.compile(r".*/providers/Microsoft\.Web/sites/[^/]+/config/web"), "SiteConfigResource"),
)


def arm_model_for(method: str, path: str) -> str | None:
    """The azure.mgmt.web model of a write's body (None: a write without one, e.g. a DELETE)."""
    return next((model for verb, pattern, model in _ARM_MODELS if verb == method and pattern.fullmatch(path)), None)


@PROPERTY
@given(two_valid(azure_specs, "azure-functions"))
def test_every_arm_body_fits_the_azure_mgmt_web_model(specs: tuple[FunctionSpec, FunctionSpec]) -> None:
    from polycloud.testing.azure import FakeArmWeb, sandbox_settings

    arm = FakeArmWeb(lro_polls=0)
    with arm.activate():
        failures = _deploy_both(specs, "azure-functions", sandbox_settings(arm))
    checked = []
    for request in arm.writes:
        model = arm_model_for(request.method, request.path)
        if request.method in ("PUT", "PATCH") and model is None:
            failures.append(f"{request.method} {request.path}: no model known for this write")
        elif model is not None:
            checked.append(model)
            failures += [f"{request.method} {request.path}: {p}" for p in arm_violations(model, request.body)]
    assert not failures, "\n".join(failures)
    assert {"AppServicePlan", "Site"} <= set(checked)


# -- Google Cloud Run (the Cloud Run fake) -------------------------------------------------------------

@PROPERTY
@given(two_valid(gcp_specs, "gcp-cloud-run"))
def test_every_cloud_run_service_parses_and_passes_the_server_rules(
        specs: tuple[FunctionSpec, FunctionSpec]) -> None:
    from polycloud.testing.gcp import FakeCloudRun, sandbox_settings
    from polycloud_gcp.translate import service_body

    run = FakeCloudRun(lro_polls=0)
    with run.activate():
        failures = _deploy_both(specs, "gcp-cloud-run", sandbox_settings(run))
    services = [r for r in run.writes if re.fullmatch(r".*/services(/[^/:]+)?", r.path) and isinstance(r.body, dict)]
    for request in services:
        service_id = request.query.get("serviceId") or request.path.rsplit("/", 1)[-1]
        failures += [f"{request.method} {request.path}: {p}" for p in cloud_run_violations(request.body, service_id)]
    # The adapter parses the body into a run_v2.Service before sending; a body the proto refuses never
    # reaches the fake, so the create body is also checked as the adapter builds it.
    adapter = registry.load("gcp-cloud-run")()
    for spec in specs:
        body = service_body(adapter.translate(spec))
        failures += [f"service_body({spec.name}): {p}" for p in cloud_run_violations(body, spec.name)]
    assert not failures, "\n".join(dict.fromkeys(failures))
    assert services


# -- the checkers catch what they are for ---------------------------------------------------------------

def test_botocore_checker_reports_lengths_patterns_ranges_and_enums() -> None:
    found = botocore_violations("lambda", "CreateAlias", {"FunctionName": "f", "Name": "123", "FunctionVersion": "1"})
    assert any("pattern" in p and "CreateAlias.Name" in p for p in found)
    found = botocore_violations("lambda", "TagResource", {
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "Tags": {"k": "tab\there", "x" * 129: ""}})
    assert any("Tags['k']" in p and "pattern" in p for p in found)
    assert any("length 129 is above the model's max 128" in p for p in found)
    found = botocore_violations("lambda", "PutFunctionConcurrency",
                                {"FunctionName": "f", "ReservedConcurrentExecutions": -1})
    assert any("below the model's min 0" in p for p in found)
    found = botocore_violations("lambda", "CreateFunctionUrlConfig", {"FunctionName": "f", "AuthType": "OPEN"})
    assert any("'OPEN' is not one of" in p for p in found)
    assert botocore_violations("lambda", "TagResource", {
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "Tags": {"Équipe": "données 1"}}) == []


def test_arm_checker_reports_unknown_readonly_mistyped_and_missing_properties() -> None:
    found = arm_violations("Site", {"kind": "functionapp", "identity": {"type": "Everyone"}, "properties": {
        "httpsOnly": "yes", "state": "Running", "siteConfig": {"linuxFxVersionn": "DOCKER|x"}}})
    assert any(p.startswith("Site.location: required") for p in found)
    assert any("Site.identity.type: 'Everyone' is not one of" in p for p in found)
    assert any("Site.properties.httpsOnly: expected bool" in p for p in found)
    assert any("Site.properties.state: read-only" in p for p in found)
    assert any("SiteConfig has no property 'linuxFxVersionn'" in p for p in found)
    found = arm_violations("SitePatchResource", {"properties": {"siteConfig": {"minimumElasticInstanceCount": 2**31}}})
    assert any("outside the 32-bit integer" in p for p in found)
    assert arm_violations("StringDictionary", {"properties": {"A": "1"}}) == []


def test_cloud_run_checker_reports_proto_and_server_rule_failures() -> None:
    body = {"template": {"containers": [{"image": "gcr.io/p/a"}], "maxInstanceRequestConcurrency": 2**31}}
    assert any("cannot parse" in p for p in cloud_run_violations(body))
    assert any("service_id" in p for p in cloud_run_violations({"template": {"containers": [{"image": "a"}]}}, "Ab"))
    assert cloud_run_violations({"template": {"containers": [{"image": "gcr.io/p/a"}]}}, "ab") == []
