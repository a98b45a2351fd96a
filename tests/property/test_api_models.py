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
service's side (a refusal before any write of what the account holds, such as a quota, is not a failure).

Violations the property found are pinned in ``FOUND``: the smallest spec of each and the rule that now refuses
it. While a bug is open its case is a strict xfail naming it, and ``KNOWN_BUGS`` keeps the property from drawing
it again, so the property stays green and strict about anything new.
Runs in about 40 s (the three properties: 60, 80 and 100 examples, each two deploys).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from polycloud import FunctionSpec, PolycloudError, RefusedError, deploy, registry, validate
from polycloud.testing.api_models import (
    RequestRecorder,
    arm_path_violations,
    arm_violations,
    botocore_violations,
    cloud_run_violations,
)
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


# -- bugs the property found, until fixed ---------------------------------------------------------------

KNOWN_BUGS: dict[str, dict[str, Callable[[FunctionSpec], bool]]] = {
    "aws-lambda": {},
    "azure-functions": {},
    "gcp-cloud-run": {},
}
"""Specs that trigger a violation the property found and ``FOUND`` pins (each there as a strict xfail, by the
same name): the property skips them so it stays strict about every other violation. When a fix makes a
``FOUND`` case pass, delete its entry here and its mark there."""


def _known_bugs(provider: str, specs: tuple[FunctionSpec, ...]) -> list[str]:
    return [name for name, hit in KNOWN_BUGS[provider].items() if any(hit(spec) for spec in specs)]


@dataclass
class Deploys:
    """What deploying the create and then the update did."""

    failures: list[str] = field(default_factory=list)
    """What went wrong, as text: a spec validate accepts must deploy."""
    refused: str | None = None
    """A refusal, before any write, of what the account holds (a quota, a name taken elsewhere): not the
    spec's fault, so not a failure; nothing more is deployed."""


def _deploy_both(specs: tuple[FunctionSpec, ...], provider: str, settings: dict[str, Any]) -> Deploys:
    """Deploy the create and then the update, stopping at the first that does not succeed."""
    result = Deploys()
    for spec in specs:
        try:
            deploy(spec, provider, settings=settings)
        except RefusedError as exc:
            if exc.changed:
                result.failures.append(f"deploy refused a spec validate accepts after writing: {exc}")
            else:
                result.refused = str(exc)
            break
        except PolycloudError as exc:
            result.failures.append(f"deploy failed on a spec validate accepts: {type(exc).__name__}: {exc}")
            break
        except Exception as exc:  # a traceback for the user: the worst way to refuse a valid spec
            result.failures.append(f"deploy crashed on a spec validate accepts: {type(exc).__name__}: {exc}")
            break
    return result


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


def aws_problems(specs: tuple[FunctionSpec, ...], moto: MotoLambda, recorder: RequestRecorder) -> list[str]:
    """Deploy ``specs`` in turn on a fresh moto account; every request that breaks botocore's model, and
    every failed deploy."""
    _fresh_account(moto, recorder, specs)
    deploys = _deploy_both(specs, "aws-lambda", moto.settings())
    problems = recorder.violations() + deploys.failures
    missing = {"CreateFunction", "PublishVersion", "CreateAlias"} - set(recorder.operations())
    if not problems and deploys.refused is None and missing:
        problems.append(f"the deploy never sent {sorted(missing)}")
    return problems


@settings(PROPERTY, max_examples=60)
@given(specs=two_valid(aws_specs, "aws-lambda"))
def test_every_lambda_and_iam_request_fits_botocore_model(
        specs: tuple[FunctionSpec, FunctionSpec], moto_recorded: tuple[MotoLambda, RequestRecorder]) -> None:
    assume(not _known_bugs("aws-lambda", specs))
    problems = aws_problems(specs, *moto_recorded)
    assert not problems, "\n".join(problems)


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


def azure_problems(specs: tuple[FunctionSpec, ...]) -> list[str]:
    """Deploy ``specs`` in turn on a fresh ARM fake; every write body that breaks its azure-mgmt-web model,
    and every failed deploy."""
    from polycloud.testing.azure import FakeArmWeb, sandbox_settings

    arm = FakeArmWeb(lro_polls=0)
    with arm.activate():
        deploys = _deploy_both(specs, "azure-functions", sandbox_settings(arm))
    problems, checked = list(deploys.failures), []
    paths = dict.fromkeys(request.path for request in arm.calls)
    problems += [f"{path}: {p}" for path in paths for p in arm_path_violations(path)]
    for request in arm.writes:
        model = arm_model_for(request.method, request.path)
        if request.method in ("PUT", "PATCH") and model is None:
            problems.append(f"{request.method} {request.path}: no model known for this write")
        elif model is not None:
            checked.append(model)
            problems += [f"{request.method} {request.path}: {p}" for p in arm_violations(model, request.body)]
    if not problems and deploys.refused is None and not {"AppServicePlan", "Site"} <= set(checked):
        problems.append(f"the deploy never sent the plan and the site (sent: {checked})")
    return problems


