"""A run whose inputs and outputs have not changed is skipped (hpcspec/stamp.py), and only then.

Each test compiles a project, then changes one thing the compile depends on and checks that
the next run notices: the full pipeline runs (hpcspec.api is imported) and says the right
thing. `fast` tells which path a run took.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support import PLATFORMS, SPECS

PROBE = """import json, sys
from hpcspec.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "full": "hpcspec.api" in sys.modules}))
"""


def run(project: Path, *args: str, env: dict | None = None) -> tuple[int, bool, str, str]:
    """(exit code, whether the full pipeline ran, stdout before the probe line, stderr)."""
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=project, capture_output=True, text=True,
                          env=full_env, timeout=120)
    *out, last = proc.stdout.splitlines() or [""]
    found = json.loads(last)
    return found["code"], found["full"], "\n".join(out), proc.stderr


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("HPCSPEC_CACHE_DIR", str(tmp_path / "stamps"))
    root = tmp_path / "project"
    (root / "specs" / "platforms").mkdir(parents=True)
    (root / "hpcspec.toml").write_text("# project\n")
    for spec in PLATFORMS:
        if spec.stem == "localhost":
            shutil.copyfile(spec, root / "specs" / "platforms" / spec.name)
    shutil.copyfile(SPECS / "codes" / "mpi-ring.hpcspec", root / "ring.hpcspec")
    shutil.copytree(SPECS / "codes" / "mpi-ring", root / "mpi-ring")
    code, full, out, err = run(root, "compile", "ring.hpcspec", "-o", "out")
    assert (code, full) == (0, True), err
    assert "(written)" in out
    return root


def test_nothing_changed_skips_the_pipeline_and_says_the_same(project: Path) -> None:
    code, full, out, err = run(project, "compile", "ring.hpcspec", "-o", "out")
    assert (code, full, err) == (0, False, "")
    assert re.fullmatch(r"mpi-ring: \d+ files for \d+ targets? in out/mpi-ring \(unchanged\)", out), out
    code, full, out, err = run(project, "compile", "ring.hpcspec", "-o", "out", "--check")
    assert (code, full, out, err) == (0, False, "", "")
    code, full, out, err = run(project, "compile", "ring.hpcspec", "-o", "out", "--check", "--format", "json")
    assert (code, full, err) == (0, False, "")
    assert json.loads(out)["diagnostics"] == [] and json.loads(out)["valid"] is True


def test_no_cache_runs_everything(project: Path) -> None:
    code, full, _, _ = run(project, "compile", "ring.hpcspec", "-o", "out", "--check", "--no-cache")
    assert (code, full) == (0, True)
    code, full, _, _ = run(project, "compile", "ring.hpcspec", "-o", "out", "--check",
                           env={"HPCSPEC_CACHE_DIR": "off"})
    assert (code, full) == (0, True)


def _edit_output(project: Path) -> None:
    path = project / "out" / "mpi-ring" / "localhost" / "env.sh"
    path.write_text(path.read_text() + "# edited by hand\n")


def _chmod_output(project: Path) -> None:
    os.chmod(project / "out" / "mpi-ring" / "localhost" / "job.slurm", 0o644)


def _remove_one_output(project: Path) -> None:
    (project / "out" / "mpi-ring" / "localhost" / "binds.txt").unlink()


def _delete_output(project: Path) -> None:
    shutil.rmtree(project / "out" / "mpi-ring")


@pytest.mark.parametrize("change", [_edit_output, _chmod_output, _remove_one_output, _delete_output],
                         ids=["edited", "mode", "one-file-removed", "deleted"])
def test_a_changed_output_fails_check_with_a_diff(project: Path, change) -> None:
    change(project)
    code, full, out, err = run(project, "compile", "ring.hpcspec", "-o", "out", "--check")
    assert (code, full) == (1, True)
    assert "not up to date" in err
    code, full, out, err = run(project, "compile", "ring.hpcspec", "-o", "out")
    assert (code, full) == (0, True) and "(written)" in out
    assert run(project, "compile", "ring.hpcspec", "-o", "out", "--check")[:2] == (0, False)


def test_a_file_hpcspec_did_not_write_changes_nothing(project: Path) -> None:
    """An image or a job's output in the code directory is the user's: not an output of hpcspec,
    so the run is still skipped, and a full run leaves it alone."""
    mine = project / "out" / "mpi-ring" / "mpi-ring.sif"
    mine.write_bytes(b"an image\n")
    assert run(project, "compile", "ring.hpcspec", "-o", "out", "--check")[:2] == (0, False)
    code, full, _, err = run(project, "compile", "ring.hpcspec", "-o", "out", "--check", "--no-cache")
    assert (code, full) == (0, True) and "mpi-ring.sif" in err
    assert mine.read_bytes() == b"an image\n"


def _edit_spec(project: Path) -> None:
    spec = project / "ring.hpcspec"
    spec.write_text(spec.read_text().replace('version     = "1.0"', 'version     = "1.1"'))


def _edit_comment(project: Path) -> None:
    spec = project / "ring.hpcspec"
    spec.write_text("# a new comment\n" + spec.read_text())


def _edit_platform(project: Path) -> None:
    spec = project / "specs" / "platforms" / "localhost.hpcspec"
    spec.write_text(spec.read_text() + "\n# edited\n")


def _edit_source_file(project: Path) -> None:
    source = project / "mpi-ring" / "ring.c"
    source.write_text(source.read_text() + "/* edited */\n")


@pytest.mark.parametrize("change", [_edit_spec, _edit_comment, _edit_platform, _edit_source_file],
                         ids=["code-spec", "comment", "platform-spec", "local-source"])
def test_a_changed_input_runs_the_pipeline(project: Path, change) -> None:
    change(project)
    code, full, out, err = run(project, "compile", "ring.hpcspec", "-o", "out", "--check")
    assert (code, full) == (1, True), err
    assert out.startswith("---") or "\n---" in out, "a unified diff on stdout"


def test_a_platform_that_now_shadows_the_one_used_is_noticed(project: Path, tmp_path: Path) -> None:
    """`import "localhost"` found specs/platforms/localhost.hpcspec; a directory that comes
    first on the search path (HPCSPEC_PATH comes after the project, so here: a new project
    root) changes what the name means."""
    moved = project / "specs" / "platforms" / "localhost.hpcspec"
    text = moved.read_text()
    # an `import` by name now has a candidate that did not exist before: the shipped spec is
    # later on the path than the project's, so remove the project's and expect a full run
    moved.unlink()
    code, full, _, err = run(project, "compile", "ring.hpcspec", "-o", "out", "--check")
    assert full, "the file that was read is gone"
    moved.write_text(text)
    assert run(project, "compile", "ring.hpcspec", "-o", "out")[0] == 0
    assert run(project, "compile", "ring.hpcspec", "-o", "out", "--check")[:2] == (0, False)
    # a search-path directory added in front of where localhost.hpcspec was found
    (project / "hpcspec.toml").write_text('path = ["sites"]\n')
    (project / "sites").mkdir()
    code, full, _, _ = run(project, "compile", "ring.hpcspec", "-o", "out", "--check")
    assert full, "the search path changed"


def test_a_new_file_where_an_import_looked_first_is_noticed(project: Path) -> None:
    """The shipped `localhost` is found after the project's specs/platforms was searched: a
    localhost.hpcspec created there later must win, so the stamp must not hold."""
    (project / "specs" / "platforms" / "localhost.hpcspec").unlink()
    assert run(project, "compile", "ring.hpcspec", "-o", "out")[0] == 0  # now the shipped one
    assert run(project, "compile", "ring.hpcspec", "-o", "out", "--check")[:2] == (0, False)
    shutil.copyfile(SPECS / "platforms" / "localhost.hpcspec", project / "specs" / "platforms" / "localhost.hpcspec")
    code, full, _, _ = run(project, "compile", "ring.hpcspec", "-o", "out", "--check")
    assert full


def test_hpcspec_path_is_part_of_the_search_path(project: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    code, full, _, _ = run(project, "compile", "ring.hpcspec", "-o", "out", "--check",
                           env={"HPCSPEC_PATH": str(extra)})
    assert (code, full) == (0, True)


def test_another_output_directory_or_target_list_is_another_run(project: Path) -> None:
    assert run(project, "compile", "ring.hpcspec", "-o", "elsewhere", "--check")[:2] == (1, True)
    assert run(project, "compile", "ring.hpcspec", "-o", "out", "--target", "localhost", "--check")[1]


def test_warnings_are_repeated_when_the_run_is_skipped(project: Path) -> None:
    spec = project / "ring.hpcspec"
    # an MPI 4.0 library in the container against a host MPI that implements MPI 3.1 (W0501)
    platform = project / "specs" / "platforms" / "localhost.hpcspec"
    platform.write_text(platform.read_text().replace('standard    = "4.0"', 'standard    = "3.1"', 1))
    spec.write_text(spec.read_text().replace('version = "4.0.2"', 'version = "4.0.2"\n    standard = "4.0"', 1))
    first = run(project, "compile", "ring.hpcspec", "-o", "out")
    assert first[0] == 0 and first[1] and "warning[" in first[3], first[3]
    second = run(project, "compile", "ring.hpcspec", "-o", "out")
    assert second[:2] == (0, False)
    assert second[3] == first[3]
    assert second[2] == first[2].replace("(written)", "(unchanged)")
    assert spec.exists()


def test_a_corrupt_stamp_is_ignored(project: Path, tmp_path: Path) -> None:
    stamps = list((tmp_path / "stamps" / "stamps").iterdir())
    assert stamps
    for stamp in stamps:
        stamp.write_text("{not json")
    assert run(project, "compile", "ring.hpcspec", "-o", "out", "--check")[:2] == (0, True)
    for stamp in stamps:
        stamp.write_text(json.dumps({"format": 1, "files": 3}))
    assert run(project, "compile", "ring.hpcspec", "-o", "out", "--check")[:2] == (0, True)


def test_settled_files_are_checked_by_stat_and_a_same_size_edit_is_still_seen(project: Path, tmp_path: Path) -> None:
    """Files written less than a second before the stamp are checked by content; once settled,
    a hit records their stat so later checks need no hashing. An edit that keeps the size
    changes mtime and ctime, so it is still seen."""
    time.sleep(1.2)
    assert run(project, "compile", "ring.hpcspec", "-o", "out", "--check")[:2] == (0, False)
    [stamp] = (tmp_path / "stamps" / "stamps").iterdir()
    recorded = json.loads(stamp.read_text())
    entries = list(recorded["files"].values()) + [e for files in recorded["outputs"].values()
                                                  for _, e in files.values()]
    assert entries and all(signature is not None for _, signature in entries)
    script = project / "out" / "mpi-ring" / "localhost" / "job.slurm"
    text = script.read_text()
    script.write_text(text.replace("#SBATCH", "#SBATCX", 1))  # same size
    code, full, out, _ = run(project, "compile", "ring.hpcspec", "-o", "out", "--check")
    assert (code, full) == (1, True) and "SBATCX" in out


def test_a_retargeted_symlink_to_the_spec_is_another_run(project: Path) -> None:
    """The spec is reached through a symlink; pointing the link at another spec must not find
    the old stamp "unchanged"."""
    other = project / "other.hpcspec"
    other.write_text((project / "ring.hpcspec").read_text().replace('version     = "1.0"', 'version     = "2.0"'))
    link = project / "link.hpcspec"
    link.symlink_to("ring.hpcspec")
    assert run(project, "compile", "link.hpcspec", "-o", "out")[0] == 0
    assert run(project, "compile", "link.hpcspec", "-o", "out", "--check")[:2] == (0, False)
    link.unlink()
    link.symlink_to("other.hpcspec")
    code, full, out, _ = run(project, "compile", "link.hpcspec", "-o", "out", "--check")
    assert (code, full) == (1, True) and "2.0" in out


def test_a_retargeted_output_symlink_is_another_run(project: Path) -> None:
    (project / "elsewhere").mkdir()
    link = project / "out-link"
    link.symlink_to("out")
    assert run(project, "compile", "ring.hpcspec", "-o", "out-link")[0] == 0
    assert run(project, "compile", "ring.hpcspec", "-o", "out-link", "--check")[:2] == (0, False)
    link.unlink()
    link.symlink_to("elsewhere")  # an empty directory: --check must fail, not say "unchanged"
    assert run(project, "compile", "ring.hpcspec", "-o", "out-link", "--check")[:2] == (1, True)


def test_an_upgraded_dependency_or_plugin_is_another_run(project: Path, tmp_path: Path) -> None:
    """A directory on the import path changes when a package is installed, upgraded or removed
    there (archspec's CPU tables, a backend plug-in): the stamp records each with its mtime."""
    site = tmp_path / "site"
    site.mkdir()
    env = {"PYTHONPATH": str(site)}
    assert run(project, "compile", "ring.hpcspec", "-o", "out", env=env)[0] == 0
    assert run(project, "compile", "ring.hpcspec", "-o", "out", "--check", env=env)[:2] == (0, False)
    (site / "archspec-99.0.dist-info").mkdir()  # as pip leaves it after an upgrade
    assert run(project, "compile", "ring.hpcspec", "-o", "out", "--check", env=env)[1]


def test_archspec_tables_named_by_the_environment_are_inputs(project: Path, tmp_path: Path) -> None:
    import archspec

    tables = tmp_path / "cpu"
    tables.mkdir()
    shipped = Path(archspec.__file__).parent / "json" / "cpu"
    for name in ("microarchitectures.json", "microarchitectures_schema.json"):
        shutil.copyfile(shipped / name, tables / name)
    env = {"ARCHSPEC_CPU_DIR": str(tables)}
    assert run(project, "compile", "ring.hpcspec", "-o", "out", "--check")[:2] == (0, False)
    assert run(project, "compile", "ring.hpcspec", "-o", "out", "--check", env=env)[1], "a new variable"
    assert run(project, "compile", "ring.hpcspec", "-o", "out", "--check", env=env)[:2] == (0, False)
    with (tables / "microarchitectures.json").open("a") as handle:
        handle.write("\n")
    assert run(project, "compile", "ring.hpcspec", "-o", "out", "--check", env=env)[1], "the table changed"


def test_the_cache_is_private_and_holds_nothing_that_runs(project: Path, tmp_path: Path) -> None:
    cache = tmp_path / "stamps"
    assert (cache.stat().st_mode & 0o777) == 0o700 and (cache / "stamps").stat().st_mode & 0o077 == 0
    assert sorted(p.name for p in cache.iterdir()) == ["stamps"], "no compiled templates or pickles"
    for stamp in (cache / "stamps").iterdir():
        json.loads(stamp.read_text())  # plain data
    os.chmod(cache, 0o777)  # writable by others: stamps there could have been planted
    assert run(project, "compile", "ring.hpcspec", "-o", "out", "--check")[:2] == (0, True)
    os.chmod(cache, 0o700)
    assert run(project, "compile", "ring.hpcspec", "-o", "out", "--check")[:2] == (0, False)


def test_a_relative_xdg_cache_home_is_ignored(project: Path, tmp_path: Path) -> None:
    env = {"HPCSPEC_CACHE_DIR": "", "XDG_CACHE_HOME": "relative-cache", "HOME": str(tmp_path / "home")}
    env_clean = {k: v for k, v in env.items() if v}
    full_env = {k: v for k, v in os.environ.items() if k != "HPCSPEC_CACHE_DIR"}
    full_env.update(env_clean)
    proc = subprocess.run([sys.executable, "-c", PROBE, "compile", "ring.hpcspec", "-o", "out"], cwd=project,
                          capture_output=True, text=True, env=full_env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert not (project / "relative-cache").exists()
    assert (tmp_path / "home" / ".cache" / "hpcspec" / "stamps").is_dir()


def test_a_fifo_where_a_stamp_should_be_is_ignored(project: Path, tmp_path: Path) -> None:
    [stamp] = (tmp_path / "stamps" / "stamps").iterdir()
    stamp.unlink()
    os.mkfifo(stamp)
    started = time.monotonic()
    assert run(project, "compile", "ring.hpcspec", "-o", "out", "--check")[:2] == (0, True)
    assert time.monotonic() - started < 30
