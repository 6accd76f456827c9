"""Facts about common container base images (glibc, gcc, package manager).

The table lives in ``data/images.toml``; a spec states them itself for other images
(``image { glibc = "2.36" gcc = "12.2" package_manager = "apt" }``).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class ImageFacts:
    libc: str = "glibc"  # "glibc" or "musl"
    glibc: str | None = None
    gcc: str | None = None
    package_manager: str | None = None
    source: str = ""  # where the facts come from


@lru_cache(maxsize=1)
def table() -> dict[str, ImageFacts]:
    from importlib.resources import files

    data = tomllib.loads((files("hpcspec") / "data" / "images.toml").read_text(encoding="utf-8"))
    out: dict[str, ImageFacts] = {}
    for entry in data["image"]:
        facts = ImageFacts(entry.get("libc", "glibc"), entry.get("glibc"), entry.get("gcc"),
                           entry.get("package_manager"), entry.get("source", ""))
        for name in entry["names"]:
            out[name] = facts
    return out


def normalise(reference: str) -> str:
    """``docker.io/library/debian:bookworm-slim@sha256:..`` -> ``debian:bookworm``."""
    ref = reference.split("@", 1)[0]
    ref = re.sub(r"^(docker\.io/|index\.docker\.io/|registry-1\.docker\.io/)", "", ref)
    ref = re.sub(r"^library/", "", ref)
    if ":" not in ref.rsplit("/", 1)[-1]:
        ref += ":latest"
    name, tag = ref.rsplit(":", 1)
    tag = re.sub(r"-(slim|minimal|backports)$", "", tag)
    return f"{name}:{tag}"


def facts_for(reference: str) -> ImageFacts | None:
    return table().get(normalise(reference))
