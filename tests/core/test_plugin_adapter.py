"""The proof that the core names no cloud: an adapter for a made-up cloud, in a package of its own.

``polycloud-acme`` is written below as source text into a temporary directory with a ``.dist-info``
directory whose ``entry_points.txt`` registers it in the ``polycloud.adapters`` group, exactly as pip would
install it. With that directory on ``sys.path`` (and the registry told to look again) its ``providers.acme``
section is validated, it appears in ``polycloud schema``, ``providers`` and ``rules``, it deploys on its own
in-memory fake, and it passes ``polycloud.testing.contract``, with no change to polycloud's core files.
"""

from __future__ import annotations

import importlib
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from polycloud import FunctionSpec, deploy, plan, registry, validate
from polycloud.cli import main
from polycloud.errors import InvalidAdapterError, SpecError
from polycloud.testing.contract import AdapterContract, CallCounter

PACKAGE: dict[str, str] = {
    "polycloud_acme/__init__.py": '''
        """polycloud's adapter for Acme Functions (provider key ``acme-functions``, section ``acme``)."""

        from polycloud_acme.adapter import AcmeAdapter

        __all__ = ["AcmeAdapter"]
    ''',
    "polycloud_acme/settings.py": '''
        """``providers.acme``: what only Acme Functions needs."""

        from __future__ import annotations

        from typing import ClassVar, Literal

        from pydantic import Field

        from polycloud.spec import SettingsModel


        class AcmeSettings(SettingsModel):
            """What only Acme Functions needs."""

            secret_reference: ClassVar[str] = "An Acme Vault secret URI (acme-vault://NAME)."
            secret_reference_pattern: ClassVar[str] = r"acme-vault://"
            vpc_fields: ClassVar[tuple[str, ...]] = ("vnet",)

            zone: str | None = Field(None, description="Acme zone, e.g. z1.")
            tier: Literal["small", "large"] = "small"
            vnet: str | None = None
    ''',
    "polycloud_acme/fake.py": '''
        """Acme's API, in memory: functions by name, with counts of reads and writes."""

        from __future__ import annotations

        import copy
        from typing import Any


        class AcmeError(Exception):
            def __init__(self, status: int, code: str, message: str) -> None:
                super().__init__(message)
                self.status, self.code, self.message = status, code, message


        class AcmeCloud:
            def __init__(self) -> None:
                self.functions: dict[str, dict[str, Any]] = {}
                self.reads = self.writes = 0

            def get(self, name: str) -> dict[str, Any]:
                self.reads += 1
                if name not in self.functions:
                    raise AcmeError(404, "NotFound", f"no function {name}")
                return copy.deepcopy(self.functions[name])

            def put(self, zone: str, name: str, body: dict[str, Any], *, create: bool) -> dict[str, Any]:
                self.writes += 1
                if create and name in self.functions:
                    raise AcmeError(409, "Exists", f"function {name} exists")
                if not create and name not in self.functions:
                    raise AcmeError(404, "NotFound", f"no function {name}")
                self.functions[name] = {**copy.deepcopy(body), "id": f"acme://{zone}/functions/{name}",
                                        "url": f"https://{name}.{zone}.acme.example"}
                return copy.deepcopy(self.functions[name])

            def delete(self, name: str) -> None:
                self.writes += 1
                if self.functions.pop(name, None) is None:
                    raise AcmeError(404, "NotFound", f"no function {name}")


        DEFAULT = AcmeCloud()
        """The cloud of adapters made without one (the CLI's)."""
    ''',
    "polycloud_acme/adapter.py": '''
        """Acme Functions behind polycloud's BaseAdapter: request shapes, error table and rules only."""

        from __future__ import annotations

        from typing import Any, ClassVar

        from polycloud.adapter import Applied, BaseAdapter, Imported, Journal
        from polycloud.checks import RuleContext, RuleInfo, show_mib
        from polycloud.config import ProviderConfig
        from polycloud.errors import ConfigurationError, ConflictError, NotFoundError, ProviderError
        from polycloud.findings import Finding, Severity
        from polycloud.limits import ProviderLimits
        from polycloud._plan import Plan
        from polycloud.retry import RetryPolicy
        from polycloud.spec import FunctionSpec
        from polycloud_acme.fake import DEFAULT, AcmeCloud, AcmeError
        from polycloud_acme.settings import AcmeSettings

        SOURCE = "https://acme.example/docs/limits"
        OWNER_TAG, OWNER = "managed-by", "polycloud"


        class AcmeAdapter(BaseAdapter):
            name: ClassVar[str] = "acme-functions"
            title: ClassVar[str] = "Acme Functions"
            section: ClassVar[str] = "acme"
            settings_model: ClassVar[type[AcmeSettings]] = AcmeSettings
            extra: ClassVar[str] = "polycloud-acme"
            sdk_distributions: ClassVar[tuple[str, ...]] = ()
            sample_image: ClassVar[str] = "registry.acme.example/hello:1"
            limits: ClassVar[ProviderLimits] = ProviderLimits.model_validate({
                "provider": "acme-functions", "title": "Acme Functions", "as_of": "2026-12-01",
                "default_profile": "standard", "profiles": {"standard": {"description": "every function"}},
                "common": {"memory": {"min": 128, "max": 4096, "unit": "MiB", "source": SOURCE,
                                      "as_of": "2026-12-01"}}})
            rule_infos: ClassVar[tuple[RuleInfo, ...]] = (
                RuleInfo("acme-memory", Severity.ERROR, "memory within Acme's range.", SOURCE),)
            owner_mark: ClassVar[str] = f"the tag {OWNER_TAG}: {OWNER}"

            def __init__(self, *, zone: str | None = None, cloud: AcmeCloud | None = None,
                         retry: RetryPolicy | None = None, adopt: bool = False) -> None:
                super().__init__(retry=retry, adopt=adopt)
                self.zone = zone
                self.cloud = cloud or DEFAULT

            def map_error(self, exc: Exception, operation: str) -> ProviderError | None:
                if not isinstance(exc, AcmeError):
                    return None
                kind = {404: NotFoundError, 409: ConflictError}.get(exc.status, ProviderError)
                return kind(exc.message, provider=self.name, operation=operation, code=exc.code, status=exc.status)

            def rules(self, spec: FunctionSpec, limits: ProviderLimits) -> list[Finding]:
                ctx = RuleContext(self.name, self.title, limits.profile())
                return ctx.in_range("acme-memory", "memory", spec.memory, "memory", show=show_mib)

            def translate(self, spec: FunctionSpec) -> ProviderConfig[Any]:
                acme = spec.providers.acme or AcmeSettings()
                function = {"image": spec.image, "memory": spec.memory, "timeout": spec.timeout, "tier": acme.tier,
                            "vnet": acme.vnet, "environment": dict(spec.environment),
                            "secrets": {name: ref.acme for name, ref in spec.secrets.items()}}
                return ProviderConfig({"function": function, "tags": {**spec.tags, OWNER_TAG: OWNER}},
                                      name=spec.name)

            def to_spec(self, config: ProviderConfig[Any]) -> Imported:
                function = config["function"]
                zone = config.id.split("/")[2] if config.id else self.zone
                tags = {k: v for k, v in config["tags"].items() if k != OWNER_TAG}
                return Imported(FunctionSpec(
                    name=config.name, image=function["image"], memory=function["memory"],
                    timeout=function["timeout"], environment=function["environment"], tags=tags,
                    secrets={name: {"acme": ref} for name, ref in function["secrets"].items()},
                    providers={"acme": AcmeSettings(zone=zone, tier=function["tier"], vnet=function["vnet"])}))

            def read(self, name: str) -> ProviderConfig[Any] | None:
                try:
                    raw = self.call("GetFunction", lambda: self.cloud.get(name))
                except NotFoundError:
                    return None
                return ProviderConfig({"function": raw["function"], "tags": raw["tags"]}, name=name, id=raw["id"],
                                      url=raw["url"], owned=raw["tags"].get(OWNER_TAG) == OWNER)

            def _put(self, plan: Plan, journal: Journal, *, create: bool) -> Applied:
                if not self.zone:
                    raise ConfigurationError("zone is not set: add providers.acme.zone", provider=self.name,
                                             setting="zone")
                zone, body = self.zone, dict(plan.desired)
                raw = self.call("PutFunction", lambda: self.cloud.put(zone, plan.name, body, create=create))
                journal.record(f"{'created' if create else 'updated'} function {plan.name}")
                return Applied(raw["id"], raw["url"])

            def create(self, plan: Plan, journal: Journal) -> Applied:
                return self._put(plan, journal, create=True)

            def update(self, plan: Plan, journal: Journal) -> Applied:
                return self._put(plan, journal, create=False)

            def delete(self, name: str) -> None:
                self.call("DeleteFunction", lambda: self.cloud.delete(name))
    ''',
    "polycloud_acme-0.1.0.dist-info/METADATA": '''
        Metadata-Version: 2.1
        Name: polycloud-acme
        Version: 0.1.0
    ''',
    "polycloud_acme-0.1.0.dist-info/entry_points.txt": '''
        [polycloud.adapters]
        acme-functions = polycloud_acme:AcmeAdapter
    ''',
}

