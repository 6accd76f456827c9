"""Stage 5, plan: checked specs -> the site-neutral :class:`~hpcspec.ir.Plan`.

Everything a backend needs is computed here: the container recipe shared by every target,
and for each target its binds, environment (with the ordered LD_LIBRARY_PATH), modules,
launcher, job shape and build.
"""

from __future__ import annotations

import hashlib
import posixpath
import re

from . import __version__, inputs
from .check import Checked
from .facts import TargetFacts
from .diagnostics import Diagnostic, SpecError
from .ir import BuildPlan, JobPlan, Plan, Recipe, SourcePlan, TargetPlan
from .packages import tools_for
from .placeholders import destinations

SOURCE_ROOT = "/opt/hpcspec/src"
SCRIPT_DIR = "/opt/hpcspec/build"
# Scratch space of the builds, inside the image and removed after each build: never /tmp, which
# some runtimes share with the host while they build (ch-image binds the host's /tmp, Apptainer
# binds it into the writable sandbox of a host build), where two builds would meet.
BUILD_ROOT = "/opt/hpcspec/scratch"


def inputs_digest(checked: Checked) -> str:
    """A hash of every input that can change the output, and of the hpcspec version.

    File contents, not paths, so the digest is the same wherever the specs live.
    """
    digest = hashlib.sha256(f"hpcspec {__version__}\n".encode())
    for spec in sorted(checked.program.files, key=lambda s: s.source.text):
        digest.update(hashlib.sha256(spec.source.text.encode()).digest())
    for name, content in _local_files(checked):
        digest.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
    return digest.hexdigest()


MAX_SOURCE_FILE = 16 << 20  # one local source file (README: Limits)
MAX_SOURCE_TOTAL = 64 << 20  # all local source files of a code: they are copied into the image


def _local_files(checked: Checked) -> list[tuple[str, bytes]]:
    from .files import TooLarge, read_regular

    source = checked.code.source
    if not source.files:
        return []
    base = checked.program.code_file.source.path.parent
    out = []
    total = 0
    for index, relative in enumerate(source.files):
        path = (base / relative)
        span = checked.spans.values.get(("source", "files", index))
        try:
            resolved = path.resolve()
            if not resolved.is_relative_to(base.resolve()):
                raise OSError("outside the spec's directory")
            data = read_regular(resolved, min(MAX_SOURCE_FILE, MAX_SOURCE_TOTAL - total))
            total += len(data)
            inputs.read(resolved, data)
            out.append((relative, data))
        except TooLarge as exc:
            whole = exc.size > MAX_SOURCE_FILE
            raise SpecError([Diagnostic(
                "E0108", f"source file `{relative}` is too large ({exc.size} bytes)" if whole else
                f"source file `{relative}` takes the local sources past {MAX_SOURCE_TOTAL >> 20} MiB", span,
                help=f"local source files are limited to {MAX_SOURCE_FILE >> 20} MiB each and "
                     f"{MAX_SOURCE_TOTAL >> 20} MiB in all; publish a larger source as a `url` with its `sha256`"
            )]) from None
        except OSError as exc:
            raise SpecError([Diagnostic("E0301", f"cannot read source file `{relative}`: "
                                                 f"{getattr(exc, 'strerror', None) or exc}", span,
                                        help="`files` are regular files, relative to the code spec's "
                                             "directory")]) from None
    return out


def _archive_name(url: str, code: str, version: str) -> str:
    name = posixpath.basename(url.split("?", 1)[0].split("#", 1)[0])
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._+\-]*", name or ""):
        name = f"{code}-{version}.tar"
    return name


def _source(checked: Checked) -> SourcePlan:
    source = checked.code.source
    if source.url:
        return SourcePlan("url", url=source.url, sha256=source.sha256,
                          archive=_archive_name(source.url, checked.name, checked.code.version),
                          directory=source.directory)
    if source.git:
        return SourcePlan("git", git=source.git, commit=source.commit, directory=source.directory)
    return SourcePlan("files", files=tuple(_local_files(checked)), directory=source.directory)


def _ordered_unique(items) -> tuple:
    return tuple(dict.fromkeys(items))


def _build(target: TargetFacts, checked: Checked, source_dir: str) -> BuildPlan:
    build = target.build
    assert build is not None
    cpu = target.cpu.flags
    return BuildPlan(
        target=target.name,
        kind=build.kind,
        script_path=f"{SCRIPT_DIR}/{target.name}.sh",
        in_container=target.model != "host",
        prefix=target.prefix,
        source_dir=source_dir,
        subdir=posixpath.join(*parts) if (parts := [p for p in (checked.code.source.directory,
                                                                  build.directory) if p]) else None,
        build_dir=f"{BUILD_ROOT}/{target.name}",
        options=tuple(build.options),
        cpu_flags=cpu,
        cflags=cpu + tuple(build.cflags),
        cxxflags=cpu + tuple(build.cxxflags),
        fflags=cpu + tuple(build.fflags),
        environment=tuple(sorted(build.env.items())),
        jobs=build.jobs,
        make_targets=tuple(build.targets),
        install=tuple(build.install),
        commands=tuple(build.commands),
        mpi_root=target.mpi.root if target.model == "host" else None,
        link_libs=tuple(build.links),
        link_stubs=tuple((name, library.soname) for name, library in target.libraries
                         if name in build.links and library.soname),
        stub_dir=f"{BUILD_ROOT}/{target.name}/hpcspec-stubs",
        description=f"platform {target.platform_name}, MPI {target.mpi_name}, compiler {target.compiler_name}, "
                    f"{target.model} model, tuned for {target.cpu.target}",
    )


