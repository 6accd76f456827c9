"""Stage 4, validate (continued): models for the code and each target, then the semantic checks.

For every target this merges the platform with the target's ``override``, the platform's job
defaults with the target's ``job``, the code's ``build`` with the target's ``build`` and the
platform's ``node`` with the partition's, validates each result against its model and runs
the checks in :mod:`hpcspec.checks`. All errors of all targets are collected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .checks import abi, binds, glibc, jobshape, microarch, references
from .diagnostics import Report
from .images import ImageFacts, facts_for
from .merge import merge
from .models.binds import Bind
from .models.code import Build, Code, Target
from .models.job import Job
from .models.platform import Compiler, Mpi, Node, Partition, Platform, Qos
from .nodes import Block
from .resolve import Program
from .schema import SpanMap
from .validate import Validated, validate_block, validate_partial


MAX_TARGETS = 256  # per code spec: far beyond real use, small enough to stay fast


@dataclass
class TargetInfo:
    name: str
    spec: Target
    spans: SpanMap  # paths from the code block: ("target", name, ...)
    platform_name: str
    platform: Platform
    platform_spans: SpanMap
    mpi_name: str
    mpi: Mpi
    compiler_name: str
    compiler: Compiler
    job: Job
    job_spans: SpanMap
    build: Build | None
    node: Node
    partition_name: str | None = None
    partition: Partition | None = None
    qos_name: str | None = None
    qos: Qos | None = None
    model: str = "bind"
    launcher: str = ""
    cpu_flags: tuple[str, ...] = ()
    cpu_target: str = ""
    prefix: str = ""
    binds: list[Bind] = field(default_factory=list)


@dataclass
class Checked:
    name: str
    code: Code
    spans: SpanMap
    build: Build
    image: ImageFacts
    targets: list[TargetInfo]
    program: Program


class _Cache:
    """Validated platforms: each block validated once, whatever the number of targets."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.items: dict[int, tuple[Block, Validated | None]] = {}

    def get(self, block: Block, model, path) -> Validated | None:
        key = id(block)  # the block is kept alive by the entry, so its id stays unique
        if key not in self.items:
            self.items[key] = (block, _validated(block, model, path, self.report))
        return self.items[key][1]


# Platform blocks validated without a diagnostic, for the whole process: resolve.py hands the
# same (immutable) block to every code that imports its file, so a corpus validates each
# platform once. Keyed by identity; the entry keeps the block alive so its id stays unique.
_CLEAN: dict[tuple, tuple[Block, Validated]] = {}


def _validated(block: Block, model, path, report: Report) -> Validated | None:
    key = (id(block), model, tuple(path))
    if key in _CLEAN:
        return _CLEAN[key][1]
    own = Report()
    result = validate_block(block, model, own, path)
    report.extend(own.items)
    if result is not None and not own.items:
        if len(_CLEAN) >= 1024:
            _CLEAN.clear()
        _CLEAN[key] = (block, result)
    return result


def check(program: Program, report: Report, only: list[str] | None = None) -> Checked | None:
    code_block = program.code
    cache = _Cache(report)
    # Every platform the program can see is validated, used or not: a broken platform spec
    # is reported on its own lines whichever code imports it.
    for name in sorted(program.platforms):
        cache.get(program.platforms[name], Platform, ())
    if code_block is None:  # a platform spec on its own: validated above, nothing to plan
        return None
    declared = [b for b in code_block.blocks() if b.kind == "target"]
    if len(declared) > MAX_TARGETS:  # before validating thousands of them
        report.error("E0108", f"{len(declared)} targets; a code spec has at most {MAX_TARGETS}",
                     declared[MAX_TARGETS].head_span, label="one target too many",
                     help="split the code spec, or drop targets nobody runs")
        return None
    validated = validate_partial(code_block, Code, report, (), deep=("target",))
    code: Code = validated.model
    spans = validated.spans
    failed = validated.failed
    base_build = validate_block(code.build, Build, report, ("build",)) if "build" not in failed else None
    image = _image_facts(code, spans, report) if "image" not in failed else None
    targets: list[TargetInfo] = []
    names = sorted(code.target) if only is None else [n for n in sorted(code.target) if n in only]
    for name in names:
        info = _target(name, code, spans, program, cache, report)
        if info is not None:
            targets.append(info)
    for info in targets:
        # each check runs when the parts of the code it reads are valid
        if "mpi" not in failed:
            abi.check(info, code, spans, report)
        if image is not None:
            glibc.check(info, code, image, spans, report)
            microarch.check(info, code, image, spans, report)
        jobshape.check(info, spans, report)
        if "env" not in failed:
            binds.check(info, code, spans, report)
    if "version" not in failed:
        binds.check_prefixes(targets, code_block.label or "code", code.version, spans, report)
    if base_build is None or report.has_errors:
        return None
    return Checked(code_block.label or "", code, spans, base_build.model, image, targets, program)


