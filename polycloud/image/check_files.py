"""Image checks over its files: the entrypoint, scripts' #! lines, permissions, ELF machine and loader."""

from __future__ import annotations

import posixpath
import stat
from collections.abc import Iterable

from polycloud.findings import Finding
from polycloud.image.elf import MACHINES, ElfInfo, read_elf
from polycloud.image.filesystem import FileEntry, ImageFilesystem, executable_by
from polycloud.image.image import ImageConfig
from polycloud.image.manifest import platform_for
from polycloud.image.rules import image_finding
from polycloud.spec import FunctionSpec

__all__ = ["DEFAULT_PATH", "entrypoint_of", "file_findings"]

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_SHOWN = 5


def _listed(paths: list[str]) -> str:
    more = f" and {len(paths) - _SHOWN} more" if len(paths) > _SHOWN else ""
    return ", ".join(paths[:_SHOWN]) + more


def entrypoint_of(config: ImageConfig, fs: ImageFilesystem) -> tuple[str | None, FileEntry | None]:
    """The program the container starts (ENTRYPOINT[0], else CMD[0]) and its file, if found."""
    command = config.command
    if not command:
        return None, None
    program = command[0]
    if "/" in program and not program.startswith("/"):  # ./server runs from WORKDIR
        return program, fs.resolve(posixpath.join(config.working_dir or "/", program))
    return program, fs.which(program, config.env.get("PATH", DEFAULT_PATH))


def _shebang(entry: FileEntry) -> tuple[str, list[str]] | None:
    """The raw first line after ``#!`` and its words, for a script."""
    if not entry.is_script:
        return None
    line = entry.head[2:].split(b"\n", 1)[0].decode("utf-8", "replace")
    return line, line.strip().split()


def _script_findings(scripts: Iterable[FileEntry], config: ImageConfig, fs: ImageFilesystem) -> list[Finding]:
    crlf: list[str] = []
    findings: list[Finding] = []
    for script in scripts:
        parsed = _shebang(script)
        if parsed is None:
            continue
        line, words = parsed
        if line.endswith("\r"):
            crlf.append(script.path)
        if not words:
            continue
        interpreter = words[0]
        found = fs.resolve(interpreter)
        if found is None or found.kind != "file":
            findings.append(image_finding(
                "image-interpreter-missing", f"{script.path} starts with '#!{line.strip()}' but {interpreter} is "
                "not in the image ('no such file or directory' at start)",
                f"install the interpreter in the image, or change the first line of {script.path} to one the "
                "image has (e.g. #!/bin/sh)"))
        elif posixpath.basename(interpreter) == "env":
            names = [w for w in words[1:] if not w.startswith("-")]
            path = config.env.get("PATH", DEFAULT_PATH)
            if names and fs.which(names[0], path) is None:
                findings.append(image_finding(
                    "image-interpreter-missing", f"{script.path} starts with '#!{line.strip()}' but {names[0]!r} "
                    f"is not on the image's PATH ({path})",
                    f"install {names[0]} in the image, or name an interpreter the image has"))
    if crlf:
        quoted = " ".join(crlf[:_SHOWN])
        findings.insert(0, image_finding(
            "image-shebang-crlf", f"{_listed(crlf)}: the #! line ends in a carriage return (Windows line endings), "
            "so the kernel looks for an interpreter named with a trailing CR: 'bad interpreter: ^M'",
            f"convert to LF: `dos2unix {quoted}` (or `RUN sed -i 's/\\r$//' {quoted}` in the Dockerfile) and add "
            "'*.sh text eol=lf' to .gitattributes"))
    return findings


def _permission_findings(root: str, fs: ImageFilesystem) -> list[Finding]:
    unreadable: list[str] = []
    for entry in fs.under(root):
        if entry.kind == "dir":
            wanted = stat.S_IROTH | stat.S_IXOTH
        elif entry.kind == "file":
            wanted = stat.S_IROTH | (stat.S_IXOTH if entry.mode & 0o111 else 0)  # meant to run: others too
        else:
            continue
        if entry.mode & wanted != wanted:
            unreadable.append(f"{entry.path} ({entry.permissions})")
    if not unreadable:
        return []
    return [image_finding(
        "image-permissions", f"{_listed(unreadable)}: not readable (or, for directories and scripts, not "
        "searchable/executable) by a non-root runtime user: 'Permission denied' at start",
        f"`RUN chmod -R o+rX {root}` in the Dockerfile (files 644, directories and scripts 755), or "
        f"`COPY --chmod=755 ...`")]


