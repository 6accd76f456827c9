"""`hpcspec lsp`: a language server for editors (LSP over stdio, with pygls).

- Diagnostics as you type: each open document is checked as `hpcspec check` would check it
  if it were saved (lsp_analysis.py), a moment after the last change, and on open and save.
  Problems in a file the document imports are shown on the import line that brings that file
  in, with the place in the other file as related information.
- Hover: what a key or block means (keydocs.py), and for a value that names a platform, MPI,
  compiler, partition, QoS, launcher or library, the block it names.
- Completion: the keys and blocks valid in the enclosing block, the names a block takes
  (`scheduler `, `launcher `, `runtime `, `build `), the values a key allows, the names of the
  imported platforms and of their MPIs, compilers, partitions and QoS, and platform specs on the
  search path after `import "`.

A half-typed document is read by lsp_outline.py, which never fails; completion uses the last
analysis whose imports resolved. Nothing but JSON-RPC goes to standard output; problems of the
server itself go to standard error (the editor's log), without a traceback unless HPCSPEC_DEBUG
is set.
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from . import __version__, keydocs, nodes
from .diagnostics import Diagnostic, Severity
from .lsp_analysis import Analysis, analyse, platform_names
from .lsp_outline import Assignment, Block, Context, Import, Outline

DEBOUNCE = 0.25  # seconds after the last change before a document is checked again
LOG = logging.getLogger("hpcspec.lsp")

# What a value names: (the model holding the key, the key) -> the kind of block it names.
REFERENCES = {
    ("Target", "platform"): "platform",
    ("Platform", "extends"): "platform",
    ("Target", "mpi"): "mpi",
    ("Target", "compiler"): "compiler",
    ("Target", "libraries"): "library",
    ("Job", "partition"): "partition",
    ("Job", "qos"): "qos",
    ("Partition", "qos"): "qos",
    ("Partition", "default_qos"): "qos",
    ("Mpi", "launcher"): "launcher",
}


class HpcspecServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("hpcspec", __version__, text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
        self.programs: dict[str, object] = {}  # uri -> the latest program whose imports resolved
        self.pending: dict[str, asyncio.Task] = {}
        # one analysis at a time, off the event loop: hover and completion answer meanwhile
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hpcspec-check")
        self.shut_down = False

    # -- documents -----------------------------------------------------------------------------
    def open_texts(self) -> dict[Path, str]:
        """Every open document that is a file, by path: imports read them from the editor."""
        out = {}
        for uri, document in self.workspace.text_documents.items():
            path = document_path(uri)
            if path is not None:
                out[path] = document.source
        return out

    def schedule(self, uri: str, delay: float = 0.0) -> None:
        """Check `uri` after `delay` seconds, unless it changes again before then."""
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.ensure_future(self._check(uri, delay))

    def schedule_others(self, uri: str) -> None:
        """A saved or closed document may be imported by the others: check them again."""
        for other in list(self.workspace.text_documents):
            if other != uri:
                self.schedule(other)

    async def _check(self, uri: str, delay: float) -> None:
        try:
            if delay:
                await asyncio.sleep(delay)
            document = self.workspace.text_documents.get(uri)
            if document is None:
                return
            version, text = document.version, document.source
            path = document_path(uri) or Path.cwd() / "untitled.hpcspec"
            others = self.open_texts()
            loop = asyncio.get_running_loop()
            analysis = await loop.run_in_executor(self.worker, checked, path, text, others)
            current = self.workspace.text_documents.get(uri)
            if current is None or current.version != version:
                return  # changed or closed meanwhile: a newer check is on its way
            if analysis.program is not None:
                self.programs[uri] = analysis.program
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
                uri=uri, version=version, diagnostics=lsp_diagnostics(analysis, self.workspace.position_codec)))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # logged; the editor keeps the diagnostics it has
            _log_error(exc)


def document_path(uri: str) -> Path | None:
    path = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(path).resolve() if path else None


def checked(path: Path, text: str, others) -> Analysis:
    """analyse(), never raising: an internal error becomes one diagnostic on the first line."""
    try:
        return analyse(path, text, others)
    except Exception as exc:  # a bug must not take the editor's server down
        _log_error(exc)
        return Analysis(Path(path), text, (Diagnostic(
            "internal", f"hpcspec internal error: {type(exc).__name__}: {exc}",
            help="this is a bug in hpcspec; please report it with the spec that caused it"),))


# ----------------------------------------------------------------------------------------------
# Diagnostics


def span_range(span, codec) -> lsp.Range:
    """A span (1-based, end exclusive, in characters) as an LSP range (0-based, client units)."""
    def position(line: int, column: int) -> lsp.Position:
        text = span.source.line(line)
        return lsp.Position(line=line - 1, character=codec.client_num_units(text[:column - 1]))

    start, end = position(span.line, span.column), position(span.end_line, span.end_column)
    if (span.line, span.column) == (span.end_line, span.end_column) \
            and span.column <= len(span.source.line(span.line)):  # an empty span marks one character
        end = position(span.line, span.column + 1)
    return lsp.Range(start=start, end=end)


def message_of(diagnostic: Diagnostic) -> str:
    lines = [diagnostic.message]
    if diagnostic.label and diagnostic.label not in diagnostic.message:
        lines.append(diagnostic.label)
    lines += [f"note: {note}" for note in diagnostic.notes]
    if diagnostic.help:
        lines.append(f"help: {diagnostic.help}")
    return "\n".join(lines)


def lsp_diagnostics(analysis: Analysis, codec) -> list[lsp.Diagnostic]:
    """The analysis's diagnostics on the document: its own where they are; those of imported
    files on the import that brings the file in, pointing at the place in it."""
    outline = Outline(analysis.text)
    start_of_file = lsp.Range(start=lsp.Position(line=0, character=0), end=lsp.Position(line=0, character=0))
    out = []
    for diagnostic in analysis.diagnostics:
        severity = (lsp.DiagnosticSeverity.Error if diagnostic.severity is Severity.ERROR
                    else lsp.DiagnosticSeverity.Warning)
        span = diagnostic.span
        common = dict(severity=severity, code=diagnostic.code, source="hpcspec")
        if span is None:
            out.append(lsp.Diagnostic(range=start_of_file, message=message_of(diagnostic), **common))
            continue
        where = Path(span.source.path).resolve()
        if where == analysis.path:
            out.append(lsp.Diagnostic(range=span_range(span, codec), message=message_of(diagnostic), **common))
            continue
        index = analysis.imports.get(where)
        imports = outline.imports
        item = imports[index] if index is not None and index < len(imports) else (imports[0] if imports else None)
        on = start_of_file if item is None else _offsets_range(analysis.text, item.keyword.start,
                                                                (item.target or item.keyword).end, codec)
        out.append(lsp.Diagnostic(
            range=on, message=f"{span.file}:{span.line}:{span.column}: {message_of(diagnostic)}",
            related_information=[lsp.DiagnosticRelatedInformation(
                location=lsp.Location(uri=from_fs_path(str(where)) or str(where), range=span_range(span, codec)),
                message=diagnostic.label or diagnostic.message)],
            **common))
    return out


def _offsets_range(text: str, start: int, end: int, codec) -> lsp.Range:
    def position(offset: int) -> lsp.Position:
        line = text.count("\n", 0, offset)
        line_start = text.rfind("\n", 0, offset) + 1
        return lsp.Position(line=line, character=codec.client_num_units(text[line_start:offset]))

    return lsp.Range(start=position(start), end=position(end))


# ----------------------------------------------------------------------------------------------
# Where the cursor is, in the language's terms


def spec_path(blocks) -> tuple[str, ...]:
    """The keydocs path of nested outline blocks: their kinds, and a plug-in block's plug-in."""
    path: list[str] = []
    for block in blocks:
        path.append(block.kind.text)
        doc = keydocs.lookup(path)
        if doc is not None and doc.plugin is not None:
            name = plugin_name(block, doc.plugin)
            if name in doc.allowed:
                path.append(name)  # type: ignore[arg-type]
    return tuple(path)


