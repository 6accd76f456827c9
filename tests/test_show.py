"""`hpcspec show` prints a spec as the compiler resolves it (and `--blame` where each value comes
from); `hpcspec list` prints one line per target from the derived facts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpcspec.fmt import format_text
from hpcspec.lower import lower
from hpcspec.parse import parse
from hpcspec.show import quote
from hpcspec.source import SourceFile

from support import ROOT, SITE
from support import run_in_process as run_cli



# A platform that extends the test site, and a code whose target patches build, job and platform.
CHILD = """import "./testsite.hpcspec"
platform child {
  extends     = "testsite"
  description = "testsite, glibc ${glibc_min}"
  glibc_min   = "2.26"
  job { partition = "standard" }
}
"""
CODE = """import "./child.hpcspec"

code demo {
  version = "1.0"
  source {
    url    = "https://example.org/demo-${version}.tar.gz"
    sha256 = "5f2b1c0ab7a50a6e4f3ef2b8b6c4a1a2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8"
  }
  image {
    from     = "debian:bookworm"
    packages = ["g++", "libmpich-dev"]
  }
  mpi {
    name    = "mpich"
    abi     = "mpich"
    version = "4.0.2"
  }
  build cmake {
    options = ["-DDEMO=ON"]
  }
  run {
    executable = "bin/demo"
    args       = ["--cost", "$$5 ${version}", "$${HOME}"]
  }
  target big {
    platform = "child"
    mpi      = "cray-mpich"
    compiler = "gnu"
    build {
      options += ["-DBIG=ON"]
    }
    job {
      nodes    = 2
      walltime = 1h
    }
    override {
      glibc_min = "2.28"
      node { memory = 512GiB }
    }
  }
  target small {
    platform = "child"
    mpi      = "cray-mpich"
    compiler = "gnu"
    prefix   = "/opt/demo/small"
    job { walltime = 10min }
  }
}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "testsite.hpcspec").write_text(SITE)
    (tmp_path / "child.hpcspec").write_text(CHILD)
    (tmp_path / "demo.hpcspec").write_text(CODE)
    return tmp_path


def _show(project: Path, *args: str) -> str:
    proc = run_cli("show", "demo.hpcspec", *args, cwd=project)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _line(text: str, pattern: str) -> int:
    """The 1-based line of `text` that matches `pattern`."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if re.search(pattern, line))


def _block(text: str, head: str) -> str:
    """The lines of the block that starts with `head`, up to its closing brace."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(head))
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = next(i for i in range(start + 1, len(lines)) if lines[i] == " " * indent + "}")
    return "\n".join(lines[start:end + 1])


def test_targets_are_resolved_as_the_compiler_resolves_them(project: Path):
    text = _show(project)
    big = _block(text, "target big")
    assert 'options = ["-DDEMO=ON", "-DBIG=ON"]' in _block(big, "build cmake")  # += appended
    job = _block(big, "job")
    assert 'partition = "standard"' in job and "walltime  = 1h" in job and "nodes     = 2" in job
    assert "override" not in big  # merged into the platform instead
    assert 'url    = "https://example.org/demo-1.0.tar.gz"' in text  # interpolated
    assert 'args       = ["--cost", "$5 1.0", "$${HOME}"]' in text  # literal dollars, quoted again
    assert "# platform `child` as target big sees it" in text
    assert "# platform `child` as target small sees it" in text
    platforms = text.split("# platform `child` as target ")[1:]
    big_platform = next(p for p in platforms if p.startswith("big"))
    assert 'description = "testsite, glibc 2.28"' in big_platform  # override, then interpolation
    assert "memory           = 512GiB" in big_platform
    assert 'scheduler slurm { version = "23.02" }' in big_platform  # from what it extends
    assert "extends" not in big_platform


def test_the_output_is_a_formatted_spec_that_means_the_same_to_hpcspec(project: Path):
    text = _show(project)
    assert format_text(text) == text
    (project / "resolved.hpcspec").write_text(_show(project, "--target", "small"))
    proc = run_cli("check", "resolved.hpcspec", "--no-cache", cwd=project)
    assert proc.returncode == 0, proc.stderr


