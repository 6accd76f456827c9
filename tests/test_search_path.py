"""Where imports are found: project specs/platforms, hpcspec.toml / [tool.hpcspec], HPCSPEC_PATH, shipped."""

from __future__ import annotations

from pathlib import Path

from hpcspec.api import compile_files
from hpcspec.config import search_path, shipped_platforms

from support import ROOT

SITE = (Path(__file__).parent / "diagnostics" / "cases" / "support" / "testsite.hpcspec").read_text()
CODE = (ROOT / "specs" / "codes" / "gromacs.hpcspec").read_text()


def _project(tmp_path: Path, config: str | None, where: str) -> Path:
    project = tmp_path / "project"
    (project / "codes").mkdir(parents=True)
    if config is not None:
        (project / "hpcspec.toml").write_text(config)
    site_dir = project / where
    site_dir.mkdir(parents=True, exist_ok=True)
    (site_dir / "mysite.hpcspec").write_text(SITE.replace("platform testsite", "platform mysite"))
    code = CODE.split("code gromacs", 1)[1].split("  # ARCHER2")[0]
    body = ('import "mysite"\ncode gromacs' + code +
            '  target mysite {\n    platform = "mysite"\n    mpi = "cray-mpich"\n    compiler = "gnu"\n'
            '    job { walltime = 1h }\n  }\n}\n')
    spec = project / "codes" / "demo.hpcspec"
    spec.write_text(body)
    return spec


def test_project_specs_platforms(tmp_path):
    spec = _project(tmp_path, "", "specs/platforms")
    result = compile_files([str(spec)], environ={})
    assert result.ok, result.diagnostics


def test_path_from_hpcspec_toml(tmp_path):
    spec = _project(tmp_path, 'path = ["sites"]\n', "sites")
    assert compile_files([str(spec)], environ={}).ok


def test_path_from_pyproject(tmp_path):
    spec = _project(tmp_path, None, "sites")
    (spec.parent.parent / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.hpcspec]\npath = ["sites"]\n')
    assert compile_files([str(spec)], environ={}).ok


def test_path_from_environment(tmp_path):
    spec = _project(tmp_path, "", "elsewhere")
    failed = compile_files([str(spec)], environ={})
    assert [d.code for d in failed.diagnostics][:1] == ["E0301"]
    found = compile_files([str(spec)], environ={"HPCSPEC_PATH": str(spec.parent.parent / "elsewhere")})
    assert found.ok, found.diagnostics


def test_order_and_shipped_last(tmp_path):
    spec = _project(tmp_path, 'path = ["sites"]\n', "sites")
    path = search_path(spec, {"HPCSPEC_PATH": "/nonexistent/a"})
    root = spec.parent.parent.resolve()
    assert path.dirs[:3] == (root / "specs" / "platforms", root / "sites", Path("/nonexistent/a"))
    assert path.dirs[-1] == shipped_platforms().resolve()


def test_shipped_platforms_are_found_without_a_project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "gromacs.hpcspec"
    spec.write_text(CODE)
    result = compile_files([str(spec)], environ={})
    assert result.ok, result.diagnostics


def test_a_name_cannot_reach_outside_the_search_path(tmp_path):
    """Only a name matching [A-Za-z0-9_-] is looked up on the search path; a `/` or a `.hpcspec`
    suffix makes an explicit path that the user wrote, relative to the importing file."""
    spec = _project(tmp_path, None, "specs/platforms")
    (tmp_path / "project" / "specs" / "secret.hpcspec").write_text(SITE.replace("platform testsite", "platform secret"))
    original = spec.read_text()
    for name in ["..", ".", "../secret", "..\\\\secret", ".hidden", "mysite ", "secret\\u0000", "~"]:
        spec.write_text(original.replace('import "mysite"', f'import "{name}"', 1))
        result = compile_files([spec])
        errors = [d for d in result.diagnostics if d.severity == "error"]
        assert errors, name
        assert errors[0].code in ("E0301", "E0105"), (name, errors[0].code, errors[0].message)
        assert all("secret.hpcspec" not in (d.span.file if d.span else "") for d in result.diagnostics), name
