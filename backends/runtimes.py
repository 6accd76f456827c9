"""The container runtime layer: how a runtime takes binds and environment, runs and rebuilds images.

A runtime is mostly data (capability flags by version); the few hooks build command words.
Facts: Singularity < 3.6 takes environment only as ``SINGULARITYENV_NAME``; 3.6+ and Apptainer
take ``--env-file`` (evaluated by a shell interpreter, so values are single-quoted); since 3.6
an ``*ENV_LD_LIBRARY_PATH`` replaces the container's value, so ``/.singularity.d/libs`` is
appended by hand; with a writable image (Singularity 3.7 sandboxes, host builds) bind
destinations must exist in the image.
"""

from __future__ import annotations

from hpcspec.models.types import version_at_least

from .shell import Raw, Word


# the user's extra build flags (an array in the host build script), safe under `set -u`
BUILD_FLAGS = Raw('${build_flags[@]+"${build_flags[@]}"}')


class Runtime:
    name = ""
    command = ""
    env_prefix = ""  # the prefix that passes NAME into the container
    bind_variable = ""
    libs_dir: str | None = None  # appended to LD_LIBRARY_PATH: the runtime's own injected libraries
    image_suffix = ".sif"

    def __init__(self, version: str, command: str | None = None) -> None:
        self.version = version
        self.path = command or self.command

    # -- capabilities --------------------------------------------------------------------------
    def env_file(self) -> bool:
        """Does ``exec`` take ``--env-file``?"""
        return True

    def needs_bind_destinations(self) -> bool:
        """Must bind destinations exist in the image (no overlay to create them)?"""
        return False

    # -- hooks ---------------------------------------------------------------------------------
    def exec_words(self, image: Word, binds: str, env_file: Word | None, argv: list[Word],
                   writable: bool = False) -> list:
        """Words of ``exec``; tuples are kept on one line when the command is wrapped."""
        words: list = [(self.path, "exec")]
        if writable:
            words.append("--writable")
        if binds:
            words.append(("--bind", binds))
        if env_file is not None:
            words.append(("--env-file", env_file))
        return words + [image, tuple(argv)]

    def sandbox_words(self, sandbox: Word, image: Word) -> list[Word]:
        return [self.path, "build", BUILD_FLAGS, "--sandbox", sandbox, image]

    def pack_words(self, image: Word, sandbox: Word) -> list[Word]:
        return [self.path, "build", BUILD_FLAGS, image, sandbox]

    def export_name(self, name: str) -> str:
        return f"{self.env_prefix}{name}"


class Apptainer(Runtime):
    name = "apptainer"
    command = "apptainer"
    env_prefix = "APPTAINERENV_"
    bind_variable = "APPTAINER_BIND"
    libs_dir = "/.singularity.d/libs"


class Singularity(Runtime):
    name = "singularity"
    command = "singularity"
    env_prefix = "SINGULARITYENV_"
    bind_variable = "SINGULARITY_BIND"
    libs_dir = "/.singularity.d/libs"

    def env_file(self) -> bool:
        return version_at_least(self.version, "3.6")

    def needs_bind_destinations(self) -> bool:
        return version_at_least(self.version, "3.7")


RUNTIMES: dict[str, type[Runtime]] = {"apptainer": Apptainer, "singularity": Singularity}


def runtime_for(kind: str, version: str, command: str | None = None) -> Runtime:
    return RUNTIMES[kind](version, command)
