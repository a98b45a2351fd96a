"""Hypothesis strategies for FunctionSpecs, broad across every field and reaching each provider's limits.

Each strategy draws mostly values a provider allows, often at its edges (names of the longest allowed length,
the largest counts and sizes), and now and then a value just past an edge or outside the usual alphabet, so
the property also meets what ``validate`` lets through by accident. The tests keep only the specs
``validate`` reports no errors for.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from hypothesis import strategies as st

T = TypeVar("T")

REGION = "us-east-1"
ACCOUNT = "123456789012"
ECR = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
INT32 = 2**31 - 1

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"
_ALNUM = _LOWER + _LOWER.upper() + _DIGITS
_ANY_CHAR = st.characters(codec="utf-8", exclude_categories=("Cs",))
"""Any character, controls and separators included (a YAML file can carry them all)."""


@cache
def weighted(*branches: tuple[int, st.SearchStrategy[T]]) -> st.SearchStrategy[T]:
    """One of ``branches``, each drawn ``weight`` times in ``sum(weights)``; shrinks towards the first."""
    picks = [i for i, (weight, _) in enumerate(branches) for _ in range(weight)]
    return st.sampled_from(picks).flatmap(lambda i: branches[i][1])


@cache
def edgy_ints(low: int, high: int, *beyond: int) -> st.SearchStrategy[int]:
    """Integers in [low, high], their edges often, and (rarely) the values ``beyond`` them."""
    edges = st.sampled_from([low, high])
    return weighted((6, st.integers(low, high)), (3, edges), (1, st.sampled_from(beyond or (high,))))


@cache
def _text(alphabet: str, low: int, high: int, first: str | None) -> st.SearchStrategy[str]:
    if first is None or high == 0:
        return st.text(alphabet, min_size=low, max_size=high)
    rest = st.text(alphabet, min_size=max(low - 1, 0), max_size=high - 1)
    return st.builds(str.__add__, st.sampled_from(first), rest)


@cache
def sized(alphabet: str, low: int, high: int, *, first: str | None = None) -> st.SearchStrategy[str]:
    """Text of ``alphabet`` (starting with one of ``first``) whose length is in [low, high], often the
    shortest or longest, rarely one longer."""
    return weighted((6, _text(alphabet, low, high, first)), (2, _text(alphabet, high, high, first)),
                    (1, _text(alphabet, low, low, first)), (1, _text(alphabet, high + 1, high + 1, first)))


@cache
def free_text(max_size: int = 8) -> st.SearchStrategy[str]:
    """Short text of any characters."""
    return st.text(_ANY_CHAR, max_size=max_size)


ENV_NAMES = weighted((8, sized(_ALNUM.upper() + "_", 2, 40, first=_LOWER.upper())), (1, st.sampled_from(
    ["TZ", "A1", "PORT", "K_SERVICE", "X_GOOGLE_A", "AWS_REGION", "a.b", "_X", "WEBSITES_PORT", "Ab_1"])))


@cache
def environment(names: st.SearchStrategy[str] = ENV_NAMES) -> st.SearchStrategy[dict[str, str]]:
    """Up to 6 variables; values of any characters, sometimes long."""
    values = weighted((4, free_text()), (1, st.text(_ALNUM, min_size=100, max_size=300)))
    return st.dictionaries(names, values, max_size=6)


@cache
def tags(keys: st.SearchStrategy[str], values: st.SearchStrategy[str], most: int) -> st.SearchStrategy[Any]:
    """A few tags, or (now and then) exactly ``most`` short ones."""
    full = st.dictionaries(st.builds(lambda i: f"t{i}", st.integers(0, 10_000)), st.just("v"),
                           min_size=most, max_size=most)
    return weighted((6, st.dictionaries(keys, values, max_size=4)), (1, full))


@st.composite
def concurrency(draw: st.DrawFn, most: int, per_instance: st.SearchStrategy[int]) -> dict[str, Any]:
    """min <= max; counts up to and rarely past ``most``, and past int32."""
    big = st.sampled_from([most, most + 1, INT32, INT32 + 1])
    low = draw(weighted((8, st.integers(0, 5)), (1, big)))
    high = draw(weighted((3, st.none()), (6, st.integers(max(low, 1), max(low, most))), (1, big.filter(
        lambda n: n >= low))))
    return {"min_instances": low, "max_instances": high, "per_instance": draw(per_instance)}


@cache
def network(vpc: bool, auth: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[dict[str, str]]:
    """Ingress and auth; egress through the VPC exactly when the provider section names one."""
    return st.fixed_dictionaries({
        "ingress": st.sampled_from(["public", "internal", "none"]),
        "auth": st.sampled_from(["iam", "none"]) if auth is None else auth,
        "egress": st.just("vpc" if vpc else "default"),
    })


def _common(draw: st.DrawFn, name: st.SearchStrategy[str], image: st.SearchStrategy[str],
            contracts: list[str], memory: st.SearchStrategy[int], timeout: st.SearchStrategy[int],
            architectures: list[str]) -> dict[str, Any]:
    return {
        "name": draw(name),
        "image": draw(image),
        "image_contract": draw(weighted((9, st.sampled_from(contracts)), (1, st.sampled_from(
            ["http", "lambda-runtime-api", "azure-functions-host"])))),
        "port": draw(edgy_ints(1, 65535)),
        "memory": draw(memory),
        "timeout": draw(timeout),
        "architecture": draw(weighted((9, st.sampled_from(architectures)), (1, st.sampled_from(
            ["x86_64", "arm64", "amd64", "aarch64"])))),
    }


# -- AWS Lambda ---------------------------------------------------------------------------------------

_AWS_TAG_CHARS = _ALNUM + " _.:/=+-@"
_SPACES = "\t\n\x0b\x0c\r\x1c\x85\u00a0\u2028\u3000"
"""What Python's ``\\s`` calls white space: control characters among them, separators too."""
_SPACED_TAGS = st.dictionaries(st.text(_AWS_TAG_CHARS + _SPACES, min_size=1, max_size=6),
                               st.text(_AWS_TAG_CHARS + _SPACES, max_size=6), min_size=1, max_size=3)