@settings(PROPERTY, max_examples=80)
@given(two_valid(azure_specs, "azure-functions"))
def test_every_arm_body_fits_the_azure_mgmt_web_model(specs: tuple[FunctionSpec, FunctionSpec]) -> None:
    assume(not _known_bugs("azure-functions", specs))
    problems = azure_problems(specs)
    assert not problems, "\n".join(problems)


# -- Google Cloud Run (the Cloud Run fake) -------------------------------------------------------------

def gcp_problems(specs: tuple[FunctionSpec, ...]) -> list[str]:
    """Deploy ``specs`` in turn on a fresh Cloud Run fake; every Service the protos or the server rules
    refuse, and every failed deploy."""
    from polycloud.testing.gcp import FakeCloudRun, sandbox_settings
    from polycloud_gcp.translate import service_body

    run = FakeCloudRun(lro_polls=0)
    with run.activate():
        deploys = _deploy_both(specs, "gcp-cloud-run", sandbox_settings(run))
    problems = list(deploys.failures)
    services = [r for r in run.writes if re.fullmatch(r".*/services(/[^/:]+)?", r.path) and isinstance(r.body, dict)]
    for request in services:
        service_id = request.query.get("serviceId") or request.path.rsplit("/", 1)[-1]
        problems += [f"{request.method} {request.path}: {p}" for p in cloud_run_violations(request.body, service_id)]
    # The adapter parses the body into a run_v2.Service before sending; a body the proto refuses never
    # reaches the fake, so the create body is also checked as the adapter builds it.
    adapter = registry.load("gcp-cloud-run")()
    for spec in specs:
        body = service_body(adapter.translate(spec))
        problems += [f"service_body({spec.name}): {p}" for p in cloud_run_violations(body, spec.name)]
    if not problems and deploys.refused is None and not services:
        problems.append("the deploy never sent a Service")
    return list(dict.fromkeys(problems))


@settings(PROPERTY, max_examples=100)
@given(two_valid(gcp_specs, "gcp-cloud-run"))
def test_every_cloud_run_service_parses_and_passes_the_server_rules(
        specs: tuple[FunctionSpec, FunctionSpec]) -> None:
    assume(not _known_bugs("gcp-cloud-run", specs))
    problems = gcp_problems(specs)
    assert not problems, "\n".join(problems)


# -- the smallest specs the property found (issue 9) ---------------------------------------------------

_ECR_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:1"
_AWS = {"aws": {"region": "us-east-1"}}
_GCP = {"gcp": {"project": "proj", "region": "europe-west1"}}
_AZURE = {"azure": {"subscription_id": "00000000-0000-0000-0000-000000000000", "resource_group": "rg",
                    "location": "westeurope"}}


def _bug(reason: str) -> pytest.MarkDecorator:
    """A case the property found: fails until polycloud refuses the spec or sends what the model accepts."""
    return pytest.mark.xfail(strict=True, reason=reason)


