"""Pytest options: `--update-goldens` rewrites golden files and expected diagnostics."""

from __future__ import annotations

import pytest


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
