"""Code specs: one research code, how it is built, and the targets it runs on."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from .binds import BindDir, BindFile
from .platform import AbiFamily
from .types import (
    AbsPath, Arg, DefText, EnvName, GitCommit, GitUrl, Model, Module, Name, Package, Patch, RelPath, Sha256,
    Text, Url, Version, _fail, _pattern,
)

Bootstrap = Literal["docker", "library", "localimage", "oras"]
PackageManager = Literal["apt", "dnf", "yum", "zypper", "apk"]
BuildKind = Literal["cmake", "autotools", "make", "script"]
# bind: the host MPI swapped in; host: built on the host against it; hybrid: the container's MPI
# launched through the host's PMI; hook: the container's MPI with the host's network libraries
# swapped in by the runtime's hook (Alps' Container Engine: libfabric and xpmem)
Model_ = Literal["bind", "host", "hybrid", "hook"]
Transport = Literal["ofi", "ucx", "verbs", "psm2", "tcp"]

# A line of a build or test script, run by /bin/sh in the container. It is the one place where
# a spec writes shell on purpose; it is still confined to one line and to the %post/RUN step.
Command = Annotated[str, Field(min_length=1, max_length=4096)]
ImageRef = Annotated[str, Field(max_length=512), _pattern(
    "hpcspec_image_ref", r"[A-Za-z0-9/][A-Za-z0-9._/:@+\-]*", "a valid image reference",
    'write a registry reference such as "debian:bookworm" or a path for localimage')]


class Source(Model):
    url: Url | None = None
    sha256: Sha256 | None = None
    git: GitUrl | None = None
    commit: GitCommit | None = None
    files: list[RelPath] = []  # local files next to the spec, copied into the image
    directory: RelPath | None = None  # the source tree inside the archive or checkout

    @model_validator(mode="after")
    def _one_kind(self) -> "Source":
        kinds = [k for k, v in (("url", self.url), ("git", self.git), ("files", self.files)) if v]
        if len(kinds) != 1:
            raise _fail("hpcspec_source_kind",
                        "a source is exactly one of `url` (with `sha256`), `git` (with `commit`) "
                        "or `files`" + (f"; found {', '.join(kinds)}" if kinds else ""),
                        "keep one of them", "E0213")
        if self.url and not self.sha256:
            raise _fail("hpcspec_source_missing", "a `url` source needs its `sha256`",
                        "add sha256 = \"...\" (run `sha256sum` on the download)", "E0203")
        if self.git and not self.commit:
            raise _fail("hpcspec_source_missing", "a `git` source needs the `commit` to build",
                        "add commit = \"<40 hex digits>\"", "E0203")
        if self.sha256 and not self.url:
            raise _fail("hpcspec_source_kind", "`sha256` checks a `url` download", "remove it or add `url`",
                        "E0213")
        if self.commit and not self.git:
            raise _fail("hpcspec_source_kind", "`commit` belongs to a `git` source", "remove it or add `git`",
                        "E0213")
        return self


class Image(Model):
    bootstrap: Bootstrap = "docker"
    from_: ImageRef = Field(alias="from")
    packages: list[Package] = []
    package_manager: PackageManager | None = None  # known for common images
    glibc: Version | None = None  # known for common images
    gcc: Version | None = None  # the image's gcc once packages are installed; known for common images
    cuda: Version | None = None  # the image's CUDA (its user space: must be one the host driver runs)
    rocm: Version | None = None  # the image's ROCm
    # the image's own library directories: kept on LD_LIBRARY_PATH after the host's where a
    # runtime replaces the variable (Singularity 3.6+, Apptainer)
    ld_library_path: list[AbsPath] = []


class ContainerMpi(Model):
    """The MPI the code is compiled against inside the container."""

    name: Name
    abi: AbiFamily
    version: Version
    standard: Version | None = None
    transport: Transport | None = None  # the network library it is built on (MPICH ch4:ofi: "ofi")


def _literal_flag(value: str) -> str:
    if "$" in value or "`" in value:
        raise _fail("hpcspec_flag", f"`{value}` holds `$` or a backquote, which make and the shell would expand",
                    "compiler flags are passed literally: write the value itself (hpcspec resolves "
                    "${name} in specs before anything runs); a make build's `options` may use make's "
                    "own $(VAR)")
    return value


# A compiler flag: exported as CFLAGS/CXXFLAGS/FFLAGS, which make (make and autotools builds)
# expands again in its recipes, so it may hold neither `$` nor a backquote.
Flag = Annotated[str, Field(min_length=1, max_length=4096), AfterValidator(_literal_flag)]


class Build(Model):
    kind: BuildKind
    directory: RelPath | None = None  # where the build runs, inside the source tree
    options: list[Arg] = []  # cmake -D..., configure --with-..., make VAR=...
    cflags: list[Flag] = []
    cxxflags: list[Flag] = []
    fflags: list[Flag] = []
    targets: list[Name] = []  # make targets (default: the default target)
    install: list[Command] = []  # make: commands that install into $PREFIX (default: make install)
    commands: list[Command] = []  # script: the build, run with PREFIX, CFLAGS... set
    jobs: Annotated[int, Field(ge=1, le=1024)] = 4
    env: dict[EnvName, Text] = {}
    # libraries the build links against (e.g. "xpmem"): checked against what a site's MPI
    # requires, and passed to the build as HPCSPEC_LINK_LIBS ("-lxpmem")
    links: list[Name] = []

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> "Build":
        if self.kind == "script" and not self.commands:
            raise _fail("hpcspec_build_missing", "a `script` build needs `commands`",
                        'add commands = ["...", ...]: each runs in the source tree', "E0203")
        if self.kind != "script" and self.commands:
            raise _fail("hpcspec_build_kind", f"`commands` belong to a `script` build, not `{self.kind}`",
                        "use `options` for the build system, or `build script { ... }`", "E0213")
        if self.kind != "make" and (self.targets or self.install):
            raise _fail("hpcspec_build_kind", f"`targets` and `install` belong to a `make` build, "
                        f"not `{self.kind}`", "remove them", "E0213")
        return self


class Run(Model):
    executable: RelPath  # relative to the target's prefix, e.g. "bin/gmx_mpi"
    args: list[Arg] = []  # always passed first; the job's own arguments follow
    required_files: list[RelPath] = []  # must exist in the working directory before launch


class Target(Model):
    platform: Name
    mpi: Name
    compiler: Name
    # bind: container MPI replaced by the host's at run time (MPICH ABI);
    # host: built on the host against its MPI (targeting); hybrid: container MPI, host launcher.
    model: Model_ | None = None
    # where the code's image is published, for runtimes that run an image by name (Shifter,
    # podman-hpc, Alps' Container Engine); default: CODE:VERSION
    image: ImageRef | None = None
    gpu_aware_mpi: bool | None = None  # default: on when the target uses GPUs and the MPI can
    cpu_flags: list[Flag] | None = None  # replaces the flags archspec derives
    prefix: AbsPath | None = None
    env: dict[EnvName, Text] = {}
    modules: list[Module] = []
    binds: list[BindDir] = []
    bind_files: list[BindFile] = []
    libraries: list[Name] = []  # site libraries (the platform's `library` blocks) to use
    build: Patch | None = None  # patches the code's build
    job: Patch | None = None  # patches the platform's job defaults
    override: Patch | None = None  # patches the platform itself


class Code(Model):
    version: Version
    description: DefText | None = None
    homepage: Url | None = None
    license: DefText | None = None
    maintainer: DefText | None = None
    source: Source
    image: Image
    mpi: ContainerMpi | None = None
    build: Patch
    run: Run
    env: dict[EnvName, DefText] = {}  # the container's %environment
    test: list[Command] = []  # run by the image's %test
    target: dict[Name, Target] = {}
