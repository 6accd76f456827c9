"""The plan: a site-neutral description of what to emit, computed before any text is laid out.

Backends read only these types. Every string here has been validated by the models; the
backends still quote each value for the context it lands in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .models.binds import Bind
from .nodes import Duration, Size


@dataclass(frozen=True)
class SourcePlan:
    kind: str  # "url", "git" or "files"
    url: str | None = None
    sha256: str | None = None
    archive: str | None = None  # the file name the download is saved as
    git: str | None = None
    commit: str | None = None
    files: tuple[tuple[str, bytes], ...] = ()  # (relative path, content), copied into the image
    directory: str | None = None  # the source tree below the unpacked source


@dataclass(frozen=True)
class BuildPlan:
    """One target's build, run by /bin/sh in the container (or in a sandbox of it on the host)."""

    target: str
    kind: str  # cmake, autotools, make, script
    script_path: str  # where the build script is in the image
    in_container: bool  # built while the image is built (bind, hybrid), or later on the host
    prefix: str
    source_dir: str  # the source tree in the image
    subdir: str | None  # where the build runs, below the source tree (and its copy)
    build_dir: str  # scratch directory, removed afterwards
    options: tuple[str, ...]
    cpu_flags: tuple[str, ...]
    cflags: tuple[str, ...]
    cxxflags: tuple[str, ...]
    fflags: tuple[str, ...]
    environment: tuple[tuple[str, str], ...]
    jobs: int
    make_targets: tuple[str, ...]
    install: tuple[str, ...]  # shell lines (make builds)
    commands: tuple[str, ...]  # shell lines (script builds)
    mpi_root: str | None  # the host MPI, put first on PATH for host builds
    link_libs: tuple[str, ...]  # libraries the build links (-lNAME), from `links`
    link_stubs: tuple[tuple[str, str], ...]  # (name, soname): linked as a generated stub
    stub_dir: str  # where the stubs are made, inside build_dir
    description: str  # one line: platform, MPI, compiler, model


@dataclass(frozen=True)
class Recipe:
    """One container for the code, holding every target's build."""

    code: str
    version: str
    bootstrap: str
    base: str
    package_manager: str | None
    packages: tuple[str, ...]
    labels: tuple[tuple[str, str], ...]
    help: tuple[str, ...]  # lines
    source: SourcePlan
    builds: tuple[BuildPlan, ...]
    bind_dirs: tuple[str, ...]  # bind destinations to create as directories
    bind_files: tuple[str, ...]  # bind destinations to create as empty files
    environment: tuple[tuple[str, str], ...]
    targets: tuple[tuple[str, str, tuple[str, ...]], ...]  # (name, executable, default args)
    tests: tuple[str, ...]  # shell lines of %test
    source_dir: str  # where the source is unpacked in the image
    script_dir: str  # where build scripts live in the image
    formats: tuple[str, ...] = ("definition",)  # container formats to write: "definition", "dockerfile"
    arch: str = "x86_64"  # the CPU architecture the image is built for
    suffix: str = ""  # in its files' names: "" for x86_64, else ".ARCH" (gromacs.aarch64.def)


@dataclass(frozen=True)
class JobPlan:
    name: str
    nodes: int
    tasks_per_node: int
    cpus_per_task: int
    walltime: Duration
    partition: str | None
    qos: str | None
    account: str | None
    account_required: bool
    exclusive: bool
    gpus_per_node: int
    memory: Size | None
    smt: bool
    threads_per_core: int
    resources: tuple[tuple[str, str], ...] = ()  # site resources (PBS -l name=value)
    gpus_per_task: int | None = None  # GPUs asked for per task (gpus_per_node is then their sum)


@dataclass(frozen=True)
class TargetPlan:
    name: str
    code: str
    version: str
    platform: str
    platform_description: str
    backend: str
    mpi: str
    mpi_description: str
    compiler: str
    model: str  # bind, host, hybrid
    prefix: str
    executable: str  # absolute, in the container
    args: tuple[str, ...]
    required_files: tuple[str, ...]
    binds: tuple[Bind, ...]
    environment: tuple[tuple[str, str], ...]  # ordered; LD_LIBRARY_PATH included
    modules: tuple[str, ...]
    module_paths: tuple[str, ...]  # `module use` first
    login_shell: bool  # batch scripts run as login shells (#!/bin/bash -l)
    # the plug-ins, configured by the platform spec (hpcspec.backends.plugin)
    runtime: Any
    launcher: Any
    scheduler: Any
    mpi_plugin: str | None  # srun --mpi=PLUGIN
    gpu: Any  # hpcspec.gpu.GpuUse: the job's GPUs and how ranks get them, or None
    runtime_modules: tuple[str, ...]  # runtime modules to enable (podman-hpc, Shifter)
    image_ref: str  # the code's image by name (runtimes that run one by reference)
    arch: str  # CPU architecture family: the image this target's build is in
    job: JobPlan
    build: BuildPlan
    cpu_flags: tuple[str, ...]
    cpu_target: str


@dataclass(frozen=True)
class Plan:
    code: str
    version: str
    hpcspec_version: str
    inputs_sha256: str
    recipes: tuple[Recipe, ...]  # one image per CPU architecture of the targets
    targets: tuple[TargetPlan, ...]
    # where the code spec's values came from: emit-stage problems point there (not compared)
    spans: Any = field(default=None, compare=False, repr=False)

    @property
    def recipe(self) -> Recipe:
        """The first image's recipe (what every image shares: base, packages, source)."""
        return self.recipes[0]