@st.composite
def aws_specs(draw: st.DrawFn, name: str | None = None) -> dict[str, Any]:
    """Spec documents for AWS Lambda (``name`` fixed when given: an update of the same function)."""
    vpc = draw(st.booleans())
    doc = _common(draw, name=st.just(name) if name else sized(_ALNUM + "-_", 1, 64),
                  image=st.builds(lambda tag: f"{ECR}/repo:{tag}", sized(_ALNUM, 1, 12)),
                  contracts=["http", "lambda-runtime-api"], memory=edgy_ints(128, 10240, 10241, 32768),
                  timeout=edgy_ints(1, 900, 901), architectures=["x86_64", "arm64", "amd64", "aarch64"])
    tag_text = weighted((4, st.text(_AWS_TAG_CHARS, max_size=8)), (1, free_text()),
                        (1, st.text(_AWS_TAG_CHARS + _SPACES, min_size=1, max_size=4)))
    doc.update({
        "ephemeral_storage": draw(st.one_of(st.none(), edgy_ints(512, 10240, 10241))),
        "cpu": draw(weighted((9, st.none()), (1, st.just(1.0)))),
        "concurrency": draw(concurrency(900, weighted((9, st.just(1)), (1, st.integers(2, 10))))),
        "network": draw(network(vpc)),
        "environment": draw(environment()),
        "tags": draw(weighted((4, tags(weighted((3, sized(_AWS_TAG_CHARS, 1, 128)), (1, tag_text.filter(bool))),
                                       weighted((3, sized(_ALNUM + " ", 0, 256)), (1, tag_text)), 50)),
                              (1, _SPACED_TAGS))),
        "secrets": draw(st.dictionaries(sized(_LOWER.upper() + "_", 2, 20, first=_LOWER.upper()), st.builds(
            lambda s: {"aws": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{s}-AbCdEf"},
            sized(_ALNUM, 1, 20)), max_size=2)),
    })
    aws: dict[str, Any] = {
        "region": REGION,
        "role": draw(st.one_of(st.none(), st.builds(
            lambda path, role: f"arn:aws:iam::{ACCOUNT}:role/{''.join(p + '/' for p in path)}{role}",
            st.lists(sized(_ALNUM + "_-", 1, 8), max_size=2), sized(_ALNUM + "+=,.@-_", 1, 64)))),
        "alias": draw(weighted((4, st.just("live")), (4, sized(_ALNUM + "-_", 1, 128)), (2, st.sampled_from(
            ["123", "$LATEST", "my alias", "live.v2", ""])))),
    }
    if vpc:
        ids = st.integers(0, 2**32 - 1)
        odd = st.sampled_from(["subnet-ABC", "my-subnet", "subnet_1", "sg-1", "SG-1", "sg-a.b", " subnet-1"])
        aws["subnet_ids"] = draw(st.lists(weighted((9, ids.map(lambda n: f"subnet-{n:08x}")), (1, odd)),
                                          min_size=1, max_size=16, unique=True))
        aws["security_group_ids"] = draw(st.lists(weighted((9, ids.map(lambda n: f"sg-{n:08x}")), (1, odd)),
                                                  min_size=1, max_size=5, unique=True))
    if draw(st.booleans()):
        aws["image"] = f"{ECR}/other@sha256:{'a' * 64}"
    doc["providers"] = {"aws": aws}
    return doc


# -- Azure Functions ----------------------------------------------------------------------------------

_AZURE_MEMORY = {"EP1": 3584, "EP2": 7168, "EP3": 14336}
_AZURE_TIMEOUT = {"EP1": 600, "EP2": 3600, "EP3": 3600}


@st.composite
def azure_specs(draw: st.DrawFn, name: str | None = None) -> dict[str, Any]:
    """Spec documents for Azure Functions on Elastic Premium (``name`` fixed when given)."""
    vpc = draw(st.booleans())
    plan = draw(st.sampled_from(sorted(_AZURE_MEMORY)))
    site_name = st.builds(str.__add__, sized(_ALNUM + "-", 1, 59, first=_ALNUM), st.sampled_from(_ALNUM))
    doc = _common(draw, name=st.just(name) if name else site_name,
                  image=st.sampled_from(["myregistry.azurecr.io/app:1", "docker.io/library/app:latest",
                                         "mcr.microsoft.com/azure-functions/python:4-python3.11", "app"]),
                  contracts=["http", "azure-functions-host"],
                  memory=edgy_ints(128, _AZURE_MEMORY[plan], _AZURE_MEMORY[plan] + 1),
                  timeout=edgy_ints(1, _AZURE_TIMEOUT[plan], _AZURE_TIMEOUT[plan] + 1), architectures=["x86_64"])
    setting_names = weighted((6, ENV_NAMES), (1, sized(_ALNUM + "._", 1, 40)))
    doc.update({
        "ephemeral_storage": draw(weighted((9, st.none()), (1, st.just(1024)))),
        "concurrency": draw(concurrency(100, edgy_ints(1, 1000, INT32 + 1))),
        "network": draw(network(vpc, auth=weighted((6, st.just("none")), (1, st.just("iam"))))),
        "environment": draw(environment(setting_names)),
        "tags": draw(tags(weighted((3, sized(_ALNUM + "-_ .:", 1, 512)), (1, free_text().filter(bool))),
                          weighted((3, sized(_ALNUM + " ", 0, 256)), (1, free_text())), 49)),
        "secrets": draw(st.dictionaries(sized(_ALNUM + "_", 2, 20, first=_LOWER.upper()), st.builds(
            lambda s: {"azure": f"https://vault1.vault.azure.net/secrets/{s}/0123456789abcdef"},
            sized(_ALNUM + "-", 1, 20)), max_size=2)),
    })
    azure: dict[str, Any] = {
        "subscription_id": "00000000-0000-0000-0000-000000000000",
        "resource_group": draw(weighted((9, st.sampled_from(["rg", "rg-app_1.(x)", "r" * 90])),
                                        (1, st.sampled_from(["rg.", "r" * 91, "rg x", "rg/x"])))),
        "location": draw(st.sampled_from(["westeurope", "West Europe", "eastus2"])),
        "plan": plan,
        "plan_name": draw(st.one_of(st.none(), sized(_ALNUM + "-", 1, 60))),
        "storage": draw(st.sampled_from([None, "storacct1", "DefaultEndpointsProtocol=https;AccountName=a;"
                                                            "AccountKey=k==;EndpointSuffix=core.windows.net"])),
        "registry_managed_identity": draw(st.booleans()),
    }
    if doc["image_contract"] == "azure-functions-host":  # the host needs its runtime and storage (issue 9, item 6)
        azure["worker_runtime"] = draw(st.sampled_from(["python", "node", "dotnet-isolated", "java", "custom"]))
        azure["storage"] = azure["storage"] or "storacct1"
    if vpc:
        azure["subnet_id"] = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/net/providers/"
                              "Microsoft.Network/virtualNetworks/vnet/subnets/functions")
    if draw(st.booleans()):
        azure["registry_username"], azure["registry_password"] = "user", draw(sized(_ALNUM, 1, 40))
    doc["providers"] = {"azure": azure}
    return doc


