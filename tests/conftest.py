"""Pytest options: `--update-goldens` rewrites golden files and expected diagnostics."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# the source tree -> where setuptools puts it in the package (pyproject.toml's package-dir)
LAYOUT = {"compiler": "", "backends": "backends", "grammar": "grammar", "specs": "specs"}
SUFFIXES = {".py", ".j2", ".lark", ".hpcspec", ".toml", ".json", ".c", ""}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stale_files() -> list[str]:
    """Source files whose installed copy differs: the tests test the installed package (as users
    get it), so an edit not yet installed would be tested in its old form."""
    import hpcspec

    installed = Path(hpcspec.__file__).parent
    stale = []
    for folder, target in LAYOUT.items():
        for path in sorted((ROOT / folder).rglob("*")):
            if not path.is_file() or path.suffix not in SUFFIXES or "__pycache__" in path.parts:
                continue
            copy = installed / target / path.relative_to(ROOT / folder)
            if not copy.is_file() or _digest(copy) != _digest(path):
                stale.append(str(path.relative_to(ROOT)))
    return stale


def pytest_sessionstart(session):
    stale = _stale_files()
    if stale:
        pytest.exit(f"the installed hpcspec is not this tree ({len(stale)} files differ, e.g. {stale[0]}): "
                    "run scripts/test, or scripts/bootstrap test first", returncode=2)


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite golden files from the current output")


@pytest.fixture
def update_goldens(request) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(autouse=True, scope="session")
def _private_stamp_cache(tmp_path_factory):
    """Stamps (see hpcspec/stamp.py) go to a directory of this test session, not ~/.cache:
    tests never see a stamp from an earlier session or from the user's own runs."""
    import os

    previous = os.environ.get("HPCSPEC_CACHE_DIR")
    os.environ["HPCSPEC_CACHE_DIR"] = str(tmp_path_factory.mktemp("stamps"))
    yield
    if previous is None:
        del os.environ["HPCSPEC_CACHE_DIR"]
    else:
        os.environ["HPCSPEC_CACHE_DIR"] = previous