def _job(target: TargetFacts) -> JobPlan:
    job = target.job
    assert job.walltime is not None
    return JobPlan(
        name=job.name, nodes=job.nodes, tasks_per_node=job.tasks_per_node, cpus_per_task=job.cpus_per_task,
        walltime=job.walltime, partition=job.partition, qos=job.qos, account=job.account,
        account_required=target.platform.account_required, exclusive=job.exclusive,
        gpus_per_node=job.gpus_per_node, memory=job.memory, smt=job.smt, threads_per_core=job.threads_per_core,
        resources=job.resources, gpus_per_task=job.gpus_per_task,
    )


def _target(target: TargetFacts, checked: Checked, source_dir: str) -> TargetPlan:
    platform, mpi = target.platform, target.mpi
    return TargetPlan(
        name=target.name,
        code=checked.name,
        version=checked.code.version,
        platform=target.platform_name,
        platform_description=platform.description or target.platform_name,
        backend=platform.backend,
        mpi=target.mpi_name,
        mpi_description=mpi.description or f"{target.mpi_name} {mpi.version}",
        compiler=target.compiler_name,
        model=target.model,
        prefix=target.prefix,
        executable=posixpath.join(target.prefix, checked.code.run.executable),
        args=tuple(checked.code.run.args),
        required_files=tuple(checked.code.run.required_files),
        binds=target.binds,
        environment=target.environment,
        modules=target.modules,
        module_paths=tuple(platform.module_paths),
        login_shell=platform.login_shell,
        runtime=target.runtime,
        launcher=target.launcher,
        scheduler=target.scheduler,
        mpi_plugin=mpi.plugin,
        gpu=target.gpu,
        runtime_modules=target.runtime_modules,
        image_ref=target.image_ref,
        arch=target.arch,
        job=_job(target),
        build=_build(target, checked, source_dir),
        cpu_flags=target.cpu.flags,
        cpu_target=target.cpu.target,
    )


def plan(checked: Checked) -> Plan:
    code = checked.code
    source_dir = posixpath.join(SOURCE_ROOT, checked.name)
    targets = tuple(_target(facts, checked, source_dir) for facts in checked.targets)
    source = _source(checked)
    build_kinds = sorted({t.build.kind for t in targets} | ({checked.build.kind} if checked.build else set()))
    packages = _ordered_unique([*code.image.packages, *tools_for(checked.image.package_manager, source,
                                                                 build_kinds)])
    digest = inputs_digest(checked)
    arches = sorted({t.arch for t in targets}, key=lambda a: (a != "x86_64", a)) or ["x86_64"]
    recipes = tuple(_recipe(checked, [t for t in targets if t.arch == arch] if targets else [], arch, source,
                            source_dir, packages, digest) for arch in arches)
    return Plan(checked.name, code.version, __version__, digest, recipes, targets, checked.spans)


def _recipe(checked: Checked, targets: list[TargetPlan], arch: str, source: SourcePlan, source_dir: str,
            packages: tuple, digest: str) -> Recipe:
    """The image of one CPU architecture: every target of that architecture built in it."""
    code = checked.code
    # bind destinations the runtime cannot create by itself (writable images, old Singularity)
    dirs: set[str] = set()
    files: set[str] = set()
    formats = {"definition"}  # the definition file is always written
    for target in targets:
        formats.add(target.runtime.recipe)
        made_dirs, made_files = destinations(target)
        dirs |= made_dirs
        files |= made_files
    labels = [
        ("org.hpcspec.code", checked.name),
        ("org.hpcspec.code-version", code.version),
        ("org.hpcspec.compiler", f"hpcspec {__version__}"),
        ("org.hpcspec.inputs-sha256", digest),
        ("org.hpcspec.targets", " ".join(t.name for t in targets)),
    ]
    if arch != "x86_64":
        labels.append(("org.hpcspec.architecture", arch))
    for key, value in (("org.opencontainers.image.description", code.description),
                       ("org.opencontainers.image.url", code.homepage),
                       ("org.opencontainers.image.licenses", code.license),
                       ("org.opencontainers.image.authors", code.maintainer)):
        if value:
            labels.append((key, value))
    return Recipe(
        code=checked.name,
        version=code.version,
        bootstrap=code.image.bootstrap,
        base=code.image.from_,
        package_manager=checked.image.package_manager,
        packages=packages,
        labels=tuple(labels),
        help=_help(checked, targets),
        source=source,
        builds=tuple(t.build for t in targets),
        bind_dirs=tuple(sorted(dirs)),
        bind_files=tuple(sorted(files)),
        environment=tuple(sorted(code.env.items())),
        targets=tuple((t.name, t.executable, t.args) for t in targets),
        tests=tuple(code.test),
        source_dir=source_dir,
        script_dir=SCRIPT_DIR,
        formats=tuple(sorted(formats)),
        arch=arch,
        suffix="" if arch == "x86_64" else f".{arch}",
    )


def _help(checked: Checked, targets) -> tuple[str, ...]:
    code = checked.code
    lines = [f"{checked.name} {code.version}" + (f": {code.description}" if code.description else "")]
    if code.homepage:
        lines.append(f"Homepage: {code.homepage}")
    lines += ["", "Targets (one build each, under /opt/app):"]
    for target in targets:
        lines.append(f"  {target.name}: {target.platform}, MPI {target.mpi}, compiler {target.compiler}, "
                     f"{target.model} model")
        lines.append(f"    {target.executable}")
        if target.model == "host":
            lines.append(f"    built on the host: run {checked.name}/{target.name}/build-on-host.sh there first")
    lines += ["", "Run one: select it with HPCSPEC_TARGET=NAME or --target=NAME as the first argument;",
              "the batch scripts hpcspec generated for each target do this for you."]
    return tuple(lines)

