"""The generic site backend: the bind manifest, batch script and host build of each target.

Everything comes from the platform spec through the target's plug-ins: its scheduler,
launcher and runtime (plugin.py); this class only lays their pieces out.
"""

from __future__ import annotations

import json

from hpcspec.ir import Plan, TargetPlan

from .base import Artifact, Backend
from .plugin import Run
from .render import render
from .shell import Raw, Word, export_line


def _temporaries(files: list[tuple[str, str, str]]) -> list[str]:
    """Lines that make a job's temporary files (variable, name, suffix) and remove them at exit."""
    if not files:
        return []
    lines = [f'{var}="$(mktemp {"--suffix=" + suffix + " " if suffix else ""}"${{workdir}}/.hpcspec-{name}.XXXXXX")"'
             for var, name, suffix in files]
    return lines + ["trap 'rm -f " + " ".join(f'"${{{var}}}"' for var, _, _ in files) + "' EXIT"]


class GenericBackend(Backend):
    """What every site needs, from its platform spec alone; any scheduler, launcher and runtime."""

    name = "generic"

    # -- layout --------------------------------------------------------------------------------
    def directory(self, plan: Plan, target: TargetPlan) -> str:
        return target.name

    def image_name(self, plan: Plan, target: TargetPlan) -> str:
        """The image file of host builds (Apptainer/Singularity)."""
        return f"{target.runtime.stem(plan.code, target)}.sif"

    # -- pieces (hooks) ------------------------------------------------------------------------
    def runtime(self, target: TargetPlan):
        return target.runtime

    def scheduler(self, target: TargetPlan):
        return target.scheduler

    def bind_list(self, target: TargetPlan) -> str:
        return self.runtime(target).bind_list(list(target.binds))

    def exports(self, target: TargetPlan) -> list[tuple[str, str]]:
        runtime = self.runtime(target)
        return [(runtime.export_name(name), runtime.container_value(value)) for name, value in target.environment]

    def manifest(self, plan: Plan, target: TargetPlan) -> dict:
        runtime = self.runtime(target)
        return {
            "hpcspec": plan.hpcspec_version,
            "inputs_sha256": plan.inputs_sha256,
            "code": plan.code,
            "version": plan.version,
            "target": target.name,
            "platform": target.platform,
            "mpi": target.mpi,
            "compiler": target.compiler,
            "model": target.model,
            "runtime": {"kind": runtime.name, "version": runtime.version, "command": runtime.path,
                        "env_file": runtime.env_file(), "env_prefix": runtime.env_prefix,
                        "bind_variable": runtime.bind_variable},
            "executable": target.executable,
            "binds": [{"host": b.host, "container": b.container, "mode": b.mode,
                       "type": "file" if b.file else "directory"} for b in target.binds],
            "bind_list": self.bind_list(target),
            "environment": [{"name": name, "value": value} for name, value in target.environment],
            "ld_library_path": dict(target.environment).get("LD_LIBRARY_PATH", "").split(":")
            if dict(target.environment).get("LD_LIBRARY_PATH") else [],
            "modules": list(target.modules),
            "runtime_modules": list(target.runtime_modules),
            "image": runtime.image_default(plan.code, target).replace("${workdir}/", ""),
            "architecture": target.arch,
            "gpus": None if target.gpu is None else {
                "vendor": target.gpu.vendor, "per_node": target.gpu.per_node, "per_task": target.gpu.per_task,
                "binding": target.gpu.binding, "variable": target.gpu.visible,
                "by_local_rank": [list(gpus) for gpus in target.gpu.ranks],
                "cores_by_local_rank": [list(cores) for cores in target.gpu.cpus], "gpu_aware_mpi": target.gpu.aware_mpi},
            "notes": list(runtime.notes()),
        }

    def launch(self, plan: Plan, target: TargetPlan, env_file: Word | None) -> list[Word]:
        runtime, launcher = self.runtime(target), target.launcher
        argv: list[Word] = [target.executable, *target.args, Raw('"$@"')]
        run = Run(Raw('"${image}"'), argv, list(target.binds), env_file, peers=target.job.tasks_per_node,
                  gpu_vendor=target.gpu.vendor if target.gpu else None, pass_env=launcher.passes_env,
                  modules=target.runtime_modules, workdir="workdir")
        words = launcher.words(target)
        if runtime.launch_options(target):  # e.g. srun --environment=FILE: on the launcher's own line
            words = [tuple(words[0]) + tuple(runtime.launch_options(target)), *words[1:]]
        wrapper = [Raw('"${gpu_wrapper}"')] if target.gpu and target.gpu.wrapper else []
        return words + wrapper + runtime.exec_words(run)

    # -- artifacts -----------------------------------------------------------------------------
    def emit_target(self, plan: Plan, target: TargetPlan) -> list[Artifact]:
        folder = f"{plan.code}/{self.directory(plan, target)}"
        out = [
            Artifact.text(f"{folder}/manifest.json",
                          json.dumps(self.manifest(plan, target), indent=2, sort_keys=False) + "\n"),
            Artifact.text(f"{folder}/binds.txt", self.bind_list(target) + "\n"),
            Artifact.text(f"{folder}/env", "".join(line + "\n" for line in self.env_file_lines(target))),
            Artifact.text(f"{folder}/env.sh", self.env_script(target)),
            self.batch_script(plan, target, folder),
        ]
        if target.model == "host":
            out.append(self.host_build_script(plan, target, folder))
        for var, (suffix, text) in sorted(self.runtime(target).files(target, plan).items()):
            out.append(Artifact.text(f"{folder}/{var.replace('_', '-')}{suffix}", text))  # e.g. the EDF, to read
        return out

    def env_file_lines(self, target: TargetPlan) -> list[str]:
        runtime = self.runtime(target)
        return [runtime.env_file_line(name, value) for name, value in target.environment]

    def env_script(self, target: TargetPlan) -> str:
        runtime = self.runtime(target)
        lines = ["# shellcheck shell=sh",
                 f"# Source this file to pass the environment{' and binds' if runtime.bind_variable else ''} "
                 f"to {runtime.name} without options."]
        if runtime.bind_variable:
            lines.append(export_line(runtime.bind_variable, self.bind_list(target)))
        lines += [export_line(name, value) for name, value in self.exports(target)]
        return "\n".join(lines) + "\n"

    def batch_script(self, plan: Plan, target: TargetPlan, folder: str) -> Artifact:
        runtime, scheduler, launcher = self.runtime(target), self.scheduler(target), target.launcher
        hostfile = launcher.wants_hostfile
        env_file = Raw('"${env_file}"') if runtime.env_file() else None
        files = runtime.files(target, plan)
        temporaries = ([("env_file", "env", "")] if env_file else []) + (
            [("hosts", "hosts", ""), ("hostfile", "hostfile", "")] if hostfile else []) + (
            [("gpu_wrapper", "gpu", "")] if target.gpu and target.gpu.wrapper else []) + [
            (var, var.replace("_", "-"), suffix) for var, (suffix, _) in sorted(files.items())]
        path = f"{folder}/{scheduler.script_name}"
        text = render(
            "batch.sh.j2", t=target, hpcspec_version=plan.hpcspec_version, digest=plan.inputs_sha256,
            directives=scheduler.directives(target), scheduler=scheduler, runtime=runtime,
            submit=scheduler.submit_hint(target, path), image_default=runtime.image_default(plan.code, target),
            image_check=runtime.image_check(), build_hint=runtime.build_hint(plan.code, target),
            env_lines=self.env_file_lines(target), workdir=scheduler.workdir(),
            setup=scheduler.setup_lines(target), modules=list(target.modules),
            env_file=runtime.env_file(), exports=self.exports(target) if runtime.env_by_exports() else [],
            temporaries=_temporaries(temporaries), files=[(var, text) for var, (_, text) in sorted(files.items())],
            gpu_wrapper=self.gpu_wrapper(target) if target.gpu and target.gpu.wrapper else "",
            node_count=scheduler.node_count if launcher.uses_node_count else None,
            hostfile_lines=(scheduler.host_list_lines(target, "hosts")
                            + launcher.hostfile_lines("hosts", "hostfile")) if hostfile else [],
            launch_setup=scheduler.launch_lines(target) + launcher.setup_lines(target) + runtime.launch_lines(target),
            launch=self.launch(plan, target, env_file),
        )
        return Artifact.text(path, text, executable=True)

    def gpu_wrapper(self, target: TargetPlan) -> str:
        """A script that sets the GPU-selecting variable from the rank's index on its node."""
        gpu, rank = target.gpu, target.launcher.local_rank
        lines = ["#!/bin/sh", f'case "${{{rank}:-}}" in']
        lines += [f"  {index}) {gpu.visible}={','.join(map(str, gpus))} ;;" for index, gpus in enumerate(gpu.ranks)]
        lines += [f'  *) echo "hpcspec: no GPUs for local rank \'${{{rank}:-}}\'" >&2; exit 1 ;;', "esac",
                  f"export {gpu.visible}", 'exec "$@"']
        return "\n".join(lines) + "\n"

    def host_build_script(self, plan: Plan, target: TargetPlan, folder: str) -> Artifact:
        runtime = self.runtime(target)
        image_name = self.image_name(plan, target)
        sandbox = Raw('"${work}/sandbox"')
        env_file = Raw('"${env_file}"') if runtime.env_file() else None
        path = f"{folder}/build-on-host.sh"
        text = render(
            "build-on-host.sh.j2", t=target, hpcspec_version=plan.hpcspec_version, digest=plan.inputs_sha256,
            runtime=runtime, script_path=path, image_name=image_name, modules=list(target.modules),
            env_file=runtime.env_file(), exports=self.exports(target), env_lines=self.env_file_lines(target),
            sandbox=runtime.sandbox_words(sandbox, Raw('"${image}"')),
            build=runtime.exec_words(Run(sandbox, ["/bin/sh", target.build.script_path], list(target.binds),
                                         env_file, writable=True)),
            pack=runtime.pack_words(Raw(f'"${{work}}/{image_name}.new"'), sandbox),
        )
        return Artifact.text(path, text, executable=True)

