"""Shared test fixtures: where the project and the development data (../shared) live."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import settings

import cleaner
from cleaner.classifier import BlockClassifier, BlockScore

# HYPOTHESIS_PROFILE=ci (set by .ci/run) replays the same generated examples on every run, so a property that fails
# in CI fails every time and is reproduced locally with the same variable; without it each run explores new
# examples and keeps the failures it finds in tests/.hypothesis.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])

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


# --- the compiled cores (tools/build_native.py): a module calls its C module through `_core`, None for its Python code


@contextmanager
def using_core(module: ModuleType, core: Any, attribute: str = "_core") -> Iterator[None]:
    """`module._core` (or another `attribute`: a module with two cores) set to `core` (None: the module's own
    Python code) for the block, then restored."""
    saved = getattr(module, attribute)
    setattr(module, attribute, core)
    try:
        yield
    finally:
        setattr(module, attribute, saved)


def python_and_compiled(module: ModuleType, fn: Callable[..., Any], *args: Any) -> tuple[Any, Any]:
    """fn(*args) with `module`'s Python code, then with its compiled core (the two must agree)."""
    with using_core(module, None):
        python = fn(*args)
    return python, fn(*args)


def both_paths(module: ModuleType) -> Any:
    """A `code` fixture that runs a test on `module`'s compiled core and on the Python code it replaces (the
    reference and the fallback); the compiled run skips where the core was not built."""

    @pytest.fixture(params=["compiled", "python"])
    def code(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
        if request.param == "compiled" and module._core is None:
            pytest.skip("the compiled core is not built (CLEANER_NO_NATIVE, or no C compiler at install)")
        if request.param == "python":
            monkeypatch.setattr(module, "_core", None)
        return request.param

    return code


class StubModel:
    """A block model with fixed scores (`BlockClassifier.override(StubModel(...))`): each block's p_boilerplate
    is `scores[text]`, else `default`. Tests of the cleaning step use it so that they are about the step, not
    about what a trained model happens to say."""

    def __init__(self, scores: dict[str, float], default: float, among: dict[str, float] | None = None) -> None:
        self.fixed, self.default, self.among = scores, default, among or {}

    def _p(self, blocks) -> np.ndarray:
        return np.array([self.fixed.get(b.text, self.default) for b in blocks])

    def predict(self, blocks, title):
        return [BlockScore(float(p), "stub") for p in self._p(blocks)]

    def predict_among(self, blocks, title, kept):
        """The second reading, among the blocks the rules left: `among[text]` where given, else the first's."""
        first = self._p(blocks)
        return [BlockScore(float(self.among.get(blocks[i].text, first[i])), "stub, among the kept") for i in kept]

    def scores(self, blocks, title, attribute=False):
        return self._p(blocks), None, None, [], False

    def probabilities(self, blocks, title):
        return [float(p) for p in self._p(blocks)]

    def threshold(self, html: bool) -> float:
        return 0.5


def clean_lines(model: StubModel, lines: list[str], title: str | None = None) -> cleaner.Document:
    """The lines, set apart by blank lines, cleaned in text mode with `model` as the block model."""
    BlockClassifier.override(model)
    try:
        return cleaner.clean_text("\n\n".join(lines), title=title, pipeline=cleaner.Pipeline.default([], score=False))
    finally:
        BlockClassifier.override(None)


@pytest.fixture(scope="session")
def composition_pairs() -> list[tuple[int, int]]:
    """(first, second) of every canonical decomposition into two code points, and Hangul's (L, V) and (LV, T): the
    compositions NFC makes, which the compiled segmentation and text features must know (read once a session)."""
    pairs = []
    for c in range(0x110000):
        decomposition = unicodedata.decomposition(chr(c))
        if decomposition and not decomposition.startswith("<"):
            parts = [int(x, 16) for x in decomposition.split()]
            if len(parts) == 2:
                pairs.append((parts[0], parts[1]))
    pairs += [(0x1100, v) for v in range(0x1161, 0x1176)] + [(0xAC00, t) for t in range(0x11A8, 0x11C3)]
    return pairs
