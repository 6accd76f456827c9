"""The job shape: a platform's defaults, patched by each target's ``job`` block."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .types import Account, DurationValue, Model, Name, SizeValue, _pattern

# A value of a scheduler resource (`-l filesystems=home:eagle`, `-l storage=gdata/ab12`).
ResourceValue = Annotated[str, Field(min_length=1, max_length=256), _pattern(
    "hpcspec_resource_value", r"[A-Za-z0-9_.:+/@%=\-]+", "a valid resource value",
    'write the value the scheduler takes, e.g. "home:eagle" or "gdata/ab12+scratch/ab12"')]

PositiveInt = Annotated[int, Field(ge=1, le=1_000_000)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]


class Job(Model):
    """How a target's job is shaped; every value is optional until the plan needs it."""

    nodes: PositiveInt | None = None
    tasks_per_node: PositiveInt | None = None
    cpus_per_task: PositiveInt | None = None
    walltime: DurationValue | None = None
    partition: Name | None = None
    qos: Name | None = None
    account: Account | None = None
    exclusive: bool | None = None
    gpus_per_node: Count | None = None
    gpus_per_task: Count | None = None  # instead of gpus_per_node: each task its own GPUs
    memory: SizeValue | None = None  # per node
    smt: bool | None = None  # use hardware threads (cpus count threads, not cores)
    name: Name | None = None  # the scheduler's job name; default: code-target
    # site resources the scheduler passes on (PBS: `-l name=value`), e.g. filesystems on ALCF
    resources: dict[Name, ResourceValue] = {}
