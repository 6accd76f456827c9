"""``hpcspec init``: commented skeletons of a code spec and of a platform spec.

A code skeleton checks as it is: it imports the shipped ``localhost`` platform and has one target
on it, and says with ``TODO`` what to replace. A platform skeleton is filled in from the machine
it is made on: the host MPI as ``hpcspec probe`` finds it, the scheduler, container runtime and
compiler on ``PATH``, and the node as ``lscpu`` and archspec see it (a login node, usually: its
facts are marked to be checked against the compute nodes). Every skeleton is laid out by the
formatter, so ``hpcspec fmt --check`` passes on it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field

BUILD_KINDS = ("cmake", "autotools", "make", "script")

# what each kind of build needs written; the rest of the build block is the same for all
_BUILDS = {
    "cmake": [
        "# cmake -D options, one word each; CMAKE_INSTALL_PREFIX and the CPU flags are set by hpcspec",
        'options = ["-DCMAKE_BUILD_TYPE=Release"]',
    ],
    "autotools": [
        "# ./configure options, one word each; --prefix and the CPU flags are set by hpcspec",
        'options = ["--enable-mpi"]  # TODO',
    ],
    "make": [
        "# make VAR=value options; make expands $(HPCSPEC_CPU_FLAGS) from the environment",
        'options = ["CC=mpicc", "CFLAGS=-O2 $(HPCSPEC_CPU_FLAGS)"]',
        "# how to install into $PREFIX (default: make install)",
        'install = ["mkdir -p \\"$PREFIX/bin\\"", "cp {name} \\"$PREFIX/bin/\\""]',
    ],
    "script": [
        "# shell lines run in the source tree, with PREFIX, CFLAGS, CXXFLAGS and FFLAGS set",
        'commands = ["mpicc $CFLAGS -o {name} {name}.c", "mkdir -p \\"$PREFIX/bin\\"", "cp {name} \\"$PREFIX/bin/\\""]',
    ],
}

_CODE = """\
# {name}: TODO say in a line what the code does.
#
# Written by `hpcspec init code {name} --build {build}`. It checks as it is, with one target on
# the `localhost` platform shipped with hpcspec; replace each TODO, add a target per site, then
#   hpcspec check {file}
#   hpcspec compile {file} -o build

# Platform specs by name: the project's specs/platforms, `path` in hpcspec.toml, HPCSPEC_PATH,
# then the shipped ones (`hpcspec init platform NAME` starts a new one).
import "localhost"

code {name} {{
  version     = "0.1.0"  # TODO: the version built
  description = "TODO: what {name} does"
  homepage    = "https://example.org/{name}"  # TODO
  license     = "TODO"
  maintainer  = "TODO: name <address>"

  # Exactly one of: url + sha256 (a tarball; run sha256sum on it), git + commit (a full commit
  # id), or files (local files next to this spec, copied into the image).
  source {{
    git    = "https://example.org/{name}.git"  # TODO
    commit = "0000000000000000000000000000000000000000"  # TODO: git rev-parse HEAD
  }}

  # The base image and what to install in it. hpcspec knows glibc, gcc and the package manager
  # of common images (Debian, Ubuntu, Rocky...); state them for others.
  image {{
    from     = "debian:bookworm"
    packages = ["g++", "libmpich-dev", "mpich"]
  }}

  # The MPI the code is compiled against in the image (Debian 12's MPICH): at run time the bind
  # model swaps in the host's MPI of the same ABI family.
  mpi {{
    name    = "mpich"
    abi     = "mpich"
    version = "4.0.2"
  }}

  build {build} {{
{build_lines}
  }}

  run {{
    executable = "bin/{name}"  # relative to the target's prefix
    args       = []  # passed first; the job's own arguments follow
  }}

  # One target per site: a platform imported above, one of its MPIs and compilers, the job.
  target localhost {{
    platform = "localhost"
    mpi      = "mpich"
    compiler = "gnu"
    job {{
      nodes          = 1
      tasks_per_node = 2
      walltime       = 10min
    }}
  }}
}}
"""


def code_skeleton(name: str, build: str, file: str) -> str:
    from .fmt import format_text

    lines = "\n".join("    " + line.format(name=name) for line in _BUILDS[build])
    return format_text(_CODE.format(name=name, build=build, file=file, build_lines=lines))


# -- platforms -----------------------------------------------------------------------------------

@dataclass
class Host:
    """What this machine says about itself; each fact None when it could not be found."""

    sockets: int = 1
    cores_per_socket: int = 1
    threads_per_core: int = 1
    numa_regions: int = 1
    memory_gib: int = 1
    microarch: str = "x86_64"
    cpu_model: str | None = None
    gcc: str | None = None
    scheduler: tuple[str, list[str]] | None = None  # the one chosen, and every one found
    runtime: tuple[str, str, list[str]] | None = None  # name, version, every one found
    notes: list[str] = field(default_factory=list)


def _run(*argv: str) -> str:
    """A command's output, or "" when it is missing or fails (nothing here is required)."""
    if shutil.which(argv[0]) is None:
        return ""
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30,
                              env={**os.environ, "LC_ALL": "C"})
    except (OSError, subprocess.SubprocessError):
        return ""
    return proc.stdout + proc.stderr if proc.returncode == 0 else ""


