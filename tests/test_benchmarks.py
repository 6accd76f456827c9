"""The benchmark's inputs stay valid: a corpus that no longer compiles would make
`benchmarks/run` measure error paths (or fail) instead of the compiler."""

from __future__ import annotations

import sys

from hpcspec.api import compile_files

from support import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import generate  # noqa: E402


def test_a_generated_corpus_compiles_without_a_warning(tmp_path):
    generate(tmp_path, codes=12, platforms=6, seed=1)
    codes = sorted((tmp_path / "specs" / "codes").glob("*.hpcspec"))
    assert len(codes) == 12
    result = compile_files([str(c) for c in codes], environ={})
    assert not result.diagnostics, [f"{d.code} {d.message}" for d in result.diagnostics]
    assert sum(len(p.targets) for p in result.plans) >= 12