# -- Google Cloud Run ---------------------------------------------------------------------------------

_GCP_MEMORY = {None: (128, 4096), 1: (128, 4096), 2: (128, 8192), 4: (2048, 16384), 6: (4096, 24576),
               8: (4096, 32768)}


@st.composite
def gcp_specs(draw: st.DrawFn, name: str | None = None) -> dict[str, Any]:
    """Spec documents for Cloud Run (``name`` fixed when given)."""
    vpc = draw(st.sampled_from([None, "direct", "connector"]))
    cpu = draw(weighted((4, st.none()), (3, st.sampled_from([1, 2, 4, 6, 8])),
                        (2, st.integers(80, 999).map(lambda m: m / 1000))))
    low, high = _GCP_MEMORY.get(cpu, (128, 512 if cpu is not None and cpu < 0.5 else 1024))
    fractional = cpu is not None and cpu < 1
    service_id = st.builds(str.__add__, sized(_LOWER + _DIGITS + "-", 1, 48, first=_LOWER),
                           st.sampled_from(_LOWER + _DIGITS))
    doc = _common(draw, name=st.just(name) if name else weighted((9, service_id), (1, st.sampled_from(_LOWER))),
                  image=st.sampled_from(["us-docker.pkg.dev/proj/repo/app:1", "gcr.io/proj/app@sha256:" + "b" * 64,
                                         "docker.io/library/nginx:1", "ghcr.io/o/app:latest"]),
                  contracts=["http"], memory=edgy_ints(low, high, high + 1), timeout=edgy_ints(1, 3600, 3601),
                  architectures=["x86_64", "amd64"])
    label_text = _LOWER + _DIGITS + "_-"
    doc.update({
        "cpu": cpu,
        "concurrency": draw(concurrency(1000, st.just(1) if fractional else edgy_ints(1, 1000, 1001))),
        "network": draw(network(vpc is not None)),
        "environment": draw(environment(weighted((6, ENV_NAMES), (1, st.text(_ANY_CHAR, min_size=1, max_size=10))))),
        "tags": draw(tags(sized(label_text, 1, 63, first=_LOWER),
                          weighted((6, sized(label_text, 0, 63)), (1, sized(label_text + "ABC", 0, 63))), 64)),
        "secrets": draw(st.dictionaries(sized(_LOWER.upper() + "_", 2, 20, first=_LOWER.upper()), st.builds(
            lambda s, v: {"gcp": f"projects/proj/secrets/{s}/versions/{v}"}, sized(_ALNUM + "-_", 1, 20),
            st.sampled_from(["latest", "1", "42"])), max_size=2)),
    })
    gcp: dict[str, Any] = {
        "project": "proj", "region": "europe-west1",
        "service_account": draw(st.sampled_from([None, "app@proj.iam.gserviceaccount.com"])),
        "execution_environment": draw(st.sampled_from([None, "gen1"] if fractional else [None, "gen1", "gen2"])),
        "vpc_all_traffic": draw(st.booleans()),
    }
    if vpc == "direct":
        gcp["network"] = "default"
        gcp["subnetwork"] = draw(st.sampled_from([None, "default",
                                                  "projects/proj/regions/europe-west1/subnetworks/sub"]))
    elif vpc == "connector":
        gcp["connector"] = "projects/proj/locations/europe-west1/connectors/conn"
    doc["providers"] = {"gcp": gcp}
    return doc
