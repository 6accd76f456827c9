"""``hpcspec probe``: find a host MPI's real dependencies and write its platform-spec block.

Run on a login node. It finds the MPI library (given, or by its usual sonames through
``ldconfig -p``), asks the library itself for its version and MPI standard (in a child
process, through ``MPI_Get_library_version`` and ``MPI_Get_version``, which MPI allows before
``MPI_Init``), reads its soname and symbols for the ABI family, resolves its dependencies with
``ldd``, drops glibc (the container has its own) and, given an image root, what the image
already has, and prints the ``mpi NAME { ... }`` block: single files bound into one directory
that goes first on ``LD_LIBRARY_PATH``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Looked for in this order when no library is given.
CANDIDATES = ("libmpi_abi.so", "libmpich.so.12", "libmpi.so.12", "libmpi.so.40", "libmpi.so")

# glibc's own libraries: the container brings its own, and mixing two glibcs breaks programs.
GLIBC = re.compile(r"^(ld-linux[-\w.]*\.so\.\d+|linux-vdso\.so\.1|linux-gate\.so\.1|lib(c|m|dl|pthread|rt|resolv|"
                   r"util|anl|nsl|mvec|BrokenLocale|thread_db|nss_\w+|memusage|pcprofile)\.so(\.\d+)*)$")

LIBRARY_DIRS = ("lib", "lib64", "usr/lib", "usr/lib64", "lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu",
                "lib/aarch64-linux-gnu", "usr/lib/aarch64-linux-gnu", "usr/local/lib")

_QUERY = r"""
import ctypes, json, sys
lib = ctypes.CDLL(sys.argv[1])
buf = ctypes.create_string_buffer(1 << 16)
n = ctypes.c_int(0)
major = ctypes.c_int(0)
minor = ctypes.c_int(0)
out = {}
if hasattr(lib, "MPI_Get_library_version") and lib.MPI_Get_library_version(buf, ctypes.byref(n)) == 0:
    out["version_text"] = buf.raw[:n.value].decode("utf-8", "replace")
if hasattr(lib, "MPI_Get_version") and lib.MPI_Get_version(ctypes.byref(major), ctypes.byref(minor)) == 0:
    out["standard"] = f"{major.value}.{minor.value}"
