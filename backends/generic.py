"""The generic site backend: the bind manifest, batch script and host build of each target.

Everything comes from the platform spec through the target's plug-ins: its scheduler,
launcher and runtime (plugin.py); this class only lays their pieces out.
"""

from __future__ import annotations

import json

from hpcspec.ir import Plan, TargetPlan

from .base import Artifact, Backend
from .render import render
from .shell import Raw, Word, export_line


class GenericBackend(Backend):
    """What every site needs, from its platform spec alone; any scheduler, launcher and runtime."""

    name = "generic"

    # -- layout --------------------------------------------------------------------------------
    def directory(self, plan: Plan, target: TargetPlan) -> str:
        return target.name

    def image_name(self, plan: Plan, target: TargetPlan) -> str:
        """The image file of host builds (Apptainer/Singularity)."""
        return f"{plan.code}.sif"

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
            "notes": list(runtime.notes()),
        }

    def launch(self, plan: Plan, target: TargetPlan, env_file: Word | None) -> list[Word]:
        runtime = self.runtime(target)
        argv: list[Word] = [target.executable, *target.args, Raw('"$@"')]
        return target.launcher.words(target) + runtime.exec_words(
            Raw('"${image}"'), list(target.binds), env_file, argv, peers=target.job.tasks_per_node)

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
        path = f"{folder}/{scheduler.script_name}"
        text = render(
            "batch.sh.j2", t=target, hpcspec_version=plan.hpcspec_version, digest=plan.inputs_sha256,
            directives=scheduler.directives(target), scheduler=scheduler, runtime=runtime,
            submit=scheduler.submit_hint(target, path), image_default=runtime.image_default(plan.code),
            image_check=runtime.image_check(), build_hint=runtime.build_hint(plan.code),
            env_lines=self.env_file_lines(target), workdir=scheduler.workdir(),
            setup=scheduler.setup_lines(target), modules=list(target.modules),
            env_file=runtime.env_file(), exports=self.exports(target), hostfile=hostfile,
            node_count=scheduler.node_count if launcher.uses_node_count else None,
            hostfile_lines=(scheduler.host_list_lines(target, "hosts")
                            + launcher.hostfile_lines("hosts", "hostfile")) if hostfile else [],
            launch_setup=scheduler.launch_lines(target) + launcher.setup_lines(target),
            launch=self.launch(plan, target, env_file),
        )
        return Artifact.text(path, text, executable=True)

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
            build=runtime.exec_words(sandbox, list(target.binds), env_file,
                                     ["/bin/sh", target.build.script_path], writable=True),
            pack=runtime.pack_words(Raw(f'"${{work}}/{image_name}.new"'), sandbox),
        )
        return Artifact.text(path, text, executable=True)