def _image_facts(code: Code, spans: SpanMap, report: Report) -> ImageFacts:
    known = facts_for(code.image.from_) if code.image.bootstrap in ("docker", "oras") else None
    facts = known or ImageFacts()
    if not (code.image.package_manager or facts.package_manager):
        report.error("E0505", f"the package manager of `{code.image.from_}` is not known",
                     spans.values.get(("image", "from")) or spans.block_head(("image",)),
                     label="hpcspec installs packages and build tools with it",
                     help='state it: image { package_manager = "apt" } (apt, dnf, yum, zypper or apk)')
    return ImageFacts(
        facts.libc,
        code.image.glibc or facts.glibc,
        code.image.gcc or facts.gcc,
        code.image.package_manager or facts.package_manager,
        facts.source,
    )


def _target(name: str, code: Code, spans: SpanMap, program: Program, cache: _Cache,
            report: Report) -> TargetInfo | None:
    target = code.target[name]
    path = ("target", name)
    if None in (target.platform, target.mpi, target.compiler):
        return None  # already reported
    platform_block = references.platform_block(target, path, spans, program, report)
    if platform_block is None:
        return None
    if target.override is not None:
        extends = target.override.get("extends")
        if extends is not None:
            report.error("E0306", f"target `{name}`: an `override` cannot change what a platform `extends`",
                         extends.key_span, label="not possible in an override",
                         help="write a platform spec that extends the other platform, and use it as this "
                              "target's platform")
            return None
        platform_block = merge(platform_block, target.override, report)  # type: ignore[assignment]
    platform_v = cache.get(platform_block, Platform, ())  # type: ignore[arg-type]
    if platform_v is None:
        return None
    platform: Platform = platform_v.model
    mpi_name, mpi = references.lookup(platform.mpi, target.mpi, "E0401", "MPI", path + ("mpi",),
                                      spans, report, target.platform)
    compiler_name, compiler = references.lookup(platform.compiler, target.compiler, "E0402", "compiler",
                                                path + ("compiler",), spans, report, target.platform)
    job_v = validate_block(merge(platform.job, target.job, report) or _empty(platform_block, "job"),
                           Job, report, path + ("job",))
    # the build is checked here and used by the plan; a broken build does not stop the checks
    build_v = validate_block(merge(code.build, target.build, report), Build, report,  # type: ignore
                             path + ("build",)) if code.build is not None else None
    if mpi is None or compiler is None or job_v is None:
        return None
    launcher = references.launcher(platform, mpi, mpi_name, target.platform, platform_v.spans, report)
    if launcher is None:
        return None
    job: Job = job_v.model
    partition_name, partition, qos_name, qos = references.partition_and_qos(
        platform, job, job_v.spans, report, target.platform)
    node_block = merge(platform_block.child("node"), partition.node if partition else None, report)
    node_v = validate_block(node_block, Node, report, ("node",)) if node_block else None
    if node_v is None:
        return None
    return TargetInfo(
        name=name, spec=target, spans=spans, platform_name=target.platform, platform=platform,
        platform_spans=platform_v.spans, mpi_name=mpi_name, mpi=mpi, compiler_name=compiler_name,
        compiler=compiler, job=job, job_spans=job_v.spans, build=build_v.model if build_v else None,
        node=node_v.model,
        partition_name=partition_name, partition=partition, qos_name=qos_name, qos=qos,
        launcher=launcher,
    )


def _empty(anchor: Block, kind: str) -> Block:
    return Block(kind, anchor.kind_span, None, None, (), anchor.span, anchor.head_span)
