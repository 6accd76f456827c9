"""What the target checks read about the code itself."""

from __future__ import annotations

from dataclasses import dataclass

from ..images import ImageFacts
from ..models.code import Code
from ..schema import SpanMap


@dataclass(frozen=True)
class CodeContext:
    name: str
    code: Code
    spans: SpanMap
    image: ImageFacts | None  # None: the image block is wrong (reported)
    failed: frozenset[str]  # code fields that did not validate: checks of them stay quiet
