"""The plug-in API: schedulers, launchers and container runtimes.

Each is a class registered under a name in an entry-point group (``hpcspec.schedulers``,
``hpcspec.launchers``, ``hpcspec.runtimes``; site backends in ``hpcspec.backends``), the name a
platform spec writes (``scheduler slurm { }``, ``launcher srun { }``, ``runtime apptainer { }``).
A class owns every fact about its kind of software, the keys of its block (``Options``, a
pydantic model validated with located errors), the checks those facts imply (they only report,
never change anything), and its part of the generated text. The compiler calls these hooks and
names no scheduler, launcher or runtime itself; a third-party one is a package with an entry
point and nothing else (the Grid Engine scheduler under ``plugins/`` is one).

The batch script is laid out by ``templates/batch.sh.j2`` from these hooks:

  #!/bin/bash
  <scheduler.directives(target)>
  ...checks of the image and the inputs...
  <scheduler.setup_lines(target)>          (e.g. cd "${workdir}" for PBS)
  module load <modules>
  <environment: an env file, or exports with runtime.env_prefix>
  nodes=<scheduler.node_count>             (when launcher.uses_node_count)
  <scheduler.host_list_lines(target, "hosts")>, <launcher.hostfile_lines("hosts", "hostfile")>
                                           (when the launcher wants a host file)
  <scheduler.launch_lines(target)>, <launcher.setup_lines(target)>
  <launcher.words(target)> <runtime.exec_words(...)> <executable> <args> "$@"

Launch words may use two shell variables set by the template: ``${nodes}`` (the job's node
count, from ``Scheduler.node_count``) and ``${hostfile}`` (the launcher's host file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from pydantic import Field

from hpcspec.models.binds import Bind
from hpcspec.models.types import AbsPath, Arg, EnvName, Model, Module, Name, Text, Version, _pattern, version_at_least

from .shell import Raw, Word, double_quoted_literal, env_line, quote

if TYPE_CHECKING:
    from hpcspec.facts import TargetFacts
    from hpcspec.ir import TargetPlan
    from hpcspec.diagnostics import Report
    from hpcspec.nodes import Duration

# A scheduler option as the scheduler writes it: "--export=none", "-l place=scatter", "-j oe".
Directive = Annotated[str, Field(max_length=256), _pattern(
    "hpcspec_directive", r"-{1,2}[A-Za-z][A-Za-z0-9\-]*(?:[= ][A-Za-z0-9_.:=,/@%+\-]+)?",
    "a valid scheduler option", 'write one option, e.g. "--export=none" or "-l place=scatter"')]


class Plugin:
    """What every kind of plug-in has: a name, the keys of its block, and facts for the checks."""

    kind: ClassVar[str] = ""  # "scheduler", "launcher", "runtime"
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""  # one line for `hpcspec list` and the docs
    Options: ClassVar[type[Model]] = Model
    # Environment variables the software itself sets or reads: a spec that sets them would break
    # it (name -> why), and prefixes it owns.
    reserved_env: ClassVar[dict[str, str]] = {}
    reserved_prefixes: ClassVar[tuple[str, ...]] = ()

    def __init__(self, options: Model) -> None:
        self.options = options

    def __repr__(self) -> str:
        return f"<{self.kind} {self.name}>"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.options == other.options  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.name))

    def check(self, target: "TargetFacts", report: "Report") -> None:
        """Report what this plug-in cannot do for `target` (never change anything)."""


# ----------------------------------------------------------------------------------------------
# Schedulers


class SchedulerOptions(Model):
    version: Version | None = None
    directives: list[Directive] = []  # added to every job, as the scheduler's own options


class Scheduler(Plugin):
    kind = "scheduler"
    Options = SchedulerOptions
    script_name: ClassVar[str] = "job.sh"  # the batch script's file name
    submit: ClassVar[str] = ""  # the submit command
    account_option: ClassVar[str] = ""  # how an account is given on the submit command line
    submit_dir: ClassVar[str] = ""  # variable holding the submission directory ("": the start directory)
    node_count: ClassVar[str] = ""  # shell expression: the running job's number of nodes
    max_walltime: ClassVar["Duration | None"] = None
    passes_arguments: ClassVar[bool] = True  # does the submit command pass arguments to the script?
    # job keys it can express; anything else a job sets is reported (E0507)
    expresses: ClassVar[frozenset[str]] = frozenset({"gpus_per_node", "memory", "exclusive", "resources"})

    def directives(self, target: "TargetPlan") -> list[str]:
        """The directive lines at the top of the batch script."""
        raise NotImplementedError

    def setup_lines(self, target: "TargetPlan") -> list[str]:
        """Shell lines after the checks, before the environment (already quoted)."""
        return []

    def launch_lines(self, target: "TargetPlan") -> list[str]:
        """Shell lines right before the launch (already quoted)."""
        return []

    def host_list_lines(self, target: "TargetPlan", path_var: str) -> list[str]:
        """Lines writing the job's hosts to "${path_var}", one `HOST SLOTS` line each."""
        raise NotImplementedError(f"{self.name} cannot list the job's hosts")

    def workdir(self) -> str:
        return f"${{{self.submit_dir}:-${{PWD}}}}" if self.submit_dir else "${PWD}"

    def submit_hint(self, target: "TargetPlan", script: str) -> str:
        account = ""
        if target.job.account_required and not target.job.account and self.account_option:
            account = f" {self.account_option}BUDGET"
        return f"{self.submit}{account} {script}"


