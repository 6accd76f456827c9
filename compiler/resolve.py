"""Stage 3, resolve: load the code spec and the platform specs it imports.

Imports are names found on the search path (``import "archer2"`` reads ``archer2.hpcspec``,
which must define ``platform archer2``) or explicit paths relative to the importing file
(``import "./sites/test.hpcspec"``). Cycles are errors. A platform that ``extends`` another
is merged onto it here, so later stages see each platform whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping
from pathlib import Path

from . import inputs
from .config import SearchPath
from .diagnostics import Report, SpecError
from .didyoumean import did_you_mean
from .interpolate import interpolate, interpolate_block
from .lower import load_source, lower, source_text
from .merge import merge
from .nodes import Assignment, Block, Import, SpecFile
from .parse import parse

@lru_cache(maxsize=256)
def _lowered(path: Path, display: str, text: str) -> SpecFile:
    """Parse and lower a file once per process and content (platform specs are shared by codes)."""
    from .source import SourceFile

    source = SourceFile(path, display, text)
    return lower(source, parse(source))


@lru_cache(maxsize=256)
def _interpolated(path: Path, display: str, text: str) -> SpecFile | None:
    """`_lowered` with its code block interpolated, kept when that raised no diagnostic; None
    when it did, so that the caller interpolates again into its own report."""
    report = Report()
    spec = interpolate(_lowered(path, display, text), report)
    return None if report.items else spec


# Platform blocks interpolated without a diagnostic, for the whole process (a corpus compile
# sees each shipped platform once per code). Keyed by identity; the entry keeps the block alive.
_PLATFORMS: dict[int, tuple[Block, Block]] = {}


def interpolated_platform(block: Block, report: Report) -> Block:
    """A platform block interpolated once everything it inherits is merged into it."""
    key = id(block)
    if key in _PLATFORMS:
        return _PLATFORMS[key][1]
    own = Report()
    result = interpolate_block(block, own)
    report.extend(own.items)
    if not own.items:
        if len(_PLATFORMS) >= 1024:
            _PLATFORMS.clear()
        _PLATFORMS[key] = (block, result)
    return result


IMPORT_NAME = re.compile(r"[a-z0-9][a-z0-9_.\-]*")
MAX_FILES = 256


@dataclass
class Program:
    """Everything one code spec needs: its block and every platform it can see."""

    code_file: SpecFile
    code: Block | None  # None for a file that only defines platforms
    platforms: dict[str, Block] = field(default_factory=dict)  # merged with `extends`, interpolated
    raw_platforms: dict[str, Block] = field(default_factory=dict)  # merged, not yet interpolated
    unusable: set[str] = field(default_factory=set)  # defined, but broken (already reported)
    platform_files: dict[str, SpecFile] = field(default_factory=dict)
    files: list[SpecFile] = field(default_factory=list)  # every file read, in load order
    search: SearchPath | None = None


class Loader:
    def __init__(self, search: SearchPath, report: Report, sources: Mapping[Path, str] | None = None) -> None:
        self.search = search
        self.report = report
        # files read from memory instead of disk, by resolved path (an editor's unsaved documents)
        self.sources = sources or {}
        self.files: dict[Path, SpecFile | None] = {}
        self.order: list[SpecFile] = []
        self.stack: list[tuple[Path, Import | None]] = []
        self.platforms: dict[str, Block] = {}
        self.platform_files: dict[str, SpecFile] = {}
        self.too_many = False  # MAX_FILES reached: reported once, nothing more is read
        self.failed: set[str] = set()  # imports by name whose file could not be read (reported)

    def display(self, path: Path) -> str:
        """Files of the project relative to its root; shipped specs as <hpcspec>/platforms/..."""
        shipped = self.search.dirs[-1]
        for base, prefix in ((shipped, "<hpcspec>/platforms"), (self.search.root, "")):
            try:
                relative = path.relative_to(base).as_posix()
            except ValueError:
                continue
            return f"{prefix}/{relative}".lstrip("/") if relative != "." else (prefix or ".")
        return path.as_posix()

    def read(self, path: Path, display: str):
        text = self.sources.get(path)
        return load_source(path, display) if text is None else source_text(path, display, text)

    def load(self, path: Path, display: str, via: Import | None = None) -> SpecFile | None:
        path = path.resolve()
        if any(p == path for p, _ in self.stack):
            names = [self.display(p) for p, _ in self.stack] + [self.display(path)]
            start = names.index(self.display(path))
            self.report.error("E0302", "import cycle: " + " -> ".join(names[start:]),
                              via.span if via else None, label="closes the cycle",
                              help="platform specs may import each other, but not in a circle")
            return None
        if path in self.files:
            return self.files[path]
        if len(self.files) >= MAX_FILES:
            if not self.too_many:
                self.too_many = True
                self.report.error("E0108", f"more than {MAX_FILES} spec files imported",
                                  via.span if via else None, label="one file too many",
                                  help="a chain or web of imports this large is a mistake; "
                                       "import the platforms a code needs directly")
            return None
        self.files[path] = None
        try:
            source = self.read(path, display)
            spec = (_interpolated(source.path, source.display, source.text)
                    or interpolate(_lowered(source.path, source.display, source.text), self.report))
        except SpecError as exc:
            self.report.extend(exc.diagnostics)
            return None
        self.files[path] = spec
        self.stack.append((path, via))
        try:
            for item in spec.imports:
                self.import_(spec, item)
        finally:
            self.stack.pop()
        self.order.append(spec)
        for block in spec.blocks:
            if block.kind == "platform":
                self.add_platform(spec, block)
        return spec

    def find(self, spec: SpecFile, item: Import) -> tuple[Path | None, list[Path]]:
        target = item.target
        if "/" in target or target.endswith(".hpcspec"):
            candidate = (spec.source.path.parent / target)
            found = candidate.is_file()
            inputs.looked_for(candidate, found)
            return (candidate if found else None), [candidate]
        tried = []
        for directory in self.search.dirs:
            candidate = directory / f"{target}.hpcspec"
            tried.append(candidate)
            found = candidate.is_file()
            inputs.looked_for(candidate, found)  # a file added here later would be found instead
            if found:
                return candidate, tried
        return None, tried

    def known_names(self) -> set[str]:
        names: set[str] = set()
        for directory in self.search.dirs:
            if directory.is_dir():
                names |= {p.stem for p in directory.glob("*.hpcspec")}
        return names

    def import_(self, spec: SpecFile, item: Import) -> None:
        explicit = "/" in item.target or item.target.endswith(".hpcspec")
        if not explicit and not IMPORT_NAME.fullmatch(item.target):
            self.report.error("E0301", f"`{item.target}` is not a platform name", item.span,
                              help='import a platform by name ("archer2") or by a relative path '
                                   '("./sites/mysite.hpcspec")')
            return
        if explicit and not item.target.endswith(".hpcspec"):
            # never read (and so never quote in a diagnostic) a file that is not a spec
            self.report.error("E0301", f"`{item.target}` is not a .hpcspec file", item.span,
                              label="only spec files can be imported",
                              help='import a platform by name ("archer2") or a spec file by path '
                                   '("./sites/mysite.hpcspec")')
            return
        path, tried = self.find(spec, item)
        if path is None:
            where = ", ".join(self.display(p.parent) for p in tried) if not explicit else self.display(tried[0])
            self.report.error("E0301", f"cannot find platform spec `{item.target}`", item.span,
                              label="not found",
                              help=" ".join(filter(None, [
                                  did_you_mean(item.target, self.known_names()) if not explicit else "",
                                  f"looked in: {where}" if where else ""])),
                              notes=["the search path is specs/platforms of the project, `path` in "
                                     "hpcspec.toml or [tool.hpcspec], HPCSPEC_PATH, then the shipped "
                                     "platform specs"])
            return
        loaded = self.load(path, self.display(path.resolve()), item)
        if loaded is None:
            self.failed.add(item.target)
            return
        if any(b.kind == "code" for b in loaded.blocks):
            self.report.error("E0304", f"`{item.target}` is a code spec, not a platform spec", item.span,
                              help="import platform specs only")
        if not explicit and not any(b.kind == "platform" and b.label == item.target for b in loaded.blocks):
            self.report.error("E0304", f"`{loaded.source.display}` does not define `platform {item.target}`",
                              item.span, help=f"a platform spec named {item.target}.hpcspec defines "
                                              f"`platform {item.target} {{ ... }}`")

    def add_platform(self, spec: SpecFile, block: Block) -> None:
        if block.label is None:
            self.report.error("E0207", "`platform` needs a name", block.head_span,
                              help="write `platform NAME { ... }`")
            return
        if not check_name(block, self.report):
            return
        if block.label in self.platforms:
            first = self.platforms[block.label]
            if first is block:
                return
            self.report.error("E0305", f"platform `{block.label}` is defined twice", block.head_span,
                              help=f"first defined at {first.span.file}:{first.span.line}")
            return
        self.platforms[block.label] = block
        self.platform_files[block.label] = spec


NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")


def check_name(block: Block, report: Report) -> bool:
    """Top-level names become file names and path components: keep them plain."""
    if block.label is not None and NAME.fullmatch(block.label):
        return True
    report.error("E0208", f"`{block.label}` is not a valid {block.kind} name", block.label_span,
                 label="invalid name",
                 help="names start with a letter or digit and use only letters, digits, `_`, `.` and `-`")
    return False


def resolve_extends(platforms: dict[str, Block], report: Report) -> dict[str, Block]:
    done: dict[str, Block] = {}

    def visit(name: str, chain: list[str]) -> Block | None:
        if name in done:
            return done[name]
        block = platforms[name]
        parent = block.get("extends")
        if parent is None:
            done[name] = block
            return block
        base_name = parent.value.value
        if not isinstance(base_name, str) or base_name not in platforms:
            report.error("E0306", f"`{name}` extends unknown platform `{base_name}`", parent.value.span,
                         help=did_you_mean(str(base_name), platforms) or "import the base platform first")
            return None
        if base_name in chain:
            report.error("E0306", "`extends` cycle: " + " -> ".join(chain + [name, base_name]),
                         parent.value.span, help="a platform cannot extend itself, directly or not")
            return None
        base = visit(base_name, chain + [name])
        if base is None:
            return None
        stripped = Block(block.kind, block.kind_span, block.label, block.label_span,
                         tuple(i for i in block.items if not (isinstance(i, Assignment) and i.key == "extends")),
                         block.span, block.head_span)
        base_body = Block(base.kind, base.kind_span, base.label, base.label_span,
                          tuple(i for i in base.items if not (isinstance(i, Assignment) and i.key == "extends")),
                          base.span, base.head_span)
        merged = merge(base_body, stripped, report)
        assert merged is not None
        # the child's identity, the base's content
        merged = Block(block.kind, block.kind_span, block.label, block.label_span, merged.items,
                       block.span, block.head_span)
        done[name] = merged
        return merged

    out = {}
    for name in sorted(platforms):
        resolved = visit(name, [])
        if resolved is not None:
            out[name] = resolved
    return out


def resolve(path: Path, display: str, search: SearchPath, report: Report,
            want_code: bool = True, sources: Mapping[Path, str] | None = None) -> Program | None:
    """Load ``path`` and its imports (those in `sources`, by resolved path, from memory); None
    (with errors reported) if it cannot be used."""
    loader = Loader(search, report, sources)
    spec = loader.load(path, display)
    if spec is None or loader.too_many:  # with files left unread, every later error would be noise
        return None
    codes = [b for b in spec.blocks if b.kind == "code"]
    others = [b for b in spec.blocks if b.kind not in ("code", "platform")]
    for block in others:
        report.error("E0212", f"unknown top-level block `{block.kind}`", block.kind_span,
                     help=did_you_mean(block.kind, ["code", "platform"])
                     or "a file holds `code NAME { ... }` or `platform NAME { ... }` blocks")
    platform_only = not codes and any(b.kind == "platform" for b in spec.blocks)
    if want_code and len(codes) != 1 and not platform_only:
        span = codes[1].head_span if len(codes) > 1 else (
            spec.blocks[0].head_span if spec.blocks else spec.source.span(0, 0))
        report.error("E0304", "a code spec defines exactly one `code` block" +
                     (f", found {len(codes)}" if codes else ""), span,
                     help="write `code NAME { ... }`; keep one code per file")
        return None
    raw = resolve_extends(loader.platforms, report)
    platforms = {name: interpolated_platform(block, report) for name, block in raw.items()}
    code = codes[0] if codes else None
    if code is not None and code.label is None:
        report.error("E0207", "`code` needs a name", code.head_span, help="write `code NAME { ... }`")
        return None
    if code is not None and not check_name(code, report):
        return None
    unusable = (set(loader.platforms) - set(raw)) | loader.failed
    return Program(spec, code, platforms, raw, unusable,  # type: ignore[arg-type]
                   loader.platform_files, loader.order, search)
