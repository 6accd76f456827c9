"""`hpcspec lsp`, driven as an editor drives it: a real process on stdio, JSON-RPC with
Content-Length framing, every message checked against the LSP's types (lsprotocol).

The session test runs through what an editor does while a spec is written: initialize, open a
spec with an error, fix it, type half a key, ask for hover and completions, shut down. It
prints a transcript summary (pytest -s). The other tests check the pieces without a process:
the outline of half-typed text, completion and hover on it, positions in UTF-16, and problems of
imported files placed on the import line.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from lsprotocol import types as lsp  # noqa: E402
from lsprotocol.converters import get_converter  # noqa: E402

from support import ROOT  # noqa: E402

CONVERTER = get_converter()
TIMEOUT = 15.0  # seconds for any one answer; the whole session takes a few

CODE = """import "localhost"
import "archer2"

code demo {
  version = "1.0"
  source {
    url    = "https://example.org/demo-${version}.tar.gz"
    sha256 = "5f2b1c0ab7a50a6e4f3ef2b8b6c4a1a2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8"
  }
  image { from = "debian:bookworm" }
  mpi { name = "mpich" abi = "mpich" version = "4.0.2" }
  build cmake { }
  run { executable = "bin/demo" }
  target here {
    platform = "localhost"
    mpi      = "mpich"
    compiler = "gnu"
    job {
      tasks_per_node = TASKS
      walltime       = 10min
    }
  }
}
"""


class Client:
    """A minimal LSP client: frames, ids, and a count of every message each way."""

    def __init__(self, cwd: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HPCSPEC_") or k == "HPCSPEC_CACHE_DIR"}
        self.process = subprocess.Popen([sys.executable, "-m", "hpcspec", "lsp"], cwd=cwd, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.inbox: queue.Queue = queue.Queue()
        self.notifications: list[dict] = []
        self.sent: Counter = Counter()
        self.received: Counter = Counter()
        self.junk: list[bytes] = []  # anything on stdout that is not a framed JSON-RPC message
        self.stderr = b""
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                byte = stream.read(1)
                if not byte:
                    if header.strip():
                        self.junk.append(header)
                    self.inbox.put(None)
                    return
                header += byte
            fields = dict(line.split(": ", 1) for line in header.decode("ascii").strip().split("\r\n")
                          if ": " in line)
            if "Content-Length" not in fields:
                self.junk.append(header)
                continue
            body = stream.read(int(fields["Content-Length"]))
            self.inbox.put(json.loads(body))

    def _read_stderr(self) -> None:
        self.stderr = self.process.stderr.read()

    def _send(self, message: dict) -> None:
        body = json.dumps(message).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()
        kind = "request" if "id" in message and "method" in message else (
            "notification" if "method" in message else "response")
        self.sent[f"{kind} {message.get('method', '')}".strip()] += 1

    def _take(self, deadline: float) -> dict:
        message = self.inbox.get(timeout=max(0.01, deadline - time.monotonic()))
        assert message is not None, f"the server closed its output; stderr: {self.stderr.decode()}"
        if "method" in message and "id" in message:  # a request of the server: answer it
            self.received[f"request {message['method']}"] += 1
            self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
        elif "method" in message:
            self.received[f"notification {message['method']}"] += 1
            self.notifications.append(message)
        else:
            self.received["response"] += 1
        return message

    def request(self, method: str, params, result_type=None):
        self.next_id += 1
        ident = self.next_id
        self._send({"jsonrpc": "2.0", "id": ident, "method": method, "params": CONVERTER.unstructure(params)})
        deadline = time.monotonic() + TIMEOUT
        while True:
            message = self._take(deadline)
            if message.get("id") == ident and "method" not in message:
                assert "error" not in message, message["error"]
                result = message.get("result")
                return CONVERTER.structure(result, result_type) if result_type and result is not None else result

    def notify(self, method: str, params=None) -> None:
        message = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = CONVERTER.unstructure(params)
        self._send(message)

    def diagnostics(self, uri: str, version: int | None = None) -> lsp.PublishDiagnosticsParams:
        """The next diagnostics published for `uri` (for `version`, when given)."""
        deadline = time.monotonic() + TIMEOUT
        while True:
            for index, message in enumerate(self.notifications):
                if message["method"] == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri \
                        and (version is None or message["params"].get("version") == version):
                    del self.notifications[: index + 1]
                    return CONVERTER.structure(message["params"], lsp.PublishDiagnosticsParams)
            self._take(deadline)

    def summary(self) -> str:
        lines = [f"  client -> server: {sum(self.sent.values())} messages"]
        lines += [f"    {count:3d} {kind}" for kind, count in sorted(self.sent.items())]
        lines += [f"  server -> client: {sum(self.received.values())} messages"]
        lines += [f"    {count:3d} {kind}" for kind, count in sorted(self.received.items())]
        return "\n".join(lines)


def check_json(spec: Path) -> list[dict]:
    """The diagnostics of `hpcspec check --format json` on a saved file: what the editor must show."""
    done = subprocess.run([sys.executable, "-m", "hpcspec", "check", "--no-cache", "--format", "json", spec.name],
                          cwd=spec.parent, capture_output=True, text=True, timeout=60)
    # a list on stderr, or (the newer format) an object with `diagnostics` on stdout
    found = json.loads(done.stdout.strip() or done.stderr)
    return found["diagnostics"] if isinstance(found, dict) else found


def position(text: str, needle: str, after: int = 0) -> lsp.Position:
    """Where `needle` starts in `text`, moved `after` characters on (all ASCII: UTF-16 = chars)."""
    offset = text.index(needle) + after
    line = text.count("\n", 0, offset)
    return lsp.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))


def test_a_session_over_stdio(tmp_path):
    steps: list[tuple[str, float]] = []
    start = time.monotonic()

    def step(name: str) -> None:
        steps.append((name, time.monotonic()))

    spec = tmp_path / "demo.hpcspec"
    bad = CODE.replace("TASKS", "4")  # localhost has 2 cores: E0601
    spec.write_text(bad)
    uri = spec.as_uri()
    expected = check_json(spec)
    assert [d["code"] for d in expected] == ["E0601"], expected
    step("hpcspec check --format json (the reference)")

    client = Client(tmp_path)
    try:
        result = client.request("initialize", lsp.InitializeParams(
            process_id=os.getpid(), root_uri=tmp_path.as_uri(), capabilities=lsp.ClientCapabilities(
                text_document=lsp.TextDocumentClientCapabilities(
                    hover=lsp.HoverClientCapabilities(content_format=[lsp.MarkupKind.Markdown]),
                    publish_diagnostics=lsp.PublishDiagnosticsClientCapabilities(related_information=True)))),
            lsp.InitializeResult)
        client.notify("initialized", lsp.InitializedParams())
        step("start the server, initialize")
        capabilities = result.capabilities
        assert result.server_info is not None and result.server_info.name == "hpcspec"
        sync = capabilities.text_document_sync
        assert getattr(sync, "change", sync) == lsp.TextDocumentSyncKind.Full
        assert capabilities.hover_provider
        assert capabilities.completion_provider is not None
        assert {'"', " "} <= set(capabilities.completion_provider.trigger_characters or ())

        # open a spec with an error: the same diagnostic, at the same place, as `hpcspec check`
        client.notify("textDocument/didOpen", lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id="hpcspec", version=1, text=bad)))
        published = client.diagnostics(uri, 1)
        step("didOpen -> diagnostics")
        assert [(d.code, d.severity, d.source) for d in published.diagnostics] == \
            [("E0601", lsp.DiagnosticSeverity.Error, "hpcspec")]
        got, want = published.diagnostics[0], expected[0]
        assert (got.range.start.line, got.range.start.character, got.range.end.line, got.range.end.character) == \
            (want["line"] - 1, want["column"] - 1, want["end_line"] - 1, want["end_column"] - 1)
        assert got.range.start == position(bad, "= 4", 2)
        assert got.message.startswith(want["message"])
        assert f"help: {want['help']}" in got.message

        # fix it in the editor only (the file on disk keeps the error): no diagnostics
        fixed = CODE.replace("TASKS", "2")
        client.notify("textDocument/didChange", lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=fixed)]))
        assert list(client.diagnostics(uri, 2).diagnostics) == []
        step("didChange (fixed) -> no diagnostics")

        hover = client.request("textDocument/hover", lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), position=position(fixed, "walltime", 3)), lsp.Hover)
        step("hover walltime")
        assert isinstance(hover.contents, lsp.MarkupContent) and hover.contents.kind == lsp.MarkupKind.Markdown
        assert "walltime = DURATION" in hover.contents.value and "time limit" in hover.contents.value
        assert hover.range is not None and hover.range.start == position(fixed, "walltime")

        # half a key typed inside `job {`: a syntax error is reported, completion goes on
        typing = fixed.replace("      tasks_per_node = 2\n      walltime       = 10min\n", "      wall\n")
        client.notify("textDocument/didChange", lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=3),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=typing)]))
        syntax = client.diagnostics(uri, 3).diagnostics
        assert [d.code for d in syntax] == ["E0101"], syntax
        step("didChange (half a key) -> syntax error")
        listed = client.request("textDocument/completion", lsp.CompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), position=position(typing, "wall", 4)),
            lsp.CompletionList)
        step("completion in job")
        labels = {item.label for item in listed.items}
        assert {"walltime", "nodes", "tasks_per_node", "cpus_per_task", "partition"} <= labels
        assert "platform" not in labels and "version" not in labels  # keys of other blocks
        walltime = next(item for item in listed.items if item.label == "walltime")
        assert walltime.text_edit.range.start == position(typing, "wall")

        # `platform = "`: the imported platforms, from the last analysis whose imports resolved
        typing = typing.replace('platform = "localhost"', 'platform = "')
        client.notify("textDocument/didChange", lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=4),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=typing)]))
        listed = client.request("textDocument/completion", lsp.CompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), position=position(typing, 'platform = "', 12),
            context=lsp.CompletionContext(trigger_kind=lsp.CompletionTriggerKind.TriggerCharacter,
                                          trigger_character='"')), lsp.CompletionList)
        step('completion platform = "')
        assert sorted(item.label for item in listed.items) == ["archer2", "localhost"]
        listed = client.request("textDocument/completion", lsp.CompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri=uri), position=position(typing, '"mpich"', 1)),
            lsp.CompletionList)
        assert [item.label for item in listed.items] == []  # the target names no platform yet
        assert client.diagnostics(uri, 4).diagnostics  # the unterminated string, reported

        # a platform spec next to it, broken on disk: its problem shows on the import line
        (tmp_path / "site.hpcspec").write_text(
            (ROOT / "specs" / "platforms" / "localhost.hpcspec").read_text()
            .replace("platform localhost", "platform site").replace("cores_per_socket = 2", "cores_per_socket = 0"))
        user = tmp_path / "user.hpcspec"
        text = CODE.replace("TASKS", "1").replace('import "localhost"', 'import "./site.hpcspec"') \
            .replace('platform = "localhost"', 'platform = "site"')
        user.write_text(text)
        client.notify("textDocument/didOpen", lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=user.as_uri(), language_id="hpcspec", version=1, text=text)))
        found = client.diagnostics(user.as_uri(), 1).diagnostics
        step("didOpen (broken import) -> diagnostics")
        assert [d.code for d in found] == ["E0205"], found
        assert found[0].range.start.line == 0 and "site.hpcspec:" in found[0].message
        related = found[0].related_information[0]
        assert related.location.uri == (tmp_path / "site.hpcspec").resolve().as_uri()
        assert related.location.range.start.line == position(
            (tmp_path / "site.hpcspec").read_text(), "cores_per_socket = 0").line

        # saving checks again; closing clears the document's diagnostics
        client.notify("textDocument/didSave", lsp.DidSaveTextDocumentParams(
            text_document=lsp.TextDocumentIdentifier(uri=user.as_uri())))
        assert [d.code for d in client.diagnostics(user.as_uri(), 1).diagnostics] == ["E0205"]
        client.notify("textDocument/didClose", lsp.DidCloseTextDocumentParams(
            text_document=lsp.TextDocumentIdentifier(uri=user.as_uri())))
        assert list(client.diagnostics(user.as_uri()).diagnostics) == []
        step("didSave, didClose")

        assert client.request("shutdown", None) is None
        client.notify("exit")
        assert client.process.wait(timeout=TIMEOUT) == 0
        step("shutdown, exit")
    finally:
        if client.process.poll() is None:
            client.process.kill()
            client.process.wait()
    while client.inbox.get(timeout=TIMEOUT) is not None:
        pass
    assert client.junk == [], "the server wrote something other than JSON-RPC on stdout"
    assert b"Traceback" not in client.stderr, client.stderr.decode()
    total = time.monotonic() - start
    previous = start
    timings = []
    for name, at in steps:
        timings.append(f"    {(at - previous) * 1000:7.0f} ms  {name}")
        previous = at
    print(f"\nLSP session transcript ({total:.2f} s in all):\n{client.summary()}\n  steps:\n" + "\n".join(timings)
          + f"\n  server stderr: {len(client.stderr)} bytes")
    assert total < 20


# ----------------------------------------------------------------------------------------------
# The pieces, without a process


def test_outline_of_half_typed_text():
    from hpcspec.lsp_outline import Outline

    text = 'import "archer2"\ncode x {\n  target a {\n    platform = "arc\n    job { wall\n  }\n'
    outline = Outline(text)
    at = outline.at(text.index('"arc\n') + 4)
    assert (at.role, at.key, at.prefix, at.in_string) == ("value", "platform", "arc", True)
    assert [b.kind.text for b in at.blocks] == ["code", "target"]
    at = outline.at(text.index("wall") + 4)
    assert (at.role, at.prefix) == ("key", "wall")
    assert [b.kind.text for b in at.blocks] == ["code", "target", "job"]
    assert outline.at(text.index("archer2") + 3).role == "import"
    assert outline.at(text.index("code x") + 2).role == "key"  # a block's kind
    for offset in range(len(text) + 1):  # anywhere: an answer, never an exception
        outline.at(offset)


@pytest.mark.parametrize("typed, kind, expected", [
    ("platform p {\n  scheduler ", "scheduler", {"slurm", "pbs", "flux"}),
    ("platform p {\n  launcher ", "launcher", {"srun", "hydra", "openmpi", "pals"}),
    ("platform p {\n  runtime ", "runtime", {"apptainer", "singularity", "charliecloud"}),
    ("code c {\n  build ", "build", {"cmake", "autotools", "make", "script"}),
])
def test_completion_of_block_names(typed, kind, expected):
    from hpcspec.lsp import completions
    from hpcspec.lsp_outline import Outline

    outline = Outline(typed)
    ctx = outline.at(len(typed))
    assert (ctx.role, ctx.key) == ("label", kind)
    labels = {item.label for item in completions(ctx, outline, None, None, False)}
    assert expected <= labels


def test_completion_of_keys_values_and_plugin_keys():
    from hpcspec.lsp import completions
    from hpcspec.lsp_outline import Outline

    def labels(text: str, marker: str = "|") -> list[str]:
        offset = text.index(marker)
        outline = Outline(text.replace(marker, ""))
        return [item.label for item in completions(outline.at(offset), outline, None, None, True)]

    assert "srun_cpus_per_task" in labels("platform p {\n  scheduler slurm {\n    |\n  }\n}")
    assert "srun_cpus_per_task" not in labels("platform p {\n  scheduler pbs {\n    |\n  }\n}")
    assert "cpu_bind" in labels('platform p {\n  launcher mpiexec { kind = "pals"\n    |\n  }\n}')
    assert labels('code c {\n  target t {\n    model = "|"\n  }\n}') == ["bind", "host", "hybrid", "hook"]
    assert labels("code c {\n  target t { gpu_aware_mpi = | }\n}") == ["true", "false"]
    top = labels("|")
    assert top == ["import", "code", "platform"]
    inside = labels("code c {\n  build cmake {\n    |\n  }\n}")
    assert "options" in inside and "kind" not in inside  # the kind is the block's name
    given = labels('code c {\n  version = "1"\n  |\n}')
    assert "version" not in given and "source" in given  # a second `version` would be an error


def test_references_name_keys_of_the_language():
    from hpcspec import keydocs
    from hpcspec.lsp import REFERENCES

    owners = {block.id: {d.key for d in block.keys} for block in keydocs.blocks()}
    for (owner, key), kind in REFERENCES.items():
        assert key in owners[owner], f"{owner}.{key} is not a key of the language"
        assert kind == "platform" or kind in owners["Platform"], f"platforms have no `{kind}` blocks"


def test_completion_of_names_from_the_imported_platforms(tmp_path):
    from hpcspec.lsp import completions
    from hpcspec.lsp_analysis import analyse
    from hpcspec.lsp_outline import Outline

    text = CODE.replace("TASKS", "2")
    program = analyse(tmp_path / "demo.hpcspec", text).program

    def labels(needle: str, after: int) -> list[str]:
        outline = Outline(text)
        ctx = outline.at(text.index(needle) + after)
        return sorted(item.label for item in completions(ctx, outline, program, None, False))

    assert labels('platform = "', 12) == ["archer2", "localhost"]
    assert labels('mpi      = "', 12) == ["mpich"]
    assert "gnu" in labels('compiler = "', 12)
    text = text.replace('platform = "localhost"', 'platform = "archer2"').replace(
        "walltime       = 10min", 'partition = ""\n      qos = ""')
    assert labels('partition = "', 13) == ["highmem", "serial", "standard"]
    assert "short" in labels('qos = "', 7) and "largescale" in labels('qos = "', 7)
    assert labels('mpi      = "', 12) == sorted(
        b.label for b in program.platforms["archer2"].blocks() if b.kind == "mpi")


def test_hover_on_keys_names_and_values(tmp_path):
    from hpcspec.lsp import hover_text
    from hpcspec.lsp_analysis import analyse
    from hpcspec.lsp_outline import Outline

    text = CODE.replace("TASKS", "2")
    analysis = analyse(tmp_path / "demo.hpcspec", text)
    outline = Outline(text)

    def hover(needle: str, after: int = 1) -> str:
        return hover_text(outline.at(text.index(needle) + after), outline, analysis.program) or ""

    assert "The build system" not in hover("build cmake") and "How the code is built" in hover("build cmake")
    assert "cmake" in hover("cmake", 2)
    assert "**platform `localhost`**" in hover('"localhost"', 2)
    assert "mpi `mpich`" in hover('"mpich"\n', 2) and 'abi' in hover('"mpich"\n', 2)
    assert "platform spec" in hover("import", 2).lower()
    assert "sha256sum" in hover("sha256")


def test_positions_are_utf16_for_the_client(tmp_path):
    """Columns of spans count characters; LSP counts UTF-16 units by default."""
    from pygls.workspace.position_codec import PositionCodec

    from hpcspec.lsp import span_range
    from hpcspec.source import SourceFile

    text = 'description = "😀 é" x\n'
    source = SourceFile(tmp_path / "x.hpcspec", "x.hpcspec", text)
    offset = text.index("x\n")
    found = span_range(source.span(offset, offset + 1), PositionCodec())
    assert (found.start.line, found.start.character, found.end.character) == (0, 21, 22)  # 😀 is 2 units
    empty = span_range(source.span(0, 0), PositionCodec())
    assert (empty.start.character, empty.end.character) == (0, 1)  # an empty span marks one character


def test_problems_of_imported_files_are_on_the_import_line(tmp_path):
    from pygls.workspace.position_codec import PositionCodec

    from hpcspec.lsp import lsp_diagnostics
    from hpcspec.lsp_analysis import analyse

    (tmp_path / "a.hpcspec").write_text('import "./b.hpcspec"\n')
    (tmp_path / "b.hpcspec").write_text("platform b {\n  node { sockets = x }\n}\n")
    text = 'import "./a.hpcspec"\nimport "localhost"\ncode c { }\n'
    analysis = analyse(tmp_path / "c.hpcspec", text)
    shown = lsp_diagnostics(analysis, PositionCodec())
    foreign = [d for d in shown if d.related_information]
    assert foreign and all(d.range.start.line == 0 for d in foreign)  # reached through the first import
    assert foreign[0].related_information[0].location.uri.endswith("/b.hpcspec")
    text = 'import "localhost"\nimport "no-such-site"\nimport "./a.hpcspec"\ncode c { }\n'
    shown = lsp_diagnostics(analyse(tmp_path / "c.hpcspec", text), PositionCodec())
    assert {d.range.start.line for d in shown if d.related_information} == {2}
    assert [d.range.start.line for d in shown if d.code == "E0301"] == [1]  # not found: its own line


def test_unsaved_documents_are_read_from_memory(tmp_path):
    """An open, unsaved platform spec is what the code spec's import sees."""
    from hpcspec.lsp_analysis import analyse

    site = tmp_path / "site.hpcspec"
    site.write_text((ROOT / "specs" / "platforms" / "localhost.hpcspec").read_text()
                    .replace("platform localhost", "platform site"))
    text = CODE.replace("TASKS", "2").replace('import "localhost"', 'import "./site.hpcspec"') \
        .replace('platform = "localhost"', 'platform = "site"')
    assert [d.code for d in analyse(tmp_path / "c.hpcspec", text).diagnostics] == []
    unsaved = site.read_text().replace("cores_per_socket = 2", "cores_per_socket = 1")
    found = analyse(tmp_path / "c.hpcspec", text, {site: unsaved}).diagnostics
    assert [d.code for d in found] == ["E0601"]
    assert not (tmp_path / "c.hpcspec").exists()  # nothing written