# ----------------------------------------------------------------------------------------------
# Launchers


class LauncherOptions(Model):
    kind: Name | None = None  # the launcher class, when the block's name is not its kind
    command: AbsPath | Name | None = None  # default: the launcher's own command
    flags: list[Arg] = []
    # pass a host file built from the job's hosts (an mpirun started outside the scheduler's
    # own launcher, without its integration)
    hostfile: bool = False
    # variables the launcher itself reads on the host, exported before it starts (Intel MPI's
    # I_MPI_PIN_DOMAIN, Open MPI's OMPI_MCA_*): not the container's environment
    env: dict[EnvName, Text] = {}


class Launcher(Plugin):
    kind = "launcher"
    Options = LauncherOptions
    command: ClassVar[str] = ""
    schedulers: ClassVar[frozenset[str] | None] = None  # the schedulers it runs under (None: any)
    uses_node_count: ClassVar[bool] = False  # its words read ${nodes}
    local_rank: ClassVar[str] = ""  # variable holding a rank's index on its node
    # host variables the ranks need inside the container to wire up (for runtimes that do not
    # pass the host's environment on by themselves)
    passes_env: ClassVar[tuple[str, ...]] = ("PMI_*",)

    def gpu_binding(self) -> str:
        """How ranks get their GPUs: "scheduler" (the launcher binds them: srun --gpus-per-task,
        flux -g), "wrapper" (a wrapper picks a rank's GPUs by its local rank; CPUs are bound
        to the cores nearest them), or "cores" (CPUs bound by the launcher, a wrapper picks the
        GPUs nearest the rank's cores)."""
        return "wrapper"

    def __init__(self, options: LauncherOptions, name: str = "") -> None:
        super().__init__(options)
        self.block_name = name or self.name  # its name in the platform spec

    @property
    def path(self) -> str:
        return self.options.command or self.command  # type: ignore[attr-defined]

    @property
    def wants_hostfile(self) -> bool:
        return bool(self.options.hostfile)  # type: ignore[attr-defined]

    def wires(self, abi: str, plugin: str | None) -> str | None:
        """None if ranks of an MPI of ABI family `abi` (with the host MPI's srun `plugin`) can
        be started and wired up by this launcher; else why not."""
        return None

    def words(self, target: "TargetPlan") -> list:
        """The launcher and its options (a tuple keeps words on one line)."""
        raise NotImplementedError

    def hostfile_lines(self, hosts_var: str, hostfile_var: str) -> list[str]:
        """Lines turning the `HOST SLOTS` list in "${hosts_var}" into this launcher's host file."""
        return [f'cp "${{{hosts_var}}}" "${{{hostfile_var}}}"']

    def setup_lines(self, target: "TargetPlan") -> list[str]:
        from .shell import export_line

        return [export_line(name, value) for name, value in sorted(self.options.env.items())]  # type: ignore

    @classmethod
    def offered_plugins(cls) -> list[str]:
        """For `hpcspec probe`: the PMI plugins this launcher offers on the current host."""
        return []

    @classmethod
    def preferred_plugin(cls, abi: str, offered: list[str]) -> str | None:
        return None


