"""Build test images in Python (tarfile + json, no Docker daemon): layers, configs, manifests, indexes,
``docker save`` tarballs, OCI layouts (directory or tar), tiny ELF binaries and cosign signatures.

An ``ImageBuilder`` describes one image; ``artifact()`` turns it into an ``Artifact`` (manifest bytes,
digest and blobs) that ``write_oci_layout`` writes to disk or ``FakeRegistry.push`` serves.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import struct
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "Artifact",
    "ImageBuilder",
    "cosign_signature",
    "elf_binary",
    "generate_cosign_key",
    "index_of",
    "write_oci_layout",
]

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"
_ELF_MACHINES = {"x86_64": 62, "amd64": 62, "arm64": 183, "aarch64": 183, "i386": 3}
LOADERS = {"amd64": "/lib64/ld-linux-x86-64.so.2", "arm64": "/lib/ld-linux-aarch64.so.1"}
MUSL_LOADERS = {"amd64": "/lib/ld-musl-x86_64.so.1", "arm64": "/lib/ld-musl-aarch64.so.1"}


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def elf_binary(machine: str, interpreter: str | None = None, payload: bytes = b"") -> bytes:
    """A minimal 64-bit little-endian ELF executable for ``machine`` (``amd64``/``x86_64``, ``arm64``),
    dynamically linked against ``interpreter`` when given, followed by ``payload``."""
    phnum = 1 if interpreter else 0
    interp = (interpreter.encode() + b"\x00") if interpreter else b""
    interp_offset = 64 + 56 * phnum
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    header = ident + struct.pack("<HHIQQQIHHHHHH", 2, _ELF_MACHINES[machine], 1, 0x401000, 64 if phnum else 0, 0, 0,
                                 64, 56, phnum, 64, 0, 0)
    program = b""
    if interpreter:
        program = struct.pack("<IIQQQQQQ", 3, 4, interp_offset, interp_offset, interp_offset, len(interp),
                              len(interp), 1)
    return header + program + interp + payload


@dataclass
class _Entry:
    path: str
    kind: str
    data: bytes = b""
    mode: int = 0o644
    link: str = ""
    uid: int = 0


@dataclass
class Artifact:
    """Something a registry or layout stores under a digest: a manifest (or index) and every blob under it."""

    manifest: bytes
    media_type: str
    blobs: dict[str, bytes] = field(default_factory=dict)
    children: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    platform: dict[str, str] | None = None

    @property
    def digest(self) -> str:
        """The manifest's digest."""
        return _digest(self.manifest)

    def descriptor(self, **annotations: str) -> dict[str, Any]:
        """An index entry pointing at this manifest."""
        entry: dict[str, Any] = {"mediaType": self.media_type, "digest": self.digest, "size": len(self.manifest)}
        if self.platform:
            entry["platform"] = self.platform
        if annotations:
            entry["annotations"] = annotations
        return entry


