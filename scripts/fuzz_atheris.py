"""Coverage-guided fuzzing of `hpcspec compile` with atheris (libFuzzer).

Each input is written as a spec file in a project that holds the shipped platform specs and is
compiled through the command line in-process; the contract of tests/properties.py must hold
(exit 0 without errors, or exit 1 with located diagnostics and nothing written). A broken contract
or any escaping exception is a crash: libFuzzer saves the input as crash-* in the working directory.

Run through scripts/fuzz; arguments after `--` go to libFuzzer (e.g. -max_total_time=600).
"""

from __future__ import annotations

import importlib
import pkgutil
import shutil
import sys
import tempfile
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

with atheris.instrument_imports(include=["hpcspec", "lark"]):
    # hpcspec imports most stages lazily: import them all here so that they are instrumented
    import hpcspec
    for module in pkgutil.walk_packages(hpcspec.__path__, "hpcspec."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    import hpcspec.backends.generic  # noqa: F401
    from properties import outcome, project  # noqa: E402

ROOT = project(Path(tempfile.mkdtemp(prefix="hpcspec-fuzz-")))
SPEC = ROOT / "fuzzed.hpcspec"
OUT = ROOT / "out"


def one_input(data: bytes) -> None:
    SPEC.write_bytes(data)
    try:
        outcome(SPEC, OUT)
    finally:
        shutil.rmtree(OUT, ignore_errors=True)


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
