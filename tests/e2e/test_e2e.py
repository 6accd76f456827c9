"""What hpcspec emits, run for real: Slurm runs the batch script, Charliecloud runs the container
built from the generated Dockerfile, and every rank loads the host's MPI brought in by the bind
manifest."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RING = ROOT / "specs" / "codes" / "mpi-ring.hpcspec"
LOCALHOST = ROOT / "specs" / "platforms" / "localhost.hpcspec"
LINE = re.compile(r"rank=(\d+) size=(\d+) host=(\S+) container=(yes|no) libmpi=(\S+) libmpi_inode=(\d+)")

pytestmark = pytest.mark.e2e


def hpcspec(cluster, *args: str, cwd: Path | None = None, check: bool = True):
    return cluster.run(sys.executable, "-m", "hpcspec", *args, cwd=cwd, check=check)


def _mpi_block(text: str) -> str:
    match = re.search(r"^  mpi mpich \{\n.*?^  \}\n", text, re.M | re.S)
    assert match, "no `mpi mpich` block"
    return match.group(0)


def test_probe_finds_debian_mpich_and_prints_the_shipped_block(cluster):
    proc = hpcspec(cluster, "probe", "--name", "mpich")
    print(proc.stdout)
    assert _mpi_block(proc.stdout) == _mpi_block(LOCALHOST.read_text()), \
        "specs/platforms/localhost.hpcspec no longer matches what `hpcspec probe` finds on this machine"
    data = json.loads(hpcspec(cluster, "probe", "--name", "mpich", "--format", "json").stdout)
    assert data["abi"] == "mpich" and data["soname"] == "libmpich.so.12"
    assert data["version"] == "4.0.2" and data["standard"] == "4.0"
    assert any(s.startswith("libc.so.6") for s in data["skipped"])
    assert "pmi2" in data["plugins_offered"]


@pytest.fixture(scope="module")
def ring(cluster, tmp_path_factory):
    out = tmp_path_factory.mktemp("ring-out")
    hpcspec(cluster, "compile", str(RING), "-o", str(out))
    code = out / "mpi-ring"
    cluster.ch_image("build", "--force", "-t", "mpi-ring", "-f", "Dockerfile", ".", cwd=code)
    manifest = json.loads((code / "localhost" / "manifest.json").read_text())
    return code, manifest


def test_localhost_platforms_bind_the_same_host_mpi():
    """localhost (Slurm) and localhost-sge (Grid Engine) describe one machine: one MPI."""
    from hpcspec.api import compile_files

    result = compile_files([str(RING)])
    assert result.ok, result.diagnostics
    manifests = {a.path.split("/")[1]: json.loads(a.content) for a in result.artifacts if a.path.endswith("manifest.json")}
    assert manifests["localhost"]["binds"] == manifests["localhost-sge"]["binds"]
    assert manifests["localhost"]["ld_library_path"] == manifests["localhost-sge"]["ld_library_path"]


def _submit(cluster, script: Path, workdir: Path) -> tuple[int, str]:
    proc = cluster.run("sbatch", "--wait", "--output", str(workdir / "job.out"), str(script),
                       cwd=workdir, check=False, timeout=300)
    output = (workdir / "job.out").read_text() if (workdir / "job.out").exists() else ""
    print(f"sbatch exit {proc.returncode}\n{proc.stdout}{proc.stderr}--- job output ---\n{output}")
    return proc.returncode, output


def _ranks(output: str) -> list[dict]:
    return [dict(zip(("rank", "size", "host", "container", "libmpi", "inode"), m.groups()))
            for m in LINE.finditer(output)]


def test_ring_runs_in_the_container_with_the_host_mpi(cluster, ring, tmp_path):
    code, manifest = ring
    status, output = _submit(cluster, code / "localhost" / "job.slurm", tmp_path)
    assert status == 0, "the job did not complete"
    _assert_host_mpi_in_every_rank(output, manifest)


def _assert_host_mpi_in_every_rank(output: str, manifest: dict) -> list[dict]:
    bound = next(b for b in manifest["binds"] if Path(b["container"]).name.startswith("libmpi"))
    ranks = _ranks(output)
    assert len(ranks) >= 2 and {int(r["size"]) for r in ranks} == {len(ranks)}, output
    assert "ring ok: token=%d" % len(ranks) in output
    for rank in ranks:
        assert rank["container"] == "yes", f"rank {rank['rank']} ran outside the container"
        assert rank["libmpi"] == bound["container"], f"rank {rank['rank']} loaded {rank['libmpi']}"
        assert int(rank["inode"]) == os.stat(bound["host"]).st_ino, "the mapped libmpi is not the host's file"
    return ranks


def test_ring_runs_under_grid_engine_with_the_host_mpi(cluster, gridengine, ring, tmp_path):
    """The same image, the Grid Engine target: qsub runs job.sge in the parallel environment
    `mpi`, Hydra's mpiexec starts one ch-run per rank from $PE_HOSTFILE, and every rank loads
    the host's libmpi from the bound path."""
    code, _ = ring
    manifest = json.loads((code / "localhost-sge" / "manifest.json").read_text())
    image = Path(cluster.env["CH_IMAGE_STORAGE"]) / "img" / "mpi-ring"
    out = tmp_path / "job.out"
    # -sync y waits for the job; `timeout` guards against a job that goes back to the queue
    proc = gridengine.run("timeout", "300", "qsub", "-sync", "y", "-o", str(out), "-v", f"HPCSPEC_IMAGE={image}",
                          str(code / "localhost-sge" / "job.sge"), cwd=tmp_path, check=False, timeout=320)
    output = out.read_text() if out.exists() else ""
    print(f"qsub exit {proc.returncode}\n{proc.stdout}{proc.stderr}--- job output ---\n{output}")
    assert proc.returncode == 0, "the Grid Engine job did not complete"
    _assert_host_mpi_in_every_rank(output, manifest)


