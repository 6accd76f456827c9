"""The container runtime layer: how a runtime takes binds and environment, runs and rebuilds images.

A runtime is mostly data (capability flags by version); the few hooks build command words.

Apptainer and Singularity [Apptainer user docs]: Singularity < 3.6 takes environment only as
``SINGULARITYENV_NAME``; 3.6+ and Apptainer take ``--env-file``, read by a shell interpreter
(values single-quoted to stay literal); each value is then evaluated a second time inside
the container as ``export NAME="value"``: Apptainer >= 1.1 escapes only ``"`` there, so hpcspec
escapes ``\\ $ ` `` for it; Singularity 3.6+ and Apptainer 1.0 escape with Go's %q, which
leaves no way to pass ``$`` or a backquote literally (a check rejects them); since 3.6 an ``*ENV_LD_LIBRARY_PATH`` replaces the
container's value, so the runtime's ``/.singularity.d/libs`` is appended by hand; with
Singularity 3.7+ (and in writable sandboxes) bind destinations must exist in the image.

Charliecloud [ch-run(1), 0.31]: ``ch-run [-b SRC:DST]... [--set-env=FILE] IMAGE -- CMD``; the
image is a directory or a name in ch-image storage; bind destinations must exist in the image;
an env file has ``NAME=VALUE`` lines, one pair of surrounding single quotes stripped, no other
quoting, and ``$`` expanded unless ``--env-no-expand`` comes first; ``--join`` puts the ranks of
a node in one container so that MPI can use shared memory between them. Images are built from
Dockerfiles by ch-image.
"""

from __future__ import annotations

from hpcspec.models.binds import Bind
from hpcspec.models.types import version_at_least

from .shell import Raw, Word, double_quoted_literal, env_line, quote

# the user's extra build flags (an array in the host build script), safe under `set -u`
BUILD_FLAGS = Raw('${build_flags[@]+"${build_flags[@]}"}')


class Runtime:
    name = ""
    command = ""
    env_prefix = ""  # the prefix that passes NAME into the container
    bind_variable = ""  # the variable that passes binds, if the runtime has one
    libs_dir: str | None = None  # appended to LD_LIBRARY_PATH: the runtime's own injected libraries
    recipe = "apptainer"  # the container format it builds from: "apptainer" (.def) or "docker"
    bind_modes = ("ro", "rw")  # the bind modes it can express

    def __init__(self, version: str, command: str | None = None) -> None:
        self.version = version
        self.path = command or self.command

    # -- capabilities --------------------------------------------------------------------------
    def env_file(self) -> bool:
        """Does ``exec`` take an env file?"""
        return True

    def needs_bind_destinations(self) -> bool:
        """Must bind destinations exist in the image (no overlay to create them)?"""
        return False

    def can_build_on_host(self) -> bool:
        """Can it turn an image into a writable sandbox and back (for host-built targets)?"""
        return True

    # -- images --------------------------------------------------------------------------------
    def image_default(self, code: str) -> str:
        """The image the batch script uses unless HPCSPEC_IMAGE says otherwise (shell text)."""
        return f"${{workdir}}/{code}.sif"

    def image_check(self) -> str:
        """A shell test that is true when "${image}" is usable."""
        return '[ -f "${image}" ]'

    def build_hint(self, code: str) -> str:
        return f"build it from {code}.def"

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

    def exec_words(self, image: Word, binds: list[Bind], env_file: Word | None, argv: list[Word],
                   writable: bool = False) -> list:
        """Words of ``exec``; tuples are kept on one line when the command is wrapped."""
        words: list = [(self.path, "exec")]
        if writable:
            words.append("--writable")
        if binds:
            words.append(("--bind", self.bind_list(binds)))
        if env_file is not None:
            words.append(("--env-file", env_file))
        return words + [image, tuple(argv)]

    def sandbox_words(self, sandbox: Word, image: Word) -> list[Word]:
        return [self.path, "build", BUILD_FLAGS, "--sandbox", sandbox, image]

    def pack_words(self, image: Word, sandbox: Word) -> list[Word]:
        return [self.path, "build", BUILD_FLAGS, image, sandbox]


class Apptainer(Runtime):
    name = "apptainer"
    command = "apptainer"
    env_prefix = "APPTAINERENV_"
    bind_variable = "APPTAINER_BIND"
    libs_dir = "/.singularity.d/libs"

    def container_value(self, value: str) -> str:
        if version_at_least(self.version, "1.1"):
            return double_quoted_literal(value)  # Apptainer escapes only the quotes
        return value  # Apptainer 1.0 quotes with %q: `$` and backquotes are rejected by a check


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


class Charliecloud(Runtime):
    name = "charliecloud"
    command = "ch-run"
    recipe = "docker"
    bind_modes = ("rw",)  # ch-run 0.31 binds read-write; it has no read-only bind

    def needs_bind_destinations(self) -> bool:
        return True

    def can_build_on_host(self) -> bool:
        return False

    def image_default(self, code: str) -> str:
        return code  # a name in ch-image storage

    def image_check(self) -> str:
        # a path to an image directory, or the name of one in ch-image storage
        return ('{ [ -d "${image}" ] || [ -d "${CH_IMAGE_STORAGE:-/var/tmp/${USER:-$(id -un)}.ch}/img/'
                '$(printf %s "${image}" | tr / %)" ]; }')

    def build_hint(self, code: str) -> str:
        return f"build it from {code}/Dockerfile with ch-image build -t {code}"

    def env_file_line(self, name: str, value: str) -> str:
        # no escapes: the value is literal except that one pair of outer quotes is stripped
        if value.startswith("'") and value.endswith("'") and len(value) > 1:
            return f"{name}='{value}'"
        return f"{name}={value}"

    def exec_words(self, image: Word, binds: list[Bind], env_file: Word | None, argv: list[Word],
                   writable: bool = False) -> list:
        words: list = [(self.path, "--join")]
        if writable:
            words.append("--write")
        words += [("-b", f"{b.host}:{b.container}") for b in binds]
        if env_file is not None:
            words.append(("--env-no-expand", Raw(f"--set-env={quote(env_file)}")))
        return words + [image, "--", tuple(argv)]


RUNTIMES: dict[str, type[Runtime]] = {
    "apptainer": Apptainer, "singularity": Singularity, "charliecloud": Charliecloud,
}


def runtime_for(kind: str, version: str, command: str | None = None) -> Runtime:
    return RUNTIMES[kind](version, command)
