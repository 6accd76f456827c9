"""Bind, host and hybrid models; how each runtime takes binds and environment."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from hpcspec.api import compile_files

from support import SITE, minimal_code

def _compile(tmp_path: Path, mpi: str = "cray-mpich", extra: str = "", runtime: str | None = None):
    site = SITE if runtime is None else SITE.replace('runtime singularity { version = "3.7.4" }', runtime)
    (tmp_path / "testsite.hpcspec").write_text(site)
    (tmp_path / "demo.hpcspec").write_text(minimal_code(mpi=mpi, extra=extra + "\n    job { walltime = 1h tasks_per_node = 4 }"))
    result = compile_files([str(tmp_path / "demo.hpcspec")])
    assert result.ok, result.diagnostics
    # continuation lines joined, so that tests read commands whole
    return {a.path: a.content.decode().replace(" \\\n  ", " ") for a in result.artifacts}


def test_bind_model_binds_host_mpi_and_orders_library_path(tmp_path):
    out = _compile(tmp_path)
    manifest = json.loads(out["demo/t/manifest.json"])
    assert manifest["model"] == "bind"
    assert manifest["ld_library_path"] == ["/opt/cray/pe/mpich/8.1.23/ofi/gnu/9.1/lib-abi-mpich",
                                           "/.singularity.d/libs"]
    assert manifest["binds"] == [{"host": "/opt/cray", "container": "/opt/cray", "mode": "rw",
                                  "type": "directory"}]
    assert "srun --mpi=cray_shasta --hint=nomultithread singularity exec" in out["demo/t/job.slurm"]
    assert "sh /opt/hpcspec/build/t.sh" in out["demo/demo.def"], "built while the image is built"
    assert "demo/t/build-on-host.sh" not in out


def test_host_model_gets_a_targeting_script_and_no_image_build(tmp_path):
    out = _compile(tmp_path, extra='model = "host"')
    assert "sh /opt/hpcspec/build/t.sh" not in out["demo/demo.def"]
    host = out["demo/t/build-on-host.sh"]
    assert "--sandbox" in host and "exec --writable" in host and "/bin/sh /opt/hpcspec/build/t.sh" in host
    build = out["demo/hpcspec/build/t.sh"]
    assert "PATH=/opt/cray/pe/mpich/8.1.23/ofi/gnu/9.1/bin:" in build
    assert "mkdir -p /opt/cray" in out["demo/demo.def"], "writable sandboxes need bind destinations"


def test_hybrid_model_keeps_the_container_mpi(tmp_path):
    out = _compile(tmp_path, extra='model = "hybrid"')
    manifest = json.loads(out["demo/t/manifest.json"])
    assert manifest["model"] == "hybrid" and manifest["binds"] == [] and manifest["ld_library_path"] == []
    assert "srun --mpi=cray_shasta" in out["demo/t/job.slurm"]


def test_old_singularity_gets_exports_not_an_env_file(tmp_path):
    out = _compile(tmp_path, runtime='runtime singularity { version = "3.5.3" }')
    job = out["demo/t/job.slurm"]
    assert '--env-file "' not in job
    assert "export SINGULARITYENV_LD_LIBRARY_PATH=" in job
    assert "mkdir -p /opt/cray" not in out["demo/demo.def"], "3.5 creates missing bind points itself"


def test_singularity_37_needs_bind_destinations(tmp_path):
    out = _compile(tmp_path)
    assert "mkdir -p /opt/cray" in out["demo/demo.def"]


def test_apptainer_env_file_and_exports(tmp_path):
    out = _compile(tmp_path, runtime='runtime apptainer { version = "1.3.4" command = "/opt/apptainer/bin/apptainer" }')
    assert '/opt/apptainer/bin/apptainer exec --bind /opt/cray --env-file "${env_file}"' in out["demo/t/job.slurm"]
    env_sh = out["demo/t/env.sh"]
    assert "export APPTAINER_BIND=/opt/cray" in env_sh and "export APPTAINERENV_HPCSPEC_TARGET=t" in env_sh
    assert "mkdir -p /opt/cray" not in out["demo/demo.def"]


HOSTILE_VALUE = "a\\b $HOME `id` \"q\" 'single'"

# Apptainer reads the env file with a shell, then runs `export NAME="<value, only " escaped>"` in
# the container; this runs the same two evaluations and prints what the container would see.
TWO_EVALUATIONS = r"""
set -a; . "$1"; set +a
escaped=$(printf '%s' "${DEMO_VALUE}" | sed 's/"/\\"/g')
eval "export DEMO_VALUE=\"${escaped}\""
printf '%s' "${DEMO_VALUE}"
"""


def test_apptainer_evaluates_env_values_twice_and_gets_them_back_literally(tmp_path):
    spec_value = HOSTILE_VALUE.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$")
    out = _compile(tmp_path, runtime='runtime apptainer { version = "1.3.4" }',
                   extra=f'env {{ DEMO_VALUE = "{spec_value}" }}')
    env_file = tmp_path / "env"
    env_file.write_text(out["demo/t/env"])
    seen = subprocess.run(["sh", "-c", TWO_EVALUATIONS, "sh", str(env_file)], capture_output=True, text=True,
                          check=True, env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}).stdout
    assert seen == HOSTILE_VALUE
    manifest = json.loads(out["demo/t/manifest.json"])
    assert {"name": "DEMO_VALUE", "value": HOSTILE_VALUE} in manifest["environment"]


@pytest.mark.parametrize("runtime", ['runtime singularity { version = "3.7.4" }',
                                     'runtime apptainer { version = "1.0.3" }'])
def test_runtimes_that_cannot_pass_a_dollar_literally_reject_it(tmp_path, runtime):
    (tmp_path / "testsite.hpcspec").write_text(SITE.replace('runtime singularity { version = "3.7.4" }', runtime))
    (tmp_path / "demo.hpcspec").write_text(minimal_code(extra='env { DEMO_VALUE = "x`id`" }\n    job { walltime = 1h }'))
    result = compile_files([str(tmp_path / "demo.hpcspec")])
    assert [d.code for d in result.diagnostics] == ["E0706"]
    assert result.diagnostics[0].span.line > 0


def test_open_mpi_host_needs_a_way_out(tmp_path):
    (tmp_path / "testsite.hpcspec").write_text(SITE)
    (tmp_path / "demo.hpcspec").write_text(minimal_code(mpi="openmpi", extra="job { walltime = 1h }"))
    result = compile_files([str(tmp_path / "demo.hpcspec")])
    assert [d.code for d in result.diagnostics] == ["E0501"]
    out = _compile(tmp_path, mpi="openmpi", extra='model = "host"')
    job = out["demo/t/job.slurm"]
    assert 'nodes="${SLURM_JOB_NUM_NODES}"' in job
    assert 'mpirun -n "$(( nodes * 4 ))" --map-by ppr:4:node:PE=1 --hostfile "${hostfile}"' in job
    assert 'scontrol show hostnames "${SLURM_JOB_NODELIST}" | awk \'{ print $1, 4 }\' > "${hosts}"' in job
    assert 'awk \'{ print $1 " slots=" $2 }\' "${hosts}" > "${hostfile}"' in job
