"""Platform specs: one HPC site (scheduler, nodes, partitions, runtime, host MPIs)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from .binds import Bind, BindDir, BindFile
from .job import Count, PositiveInt
from .types import (
    AbsPath, Arg, DurationValue, EnvName, Model, Module, Name, Patch, Plugin, SizeValue, Text, Url,
    Version, _fail, _pattern,
)

SchedulerKind = Literal["slurm", "pbs"]
LauncherKind = Literal["srun", "mpirun", "mpiexec"]
RuntimeKind = Literal["apptainer", "singularity", "charliecloud"]
AbiFamily = Literal["mpich", "openmpi", "mpt", "mpi-abi"]
CompilerFamily = Literal["gcc", "clang", "aocc", "intel", "oneapi", "cce", "nvhpc"]

# A scheduler option as the scheduler writes it: "--export=none", "-l place=scatter", "-j oe".
Directive = Annotated[str, Field(max_length=256), _pattern(
    "hpcspec_directive", r"-{1,2}[A-Za-z][A-Za-z0-9\-]*(?:[= ][A-Za-z0-9_.:=,/@%+\-]+)?",
    "a valid scheduler option", 'write one option, e.g. "--export=none" or "-l place=scatter"')]


class Scheduler(Model):
    kind: SchedulerKind
    version: Version | None = None
    # Extra directives for every job, as the scheduler's own options (e.g. "--export=none").
    directives: list[Directive] = []
    # Export SRUN_CPUS_PER_TASK (Slurm 22.05+ no longer passes --cpus-per-task on to srun).
    # Unset: derived from the version (on when unknown: it is harmless on older Slurm).
    srun_cpus_per_task: bool | None = None


class Launcher(Model):
    flags: list[Arg] = []
    # mpirun/mpiexec from outside the scheduler's launcher: pass a host file built from the
    # allocation (Open MPI, Intel MPI under Slurm without PMI).
    hostfile: bool = False


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


class Runtime(Model):
    kind: RuntimeKind
    version: Version
    command: AbsPath | Name | None = None  # default: the kind's own command
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
    launcher: LauncherKind | None = None
    plugin: Plugin | None = None  # srun --mpi=PLUGIN


class Compiler(Model):
    family: CompilerFamily
    version: Version
    modules: list[Module] = []


class Platform(Model):
    description: Text | None = None
    sources: list[Url] = []  # where the facts in this file come from
    extends: Name | None = None
    backend: Name = "generic"
    scheduler: Scheduler
    launcher: dict[LauncherKind, Launcher]
    node: Node
    partition: dict[Name, Partition] = {}
    qos: dict[Name, Qos] = {}
    runtime: Runtime
    mpi: dict[Name, Mpi]
    compiler: dict[Name, Compiler]
    binds: list[BindDir] = []
    bind_files: list[BindFile] = []
    ld_library_path: list[AbsPath] = []  # after the MPI's own entries
    env: dict[EnvName, Text] = {}
    modules: list[Module] = []
    glibc_min: Version | None = None  # the oldest container glibc the host libraries accept
    account_required: bool = False
    job: Patch | None = None  # defaults for every target's job


def all_binds(platform: Platform, mpi: Mpi | None) -> list[Bind]:
    binds: list[Bind] = [*platform.binds, *platform.bind_files]  # type: ignore[list-item]
    if mpi is not None:
        binds += [*mpi.binds, *mpi.bind_files]  # type: ignore[list-item]
    return binds
