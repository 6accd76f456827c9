"""Engines that run images by name: CSCS Alps' Container Engine (an EDF per target), NERSC's
podman-hpc and Shifter, Podman. What each emits, checked against the engines' documentation."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from hpcspec.api import compile_files

from support import CODES

SUPPORT = Path(__file__).parent / "diagnostics" / "cases" / "support"
CESITE = (SUPPORT / "cesite.hpcspec").read_text()
TESTSITE = (SUPPORT / "testsite.hpcspec").read_text()

# The keys of an Environment Definition File [CSCS docs, container-engine/edf.md]
EDF_KEYS = {"base_environment", "image", "workdir", "entrypoint", "writable", "mounts", "env", "annotations"}
# annotations the resource-hook documentation names (all values are strings)
EDF_ANNOTATIONS = re.compile(r"com\.hooks\.(cxi\.enabled|aws_ofi_nccl\.(enabled|variant)|nvidia_cuda_mps\.enabled"
                             r"|ssh\.(enabled|authorize_ssh_key|port)|netstack\.(source|version|name))"
                             r"|com\.pyxis\.(pytorch_remap_vars|entrypoint_log)")

CODE = """import "./{site}.hpcspec"
code demo {{
  version = "1.0"
  source {{ url = "https://example.org/demo.tar.gz"
           sha256 = "5f2b1c0ab7a50a6e4f3ef2b8b6c4a1a2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8" }}
  image {{ from = "debian:bookworm" }}
  mpi {{ name = "mpich" abi = "mpich" version = "4.0.2" transport = "ofi" }}
  build cmake {{ }}
  run {{ executable = "bin/demo" }}
  target t {{
    platform = "{site}"
    mpi = "{mpi}"
    compiler = "gnu"
    {target}
    job {{ tasks_per_node = 4 walltime = 1h }}
  }}
}}
"""


def _compile(tmp_path: Path, site_text: str, site: str, mpi: str, target: str = "", ok: bool = True):
    (tmp_path / f"{site}.hpcspec").write_text(site_text)
    (tmp_path / "demo.hpcspec").write_text(CODE.format(site=site, mpi=mpi, target=target))
    result = compile_files([str(tmp_path / "demo.hpcspec")])
    if not ok:
        return result
    assert result.ok, [d.message for d in result.diagnostics]
    return {a.path: a.content.decode() for a in result.artifacts}


def _flatten(table: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _check_edf(text: str) -> dict:
    edf = tomllib.loads(text)
    assert set(edf) <= EDF_KEYS, set(edf) - EDF_KEYS
    assert isinstance(edf["image"], str) and edf["image"]
    assert all(isinstance(m, str) and m.count(":") in (1, 2) for m in edf.get("mounts", []))
    assert all(isinstance(v, str) for v in edf.get("env", {}).values()), "EDF [env] values are strings"
    for key, value in _flatten(edf.get("annotations", {})).items():
        assert EDF_ANNOTATIONS.fullmatch(key), f"annotation {key} is not in the EDF documentation"
        assert isinstance(value, str)
    return edf


def test_every_shipped_edf_parses_and_holds_only_documented_keys(tmp_path):
    from hpcspec.cli import main

    seen = 0
    for code in CODES:
        out = tmp_path / code.stem
        assert main(["compile", str(code), "-o", str(out)]) == 0
        for path in sorted(out.rglob("edf.toml")):
            edf = _check_edf(path.read_text())
            job = path.with_name("job.slurm").read_text()
            # the job writes the same file next to its inputs and hands srun its absolute path
            assert path.read_text() in job
            assert re.search(r'^srun [^\n]*--environment="\$\{edf\}"', job, re.M)
            assert "#SBATCH --environment" not in job, "CSCS discourages --environment in #SBATCH"
            assert edf["image"] == "${HPCSPEC_EDF_IMAGE}"
            seen += 1
    assert seen >= 2, "the shipped examples target Alps (Daint and Eiger)"


def test_edf_escapes_dollars_and_quotes_and_takes_mounts(tmp_path):
    site = CESITE.replace('  job { partition', '  binds = ["/capstor/scratch:/scratch:ro"]\n  job { partition')
    out = _compile(tmp_path, site, "cesite", "mpich-ofi",
                   target='model = "hook"\n    env { GREETING = "cost $5 \\"now\\"" }')
    edf = _check_edf(out["demo/t/edf.toml"])
    assert edf["env"]["GREETING"] == 'cost $$5 "now"', "EDF expands ${VAR}: a literal $ is $$"
    # the site's binds, then the job's directory at its own path (expanded by the engine)
    assert edf["mounts"] == ["/capstor/scratch:/scratch:ro", "${HPCSPEC_EDF_WORKDIR}:${HPCSPEC_EDF_WORKDIR}"]
    assert edf["workdir"] == "${HPCSPEC_EDF_WORKDIR}"
    assert edf["annotations"] == {"com": {"hooks": {"cxi": {"enabled": "true"}}}}
    job = out["demo/t/job.slurm"]
    assert "srun --mpi=pmi2 " in job


@pytest.mark.parametrize("annotations, words", [
    ('["com.hooks.cxi.enabled=true", "com.hooks.cxi.enabled=false"]', "clashes"),
    ('["com.hooks.cxi=true", "com.hooks.cxi.enabled=true"]', "clashes"),
    ('["com..hooks=true"]', "is not an annotation"),
    ('["com.hooks.cxi.enabled=true image=evil"]', "is not an annotation"),
])
def test_annotations_that_would_break_the_toml_are_refused(tmp_path, annotations, words):
    site = CESITE.replace('annotations = ["com.hooks.cxi.enabled=true"]', f"annotations = {annotations}")
    result = _compile(tmp_path, site, "cesite", "mpich-ofi", target='model = "hook"', ok=False)
    assert not result.ok
    assert any(words in d.message for d in result.diagnostics), [d.message for d in result.diagnostics]
    assert all(d.span is not None and d.span.file.endswith("cesite.hpcspec") for d in result.diagnostics)


def test_the_container_engine_refuses_the_bind_model(tmp_path):
    result = _compile(tmp_path, CESITE, "cesite", "mpich-ofi", target='model = "bind"', ok=False)
    assert [d.code for d in result.diagnostics] == ["E0506"]


def _podman_hpc_site(runtime: str) -> str:
    site = TESTSITE.replace('runtime singularity { version = "3.7.4" }', runtime)
    site = site.replace('  launcher mpirun { kind = "openmpi" hostfile = true }\n', '')
    site = site[:site.index("  mpi openmpi {")] + site[site.index("  compiler gnu"):]
    return site.replace('    plugin = "cray_shasta"\n', '    plugin = "cray_shasta"\n    runtime_modules = ["mpi"]\n', 1)


def test_podman_hpc_takes_the_host_mpi_from_its_module(tmp_path):
    out = _compile(tmp_path, _podman_hpc_site('runtime podman-hpc { version = "1.1.0" }'), "testsite", "cray-mpich")
    job = re.sub(r" \\\n +", " ", out["demo/t/job.slurm"])
    assert re.search(r'srun [^\n]*podman-hpc run --rm --mpi --volume /opt/cray:/opt/cray '
                     r'--volume "\$\{workdir\}:\$\{workdir\}" --workdir "\$\{workdir\}" --env-file ', job)
    assert "demo:1.0" in job, "podman-hpc runs the migrated image by name"
    assert "--bind" not in job


def test_podman_hpc_without_an_mpi_module_is_refused(tmp_path):
    site = _podman_hpc_site('runtime podman-hpc { version = "1.1.0" }').replace('    runtime_modules = ["mpi"]\n', '')
    result = _compile(tmp_path, site, "testsite", "cray-mpich", ok=False)
    assert [d.code for d in result.diagnostics] == ["E0507"]


def test_shifter_takes_image_modules_and_volumes_as_job_options(tmp_path):
    site = _podman_hpc_site('runtime shifter { version = "18.03.0" }').replace('runtime_modules = ["mpi"]', 'runtime_modules = ["mpich"]')
    site = site.replace('binds = ["/opt/cray"]', 'binds = ["/opt/cray", "/global/common:/common"]')
    out = _compile(tmp_path, site, "testsite", "cray-mpich", target='image = "registry.nersc.gov/demo/demo:1.0"')
    job = out["demo/t/job.slurm"]
    assert "#SBATCH --image=docker:registry.nersc.gov/demo/demo:1.0" in job
    assert "#SBATCH --module=mpich" in job
    assert "#SBATCH --volume=/opt/cray:/opt/cray;/global/common:/common" in job
    assert re.search(r"^srun [^\n]*shifter /opt/app/demo/1.0/", job.replace(" \\\n  ", " "), re.M)
    assert '--env-file "' not in job, "the job's environment passes into a Shifter container"
    assert "export LD_LIBRARY_PATH=/opt/cray/pe/mpich/8.1.23/ofi/gnu/9.1/lib-abi-mpich" in job


@pytest.mark.parametrize("runtime", ['runtime podman { version = "4.3.1" }',
                                     'runtime podman-hpc { version = "1.1.0" }'])
def test_podman_runtimes_refuse_the_host_model(tmp_path, runtime):
    # no writable sandbox to rebuild an image on the host, unlike Apptainer and Singularity
    result = _compile(tmp_path, _podman_hpc_site(runtime), "testsite", "cray-mpich", target='model = "host"', ok=False)
    assert [d.code for d in result.diagnostics] == ["E0506"], [d.message for d in result.diagnostics]
    assert "bind" in result.diagnostics[0].help
