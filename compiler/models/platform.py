"""Platform specs: one HPC site (scheduler, nodes, partitions, runtime, host MPIs, libraries).

The scheduler, launcher and runtime blocks name registered plug-ins (``scheduler pbs { }``):
their keys are the plug-in's own (see hpcspec.backends.plugin), validated in a second step
against the model the plug-in declares.
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from .binds import BindDir, BindFile
from .job import Count, PositiveInt
from .types import (
    ABI_FAMILIES, AbsPath, DurationValue, EnvName, Model, Module, Name, Patch, Plugin, SizeValue, Text, Url,
    Version, _fail,
)

AbiFamily = Literal[ABI_FAMILIES]  # type: ignore[valid-type]
CompilerFamily = Literal["gcc", "clang", "aocc", "intel", "oneapi", "cce", "nvhpc"]


class Node(Model):
    sockets: PositiveInt
    cores_per_socket: PositiveInt
    threads_per_core: PositiveInt = 1
    numa_regions: PositiveInt = 1
    memory: SizeValue
    microarch: Name
    cpu_model: Text | None = None
    gpus: Count = 0
    gpu_model: Text | None = None

    @property
    def cores(self) -> int:
        return self.sockets * self.cores_per_socket

    @model_validator(mode="after")
    def _numa_divides_cores(self) -> "Node":
        if self.cores % self.numa_regions:
            raise _fail("hpcspec_numa", f"{self.numa_regions} NUMA regions do not divide "
                        f"{self.cores} cores evenly", "check the node's NUMA layout")
        return self


class Partition(Model):
    description: Text | None = None
    max_nodes: PositiveInt | None = None
    max_walltime: DurationValue | None = None
    qos: list[Name] = []  # the QoS allowed in this partition (empty: any)
    default_qos: Name | None = None
    node: Patch | None = None  # how this partition's nodes differ from the platform's `node`


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
    glibc_min: Version | None = None  # the oldest container glibc the host libraries accept
    account_required: bool = False
    job: Patch | None = None  # defaults for every target's job