def _version(text: str, parts: int = 2) -> str | None:
    match = re.search(r"(\d+(?:\.\d+){0,%d})" % (parts - 1), text)
    return match.group(1) if match else None


def probe_host() -> Host:
    host = Host()
    _cpu(host)
    try:
        host.memory_gib = max(1, os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // (1 << 30))
    except (AttributeError, ValueError, OSError):  # not a POSIX system that tells
        host.notes.append("the memory size could not be read")
    host.gcc = _version(_run("gcc", "-dumpfullversion"))
    host.scheduler = _scheduler()
    host.runtime = _runtime(host.scheduler[0] if host.scheduler else _most_supported_scheduler())
    return host


def _cpu(host: Host) -> None:
    info = dict(re.findall(r"^([^:\n]+):\s*(.*)$", _run("lscpu"), re.M))

    def number(key: str, default: int) -> int:
        value = info.get(key, "")
        return int(value) if value.isdigit() and int(value) > 0 else default

    host.sockets = number("Socket(s)", 1)
    host.cores_per_socket = number("Core(s) per socket", max(1, (os.cpu_count() or 1) // host.sockets))
    host.threads_per_core = number("Thread(s) per core", 1)
    numa = number("NUMA node(s)", 1)
    host.numa_regions = numa if (host.sockets * host.cores_per_socket) % numa == 0 else 1
    host.cpu_model = " ".join(info.get("Model name", "").split()) or None
    try:
        import archspec.cpu

        host.microarch = archspec.cpu.host().name
    except Exception:  # archspec cannot tell on some machines: keep the generic family
        host.notes.append("archspec could not name this CPU's microarchitecture")


def _plugins(kind: str) -> dict[str, type]:
    from .registry import PluginError, registry

    try:
        return dict(sorted(registry(kind).items()))
    except PluginError:
        return {}


def _on_path(command: str) -> bool:
    return bool(command) and shutil.which(command.split()[0]) is not None


def _scheduler() -> tuple[str, list[str]] | None:
    """The registered scheduler whose submit command is on PATH (one no other scheduler shares
    first: `qsub` says less than `sbatch`), and every one found."""
    known = _plugins("scheduler")
    submit = {name: getattr(cls, "submit", "").split(" ")[0] for name, cls in known.items()}
    found = [name for name in known if _on_path(submit[name])]
    unique = [name for name in found if list(submit.values()).count(submit[name]) == 1]
    return ((unique or found)[0], found) if found else None


def _runtime(scheduler: str) -> tuple[str, str, list[str]] | None:
    """A registered runtime for this scheduler whose command is on PATH and tells its version.
    A runtime started by a launcher (its command is a launcher's) cannot be found this way."""
    launchers = {getattr(cls, "command", "") for cls in _plugins("launcher").values()}
    found = []
    for name, cls in _plugins("runtime").items():
        command = getattr(cls, "command", "")
        if command in launchers or not _works_with(cls, scheduler) or not _on_path(command):
            continue
        version = _version(_run(command, "--version"), 3)
        if version:
            found.append((name, version))
    return (*found[0], [name for name, _ in found]) if found else None


def _works_with(cls, scheduler: str) -> bool:
    allowed = getattr(cls, "schedulers", None)
    return allowed is None or scheduler in allowed


def _launcher(scheduler: str, runtime: str) -> str:
    """The scheduler's own launcher (one made for it alone) first, then one on PATH."""
    allowed = getattr(_plugins("runtime").get(runtime), "launchers", None)
    candidates = [(name, cls) for name, cls in _plugins("launcher").items()
                  if _works_with(cls, scheduler) and (allowed is None or name in allowed)]
    candidates.sort(key=lambda item: (getattr(item[1], "schedulers", None) is None,
                                      not _on_path(getattr(item[1], "command", ""))))
    return candidates[0][0] if candidates else next(iter(_plugins("launcher")), "")


def _most_supported_scheduler() -> str:
    """Without a scheduler on PATH: the one most launchers and runtimes are made for."""
    counts: dict[str, int] = {}
    for kind in ("launcher", "runtime"):
        for cls in _plugins(kind).values():
            for name in getattr(cls, "schedulers", None) or ():
                counts[name] = counts.get(name, 0) + 1
    known = list(_plugins("scheduler"))
    return max(known, key=lambda name: (counts.get(name, 0), -known.index(name))) if known else ""


def _generic_runtime(scheduler: str) -> str:
    """Without a runtime on PATH: the first one that works under any scheduler and launcher."""
    runtimes = _plugins("runtime")
    generic = [n for n, c in runtimes.items() if getattr(c, "schedulers", None) is None
               and getattr(c, "launchers", None) is None]
    return (generic or [n for n, c in runtimes.items() if _works_with(c, scheduler)] or [""])[0]


def platform_skeleton(name: str, host: Host, mpi, why: str = "") -> str:
    """`mpi`: a probe.ProbeResult, or None with `why` no MPI was found."""
    from .fmt import format_text

    scheduler = host.scheduler[0] if host.scheduler else _most_supported_scheduler()
    runtime = host.runtime[0] if host.runtime else _generic_runtime(scheduler)
    parts = [_platform_head(name), _platform_scheduler(host, scheduler, _launcher(scheduler, runtime)),
             _platform_node(host), _platform_runtime(host, runtime), _platform_mpi(mpi, why), _platform_rest(host)]
    return format_text("\n".join(parts) + "}\n")


def _platform_head(name: str) -> str:
    return f"""\
# {name}: TODO say which site and machine this is.
#
# Written by `hpcspec init platform {name}` on the machine it describes, from what that machine
# says (hpcspec probe, lscpu, the commands on PATH). Check every fact against the site's
# documentation, cite it in a comment, and replace each TODO; then
#   hpcspec check {name}.hpcspec
platform {name} {{
  description = "TODO: site, machine, nodes"
  sources     = ["https://example.org/TODO-site-documentation"]
"""


def _platform_scheduler(host: Host, scheduler: str, launcher: str) -> str:
    if host.scheduler is None:
        found = "TODO: none found on PATH"
    elif len(host.scheduler[1]) > 1:
        found = f"found on PATH: {', '.join(host.scheduler[1])}; TODO: keep the site's"
    else:
        found = "found on PATH"
    lines = [_comment_lines(f"The batch scheduler ({found}) and the launcher that starts the ranks."),
             f"  scheduler {scheduler} {{}}  # TODO: its version = \"...\"",
             f"  launcher {launcher} {{}}"]
    return "\n".join(lines) + "\n"


def _comment_lines(text: str) -> str:
    import textwrap

    return textwrap.fill(text, 100, initial_indent="  # ", subsequent_indent="  # ", break_long_words=False,
                         break_on_hyphens=False)


def _platform_node(host: Host) -> str:
    lines = ["",
             "  # TODO: the compute node. These are the facts of the machine this ran on (often a login",
             "  # node): check them (on Slurm: sinfo -o '%c %m %z'; or lscpu on a compute node).",
             *[_comment_lines(f"TODO: {note}.") for note in host.notes],
             "  node {",
             *([f"    cpu_model = {_string(host.cpu_model)}"] if host.cpu_model else []),
             f"    sockets          = {host.sockets}",
             f"    cores_per_socket = {host.cores_per_socket}",
             f"    threads_per_core = {host.threads_per_core}",
             f"    numa_regions     = {host.numa_regions}",
             f"    memory           = {host.memory_gib}GiB",
             f"    microarch        = {_string(host.microarch)}  # an archspec name",
             "  }"]
    return "\n".join(lines) + "\n"


def _platform_runtime(host: Host, runtime: str) -> str:
    if host.runtime is None:
        return f"\n  # The container runtime (TODO: none found on PATH).\n  runtime {runtime} {{ version = \"0\" }}  # TODO\n"
    name, version, found = host.runtime
    also = f"; also found: {', '.join(n for n in found if n != name)}" if len(found) > 1 else ""
    return f"\n  # The container runtime (found on PATH{also}).\n  runtime {name} {{ version = \"{version}\" }}\n"


def _platform_mpi(mpi, why: str) -> str:
    if mpi is None:
        return f"""
{_comment_lines(f"TODO: no host MPI was found here ({_comment(why)}). Load the site's MPI module and run "
                "`hpcspec probe --name NAME` on a login node, then replace this block with what it prints. "
                "Until then this block only stands in for one.")}
  mpi todo {{
    abi     = "mpich"
    version = "0"
  }}
"""
    from .probe import render_block

    return "\n" + render_block(mpi)


def _platform_rest(host: Host) -> str:
    gcc = host.gcc or "12.2"
    found = "found on PATH" if host.gcc else "TODO: no gcc found on PATH"
    return f"""
  # The compiler that targets build with (gcc: {found}); `modules` would load it.
  compiler gnu {{
    family  = "gcc"
    version = "{_short(gcc)}"
  }}

  # TODO: partitions and QoS with their limits (partition NAME {{ max_nodes max_walltime }}),
  # job defaults (job {{ partition = "..." }}), and account_required = true where jobs name a budget.
"""


def _short(version: str) -> str:
    return ".".join(version.split(".")[:2])


def _string(text: str) -> str:
    from .show import quote

    return quote(text)


def _comment(text: str) -> str:
    return " ".join(text.split()) or "hpcspec probe found nothing"
