"""What every input must give, and the inputs: shared by the property tests and `scripts/fuzz`.

`outcome()` runs the real command line (`hpcspec compile ... --format json`) in-process with
HPCSPEC_DEBUG set, so that any Python exception escapes instead of becoming exit code 3, and
checks the contract: exit 0 without errors, or exit 1 with located diagnostics (every error
has a span inside the text of a file it names) and nothing written.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
from pathlib import Path

from hpcspec import cli

from support import CODES, PLATFORMS, SPECS

SEEDS = CODES + PLATFORMS
PLATFORM_DIR = SPECS / "platforms"

# tokens of the language, close enough for mutation: strings, names, numbers, blanks, comments
TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"?|[A-Za-z_][A-Za-z0-9_-]*|[0-9][0-9A-Za-z_.]*|\s+|#[^\n]*|.', re.S)


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


class ContractBroken(AssertionError):
    pass


def project(root: Path) -> Path:
    """A project directory whose specs/platforms holds copies of the shipped platform specs."""
    (root / "specs" / "platforms").mkdir(parents=True, exist_ok=True)
    (root / "hpcspec.toml").write_text("# hpcspec project for property tests\n")
    for spec in PLATFORMS:
        shutil.copyfile(spec, root / "specs" / "platforms" / spec.name)
    for extra in (SPECS / "codes").iterdir():
        if extra.is_dir():
            shutil.copytree(extra, root / extra.name, dirs_exist_ok=True)
        else:
            shutil.copyfile(extra, root / extra.name)
    return root


def place(root: Path, seed: Path, data: bytes) -> tuple[Path, Path]:
    """Write `data` where `seed` lives in the project; return (file, code spec to compile)."""
    if seed.parent == PLATFORM_DIR:
        spec = root / "specs" / "platforms" / seed.name
        spec.write_bytes(data)
        return spec, root / "gromacs.hpcspec"
    spec = root / seed.name
    spec.write_bytes(data)
    return spec, spec


def restore(root: Path, seed: Path) -> None:
    if seed.parent == PLATFORM_DIR:
        shutil.copyfile(seed, root / "specs" / "platforms" / seed.name)


def outcome(spec: Path, out: Path) -> tuple[int, list[dict]]:
    """Compile `spec` into `out` through the CLI; raise ContractBroken when the contract fails."""
    stdout, stderr = io.StringIO(), io.StringIO()
    previous = os.environ.get("HPCSPEC_DEBUG")
    os.environ["HPCSPEC_DEBUG"] = "1"
    try:
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
            code = cli.main(["compile", str(spec), "-o", str(out), "--format", "json", "--no-cache"])
    finally:
        if previous is None:
            del os.environ["HPCSPEC_DEBUG"]
        else:
            os.environ["HPCSPEC_DEBUG"] = previous
    text = stdout.getvalue()  # --format json: one object on stdout
    try:
        diagnostics = json.loads(text)["diagnostics"] if text.strip() else []
    except (json.JSONDecodeError, KeyError, TypeError):
        raise ContractBroken(f"stdout is not the JSON document: {text[:500]!r} (stderr: "
                             f"{stderr.getvalue()[:500]!r})") from None
    errors = [d for d in diagnostics if d["severity"] == "error"]
    if code not in (0, 1):
        raise ContractBroken(f"exit {code}: {stderr.getvalue()[:500]}")
    if code == 1:
        if not errors:
            raise ContractBroken("exit 1 without an error diagnostic")
        if out.exists():
            raise ContractBroken("a failed compile wrote output")
        for diagnostic in errors:
            located(diagnostic, spec.parent)
    elif errors:
        raise ContractBroken(f"exit 0 with errors: {errors}")
    return code, diagnostics


def located(diagnostic: dict, root: Path) -> None:
    """The diagnostic points into the text of a spec file it names."""
    span = diagnostic if "file" in diagnostic else None
    if not span:
        raise ContractBroken(f"error without a location: {diagnostic}")
    name = Path(span["file"])
    path = name if name.is_absolute() else (root / name if (root / name).exists() else Path.cwd() / name)
    if not path.exists():
        candidates = [p for p in root.rglob(name.name)]
        if not candidates:
            raise ContractBroken(f"span in a file that does not exist: {span}")
        path = candidates[0]
    lines = path.read_bytes().decode("utf-8", "replace").split("\n")
    line, column = span["line"], span["column"]
    end_line, end_column = span.get("end_line", line), span.get("end_column", column)
    if not (1 <= line <= len(lines) and 1 <= column <= len(lines[line - 1]) + 1):
        raise ContractBroken(f"span starts outside the text: {span} ({len(lines)} lines)")
    if not (line <= end_line <= len(lines) and (end_line > line or end_column >= column)
            and end_column <= len(lines[end_line - 1]) + 1):
        raise ContractBroken(f"span ends outside the text or before its start: {span}")


def mutate(text: str, operations: list[tuple[str, int, int, bytes]]) -> bytes:
    """Apply mutations to the tokens of `text`: (operation, index, other index, payload)."""
    parts = tokens(text)
    data: bytes | None = None
    for operation, i, j, payload in operations:
        if data is not None:  # raw bytes already inserted: keep working on bytes
            at = i % (len(data) + 1)
            data = data[:at] + payload + data[at:] if operation != "truncate" else data[:at]
            continue
        if not parts:
            parts = [""]
        i, j = i % len(parts), j % len(parts)
        if operation == "delete":
            del parts[i]
        elif operation == "duplicate":
            parts.insert(i, parts[i])
        elif operation == "swap":
            parts[i], parts[j] = parts[j], parts[i]
        elif operation == "truncate":
            parts = parts[:i]
        elif operation == "replace":
            parts[i] = payload.decode("utf-8", "replace")
        elif operation == "unicode":
            parts.insert(i, payload.decode("utf-8", "replace"))
        elif operation == "bytes":
            joined = "".join(parts).encode("utf-8", "surrogatepass")
            at = i % (len(joined) + 1)
            data = joined[:at] + payload + joined[at:]
    if data is None:
        data = "".join(parts).encode("utf-8", "surrogatepass")
    return data
