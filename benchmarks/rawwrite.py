"""The physical floor for writing a corpus: a bare Python loop that creates the same files (same
relative paths, sizes and modes) in a fresh directory on the same disk, nothing else.

    python benchmarks/rawwrite.py LAYOUT.json OUT

LAYOUT.json is a list of [relative path, size in bytes, mode], as `benchmarks/run` records it from
a corpus compile's output. The loop makes each directory once and writes each file with one
open/write/close, then sets its mode, which is the least any writer of those files must do.
"""

import json
import os
import sys


def main() -> int:
    layout_file, out = sys.argv[1], sys.argv[2]
    with open(layout_file, encoding="utf-8") as handle:
        layout = json.load(handle)
    made = set()
    for relative, size, mode in layout:
        path = os.path.join(out, relative)
        folder = os.path.dirname(path)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            os.write(fd, b"x" * size)
        finally:
            os.close(fd)
        if mode != 0o644:
            os.chmod(path, mode)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