# ----------------------------------------------------------------------------------------------
# Container runtimes

# the user's extra build flags (an array in the host build script), safe under `set -u`
BUILD_FLAGS = Raw('${build_flags[@]+"${build_flags[@]}"}')


class RuntimeOptions(Model):
    version: Version
    command: AbsPath | Name | None = None  # default: the runtime's own command
    modules: list[Module] = []
    flags: list[Arg] = []  # more options for every run (after the runtime's own)
    # how GPUs reach the container: "native" (the runtime's own switch: --nv, --rocm) or
    # "binds" (the node's `gpu` block lists the driver libraries and devices to bind)
    gpu: Literal["native", "binds"] = "native"


@dataclass(frozen=True)
class Run:
    """One start of the container: what the runtime is asked to run and with what."""

    image: Word
    argv: list[Word]
    binds: list[Bind] = field(default_factory=list)
    env_file: Word | None = None
    writable: bool = False  # a sandbox, rebuilt on the host
    peers: int | None = None  # ranks on one node (runtimes that put them in one container)
    gpu_vendor: str | None = None  # the GPUs to make visible, when the runtime does it natively
    pass_env: tuple[str, ...] = ()  # host variables (glob patterns) the ranks need inside
    modules: tuple[str, ...] = ()  # runtime modules to enable (podman-hpc, Shifter)
    # the shell variable holding the job's directory on the host: mounted and entered, if the
    # runtime does not do it by itself
    workdir: str | None = None


