"""Derive: validated specs -> the frozen facts of each site and target (facts.py).

Each fact is computed once, here, by functions that read their inputs and return values; the
checks that follow only report. What cannot be derived (a name that refers to nothing, a block
that does not validate) is reported here, where it is found.
"""

from __future__ import annotations

from .diagnostics import Report
from .didyoumean import did_you_mean, one_of
from .lookup import launcher_of, launcher_problem
from .facts import BindConflict, CpuTuning, EnvSource, JobShape, Site, TargetFacts
from .gpu import derive as derive_gpu
from .images import ImageFacts
from .merge import merge
from .models.binds import Bind
from .models.code import Build, Code, Target
from .models.job import Job
from .models.platform import Node, Platform
from .nodes import Block
from .registry import PluginError, registry
from .resolve import Program, interpolated_platform
from .schema import Path, SpanMap
from .validate import Validated, validate_block

# ----------------------------------------------------------------------------------------------
# Sites


# Sites derived without a diagnostic, for the whole process: resolve.py hands the same
# (immutable) block to every code that imports its file, so a corpus derives each platform
# once. Keyed by identity; the entry keeps the block alive so its id stays unique.
_CLEAN: dict[int, tuple[Block, Site]] = {}


def site(name: str, block: Block, report: Report) -> Site | None:
    """A platform block, validated, with its plug-ins."""
    key = id(block)
    if key in _CLEAN:
        return _CLEAN[key][1]
    own = Report()
    found = _site(name, block, own)
    report.extend(own.items)
    if found is not None and not own.items:
        if len(_CLEAN) >= 1024:
            _CLEAN.clear()
        _CLEAN[key] = (block, found)
    return found


def _site(name: str, block: Block, report: Report) -> Site | None:
    validated = validate_block(block, Platform, report)
    if validated is None:
        return None
    platform: Platform = validated.model
    spans = validated.spans
    scheduler = plugin("scheduler", platform.scheduler, ("scheduler",), spans, report)
    runtime = plugin("runtime", platform.runtime, ("runtime",), spans, report)
    launchers = {}
    for launcher_name, launcher_block in sorted(platform.launcher.items()):
        found = plugin("launcher", launcher_block, ("launcher", launcher_name), spans, report)
        if found is not None:
            launchers[launcher_name] = found
    return Site(name, platform, spans, scheduler, runtime, launchers, platform.job)


def plugin(kind: str, block: Block, path: Path, spans: SpanMap, report: Report):
    """The plug-in a block names (`scheduler NAME`; a launcher may say `kind = "..."`),
    configured by the block's keys; None (reported) if there is no such plug-in or the keys are
    wrong."""
    chosen = block.get("kind") if kind == "launcher" else None
    name = chosen.value.value if chosen is not None and isinstance(chosen.value.value, str) else block.label
    where = (chosen.value.span if chosen is not None else block.label_span) or block.head_span
    try:
        known = registry(kind)
    except PluginError as exc:
        report.error("E0409", str(exc), where, help="fix or uninstall the plug-in")
        return None
    cls = known.get(name or "")
    if cls is None:
        report.error("E0409", f"no {kind} named `{name}`", where, label=f"not an installed {kind}",
                     help=did_you_mean(name or "", known) or f"installed {kind}s: {one_of(known)}"
                     + ("; a third-party one is installed as a Python package" if known else ""))
        return None
    validated = validate_block(block, cls.Options, report, path, named=True)
    if validated is None:
        return None
    return cls(validated.model, block.label) if kind == "launcher" else cls(validated.model)


# ----------------------------------------------------------------------------------------------
# Targets