def plugin_name(block: Block, kind: str) -> str | None:
    """The plug-in a block picks: its name, or for a launcher its `kind = "..."`."""
    chosen = block.get("kind") if kind == "launcher" else None
    if chosen is not None and chosen.strings():
        return chosen.strings()[0]
    return block.label.value if block.label is not None else None


def _platforms(program) -> dict:
    """The platforms a program sees (none without one: nothing has resolved yet)."""
    return program.platforms if program is not None else {}


def _platform_blocks(ctx: Context, program) -> tuple[object | None, Block | None]:
    """The platform the cursor is about: a target's `platform`, or the platform being written
    (from the last analysis, and as typed)."""
    platforms = _platforms(program)
    for block in reversed(ctx.blocks):
        if block.kind.text == "target":
            chosen = block.get("platform")
            name = chosen.strings()[0] if chosen is not None and chosen.strings() else None
            return platforms.get(name), None
        if block.kind.text == "platform" and block.parent is None:
            name = block.label.value if block.label is not None else None
            return platforms.get(name), block
    return None, None


def _named(kind: str, ctx: Context, outline: Outline, program) -> dict[str, object]:
    """Names a value of this kind can take here -> the block each names (program or outline)."""
    if kind == "platform":
        found: dict[str, object] = dict(sorted(_platforms(program).items()))
        for block in outline.items:
            if isinstance(block, Block) and block.kind.text == "platform" and block.label is not None:
                found.setdefault(block.label.value, block)
        return found
    resolved, typed = _platform_blocks(ctx, program)
    found = {}
    if resolved is not None:
        found.update({b.label: b for b in resolved.blocks() if b.kind == kind and b.label})
    if typed is not None:
        for block in typed.children(kind):
            if block.label is not None:
                found.setdefault(block.label.value, block)
    return found