def test_lsp_command_without_pygls_says_what_to_install(tmp_path):
    """pygls is an optional dependency: without it, a message and exit 2, not a traceback."""
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\nclass _Block:\n    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'pygls' or name.startswith('pygls.'):\n"
        "            raise ImportError(name=name)\nsys.meta_path.insert(0, _Block())\n")
    env = {**os.environ, "PYTHONPATH": str(blocker)}
    done = subprocess.run([sys.executable, "-m", "hpcspec", "lsp"], env=env, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2, done.stderr
    assert "pip install 'hpcspec[lsp]'" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_hover_and_completion_answer_anywhere_in_half_written_specs():
    """Every prefix of every shipped spec, as if typed up to there: an answer at any cursor
    position, never an exception."""
    from support import CODES, PLATFORMS

    from hpcspec.lsp import completions, hover_text
    from hpcspec.lsp_outline import Outline

    answered = 0
    for path in CODES + PLATFORMS:
        text = path.read_text()
        for cut in range(0, len(text) + 1, max(1, len(text) // 6)):
            outline = Outline(text[:cut])
            for offset in range(0, cut + 1, 17):
                ctx = outline.at(offset)
                completions(ctx, outline, None, None, True)
                hover_text(ctx, outline, None)
                answered += 1
    assert answered > 1000
