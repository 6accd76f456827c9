"""`hpcspec fmt`: the canonical layout, idempotent, never changing what a spec means or its comments.

Every shipped spec and every diagnostic case that parses is formatted twice (same result) and
lowered before and after (same values and blocks, same comments); hypothesis does the same for
specs of random shape and layout (blank lines, comments anywhere, tokens split over lines) and
for mutated shipped specs. Then each layout rule on a small example, and the command line.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hpcspec.diagnostics import SpecError
from hpcspec.fmt import WIDTH, FormatError, comment_text, format_text, meaning
from hpcspec.lower import lower
from hpcspec.parse import parse
from hpcspec.source import SourceFile

from properties import mutate
from support import ROOT
from support import run_cli as run_process
from support import run_in_process as run_cli



CASES = ROOT / "tests" / "diagnostics" / "cases"
SPECS = sorted((ROOT / "specs").rglob("*.hpcspec"))
INPUTS = SPECS + sorted(CASES.rglob("*.hpcspec")) + sorted((ROOT / "tests" / "diagnostics" / "fixes").glob("*.hpcspec"))


def _lower(text: str):
    source = SourceFile(Path("t.hpcspec"), "t.hpcspec", text)
    return lower(source, parse(source))


def _lowers(text: str) -> bool:
    try:
        _lower(text)
        return True
    except SpecError:
        return False


def _same(text: str, thorough: bool = True) -> str:
    """Format; check idempotence, meaning and comments; return the formatted text. (format_text
    checks meaning and comments itself: `thorough` checks them here too.)"""
    once = format_text(text)
    assert format_text(once) == once, f"not idempotent:\n{once}"
    if thorough:
        before, after = _lower(text), _lower(once)
        assert meaning(after) == meaning(before)
        assert comment_text(after) == comment_text(before)
    for line in once.splitlines():
        assert line == line.rstrip(), repr(line)
        assert (len(line) - len(line.lstrip(" "))) % 2 == 0, repr(line)
    assert once == "" or once.endswith("\n") and not once.endswith("\n\n")
    return once


def _readable(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None
    return text if _lowers(text) else None


LOWERING = [p for p in INPUTS if _readable(p) is not None]


def test_only_syntax_error_cases_do_not_lower():
    others = sorted(p.name for p in set(INPUTS) - set(LOWERING))
    assert others and all(name.startswith(("E01", "E0212")) for name in others), others


@pytest.mark.parametrize("path", LOWERING, ids=[str(p.relative_to(ROOT)) for p in LOWERING])
def test_every_spec_formats_idempotently_without_changing_meaning(path: Path):
    _same(_readable(path))


@pytest.mark.parametrize("path", SPECS, ids=[str(p.relative_to(ROOT)) for p in SPECS])
def test_every_shipped_spec_is_formatted(path: Path):
    """What users copy is what `hpcspec fmt` writes (run it after editing a shipped spec)."""
    text = path.read_text()
    assert format_text(text) == text, f"run: hpcspec fmt {path.relative_to(ROOT)}"


# -- the rules, one example each ------------------------------------------------------------------

def test_indentation_alignment_and_one_statement_per_line():
    text = 'code x {\nversion="1"\n    description =   "d"\n  job {\n nodes = 2  walltime = 1h\n}\n}\n'
    assert format_text(text) == (
        'code x {\n'
        '  version     = "1"\n'
        '  description = "d"\n'
        '  job {\n'
        '    nodes    = 2\n'
        '    walltime = 1h\n'
        '  }\n'
        '}\n')


def test_runs_end_at_blank_lines_comments_blocks_and_multiline_values():
    text = ('code x {\n  a = 1\n  bbb = 2\n\n  cc = 3\n  # about d\n  dddd = 4\n  e {}\n  ffffff = 5\n'
            '  g += ["' + "x" * 90 + '"]\n  hh = 6\n}\n')
    assert format_text(text) == (
        'code x {\n'
        '  a   = 1\n'
        '  bbb = 2\n'
        '\n'
        '  cc = 3\n'
        '  # about d\n'
        '  dddd = 4\n'
        '  e {}\n'
        '  ffffff = 5\n'
        '  g += [\n'
        '    "' + "x" * 90 + '",\n'
        '  ]\n'
        '  hh = 6\n'
        '}\n')


def test_plus_equals_aligns_its_equals_sign():
    assert format_text("job {\n  nodes = 2\n  options += [1]\n}\n") == \
        "job {\n  nodes    = 2\n  options += [1]\n}\n"


def test_lists_join_when_they_fit_and_split_one_item_per_line_when_not():
    short = 'b {\n  l = [\n    "a",\n    "b",\n  ]\n  m = ["x",]\n  n = [ ]\n}\n'
    assert format_text(short) == 'b {\n  l = ["a", "b"]\n  m = ["x"]\n  n = []\n}\n'
    items = ", ".join(f'"item-{i:02d}"' for i in range(12))
    long = f"b {{\n  l = [{items}]\n}}\n"
    assert format_text(long) == "b {\n  l = [\n" + "".join(f'    "item-{i:02d}",\n' for i in range(12)) + "  ]\n}\n"


def test_a_list_fits_in_exactly_100_columns():
    def spec(length: int) -> str:
        return 'b {\n  l = ["' + "x" * length + '"]\n}\n'  # 2 + 4 + 4 + length columns

    assert max(map(len, format_text(spec(WIDTH - 10)).splitlines())) == WIDTH
    assert "[\n" in format_text(spec(WIDTH - 9))


def test_nested_lists_split_from_the_outside_in():
    inner = ", ".join(f'"{c * 10}"' for c in "abcdefgh")
    text = f"b {{\n  l = [[1, 2], [{inner}]]\n}}\n"
    assert format_text(text) == ("b {\n  l = [\n    [1, 2],\n    [\n"
                                 + "".join(f'      "{c * 10}",\n' for c in "abcdefgh") + "    ],\n  ]\n}\n")


def test_a_comment_inside_a_list_keeps_it_split():
    text = 'b {\n  l = [\n    "a",  # why a\n    # before b\n    "b",\n  ]\n}\n'
    assert format_text(text) == text


def test_one_line_blocks_stay_when_written_so_and_form_tables():
    text = ("p x {\n"
            "  qos standard { max_nodes = 1024 max_walltime = 24h }\n"
            "  qos long { max_nodes = 64  max_walltime = 48h  min_walltime = 24h }  # see docs\n"
            "  qos short   {   max_nodes = 32\n max_walltime = 20min }\n"
            "  build cmake { options = [\"-DX=ON\"] }\n"
            "\n"
            "  runtime apptainer {   }\n"
            "}\n")
    assert format_text(text) == (
        "p x {\n"
        "  qos standard { max_nodes = 1024  max_walltime = 24h }\n"
        "  qos long     { max_nodes = 64    max_walltime = 48h  min_walltime = 24h }  # see docs\n"
        "  qos short {\n"
        "    max_nodes    = 32\n"
        "    max_walltime = 20min\n"
        "  }\n"
        '  build cmake { options = ["-DX=ON"] }\n'
        "\n"
        "  runtime apptainer {}\n"
        "}\n")


def test_a_one_line_block_with_a_block_inside_is_split():
    assert format_text("code x { target t { job { walltime = 1h } } }\n") == \
        "code x {\n  target t {\n    job { walltime = 1h }\n  }\n}\n"


def test_a_one_line_block_too_long_is_split():
    text = "b { x { a = \"" + "y" * 95 + "\" } }\n"
    assert format_text(text) == 'b {\n  x {\n    a = "' + "y" * 95 + '"\n  }\n}\n'


def test_blank_lines_collapse_and_vanish_at_edges():
    text = "\n\n# head\n\n\n\nimport \"a\"\n\n\n\ncode x {\n\n  a = 1\n\n\n  b = 2\n\n}\n\n\n"
    assert format_text(text) == '# head\n\nimport "a"\n\ncode x {\n  a = 1\n\n  b = 2\n}\n'


def test_comments_stay_where_they_were():
    text = ("# file\n"
            "code x { # after the brace\n"
            "      # own line, re-indented\n"
            "  a = 1 # trailing, two spaces before it\n"
            "  b = [ # after the bracket\n"
            "  1,\n"
            "  ]\n"
            "    # last in the block\n"
            "} # after the block\n"
            "# end of file\n")
    assert format_text(text) == (
        "# file\n"
        "code x {  # after the brace\n"
        "  # own line, re-indented\n"
        "  a = 1  # trailing, two spaces before it\n"
        "  b = [  # after the bracket\n"
        "    1,\n"
        "  ]\n"
        "  # last in the block\n"
        "}  # after the block\n"
        "# end of file\n")


def test_comments_inside_a_statement_move_to_the_next_line_start_but_are_kept():
    text = "code x {\n  a\n  # odd place\n  = 1\n  b = # odd too\n  2\n}\n"
    out = _same(text)
    assert out == "code x {\n  a = 1\n  # odd place\n  b = 2  # odd too\n}\n"


def test_literals_are_printed_as_written():
    text = 'c "quoted label" {\n  a = "\\"q\\" \\\\ $$ ${b}"\n  b = 1h30min\n  c = 1.5TB\n  d = 0064\n}\n'
    assert format_text(text) == text


def test_empty_and_comment_only_files():
    assert format_text("") == ""
    assert format_text("\n\n  \n") == ""
    assert format_text("  # only a comment   \n\n") == "# only a comment\n"


def test_crlf_and_tabs():
    assert format_text("code x {\r\n\ta = 1\r\n}\r\n".replace("\r\n", "\n")) == "code x {\n  a = 1\n}\n"


def test_a_formatter_that_changed_meaning_or_lost_a_comment_would_be_caught(monkeypatch, tmp_path: Path):
    from hpcspec import fmt

    text = "code x {\n  a = 1  # keep me\n  b = 2\n}\n"
    original = fmt._Printer.print
    monkeypatch.setattr(fmt._Printer, "print", lambda self: original(self).replace("  # keep me", ""))
    with pytest.raises(FormatError, match="comment"):
        format_text(text)
    monkeypatch.setattr(fmt._Printer, "print", lambda self: original(self).replace("b = 2", "b = 3"))
    with pytest.raises(FormatError, match="means something else"):
        format_text(text)
    spec = tmp_path / "x.hpcspec"
    spec.write_text(text)
    proc = run_cli("fmt", "x.hpcspec", cwd=tmp_path)
    assert proc.returncode == 3 and "internal error: cannot format x.hpcspec" in proc.stderr
    assert spec.read_text() == text


def test_a_file_that_would_grow_past_the_size_limit_is_refused(monkeypatch):
    from hpcspec import parse as parse_module

    text = "b {\n  l = [" + ", ".join(f'"{i:02d}"' for i in range(25)) + "]\n}\n"  # about 160 bytes
    monkeypatch.setattr(parse_module, "MAX_FILE_BYTES", 200)
    with pytest.raises(SpecError) as err:
        format_text(text)
    assert err.value.diagnostics[0].code == "E0108"
    assert "formatted, the file would be too large" in err.value.diagnostics[0].message


def test_a_syntax_error_is_the_usual_diagnostic():
    with pytest.raises(SpecError) as err:
        format_text('code x {\n  a = "open\n}\n')
    assert err.value.diagnostics[0].code == "E0102"


# -- properties -----------------------------------------------------------------------------------

SEPARATORS = st.sampled_from([" ", " ", " ", "  ", "\n", "\n", "\n\n", "\n\n\n", "\t", "\n    ",
                              "  # note\n", "\n# own line\n", "\n\n  # after a blank\n\n", " #\n"])
KEYS = st.sampled_from(["a", "nodes", "tasks_per_node", "x-y", "_k", "walltime", "options",
                        "a_rather_long_key_name_for_alignment"])
SCALARS = st.sampled_from(['"x"', '""', r'"a \"q\" \\ $$ ${a}"', '"${name}-${version}"', '"/opt/cray"',
                           '"' + "w" * 40 + '"', "1", "128", "1h30min", "64GiB", "1.5TB", "true", "false"])
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=7).map(tuple), max_leaves=14)
LABELS = st.one_of(st.none(), st.sampled_from(["standard", "cray-mpich", '"quoted"', "x"]))


def _items(depth: int):
    assignment = st.tuples(st.just("set"), KEYS, st.sampled_from(["=", "+="]), VALUES)
    if depth >= 3:
        return st.lists(assignment, max_size=5)
    block = st.deferred(lambda: st.tuples(st.just("block"), KEYS, LABELS, _items(depth + 1)))
    return st.lists(st.one_of(assignment, assignment, block), max_size=5)


def _render(node, sep) -> str:
    """Tokens with a random separator (blanks, newlines, comments) between each two."""
    kind = node[0]
    if kind == "set":
        _, key, op, value = node
        return key + sep() + op + sep() + _render_value(value, sep)
    _, name, label, items = node
    head = name + (sep() + label if label else "")
    return head + sep() + "{" + "".join(sep() + _render(i, sep) for i in items) + sep() + "}"


def _render_value(value, sep) -> str:
    if isinstance(value, str):
        return value
    inner = ("," + sep()).join(_render_value(v, sep) for v in value)
    trailing = "," if value and len(inner) % 3 == 0 else ""
    return "[" + sep() + inner + trailing + sep() + "]"


@st.composite
def specs(draw) -> str:
    imports = draw(st.lists(st.sampled_from(['import "archer2"', 'import "./x.hpcspec"']), max_size=2))
    blocks = draw(st.lists(st.tuples(st.just("block"), st.sampled_from(["code", "platform"]), LABELS,
                                     _items(1)), min_size=1, max_size=3))

    def sep() -> str:
        return draw(SEPARATORS)

    return sep() + "".join(i + sep() for i in imports) + "".join(_render(b, sep) + sep() for b in blocks) + "\n"


FAST = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FAST
@given(text=specs())
def test_generated_specs_format_idempotently_without_changing_meaning(text):
    _same(text, thorough=False)


OPERATIONS = st.sampled_from(["delete", "duplicate", "swap", "truncate", "replace", "unicode"])
PAYLOADS = st.sampled_from([b"{", b"}", b"[", b"]", b",", b"=", b"+=", b"#", b"# c\n", b"\n", b"\n\n",
                            b"x", b"1h", b'"s"', b"true", b" "])


@FAST
@given(seed=st.sampled_from(SPECS),
       operations=st.lists(st.tuples(OPERATIONS, st.integers(0, 10**6), st.integers(0, 10**6), PAYLOADS),
                           min_size=1, max_size=3))
def test_mutated_specs_that_parse_format_idempotently(seed, operations):
    text = mutate(seed.read_text(), operations).decode("utf-8", "replace")
    if _lowers(text):
        _same(text, thorough=False)


# -- the command line -----------------------------------------------------------------------------

UNFORMATTED = 'code x {\nversion="1"\n    description =   "d"\n}\n'
FORMATTED = 'code x {\n  version     = "1"\n  description = "d"\n}\n'


def test_check_prints_a_diff_writes_nothing_and_exits_1(tmp_path: Path):
    spec = tmp_path / "x.hpcspec"
    spec.write_text(UNFORMATTED)
    proc = run_process("fmt", "--check", "x.hpcspec", cwd=tmp_path)  # the real entry point, once
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ("--- x.hpcspec\n+++ x.hpcspec (formatted)\n@@ -1,4 +1,4 @@\n code x {\n"
                           '-version="1"\n-    description =   "d"\n+  version     = "1"\n+  description = "d"\n }\n')
    assert "1 file would be reformatted" in proc.stderr
    assert spec.read_text() == UNFORMATTED


def test_formatting_rewrites_in_place_keeps_the_mode_and_leaves_formatted_files_alone(tmp_path: Path):
    spec, done = tmp_path / "x.hpcspec", tmp_path / "done.hpcspec"
    spec.write_text(UNFORMATTED)
    spec.chmod(0o640)
    done.write_text(FORMATTED)
    before = os.stat(done)
    proc = run_cli("fmt", "x.hpcspec", "done.hpcspec", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert spec.read_text() == FORMATTED
    assert stat.S_IMODE(os.stat(spec).st_mode) == 0o640
    after = os.stat(done)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["done.hpcspec", "x.hpcspec"]  # no temporary left
    assert run_cli("fmt", "--check", "x.hpcspec", "done.hpcspec", cwd=tmp_path).returncode == 0


def test_a_symlink_keeps_pointing_at_the_formatted_file(tmp_path: Path):
    real = tmp_path / "real.hpcspec"
    real.write_text(UNFORMATTED)
    (tmp_path / "link.hpcspec").symlink_to(real)
    assert run_cli("fmt", "link.hpcspec", cwd=tmp_path).returncode == 0
    assert (tmp_path / "link.hpcspec").is_symlink() and real.read_text() == FORMATTED


def test_crlf_files_are_rewritten_with_newlines(tmp_path: Path):
    spec = tmp_path / "x.hpcspec"
    spec.write_bytes(FORMATTED.replace("\n", "\r\n").encode())
    assert run_cli("fmt", "--check", "x.hpcspec", cwd=tmp_path).returncode == 1
    assert run_cli("fmt", "x.hpcspec", cwd=tmp_path).returncode == 0
    assert spec.read_bytes() == FORMATTED.encode()


def test_a_file_with_errors_is_reported_and_left_untouched(tmp_path: Path):
    bad, good = tmp_path / "bad.hpcspec", tmp_path / "good.hpcspec"
    bad.write_text('code x {\n  a = "open\n}\n')
    good.write_text(UNFORMATTED)
    proc = run_cli("fmt", "bad.hpcspec", "good.hpcspec", cwd=tmp_path)
    assert proc.returncode == 1
    assert "error[E0102]: unterminated string\n --> bad.hpcspec:2:7" in proc.stderr
    assert bad.read_text() == 'code x {\n  a = "open\n}\n'
    assert good.read_text() == FORMATTED  # the other files are still formatted


def test_usage_errors_exit_2(tmp_path: Path):
    assert run_cli("fmt", "missing.hpcspec", cwd=tmp_path).returncode == 2
    assert run_cli("fmt", ".", cwd=tmp_path).returncode == 2
    assert run_cli("fmt", cwd=tmp_path).returncode == 2