def target(name: str, code: Code, code_name: str, spans: SpanMap, program: Program, image: ImageFacts | None,
           report: Report) -> TargetFacts | None:
    """Everything about one target, or None when a part it needs is wrong (reported)."""
    spec = code.target[name]
    path = ("target", name)
    if None in (spec.platform, spec.mpi, spec.compiler):
        return None  # already reported
    block = platform_block(spec, path, spans, program, report)
    if block is None:
        return None
    found = site(spec.platform, block, report)
    if found is None or found.scheduler is None or found.runtime is None:
        return None
    platform = found.platform
    mpi_name, mpi = _lookup(platform.mpi, spec.mpi, "E0401", "MPI", path + ("mpi",), spans, report, spec.platform)
    compiler_name, compiler = _lookup(platform.compiler, spec.compiler, "E0402", "compiler", path + ("compiler",),
                                      spans, report, spec.platform)
    job_v = _job(spec, found, path, spans, report)
    build_v = validate_block(merge(code.build, spec.build, report), Build, report,  # type: ignore[arg-type]
                             path + ("build",)) if code.build is not None else None
    if mpi is None or compiler is None or job_v is None:
        return None
    launcher = _launcher(found, mpi, mpi_name, report)
    if launcher is None:
        return None
    partition_name, partition, qos_name, qos = _partition_and_qos(spec, found, job_v, report)
    node_v = _node(block, partition.node if partition else None, report)
    if node_v is None:
        return None
    node: Node = node_v.model
    model = spec.model or ("bind" if code.mpi is not None else "host")
    host_mpi = model in ("bind", "host")
    job = _shape(job_v, node, partition_name, qos_name, code_name, name)
    libraries = _libraries(spec, found, mpi if host_mpi else None, path, spans, report)
    build = build_v.model if build_v else None
    aware = spec.gpu_aware_mpi if spec.gpu_aware_mpi is not None else bool(mpi.gtl or mpi.gpu_env)
    gpu = derive_gpu(node, job, launcher.gpu_binding(), aware and model != "hybrid")
    gpu_binds = gpu is not None and node.gpu is not None and not found.runtime.gpu_native(node.gpu.vendor)
    binds, conflicts = _binds(spec, found, mpi_name, mpi if host_mpi else None, libraries, path, spans,
                              node.gpu if gpu_binds else None)
    return TargetFacts(
        name=name, spec=spec, spans=spans, site=found, platform_name=spec.platform, mpi_name=mpi_name, mpi=mpi,
        compiler_name=compiler_name, compiler=compiler, launcher=launcher, node=node, node_spans=node_v.spans,
        partition_name=partition_name, partition=partition, qos_name=qos_name, qos=qos, job=job,
        job_spans=job_v.spans, model=model, model_given=spec.model is not None, libraries=libraries,
        binds=binds, bind_conflicts=conflicts,
        environment=_environment(spec, found, mpi if model != "hybrid" else None, libraries, job.cpus_per_task, name,
                                 gpu, node.gpu if gpu_binds else None, code.image.ld_library_path if code.image else [],
                                 tuple(build.links) if build else ()),
        env_sources=_env_sources(code, spec, found, mpi_name, mpi if model != "hybrid" else None, libraries, path,
                                 spans),
        modules=_modules(spec, found, mpi if host_mpi else None, libraries, partition),
        prefix=spec.prefix or "/".join(["/opt/app", code_name, code.version or "unknown", spec.platform, mpi_name,
                                        compiler_name]),
        cpu=_cpu(spec, node, compiler, image, model), build=build, links=tuple(build.links) if build else (),
        gpu=gpu, arch=_arch(node.microarch), runtime_modules=_runtime_modules(mpi, node, gpu, host_mpi),
        image_ref=spec.image or f"{code_name}:{code.version}",
    )


def platform_block(spec: Target, path: Path, spans: SpanMap, program: Program, report: Report) -> Block | None:
    name = spec.platform
    if name in program.unusable:
        return None  # its own errors are reported where it is defined
    if name not in program.platforms:
        span = spans.values.get(path + ("platform",))
        on_path = program.search is not None and any((d / f"{name}.hpcspec").is_file() for d in program.search.dirs)
        if on_path:
            help = f'add `import "{name}"` at the top of the file'
        else:
            help = did_you_mean(name, program.platforms) or (
                f"imported platforms: {one_of(program.platforms)}" if program.platforms
                else 'import a platform spec first, e.g. `import "archer2"`')
        report.error("E0303", f"unknown platform `{name}`", span, label="not imported" if on_path else "no such platform",
                     help=help)
        return None
    if spec.override is None:
        return program.platforms[name]
    extends = spec.override.get("extends")
    if extends is not None:
        report.error("E0306", "an `override` cannot change what a platform `extends`", extends.key_span,
                     label="not possible in an override",
                     help="write a platform spec that extends the other platform, and use it as this target's platform")
        return None
    # merged before interpolation: values interpolated in the platform follow the override
    return interpolated_platform(merge(program.raw_platforms[name], spec.override, report), report)  # type: ignore


