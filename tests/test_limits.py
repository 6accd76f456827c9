"""Bounded: huge, deep, circular and crowded inputs end in a located error or a result.

Each input runs as a real process under an address-space cap (1 GiB), so a blow-up fails the
test instead of the machine; the test checks the diagnostic and that nothing was written. Time
and peak memory are reported by `benchmarks/limits.py`, not asserted here: the subprocess
timeout only stops a hang.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from support import SITE, many_targets, minimal_code

from hpcspec.check import MAX_TARGETS
from hpcspec.parse import MAX_DEPTH, MAX_FILE_BYTES
from hpcspec.resolve import MAX_FILES

ADDRESS_SPACE = 1024**3  # the cap each run gets: a runaway allocation fails instead of swapping
MB10 = 10 * 1000 * 1000


@dataclass
class Outcome:
    code: int
    diagnostics: list[dict]


def run(project: Path, spec: str, *extra: str) -> Outcome:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))

    env = {k: v for k, v in os.environ.items() if not k.startswith("HPCSPEC_") or k == "HPCSPEC_CACHE_DIR"}
    proc = subprocess.Popen([sys.executable, "-m", "hpcspec", "compile", spec, "-o", "out", "--format", "json",
                             *extra], cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=cap)
    try:
        out, err = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"hpcspec did not finish on {spec} in 300 s")
    assert "Traceback" not in err.decode(errors="replace"), err
    diagnostics = json.loads(out)["diagnostics"] if out.startswith(b"{") else []  # --format json: on stdout
    return Outcome(proc.returncode, diagnostics)


def single_error(outcome: Outcome, code: str, project: Path) -> dict:
    errors = [d for d in outcome.diagnostics if d["severity"] == "error"]
    assert outcome.code == 1, outcome
    assert [d["code"] for d in errors] == [code], errors
    assert not (project / "out").exists(), "nothing may be written when a spec is rejected"
    return errors[0]


def write_site(project: Path) -> None:
    (project / "testsite.hpcspec").write_text(SITE)


# --- the inputs ----------------------------------------------------------------------------------

def code() -> str:
    return minimal_code(extra="job { walltime = 1h }")


def padded_with_comments(size: int) -> str:
    text = code()
    line = "# " + "x" * 97 + "\n"
    return text + line * ((size - len(text)) // len(line) + 1)


def long_list(size: int) -> str:
    """A code spec whose cmake options list fills the file up to about `size` characters."""
    item = '"-DHPCSPEC_OPTION_000000=ON", '
    count = (size - 1000) // len(item)
    options = ", ".join(f'"-DHPCSPEC_OPTION_{i:06d}=ON"' for i in range(count))
    return code().replace("build cmake { }", f"build cmake {{ options = [{options}] }}")


def nested_blocks(depth: int) -> str:
    return code().replace("run {", "run {" + " x {" * depth + " }" * depth)


def nested_lists(depth: int) -> str:
    return code().replace('executable = "bin/demo"', 'arguments = ' + "[" * depth + "]" * depth
                                  + ' executable = "bin/demo"')


# --- the cases -----------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [padded_with_comments, long_list], ids=["comments", "one-long-list"])
def test_a_10_mb_spec_is_refused_at_its_first_line(tmp_path: Path, make: Callable[[int], str]) -> None:
    write_site(tmp_path)
    (tmp_path / "big.hpcspec").write_text(make(MB10))
    error = single_error(run(tmp_path, "big.hpcspec"), "E0108", tmp_path)
    assert (error["file"], error["line"], error["column"]) == ("big.hpcspec", 1, 1)
    assert f"the limit is {MAX_FILE_BYTES}" in error["message"]


def test_the_largest_accepted_spec_compiles(tmp_path: Path) -> None:
    """Just under the size limit, a list of ~70,000 options: the worst case that gets a result."""
    write_site(tmp_path)
    (tmp_path / "big.hpcspec").write_text(long_list(MAX_FILE_BYTES - 100))
    outcome = run(tmp_path, "big.hpcspec")
    assert outcome.code == 0, outcome
    assert "-DHPCSPEC_OPTION_000000=ON" in (tmp_path / "out" / "demo" / "hpcspec" / "build" / "t.sh").read_text()


@pytest.mark.parametrize("make", [nested_blocks, nested_lists], ids=["blocks", "lists"])
def test_nesting_10000_deep_is_refused_where_it_passes_the_limit(tmp_path: Path, make) -> None:
    write_site(tmp_path)
    text = make(10_000)
    (tmp_path / "deep.hpcspec").write_text(text)
    error = single_error(run(tmp_path, "deep.hpcspec"), "E0108", tmp_path)
    assert f"deeper than {MAX_DEPTH}" in error["message"]
    line = text.split("\n")[error["line"] - 1]
    opened = line[error["column"] - 1:]
    assert opened.startswith(("x {", "[")), f"the span should point at a block or list, not {opened[:10]!r}"


def test_10000_targets_are_refused_at_the_first_target_too_many(tmp_path: Path) -> None:
    write_site(tmp_path)
    text = many_targets(10_000)
    (tmp_path / "crowd.hpcspec").write_text(text)
    error = single_error(run(tmp_path, "crowd.hpcspec"), "E0108", tmp_path)
    assert error["message"] == f"10000 targets; a code spec has at most {MAX_TARGETS}"
    assert text.split("\n")[error["line"] - 1].lstrip().startswith(f"target t{MAX_TARGETS} ")


def test_an_import_cycle_is_one_error_at_the_import_that_closes_it(tmp_path: Path) -> None:
    write_site(tmp_path)
    (tmp_path / "a.hpcspec").write_text('import "./b.hpcspec"\n')
    (tmp_path / "b.hpcspec").write_text('import "./a.hpcspec"\n')
    (tmp_path / "code.hpcspec").write_text('import "./a.hpcspec"\n' + code())
    error = single_error(run(tmp_path, "code.hpcspec"), "E0302", tmp_path)
    assert error["file"] == "b.hpcspec" and error["line"] == 1


def test_a_chain_of_imports_longer_than_the_limit_is_refused(tmp_path: Path) -> None:
    write_site(tmp_path)
    count = MAX_FILES + 10
    for i in range(count):
        (tmp_path / f"p{i}.hpcspec").write_text(f'import "./p{i + 1}.hpcspec"\n' if i + 1 < count else "\n")
    (tmp_path / "code.hpcspec").write_text('import "./p0.hpcspec"\n' + code())
    error = single_error(run(tmp_path, "code.hpcspec"), "E0108", tmp_path)
    assert f"more than {MAX_FILES}" in error["message"]
    assert error["file"] == f"p{MAX_FILES - 2}.hpcspec", "the import that reads file number MAX_FILES + 1"
