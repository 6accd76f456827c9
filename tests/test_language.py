"""The language: literals, interpolation, merging with `+=`, overrides and `extends`."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpcspec.api import compile_files
from hpcspec.diagnostics import Report, SpecError
from hpcspec.interpolate import interpolate
from hpcspec.lower import lower
from hpcspec.merge import merge
from hpcspec.nodes import Duration, Size
from hpcspec.parse import parse
from hpcspec.source import SourceFile

CASES = Path(__file__).parent / "diagnostics" / "cases"


def _lower(text: str):
    source = SourceFile(Path("t.hpcspec"), "t.hpcspec", text)
    return lower(source, parse(source))


def _values(text: str) -> dict:
    block = _lower(text).blocks[0]
    return {a.key: a.value.plain() for a in block.assignments()}


@pytest.mark.parametrize("literal,expected", [
    ("90s", Duration(90)), ("45min", Duration(2700)), ("1h30min", Duration(5400)), ("2d", Duration(172800)),
    ("1d12h", Duration(129600)), ("512MiB", Size(512 << 20)), ("64GiB", Size(64 << 30)),
    ("1.5TB", Size(1_500_000_000_000)), ("128", 128),
])
def test_number_literals(literal, expected):
    assert _values(f"code x {{ v = {literal} }}")["v"] == expected


def test_duration_forms():
    assert Duration(5400).hms() == "01:30:00"
    assert Duration(90000).hms() == "1-01:00:00"
    assert Duration(90000).total_hms() == "25:00:00"
    assert str(Duration(5400)) == "1h30min"


@pytest.mark.parametrize("literal", ["1.5h", "30min1h", "1h1h", "2hrs", "7x"])
def test_bad_number_literals(literal):
    with pytest.raises(SpecError) as err:
        _values(f"code x {{ v = {literal} }}")
    assert err.value.diagnostics[0].code == "E0104"


def test_strings_escapes_and_dollars():
    values = _values(r'code x { a = "say \"hi\" \\ $$HOME costs $5" }')
    assert values["a"] == 'say "hi" \\ $HOME costs $5'


def test_interpolation_is_lexical_and_top_name_is_bound():
    spec = _lower('code demo { version = "2.0" url = "u/${name}-${version}" '
                  'target t { version = "inner" x = "${version}/${name}" } }')
    report = Report()
    block = interpolate(spec, report).blocks[0]
    assert not report.items
    assert block.get("url").value.value == "u/demo-2.0"
    assert block.child("target", "t").get("x").value.value == "inner/demo"


def test_integers_interpolate():
    spec = _lower('code demo { n = 4 s = "n=${n}" }')
    assert interpolate(spec, Report()).blocks[0].get("s").value.value == "n=4"


def test_merge_replaces_appends_and_adds():
    base = _lower('job { a = 1 list = ["x"] inner { k = "v" } }').blocks[0]
    patch = _lower('job { a = 2 list += ["y"] inner { j = "w" } new { n = 1 } }').blocks[0]
    merged = merge(base, patch, Report())
    assert merged.get("a").value.value == 2
    assert merged.get("list").value.plain() == ["x", "y"]
    assert {a.key for a in merged.child("inner").assignments()} == {"k", "j"}
    assert merged.child("new") is not None


def test_append_to_a_scalar_is_an_error():
    base = _lower("job { a = 1 }").blocks[0]
    report = Report()
    merge(base, _lower("job { a += [2] }").blocks[0], report)
    assert [d.code for d in report.items] == ["E0211"]


def _compile(tmp_path: Path, code_body: str, platform_extra: str = "", extra_files: dict | None = None):
    site = (CASES / "support" / "testsite.hpcspec").read_text()
    if platform_extra:
        site = site.rstrip().rstrip("}") + platform_extra + "\n}\n"
    (tmp_path / "testsite.hpcspec").write_text(site)
    for name, text in (extra_files or {}).items():
        (tmp_path / name).write_text(text)
    spec = tmp_path / "code.hpcspec"
    spec.write_text('import "./testsite.hpcspec"\n' + code_body)
    return compile_files([str(spec)])


CODE = '''
code demo {
  version = "1.0"
  source { url = "https://example.org/demo.tar.gz"
           sha256 = "5f2b1c0ab7a50a6e4f3ef2b8b6c4a1a2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8" }
  image { from = "debian:bookworm" packages = ["g++"] }
  mpi { name = "mpich" abi = "mpich" version = "4.0.2" }
  build cmake { options = ["-DA=1"] }
  run { executable = "bin/demo" }
  target t {
    platform = "testsite"
    mpi = "cray-mpich"
    compiler = "gnu"
    %s
  }
}
'''


def _text(result, suffix: str) -> str:
    return next(a.content.decode() for a in result.artifacts if a.path.endswith(suffix))


def test_target_build_patch_appends_options(tmp_path):
    result = _compile(tmp_path, CODE % 'build { options += ["-DB=2"] } job { walltime = 1h }')
    assert result.ok, result.diagnostics
    script = _text(result, "build/t.sh")
    assert "-DA=1 -DB=2" in script


def test_override_patches_the_platform_for_one_target(tmp_path):
    body = CODE % ('job { walltime = 1h }\n override { launcher srun { flags += ["--cpu-bind=cores"] } '
                   'mpi cray-mpich { env { FI_CXI_RX_MATCH_MODE = "hybrid" } } }')
    result = _compile(tmp_path, body)
    assert result.ok, result.diagnostics
    job = _text(result, "t/job.slurm")
    assert "--hint=nomultithread --cpu-bind=cores" in job
    assert "FI_CXI_RX_MATCH_MODE=hybrid" in job


def test_platform_job_defaults_are_patched_by_the_target(tmp_path):
    result = _compile(tmp_path, CODE % 'job { walltime = 2h nodes = 3 }')
    assert result.ok, result.diagnostics
    job = _text(result, "t/job.slurm")
    assert "#SBATCH --partition=standard" in job and "#SBATCH --qos=standard" in job
    assert "#SBATCH --nodes=3" in job and "#SBATCH --time=02:00:00" in job
    assert "#SBATCH --ntasks-per-node=128" in job, "tasks per node default to a full node"


def test_extends_merges_a_platform_onto_its_base(tmp_path):
    child = 'import "./testsite.hpcspec"\nplatform child {\n  extends = "testsite"\n  node { memory = 512GiB }\n}\n'
    body = (CODE % 'job { walltime = 1h memory = 400GiB }').replace('platform = "testsite"', 'platform = "child"')
    result = _compile(tmp_path, body.replace("code demo", "code demo", 1), extra_files={"child.hpcspec": child})
    assert not result.ok  # not imported yet
    spec = tmp_path / "code.hpcspec"
    spec.write_text('import "./child.hpcspec"\n' + spec.read_text())
    result = compile_files([str(spec)])
    assert result.ok, result.diagnostics
    assert "#SBATCH --mem=409600M" in _text(result, "t/job.slurm")


def test_only_selected_targets(tmp_path):
    body = CODE % 'job { walltime = 1h }'
    body = body.replace("  target t {", '  target u {\n    platform = "testsite"\n    mpi = "cray-mpich"\n'
                        '    compiler = "gnu"\n    prefix = "/opt/app/u"\n    job { walltime = 1h }\n  }\n  target t {')
    _compile(tmp_path, body)
    result = compile_files([str(tmp_path / "code.hpcspec")], targets=["u"])
    assert result.ok
    assert {a.path.split("/")[1] for a in result.artifacts if a.path.count("/") == 2
            and not a.path.split("/")[1] == "hpcspec"} == {"u"}
