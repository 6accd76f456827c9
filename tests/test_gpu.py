"""GPU targets: each rank its own GPU and the cores nearest it, derived from the node's facts;
the runtime made to see the GPUs; GPU-aware MPI; the image's CUDA/ROCm against the driver."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hpcspec.api import compile_files

SUPPORT = Path(__file__).parent / "diagnostics" / "cases" / "support"
GPUSITE = (SUPPORT / "gpusite.hpcspec").read_text()
PBSSITE = (SUPPORT / "pbssite.hpcspec").read_text()

CODE = """import "./{site}.hpcspec"
code demo {{
  version = "1.0"
  source {{ url = "https://example.org/demo.tar.gz"
           sha256 = "5f2b1c0ab7a50a6e4f3ef2b8b6c4a1a2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8" }}
  image {{ from = "debian:bookworm" {image} }}
  mpi {{ name = "mpich" abi = "mpich" version = "4.0.2" }}
  build cmake {{ {build} }}
  run {{ executable = "bin/demo" }}
  target t {{
    platform = "{site}"
    mpi = "cray-mpich"
    compiler = "gnu"
    {target}
    job {{ {job} walltime = 1h }}
  }}
}}
"""


def _compile(tmp_path: Path, site_text: str = GPUSITE, site: str = "gpusite", job: str = "", target: str = "",
             image: str = 'cuda = "12.2"', build: str = "", ok: bool = True):
    (tmp_path / f"{site}.hpcspec").write_text(site_text)
    (tmp_path / "demo.hpcspec").write_text(CODE.format(site=site, job=job, target=target, image=image, build=build))
    result = compile_files([str(tmp_path / "demo.hpcspec")])
    if not ok:
        return result
    assert result.ok, [d.message for d in result.diagnostics]
    return {a.path: a.content.decode().replace(" \\\n  ", " ") for a in result.artifacts}


def _wrapper_map(job: str, variable: str) -> dict[int, str]:
    body = job[job.index("<<'HPCSPEC_GPU'"):job.index("\nHPCSPEC_GPU\n")]
    return {int(rank): devices for rank, devices in re.findall(rf"^  (\d+)\) {variable}=(\S+) ;;$", body, re.M)}


def test_the_scheduler_binds_a_gpu_per_task_where_the_site_lets_it(tmp_path):
    job = _compile(tmp_path, job="tasks_per_node = 4 gpus_per_task = 1")["demo/t/job.slurm"]
    assert "srun --mpi=cray_shasta --gpus-per-task=1 apptainer exec --nv " in job
    assert "gpu_wrapper" not in job, "Slurm gives each task its GPU: no wrapper"
    assert "#SBATCH --gres" not in job


def test_a_wrapper_and_the_cores_nearest_each_gpu_where_it_does_not(tmp_path):
    site = GPUSITE.replace("launcher srun { }", 'launcher srun { gpu_binding = "wrapper" }')
    job = _compile(tmp_path, site, job="tasks_per_node = 4 gpus_per_task = 1")["demo/t/job.slurm"]
    # GPU 0's cores are 48-63, GPU 3's 0-15 (the node's gpu block): rank i gets GPU i and the
    # first core near it
    assert _wrapper_map(job, "CUDA_VISIBLE_DEVICES") == {0: "0", 1: "1", 2: "2", 3: "3"}
    assert "--cpu-bind=map_cpu:48,32,16,0 " in job
    assert re.search(r'srun [^\n]*"\$\{gpu_wrapper\}" apptainer exec --nv ', job)

    wide = _compile(tmp_path, site, job="tasks_per_node = 4 cpus_per_task = 16 gpus_per_task = 1")["demo/t/job.slurm"]
    assert "--cpu-bind=mask_cpu:0xffff000000000000,0xffff00000000,0xffff0000,0xffff " in wide


def test_lumi_g_binding_is_derived_not_written(tmp_path):
    """LUMI-G's documented `--cpu-bind=map_cpu:49,57,17,25,1,9,33,41` for 8 ranks, one GCD each,
    comes out of the GCD-to-core facts of the shipped spec (core 0 of each CCD reserved)."""
    root = Path(__file__).resolve().parents[1] / "specs" / "platforms"
    if not (root / "lumi-g.hpcspec").exists():
        pytest.fail("specs/platforms/lumi-g.hpcspec is shipped")
    (tmp_path / "demo.hpcspec").write_text(CODE.format(
        site="lumi-g", job="nodes = 2 tasks_per_node = 8 gpus_per_task = 1", target='',
        image='rocm = "6.0.3"', build="").replace('import "./lumi-g.hpcspec"', 'import "lumi-g"')
        .replace('mpi = "cray-mpich"', 'mpi = "cray-mpich-23.09"'))
    result = compile_files([str(tmp_path / "demo.hpcspec")])
    assert result.ok, [d.message for d in result.diagnostics]
    job = next(a.content.decode() for a in result.artifacts if a.path == "demo/t/job.slurm")
    assert "--cpu-bind=map_cpu:49,57,17,25,1,9,33,41" in job
    assert _wrapper_map(job, "ROCR_VISIBLE_DEVICES") == {i: str(i) for i in range(8)}


def test_pbs_and_pals_bind_cores_by_depth_and_pick_the_nearest_gpu(tmp_path):
    """Polaris: mpiexec --depth D --cpu-bind depth puts local rank 0 on cores 0-7, which are
    nearest GPU 3, so the wrapper counts down (ALCF's set_affinity_gpu_polaris.sh)."""
    site = PBSSITE.replace("    microarch = \"zen3\"\n", """    microarch = "zen3"
    gpus = 4
    gpu {
      vendor = "nvidia"
      arch = "sm_80"
      max_runtime = "12.2"
      cores = ["24-31,56-63", "16-23,48-55", "8-15,40-47", "0-7,32-39"]
    }
""")
    job = _compile(tmp_path, site, "pbssite", job="nodes = 2 tasks_per_node = 4 cpus_per_task = 8 gpus_per_task = 1 "
                       'resources { filesystems = "home" }',
                   build='links = ["xpmem"]')["demo/t/job.pbs"]
    assert "--ppn 4 --depth 8 --cpu-bind depth" in job
    assert _wrapper_map(job, "CUDA_VISIBLE_DEVICES") == {0: "3", 1: "2", 2: "1", 3: "0"}
    assert "PALS_LOCAL_RANKID" in job
    assert "#PBS -l select=2:ngpus=4" in job.replace(":system=demo", "")


def test_gpu_aware_mpi_preloads_the_gtl_unless_the_code_links_it(tmp_path):
    site = GPUSITE.replace('    plugin = "cray_shasta"\n', '''    plugin = "cray_shasta"
    gtl = "/opt/cray/pe/mpich/8.1.28/gtl/lib/libmpi_gtl_cuda.so.0"
    gpu_env { MPICH_GPU_SUPPORT_ENABLED = "1" }
''')
    job = _compile(tmp_path, site, job="tasks_per_node = 4 gpus_per_task = 1")["demo/t/job.slurm"]
    assert "MPICH_GPU_SUPPORT_ENABLED=1" in job
    assert "LD_PRELOAD=/opt/cray/pe/mpich/8.1.28/gtl/lib/libmpi_gtl_cuda.so.0" in job

    linked = _compile(tmp_path, site, job="tasks_per_node = 4 gpus_per_task = 1",
                      build='links = ["mpi_gtl_cuda"]')["demo/t/job.slurm"]
    assert "MPICH_GPU_SUPPORT_ENABLED=1" in linked and "LD_PRELOAD" not in linked

    off = _compile(tmp_path, site, job="tasks_per_node = 4 gpus_per_task = 1",
                   target="gpu_aware_mpi = false")["demo/t/job.slurm"]
    assert "MPICH_GPU_SUPPORT_ENABLED" not in off and "LD_PRELOAD" not in off

    cpu = _compile(tmp_path, site, job="tasks_per_node = 4")["demo/t/job.slurm"]
    assert "MPICH_GPU_SUPPORT_ENABLED" not in cpu, "a CPU-only target of the same site is not GPU-aware"


def test_gpus_without_a_native_switch_come_from_the_nodes_driver_binds(tmp_path):
    site = GPUSITE.replace('runtime apptainer { version = "1.3.4" }', 'runtime charliecloud { version = "0.38" }') \
        .replace('      cores = ["48-63"', '''      binds = ["/usr/lib64/nvidia:/opt/hpcspec/nvidia"]
      bind_files = ["/dev/nvidia0", "/dev/nvidiactl"]
      ld_library_path = ["/opt/hpcspec/nvidia"]
      cores = ["48-63"''')
    out = _compile(tmp_path, site, job="tasks_per_node = 4 gpus_per_task = 1")
    job = out["demo/t/job.slurm"]
    assert "-b /usr/lib64/nvidia:/opt/hpcspec/nvidia" in job and "-b /dev/nvidia0:/dev/nvidia0" in job
    assert "/opt/hpcspec/nvidia" in out["demo/t/env"]
    cpu = _compile(tmp_path, site, job="tasks_per_node = 4")["demo/t/job.slurm"]
    assert "nvidia" not in cpu, "the driver is bound only for targets that use GPUs"


@pytest.mark.parametrize("job, words", [
    ("tasks_per_node = 8 gpus_per_task = 1", "8 GPUs per node asked for"),
    ("tasks_per_node = 4 gpus_per_task = 1 cpus_per_task = 32", "cores"),
])
def test_gpu_job_shapes_that_do_not_fit_are_refused(tmp_path, job, words):
    result = _compile(tmp_path, job=job, ok=False)
    assert not result.ok and result.diagnostics
    assert any(words in d.message for d in result.diagnostics), [d.message for d in result.diagnostics]
