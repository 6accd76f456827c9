"""Facts derived once from the specs: job defaults, interpolation after merges, site libraries."""

from __future__ import annotations

import json
from pathlib import Path

from hpcspec.api import compile_files

from support import ROOT, SITE, minimal_code


def _compile(tmp_path: Path, code: str, site: str = SITE, name: str = "testsite"):
    (tmp_path / f"{name}.hpcspec").write_text(site)
    (tmp_path / "demo.hpcspec").write_text(code)
    return compile_files([str(tmp_path / "demo.hpcspec")])


def _files(result) -> dict[str, str]:
    return {a.path: a.content.decode() for a in result.artifacts}


def test_a_chosen_partition_brings_its_own_default_qos(tmp_path):
    """archer2's job defaults say qos = "standard"; choosing the highmem partition (whose only
    QoS is highmem) must use highmem, not fail inside the shipped platform file."""
    import shutil

    shutil.copyfile(ROOT / "specs" / "platforms" / "archer2.hpcspec", tmp_path / "archer2.hpcspec")
    code = minimal_code(site="archer2", extra='job { partition = "highmem" nodes = 2 walltime = 1h }')
    result = _compile(tmp_path, code.replace('import "./archer2.hpcspec"', 'import "./archer2.hpcspec"'),
                      site=(ROOT / "specs" / "platforms" / "archer2.hpcspec").read_text(), name="archer2")
    assert result.ok, result.diagnostics
    job = _files(result)["demo/t/job.slurm"]
    assert "#SBATCH --partition=highmem" in job and "#SBATCH --qos=highmem" in job
    # the target's own QoS still wins
    code = minimal_code(site="archer2", extra='job { partition = "highmem" qos = "standard" walltime = 1h }')
    result = _compile(tmp_path, code, site=(ROOT / "specs" / "platforms" / "archer2.hpcspec").read_text(),
                      name="archer2")
    assert [d.code for d in result.diagnostics if d.severity.value == "error"] == ["E0405"]


def test_an_override_of_a_version_reaches_the_values_built_from_it(tmp_path):
    site = SITE.replace('root = "/opt/cray/pe/mpich/8.1.23/ofi/gnu/9.1"',
                        'root = "/opt/cray/pe/mpich/${version}/ofi/gnu/9.1"').replace(
        'ld_library_path = ["/opt/cray/pe/mpich/8.1.23/ofi/gnu/9.1/lib-abi-mpich"]',
        'ld_library_path = ["${root}/lib-abi-mpich"]')
    code = minimal_code(extra='job { walltime = 1h }\n override { mpi cray-mpich { version = "8.1.4" } }')
    result = _compile(tmp_path, code, site=site)
    assert result.ok, result.diagnostics
    manifest = json.loads(_files(result)["demo/t/manifest.json"])
    assert manifest["ld_library_path"][0] == "/opt/cray/pe/mpich/8.1.4/ofi/gnu/9.1/lib-abi-mpich"


def test_a_derived_platform_changes_the_values_its_base_builds(tmp_path):
    site = SITE.replace('root = "/opt/cray/pe/mpich/8.1.23/ofi/gnu/9.1"',
                        'root = "/opt/cray/pe/mpich/${version}/ofi/gnu/9.1"').replace(
        'ld_library_path = ["/opt/cray/pe/mpich/8.1.23/ofi/gnu/9.1/lib-abi-mpich"]',
        'ld_library_path = ["${root}/lib-abi-mpich"]')
    site += 'platform newer {\n  extends = "testsite"\n  mpi cray-mpich { version = "8.1.30" }\n}\n'
    code = minimal_code(extra="job { walltime = 1h }").replace('platform = "testsite"', 'platform = "newer"')
    result = _compile(tmp_path, code, site=site)
    assert result.ok, result.diagnostics
    manifest = json.loads(_files(result)["demo/t/manifest.json"])
    assert manifest["ld_library_path"][0] == "/opt/cray/pe/mpich/8.1.30/ofi/gnu/9.1/lib-abi-mpich"


def test_a_failed_extends_is_reported_once_without_a_wrong_hint(tmp_path):
    site = SITE + 'platform newer {\n  extends = "testsitee"\n}\n'
    code = minimal_code(extra="job { walltime = 1h }").replace('platform = "testsite"', 'platform = "newer"')
    result = _compile(tmp_path, code, site=site)
    assert [d.code for d in result.diagnostics] == ["E0306"]
    assert "import" not in (result.diagnostics[0].help or "")


def test_site_libraries_come_first_on_the_library_path_in_the_order_asked(tmp_path):
    site = SITE.replace("  compiler gnu {", '''  library fftw { ld_library_path = ["/opt/site/fftw/lib"] }
  library blas {
    binds = ["/opt/site/blas"]
    ld_library_path = ["/opt/site/blas/lib"]
    env { BLAS_VARIANT = "openmp" }
  }
  compiler gnu {''')
    code = minimal_code(extra='libraries = ["blas", "fftw"]\n job { walltime = 1h }')
    result = _compile(tmp_path, code, site=site)
    assert result.ok, result.diagnostics
    manifest = json.loads(_files(result)["demo/t/manifest.json"])
    assert manifest["ld_library_path"][:3] == ["/opt/site/blas/lib", "/opt/site/fftw/lib",
                                               "/opt/cray/pe/mpich/8.1.23/ofi/gnu/9.1/lib-abi-mpich"]
    assert {"name": "BLAS_VARIANT", "value": "openmp"} in manifest["environment"]
    assert {"host": "/opt/site/blas", "container": "/opt/site/blas", "mode": "rw", "type": "directory"} \
        in manifest["binds"]


def test_links_reach_the_build(tmp_path):
    code = minimal_code(extra="job { walltime = 1h }").replace(
        "build cmake {{ }}".replace("{{", "{").replace("}}", "}"), 'build cmake { links = ["xpmem", "numa"] }')
    result = _compile(tmp_path, code)
    assert result.ok, result.diagnostics
    build = _files(result)["demo/hpcspec/build/t.sh"]
    assert "HPCSPEC_LINK_LIBS='-Wl,--push-state,--no-as-needed -lxpmem -lnuma -Wl,--pop-state'" in build
    assert 'LDFLAGS="${LDFLAGS:+${LDFLAGS} }${HPCSPEC_LINK_LIBS}"' in build