def test_ring_runs_in_podman_containers_with_the_host_mpi(cluster, ring, tmp_path):
    """The same image in Podman (converted from ch-image storage): under Slurm, Hydra's mpiexec
    starts one `podman run` per rank, and every rank loads the host's libmpi from its bind."""
    code, _ = ring
    manifest = json.loads((code / "localhost-podman" / "manifest.json").read_text())
    reference = manifest["image"]
    cluster.run("podman", "rmi", "-f", reference, check=False)
    # the image ch-image built, imported as it is (an uncompressed tar of its root file system)
    storage = Path(cluster.env["CH_IMAGE_STORAGE"]) / "img" / "mpi-ring"
    cluster.run("bash", "-c", f'tar -C "{storage}" -cf - . | podman import - "{reference}"', timeout=600)
    try:
        status, output = _submit(cluster, code / "localhost-podman" / "job.slurm", tmp_path)
    finally:
        cluster.run("podman", "rmi", "-f", reference, check=False)
    assert status == 0, "the podman job did not complete"
    ranks = _assert_host_mpi_in_every_rank(output, manifest)
    assert len({r["inode"] for r in ranks}) == 1


def test_without_the_bind_manifest_the_container_mpi_is_used(cluster, ring, tmp_path):
    """The same job with the bind manifest emptied: the manifest is what brings the host MPI in."""
    code, manifest = ring
    spec_dir = tmp_path / "spec"
    shutil.copytree(RING.parent / "mpi-ring", spec_dir / "mpi-ring")
    text = RING.read_text().replace(
        '    compiler = "gnu"\n',
        '    compiler = "gnu"\n    override {\n      mpi mpich {\n        bind_files = []\n'
        '        ld_library_path = []\n      }\n    }\n', 1)
    (spec_dir / "mpi-ring.hpcspec").write_text(text)
    out = tmp_path / "out"
    hpcspec(cluster, "compile", str(spec_dir / "mpi-ring.hpcspec"), "-o", str(out))
    variant = json.loads((out / "mpi-ring" / "localhost" / "manifest.json").read_text())
    assert variant["binds"] == [] and variant["ld_library_path"] == []
    host_lib = next(b["host"] for b in manifest["binds"] if Path(b["container"]).name.startswith("libmpi"))
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    status, output = _submit(cluster, out / "mpi-ring" / "localhost" / "job.slurm", run_dir)
    ranks = _ranks(output)
    if status != 0:
        print("without the manifest the job failed")
        return
    print("without the manifest the job ran on the container's own MPI")
    assert ranks, output
    for rank in ranks:
        assert rank["container"] == "yes"
        assert not rank["libmpi"].startswith("/opt/hpcspec/host/"), "a host library without its bind?"
        assert int(rank["inode"]) != os.stat(host_lib).st_ino, "the host's libmpi was loaded anyway"


