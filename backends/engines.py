"""Container engines that run images by name: Podman, NERSC's podman-hpc and Shifter, and CSCS
Alps' Container Engine (registered in ``hpcspec.runtimes``). Their images are built from the
code's Dockerfile.

- Podman [podman-run(1)]: one container per rank; ``--volume SRC:DST[:ro]``, ``--env-file``
  (``NAME=VALUE`` lines taken literally), ``--env PATTERN`` to pass host variables; MPI ranks
  in separate containers need the host's network (PMI), IPC (shared memory) and PID
  namespaces. Podman asks for more open files and processes than some hosts allow (and caps its
  own process limit at 32768): ``host_rlimits`` sets both to the host's hard limits.
- podman-hpc [NERSC/podman-hpc]: site modules instead of bind lists (``--mpi``, ``--cuda-mpi``,
  ``--gpu``...: one flag per module), images built with ``podman-hpc build`` and
  ``podman-hpc migrate``d to shared storage; its MPI modules run one container per node
  (shared-run) that every rank of the node joins.
- Shifter [NERSC shifter docs]: the image and modules are job options (``#SBATCH
  --image=docker:REF``, ``--module=mpich,gpu``, ``--volume=SRC:DST``), ranks start with
  ``srun shifter CMD``; the environment of the job passes into the container.
- Container Engine [CSCS docs, EDF reference]: an Environment Definition File (TOML: ``image``,
  ``mounts = ["SRC:DST[:FLAGS]"]``, ``workdir``, ``[env]``, ``[annotations]``; ``${VAR}`` expands
  from the host's environment, ``$$`` is a literal ``$``) given to ``srun --environment=PATH``
  (an absolute path; not in ``#SBATCH``); all ranks of a node share one container; MPI is the
  container's own MPICH (ch4:ofi), whose libfabric and xpmem the CXI hook replaces with the
  host's (the "hook" model); NVIDIA GPUs are visible when the image sets NVIDIA_VISIBLE_DEVICES.
"""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import Field, model_validator

from hpcspec.models.types import _fail, _pattern

from hpcspec.gpu import VISIBLE

from .plugin import Run, Runtime, RuntimeOptions
from .shell import Raw


def _volume(bind) -> str:
    return f"{bind.host}:{bind.container}" + (":ro" if bind.mode == "ro" else "")


def _workdir_words(run: Run) -> list:
    """Podman's: mount the job's directory at its own path and start there."""
    if run.workdir is None:
        return []
    here = f"${{{run.workdir}}}"
    return [("--volume", Raw(f'"{here}:{here}"')), ("--workdir", Raw(f'"{here}"'))]


class PodmanOptions(RuntimeOptions):
    # podman asks for more than a host that forbids raising them allows (`setrlimit ... not permitted`)
    host_rlimits: bool = Field(
        False, description="Set the container's open-file and process limits to the host's hard limits "
                           '(podman asks for more than some hosts allow).')


class Podman(Runtime):
    name = "podman"
    summary = "Podman: one container per rank, images built from the Dockerfile"
    Options = PodmanOptions
    command = "podman"
    recipe = "dockerfile"
    by_reference = True
    env_file_evaluated = False
    passes_host_env = False
    gpu_switches = {"nvidia": ("--device", "nvidia.com/gpu=all")}  # CDI [U: not tried here]
    reserved_prefixes = ("CONTAINERS_",)
    workdir_mount = "same"
    # no writable sandbox to rebuild an image on the host: a host MPI outside the MPICH ABI runs
    # with the hybrid model instead
    models = frozenset({"bind", "hybrid"})

    def image_default(self, code: str, target=None) -> str:
        return target.image_ref if target is not None else code

    def image_check(self) -> str:
        return f'{self.path} image exists "${{image}}"'

    def build_hint(self, code: str, target=None) -> str:
        return f"build it with {self.path} build -t {self.image_default(code, target)} -f {code}/Dockerfile {code}"

    def env_file_line(self, name: str, value: str) -> str:
        return f"{name}={value}"  # taken literally: no quoting, no expansion

    def notes(self) -> list[str]:
        return ["podman reads the env file literally (NAME=VALUE, no quotes, no expansion)",
                "ranks run in separate containers sharing the host's network, IPC and PID namespaces "
                "(MPI's PMI connection and shared memory)"]

    def launch_lines(self, target) -> list[str]:
        if not self.options.host_rlimits:  # type: ignore[attr-defined]
            return []
        return ['nofile="$(ulimit -Hn)"', 'nproc="$(ulimit -Hu)"',
                'if [ "${nproc}" = unlimited ] || [ "${nproc}" -gt 32768 ]; then nproc=32768; fi  # podman\'s own cap']

    def exec_words(self, run: Run) -> list:
        words: list = [(self.path, "run", "--rm"), ("--network=host", "--ipc=host", "--pid=host")]
        if self.options.host_rlimits:  # type: ignore[attr-defined]
            words += [("--ulimit", Raw('"nofile=${nofile}:${nofile}"')), ("--ulimit", Raw('"nproc=${nproc}:${nproc}"'))]
        if run.gpu_vendor and self.gpu_native(run.gpu_vendor):
            words.append(self.gpu_switches[run.gpu_vendor])
        words += list(self.options.flags)  # type: ignore[attr-defined]
        words += [("--env", pattern) for pattern in run.pass_env]
        words += [("--volume", _volume(b)) for b in run.binds] + _workdir_words(run)
        if run.env_file is not None:
            words.append(("--env-file", run.env_file))
        return words + [run.image, tuple(run.argv)]