def test_blame_says_where_each_value_was_written(project: Path):
    text = _show(project, "--blame")
    assert format_text(text)  # still a spec

    def blamed(pattern: str) -> str:
        line = text.splitlines()[_line(text, pattern) - 1]
        return line.rsplit("# ", 1)[1]

    assert blamed(r'"-DBIG=ON",') == f"demo.hpcspec:{_line(CODE, 'DBIG')}"  # each item of a merged list
    assert blamed(r'"-DDEMO=ON",') == f"demo.hpcspec:{_line(CODE, 'DDEMO')}"
    assert blamed(r'partition = "standard"') == f"child.hpcspec:{_line(CHILD, 'partition')}"
    assert blamed(r'walltime  = 1h') == f"demo.hpcspec:{_line(CODE, 'walltime = 1h')}"
    assert blamed(r"memory           = 512GiB") == f"demo.hpcspec:{_line(CODE, '512GiB')}"
    assert blamed(r'cores_per_socket') == f"testsite.hpcspec:{_line(SITE, 'cores_per_socket')}"
    assert blamed(r'"https://example.org/demo-1.0.tar.gz"') == f"demo.hpcspec:{_line(CODE, 'url ')}"


def test_one_target(project: Path):
    text = _show(project, "--target", "small")
    assert "target small" in text and "target big" not in text and "as target small sees it" in text


def test_an_unknown_target_is_a_usage_error(project: Path):
    proc = run_cli("show", "demo.hpcspec", "--target", "smal", cwd=project)
    assert proc.returncode == 2
    assert "no target named `smal`" in proc.stderr and "did you mean `small`?" in proc.stderr


def test_a_platform_spec_on_its_own(project: Path):
    proc = run_cli("show", "child.hpcspec", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert 'description = "testsite, glibc 2.26"' in proc.stdout
    assert proc.stdout.count("\nplatform ") == 1  # the file's own platforms, not what it imports


def test_a_spec_with_errors_shows_them_and_exits_1(project: Path):
    (project / "demo.hpcspec").write_text(CODE.replace("walltime = 10min", "walltime = 10mins"))
    proc = run_cli("show", "demo.hpcspec", cwd=project)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "error[E0104]" in proc.stderr


def test_the_shipped_specs_show(tmp_path: Path):
    for spec in sorted((ROOT / "specs" / "codes").glob("*.hpcspec")):
        proc = run_cli("show", str(spec.relative_to(ROOT)), "--blame")
        assert proc.returncode == 0, proc.stderr
        assert format_text(proc.stdout)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(text=st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"),
                                  blacklist_characters="\x7f\x85"), max_size=30))
def test_quoted_strings_read_back_as_themselves(text: str):
    source = SourceFile(Path("q.hpcspec"), "q.hpcspec", f"b {{ v = {quote(text)} }}")
    value = lower(source, parse(source)).blocks[0].items[0].value
    assert value.value == text and not value.parts


# -- hpcspec list --------------------------------------------------------------------------------

def test_list_prints_one_line_per_target(project: Path):
    proc = run_cli("list", "demo.hpcspec", cwd=project)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["CODE", "TARGET", "PLATFORM", "SCHEDULER", "RUNTIME", "MPI", "MODEL", "JOB"]
    assert [line.split()[:8] for line in lines[1:]] == [
        ["demo", "big", "child", "slurm", "singularity", "3.7.4", "cray-mpich", "(mpich)"],
        ["demo", "small", "child", "slurm", "singularity", "3.7.4", "cray-mpich", "(mpich)"],
    ]
    assert lines[1].endswith("bind   2 x 128 x 1, 1h, standard/standard")
    assert lines[2].endswith("bind   1 x 128 x 1, 10min, standard/standard")


def test_list_of_the_shipped_codes_and_of_plugins():
    codes = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "specs" / "codes").glob("*.hpcspec"))
    proc = run_cli("list", *codes)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"^gromacs +archer2 +archer2 +slurm +singularity 3.7 +cray-mpich \(mpich\) +bind +"
                     r"2 x 128 x 1, 1h, standard/standard$", proc.stdout, re.M)
    plugins = run_cli("list")
    assert plugins.returncode == 0
    assert re.search(r"^scheduler +slurm +Slurm", plugins.stdout, re.M)
    assert re.search(r"^runtime +apptainer ", plugins.stdout, re.M)


def test_list_reports_errors_and_exits_1(project: Path):
    (project / "bad.hpcspec").write_text(CODE.replace('platform = "child"', 'platform = "childe"', 1))
    proc = run_cli("list", "bad.hpcspec", "demo.hpcspec", cwd=project)
    assert proc.returncode == 1
    assert "error[E0303]" in proc.stderr
    assert "demo  " in proc.stdout  # the good one is still listed
