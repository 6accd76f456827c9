"""The hooks of .pre-commit-hooks.yaml, run by the real pre-commit in a throwaway project.

pre-commit installs a hook repository from git: this tree (with whatever is not committed yet)
is copied into a temporary repository and committed there; pre-commit then builds its own
virtual environment and pip-installs hpcspec from that commit, as it would for a user. The
project is a git repository with the mpi-ring code and its compiled output (and, as a project
with a third-party plug-in would, the Grid Engine plug-in in `additional_dependencies`): a good spec passes
every hook, a broken one fails `hpcspec-check` with the located diagnostic, an edited output
file fails `hpcspec-compile-check` with its diff, a badly laid out spec fails `hpcspec-fmt`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from support import ROOT, SPECS, run_cli, tool

HOOKS = ("hpcspec-check", "hpcspec-compile-check", "hpcspec-fmt")
# a fixed identity and date: the same tree gives the same commit
GIT_ENV = {"GIT_AUTHOR_NAME": "hpcspec tests", "GIT_AUTHOR_EMAIL": "tests@hpcspec.invalid",
           "GIT_COMMITTER_NAME": "hpcspec tests", "GIT_COMMITTER_EMAIL": "tests@hpcspec.invalid",
           "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, env={**os.environ, **GIT_ENV}, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stderr}"
    return proc.stdout


def test_hooks_are_defined():
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert tuple(hooks) == HOOKS
    assert hooks["hpcspec-check"]["entry"] == "hpcspec check"
    assert hooks["hpcspec-compile-check"]["entry"] == "hpcspec compile --check"
    assert hooks["hpcspec-compile-check"]["pass_filenames"] is False
    assert hooks["hpcspec-fmt"]["entry"] == "hpcspec fmt --check"
    assert all(hook["language"] == "python" for hook in hooks.values())
    import re

    for hook in ("hpcspec-check", "hpcspec-fmt"):  # spec files, not the marker in output directories
        pattern = re.compile(hooks[hook]["files"])
        assert pattern.search("specs/codes/gromacs.hpcspec") and pattern.search("ring.hpcspec")
        assert not pattern.search("build/gromacs/.hpcspec") and not pattern.search(".hpcspec")
        assert not pattern.search("build/.hpcspec-output")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> tuple[Path, str]:
    """This tree, as it is now, committed in a repository of its own: (path, commit)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path_factory.mktemp("hook-repo")
    listed = git(ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():  # tracked but deleted in the tree: left out
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hpcspec as tested")
    return repo, git(repo, "rev-parse", "HEAD").strip()


def _project(root: Path, hook_repo: tuple[Path, str]) -> Path:
    project = root / "project"
    project.mkdir()
    shutil.copyfile(SPECS / "codes" / "mpi-ring.hpcspec", project / "ring.hpcspec")
    shutil.copytree(SPECS / "codes" / "mpi-ring", project / "mpi-ring")
    if (ROOT / "compiler" / "commands" / "fmt.py").exists():  # start from the canonical layout
        assert run_cli("fmt", "ring.hpcspec", cwd=project).returncode == 0
    assert run_cli("compile", "ring.hpcspec", "-o", "build", "--no-cache", cwd=project).returncode == 0
    repo, rev = hook_repo
    # a third-party plug-in (mpi-ring has a Grid Engine target) goes into the hooks' environment
    plugin = {"additional_dependencies": [str(repo / "plugins" / "hpcspec-gridengine")]}
    config = {"repos": [{"repo": str(repo), "rev": rev, "hooks": [
        {"id": "hpcspec-check", **plugin},
        {"id": "hpcspec-compile-check", "args": ["ring.hpcspec", "-o", "build"], **plugin},
        {"id": "hpcspec-fmt", **plugin},
    ]}]}
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "a project that uses hpcspec")
    return project


def _run(project: Path, home: Path, *hooks: str) -> subprocess.CompletedProcess:
    git(project, "add", "-A")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("CI", None)
    proc = subprocess.run([tool("pre-commit"), "run", "--all-files", "--color", "never", *hooks], cwd=project,
                          env=env, capture_output=True, text=True, timeout=600)
    return proc


