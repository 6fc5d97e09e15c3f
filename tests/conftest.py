"""Shared fixtures: the real media beside the checkout, and an isolated cache per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_MEDIA = Path(os.environ.get("SHARED_MEDIA", ROOT.parent / "shared" / "media"))


@pytest.fixture(scope="session")
def media() -> Path:
    """`../shared/media` (real speech with reference transcripts); its absence is a failure, not a skip."""
    if not (SHARED_MEDIA / "CREDITS.md").is_file():
        pytest.fail(f"test media not found at {SHARED_MEDIA}: set SHARED_MEDIA to the shared/media folder")
    return SHARED_MEDIA


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep test runs out of the user's cache; the embedded model is joined once per session."""
    os.environ["PIPELINE_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(autouse=True)
def _restore_logging():
    """`main(["-q", ...])` sets the root logger's level (as the CLI must); put it back so that a later test's
    caplog still sees warnings whatever ran before it."""
    import logging

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    yield
    root.setLevel(level)
    root.handlers[:] = handlers