def _lookup(table: dict, name: str, code: str, what: str, path: Path, spans: SpanMap, report: Report,
            platform: str):
    if name in table:
        return name, table[name]
    report.error(code, f"platform `{platform}` has no {what} `{name}`", spans.values.get(path),
                 label=f"not {'an' if what[0] in 'AEIMO' else 'a'} {what} of `{platform}`",
                 help=did_you_mean(name, table) or f"`{platform}` defines {one_of(table)}")
    return name, None


def _launcher(site_: Site, mpi, mpi_name: str, report: Report):
    found, why = launcher_of(site_, mpi)
    if found is None and why in ("unknown", "unsaid"):
        launcher_problem(site_, mpi_name, mpi, why, report)
    return found


def _job(spec: Target, site_: Site, path: Path, spans: SpanMap, report: Report) -> Validated | None:
    merged = merge(site_.job_defaults, spec.job, report)
    if merged is None:  # no job anywhere: an empty one, located at the target
        head = spans.keys.get(path) or spans.block_head(path)
        merged = Block("job", head, None, None, (), head, head)  # type: ignore[arg-type]
    return validate_block(merged, Job, report, path + ("job",))


def _partition_and_qos(spec: Target, site_: Site, job_v: Validated, report: Report):
    """The partition and QoS: the target's own QoS, else the partition's default_qos, else the
    platform's job default (a partition chosen by the target brings its own QoS)."""
    job: Job = job_v.model
    platform = site_.platform
    partition = qos = None
    partition_name = job.partition
    own_qos = spec.job is not None and spec.job.get("qos") is not None
    job_span = job_v.spans.blocks.get(next(iter(job_v.spans.blocks), ()))
    if partition_name is not None:
        if partition_name in platform.partition:
            partition = platform.partition[partition_name]
        elif platform.partition:
            key = next((k for k in job_v.spans.values if k[-1:] == ("partition",)), None)
            report.error("E0403", f"platform `{site_.name}` has no partition `{partition_name}`",
                         job_v.spans.values.get(key) if key else job_span, label="unknown partition",
                         help=did_you_mean(partition_name, platform.partition)
                         or f"partitions: {one_of(platform.partition)}")
    qos_name = job.qos
    qos_span = job_v.spans.values.get(next((k for k in job_v.spans.values if k[-1:] == ("qos",)), ()), job_span)
    if not own_qos and partition is not None and partition.default_qos is not None:
        qos_name = partition.default_qos
        qos_span = site_.span(("partition", partition_name, "default_qos"))  # type: ignore[arg-type]
    if qos_name is not None:
        if qos_name in platform.qos:
            qos = platform.qos[qos_name]
        elif platform.qos:
            report.error("E0404", f"platform `{site_.name}` has no QoS `{qos_name}`", qos_span, label="unknown QoS",
                         help=did_you_mean(qos_name, platform.qos) or f"QoS: {one_of(platform.qos)}")
        if qos is not None and partition is not None and partition.qos and qos_name not in partition.qos:
            report.error("E0405", f"QoS `{qos_name}` is not allowed in partition `{partition_name}`", qos_span,
                         label=f"not a QoS of `{partition_name}`",
                         help=did_you_mean(qos_name, partition.qos)
                         or f"partition `{partition_name}` allows {one_of(partition.qos)}")
    return partition_name, partition, qos_name, qos


def node_block(platform: Block, patch: Block | None, report: Report) -> Block | None:
    return merge(platform.child("node"), patch, report)


def _node(platform: Block, patch: Block | None, report: Report) -> Validated | None:
    block = node_block(platform, patch, report)
    return validate_block(block, Node, report, ("node",)) if block is not None else None


