"""Time and peak memory of ``polycloud validate`` on the worst inputs each input limit allows or refuses.

Each input runs in its own process (so peak memory is that input's), with every provider checked.
Prints figures; asserts nothing.

    python benchmarks/hostile_input.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from polycloud.input_limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_NUMBER_DIGITS, MAX_VALUES  # noqa: E402

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello:1"
HEAD = f"name: x\nimage: {ECR}\n"


def _fill(prefix: str, unit: str, suffix: str, size: int = MAX_FILE_BYTES) -> str:
    return prefix + unit * ((size - len(prefix) - len(suffix)) // len(unit)) + suffix


def _bomb(width: int, levels: int) -> str:
    lines = [HEAD, "a0: &a0 [" + ", ".join(["lol"] * width) + "]\n"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]\n" for i in range(1, levels + 1)]
    return "".join(lines) + f"tags: *a{levels}\n"


INPUTS: dict[str, Callable[[Path], Path]] = {}


def _text(name: str, suffix: str, make: Callable[[], str]) -> None:
    def write(directory: Path) -> Path:
        path = directory / f"{name}.{suffix}"
        path.write_text(make(), encoding="utf-8")
        return path

    INPUTS[name] = write


_text("1 MiB name (yaml)", "yaml", lambda: _fill("image: " + ECR + "\nname: ", "n", "\n"))
_text("1 MiB name (json)", "json", lambda: _fill('{"image": "' + ECR + '", "name": "', "n", '"}'))
_text("1 MiB name (toml)", "toml", lambda: _fill('image = "' + ECR + '"\nname = "', "n", '"\n'))
_text("1 MiB flat list (yaml, refused)", "yaml", lambda: _fill(HEAD + "tags: [", "1,", "1]\n"))
_text(f"{MAX_VALUES - 11:,} list items (yaml)", "yaml",
      lambda: HEAD + "providers: {aws: {subnet_ids: [" + ", ".join(["1"] * (MAX_VALUES - 11)) + "]}}\n")
_text(f"{MAX_VALUES - 11:,} list items (json)", "json",
      lambda: json.dumps({"name": "x", "image": ECR, "providers": {"aws": {"subnet_ids": [1] * (MAX_VALUES - 11)}}}))
_text("1 MiB of '[' (json)", "json", lambda: _fill('{"tags": ', "[", "}"))
_text("1 MiB of '[' (toml)", "toml", lambda: _fill("tags = ", "[", "\n"))
_text("1 MiB of '- ' (yaml)", "yaml", lambda: _fill("tags:\n", "- ", "x\n"))
_text(f"depth {MAX_DEPTH} (yaml)", "yaml",
      lambda: HEAD + "tags: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n")
_text("billion laughs 9x9 (yaml)", "yaml", lambda: _bomb(9, 9))
_text("alias bomb 100x100 (yaml)", "yaml", lambda: _bomb(100, 100))
_text("merge-key bomb (yaml)", "yaml", lambda: HEAD + "m0: &m0 {k0: v, k1: v}\n" + "".join(
    f"m{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 4)}], z{i}: 1}}\n" for i in range(1, 40)))
_text("self-referencing alias (yaml)", "yaml", lambda: HEAD + "environment: &e {<<: *e}\n")
_text(f"{MAX_NUMBER_DIGITS:,}-digit integer (yaml)", "yaml",
      lambda: HEAD + f"environment: {{N: {'7' * MAX_NUMBER_DIGITS}}}\n")
_text("1 MiB integer (yaml, refused)", "yaml", lambda: _fill(HEAD + "port: ", "7", "\n"))
_text("1 MiB sexagesimal integer (yaml, refused)", "yaml", lambda: _fill(HEAD + "port: 1", ":1", "\n"))
_text("1 MiB integer (toml, refused)", "toml", lambda: _fill(f'name = "x"\nimage = "{ECR}"\nport = ', "7", "\n"))


def _fifo(directory: Path) -> Path:
    path = directory / "fifo.yaml"
    os.mkfifo(path)
    return path


def _sparse(directory: Path) -> Path:
    path = directory / "sparse.yaml"
    with path.open("wb") as handle:
        handle.truncate(100 * 1024**3)
    return path


INPUTS["FIFO nobody writes to"] = _fifo
INPUTS["100 GiB sparse file"] = _sparse
INPUTS["/dev/urandom"] = lambda directory: Path("/dev/urandom")

MEASURE = """
import contextlib, io, resource, sys, time
from polycloud.cli import main
start = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main(["-q", "validate", "-f", "json", sys.argv[1]])
elapsed = time.perf_counter() - start
print(code, round(elapsed, 3), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, len(out.getvalue()))
"""


def main() -> None:
    print(f"{'input':<44} {'exit':>4} {'seconds':>8} {'peak MiB':>9} {'output bytes':>13}")
    with tempfile.TemporaryDirectory() as directory:
        for name, make in INPUTS.items():
            path = make(Path(directory))
            started = time.perf_counter()
            result = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True,
                                    timeout=300, cwd=ROOT)
            if result.returncode != 0 or not result.stdout.strip():
                print(f"{name:<44} failed after {time.perf_counter() - started:.1f} s: {result.stderr[-300:]}")
                continue
            code, seconds, peak, size = result.stdout.split()
            print(f"{name:<44} {code:>4} {seconds:>8} {peak:>9} {size:>13}")


if __name__ == "__main__":
    main()