SITE_RESOURCES = re.compile(
    r"invalid partition|Invalid partition name|Invalid qos|Invalid account|Requested node configuration "
    r"is not available|Invalid generic resource|Node count specification invalid|More processors requested "
    r"than permitted|Requested time limit is invalid|Job violates accounting/QOS policy"
    r"|Invalid feature specification"  # node features (Perlmutter's -C cpu|gpu)
    # the options of Shifter's Slurm plug-in, which this cluster does not load
    r"|unrecognized option '--(image|module|volume)=", re.I)


def test_every_generated_slurm_script_passes_sbatch_option_parsing(cluster, tmp_path):
    """The real sbatch parses every directive; only resources this one-node cluster lacks may fail."""
    hpcspec(cluster, "compile", *map(str, sorted((ROOT / "specs" / "codes").glob("*.hpcspec"))),
            "-o", str(tmp_path))
    scripts = sorted(tmp_path.glob("*/*/job.slurm"))
    assert len(scripts) >= 9
    for script in scripts:
        for extra in ([], ["--partition=debug"]):  # the second pass gets past the partition check
            proc = cluster.run("sbatch", "--test-only", *extra, str(script), check=False, cwd=tmp_path)
            if proc.returncode != 0:
                assert SITE_RESOURCES.search(proc.stderr), f"{script.relative_to(tmp_path)}: {proc.stderr}"


def test_every_generated_dockerfile_parses_with_ch_image(cluster, tmp_path):
    hpcspec(cluster, "compile", *map(str, sorted((ROOT / "specs" / "codes").glob("*.hpcspec"))),
            "-o", str(tmp_path))
    dockerfiles = sorted(tmp_path.glob("*/Dockerfile"))
    assert len(dockerfiles) >= 3
    for dockerfile in dockerfiles:
        proc = cluster.ch_image("build", "--parse-only", "-t", "parse-only", "-f", "Dockerfile", ".",
                                cwd=dockerfile.parent)
        assert "error" not in proc.stderr.lower(), proc.stderr


def test_a_link_stub_records_the_site_library_without_the_library(cluster, tmp_path):
    """ARCHER2's Cray MPICH wants codes linked against libxpmem, which no image holds: the build
    script makes a stub with the library's soname and links it, so the binary asks for the
    host's library, loaded from the bind at run time. Run the generated lines with a real
    compiler and read the result's DT_NEEDED."""
    out = tmp_path / "out"
    hpcspec(cluster, "compile", str(ROOT / "specs" / "codes" / "gromacs.hpcspec"), "-o", str(out),
            "--target", "archer2")
    script = (out / "gromacs" / "hpcspec" / "build" / "archer2.sh").read_text()
    stub_dir = re.search(r"^mkdir -p (\S+hpcspec-stubs)$", script, re.M).group(1)
    start = script.index("HPCSPEC_LINK_LIBS=")
    lines = script[start:script.index("\nexport ", start)]
    start = script.index(f"mkdir -p {stub_dir}")
    stubs = script[start:script.index("\ncmake ", start)]
    local = str(tmp_path / "stubs")
    program = tmp_path / "main.c"
    program.write_text("int main(void) { return 0; }\n")
    shell = "\n".join(["set -eu", lines, stubs, f'cc $LDFLAGS {program} -o {tmp_path / "main"}']).replace(stub_dir, local)
    cluster.run("sh", "-c", shell)
    needed = cluster.run("readelf", "-d", str(tmp_path / "main")).stdout
    assert "Shared library: [libxpmem.so.0]" in needed, needed
    assert not list((tmp_path / "out").rglob("libxpmem*")), "the stub is made by the build, not shipped"