def _shape(job_v: Validated, node: Node, partition: str | None, qos: str | None, code: str, target: str) -> JobShape:
    job: Job = job_v.model
    smt = bool(job.smt)
    per_node = node.usable_cores * (node.threads_per_core if smt else 1)
    cpus = job.cpus_per_task or 1
    tasks = job.tasks_per_node or max(1, per_node // cpus)
    gpus = job.gpus_per_node if job.gpus_per_node is not None else (job.gpus_per_task or 0) * tasks
    return JobShape(
        name=job.name or f"{code}-{target}", nodes=job.nodes or 1, tasks_per_node=tasks, cpus_per_task=cpus,
        walltime=job.walltime, partition=partition, qos=qos, account=job.account, exclusive=bool(job.exclusive),
        gpus_per_node=gpus, gpus_per_task=job.gpus_per_task, memory=job.memory, smt=smt,
        threads_per_core=node.threads_per_core, resources=tuple(sorted(job.resources.items())),
        given=frozenset(k for k in job.model_fields_set if getattr(job, k)),
    )


def _libraries(spec: Target, site_: Site, mpi, path: Path, spans: SpanMap, report: Report) -> tuple:
    """The site libraries a target uses: those it names, then those its MPI needs linked."""
    platform = site_.platform
    chosen: dict = {}
    for index, name in enumerate(spec.libraries):
        if name in platform.library:
            chosen.setdefault(name, platform.library[name])
        else:
            report.error("E0408", f"platform `{site_.name}` has no library `{name}`",
                         spans.values.get(path + ("libraries", index)), label="unknown library",
                         help=did_you_mean(name, platform.library) or
                         (f"`{site_.name}` defines {one_of(platform.library)}" if platform.library
                          else f"`{site_.name}` defines no `library` blocks"))
    for name in ([*mpi.requires_links, *mpi.recommends_links] if mpi is not None else ()):
        if name in platform.library:
            chosen.setdefault(name, platform.library[name])
    return tuple(chosen.items())


def _binds(spec: Target, site_: Site, mpi_name: str, mpi, libraries, path: Path, spans: SpanMap, gpu=None):
    platform, site_spans = site_.platform, site_.spans
    groups = [(platform.binds, ("binds",), site_spans), (platform.bind_files, ("bind_files",), site_spans)]
    if mpi is not None:  # the hybrid model keeps the container's MPI: only the site's files
        groups += [(mpi.binds, ("mpi", mpi_name, "binds"), site_spans),
                   (mpi.bind_files, ("mpi", mpi_name, "bind_files"), site_spans)]
    for name, library in libraries:
        groups += [(library.binds, ("library", name, "binds"), site_spans),
                   (library.bind_files, ("library", name, "bind_files"), site_spans)]
    if gpu is not None:  # the runtime cannot make the GPUs visible itself: the driver, bound in
        groups += [(gpu.binds, ("node", "gpu", "binds"), site_spans),
                   (gpu.bind_files, ("node", "gpu", "bind_files"), site_spans)]
    groups += [(spec.binds, path + ("binds",), spans), (spec.bind_files, path + ("bind_files",), spans)]
    binds: list[Bind] = []
    conflicts: list[BindConflict] = []
    by_dest: dict[str, Bind] = {}
    for group, where, table in groups:
        for index, bind in enumerate(group):
            seen = by_dest.get(bind.container)  # type: ignore[union-attr]
            if seen is not None:
                if seen != bind:
                    conflicts.append(BindConflict(bind, seen, table.values.get(where + (index,))))  # type: ignore
                continue
            by_dest[bind.container] = bind  # type: ignore[union-attr, index]
            binds.append(bind)  # type: ignore[arg-type]
    return tuple(binds), tuple(conflicts)


def _ordered_unique(items) -> tuple:
    return tuple(dict.fromkeys(items))


def _environment(spec: Target, site_: Site, mpi, libraries, cpus: int, name: str, gpu=None, gpu_driver=None,
                 image_paths=(), links=()) -> tuple[tuple[str, str], ...]:
    platform = site_.platform
    env: dict[str, str] = dict(platform.env)
    if mpi is not None:
        env.update(mpi.env)
        if gpu is not None and gpu.aware_mpi:
            env.update(mpi.gpu_env)
            # the Cray GTL library, for a code not linked against it (HPE: libmpi_gtl_cuda/hsa)
            if mpi.gtl and _library_name(mpi.gtl) not in links:
                env["LD_PRELOAD"] = mpi.gtl
    for _, library in libraries:
        env.update(library.env)
    env.update(spec.env)
    env["OMP_NUM_THREADS"] = str(cpus)
    env["HPCSPEC_TARGET"] = name
    # site libraries first (the 2021 scripts put FFTW and LibSci ahead of the MPI), then the
    # MPI's own directories, the GPU driver's (when bound in), the platform's, the runtime's
    # injected libraries, and last the image's own where the runtime replaces the variable
    paths = [p for _, library in libraries for p in library.ld_library_path]
    paths += list(mpi.ld_library_path) if mpi is not None else []
    paths += list(gpu_driver.ld_library_path) if gpu_driver is not None else []
    paths += platform.ld_library_path
    runtime = site_.runtime
    if paths and runtime is not None and runtime.libs_dir:
        paths.append(runtime.libs_dir)
    if paths and runtime is not None and runtime.replaces_ld_library_path:
        paths += image_paths
    if paths:
        env["LD_LIBRARY_PATH"] = ":".join(_ordered_unique(paths))
    return tuple(sorted(env.items()))


def _library_name(path: str) -> str:
    """`/opt/.../libmpi_gtl_cuda.so.0` -> `mpi_gtl_cuda` (the name `links` uses)."""
    base = path.rsplit("/", 1)[-1]
    return base[3:].split(".so", 1)[0] if base.startswith("lib") else base


def _runtime_modules(mpi, node, gpu, host_mpi: bool) -> tuple[str, ...]:
    """Modules of runtimes that inject the MPI and the GPU driver themselves (podman-hpc --mpi,
    --cuda-mpi, --gpu; Shifter --module=mpich,gpu)."""
    modules: list[str] = []
    if host_mpi:
        aware = gpu is not None and gpu.aware_mpi and mpi.gpu_runtime_modules
        modules += mpi.gpu_runtime_modules if aware else mpi.runtime_modules
    if gpu is not None and node.gpu is not None:
        modules += node.gpu.runtime_modules
    return _ordered_unique(modules)


def _arch(microarch: str) -> str:
    """The CPU architecture family of a microarchitecture (archspec): x86_64, aarch64, ppc64le."""
    from .cpuflags import targets

    found = targets().get(microarch)
    return found.family.name if found is not None else "x86_64"


def _env_sources(code: Code, spec: Target, site_: Site, mpi_name: str, mpi, libraries, path: Path,
                 spans: SpanMap) -> tuple[EnvSource, ...]:
    def table(env: dict, where: SpanMap, root: Path, passed: bool) -> list[EnvSource]:
        return [EnvSource(k, v, where.keys.get(root + (k,)) or where.values.get(root + (k,)),
                          where.values.get(root + (k,)), passed) for k, v in sorted(env.items())]

    out = table(code.env, spans, ("env",), False)  # the image's own %environment
    out += table(site_.platform.env, site_.spans, ("env",), True)
    if mpi is not None:
        out += table(mpi.env, site_.spans, ("mpi", mpi_name, "env"), True)
    for name, library in libraries:
        out += table(library.env, site_.spans, ("library", name, "env"), True)
    out += table(spec.env, spans, path + ("env",), True)
    return tuple(out)


def _modules(spec: Target, site_: Site, mpi, libraries, partition=None) -> tuple[str, ...]:
    modules = list(site_.runtime.options.modules) if site_.runtime is not None else []  # type: ignore[attr-defined]
    modules += site_.platform.modules
    modules += partition.modules if partition is not None else []
    if mpi is not None:
        modules += mpi.modules
    for _, library in libraries:
        modules += library.modules
    modules += spec.modules
    return _ordered_unique(modules)


def compiler_version(compiler, image: ImageFacts | None, model: str) -> str:
    """The version of the compiler that builds: the image's gcc where known (a build in the
    container), else the platform's."""
    if compiler.family == "gcc" and image is not None and image.gcc and model != "host":
        return image.gcc
    return compiler.version


def _cpu(spec: Target, node: Node, compiler, image: ImageFacts | None, model: str) -> CpuTuning:
    from .cpuflags import flags_for, known_microarchs

    version = compiler_version(compiler, image, model)
    base = dict(microarch=node.microarch, family=compiler.family, version=version)
    if spec.cpu_flags is not None:
        return CpuTuning(tuple(spec.cpu_flags), "as given", "given", **base)
    if node.microarch not in known_microarchs():
        return CpuTuning((), "", "unknown", **base)
    flags = flags_for(node.microarch, compiler.family, version)
    if flags is None:
        return CpuTuning((), "", "unsupported", **base)
    status = "exact" if flags.microarch == node.microarch else "fallback"
    return CpuTuning(flags.flags, flags.microarch, status, reason=flags.fallback_reason, **base)