SPEC = """\
name: hello-acme
image: registry.acme.example/hello:1
memory: 1GiB
environment: {{GREETING: hi}}
providers:
  acme:
    zone: z1
    tier: {tier}
"""


def _install(site: Path) -> None:
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    registry.refresh()


def _uninstall(site: Path) -> None:
    sys.path.remove(str(site))
    for name in [m for m in sys.modules if m == "polycloud_acme" or m.startswith("polycloud_acme.")]:
        del sys.modules[name]
    importlib.invalidate_caches()
    registry.refresh()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A site-packages directory with polycloud-acme installed in it, on sys.path for this module's tests."""
    root = tmp_path_factory.mktemp("site-packages")
    for path, text in PACKAGE.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    _install(root)
    yield root
    _uninstall(root)


@pytest.fixture
def acme(site: Path) -> Iterator[ModuleType]:
    """The installed package, its default (CLI) cloud emptied around each test."""
    package = importlib.import_module("polycloud_acme")
    fake = importlib.import_module("polycloud_acme.fake")
    fake.DEFAULT.__init__()
    yield package
    fake.DEFAULT.__init__()


def _spec_file(tmp_path: Path, tier: str = "small", name: str = "acme.yaml") -> Path:
    path = tmp_path / name
    path.write_text(SPEC.format(tier=tier), encoding="utf-8")
    return path