class ImageBuilder:
    """One test image: layers of files and an image configuration."""

    def __init__(self, architecture: str = "amd64", os: str = "linux") -> None:
        self.architecture, self.os = architecture, os
        self.variant: str | None = "v8" if architecture == "arm64" else None
        self.layers: list[list[_Entry]] = [[]]
        self._directories: set[str] = set()
        self.entrypoint: list[str] | None = None
        self.cmd: list[str] | None = None
        self.env: dict[str, str] = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
        self.exposed_ports: list[str] = []
        self.working_dir = ""
        self.user = ""

    # -- files --------------------------------------------------------------------------
    def file(self, path: str, data: bytes | str = b"", mode: int = 0o644, uid: int = 0) -> ImageBuilder:
        """Add a regular file to the current layer (parent directories are added as 0755)."""
        self._parents(path)
        raw = data.encode() if isinstance(data, str) else data
        self.layers[-1].append(_Entry(path, "file", raw, mode, uid=uid))
        return self

    def directory(self, path: str, mode: int = 0o755) -> ImageBuilder:
        """Add a directory."""
        self._parents(path)
        self.layers[-1].append(_Entry(path, "dir", mode=mode))
        self._directories.add(path)
        return self

    def hardlink(self, path: str, target: str) -> ImageBuilder:
        """Add a hard link to ``target``, a file added earlier in the same layer."""
        self._parents(path)
        self.layers[-1].append(_Entry(path, "hardlink", mode=0o755, link=target))
        return self

    def symlink(self, path: str, target: str) -> ImageBuilder:
        """Add a symbolic link."""
        self._parents(path)
        self.layers[-1].append(_Entry(path, "symlink", mode=0o777, link=target))
        return self

    def whiteout(self, path: str) -> ImageBuilder:
        """Delete ``path`` (from earlier layers) in the current layer."""
        directory, _, name = path.rstrip("/").rpartition("/")
        self.layers[-1].append(_Entry(f"{directory}/.wh.{name}", "file", mode=0o644))
        return self

    def layer(self) -> ImageBuilder:
        """Start a new layer."""
        self.layers.append([])
        return self

    def _parents(self, path: str) -> None:
        parts = path.strip("/").split("/")[:-1]
        for depth in range(1, len(parts) + 1):
            parent = "/" + "/".join(parts[:depth])
            if parent not in self._directories:
                self.layers[-1].append(_Entry(parent, "dir", mode=0o755))
                self._directories.add(parent)

    # -- common bases -------------------------------------------------------------------
    def glibc_base(self) -> ImageBuilder:
        """A glibc userland: loader, /bin/sh, /usr/bin/env, /usr/bin/python3 (all for this architecture)."""
        loader = LOADERS[self.architecture]
        self.file(loader, elf_binary(self.architecture), 0o755)
        for program in ("/bin/sh", "/usr/bin/env", "/usr/bin/python3"):
            self.file(program, elf_binary(self.architecture, loader), 0o755)
        return self

    def musl_base(self) -> ImageBuilder:
        """A musl (Alpine-like) userland: the musl loader and /bin/sh."""
        loader = MUSL_LOADERS[self.architecture]
        self.file(loader, elf_binary(self.architecture), 0o755)
        self.file("/bin/sh", elf_binary(self.architecture, loader), 0o755)
        return self

    # -- serializing --------------------------------------------------------------------
    def config(self) -> dict[str, Any]:
        """The image configuration document."""
        run: dict[str, Any] = {"Env": [f"{k}={v}" for k, v in self.env.items()]}
        if self.entrypoint is not None:
            run["Entrypoint"] = self.entrypoint
        if self.cmd is not None:
            run["Cmd"] = self.cmd
        if self.exposed_ports:
            run["ExposedPorts"] = {port: {} for port in self.exposed_ports}
        if self.working_dir:
            run["WorkingDir"] = self.working_dir
        if self.user:
            run["User"] = self.user
        document: dict[str, Any] = {"architecture": self.architecture, "os": self.os, "config": run,
                                    "rootfs": {"type": "layers", "diff_ids": [_digest(t) for t in self.layer_tars()]}}
        if self.variant:
            document["variant"] = self.variant
        return document

    def layer_tars(self) -> list[bytes]:
        """Each layer as an uncompressed tar (deterministic)."""
        tars = []
        for entries in self.layers:
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for entry in entries:
                    info = tarfile.TarInfo(entry.path.lstrip("/"))
                    info.mode, info.mtime, info.uid = entry.mode, 0, entry.uid
                    if entry.kind == "dir":
                        info.type = tarfile.DIRTYPE
                        tar.addfile(info)
                    elif entry.kind in ("symlink", "hardlink"):
                        info.type = tarfile.SYMTYPE if entry.kind == "symlink" else tarfile.LNKTYPE
                        info.linkname = entry.link if entry.kind == "symlink" else entry.link.lstrip("/")
                        tar.addfile(info)
                    else:
                        info.size = len(entry.data)
                        tar.addfile(info, io.BytesIO(entry.data))
            tars.append(buffer.getvalue())
        return tars

    def platform(self) -> dict[str, str]:
        """The OCI platform object of this image."""
        platform = {"os": self.os, "architecture": self.architecture}
        if self.variant:
            platform["variant"] = self.variant
        return platform

    def artifact(self, *, docker: bool = False) -> Artifact:
        """The manifest, config and gzip layers of this image (OCI media types, or with ``docker`` the
        Docker v2 schema 2 ones that older clients push)."""
        kinds = (DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER_GZIP) if docker else (
            OCI_MANIFEST, OCI_CONFIG, OCI_LAYER_GZIP)
        config = _json(self.config())
        blobs = {_digest(config): config}
        layers = []
        for tar in self.layer_tars():
            compressed = gzip.compress(tar, mtime=0)
            blobs[_digest(compressed)] = compressed
            layers.append({"mediaType": kinds[2], "digest": _digest(compressed), "size": len(compressed)})
        manifest = _json({"schemaVersion": 2, "mediaType": kinds[0], "config": {
            "mediaType": kinds[1], "digest": _digest(config), "size": len(config)}, "layers": layers})
        return Artifact(manifest, kinds[0], blobs, platform=self.platform())

    def write_docker_archive(self, path: str | Path, tag: str = "example/app:latest") -> Path:
        """A ``docker save`` tarball in the legacy format (manifest.json, <id>/layer.tar)."""
        target = Path(path)
        config = _json(self.config())
        config_name = hashlib.sha256(config).hexdigest() + ".json"
        files = {config_name: config}
        layer_names = []
        for tar in self.layer_tars():
            name = f"{hashlib.sha256(tar).hexdigest()}/layer.tar"
            files[name] = tar
            layer_names.append(name)
        files["manifest.json"] = _json([{"Config": config_name, "RepoTags": [tag], "Layers": layer_names}])
        _write_tar(target, files)
        return target