def _brief(block) -> str:
    """One line about a block: its description, else its first few values."""
    pairs = _pairs(block)
    described = dict(pairs).get("description")
    return described.strip('"') if described else ", ".join(f"{k} = {v}" for k, v in pairs[:3])


def _pairs(block) -> list[tuple[str, str]]:
    """(key, value as written) of a block's values, from the program or as typed."""
    out = []
    for item in block.items:
        if isinstance(item, Assignment):  # as typed
            out.append((item.key.text, " ".join(t.text for t in item.value)))
        elif isinstance(item, nodes.Assignment):
            out.append((item.key, _written(item.value)))
    return out


def _written(value) -> str:
    import json

    if value.kind == "list":
        return "[" + ", ".join(_written(v) for v in value.value) + "]"
    if value.kind == "string":
        return json.dumps(value.value if isinstance(value.value, str) else "".join(
            p if isinstance(p, str) else "${" + p.name + "}" for p in value.parts), ensure_ascii=False)
    if value.kind == "bool":
        return "true" if value.value else "false"
    return str(value.value)


def _render(kind: str, name: str, block, program) -> str:
    where = ""
    files = program.platform_files if program is not None else {}
    if kind == "platform" and name in files and isinstance(block, nodes.Block):
        where = f" ({files[name].source.display}:{block.span.line})"
    lines = [f"**{kind} `{name}`**{where}"]
    pairs = [(k, v) for k, v in _pairs(block) if len(v) <= 120][:14]
    if pairs:
        width = max(len(k) for k, _ in pairs)
        lines.append("```hpcspec\n" + "\n".join(f"{k.ljust(width)} = {v}" for k, v in pairs) + "\n```")
    children = sorted({b.kind for b in block.items if isinstance(b, nodes.Block)}
                      | {b.kind.text for b in block.items if isinstance(b, Block)})
    if children:
        lines.append("Blocks: " + ", ".join(f"`{c}`" for c in children))
    return "\n\n".join(lines)


# ----------------------------------------------------------------------------------------------
# Hover


