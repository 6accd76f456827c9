"""The container recipe, shared by every container format (Apptainer definition, Dockerfile).

One plan gives one list of build steps (shell lines) and one set of scripts copied into the
image; each format only wraps them in its own syntax, so the formats cannot drift apart.
User-written shell (a script build's commands, tests) lives only in those copied scripts,
never in the definition file itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from hpcspec.ir import BuildPlan, Plan, Recipe

from .render import render
from .shell import Raw, command, export_line, quote

SCRIPTS = "hpcspec"  # the directory of copied scripts, beside the definition file
IMAGE_ROOT = "/opt/hpcspec"


@dataclass(frozen=True)
class Step:
    title: str
    lines: tuple[str, ...]


def _install(recipe: Recipe) -> Step | None:
    if not recipe.packages:
        return None
    packages = list(recipe.packages)
    manager = recipe.package_manager
    if manager == "apt":
        lines = ["export DEBIAN_FRONTEND=noninteractive", "apt-get update",
                 command(["apt-get", "install", "-y", "--no-install-recommends", *packages]),
                 "rm -rf /var/lib/apt/lists/*"]
    elif manager in ("dnf", "yum"):
        lines = [command([manager, "install", "-y", *packages]), f"{manager} clean all"]
    elif manager == "zypper":
        lines = [command(["zypper", "--non-interactive", "install", "--no-recommends", *packages]),
                 "zypper clean --all"]
    elif manager == "apk":
        lines = [command(["apk", "add", "--no-cache", *packages])]
    else:  # the checks refuse packages without a package manager
        raise ValueError(f"no package manager for {recipe.base}")
    return Step("packages", tuple(lines))


def _source(recipe: Recipe) -> Step:
    source, where = recipe.source, recipe.source_dir
    lines = [command(["mkdir", "-p", where])]
    if source.kind == "url":
        archive = f"/tmp/{source.archive}"
        lines += [
            command(["curl", "-fsSL", "--retry", "3", "-o", archive, source.url or ""]),
            f"echo {quote(f'{source.sha256}  {archive}')} | sha256sum -c -",
            command(["tar", "-xf", archive, "-C", where, "--strip-components=1"]),
            command(["rm", "-f", archive]),
        ]
    elif source.kind == "git":
        lines += [
            command(["git", "-C", where, "init", "-q"]),
            command(["git", "-C", where, "remote", "add", "origin", source.git or ""]),
            f"{command(['git', '-C', where, 'fetch', '-q', '--depth', '1', 'origin', source.commit or ''])} "
            f"|| {command(['git', '-C', where, 'fetch', '-q', 'origin'])}",
            command(["git", "-C", where, "checkout", "-q", "--detach", source.commit or ""]),
        ]
    else:
        lines.append(command(["cp", "-R", f"{IMAGE_ROOT}/files/.", where]))
    return Step("source", tuple(lines))


def _builds(recipe: Recipe) -> Step | None:
    lines = [command(["sh", build.script_path]) for build in recipe.builds if build.in_container]
    return Step("builds", tuple(lines)) if lines else None


def _bind_destinations(recipe: Recipe) -> Step | None:
    if not (recipe.bind_dirs or recipe.bind_files):
        return None
    lines = []
    if recipe.bind_dirs:
        lines.append(command(["mkdir", "-p", *recipe.bind_dirs]))
    for path in recipe.bind_files:
        lines.append(f"[ -e {quote(path)} ] || {{ mkdir -p {quote(path.rsplit('/', 1)[0] or '/')} "
                     f"&& : > {quote(path)}; }}")
    return Step("bind destinations", tuple(lines))


def steps(recipe: Recipe) -> list[Step]:
    """The build steps, in order, as shell lines that /bin/sh runs in the image."""
    found = [_install(recipe), _source(recipe), _builds(recipe), _bind_destinations(recipe)]
    return [step for step in found if step is not None]


def build_steps(build: BuildPlan) -> list[str]:
    """The build system's commands, run in the build script with src, work and PREFIX set."""
    below = f"/{quote(build.subdir)}" if build.subdir else ""
    src, work = Raw('"${src}"' + below), Raw('"${work}"')
    jobs = str(build.jobs)
    if build.kind == "cmake":
        return [command(["cmake", "-S", src, "-B", work, "-DCMAKE_BUILD_TYPE=Release",
                         Raw('-DCMAKE_INSTALL_PREFIX="${PREFIX}"'), *build.options]),
                command(["cmake", "--build", work, "--parallel", jobs]),
                command(["cmake", "--install", work])]
    if build.kind == "autotools":
        return [command(["cd", work]),
                command([Raw(f'"${{src}}"{below}/configure'), Raw('--prefix="${PREFIX}"'), *build.options]),
                command(["make", "-j", jobs]), "make install"]
    if build.kind == "make":
        install = list(build.install) or [command(["make", *build.options, "install",
                                                    Raw('PREFIX="${PREFIX}"')])]
        return [command(["cp", "-R", Raw('"${src}/."'), work]), command(["cd", Raw('"${work}"' + below)]),
                command(["make", "-j", jobs, *build.options, *build.make_targets]), *install]
    # a script build: the spec's own shell lines, in the source tree
    return [command(["cd", src]), "# the spec's build commands", *build.commands]


def scripts(plan: Plan) -> dict[str, tuple[str, str | None]]:
    """Scripts copied into the image, by path below the scripts directory: (text, the target
    it belongs to, or None for a script of every target). Every image gets all of them; each
    image's %test runs the test script of its own architecture."""
    out: dict[str, tuple[str, str | None]] = {}
    for recipe in plan.recipes:
        for build in recipe.builds:
            out[f"build/{build.target}.sh"] = (render("build.sh.j2", build=build, plan=plan,
                                                      steps=build_steps(build)), build.target)
        out[f"test{recipe.suffix}.sh"] = (render("test.sh.j2", recipe=recipe, plan=plan), None)
    targets = [(t.name, t.executable, t.args) for t in plan.targets]
    out["run.sh"] = (render("run.sh.j2", targets=targets, plan=plan), None)
    return out


def environment_lines(recipe: Recipe) -> list[str]:
    return [export_line(name, value) for name, value in recipe.environment]
