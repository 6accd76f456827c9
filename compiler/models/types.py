"""Value types shared by the models: every string that can reach generated text is checked here.

Each type is an ``Annotated`` string (or literal wrapper) with a validator that raises
:class:`pydantic_core.PydanticCustomError` carrying a message and a ``help`` text, which the
validation stage turns into a located diagnostic.
"""

from __future__ import annotations

import posixpath
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator
from pydantic_core import PydanticCustomError

from ..nodes import Block, Duration, Size


class Model(BaseModel):
    """Base of every spec model: unknown keys are errors, types are strict, values frozen."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        populate_by_name=True,
        arbitrary_types_allowed=True,
    )


def _fail(kind: str, message: str, help: str = "", code: str = "E0205") -> PydanticCustomError:
    return PydanticCustomError(kind, message, {"help": help, "code": code})


def _pattern(kind: str, regex: str, what: str, help: str, code: str = "E0205"):
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise _fail(kind, f"`{value}` is not {what}", help, code)
        return value

    return AfterValidator(check)


Name = Annotated[str, Field(max_length=64), _pattern(
    "hpcspec_name", r"[A-Za-z0-9][A-Za-z0-9_.\-]*", "a valid name",
    "names start with a letter or digit and use only letters, digits, `_`, `.` and `-`", "E0208")]

EnvName = Annotated[str, _pattern(
    "hpcspec_env_name", r"[A-Za-z_][A-Za-z0-9_]*", "a valid environment variable name",
    "use letters, digits and `_`, not starting with a digit (e.g. OMP_PLACES)", "E0703")]

Soname = Annotated[str, Field(max_length=128), _pattern(
    "hpcspec_soname", r"lib[A-Za-z0-9_+\-]+(\.[A-Za-z0-9_+\-]+)*\.so(\.[0-9]+)*", "a shared-library name",
    'write the name the dynamic linker loads, e.g. "libxpmem.so.0"')]

Version = Annotated[str, Field(max_length=64), _pattern(
    "hpcspec_version", r"[0-9A-Za-z][0-9A-Za-z._+\-]*", "a valid version",
    'write a version such as "2023.3" or "8.1.23"')]

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def _real_checksum(value: str) -> str:
    if len(set(value)) == 1 or value == EMPTY_SHA256:
        raise _fail("hpcspec_sha256", "this is a placeholder, not the checksum of a source archive"
                    if value != EMPTY_SHA256 else "this is the sha256 of an empty file",
                    "give the 64 hex digits `sha256sum FILE` prints for the real download")
    return value


Sha256 = Annotated[str, _pattern(
    "hpcspec_sha256", r"[0-9a-f]{64}", "a sha256 checksum",
    "give the 64 lower-case hex digits printed by `sha256sum FILE`"), AfterValidator(_real_checksum)]

GitCommit = Annotated[str, _pattern(
    "hpcspec_commit", r"[0-9a-f]{40}|[0-9a-f]{64}", "a full git commit id",
    "pin the full 40-digit commit (`git rev-parse HEAD`), not a branch or tag")]

Url = Annotated[str, Field(max_length=2048), _pattern(
    "hpcspec_url", r"(https?|ftp)://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", "a valid URL",
    "write an absolute http(s) or ftp URL without spaces")]

GitUrl = Annotated[str, Field(max_length=2048), _pattern(
    "hpcspec_git_url", r"(https?|ssh|git)://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+"
    r"|[A-Za-z0-9_.\-]+@[A-Za-z0-9_.\-]+:[A-Za-z0-9_.\-/~]+", "a valid git URL",
    "write https://host/repo.git or git@host:repo.git")]

Package = Annotated[str, Field(max_length=200), _pattern(
    "hpcspec_package", r"[A-Za-z0-9][A-Za-z0-9+._:@=~\-]*", "a valid package name",
    "one package per list item, e.g. \"libfftw3-dev\" or \"cmake=3.25.1-1\"")]

Module = Annotated[str, Field(max_length=200), _pattern(
    "hpcspec_module", r"[A-Za-z0-9][A-Za-z0-9_.+/\-]*", "a valid module name",
    'write the name `module load` takes, e.g. "cray-mpich-abi" or "mpt/2.22"')]

Account = Annotated[str, Field(max_length=64), _pattern(
    "hpcspec_account", r"[A-Za-z0-9][A-Za-z0-9_.\-]*", "a valid account (budget) name",
    "use the budget code your site gave you, e.g. \"e123\"")]

Plugin = Annotated[str, _pattern(
    "hpcspec_plugin", r"[a-z0-9][a-z0-9_]*", "a valid MPI plugin name",
    "use a name from `srun --mpi=list`, e.g. pmi2, pmix or cray_shasta")]

GpuArch = Annotated[str, Field(max_length=32), _pattern(
    "hpcspec_gpu_arch", r"sm_[0-9]{2,3}[a-z]?|gfx[0-9a-f]{3,4}|pvc|xe[a-z0-9_]*", "a GPU architecture",
    'write the compiler\'s name for it, e.g. "sm_80" (A100), "sm_90" (H100), "gfx90a" (MI250X), "gfx942" (MI300A)')]

# A set of cores as the kernel numbers them: "24-31", or "0-7,64-71" (a core and its hardware threads)
CoreSet = Annotated[str, Field(max_length=256), _pattern(
    "hpcspec_core_set", r"[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*", "a set of cores",
    'write core numbers and ranges, e.g. "24-31" or "0-7,64-71"')]


def core_set(text: str) -> list[int]:
    """The cores of a CoreSet, in order."""
    out: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        out += list(range(int(first), int(last or first) + 1))
    return out


# Free text (descriptions, licences, maintainers): the lexer already refused control
# characters; emitters quote it for each context.
Text = Annotated[str, Field(max_length=4096)]


def _def_text(value: str) -> str:
    if "{{" in value or "}}" in value:
        raise _fail("hpcspec_def_text", "`{{` and `}}` cannot appear in text that reaches the definition file",
                    "Apptainer reads {{ NAME }} in a definition file as a build argument, even in "
                    "comments and labels; reword the text", "E0205")
    return value


# Free text that is written into the definition file (labels, help, %environment).
DefText = Annotated[str, Field(max_length=4096), AfterValidator(_def_text)]

# One word of a command line (a compiler flag, a CMake option, a launcher flag): passed
# to the generated scripts as one quoted word, never split or expanded.
Arg = Annotated[str, Field(min_length=1, max_length=4096)]


def _abs_path(value: str) -> str:
    if not value.startswith("/"):
        raise _fail("hpcspec_abs_path", f"`{value}` is not an absolute path",
                    "paths on the host and in the container start with `/`", "E0701")
    if re.search(r"[\s:,\"'`$\\;&|<>(){}*?\[\]!#]", value):
        raise _fail("hpcspec_path_chars", f"`{value}` contains a character that paths here cannot hold",
                    "use letters, digits and `/ _ . - + @ % =`; `:` and `,` separate binds", "E0702")
    normal = posixpath.normpath(value)
    if normal.startswith("//"):
        normal = normal[1:]
    parts = value.split("/")
    if ".." in parts or normal != value:
        raise _fail("hpcspec_path_form", f"`{value}` is not a normalised path",
                    f"write it as `{normal}`" if ".." not in parts else "`..` is not allowed in paths",
                    "E0702")
    return value


AbsPath = Annotated[str, Field(max_length=1024), AfterValidator(_abs_path)]


def _rel_path(value: str) -> str:
    parts = value.split("/")
    if (value.startswith("/") or not value or ".." in parts or "" in parts or "." in parts
            or re.search(r"[^A-Za-z0-9_.+@%=/\-]", value) or value.startswith("-")):
        raise _fail("hpcspec_rel_path", f"`{value}` is not a valid relative path",
                    "write a path below the directory it is relative to, e.g. \"bin/gmx_mpi\" "
                    "(letters, digits, `/ _ . - + @ % =`; no `..`)")
    return value


RelPath = Annotated[str, Field(max_length=1024), AfterValidator(_rel_path)]


MAX_WALLTIME = Duration(366 * 86400)  # no site runs a job longer; schedulers overflow far beyond it


def _duration(value: Any) -> Duration:
    if not isinstance(value, Duration):
        raise _fail("hpcspec_duration", "expected a duration", "write a duration such as 30min, 12h or 1d",
                    "E0204")
    if value.seconds <= 0:
        raise _fail("hpcspec_duration", "a duration must be longer than 0s", "", "E0205")
    if value.seconds > MAX_WALLTIME.seconds:
        raise _fail("hpcspec_duration", f"{value} is longer than any scheduler runs a job",
                    f"walltimes are at most {MAX_WALLTIME}", "E0205")
    return value


def _size(value: Any) -> Size:
    if not isinstance(value, Size):
        raise _fail("hpcspec_size", "expected a size", "write a size such as 512MiB or 256GiB", "E0204")
    if value.bytes <= 0:
        raise _fail("hpcspec_size", "a size must be more than 0B", "", "E0205")
    return value


DurationValue = Annotated[Duration, PlainValidator(_duration)]
SizeValue = Annotated[Size, PlainValidator(_size)]


def _patch(value: Any) -> Block:
    if not isinstance(value, Block):
        raise _fail("hpcspec_block", "expected a block", "write it as a block: `name { ... }`", "E0206")
    return value


# A block kept as syntax: merged onto inherited values (platform defaults, the code's build)
# before it is validated against the model it patches.
Patch = Annotated[Block, PlainValidator(_patch)]


ABI_FAMILIES = ("mpich", "openmpi", "mpt", "mpi-abi")
ABI_NAMES = {
    "mpich": "MPICH ABI",
    "openmpi": "Open MPI ABI",
    "mpt": "HPE MPT ABI",
    "mpi-abi": "MPI 5 standard ABI",
}
ABI_MEMBERS = {
    "mpich": "libmpi.so.12: MPICH >= 3.1, Cray MPICH, Intel MPI >= 5.0, MVAPICH2 >= 2.0, ParaStation MPI",
    "openmpi": "Open MPI's own libmpi.so.40",
    "mpt": "HPE (SGI) MPT's own libmpi.so",
    "mpi-abi": "libmpi_abi.so of the MPI 5.0 standard (MPICH 4.3+ with --enable-mpi-abi)",
}


def version_tuple(version: str) -> tuple:
    """A comparable key: numeric components compare as numbers, others as text after them."""
    key = []
    for part in re.split(r"[.+\-_]", version):
        if part.isdigit():
            key.append((0, int(part), ""))
        else:
            match = re.match(r"(\d+)(.*)", part)
            key.append((0, int(match.group(1)), match.group(2)) if match else (1, 0, part))
    return tuple(key)


def version_at_least(version: str, minimum: str) -> bool:
    have, need = version_tuple(version), version_tuple(minimum)
    width = max(len(have), len(need))
    pad = (0, 0, "")
    return have + (pad,) * (width - len(have)) >= need + (pad,) * (width - len(need))