def hover_text(ctx: Context, outline: Outline, program) -> str | None:
    """Markdown for what the cursor is on, or None."""
    item = ctx.item
    if ctx.token is None:
        return None
    if isinstance(item, Import):
        if ctx.role == "import" and program is not None and item.target is not None:
            name = item.target.value
            platform = _platforms(program).get(name)
            if platform is not None:
                return _render("platform", name, platform, program)
        doc = keydocs.lookup(("import",))
        return doc.markdown() if doc else None
    if ctx.role == "key":
        path = spec_path(ctx.blocks) + (ctx.token.text,)
        doc = keydocs.lookup(path)
        return doc.markdown() if doc else None
    if ctx.role == "label" and isinstance(item, Block):
        doc = keydocs.lookup(spec_path(ctx.blocks) + (item.kind.text,))
        name = ctx.token.value
        if doc is None:
            return None
        if doc.plugin is not None:
            cls = keydocs.plugins(doc.plugin).get(name)
            summary = f"\n\n{' '.join(cls.summary.split())}" if cls is not None and cls.summary else ""
            return f"**{doc.plugin} `{name}`**{summary}\n\n---\n\n{doc.markdown()}"
        return f"**{item.kind.text} `{name}`**\n\n---\n\n{doc.markdown()}"
    if ctx.role == "value" and ctx.in_string and ctx.key:
        doc = keydocs.lookup(spec_path(ctx.blocks) + (ctx.key,))
        kind = REFERENCES.get((doc.owner, doc.key)) if doc else None
        if kind is None:
            return None
        name = ctx.token.value
        block = _named(kind, ctx, outline, program).get(name)
        if block is None:
            return f"no {kind} `{name}` is known here"
        return _render(kind, name, block, program)
    return None


# ----------------------------------------------------------------------------------------------
# Completion


def completions(ctx: Context, outline: Outline, program, path: Path | None, snippets: bool
                ) -> list[lsp.CompletionItem]:
    if ctx.role == "key":
        return _key_items(ctx, snippets)
    if ctx.role == "label":
        return _label_items(ctx)
    if ctx.role == "value":
        return _value_items(ctx, outline, program)
    if ctx.role == "import" and path is not None:
        names = platform_names(path)
        return [_item(n, lsp.CompletionItemKind.Module, "platform spec", n if ctx.in_string else f'"{n}"')
                for n in names]
    return []


def _item(label: str, kind, detail: str, text: str, doc: str = "", snippet: bool = False,
          sort: str | None = None) -> lsp.CompletionItem:
    return lsp.CompletionItem(
        label=label, kind=kind, detail=detail or None, insert_text=text,
        insert_text_format=lsp.InsertTextFormat.Snippet if snippet else lsp.InsertTextFormat.PlainText,
        documentation=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=doc) if doc else None,
        sort_text=sort)


def _key_items(ctx: Context, snippets: bool) -> list[lsp.CompletionItem]:
    path = spec_path(ctx.blocks)
    docs = keydocs.children(path)
    block = ctx.blocks[-1] if ctx.blocks else None
    given = {i.key.text for i in block.items if isinstance(i, Assignment) and i is not ctx.item} if block else set()
    bare = isinstance(ctx.item, (Assignment, Block))  # renaming what is already there: the name only
    out = []
    for doc in docs:
        if doc.shape == "value" and doc.key in given:
            continue  # given already: a second one is an error
        if doc.shape == "value":
            kind = lsp.CompletionItemKind.Property
            text = doc.key if bare else (f"{doc.key} = $0" if snippets else f"{doc.key} = ")
        elif doc.shape == "statement":
            kind = lsp.CompletionItemKind.Keyword
            text = doc.key if bare else ('import "$0"' if snippets else 'import "')
        else:
            kind = lsp.CompletionItemKind.Struct if doc.shape == "block" else lsp.CompletionItemKind.Module
            named = "NAME" in doc.syntax or "KIND" in doc.syntax
            if bare or not snippets:
                text = doc.key
            elif named:
                text = f"{doc.key} ${{1:{'KIND' if 'KIND' in doc.syntax else 'NAME'}}} {{\n\t$0\n}}"
            else:
                text = f"{doc.key} {{\n\t$0\n}}"
        out.append(_item(doc.key, kind, doc.summary(), text, doc.markdown(), snippet=snippets and not bare,
                         sort=("0" if doc.required else "1") + doc.key))
    return out


def _label_items(ctx: Context) -> list[lsp.CompletionItem]:
    doc = keydocs.lookup(spec_path(ctx.blocks) + (ctx.key or "",))
    if doc is None or not doc.allowed:
        return []
    classes = keydocs.plugins(doc.plugin) if doc.plugin else {}
    out = []
    for name in doc.allowed:
        cls = classes.get(name)
        summary = " ".join(cls.summary.split()) if cls is not None else ""
        out.append(_item(name, lsp.CompletionItemKind.Class if doc.plugin else lsp.CompletionItemKind.EnumMember,
                         summary or f"{ctx.key} {name}", name, summary))
    return out