class Runtime(Plugin):
    """How a runtime takes binds and environment, runs and rebuilds images. Mostly data
    (capabilities by version); the few hooks build command words."""

    kind = "runtime"
    Options = RuntimeOptions
    command: ClassVar[str] = ""
    env_prefix: ClassVar[str] = ""  # the prefix that passes NAME into the container
    bind_variable: ClassVar[str] = ""  # the variable that passes binds, if the runtime has one
    libs_dir: ClassVar[str | None] = None  # appended to LD_LIBRARY_PATH: the runtime's own libraries
    recipe: ClassVar[str] = "definition"  # the format it builds from: "definition" (.def) or "dockerfile"
    bind_modes: ClassVar[tuple[str, ...]] = ("ro", "rw")  # the bind modes it can express
    env_file_evaluated: ClassVar[bool] = True  # reads an env file with a shell interpreter
    passes_host_env: ClassVar[bool] = True  # the container sees the host's environment
    replaces_ld_library_path: ClassVar[bool] = False  # a LD_LIBRARY_PATH given replaces the image's
    gpu_switches: ClassVar[dict[str, tuple[str, ...]]] = {}  # vendor -> words that make its GPUs visible
    by_reference: ClassVar[bool] = False  # runs an image by name (a registry or the runtime's store)
    models: ClassVar[frozenset[str]] = frozenset({"bind", "host", "hybrid"})  # the MPI models it can run
    schedulers: ClassVar[frozenset[str] | None] = None  # the schedulers it works with (None: any)
    launchers: ClassVar[frozenset[str] | None] = None  # the launchers it works with (None: any)
    # where the job's directory (its input files) appears in the container, for a runtime that
    # neither mounts it nor starts there by itself: "same" (at its own path) or a fixed path
    # (created in the image when bind destinations must exist). None: the runtime does it
    # (Apptainer and Singularity bind the working directory and start in it).
    workdir_mount: ClassVar[str | None] = None
    image_by_job_option: ClassVar[bool] = False  # the image is a scheduler option (Shifter), not a word

    @property
    def version(self) -> str:
        return self.options.version  # type: ignore[attr-defined]

    @property
    def path(self) -> str:
        return self.options.command or self.command  # type: ignore[attr-defined]

    # -- capabilities --------------------------------------------------------------------------
    def env_file(self) -> bool:
        """Does ``exec`` take an env file?"""
        return True

    def env_by_exports(self) -> bool:
        """Without an env file: does the batch script pass the environment as exported variables
        (with `env_prefix`)? False for a runtime that takes it some other way (Alps: the EDF)."""
        return not self.env_file()

    def needs_bind_destinations(self) -> bool:
        """Must bind destinations exist in the image (no overlay to create them)?"""
        return False

    def can_build_on_host(self) -> bool:
        """Can it turn an image into a writable sandbox and back (for host-built targets)?"""
        return True

    def unescapable(self, value: str) -> str | None:
        """Why `value` cannot reach the container literally (the runtime evaluates it once more
        with no way to escape), or None."""
        return None

    def notes(self) -> list[str]:
        """What a reader of the bind manifest should know about how this runtime takes it."""
        return []

    def gpu_native(self, vendor: str) -> bool:
        """Can this runtime, as configured, make `vendor`'s GPUs visible by itself?"""
        return self.options.gpu == "native" and vendor in self.gpu_switches  # type: ignore[attr-defined]

    # -- job and launcher options (runtimes the scheduler or launcher starts) --------------------
    def job_options(self, target: "TargetPlan") -> list[str]:
        """Scheduler options the runtime needs (Shifter: --image=, --module=)."""
        return []

    def launch_options(self, target: "TargetPlan") -> list:
        """Words added to the launcher's own (Alps: srun --environment=FILE)."""
        return []

    def files(self, target: "TargetPlan", plan) -> dict[str, tuple[str, str]]:
        """Files the batch script writes next to the job at run time, by shell variable:
        {var: (file name suffix, text)} (Alps: the EDF)."""
        return {}
    # -- images --------------------------------------------------------------------------------
    @staticmethod
    def stem(code: str, target: "TargetPlan | None") -> str:
        """The image's name for a target: the code's, with the architecture where it is not x86_64
        (one image per architecture: gromacs.aarch64)."""
        return code if target is None or target.arch == "x86_64" else f"{code}.{target.arch}"

    def image_default(self, code: str, target: "TargetPlan | None" = None) -> str:
        """The image the batch script uses unless HPCSPEC_IMAGE says otherwise (shell text)."""
        return f"${{workdir}}/{self.stem(code, target)}.sif"

    def image_check(self) -> str | None:
        """A shell test that is true when "${image}" is usable (None: the runtime cannot tell
        before it runs, and reports a missing image itself)."""
        return '[ -f "${image}" ]'

    def build_hint(self, code: str, target: "TargetPlan | None" = None) -> str:
        return f"build it from {self.stem(code, target)}.def"

    def launch_lines(self, target: "TargetPlan") -> list[str]:
        """Shell lines right before the launch (already quoted)."""
        return []

    # -- environment ---------------------------------------------------------------------------
    def container_value(self, value: str) -> str:
        """The text to hand the runtime so that the container sees `value` (hook: runtimes that
        evaluate environment values once more inside the container escape them here)."""
        return value

    def env_file_line(self, name: str, value: str) -> str:
        return env_line(name, self.container_value(value))

    def export_name(self, name: str) -> str:
        return f"{self.env_prefix}{name}"

    # -- commands ------------------------------------------------------------------------------
    def bind_list(self, binds: list[Bind]) -> str:
        return ",".join(bind.spec() for bind in binds)

    def exec_words(self, run: Run) -> list:
        """Words that start the container; tuples are kept on one line when the command is wrapped."""
        words: list = [(self.path, "exec")]
        if run.writable:
            words.append("--writable")
        if run.gpu_vendor and self.gpu_native(run.gpu_vendor):
            words += list(self.gpu_switches[run.gpu_vendor])
        words += list(self.options.flags)  # type: ignore[attr-defined]
        if run.binds:
            words.append(("--bind", self.bind_list(run.binds)))
        if run.env_file is not None:
            words.append(("--env-file", run.env_file))
        return words + [run.image, tuple(run.argv)]

    def sandbox_words(self, sandbox: Word, image: Word) -> list[Word]:
        return [self.path, "build", BUILD_FLAGS, "--sandbox", sandbox, image]

    def pack_words(self, image: Word, sandbox: Word) -> list[Word]:
        return [self.path, "build", BUILD_FLAGS, image, sandbox]


__all__ = ["BUILD_FLAGS", "Directive", "Launcher", "LauncherOptions", "Plugin", "Run", "Runtime", "RuntimeOptions",
           "Scheduler", "SchedulerOptions", "double_quoted_literal", "quote", "version_at_least"]
