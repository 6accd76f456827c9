"""`hpcspec init code|platform NAME`: write a commented skeleton spec (see hpcspec/skeleton.py)."""

from __future__ import annotations

from ..cli import EXIT_OK, usage_error

COMMANDS = {"init": "write a commented skeleton: `init code NAME --build KIND` or `init platform NAME` (from this host)"}


def add_arguments(name: str, parser) -> None:
    from ..skeleton import BUILD_KINDS

    parser.add_argument("what", choices=("code", "platform"), help="a code spec, or a platform spec of this machine")
    parser.add_argument("name", metavar="NAME", help="the code's or the platform's name")
    parser.add_argument("--build", choices=BUILD_KINDS, help="how the code is built (code specs)")
    parser.add_argument("-o", "--output", metavar="FILE", help="where to write it (default: NAME.hpcspec; - for stdout)")


def run(args) -> int:
    from ..resolve import NAME

    if not NAME.fullmatch(args.name):
        return usage_error(f"`{args.name}` is not a valid name: use letters, digits, `_`, `.` and `-`, "
                           "starting with a letter or digit")
    if args.what == "code" and args.build is None:
        return usage_error("a code skeleton needs --build cmake|autotools|make|script")
    if args.what == "platform" and args.build is not None:
        return usage_error("--build is for code specs")
    output = args.output or f"{args.name}.hpcspec"
    import os

    if output != "-" and os.path.lexists(output):
        return usage_error(f"{output} already exists; hpcspec init never overwrites a file (give -o FILE)")
    text = _code(args, output) if args.what == "code" else _platform(args)
    return _write(output, text)


def _code(args, output: str) -> str:
    import os

    from ..skeleton import code_skeleton

    return code_skeleton(args.name, args.build, os.path.basename(output) if output != "-" else f"{args.name}.hpcspec")


def _platform(args) -> str:
    from dataclasses import replace

    from .. import console
    from ..probe import ProbeError, probe
    from ..skeleton import platform_skeleton, probe_host

    found, why = None, ""
    try:
        found = probe("mpi")
        found = replace(found, name=found.abi, dest=f"/opt/hpcspec/host/{found.abi}")  # named by its family
    except ProbeError as exc:
        why = str(exc)
        console.err(f"hpcspec: note: no host MPI found ({why}); the skeleton has a TODO block in its place\n")
    return platform_skeleton(args.name, probe_host(), found, why)


def _write(output: str, text: str) -> int:
    """Write a new file, never replacing one (even one made meanwhile): a complete temporary file
    linked to its name, which fails if the name exists."""
    import os
    import tempfile

    from .. import console

    if output == "-":
        console.out(text)
        return EXIT_OK
    directory = os.path.dirname(os.path.abspath(output))
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".hpcspec-init-", suffix=".tmp")
    except OSError as exc:
        return usage_error(f"cannot write {output}: {exc.strerror or exc}")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.chmod(temporary, 0o666 & ~_umask())
        os.link(temporary, output)
    except FileExistsError:
        return usage_error(f"{output} already exists; hpcspec init never overwrites a file (give -o FILE)")
    except OSError as exc:
        return usage_error(f"cannot write {output}: {exc.strerror or exc}")
    finally:
        os.unlink(temporary)
    console.err(f"hpcspec: wrote {output}; next: hpcspec check {output}\n")
    return EXIT_OK


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask
