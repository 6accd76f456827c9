"""The end-to-end environment: a real Slurm cluster on loopback, Charliecloud, Debian's MPICH.

Locally the tests skip with the reason when the machine cannot run them (not root, not
Debian). With HPCSPEC_E2E=required (set by .ci/run) they fail instead: CI must run them.

Nothing here depends on the user's home or git configuration, and no failed or interrupted run
can poison the next: the only state kept between runs is the debootstrapped base file system
(`$HPCSPEC_E2E_CACHE/bookworm`, published by a rename once complete); each session imports it
into a ch-image storage of its own (under a second), with Charliecloud's git-based build cache
turned off and HOME a fresh directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PROVISION = HERE / "provision.sh"
PROVISION_SGE = HERE / "provision-sge.sh"
CACHE = Path(os.environ.get("HPCSPEC_E2E_CACHE", "/var/cache/hpcspec-e2e"))


@dataclass
class Cluster:
    directory: Path
    env: dict[str, str]

    def run(self, *argv: str, cwd: Path | None = None, timeout: int = 600, check: bool = True):
        proc = subprocess.run(list(argv), cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    def ch_image(self, *argv: str, cwd: Path | None = None, timeout: int = 900):
        # Debian's ch-image runs on Debian's python3 (with python3-lark), not on a venv's
        return self.run("/usr/bin/python3", "/usr/bin/ch-image", *argv, cwd=cwd, timeout=timeout)


def _why_not() -> str | None:
    if os.name != "posix" or not Path("/etc/debian_version").exists():
        return "the end-to-end tests need Debian (apt packages: slurm-wlm, munge, mpich, charliecloud)"
    if os.geteuid() != 0:
        return "the end-to-end tests need root (to install packages and start munge and Slurm)"
    if shutil.which("apt-get") is None and shutil.which("sbatch") is None:
        return "no apt-get to install Slurm with"
    return None


def _unavailable(reason: str):
    if os.environ.get("HPCSPEC_E2E") == "required":
        pytest.fail(f"end-to-end tests required but they cannot run here: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory) -> Cluster:
    reason = _why_not()
    if reason:
        _unavailable(reason)
    directory = tmp_path_factory.mktemp("slurm")
    home = tmp_path_factory.mktemp("home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM_", "HPCSPEC_", "GIT_", "CH_"))}
    env.update(SLURM_CONF=str(directory / "slurm.conf"), CH_IMAGE_STORAGE=str(tmp_path_factory.mktemp("ch") / "storage"),  # ch-image makes it
               CH_IMAGE_CACHE="disabled", HOME=str(home), GIT_CONFIG_NOSYSTEM="1",
               GIT_CONFIG_GLOBAL=str(home / ".gitconfig"), USER=env.get("USER") or "root")
    for step in (["install"], ["base-image", str(CACHE)]):
        proc = subprocess.run([str(PROVISION), *step], env=env, capture_output=True, text=True, timeout=900)
        if proc.returncode != 0:
            _unavailable(f"provision.sh {step[0]} failed: {proc.stderr.strip()[-2000:]}")
    proc = subprocess.run([str(PROVISION), "start", str(directory)], env=env, capture_output=True, text=True,
                          timeout=120)
    if proc.returncode != 0:
        subprocess.run([str(PROVISION), "stop", str(directory)], env=env, timeout=60)
        _unavailable(f"provision.sh start failed: {proc.stderr.strip()[-2000:]}")
    yield Cluster(directory, env)
    subprocess.run([str(PROVISION), "stop", str(directory)], env=env, timeout=60)


@dataclass
class GridEngine:
    env: dict[str, str]

    def run(self, *argv: str, cwd: Path | None = None, timeout: int = 600, check: bool = True):
        proc = subprocess.run(list(argv), cwd=cwd, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc


@pytest.fixture(scope="session")
def gridengine(cluster) -> GridEngine:
    """A one-node Grid Engine (Son of Grid Engine 8.1.9) beside the Slurm cluster, with a
    parallel environment `mpi` (tests/e2e/provision-sge.sh)."""
    for step in ("install", "start"):
        proc = subprocess.run([str(PROVISION_SGE), step], env=cluster.env, capture_output=True, text=True,
                              timeout=900)
        if proc.returncode != 0:
            _unavailable(f"provision-sge.sh {step} failed: {proc.stderr.strip()[-2000:]}")
    said = subprocess.run([str(PROVISION_SGE), "env"], env=cluster.env, capture_output=True, text=True, timeout=60)
    env = dict(cluster.env)
    env.update(line.split("=", 1) for line in said.stdout.splitlines() if "=" in line)
    yield GridEngine(env)
    subprocess.run([str(PROVISION_SGE), "stop"], env=env, capture_output=True, timeout=120)


def pytest_collection_modifyitems(items):
    """Under pytest-xdist (scripts/test runs two or more workers), every end-to-end test runs
    on one worker: they share one Slurm cluster on fixed ports, one Grid Engine and one
    ch-image storage, set up once per session."""
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.xdist_group("e2e"))