def _elf_findings(binaries: Iterable[FileEntry], spec: FunctionSpec, fs: ImageFilesystem) -> list[Finding]:
    wanted = MACHINES.get(spec.architecture)
    foreign: list[str] = []
    missing: dict[str, list[str]] = {}
    image_libc = _image_libc(fs)
    for binary in binaries:
        info: ElfInfo | None = read_elf(binary.head)
        if info is None:
            continue
        if wanted and info.machine != wanted:
            foreign.append(f"{binary.path} ({info.machine_name})")
            continue  # its loader is foreign too: the machine is the finding
        loader = fs.resolve(info.interpreter) if info.interpreter else None
        if info.interpreter and (loader is None or loader.kind != "file"):
            missing.setdefault(info.interpreter, []).append(binary.path)
    findings: list[Finding] = []
    if foreign:
        target = platform_for(spec.architecture)
        findings.append(image_finding(
            "image-elf-machine", f"{_listed(foreign)}: built for another machine than architecture "
            f"{spec.architecture}: 'exec format error'",
            f"build the binaries for {target}: `docker build --platform {target} ...` (cross-compile for "
            f"{spec.architecture} in a multi-stage build)"))
    for interpreter, paths in sorted(missing.items()):
        libc = "musl" if "ld-musl" in interpreter else "glibc"
        has = f", and the image is {image_libc}-based" if image_libc and image_libc != libc else ""
        findings.append(image_finding(
            "image-loader-missing", f"{_listed(paths)}: linked against {libc}, whose loader {interpreter} is not in "
            f"the image{has}: the start fails with 'no such file or directory'",
            f"build the binary on a {image_libc or 'matching'} base, the same family as the runtime image (or "
            f"run it on a {libc} base), or link it statically (e.g. CGO_ENABLED=0 for Go)"))
    return findings


def _image_libc(fs: ImageFilesystem) -> str | None:
    names = {posixpath.basename(p) for p in fs.entries if posixpath.dirname(p) in ("/lib", "/lib64", "/usr/lib")}
    if any(n.startswith("ld-musl") for n in names):
        return "musl"
    if any(n.startswith("ld-linux") for n in names):
        return "glibc"
    return None


def file_findings(config: ImageConfig, fs: ImageFilesystem, spec: FunctionSpec, task_root: str | None, *,
                  runs_as_root: bool) -> list[Finding]:
    """Entrypoint presence and execute bit, scripts, permissions under ``task_root``, ELF machine and loader."""
    findings: list[Finding] = []
    program, entry = entrypoint_of(config, fs)
    checked: list[FileEntry] = []
    if program is not None:
        if entry is None or entry.kind != "file":
            findings.append(image_finding(
                "image-entrypoint-missing", f"the entrypoint {program!r} is not a file in the image"
                + ("" if "/" in program else f" nor on its PATH ({config.env.get('PATH', DEFAULT_PATH)})"),
                f"COPY the program to {program} in the Dockerfile, or fix ENTRYPOINT/CMD"))
        else:
            checked.append(entry)
            if not executable_by(entry, root=runs_as_root):
                who = "root" if runs_as_root else "the non-root runtime user"
                findings.append(image_finding(
                    "image-not-executable", f"the entrypoint {entry.path} ({entry.permissions}) is not executable "
                    f"by {who}: 'Permission denied' at start",
                    f"`RUN chmod 755 {entry.path}` (or `COPY --chmod=755 ...`) in the Dockerfile, or "
                    f"`git update-index --chmod=+x` on the file"))
    under_root = list(fs.under(task_root)) if task_root else []
    runnable = [e for e in under_root if e.is_file and e.mode & 0o111 and e not in checked]  # #! matters on exec
    scripts = checked + [e for e in runnable if e.is_script]
    findings += _script_findings(scripts, config, fs)
    if task_root and not runs_as_root:
        findings += _permission_findings(task_root, fs)
    binaries = checked + [e for e in under_root if e.is_file and e.is_elf and e not in checked]
    findings += _elf_findings(binaries, spec, fs)
    return findings
