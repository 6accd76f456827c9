"""`hpcspec probe`: find a host MPI's libraries and print its platform-spec block."""

from __future__ import annotations

from ..cli import EXIT_OK, EXIT_SPEC, EXIT_USAGE

COMMANDS = {"probe": "find a host MPI's libraries and print its platform-spec block"}


def add_arguments(name: str, parser) -> None:
    parser.add_argument("--name", default="mpi", help="the MPI's name in the platform spec (default: mpi)")
    parser.add_argument("--library", metavar="PATH", help="the MPI library (default: found with ldconfig -p)")
    parser.add_argument("--image", metavar="DIR", help="an unpacked image: leave out libraries it already has")
    parser.add_argument("--dest", metavar="DIR",
                        help="container directory for the bound libraries (default: /opt/hpcspec/host/NAME)")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def run(args) -> int:
    import re

    from .. import console
    from ..probe import ProbeError, probe, render_block, render_json

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}", args.name):
        console.err(f"hpcspec probe: error: `{args.name}` is not a valid name\n")
        return EXIT_USAGE
    if args.dest and not re.fullmatch(r"(/[A-Za-z0-9_.+@%=\-]+)+", args.dest):
        console.err(f"hpcspec probe: error: --dest must be an absolute path, not `{args.dest}`\n")
        return EXIT_USAGE
    try:
        result = probe(args.name, args.library, args.image, args.dest)
    except ProbeError as exc:
        console.err(f"hpcspec probe: error: {exc}\n")
        return EXIT_SPEC
    console.out(render_json(result) if args.format == "json" else render_block(result))
    return EXIT_OK


