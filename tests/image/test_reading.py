"""Reading image files: layers merged with whiteouts, links followed, ELF headers, contract evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from polycloud import FunctionSpec
from polycloud.image import ImageError, check_image, inspect_archive, open_image, platform_for
from polycloud.image.elf import read_elf
from polycloud.testing.image_catalog import correct_image, spec_for
from polycloud.testing.images import LOADERS, ImageBuilder, elf_binary, index_of, write_oci_layout

AMD64 = platform_for("x86_64")


def files_of(builder, tmp_path):
    return open_image(builder.write_docker_archive(tmp_path / "image.tar"), AMD64).filesystem()


def test_whiteouts_delete_files_and_opaque_directories_hide_the_layers_below(tmp_path):
    builder = ImageBuilder().file("/etc/keep", "1").file("/etc/gone", "2").file("/data/old/a", "3")
    builder.layer().whiteout("/etc/gone").file("/data/old/.wh..wh..opq").file("/data/old/b", "4")
    fs = files_of(builder, tmp_path)
    assert fs.get("/etc/keep") is not None and fs.get("/etc/gone") is None
    assert fs.get("/data/old/a") is None and fs.get("/data/old/b") is not None


def test_a_later_layer_replaces_a_file_and_its_mode(tmp_path):
    builder = ImageBuilder().file("/app/run", "#!/bin/sh\n", 0o755).layer().file("/app/run", "#!/bin/sh\n", 0o644)
    assert files_of(builder, tmp_path).get("/app/run").permissions == "0644"


def test_symlinks_are_followed_through_directories(tmp_path):
    builder = ImageBuilder().file("/usr/lib/x86_64-linux-gnu/ld.so", elf_binary("amd64"), 0o755)
    builder.symlink("/lib", "usr/lib").symlink("/usr/lib/ld-current", "x86_64-linux-gnu/ld.so")
    fs = files_of(builder, tmp_path)
    assert fs.resolve("/lib/ld-current").path == "/usr/lib/x86_64-linux-gnu/ld.so"
    assert fs.resolve("/lib/missing") is None


def test_a_symlink_loop_resolves_to_nothing(tmp_path):
    fs = files_of(ImageBuilder().symlink("/a", "/b").symlink("/b", "/a"), tmp_path)
    assert fs.resolve("/a") is None


def test_the_entrypoint_is_found_on_path_and_through_a_merged_usr(tmp_path, write_spec):
    builder = correct_image("http")
    builder.layer().symlink("/usr/local/bin/server", "/app/server")
    builder.entrypoint = ["server", "--port", "8080"]
    spec = FunctionSpec.model_validate(spec_for())
    image = open_image(builder.write_docker_archive(tmp_path / "image.tar"), AMD64)
    assert check_image(image, spec, ["gcp-cloud-run"]) == []


def test_a_gzip_layer_of_an_oci_layout_reads_like_a_plain_one(tmp_path):
    builder = correct_image("http")
    image = open_image(write_oci_layout(tmp_path / "layout", builder.artifact()), AMD64)
    assert image.filesystem().get("/app/server").is_elf
    assert image.digest == builder.artifact().digest


def test_an_oci_layout_can_be_read_by_tag(tmp_path):
    amd = correct_image("http").artifact()
    arm = correct_image("http", "arm64").artifact()
    path = write_oci_layout(tmp_path / "layout", amd, tag="v1", extra={"multi": index_of(amd, arm)})
    assert open_image(path, platform_for("arm64"), tag="multi").config.architecture == "arm64"
    with pytest.raises(ImageError, match="no manifest is tagged 'v2'"):
        open_image(path, AMD64, tag="v2")


def test_a_tampered_blob_in_a_layout_is_refused(tmp_path):
    artifact = correct_image("http").artifact()
    path = write_oci_layout(tmp_path / "layout", artifact)
    config = next(p for p in (path / "blobs" / "sha256").iterdir() if b'"architecture"' in p.read_bytes())
    config.write_bytes(config.read_bytes().replace(b"amd64", b"arm64"))
    with pytest.raises(ImageError, match="does not match its digest"):
        open_image(path, AMD64)


@pytest.mark.parametrize(("machine", "loader", "expected"), [
    ("amd64", LOADERS["amd64"], ("EM_X86_64", LOADERS["amd64"], "glibc")),
    ("arm64", "/lib/ld-musl-aarch64.so.1", ("EM_AARCH64", "/lib/ld-musl-aarch64.so.1", "musl")),
    ("arm64", None, ("EM_AARCH64", None, None)),
])
def test_elf_headers_give_machine_and_loader(machine, loader, expected):
    info = read_elf(elf_binary(machine, loader))
    assert (info.machine, info.interpreter, info.libc) == expected


def test_a_real_binary_is_read_from_its_first_page():
    real = Path("/bin/sh").resolve().read_bytes()[:4096]
    info = read_elf(real)
    assert info is not None and info.machine.startswith("EM_") and info.interpreter


@pytest.mark.parametrize("head", [b"", b"\x7fELF", b"\x7fELF" + b"\x02\x01\x01" + b"\0" * 9, b"#!/bin/sh\n"])
def test_a_truncated_or_foreign_header_is_not_elf(head):
    assert read_elf(head) is None


def test_a_compiled_lambda_entrypoint_that_reads_the_runtime_api_is_evidence(tmp_path):
    builder = ImageBuilder().glibc_base()
    builder.file("/var/task/bootstrap", elf_binary("amd64", LOADERS["amd64"], b"...AWS_LAMBDA_RUNTIME_API..."), 0o755)
    builder.entrypoint = ["/var/task/bootstrap"]
    spec = FunctionSpec.model_validate(spec_for("lambda-runtime-api"))
    archive = builder.write_docker_archive(tmp_path / "image.tar")
    assert inspect_archive(archive, spec, ["aws-lambda"]) == []
    plain = ImageBuilder().glibc_base()
    plain.file("/var/task/bootstrap", elf_binary("amd64", LOADERS["amd64"], b"a web server"), 0o755)
    plain.entrypoint = ["/var/task/bootstrap"]
    findings = inspect_archive(plain.write_docker_archive(tmp_path / "plain.tar"), spec, ["aws-lambda"])
    assert [f.rule for f in findings] == ["image-contract-lambda"]


def test_a_runtime_interface_client_in_the_command_is_evidence(tmp_path):
    builder = ImageBuilder().glibc_base()
    builder.file("/var/task/app.py", "def handler(e, c): ...\n")
    builder.entrypoint, builder.cmd = ["/usr/bin/python3", "-m", "awslambdaric"], ["app.handler"]
    spec = FunctionSpec.model_validate(spec_for("lambda-runtime-api"))
    assert inspect_archive(builder.write_docker_archive(tmp_path / "image.tar"), spec, ["aws-lambda"]) == []


def test_root_images_on_cloud_run_need_no_other_permissions(tmp_path):
    builder = correct_image("http")
    builder.user = ""
    builder.layer().file("/app/static/index.html", "private\n", 0o600)
    archive = builder.write_docker_archive(tmp_path / "image.tar")
    spec = FunctionSpec.model_validate(spec_for("http"))
    assert inspect_archive(archive, spec, ["gcp-cloud-run"]) == []
    builder.user = "65532"
    non_root = builder.write_docker_archive(tmp_path / "nonroot.tar")
    assert [f.rule for f in inspect_archive(non_root, spec, ["gcp-cloud-run"])] == ["image-permissions"]
    assert [f.rule for f in inspect_archive(archive, spec, ["aws-lambda"])] == ["image-permissions"]


def test_a_relative_entrypoint_runs_from_the_working_directory(tmp_path):
    builder = correct_image("http")
    builder.entrypoint = ["./server"]
    spec = FunctionSpec.model_validate(spec_for())
    assert inspect_archive(builder.write_docker_archive(tmp_path / "ok.tar"), spec, ["gcp-cloud-run"]) == []
    builder.working_dir = "/srv"
    [finding] = inspect_archive(builder.write_docker_archive(tmp_path / "bad.tar"), spec, ["gcp-cloud-run"])
    assert finding.rule == "image-entrypoint-missing"


def test_a_working_directory_of_slash_does_not_check_the_whole_system(tmp_path):
    builder = correct_image("http")
    builder.working_dir = "/"
    builder.layer().file("/etc/shadow", "root:*:1::::::\n", 0o640).directory("/root", 0o700)
    spec = FunctionSpec.model_validate(spec_for())
    assert inspect_archive(builder.write_docker_archive(tmp_path / "image.tar"), spec, ["gcp-cloud-run"]) == []


def test_a_hard_link_has_the_content_of_its_target(tmp_path):
    builder = correct_image("http")
    builder.layer().file("/app/real-server", elf_binary("arm64"), 0o755).hardlink("/app/server", "/app/real-server")
    spec = FunctionSpec.model_validate(spec_for())
    findings = inspect_archive(builder.write_docker_archive(tmp_path / "image.tar"), spec, ["gcp-cloud-run"])
    assert [f.rule for f in findings] == ["image-elf-machine"]
    assert "/app/server (aarch64 (arm64))" in findings[0].message


def test_a_module_with_a_shebang_that_is_never_executed_is_fine(tmp_path):
    builder = correct_image("lambda-runtime-api")
    builder.layer().file("/var/task/tool.py", "#!/usr/bin/python2\r\nprint('imported, not run')\r\n", 0o644)
    spec = FunctionSpec.model_validate(spec_for("lambda-runtime-api"))
    assert inspect_archive(builder.write_docker_archive(tmp_path / "ok.tar"), spec, ["aws-lambda"]) == []
    builder.layer().file("/var/task/tool.py", "#!/usr/bin/python2\r\nprint('run')\r\n", 0o755)
    findings = inspect_archive(builder.write_docker_archive(tmp_path / "bad.tar"), spec, ["aws-lambda"])
    assert sorted(f.rule for f in findings) == ["image-interpreter-missing", "image-shebang-crlf"]


def test_an_owner_only_executable_under_the_task_root_is_refused_on_lambda(tmp_path):
    builder = correct_image("lambda-runtime-api")
    builder.layer().file("/var/task/bin/helper", elf_binary("amd64"), 0o744)
    spec = FunctionSpec.model_validate(spec_for("lambda-runtime-api"))
    [finding] = inspect_archive(builder.write_docker_archive(tmp_path / "image.tar"), spec, ["aws-lambda"])
    assert finding.rule == "image-permissions" and "/var/task/bin/helper (0744)" in finding.message
