"""Property-based tests: no input gives a traceback, a misplaced span or a half-written tree.

Two sources of input, both checked against the contract in `properties.outcome()`:
- mutations of the shipped specs: tokens deleted, duplicated, swapped, replaced; the text
  truncated; random bytes and Unicode inserted (platform specs are mutated in place in a project,
  then the GROMACS spec that imports them is compiled);
- code specs generated from the model: every field, with arbitrary Unicode text in free-text
  fields and options, targets on every shipped platform, random job shapes and environments.
  When these compile, every generated shell script must also parse (`bash -n`).

CI runs the "ci" profile (a few hundred inputs); `scripts/fuzz` runs far more, and atheris.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from properties import SEEDS, ContractBroken, mutate, outcome, place, project, restore

settings.register_profile("ci", max_examples=150, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("long", max_examples=int(os.environ.get("HPCSPEC_FUZZ_EXAMPLES", "20000")),
                          deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HPCSPEC_HYPOTHESIS_PROFILE", "ci"))

_counter = itertools.count()


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return project(tmp_path_factory.mktemp("project"))


def _fresh_out(root: Path) -> Path:
    out = root / "out" / f"o{next(_counter)}"
    shutil.rmtree(out, ignore_errors=True)
    return out


# -- mutations -----------------------------------------------------------------------------------
OPERATIONS = st.sampled_from(["delete", "duplicate", "swap", "truncate", "replace", "unicode", "bytes"])
PAYLOADS = st.one_of(
    st.binary(min_size=1, max_size=8),
    st.text(min_size=1, max_size=8).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"{", b"}", b"[", b"]", b",", b"=", b"+=", b'"', b"${", b"$$", b"\\", b"#", b"\n",
                     b"import", b"target", b"0", b"-1", b"99999999999999999999", b"1h", b"64GiB",
                     b"true", b"\xff", b"\x00", b"\xe2\x80\xa8", b"\xef\xbb\xbf"]),
)
MUTATION = st.tuples(OPERATIONS, st.integers(0, 10**6), st.integers(0, 10**6), PAYLOADS)


@given(seed=st.sampled_from(SEEDS), operations=st.lists(MUTATION, min_size=1, max_size=4))
def test_mutated_specs_fail_cleanly_or_compile(root, seed, operations):
    data = mutate(seed.read_text(), operations)
    _, spec = place(root, seed, data)
    out = _fresh_out(root)
    try:
        outcome(spec, out)
    except ContractBroken as exc:
        raise AssertionError(f"{seed.name} mutated by {operations}: {exc}\n--- input ---\n{data[:3000]!r}") from None
    finally:
        restore(root, seed)
        shutil.rmtree(out, ignore_errors=True)


# -- generated code specs ------------------------------------------------------------------------
def quoted(text: str) -> str:
    """A string literal of the language holding `text` exactly."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$") + '"'


# free text: any Unicode a string literal can hold (no control characters, no line separators)
TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85"),
               max_size=30)
WORD = TEXT.filter(bool)  # options and arguments: an empty one is an error, tested elsewhere
NAME = st.from_regex(r"[a-z][a-z0-9_-]{0,12}", fullmatch=True)
ENV_NAME = st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True)
PACKAGE = st.from_regex(r"[a-z0-9][a-z0-9+.-]{0,15}", fullmatch=True)
VERSION = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,2}", fullmatch=True)
HEX = st.text("0123456789abcdef", min_size=64, max_size=64)
TARGETS = [  # (platform, mpi, compiler, extra target lines, most tasks per node)
    ("archer2", "cray-mpich", "gnu", "", 128),
    ("cirrus", "cray-mpich", "gnu", 'cpu_flags = ["-march=znver3"]', 288),
    ("cirrus-ice", "mpt", "gnu", 'model = "host"', 36),
    ("cirrus-ice", "intel-mpi", "gnu", "", 36),
    ("localhost", "mpich", "gnu", "", 2),
]
WALLTIMES = ["10min", "1h", "1h30min", "2d", "90s", "48h"]