class PodmanHpc(Runtime):
    name = "podman-hpc"
    summary = "NERSC podman-hpc: site modules (--mpi, --gpu) instead of binds; one container per node"
    command = "podman-hpc"
    recipe = "dockerfile"
    by_reference = True
    env_file_evaluated = False
    passes_host_env = False
    schedulers = frozenset({"slurm"})
    launchers = frozenset({"srun"})
    models = frozenset({"bind", "hybrid"})
    workdir_mount = "same"

    def gpu_native(self, vendor: str) -> bool:
        return False  # GPUs come from a site module (--gpu), named in the node's `gpu` block

    def image_default(self, code: str, target=None) -> str:
        return target.image_ref if target is not None else code

    def image_check(self) -> str | None:
        return None  # migrated images live in the site's store; podman-hpc reports a missing one

    def build_hint(self, code: str, target=None) -> str:
        ref = self.image_default(code, target)
        return f"{self.path} build -t {ref} -f {code}/Dockerfile {code}, then {self.path} migrate {ref}"

    def env_file_line(self, name: str, value: str) -> str:
        return f"{name}={value}"

    def notes(self) -> list[str]:
        return ["podman-hpc's MPI modules start one container per node and run every rank of the node in it",
                "the host MPI and GPU driver come from podman-hpc's site modules (flags), not from binds"]

    def exec_words(self, run: Run) -> list:
        words: list = [(self.path, "run", "--rm"), *[f"--{module}" for module in run.modules]]
        words += list(self.options.flags)  # type: ignore[attr-defined]
        if run.gpu_vendor in VISIBLE:
            # the ranks of a node exec into one shared container with only the launcher's
            # variables: pass on the GPUs srun chose for this task
            words.append(("--env", VISIBLE[run.gpu_vendor]))  # type: ignore[index]
        words += [("--volume", _volume(b)) for b in run.binds] + _workdir_words(run)
        if run.env_file is not None:
            words.append(("--env-file", run.env_file))
        return words + [run.image, tuple(run.argv)]

    def check(self, target, report) -> None:
        if target.model == "bind" and not target.runtime_modules:
            report.error("E0507", f"podman-hpc brings the host MPI in through a module; MPI `{target.mpi_name}` "
                                  "of this platform names none", target.target_span("mpi"),
                         label="no runtime module for this MPI",
                         help='set runtime_modules = ["mpi"] (podman-hpc --mpi) in the platform\'s MPI block')


class Shifter(Runtime):
    name = "shifter"
    summary = "NERSC Shifter: #SBATCH --image= and --module=, srun shifter CMD"
    command = "shifter"
    recipe = "dockerfile"
    by_reference = True
    bind_modes = ("rw",)  # [U] the volume syntax read has no read-only flag
    image_by_job_option = True
    schedulers = frozenset({"slurm"})
    launchers = frozenset({"srun"})
    models = frozenset({"bind", "hybrid"})
    reserved_prefixes = ("SHIFTER_",)

    def env_file(self) -> bool:
        return False  # the job's environment passes into the container: plain exports

    def gpu_native(self, vendor: str) -> bool:
        return False  # the gpu module (--module=gpu), named in the node's `gpu` block

    def image_default(self, code: str, target=None) -> str:
        return target.image_ref if target is not None else code

    def image_check(self) -> str | None:
        return None  # Shifter fails the job itself when the image was not pulled

    def build_hint(self, code: str, target=None) -> str:
        return f"push {self.image_default(code, target)} to a registry and run shifterimg pull"

    def job_options(self, target) -> list[str]:
        modules = ",".join(target.runtime_modules) or "none"
        # one --volume with the mounts separated by `;` (the Slurm plugin keeps one value per option)
        volumes = ";".join(f"{b.host}:{b.container}" for b in target.binds)
        return [f"--image=docker:{target.image_ref}", f"--module={modules}",
                *([f"--volume={volumes}"] if volumes else [])]

    def notes(self) -> list[str]:
        return ["Shifter takes the image, its modules and the volumes as job options (#SBATCH --image=, --module=, "
                "--volume=); the host MPI comes from its mpich module"]

    def exec_words(self, run: Run) -> list:
        return [self.path, *self.options.flags, tuple(run.argv)]  # type: ignore[attr-defined]


