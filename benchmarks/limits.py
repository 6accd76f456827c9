#!/usr/bin/env python3
"""Time and peak memory of hpcspec on the inputs of tests/test_limits.py (the README's limits).

    python benchmarks/limits.py

Each input is compiled once as a whole process; the table shows the exit code, the first
diagnostic, the wall time and the child's peak RSS. The tests check the outcomes; this script
reports what they cost.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent / "tests")]
import test_limits as inputs  # noqa: E402  (the generators the tests use)
from measure import run_process  # noqa: E402
from support import SITE, many_targets  # noqa: E402

from hpcspec.parse import MAX_FILE_BYTES  # noqa: E402


def measure(project: Path, spec: str) -> tuple[int, str, float, float]:
    # stdout is discarded: the first code comes from the text diagnostics on stderr
    sample, code, err = run_process([sys.executable, "-m", "hpcspec", "compile", spec, "-o", "out"], project,
                                    expect=None)
    found = re.search(rb"^error\[(E\d{4})\]", err, re.M)
    return code, found.group(1).decode() if found else "-", sample.seconds, sample.max_rss_kib / 1024


def cases(root: Path):
    yield "10 MB of comments", {"big.hpcspec": inputs.padded_with_comments(inputs.MB10)}
    yield "10 MB list", {"big.hpcspec": inputs.long_list(inputs.MB10)}
    yield f"{MAX_FILE_BYTES / 2**20:.0f} MiB list (largest accepted)", {"big.hpcspec": inputs.long_list(MAX_FILE_BYTES - 100)}
    yield "blocks 10,000 deep", {"big.hpcspec": inputs.nested_blocks(10_000)}
    yield "lists 10,000 deep", {"big.hpcspec": inputs.nested_lists(10_000)}
    yield "10,000 targets", {"big.hpcspec": many_targets(10_000)}
    yield "256 targets (most accepted)", {"big.hpcspec": many_targets(256)}
    yield "import cycle", {"a.hpcspec": 'import "./b.hpcspec"\n', "b.hpcspec": 'import "./a.hpcspec"\n',
                           "big.hpcspec": 'import "./a.hpcspec"\n' + inputs.code()}


def main() -> None:
    print("| input | size | exit | first diagnostic | time | peak RSS |")
    print("|---|---|---|---|---|---|")
    for name, files in cases(Path()):
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp)
            (project / "testsite.hpcspec").write_text(SITE)
            for file, text in files.items():
                (project / file).write_text(text)
            size = (project / "big.hpcspec").stat().st_size
            code, first, seconds, rss = measure(project, "big.hpcspec")
            print(f"| {name} | {size / 1e6:.2f} MB | {code} | {first} | {seconds:.2f} s | {rss:.0f} MB |")


if __name__ == "__main__":
    main()