def test_hooks_in_a_project(tmp_path: Path, hook_repo):
    home = tmp_path / "pre-commit-home"
    project = _project(tmp_path, hook_repo)
    fmt = (ROOT / "compiler" / "commands" / "fmt.py").exists()

    good = _run(project, home)  # installs the hook environment: pip install of this tree
    assert good.returncode == 0, good.stdout + good.stderr
    for hook in ("hpcspec check", "hpcspec compile --check", *(("hpcspec fmt --check",) if fmt else ())):
        assert any(line.startswith(hook + ".") and line.endswith("Passed") for line in good.stdout.splitlines()), \
            good.stdout

    spec = project / "ring.hpcspec"
    original = spec.read_text()
    lines = original.splitlines()
    number = next(i for i, line in enumerate(lines, 1) if "tasks_per_node" in line)
    spec.write_text(original.replace(lines[number - 1], lines[number - 1].split("=")[0] + "= 4096", 1))
    broken = _run(project, home, "hpcspec-check")
    assert broken.returncode == 1, broken.stdout
    assert "error[E0601]" in broken.stdout and f"--> ring.hpcspec:{number}:" in broken.stdout, broken.stdout
    spec.write_text(original)

    output = next((project / "build" / "mpi-ring").glob("*/env.sh"))
    output.write_text(output.read_text() + "# edited by hand\n")
    stale = _run(project, home, "hpcspec-compile-check")
    assert stale.returncode == 1 and "-# edited by hand" in stale.stdout, stale.stdout
    assert "not up to date" in stale.stdout
    assert run_cli("compile", "ring.hpcspec", "-o", "build", cwd=project).returncode == 0
    assert _run(project, home, "hpcspec-compile-check").returncode == 0

    if fmt:
        spec.write_text(original.replace("\n", "\n\n\n", 1).replace("{", "  {", 1))
        unformatted = _run(project, home, "hpcspec-fmt")
        assert unformatted.returncode == 1, unformatted.stdout
        spec.write_text(original)
        assert _run(project, home, "hpcspec-fmt").returncode == 0


# ----------------------------------------------------------------------------------------------
# action.yml: the composite GitHub Action


ACTION = yaml.safe_load((ROOT / "action.yml").read_text())


def _step(name: str) -> dict:
    return next(step for step in ACTION["runs"]["steps"] if step["name"] == name)


def test_action_installs_from_its_own_checkout_and_checks_with_annotations():
    assert ACTION["runs"]["using"] == "composite"
    assert ACTION["inputs"]["specs"]["required"] is True and ACTION["inputs"]["output"]["default"] == "build"
    setup = ACTION["runs"]["steps"][0]
    assert setup["uses"].startswith("actions/setup-python@")
    install = _step("Install hpcspec")
    assert install["env"]["HPCSPEC_SOURCE"] == "${{ github.action_path }}"
    assert 'pip install' in install["run"] and '"${HPCSPEC_SOURCE}"' in install["run"]
    check = _step("Check with hpcspec")
    assert "hpcspec compile --check --format github" in check["run"]
    for step in ACTION["runs"]["steps"]:
        if "run" in step:  # inputs only through the environment: no `${{ }}` in a script
            assert "${{" not in step["run"], step["name"]
            assert step["shell"] == "bash"


@pytest.mark.parametrize("name", [s["name"] for s in ACTION["runs"]["steps"] if "run" in s])
def test_action_scripts_pass_shellcheck(tmp_path: Path, name: str):
    from support import shellcheck

    script = tmp_path / "step.sh"
    script.write_text(_step(name)["run"])
    proc = subprocess.run([shellcheck(), "--shell=bash", str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout


def _check_step(project: Path, specs: str, check_only: str = "false") -> subprocess.CompletedProcess:
    """The action's check step as the runner runs it (bash -e, inputs in the environment), with
    the hpcspec of the tests' environment on PATH (where the install step would have put it)."""
    from support import BIN

    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "HPCSPEC_SPECS": specs,
           "HPCSPEC_OUTPUT": "build", "HPCSPEC_CHECK_ONLY": check_only, "GITHUB_WORKSPACE": str(project),
           "CI": "true", "HPCSPEC_CACHE_DIR": str(project / ".stamps")}
    script = _step("Check with hpcspec")["run"]
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120)


def test_action_check_step_annotates(tmp_path: Path):
    project = tmp_path / "repo"
    (project / "specs").mkdir(parents=True)
    shutil.copyfile(SPECS / "codes" / "mpi-ring.hpcspec", project / "specs" / "ring.hpcspec")
    shutil.copytree(SPECS / "codes" / "mpi-ring", project / "specs" / "mpi-ring")
    assert run_cli("compile", "specs/ring.hpcspec", "-o", "build", cwd=project).returncode == 0

    good = _check_step(project, "specs/*.hpcspec")
    assert (good.returncode, good.stdout) == (0, ""), good.stderr
    assert _check_step(project, "specs/**/*.hpcspec\n", check_only="true").returncode == 0

    edited = next((project / "build" / "mpi-ring").glob("*/env.sh"))
    edited.write_text(edited.read_text() + "# edited\n")
    stale = _check_step(project, "specs/*.hpcspec")
    assert stale.returncode == 1
    assert stale.stdout.startswith(f"::error file=build/mpi-ring/{edited.parent.name}/env.sh,title=E0803::")

    spec = project / "specs" / "ring.hpcspec"
    lines = spec.read_text().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if "tasks_per_node" in line)
    lines[number - 1] = lines[number - 1].split("=")[0] + "= 4096"
    spec.write_text("\n".join(lines) + "\n")
    broken = _check_step(project, "specs/*.hpcspec")
    assert broken.returncode == 1
    assert broken.stdout.startswith(f"::error file=specs/ring.hpcspec,line={number},col="), broken.stdout
    assert "title=E0601::" in broken.stdout

    missing = _check_step(project, "nothing/*.hpcspec")
    assert missing.returncode == 2 and missing.stdout == "::error title=hpcspec::no spec matches nothing/*.hpcspec\n"