Annotation = Annotated[str, Field(max_length=256), _pattern(
    "hpcspec_annotation", r"[a-z][a-z0-9_\-]*(\.[a-z0-9_\-]+)*=[A-Za-z0-9_.:/+@\-]*", "an annotation `key=value`",
    'write e.g. "com.hooks.cxi.enabled=true"')]


class ContainerEngineOptions(RuntimeOptions):
    # NCCL codes: com.hooks.aws_ofi_nccl.enabled=true, com.hooks.aws_ofi_nccl.variant=cuda12
    annotations: list[Annotation] = Field(
        [], description='`[annotations]` of every Environment Definition File, "key=value": the site\'s '
                        'hooks, e.g. "com.hooks.cxi.enabled=true".')
    writable: bool = Field(
        True, description="The Environment Definition File's `writable`.")

    @model_validator(mode="after")
    def _one_value_per_key(self) -> "ContainerEngineOptions":
        # dotted TOML keys: a key given twice, or both a key and a key below it, is invalid TOML
        keys = sorted(a.split("=", 1)[0] for a in self.annotations)
        for first, second in zip(keys, keys[1:]):
            if first == second or second.startswith(first + "."):
                raise _fail("hpcspec_annotation", f"annotation `{first}` clashes with `{second}`",
                            "give each annotation once, and not both a key and a key below it")
        return self


def _toml_string(value: str) -> str:
    """A TOML basic string, with EDF's own `$$` for a literal `$` (EDF expands ${VAR})."""
    return json.dumps(value.replace("$", "$$"), ensure_ascii=False)


class ContainerEngine(Runtime):
    name = "container-engine"
    summary = "CSCS Alps Container Engine: an EDF (TOML) and srun --environment=FILE"
    Options = ContainerEngineOptions
    command = "srun"  # the launcher starts the container
    recipe = "dockerfile"
    by_reference = True
    passes_host_env = True
    gpu_switches = {"nvidia": ()}  # visible when the image sets NVIDIA_VISIBLE_DEVICES (CUDA images do)
    schedulers = frozenset({"slurm"})
    launchers = frozenset({"srun"})
    models = frozenset({"hook", "hybrid"})
    reserved_prefixes = ("ENROOT_", "PYXIS_", "EDF_")
    workdir_mount = "same"

    def env_file(self) -> bool:
        return False

    def env_by_exports(self) -> bool:
        return False  # the environment is the EDF's [env] table

    def image_default(self, code: str, target=None) -> str:
        return f"${{workdir}}/{self.stem(code, target)}.sqsh"

    def image_check(self) -> str:
        # a SquashFS file (enroot import), or a registry reference that the engine pulls
        return '{ [ -f "${image}" ] || case "${image}" in *.sqsh) false ;; *) true ;; esac; }'

    def build_hint(self, code: str, target=None) -> str:
        stem = self.stem(code, target)
        return f"build it with podman build -f {code}/Dockerfile{stem[len(code):]}, then enroot import it into {stem}.sqsh"

    def edf(self, target) -> str:
        """The Environment Definition File of a target."""
        lines = ['# Environment Definition File for the Container Engine (hpcspec)',
                 'image = "${HPCSPEC_EDF_IMAGE}"', 'workdir = "${HPCSPEC_EDF_WORKDIR}"',
                 f"writable = {'true' if self.options.writable else 'false'}"]  # type: ignore[attr-defined]
        # the job's directory, at its own path (the EDF expands ${VAR} from the job's environment)
        workdir = '"${HPCSPEC_EDF_WORKDIR}:${HPCSPEC_EDF_WORKDIR}"'
        mounts = ", ".join([*(_toml_string(_volume(b)) for b in target.binds), workdir])
        lines.append(f"mounts = [{mounts}]")
        lines += ["", "[env]"]
        lines += [f"{name} = {_toml_string(value)}" for name, value in target.environment]
        annotations = self.options.annotations  # type: ignore[attr-defined]
        if annotations:
            lines += ["", "[annotations]"]
            lines += [f"{key} = {_toml_string(value)}" for key, value in (a.split("=", 1) for a in annotations)]
        return "\n".join(lines) + "\n"

    def files(self, target, plan) -> dict[str, tuple[str, str]]:
        return {"edf": (".toml", self.edf(target))}

    def launch_options(self, target) -> list:
        return [Raw('--environment="${edf}"')]

    def launch_lines(self, target) -> list[str]:
        return ['export HPCSPEC_EDF_IMAGE="${image}" HPCSPEC_EDF_WORKDIR="${workdir}"']

    def notes(self) -> list[str]:
        return ["the environment, mounts and hooks are in the EDF (edf.toml), given to srun --environment=",
                "all ranks of a node share one container; the CXI hook replaces the image's libfabric and xpmem "
                "with the host's (hook model)"]

    def exec_words(self, run: Run) -> list:
        return [tuple(run.argv)]