print(json.dumps(out))
"""


class ProbeError(Exception):
    pass


@dataclass
class Dependency:
    soname: str
    path: str  # resolved on the host


@dataclass
class ProbeResult:
    name: str
    library: str  # as found
    real_path: str
    soname: str
    abi: str
    version: str
    standard: str | None
    version_text: str
    root: str | None
    dependencies: list[Dependency] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # dependencies left out, and why
    dest: str = ""
    plugin: str | None = None
    plugins_offered: list[str] = field(default_factory=list)

    def binds(self) -> list[str]:
        files = [(self.real_path, self.soname)] + [(d.path, d.soname) for d in self.dependencies]
        return [f"{host}:{self.dest}/{soname}" for host, soname in files]


def find_library(explicit: str | None) -> str:
    if explicit:
        if not Path(explicit).exists():
            raise ProbeError(f"no such library: {explicit}")
        return explicit
    try:
        listing = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ProbeError(f"cannot run ldconfig -p ({exc}); give the library with --library") from None
    found: dict[str, str] = {}
    for line in listing.splitlines():
        match = re.match(r"\s*(\S+) \(([^)]*)\) => (\S+)", line)
        if match and ("x86-64" in match.group(2) or "AArch64" in match.group(2)):
            found.setdefault(match.group(1), match.group(3))
    for name in CANDIDATES:
        if name in found:
            return found[name]
    raise ProbeError("no MPI library found by ldconfig (looked for " + ", ".join(CANDIDATES)
                     + "); load the MPI's module or give the library with --library")


def soname_of(path: str) -> str:
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile

    try:
        with open(path, "rb") as handle:
            elf = ELFFile(handle)
            for section in elf.iter_sections():
                if isinstance(section, DynamicSection):
                    for tag in section.iter_tags():
                        if tag.entry.d_tag == "DT_SONAME":
                            return tag.soname
    except Exception as exc:  # not an ELF file, truncated, unreadable
        raise ProbeError(f"cannot read {path} as a shared library: {exc}") from None
    return Path(path).name


def exported_symbols(path: str, names: tuple[str, ...]) -> set[str]:
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    wanted = set(names)
    found: set[str] = set()
    with open(path, "rb") as handle:
        elf = ELFFile(handle)
        for section in elf.iter_sections():
            if isinstance(section, SymbolTableSection) and section.name == ".dynsym":
                for symbol in section.iter_symbols():
                    if symbol.name in wanted:
                        found.add(symbol.name)
    return found


def query_library(path: str) -> dict:
    """Version text and MPI standard, asked of the library in a child process."""
    try:
        proc = subprocess.run([sys.executable, "-c", _QUERY, path], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise ProbeError(f"{path} did not answer MPI_Get_library_version within 60 s") from None
    if proc.returncode != 0:
        raise ProbeError(f"cannot load {path}: {proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else proc.returncode}")
    return json.loads(proc.stdout)


def abi_family(soname: str, version_text: str, symbols: set[str]) -> str:
    text = version_text.lower()
    if soname.startswith("libmpi_abi"):
        return "mpi-abi"
    if "open mpi" in text or "ompi_mpi_comm_world" in symbols:
        return "openmpi"
    if re.search(r"\bmpt\b", text) or "MPI_SGI_init" in symbols:
        return "mpt"
    if soname.endswith(".so.12") or any(k in text for k in ("mpich", "intel(r) mpi", "mvapich", "parastation")):
        return "mpich"
    raise ProbeError(f"cannot tell the ABI family of {soname}: {version_text.splitlines()[0] if version_text else '?'}")


def version_of(version_text: str) -> str:
    patterns = (r"MPICH Version:\s*([\w.\-]+)", r"Open MPI v([\w.\-]+)", r"Intel\(R\) MPI Library (\d[\w.\- ]*?)(?: for|$)",
                r"MVAPICH2? Version\s*:\s*([\w.\-]+)", r"MPT[ _]?([\d.]+)", r"Version:?\s*(\d[\w.\-]*)")
    for pattern in patterns:
        match = re.search(pattern, version_text, re.M)
        if match:
            return re.sub(r"[^0-9A-Za-z._+\-]+", "-", match.group(1).strip()).strip("-")
    return "unknown"


def dependencies(path: str) -> list[Dependency]:
    ldd = shutil.which("ldd")
    if ldd is None:
        raise ProbeError("ldd is not installed")
    proc = subprocess.run([ldd, path], capture_output=True, text=True, timeout=60)
    if proc.returncode != 0:
        raise ProbeError(f"ldd {path} failed: {proc.stderr.strip() or proc.stdout.strip()}")
    out = []
    for line in proc.stdout.splitlines():
        match = re.match(r"\s*(\S+) => (not found|\S+)", line)
        if not match:
            continue
        if match.group(2) == "not found":
            raise ProbeError(f"ldd cannot resolve {match.group(1)} for {path}: load the MPI's modules first")
        out.append(Dependency(match.group(1), os.path.realpath(match.group(2))))
    return out


def present_in_image(root: Path, soname: str) -> bool:
    return any((root / directory / soname).exists() for directory in LIBRARY_DIRS)


def guess_root(path: str) -> str | None:
    directory = Path(path).parent
    parts = directory.parts
    for tail in (("lib", "x86_64-linux-gnu"), ("lib", "aarch64-linux-gnu"), ("lib64",), ("lib",), ("lib-abi-mpich",)):
        if parts[-len(tail):] == tail:
            root = Path(*parts[: -len(tail)])
            return str(root) if str(root) != "/" else "/usr"
    return None


def probe(name: str, library: str | None = None, image: str | None = None, dest: str | None = None) -> ProbeResult:
    path = find_library(library)
    real = os.path.realpath(path)
    soname = soname_of(real)
    info = query_library(real)
    text = info.get("version_text", "")
    symbols = exported_symbols(real, ("ompi_mpi_comm_world", "MPI_SGI_init"))
    abi = abi_family(soname, text, symbols)
    result = ProbeResult(
        name=name, library=path, real_path=real, soname=soname, abi=abi, version=version_of(text),
        standard=info.get("standard"), version_text=text, root=guess_root(real),
        dest=dest or f"/opt/hpcspec/host/{name}",
    )
    for dependency in dependencies(real):
        if dependency.soname == soname:
            continue
        if GLIBC.match(dependency.soname):
            result.skipped.append(f"{dependency.soname} (glibc: the container has its own)")
        elif image and present_in_image(Path(image), dependency.soname):
            result.skipped.append(f"{dependency.soname} (the image has it)")
        else:
            result.dependencies.append(dependency)
    from .registry import registry

    for launcher in registry("launcher").values():  # the first launcher on this host with PMI plugins
        offered = launcher.offered_plugins()
        if offered:
            result.plugins_offered = offered
            result.plugin = launcher.preferred_plugin(abi, offered)
            break
    return result


def _string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$") + '"'


def render_block(result: ProbeResult) -> str:
    """The platform-spec block, ready to paste into `platform NAME { ... }`."""
    first = result.version_text.splitlines()[0] if result.version_text else result.soname
    first = " ".join(first.split())
    lines = [
        f"  # Found by `hpcspec probe` from {result.library}",
        f"  # ({first}); dependencies left out: {', '.join(result.skipped) or 'none'}.",
        f"  mpi {result.name} {{",
        f"    description = {_string(first)}",
        f"    abi         = {_string(result.abi)}",
        f"    version     = {_string(result.version)}",
    ]
    if result.standard:
        lines.append(f"    standard    = {_string(result.standard)}")
    if result.root:
        lines.append(f"    root        = {_string(result.root)}")
    lines.append("    bind_files = [")
    lines += [f"      {_string(bind)}," for bind in result.binds()]
    lines.append("    ]")
    lines.append(f"    ld_library_path = [{_string(result.dest)}]")
    if result.plugin:
        lines.append(f"    plugin = {_string(result.plugin)}")
    lines.append("  }")
    return _formatted("\n".join(lines) + "\n")


def _formatted(block: str) -> str:
    """The block laid out as `hpcspec fmt` lays out a platform spec, so that pasted in it stays."""
    from .fmt import format_text

    text = format_text(f"platform probe {{\n{block}}}\n")
    return text[text.index("\n") + 1:text.rindex("}")]


def render_json(result: ProbeResult) -> str:
    data = asdict(result)
    data["bind_files"] = result.binds()
    data["ld_library_path"] = [result.dest]
    return json.dumps(data, indent=2) + "\n"
