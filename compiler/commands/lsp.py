"""`hpcspec lsp`: the language server for editors, on standard input and output."""

from __future__ import annotations

from ..cli import EXIT_USAGE

COMMANDS = {"lsp": "run the language server for editors (LSP over stdio; needs the `lsp` extra)"}


def add_arguments(name: str, parser) -> None:
    parser.add_argument("--stdio", action="store_true",
                        help="talk LSP on standard input and output (the default and only transport; "
                             "accepted because editors pass it)")


def run(args) -> int:
    import sys

    from .. import console

    try:
        from .. import lsp
    except ImportError as exc:  # pygls is an optional dependency
        console.err(f"hpcspec lsp: error: the language server needs pygls ({exc.name or exc}): "
                    "pip install 'hpcspec[lsp]'\n")
        return EXIT_USAGE
    # Standard output carries JSON-RPC only: keep its binary stream for the protocol and send
    # anything else written there (a stray print, a library's warning) to standard error.
    protocol_out = sys.stdout.buffer
    sys.stdout = sys.stderr
    return lsp.serve(sys.stdin.buffer, protocol_out)