def _value_items(ctx: Context, outline: Outline, program) -> list[lsp.CompletionItem]:
    doc = keydocs.lookup(spec_path(ctx.blocks) + (ctx.key or "",))
    if doc is None or doc.shape != "value":
        return []
    quoted = (lambda name: name) if ctx.in_string else (lambda name: f'"{name}"')
    kind = REFERENCES.get((doc.owner, doc.key))
    if kind is not None:
        return [_item(name, lsp.CompletionItemKind.Reference, _brief(block), quoted(name),
                      _render(kind, name, block, program))
                for name, block in _named(kind, ctx, outline, program).items()]
    if doc.allowed:
        return [_item(value, lsp.CompletionItemKind.EnumMember, doc.key, quoted(value)) for value in doc.allowed]
    if doc.type == "boolean" and not ctx.in_string:
        return [_item(value, lsp.CompletionItemKind.Keyword, doc.key, value) for value in ("true", "false")]
    return []


# ----------------------------------------------------------------------------------------------
# The server


def build_server() -> HpcspecServer:
    server = HpcspecServer()

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: HpcspecServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: HpcspecServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, DEBOUNCE)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: HpcspecServer, params: lsp.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)
        ls.schedule_others(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: HpcspecServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        task = ls.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        ls.programs.pop(uri, None)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        ls.schedule_others(uri)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: HpcspecServer, params: lsp.HoverParams) -> lsp.Hover | None:
        try:
            document = ls.workspace.get_text_document(params.text_document.uri)
            outline = Outline(document.source)
            ctx = outline.at(document.offset_at_position(params.position))
            text = hover_text(ctx, outline, ls.programs.get(params.text_document.uri))
            if text is None:
                return None
            token = ctx.token
            where = lsp.Range(start=document.client_position_at_offset(token.start),
                              end=document.client_position_at_offset(token.end)) if token else None
            return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text), range=where)
        except Exception as exc:  # an answer of nothing, never an error popup
            _log_error(exc)
            return None

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=['"', " "]))
    def completion(ls: HpcspecServer, params: lsp.CompletionParams) -> lsp.CompletionList:
        try:
            uri = params.text_document.uri
            document = ls.workspace.get_text_document(uri)
            outline = Outline(document.source)
            ctx = outline.at(document.offset_at_position(params.position))
            snippets = bool(_capability(ls, "text_document.completion.completion_item.snippet_support"))
            items = completions(ctx, outline, ls.programs.get(uri), document_path(uri), snippets)
            edit_range = lsp.Range(start=document.client_position_at_offset(ctx.start),
                                   end=document.client_position_at_offset(max(ctx.end, ctx.start)))
            for item in items:
                item.text_edit = lsp.TextEdit(range=edit_range, new_text=item.insert_text or item.label)
            return lsp.CompletionList(is_incomplete=False, items=items)
        except Exception as exc:
            _log_error(exc)
            return lsp.CompletionList(is_incomplete=False, items=[])

    @server.feature(lsp.SHUTDOWN)
    def shutdown(ls: HpcspecServer, params) -> None:
        ls.shut_down = True
        for task in ls.pending.values():
            task.cancel()
        ls.worker.shutdown(wait=False, cancel_futures=True)

    return server


def _capability(ls: HpcspecServer, dotted: str):
    value = ls.client_capabilities
    for part in dotted.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def _log_error(exc: Exception) -> None:
    if os.environ.get("HPCSPEC_DEBUG"):
        LOG.exception("internal error")
    else:
        LOG.error("internal error: %s: %s", type(exc).__name__, exc)


def serve(stdin, stdout) -> int:
    """Answer LSP on these binary streams until the client says exit (or goes away). 0 after a
    shutdown request, 1 otherwise (the LSP's rule for the exit code)."""
    logging.basicConfig(level=logging.WARNING, format="hpcspec lsp: %(levelname)s: %(message)s")
    server = build_server()
    server.start_io(stdin, stdout)
    server.worker.shutdown(wait=False, cancel_futures=True)
    return 0 if server.shut_down else 1
