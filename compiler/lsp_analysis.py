"""Check a document as the editor holds it: `hpcspec check` on unsaved text.

The pipeline reads spec files by path; an editor's document, and every other document open in
it, is read from memory instead (the `sources` of compile_files and resolve), by path, so that
imports resolve relative to the document's own directory and the search path is the one its
project configures (config.search_path), exactly as on the command line. Nothing is written
and no stamp is consulted: every analysis is a whole run of `compile_files`, which is what
`hpcspec check` runs (emitting in memory, so what a backend cannot express is reported too).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from .diagnostics import Diagnostic, Report
from .lsp_outline import Outline
from .source import SourceFile

@dataclass(frozen=True)
class Analysis:
    path: Path  # the document, resolved
    text: str
    diagnostics: tuple[Diagnostic, ...]
    program: object = None  # resolve.Program of the document, when its imports resolved
    imports: dict[Path, int] = field(default_factory=dict)  # file -> index of the import reaching it


def display_name(path: Path) -> str:
    """How diagnostics name the document: relative to the working directory when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def analyse(path: Path, text: str, others: Mapping[Path, str] | None = None, environ=None) -> Analysis:
    """Every diagnostic `hpcspec check PATH` would give if PATH (and the documents in `others`,
    by resolved path) held this text, and the program it sees."""
    from .api import compile_files
    from .config import search_path
    from .resolve import resolve

    path = Path(path).resolve()
    texts = {Path(p).resolve(): t for p, t in (others or {}).items()}
    texts[path] = text
    display = display_name(path)
    search = search_path(path, environ)
    result = compile_files([display], environ=environ, sources=texts)
    program = resolve(path, display, search, Report(), want_code=False, sources=texts)
    if program is None:  # the document does not parse: its import lines still tell the platforms
        imports_only = "\n".join(f'import "{i.target.value}"' for i in Outline(text).imports
                                 if i.target is not None and i.target.closed)
        if imports_only:
            program = resolve(path, display, search, Report(), want_code=False,
                              sources={**texts, path: imports_only})
    foreign = {d.span.source.path for d in result.diagnostics if d.span is not None
               and Path(d.span.source.path).resolve() != path}
    reached = imported_files(path, text, search, texts, foreign) if foreign else {}
    return Analysis(path, text, tuple(result.diagnostics), program, reached)


def imported_files(path: Path, text: str, search, texts: Mapping[Path, str], wanted) -> dict[Path, int]:
    """For each file in `wanted`: the index of the document's first import that reaches it
    (directly or through the imports of what it imports). Found from the import lines alone, so
    that it also works for files that do not parse."""
    from .files import read_regular
    from .nodes import Import, SpecFile
    from .parse import MAX_FILE_BYTES
    from .resolve import MAX_FILES, Loader

    finder = Loader(search, Report())
    wanted = {Path(w).resolve() for w in wanted}
    found: dict[Path, int] = {}

    def imports_of(file: Path, content: str | None) -> list[Path | None]:
        """The files the import lines of `file` name, in order (None: not found)."""
        if content is None:
            try:
                content = read_regular(file, MAX_FILE_BYTES).decode("utf-8", "replace")
            except OSError:
                return []
        spec = SpecFile(SourceFile(file, "", ""), (), ())
        out: list[Path | None] = []
        for item in Outline(content).imports:
            target = None
            if item.target is not None:
                target, _ = finder.find(spec, Import(item.target.value, None, None))  # type: ignore[arg-type]
            out.append(target.resolve() if target is not None else None)
        return out

    seen: set[Path] = {path}
    for index, first in enumerate(imports_of(path, text)):  # the index of the document's own import
        if first is None:
            continue
        queue = [first]
        while queue and len(seen) < MAX_FILES:
            file = queue.pop(0)
            if file in wanted:
                found.setdefault(file, index)
            if file in seen:
                continue
            seen.add(file)
            queue += [p for p in imports_of(file, texts.get(file)) if p is not None]
    return found


def platform_names(path: Path, environ=None) -> list[str]:
    """The platform specs an `import "NAME"` in `path` can find on its search path."""
    from .config import search_path

    names: set[str] = set()
    for directory in search_path(Path(path), environ).dirs:
        if directory.is_dir():
            names |= {p.stem for p in directory.glob("*.hpcspec")}
    return sorted(names)
