"""Shared test fixtures: where the project and the development data (../shared) live."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test with a clear message when that data is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"development data not found at {path} (../shared is absent on this machine)")
    return path


@pytest.fixture
def shared() -> Path:
    return shared_path()
