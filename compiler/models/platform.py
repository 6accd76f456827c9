"""Platform specs: one HPC site (scheduler, nodes, partitions, runtime, host MPIs, libraries).

The scheduler, launcher and runtime blocks name registered plug-ins (``scheduler pbs { }``):
their keys are the plug-in's own (see hpcspec.backends.plugin), validated in a second step
against the model the plug-in declares.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from .binds import BindDir, BindFile
from .job import Count, PositiveInt
from .types import (
    ABI_FAMILIES, AbsPath, CoreSet, DurationValue, EnvName, GpuArch, Model, Module, Name, Patch, Plugin, SizeValue,
    Soname, Text, Url, Version, _fail, core_set,
)

AbiFamily = Literal[ABI_FAMILIES]  # type: ignore[valid-type]
CompilerFamily = Literal["gcc", "clang", "aocc", "intel", "oneapi", "cce", "nvhpc"]


GpuVendor = Literal["nvidia", "amd", "intel"]


class Gpu(Model):
    """The GPUs of a node, all of one kind."""

    vendor: GpuVendor
    model: Text | None = None
    arch: GpuArch  # what the compiler targets: sm_80, sm_90, gfx90a, gfx942
    memory: SizeValue | None = None  # per GPU
    driver: Version | None = None  # the host driver's version
    # the newest CUDA (NVIDIA) or ROCm (AMD) user space the host driver runs
    max_runtime: Version | None = None
    # for each GPU, in index order, the cores nearest it ("24-31"): ranks bound to them
    cores: list[CoreSet] = []
    # where the runtime cannot make the GPUs visible itself (its `gpu = "binds"`): the driver's
    # user-space libraries and the devices, bound in
    binds: list[BindDir] = []
    bind_files: list[BindFile] = []
    ld_library_path: list[AbsPath] = []
    runtime_modules: list[Name] = []  # runtime modules that make them visible (podman-hpc --gpu)


class Node(Model):
    sockets: PositiveInt
    cores_per_socket: PositiveInt
    threads_per_core: PositiveInt = 1
    numa_regions: PositiveInt = 1
    memory: SizeValue
    microarch: Name
    cpu_model: Text | None = None
    gpus: Count = 0
    gpu: Gpu | None = None
    # cores the site keeps for the system (LUMI-G: the first core of each L3 region): jobs get
    # the others
    reserved_cores: list[Annotated[int, Field(ge=0, le=1_000_000)]] = []

    @property
    def cores(self) -> int:
        return self.sockets * self.cores_per_socket

    @property
    def usable_cores(self) -> int:
        return self.cores - len(set(self.reserved_cores))

    @model_validator(mode="after")
    def _layout(self) -> "Node":
        if self.cores % self.numa_regions:
            raise _fail("hpcspec_numa", f"{self.numa_regions} NUMA regions do not divide "
                        f"{self.cores} cores evenly", "check the node's NUMA layout")
        if any(core >= self.cores for core in self.reserved_cores):
            raise _fail("hpcspec_cores", f"a reserved core is beyond the node's {self.cores} cores",
                        "number cores from 0")
        if self.gpu is not None and self.gpu.cores:
            if len(self.gpu.cores) != self.gpus:
                raise _fail("hpcspec_gpu_cores", f"`gpu.cores` lists {len(self.gpu.cores)} sets for {self.gpus} GPUs",
                            "give the cores nearest each GPU, in GPU index order")
            if any(core >= self.cores * self.threads_per_core for cores in self.gpu.cores for core in core_set(cores)):
                raise _fail("hpcspec_gpu_cores", "`gpu.cores` names a core the node does not have", "number cores from 0")
        return self


class Partition(Model):
    description: Text | None = None
    max_nodes: PositiveInt | None = None
    max_walltime: DurationValue | None = None
    min_nodes: PositiveInt | None = None
    min_walltime: DurationValue | None = None
    qos: list[Name] = []  # the QoS allowed in this partition (empty: any)
    default_qos: Name | None = None
    node: Patch | None = None  # how this partition's nodes differ from the platform's `node`
    modules: list[Module] = []  # loaded for jobs in this partition (CSD3: rhel8/default-icl)


class Qos(Model):
    description: Text | None = None
    max_nodes: PositiveInt | None = None
    max_walltime: DurationValue | None = None
    min_nodes: PositiveInt | None = None
    min_walltime: DurationValue | None = None


class Library(Model):
    """A site library a target opts into by name (``libraries = ["fftw"]``): an optimised FFTW,
    LibSci or MKL the host provides, bound in and put on LD_LIBRARY_PATH ahead of the MPI."""

    description: Text | None = None
    binds: list[BindDir] = []
    bind_files: list[BindFile] = []
    ld_library_path: list[AbsPath] = []
    env: dict[EnvName, Text] = {}
    modules: list[Module] = []
    # The file name the dynamic linker loads ("libxpmem.so.0"). A build that links this library
    # links a generated stub with that name instead, so the image need not hold the library: the
    # host's, bound in, is loaded at run time.
    soname: Soname | None = None


class Mpi(Model):
    description: Text | None = None
    abi: AbiFamily
    version: Version
    standard: Version | None = None  # the MPI standard it implements, e.g. "3.1"
    root: AbsPath | None = None
    binds: list[BindDir] = []
    bind_files: list[BindFile] = []
    ld_library_path: list[AbsPath] = []
    env: dict[EnvName, Text] = {}
    modules: list[Module] = []
    launcher: Name | None = None  # a `launcher` block of the platform
    plugin: Plugin | None = None  # srun --mpi=PLUGIN
    # libraries a code must be linked against to run with this MPI (an error if it is not), or
    # should be to run well (a warning: ARCHER2's Cray MPICH and xpmem); a platform `library` of
    # the same name is bound in for the targets on this MPI
    requires_links: list[Name] = []
    recommends_links: list[Name] = []
    # GPU-aware MPI: the Cray GTL library for the node's GPUs (preloaded for codes not linked
    # against it) and the variables that turn the GPU path on (MPICH_GPU_SUPPORT_ENABLED)
    gtl: AbsPath | None = None
    gpu_env: dict[EnvName, Text] = {}
    # runtimes that inject the MPI themselves (podman-hpc --mpi, Shifter --module=mpich): the
    # runtime's modules that bring this MPI in, and those for its GPU-aware variant
    runtime_modules: list[Name] = []
    gpu_runtime_modules: list[Name] = []


class Compiler(Model):
    family: CompilerFamily
    version: Version
    modules: list[Module] = []


class Platform(Model):
    description: Text | None = None
    sources: list[Url] = []  # where the facts in this file come from
    extends: Name | None = None
    backend: Name = "generic"
    scheduler: Patch  # `scheduler NAME { ... }`: a registered scheduler and its keys
    launcher: dict[Name, Patch]  # `launcher NAME { ... }`: each a registered launcher (or `kind = "..."`)
    node: Node
    partition: dict[Name, Partition] = {}
    qos: dict[Name, Qos] = {}
    runtime: Patch  # `runtime NAME { ... }`: a registered container runtime and its keys
    mpi: dict[Name, Mpi]
    compiler: dict[Name, Compiler]
    library: dict[Name, Library] = {}
    binds: list[BindDir] = []
    bind_files: list[BindFile] = []
    ld_library_path: list[AbsPath] = []  # after the MPI's own entries
    env: dict[EnvName, Text] = {}
    modules: list[Module] = []
    module_paths: list[AbsPath] = []  # `module use` before loading (ALCF: /soft/modulefiles)
    # run batch scripts as login shells (`#!/bin/bash -l`): where `module` is defined only there
    login_shell: bool = False
    glibc_min: Version | None = None  # the oldest container glibc the host libraries accept
    account_required: bool = False
    job: Patch | None = None  # defaults for every target's job
