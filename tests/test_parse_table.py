"""The parse table built ahead of time (grammar/table.py) is the grammar's: it was built from
this grammar's text, and parses every shipped spec and diagnostic case to the same trees (and
the same errors) as a parser built from the grammar now."""

from __future__ import annotations

import hashlib

from lark import Lark

from hpcspec import parse as stage
from hpcspec.grammar import table

from support import ROOT

INPUTS = sorted((ROOT / "specs").rglob("*.hpcspec")) + sorted((ROOT / "tests" / "diagnostics").rglob("*.hpcspec"))


def test_the_table_was_built_from_this_grammar(update_goldens: bool):
    if update_goldens:
        stage.main(["--table", str(ROOT / "grammar" / "table.py")])
    grammar = (ROOT / "grammar" / "hpcspec.lark").read_bytes()
    assert table.GRAMMAR_SHA256 == hashlib.sha256(grammar).hexdigest(), \
        "grammar/table.py is stale: run python -m hpcspec.parse --table grammar/table.py"
    # the same grammar gives the same table, numbered the same, whatever the string hashing of
    # the process (the terminals' regex widths in MEMO follow the Python version: not compared)
    fresh: dict = {}
    exec(compile(stage.table_source(), "table.py", "exec"), fresh)
    assert fresh["DATA"] == table.DATA


def test_runs_parse_with_the_table():
    stage.parser.cache_clear()
    try:
        assert stage.parser().options.propagate_positions is True
        assert stage.parser().options.maybe_placeholders is True
    finally:
        stage.parser.cache_clear()


def test_the_table_parses_as_the_grammar_does():
    built = Lark((ROOT / "grammar" / "hpcspec.lark").read_text(), **stage.OPTIONS)
    loaded = Lark._load_from_dict(table.DATA, table.MEMO)
    same = 0
    for path in INPUTS:
        text = path.read_text(errors="replace")
        outcomes = []
        for parser in (built, loaded):
            try:
                outcomes.append(parser.parse(text))
            except Exception as exc:  # the same error, at the same place
                outcomes.append((type(exc).__name__, getattr(exc, "pos_in_stream", None),
                                 str(getattr(exc, "token", ""))))
        assert outcomes[0] == outcomes[1], path
        same += 1
    assert same > 100


def test_a_grammar_being_edited_is_used_as_it_is(monkeypatch):
    monkeypatch.setattr(stage, "_grammar", lambda: (ROOT / "grammar" / "hpcspec.lark").read_bytes() + b"\n")
    stage.parser.cache_clear()
    try:
        assert stage.parser().parse('x = 1\n')
    finally:
        stage.parser.cache_clear()