def test_the_registry_finds_it_through_the_entry_point(acme: ModuleType) -> None:
    assert "acme-functions" in registry.available()
    assert registry.load("acme") is acme.AcmeAdapter  # its section works as an alias
    section = registry.sections()["acme"]
    assert (section.provider, section.model.__name__) == ("acme-functions", "AcmeSettings")


def test_its_section_is_validated_with_file_positions(acme: ModuleType, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    good = _spec_file(tmp_path)
    assert validate(good).ok
    assert load_providers(good) == ["acme-functions"]
    bad = _spec_file(tmp_path, tier="huge", name="bad.yaml")
    report = validate(bad)
    finding = next(f for f in report.errors if f.path == "providers.acme.tier")
    assert (finding.line, finding.column) == (8, 5)
    assert "'small' or 'large'" in finding.message and "huge" in finding.message
    assert main(["validate", str(bad)]) == 1
    assert f"{bad}:8:5" in capsys.readouterr().out
    overrides = tmp_path / "limits.yaml"  # overrides of another provider leave Acme its own limits
    overrides.write_text("aws-lambda: {common: {memory: {max: 4096, source: 'https://example.com', "
                         "as_of: '2026-12-01'}}}\n")
    assert main(["validate", str(good), "--limits", str(overrides)]) == 0


def load_providers(path: Path) -> list[str]:
    from polycloud import load_spec

    return load_spec(path).named_providers()


def test_an_unknown_section_lists_the_installed_ones(acme: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text("name: x\nimage: registry.acme.example/x:1\nproviders:\n  acne: {zone: z1}\n")
    finding = next(f for f in validate(path).errors if f.rule == "spec-unknown-key")
    assert (finding.path, finding.line, finding.column) == ("providers.acne", 4, 3)
    assert finding.hint is not None and finding.hint.startswith("did you mean 'acme'?")
    assert "aws, azure, gcp, acme" in finding.hint


def test_its_rules_run_and_the_neutral_rules_see_its_vpc_fields(acme: ModuleType) -> None:
    too_big = FunctionSpec(name="x", image="registry.acme.example/x:1", memory="8GiB", providers={"acme": {}})
    assert [(f.rule, f.provider) for f in validate(too_big).errors] == [("acme-memory", "acme-functions")]
    vpc = {"name": "x", "image": "registry.acme.example/x:1", "network": {"egress": "vpc"}}
    without = validate(FunctionSpec.model_validate({**vpc, "providers": {"acme": {}}}))
    hint = next(f.hint for f in without.errors if f.rule == "spec-vpc-settings")
    assert hint is not None and "providers.acme.vnet" in hint
    assert validate(FunctionSpec.model_validate({**vpc, "providers": {"acme": {"vnet": "v1"}}})).ok


def test_it_is_in_the_json_schema(acme: ModuleType, tmp_path: Path) -> None:
    assert main(["schema", "--output-dir", str(tmp_path)]) == 0
    schema = json.loads((tmp_path / "functionspec.schema.json").read_text())
    providers = schema["$defs"]["ProviderSettings"]["properties"]
    assert list(providers) == ["aws", "azure", "gcp", "acme"]
    assert schema["$defs"]["AcmeSettings"]["properties"]["tier"]["enum"] == ["small", "large"]
    assert "Acme Vault" in schema["$defs"]["SecretRef"]["properties"]["acme"]["description"]
    validator = Draft202012Validator(schema)
    base = {"name": "x", "image": "registry.acme.example/x:1"}
    assert list(validator.iter_errors({**base, "providers": {"acme": {"tier": "large"}}})) == []
    assert list(validator.iter_errors({**base, "providers": {"acme": {"tier": "huge"}}}))
    assert list(validator.iter_errors({**base, "secrets": {"DB": {"acme": "acme-vault://db"}}})) == []


def test_it_is_listed_by_providers_rules_and_limits(acme: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["providers", "-f", "json"]) == 0
    rows = {row["provider"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["acme-functions"]["title"] == "Acme Functions" and rows["acme-functions"]["ready"] is True
    assert main(["rules"]) == 0
    assert any(line.split()[:2] == ["acme-memory", "error"] for line in capsys.readouterr().out.splitlines())
    assert main(["rules", "--markdown"]) == 0
    assert "## `acme-functions`" in capsys.readouterr().out
    assert main(["limits", "-p", "acme"]) == 0
    assert "Acme Functions (acme-functions), default profile standard" in capsys.readouterr().out


def test_it_deploys_from_the_cli_on_its_fake(acme: ModuleType, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = _spec_file(tmp_path)
    results = []
    for extra in ([], [], ["--set", "tier=large"]):  # --set typed by AcmeSettings (tier is not a constructor one)
        assert main(["-q", "deploy", str(path), "-p", "acme", "-f", "json", "--no-pin", *extra]) == 0
        results.append(json.loads(capsys.readouterr().out))
    assert [r["action"] for r in results] == ["created", "unchanged", "updated"]
    assert results[0]["resource_id"] == "acme://z1/functions/hello-acme"
    assert [c["path"] for c in results[2]["changes"]] == ["function.tier"]
    stored = importlib.import_module("polycloud_acme.fake").DEFAULT.functions["hello-acme"]
    assert stored["function"]["tier"] == "large" and stored["function"]["memory"] == 1024
    assert main(["plan", str(path), "-p", "acme", "--set", "tier=huge"]) == 2
    assert "providers.acme.tier" in capsys.readouterr().err
    assert main(["-q", "plan", str(path), "-p", "acme", "--set", "adopt=maybe"]) == 2  # a constructor setting
    assert "expected bool" in capsys.readouterr().err


def test_its_secret_references_are_shown_and_its_settings_reach_the_spec(acme: ModuleType) -> None:
    cloud = importlib.import_module("polycloud_acme.fake").AcmeCloud()
    spec = FunctionSpec.model_validate({"name": "s", "image": "registry.acme.example/s:1",
                                        "secrets": {"DB_PASSWORD": {"acme": "acme-vault://db"}},
                                        "environment": {"API_TOKEN": "t0ps3cret"}})
    changes = {c.path: c.describe() for c in plan(spec, "acme", settings={"zone": "z9", "cloud": cloud}).changes}
    # a reference to Acme's store names a secret without being one; a password-like value is hidden
    assert changes["function.secrets.DB_PASSWORD"] == "+ function.secrets.DB_PASSWORD = 'acme-vault://db'"
    assert changes["function.environment.API_TOKEN"] == "+ function.environment.API_TOKEN = '<redacted>'"
    with pytest.raises(SpecError) as caught:
        deploy(spec, "acme", settings={"zone": "z9", "tier": "medium", "cloud": cloud})
    assert [f.path for f in caught.value.report.errors] == ["providers.acme.tier"]
    assert cloud.writes == 0


def test_the_section_leaves_with_the_package(site: Path) -> None:
    _uninstall(site)
    try:
        with pytest.raises(ValueError, match="acme"):
            FunctionSpec.model_validate({"name": "x", "image": "i", "providers": {"acme": {}}})
        assert "acme-functions" not in registry.available()
    finally:
        _install(site)
    assert FunctionSpec.model_validate({"name": "x", "image": "i", "providers": {"acme": {}}}).providers.acme


def test_a_section_belongs_to_one_adapter(acme: ModuleType) -> None:
    class Impostor(acme.AcmeAdapter):  # type: ignore[name-defined]
        name = "impostor-functions"

    with pytest.raises(InvalidAdapterError, match="claims section 'acme', which belongs to acme-functions"):
        registry.register(Impostor)
    assert "impostor-functions" not in registry.available()


class TestAcmeContract(AdapterContract):
    @pytest.fixture
    def cloud(self, acme: ModuleType) -> Any:
        return importlib.import_module("polycloud_acme.fake").AcmeCloud()

    @pytest.fixture
    def adapter(self, acme: ModuleType, cloud: Any) -> Any:
        return acme.AcmeAdapter(zone="z1", cloud=cloud)

    @pytest.fixture
    def spec(self, adapter: Any) -> FunctionSpec:
        return FunctionSpec.model_validate({
            "name": "contract", "image": adapter.sample_image, "memory": 512, "timeout": "2m",
            "environment": {"LOG_LEVEL": "info"}, "tags": {"team": "platform"},
            "secrets": {"DB": {"acme": "acme-vault://db"}},
            "providers": {"acme": {"zone": "z1", "tier": "large", "vnet": "v1"}}})

    @pytest.fixture
    def changed(self, spec: FunctionSpec) -> tuple[FunctionSpec, list[str]]:
        return spec.model_copy(update={"memory": spec.memory * 2}), ["function.memory"]

    @pytest.fixture
    def update_writes(self) -> int:
        return 1  # one PUT

    @pytest.fixture
    def calls(self, cloud: Any) -> CallCounter:
        return lambda: (cloud.reads, cloud.writes)
