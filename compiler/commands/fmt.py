"""`hpcspec fmt`: rewrite spec files in the canonical layout (see hpcspec/fmt.py)."""

from __future__ import annotations

from ..cli import EXIT_INTERNAL, EXIT_OK, EXIT_SPEC, unusable_files

COMMANDS = {"fmt": "rewrite spec files in the canonical layout (--check: only report)"}


def add_arguments(name: str, parser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="spec files (.hpcspec) to format in place")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; print a diff and exit 1 if a file is not formatted")


def run(args) -> int:
    failed = unusable_files(args.files)
    if failed is not None:
        return failed
    from .. import console
    from ..diagnostics import render_all, use_colour
    from ..fmt import FormatError

    failed = changed = 0
    problems = []
    for name in dict.fromkeys(args.files):  # a file named twice is formatted once
        try:
            outcome = _one(name, args.check)
        except _Unformattable as exc:
            problems += exc.diagnostics
            failed += 1
            continue
        except FormatError as exc:  # the safety check caught a formatter bug: the file is left alone
            console.err(f"hpcspec: internal error: cannot format {name}: {exc}\n"
                        "This is a bug in hpcspec; please report it with the spec that caused it.\n")
            return EXIT_INTERNAL
        except OSError as exc:
            console.err(f"hpcspec: error: cannot write {name}: {exc.strerror or exc}\n")
            failed += 1
            continue
        changed += outcome
    if problems:
        console.err(render_all(problems, colour=use_colour()))
    _summary(len(dict.fromkeys(args.files)), changed, failed, args.check)
    return EXIT_SPEC if failed or (args.check and changed) else EXIT_OK


class _Unformattable(Exception):
    def __init__(self, diagnostics) -> None:
        super().__init__("does not parse")
        self.diagnostics = diagnostics


def _one(name: str, check: bool) -> bool:
    """Format one file; True when it is (or, with check, would be) changed."""
    from pathlib import Path

    from .. import console
    from ..diagnostics import SpecError
    from ..files import read_regular
    from ..fmt import format_source, write_atomically
    from ..lower import load_source
    from ..parse import MAX_FILE_BYTES

    path = Path(name)
    try:
        source = load_source(path, name)
        formatted = format_source(source)
    except SpecError as exc:
        raise _Unformattable(exc.diagnostics) from None
    # compared as bytes: CRLF line endings or a byte-order mark are changes too
    original = read_regular(path, MAX_FILE_BYTES, truncate=True)
    if original == formatted.encode("utf-8"):
        return False
    if check:
        console.out(_diff(name, original.decode("utf-8", "replace"), formatted))
    else:
        write_atomically(path, formatted)
    return True


def _diff(name: str, before: str, after: str) -> str:
    import difflib

    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 f"{name}", f"{name} (formatted)")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def _summary(files: int, changed: int, failed: int, check: bool) -> None:
    from .. import console

    def count(n: int) -> str:
        return f"{n} file{'s' if n != 1 else ''}"

    parts = []
    if changed:
        parts.append(f"{count(changed)} {'would be reformatted' if check else 'reformatted'}")
    unchanged = files - changed - failed
    if unchanged:
        parts.append(f"{count(unchanged)} {'already formatted' if check else 'unchanged'}")
    if failed:
        parts.append(f"{count(failed)} not formatted because of errors")
    console.err(f"hpcspec fmt: {', '.join(parts)}\n")