@st.composite
def targets(draw) -> str:
    chosen = draw(st.lists(st.sampled_from(TARGETS), min_size=1, max_size=4, unique=True))
    blocks = []
    for index, (platform, mpi, compiler, extra, most) in enumerate(chosen):
        tasks = draw(st.integers(1, most))
        cpus = draw(st.integers(1, max(1, most // tasks)))
        env = draw(st.dictionaries(ENV_NAME, TEXT, max_size=3))
        env_block = "\n".join(f"      {k} = {quoted(v)}" for k, v in env.items())
        options = ", ".join(quoted(o) for o in draw(st.lists(WORD, max_size=3)))
        nodes, walltime = draw(st.integers(1, 4)), draw(st.sampled_from(WALLTIMES))
        blocks.append(f"""
  target t{index}-{platform} {{
    platform = "{platform}"
    mpi      = "{mpi}"
    compiler = "{compiler}"
    {extra}
    build {{ options += [{options}] }}
    env {{
{env_block}
    }}
    job {{
      nodes          = {nodes}
      tasks_per_node = {tasks}
      cpus_per_task  = {cpus}
      walltime       = {walltime}
    }}
  }}""")
    return "".join(blocks)


@st.composite
def code_specs(draw) -> str:
    name = draw(NAME)
    build = draw(st.sampled_from(["cmake", "autotools", "make"]))
    source = draw(st.one_of(
        st.builds(lambda h: f'url = "https://example.org/src/{name}-${{version}}.tar.gz"\n    sha256 = "{h}"', HEX),
        st.builds(lambda h: f'git = "https://example.org/{name}.git"\n    commit = "{h[:40]}"', HEX),
    ))
    version = quoted(draw(VERSION))
    description, maintainer = quoted(draw(TEXT)), quoted(draw(TEXT))
    licence = quoted(draw(st.sampled_from(["MIT", "GPL-3.0-or-later", "BSD-3-Clause"])))
    image = quoted(draw(st.sampled_from(["debian:bookworm", "debian:trixie", "ubuntu:24.04"])))
    packages = ", ".join(quoted(p) for p in draw(st.lists(PACKAGE, max_size=4)))
    env = "  ".join(f"{k} = {quoted(v)}" for k, v in draw(st.dictionaries(ENV_NAME, TEXT, max_size=2)).items())
    options = ", ".join(quoted(o) for o in draw(st.lists(WORD, max_size=3)))
    args = ", ".join(quoted(a) for a in draw(st.lists(WORD, max_size=3)))
    return f"""import "archer2"
import "cirrus"
import "cirrus-ice"
import "localhost"

code {name} {{
  version     = {version}
  description = {description}
  homepage    = "https://example.org/{name}"
  license     = {licence}
  maintainer  = {maintainer}
  source {{
    {source}
  }}
  image {{
    from     = {image}
    packages = [{packages}]
  }}
  mpi {{
    name    = "mpich"
    abi     = "mpich"
    version = "4.0.2"
  }}
  env {{
    {env}
  }}
  build {build} {{
    options = [{options}]
  }}
  run {{
    executable = "bin/{name}"
    args       = [{args}]
  }}
{draw(targets())}
}}
"""


def _shell_scripts(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*") if p.suffix in (".sh", ".slurm", ".pbs"))


@given(text=code_specs())
def test_generated_code_specs_compile_or_fail_cleanly(root, text):
    spec = root / "generated.hpcspec"
    spec.write_text(text)
    out = _fresh_out(root)
    try:
        code, diagnostics = outcome(spec, out)
        if code == 0:
            for script in _shell_scripts(out):
                parsed = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
                assert parsed.returncode == 0, f"{script.relative_to(out)} does not parse: {parsed.stderr}"
    except ContractBroken as exc:
        raise AssertionError(f"{exc}\n--- input ---\n{text}") from None
    finally:
        shutil.rmtree(out, ignore_errors=True)


def test_the_generator_mostly_makes_valid_specs(root):
    """Guard against a generator that only ever produces errors (and so tests little)."""
    compiled = 0

    @settings(max_examples=30, derandomize=True, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(text=code_specs())
    def count(text):
        nonlocal compiled
        spec = root / "generated-count.hpcspec"
        spec.write_text(text)
        out = _fresh_out(root)
        code, _ = outcome(spec, out)
        compiled += code == 0
        shutil.rmtree(out, ignore_errors=True)

    count()
    assert compiled >= 15, f"only {compiled} of 30 generated specs compiled"
