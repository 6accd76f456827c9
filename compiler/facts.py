"""What is known about a site and each target, derived once (derive.py) and only read afterwards.

The checks (checks/*) and the plan read these frozen values; nothing changes them after they
are made, so no check depends on another having run first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .models.binds import Bind
from .models.code import Build, Target
from .models.platform import Compiler, Library, Mpi, Node, Partition, Platform, Qos
from .nodes import Duration, Size
from .schema import Path, SpanMap
from .source import Span

if TYPE_CHECKING:
    from hpcspec.backends.plugin import Launcher, Runtime, Scheduler


@dataclass(frozen=True)
class Site:
    """A platform as validated, with its scheduler, runtime and launchers."""

    name: str
    platform: Platform
    spans: SpanMap  # paths from the platform block
    scheduler: "Scheduler | None"  # None: its block was wrong (reported)
    runtime: "Runtime | None"
    launchers: dict[str, "Launcher"]  # by block name; wrong ones left out (reported)
    job_defaults: Any = None  # the platform's `job` block (a Patch), or None

    def span(self, path: Path) -> Span | None:
        return self.spans.values.get(path) or self.spans.keys.get(path) or self.spans.block_head(path)


@dataclass(frozen=True)
class JobShape:
    """A target's job with every default filled in."""

    name: str
    nodes: int
    tasks_per_node: int
    cpus_per_task: int
    walltime: Duration | None  # None: missing (reported)
    partition: str | None
    qos: str | None
    account: str | None
    exclusive: bool
    gpus_per_node: int
    gpus_per_task: int | None
    memory: Size | None
    smt: bool
    threads_per_core: int
    resources: tuple[tuple[str, str], ...]
    given: frozenset[str]  # the keys the target or the platform's defaults set


@dataclass(frozen=True)
class CpuTuning:
    """The compiler flags for the node's microarchitecture (archspec), or why there are none."""

    flags: tuple[str, ...]
    target: str  # the microarchitecture tuned for ("as given" for cpu_flags)
    status: str  # "given", "exact", "fallback", "unknown" (microarch), "unsupported" (compiler)
    microarch: str  # the node's
    family: str
    version: str  # the compiler version that builds
    reason: str = ""


@dataclass(frozen=True)
class EnvSource:
    """A variable a spec sets, and where: for the checks of reserved names and evaluated values."""

    name: str
    value: str
    span: Span | None  # the name
    value_span: Span | None
    passed: bool  # handed to the runtime (not the image's own %environment)


@dataclass(frozen=True)
class BindConflict:
    bind: Bind
    other: Bind
    span: Span | None


@dataclass(frozen=True)
class TargetFacts:
    name: str
    spec: Target
    spans: SpanMap  # the code's: paths ("target", name, ...)
    site: Site
    platform_name: str
    mpi_name: str
    mpi: Mpi
    compiler_name: str
    compiler: Compiler
    launcher: "Launcher"
    node: Node
    node_spans: SpanMap  # the node block as merged for the partition
    partition_name: str | None
    partition: Partition | None
    qos_name: str | None
    qos: Qos | None
    job: JobShape
    job_spans: SpanMap  # paths ("target", name, "job", ...)
    model: str  # bind, host, hybrid
    model_given: bool  # set by the target (not derived)
    libraries: tuple[tuple[str, Library], ...]
    binds: tuple[Bind, ...]
    bind_conflicts: tuple[BindConflict, ...]
    environment: tuple[tuple[str, str], ...]  # what the container gets, LD_LIBRARY_PATH included
    env_sources: tuple[EnvSource, ...]
    modules: tuple[str, ...]
    prefix: str
    cpu: CpuTuning
    build: Build | None
    links: tuple[str, ...] = field(default=())  # libraries the build links
    gpu: Any = None  # gpu.GpuUse: the GPUs the job uses and how ranks get them, or None
    arch: str = "x86_64"  # the node's CPU architecture family (archspec): one image per architecture
    runtime_modules: tuple[str, ...] = ()  # runtime modules to enable (podman-hpc, Shifter)
    image_ref: str = ""  # the code's image by name, for runtimes that run one by reference

    @property
    def platform(self) -> Platform:
        return self.site.platform

    @property
    def scheduler(self) -> "Scheduler":
        assert self.site.scheduler is not None
        return self.site.scheduler

    @property
    def runtime(self) -> "Runtime":
        assert self.site.runtime is not None
        return self.site.runtime

    @property
    def path(self) -> Path:
        return ("target", self.name)

    def target_span(self, key: str | None = None) -> Span | None:
        if key is not None:
            found = self.spans.values.get(self.path + (key,)) or self.spans.keys.get(self.path + (key,))
            if found is not None:
                return found
        return self.spans.keys.get(self.path) or self.spans.block_head(self.path)

    def job_span(self, key: str) -> Span | None:
        """Where the job's `key` is written (in the target, or in the platform's job defaults),
        else the target's own `job` block, else the merged one, else the target."""
        root = self.path + ("job",)
        return (self.job_spans.values.get(root + (key,)) or self.job_spans.keys.get(root + (key,))
                or self.spans.blocks.get(root) or self.job_spans.blocks.get(root) or self.target_span())

    def mpi_span(self, key: str | None = None) -> Span | None:
        path = ("mpi", self.mpi_name) + ((key,) if key else ())
        return self.site.span(path)
