"""Container runtimes: Apptainer, Singularity and Charliecloud (registered in ``hpcspec.runtimes``).

Apptainer and Singularity [Apptainer user docs]: Singularity < 3.6 takes environment only as
``SINGULARITYENV_NAME``; 3.6+ and Apptainer take ``--env-file``, read by a shell interpreter
(values single-quoted to stay literal); each value is then evaluated a second time inside
the container as ``export NAME="value"``: Apptainer >= 1.1 escapes only ``"`` there, so hpcspec
escapes ``\\ $ ` `` for it; Singularity 3.6+ and Apptainer 1.0 escape with Go's %q, which
leaves no way to pass ``$`` or a backquote literally (refused, E0706); since 3.6 an
``*ENV_LD_LIBRARY_PATH`` replaces the container's value, so the runtime's ``/.singularity.d/libs``
is appended by hand; with Singularity 3.7+ (and in writable sandboxes) bind destinations must
exist in the image. Apptainer still honours the ``SINGULARITY*`` variables.

Charliecloud [ch-run(1), 0.31]: ``ch-run [-b SRC:DST]... [--set-env=FILE] IMAGE -- CMD``; the
image is a directory or a name in ch-image storage; bind destinations must exist in the image;
an env file has ``NAME=VALUE`` lines, one pair of surrounding single quotes stripped, no other
quoting, and ``$`` expanded unless ``--env-no-expand`` comes first; ``--join`` puts the ranks of
a node in one container so that MPI can use shared memory between them. Images are built from
Dockerfiles by ch-image.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from .plugin import Run, Runtime, RuntimeOptions, double_quoted_literal, quote, version_at_least
from .shell import Raw


class SingularityOptions(RuntimeOptions):
    bind_destinations: Literal["image", "runtime"] | None = Field(
        None, description='Who makes the destinations of binds that the image lacks: `runtime` (its '
                          'configuration enables overlay or underlay, so any image will do) or `image` (they '
                          'are created in the image when it is built). Unset: by version (Singularity 3.7+ '
                          'needs them in the image).')


class _SingularityFamily(Runtime):
    Options = SingularityOptions
    libs_dir = "/.singularity.d/libs"
    reserved_prefixes = ("SINGULARITY_", "SINGULARITYENV_")
    replaces_ld_library_path = True  # since Singularity 3.6
    gpu_switches = {"nvidia": ("--nv",), "amd": ("--rocm",)}

    def notes(self) -> list[str]:
        return [
            "Apptainer and Singularity read an env file with a shell interpreter: values are single-quoted so "
            "that they stay literal; they evaluate each value once more in the container, so for Apptainer >= 1.1 "
            "the env file escapes \\, $ and ` in the values (the values listed here are the ones the container sees)",
            "Singularity 3.6+ and Apptainer replace the container's LD_LIBRARY_PATH with the one given here rather "
            "than appending to it: the list ends with the runtime's own library directory",
        ]

    def _evaluates_with_go_quoting(self) -> bool:
        return False

    def needs_bind_destinations(self) -> bool:
        return self.options.bind_destinations == "image"  # type: ignore[attr-defined]

    def unescapable(self, value: str) -> str | None:
        if self._evaluates_with_go_quoting() and re.search(r"[$`]", value):
            return (f"{self.name} {self.version} evaluates `$` and backquotes in every value once more "
                    "inside the container, and leaves no way to escape them")
        return None


class Apptainer(_SingularityFamily):
    name = "apptainer"
    summary = "Apptainer: SIF images from a definition file; --bind, --env-file"
    command = "apptainer"
    env_prefix = "APPTAINERENV_"
    bind_variable = "APPTAINER_BIND"
    reserved_prefixes = ("APPTAINER_", "APPTAINERENV_", "SINGULARITY_", "SINGULARITYENV_")

    def _evaluates_with_go_quoting(self) -> bool:
        return not version_at_least(self.version, "1.1")

    def container_value(self, value: str) -> str:
        if version_at_least(self.version, "1.1"):
            return double_quoted_literal(value)  # Apptainer escapes only the quotes
        return value  # Apptainer 1.0 quotes with %q: `$` and backquotes are refused (E0706)


class Singularity(_SingularityFamily):
    name = "singularity"
    summary = "Singularity / SingularityCE: SIF images from a definition file"
    command = "singularity"
    env_prefix = "SINGULARITYENV_"
    bind_variable = "SINGULARITY_BIND"

    def _evaluates_with_go_quoting(self) -> bool:
        return version_at_least(self.version, "3.6")

    def env_file(self) -> bool:
        return version_at_least(self.version, "3.6")

    def needs_bind_destinations(self) -> bool:
        if self.options.bind_destinations:  # type: ignore[attr-defined]
            return self.options.bind_destinations == "image"  # type: ignore[attr-defined]
        return version_at_least(self.version, "3.7")


class Charliecloud(Runtime):
    name = "charliecloud"
    summary = "Charliecloud: unprivileged; images built from a Dockerfile by ch-image, run by ch-run"
    command = "ch-run"
    recipe = "dockerfile"
    bind_modes = ("rw",)  # ch-run 0.31 binds read-write; it has no read-only bind
    env_file_evaluated = False
    reserved_prefixes = ("CH_RUN_", "CH_IMAGE_")
    # ch-run neither binds the working directory nor creates a bind's destination in the image
    workdir_mount = "/opt/hpcspec/work"

    def notes(self) -> list[str]:
        return ["ch-run reads the env file without a shell (--env-no-expand): every value is taken literally",
                "ch-run --join starts the ranks of a node in one container, so that MPI can use shared memory"]

    def needs_bind_destinations(self) -> bool:
        return True

    def can_build_on_host(self) -> bool:
        return False

    def image_default(self, code: str, target=None) -> str:
        return self.stem(code, target)  # a name in ch-image storage

    def image_check(self) -> str:
        # a path to an image directory, or the name of one in ch-image storage
        return ('{ [ -d "${image}" ] || [ -d "${CH_IMAGE_STORAGE:-/var/tmp/${USER:-$(id -un)}.ch}/img/'
                '$(printf %s "${image}" | tr / %)" ]; }')

    def build_hint(self, code: str, target=None) -> str:
        stem = self.stem(code, target)
        return f"build it from {code}/Dockerfile{stem[len(code):]} with ch-image build -t {stem}"

    def env_file_line(self, name: str, value: str) -> str:
        # no escapes: the value is literal except that one pair of outer quotes is stripped
        if value.startswith("'") and value.endswith("'") and len(value) > 1:
            return f"{name}='{value}'"
        return f"{name}={value}"

    def exec_words(self, run: Run) -> list:
        # --join-ct: ch-run guesses the peer count only under Slurm and Open MPI; say it
        words: list = [(self.path, f"--join-ct={run.peers}") if run.peers else (self.path, "--join")]
        if run.writable:
            words.append("--write")
        words += list(self.options.flags)  # type: ignore[attr-defined]
        words += [("-b", f"{b.host}:{b.container}") for b in run.binds]
        if run.workdir is not None:
            words.append(("-b", Raw(f'"${{{run.workdir}}}:{self.workdir_mount}"'), f"--cd={self.workdir_mount}"))
        if run.env_file is not None:
            words.append(("--env-no-expand", Raw(f"--set-env={quote(run.env_file)}")))
        return words + [run.image, "--", tuple(run.argv)]