FOUND = [
    # providers.aws.alias is CreateAlias.Name and the Qualifier of the URL and concurrency calls: 1-128
    # characters matching (?!^[0-9]+$)([a-zA-Z0-9-_]+)
    pytest.param("aws-lambda", {"name": "orders", "image": _ECR_IMAGE, "providers": {
        "aws": {"region": "us-east-1", "alias": "2024"}}}, "aws-alias", id="aws-alias-all-digits"),
    pytest.param("aws-lambda", {"name": "orders", "image": _ECR_IMAGE, "providers": {
        "aws": {"region": "us-east-1", "alias": "live.v2"}}}, "aws-alias", id="aws-alias-dot"),
    # TagKey and TagValue allow [\p{L}\p{Z}\p{N}_.:/=+\-@]*: separators, not tab, newline or other controls
    pytest.param("aws-lambda", {"name": "orders", "image": _ECR_IMAGE, "tags": {"team": "a\tb"}, "providers": _AWS},
                 "aws-tags", id="aws-tag-value-tab"),
    pytest.param("aws-lambda", {"name": "orders", "image": _ECR_IMAGE, "tags": {"team\n": "a"}, "providers": _AWS},
                 "aws-tags", id="aws-tag-key-newline"),
    # VpcConfig: SubnetIds subnet-[0-9a-z]*, SecurityGroupIds sg-[0-9a-zA-Z]*
    pytest.param("aws-lambda", {"name": "orders", "image": _ECR_IMAGE, "network": {"egress": "vpc"}, "providers": {
        "aws": {"region": "us-east-1", "subnet_ids": ["my-subnet"], "security_group_ids": ["SG-1"]}}},
                 "aws-vpc", id="aws-vpc-ids"),
    # minInstanceCount and maxInstanceCount are int32: run_v2.Service could not parse them (a ParseError traceback)
    pytest.param("gcp-cloud-run", {"name": "orders", "image": "gcr.io/proj/app:1",
                                   "concurrency": {"min_instances": 2**31}, "providers": _GCP},
                 "gcp-instances", id="gcp-min-instances-int32"),
    pytest.param("gcp-cloud-run", {"name": "orders", "image": "gcr.io/proj/app:1",
                                   "concurrency": {"max_instances": 2**31}, "providers": _GCP},
                 "gcp-instances", id="gcp-max-instances-int32"),
    # resourceGroupName is at most 90 characters matching ^[-\w\._\(\)]+[^\.]$ (the ARM fake answers
    # InvalidResourceGroupName at the first read)
    pytest.param("azure-functions", {"name": "orders", "image": "docker.io/library/app:1",
                                     "network": {"auth": "none"}, "providers": {"azure": {
                                         **_AZURE["azure"], "resource_group": "rg."}}},
                 "azure-resource-group", id="azure-resource-group-dot"),
    # siteConfig.minimumElasticInstanceCount is an int32 (and at most 20 always-ready instances per app)
    pytest.param("azure-functions", {"name": "orders", "image": "docker.io/library/app:1",
                                     "network": {"auth": "none"}, "concurrency": {"min_instances": 2**31},
                                     "providers": _AZURE}, "azure-min-instances", id="azure-min-instances-int32"),
]
"""The smallest spec of each violation the property found, and the rule that now refuses it. A new find goes
here with ``marks=_bug(...)`` and its rule, plus a ``KNOWN_BUGS`` entry, until it is fixed."""


@pytest.mark.parametrize(("provider", "doc", "rule"), FOUND)
def test_smallest_specs_the_property_found(provider: str, doc: dict[str, Any], rule: str,
                                           moto_recorded: tuple[MotoLambda, RequestRecorder]) -> None:
    spec = FunctionSpec.model_validate(doc)
    if validate(spec, [provider]).errors:
        return  # fixed by a rule: validate no longer accepts it
    problems = {"aws-lambda": lambda: aws_problems((spec,), *moto_recorded), "azure-functions": lambda:
                azure_problems((spec,)), "gcp-cloud-run": lambda: gcp_problems((spec,))}[provider]()
    assert not problems, "\n".join(problems)


def _open(case: Any) -> bool:
    """A FOUND case still marked as a bug (a strict xfail)."""
    return any(mark.name == "xfail" for mark in case.marks)


def test_every_found_case_is_refused_by_its_rule_or_a_known_bug_the_property_skips() -> None:
    for case in FOUND:
        provider, doc, rule = case.values
        spec = FunctionSpec.model_validate(doc)
        if _open(case):
            assert _known_bugs(str(provider), (spec,)), case.id
        else:
            assert rule in {f.rule for f in validate(spec, [str(provider)]).errors}, case.id


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
    group = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/{}/providers/Microsoft.Web/sites/a"
    assert arm_path_violations(group.format("rg.")) and arm_path_violations(group.format("r" * 91))
    assert arm_path_violations(group.format("rg-app_1.%28x%29")) == []


def test_cloud_run_checker_reports_proto_and_server_rule_failures() -> None:
    body = {"template": {"containers": [{"image": "gcr.io/p/a"}], "maxInstanceRequestConcurrency": 2**31}}
    assert any("cannot parse" in p for p in cloud_run_violations(body))
    assert any("service_id" in p for p in cloud_run_violations({"template": {"containers": [{"image": "a"}]}}, "Ab"))
    assert cloud_run_violations({"template": {"containers": [{"image": "gcr.io/p/a"}]}}, "ab") == []