def index_of(*artifacts: Artifact, docker: bool = False) -> Artifact:
    """A multi-platform OCI index (or, with ``docker``, a Docker manifest list) over image artifacts."""
    media_type = DOCKER_LIST if docker else OCI_INDEX
    manifest = _json({"schemaVersion": 2, "mediaType": media_type,
                      "manifests": [a.descriptor() for a in artifacts]})
    blobs: dict[str, bytes] = {}
    children: dict[str, tuple[bytes, str]] = {}
    for artifact in artifacts:
        blobs.update(artifact.blobs)
        children[artifact.digest] = (artifact.manifest, artifact.media_type)
    return Artifact(manifest, media_type, blobs, children)


def _write_tar(target: Path, files: dict[str, bytes]) -> None:
    with tarfile.open(target, "w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 0
            tar.addfile(info, io.BytesIO(data))


def write_oci_layout(path: str | Path, artifact: Artifact, *, tag: str = "latest", as_tar: bool = False,
                     extra: dict[str, Artifact] | None = None) -> Path:
    """An OCI image layout holding ``artifact`` under ``tag``, plus ``extra`` artifacts by tag
    (cosign's ``sha256-<hex>.sig``), as a directory or (``as_tar``) a tarball."""
    files: dict[str, bytes] = {"oci-layout": _json({"imageLayoutVersion": "1.0.0"})}
    entries = []
    for name, item in {tag: artifact, **(extra or {})}.items():
        entries.append(item.descriptor(**{"org.opencontainers.image.ref.name": name}))
        for digest, data in {**item.blobs, item.digest: item.manifest,
                             **{d: m for d, (m, _) in item.children.items()}}.items():
            files[f"blobs/sha256/{digest.split(':')[1]}"] = data
    files["index.json"] = _json({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries})
    target = Path(path)
    if as_tar:
        _write_tar(target, files)
    else:
        for name, data in files.items():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(data)
    return target


# -- cosign ------------------------------------------------------------------------------

def generate_cosign_key() -> tuple[Any, bytes]:
    """A new ECDSA P-256 key pair as ``cosign generate-key-pair`` makes: (private key, public PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public


def cosign_signature(private_key: Any, digest: str, repository: str = "example/app", *,
                     signed_digest: str | None = None) -> Artifact:
    """The ``sha256-<hex>.sig`` manifest cosign pushes for ``digest`` (payload naming ``signed_digest``,
    default ``digest``), signed with ``private_key``."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    payload = _json({"critical": {"identity": {"docker-reference": repository},
                                  "image": {"docker-manifest-digest": signed_digest or digest},
                                  "type": "cosign container image signature"}, "optional": None})
    signature = base64.b64encode(private_key.sign(payload, ec.ECDSA(hashes.SHA256()))).decode()
    config = _json({"architecture": "", "os": "", "config": {}, "rootfs": {"type": "layers", "diff_ids": []}})
    manifest = _json({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                      "config": {"mediaType": OCI_CONFIG, "digest": _digest(config), "size": len(config)},
                      "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json",
                                  "digest": _digest(payload), "size": len(payload),
                                  "annotations": {"dev.cosignproject.cosign/signature": signature}}]})
    return Artifact(manifest, OCI_MANIFEST, {_digest(config): config, _digest(payload): payload})
