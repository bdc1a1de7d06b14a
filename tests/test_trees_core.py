"""The compiled trees core (cleaner/_trees_core.c) against the numpy code it replaces in cleaner/classifier.py:
the same log-odds, leaf values, leaves, stage-2 and context columns, scores and reasons, bit for bit."""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from conftest import ROOT, shared_path, using_core
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from test_classifier import _random_trees

import cleaner
import cleaner.classifier as clf_mod
from cleaner.classifier import BlockClassifier, Trees
from cleaner.document import Block
from cleaner.html import DOM_FEATURES
from cleaner.segment import segment_text

COMPILED = clf_mod._COMPILED_TREES
needs_core = pytest.mark.skipif(COMPILED is None, reason="cleaner._trees_core is not built (CLEANER_NO_NATIVE, or "
                                                         "no C compiler at install): nothing to compare")
pytestmark = needs_core


def numpy_then_compiled(fn: Callable[[], Any]) -> tuple[Any, Any]:
    """fn() with the numpy code, then with the compiled core; the text features' cache emptied before each (it
    keeps the context columns of the last texts, made by whichever code ran)."""
    results = []
    for core in (None, COMPILED):
        with using_core(clf_mod, core, "_tree_core"):
            clf_mod._TEXT_PART.clear()
            results.append(fn())
    clf_mod._TEXT_PART.clear()
    return results[0], results[1]


def same_bits(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Equal arrays, bit for bit (NaN's and zeros' signs included), of the same shape; or both None."""
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and np.ascontiguousarray(a).tobytes() == np.ascontiguousarray(b).tobytes()


def awkward_rows(trees: Trees, rows: int, rng: np.random.Generator) -> np.ndarray:
    """Rows for `trees`: normal values at several scales, a fifth of the cells set to a threshold the trees test on
    that feature (x <= threshold is where a walk turns), and NaN, +-inf, 0.0 and -0.0 here and there."""
    n_feat = len(trees.names)
    X = rng.normal(size=(rows, n_feat)) * rng.choice([0.1, 1.0, 10.0], size=n_feat)
    internal = ~trees.leaf
    features, thresholds = trees.feature[internal], trees.threshold[internal]
    if rows and features.size:
        k = rng.integers(features.size, size=rows * n_feat // 5)
        X[rng.integers(rows, size=k.size), features[k]] = thresholds[k]
    for value, share in ((np.nan, 0.05), (np.inf, 0.02), (-np.inf, 0.02), (0.0, 0.02), (-0.0, 0.02)):
        X[rng.random(X.shape) < share] = value
    return X


def evaluations(trees: Trees, X: np.ndarray, columns: tuple[int, ...]) -> dict[str, Any]:
    """Everything Trees answers about X, as the callers use it."""
    raw, leaves = trees.raw_and_leaves(X)
    values, static = trees.split_leaf_values(X, columns)
    out: dict[str, Any] = {"raw": trees.raw(X)[0], "raw_and_leaves": raw, "leaves": leaves,
                           "leaf_values": trees.leaf_values(X), "split": values}
    if static is not None:  # the numpy code's reuse of the other columns' tests: the same values
        out["split_again"] = trees.split_leaf_values(X, columns, static)[0]
    if len(X) and leaves is not None:
        rows = list(range(0, len(X), max(1, len(X) // 7)))
        out["attribute"] = trees.attribute(X[rows], leaves[:, rows])
    return out


def assert_same_evaluations(numpy_run: dict[str, Any], compiled_run: dict[str, Any]) -> None:
    for name in ("raw", "raw_and_leaves", "leaves", "leaf_values", "split", "attribute"):
        assert same_bits(numpy_run.get(name), compiled_run.get(name)), name
    if "split_again" in numpy_run:
        assert same_bits(numpy_run["split_again"], compiled_run["split"])
    assert same_bits(numpy_run["raw"], numpy_run["raw_and_leaves"])


# --- the committed models --------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [0, 1, 3, 64, 2049])
@pytest.mark.parametrize("stage", ["stage1", "stage2"])
@pytest.mark.parametrize("mode", ["text", "html"])
def test_committed_models_give_the_same_bits(mode: str, stage: str, rows: int) -> None:
    """Log-odds, leaves, leaf values (also split by the headline's columns) and the attribution the leaves feed,
    on rows with NaN, infinities, signed zeros and values equal to the thresholds; over 2048 rows the compiled
    walk goes by chunks as the numpy code does."""
    trees = BlockClassifier.load().models[mode][stage]
    X = awkward_rows(trees, rows, np.random.default_rng(rows))
    numpy_run, compiled_run = numpy_then_compiled(lambda: evaluations(trees, X, (1, 4, 7)))
    assert_same_evaluations(numpy_run, compiled_run)
    assert (compiled_run["leaves"] is None) == (rows > clf_mod.ROWS_PER_CHUNK)
    assert compiled_run["raw"].shape == (rows,) and compiled_run["leaf_values"].shape == (rows, 150)


def test_other_layouts_and_types_of_rows() -> None:
    """A transposed (Fortran-order) matrix, a float32 one and one of ints: the numpy code converts to float64,
    the compiled path too."""
    trees = BlockClassifier.load().models["text"]["stage1"]
    X = awkward_rows(trees, 30, np.random.default_rng(5))
    for variant in (np.asfortranarray(X), X.astype(np.float32), np.nan_to_num(X, posinf=1e6, neginf=-1e6).astype(np.int64), X[::2]):
        numpy_run, compiled_run = numpy_then_compiled(lambda v=variant: evaluations(trees, v, (0, 2)))
        assert_same_evaluations(numpy_run, compiled_run)


# --- hand-built trees --------------------------------------------------------------------------------------------

LEAF = {"feature": [0], "threshold": [0.0], "left": [0], "right": [0], "value": [0.125], "leaf": [True]}
STUMP = {"feature": [1, 0, 0], "threshold": [0.5, 0, 0], "left": [1, 0, 0], "right": [2, 0, 0],
         "value": [0.0, -1.0, 2.0], "leaf": [False, True, True]}
# node 0: x2 <= -1 ? node 2 : node 1 (children listed out of order); node 1: x0 <= 3 ? leaf 3 : node 4;
# node 4: x0 <= 7 ? leaf 5 : leaf 6; node 2: leaf. Leaves left to right: node 2 (0.5), 3 (-0.25), 5 (1.5), 6 (4.0).
UNEVEN = {"feature": [2, 0, 0, 0, 0, 0, 0], "threshold": [-1.0, 3.0, 0, 0, 7.0, 0, 0],
          "left": [2, 3, 0, 0, 5, 0, 0], "right": [1, 4, 0, 0, 6, 0, 0],
          "value": [0.0, 0.0, 0.5, -0.25, 0.0, 1.5, 4.0], "leaf": [False, False, True, True, False, True, True]}
HAND_BUILT = {"features": ["a", "b", "c"], "base": -0.5, "max_depth": 3, "trees": [LEAF, STUMP, UNEVEN]}


def test_hand_built_trees_walk_left_at_the_threshold_and_right_on_nan() -> None:
    trees = Trees(HAND_BUILT)
    nan, inf = np.nan, np.inf
    X = np.array([[0.0, 0.5, -1.0],  # stump left (x1 == 0.5), uneven left: leaf 0
                  [3.0, nan, 0.0],  # stump right (NaN), uneven: x0 == 3 -> leaf 1
                  [7.0, -inf, nan],  # stump left, uneven: NaN right, x0 == 7 -> leaf 2
                  [nan, inf, inf],  # stump right, uneven right, NaN right, NaN right -> leaf 3
                  [-0.0, 0.5000000000000001, -inf]])  # stump right (just over), uneven left -> leaf 0
    want_values = [[0.125, -1.0, 0.5], [0.125, 2.0, -0.25], [0.125, -1.0, 1.5], [0.125, 2.0, 4.0],
                   [0.125, 2.0, 0.5]]
    want_leaves = [[0] * 5, [64, 65, 64, 65, 65], [128, 129, 130, 131, 128]]
    for run in numpy_then_compiled(lambda: evaluations(trees, X, (1,))):
        assert run["leaf_values"].tolist() == want_values
        assert run["leaves"].tolist() == want_leaves
        assert run["raw"].tolist() == [-0.5 + sum(row) for row in want_values]
    assert_same_evaluations(*numpy_then_compiled(lambda: evaluations(trees, X, (1,))))


@pytest.mark.parametrize("max_leaves", [1, 15, 63, 64, 80])
def test_random_trees_up_to_and_over_64_leaves(max_leaves: int) -> None:
    """Up to 64 leaves the compiled core reads QuickScorer's bit sets, over 64 it walks the trees (the numpy
    code walks level by level then, and gives no leaves)."""
    rng = np.random.default_rng(max_leaves)
    spec = _random_trees(rng, 7, 30, max_leaves)
    trees = Trees(spec)
    X = rng.choice([-1.0, 0.0, 0.5, 1.0, np.nan, 3.0, -np.inf, np.inf], size=(70, 7))
    X[:, 3] = rng.normal(size=70)
    numpy_run, compiled_run = numpy_then_compiled(lambda: evaluations(trees, X, (1, 4)))
    assert_same_evaluations(numpy_run, compiled_run)
    assert (compiled_run["leaves"] is None) == (max(sum(t["leaf"]) for t in spec["trees"]) > 64)


@st.composite
def forests_and_rows(draw: st.DrawFn) -> tuple[dict[str, Any], np.ndarray]:
    """A random forest (up to 20 leaves a tree) and rows for it: thresholds and values from a small set (ties
    with the thresholds), any float too (NaN, infinities, subnormals)."""
    n_feat = draw(st.integers(1, 6))
    spec = _random_trees(np.random.default_rng(draw(st.integers(0, 2**32 - 1))), n_feat,
                         draw(st.integers(1, 12)), draw(st.integers(1, 20)))
    cells = st.one_of(st.sampled_from([-1.0, 0.0, -0.0, 0.5, 1.0]), st.floats(allow_nan=True, allow_infinity=True))
    X = draw(arrays(np.float64, st.tuples(st.integers(0, 12), st.just(n_feat)), elements=cells))
    return spec, X


@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(forests_and_rows())
def test_property_random_forests_give_the_same_bits(forest_and_rows: tuple[dict[str, Any], np.ndarray]) -> None:
    spec, X = forest_and_rows
    trees = Trees(spec)
    columns = (0,) if X.shape[1] < 3 else (0, 2)
    assert_same_evaluations(*numpy_then_compiled(lambda: evaluations(trees, X, columns)))


# --- stage 2 and the context windows ---------------------------------------------------------------------------


@st.composite
def stage1_scores(draw: st.DrawFn) -> tuple[np.ndarray, list[Block], list[int] | None]:
    """Stage-1 scores of a document (sigmoid values: in [0, 1], 0.5 itself too), its blocks (in DOM containers,
    sometimes) and each block's words (or None: counted from the texts)."""
    n = draw(st.integers(1, 60))
    probability = st.one_of(st.sampled_from([0.0, 0.5, 1.0, 0.49999999999999994, 0.25]),
                            st.floats(0.0, 1.0, allow_subnormal=True))
    p1 = np.array(draw(st.lists(probability, min_size=n, max_size=n)), dtype=np.float64)
    words = draw(st.lists(st.integers(0, 400), min_size=n, max_size=n))
    grouped = draw(st.booleans())
    groups = draw(st.lists(st.integers(-1, 4), min_size=n, max_size=n))
    blocks = [Block(text=" ".join(["word"] * w), features={"group": g} if grouped and g != 4 else {})
              for w, g in zip(words, groups, strict=True)]
    return p1, blocks, (words if draw(st.booleans()) else None)


@settings(deadline=None, max_examples=300)
@given(stage1_scores())
def test_property_stage2_features_give_the_same_bits(scores: tuple[np.ndarray, list[Block], list[int] | None]) -> None:
    p1, blocks, words = scores
    numpy_run, compiled_run = numpy_then_compiled(lambda: clf_mod.stage2_features(p1, blocks, words))
    assert same_bits(numpy_run, compiled_run)


def test_stage2_features_of_no_blocks_and_of_a_view() -> None:
    numpy_run, compiled_run = numpy_then_compiled(lambda: clf_mod.stage2_features(np.zeros(0), []))
    assert same_bits(numpy_run, compiled_run) and compiled_run.shape == (0, len(clf_mod.STAGE2_NAMES))
    p1 = np.random.default_rng(2).random(40)[::2]  # (not contiguous)
    blocks = [Block(text="a few words here") for _ in range(20)]
    assert same_bits(*numpy_then_compiled(lambda: clf_mod.stage2_features(p1, blocks)))


@settings(deadline=None, max_examples=200)
@given(st.integers(1, 50), st.integers(1, 9), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_property_context_windows_give_the_same_bits(n: int, k: int, m: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    core = rng.choice([0.0, -0.0, 1.0, 0.1, 1e300, -1e-300, np.nan], size=(n, k)) * rng.normal(size=(n, k))
    windows = rng.normal(size=(n, m)) * rng.choice([1e-8, 1.0, 1e8], size=m)
    assert same_bits(*numpy_then_compiled(lambda: clf_mod._context(core, windows, clf_mod._layout(n))))


# --- the classifier --------------------------------------------------------------------------------------------

TEXT = ("Home | News | Sport | Weather\n\nCouncil approves the new budget for schools\n\nBy Jane Smith, 12 March "
        "2024\n\nThe council met on Tuesday and argued, at length, about the new budget for schools and roads, "
        "which the mayor called the most important vote of the year.\n\nAdvertisement\n\nTeachers said the money "
        "would pay for smaller classes; parents asked when the new buildings would open.\n\nRelated: Five things "
        "to know about the vote\n\nShare this article\n\n12 Comments\n\njane says:\n\nI think the council got it "
        "right this time.\n\n© 2024 The Example Times. All rights reserved.")


def html_blocks(rng: np.random.Generator) -> list[Block]:
    """Blocks with DOM evidence as cleaner.html gives them (random values), some in shared containers."""
    lines = TEXT.split("\n\n") * 3
    return [Block(text=line, features={"dom": rng.random(len(DOM_FEATURES)).round(2).tolist(),
                                       "group": int(rng.integers(-1, 6)), "blank_before": bool(i % 2)})
            for i, line in enumerate(lines)]


def classify(blocks: list[Block], title: str | None, kept: list[int]) -> dict[str, Any]:
    """What the cleaner asks the classifier (a fresh one: no answer kept from the other code's run)."""
    loaded = BlockClassifier.load()
    clf = BlockClassifier(loaded.models, loaded.thresholds)
    untitled = clf.predict(blocks, None)
    p, X2, contrib, names, html = clf.scores(blocks, title, attribute=True)
    titled = clf.predict(blocks, title)
    among = clf.predict_among(blocks, title, kept)
    return {"p": p.tobytes(), "X2": X2.tobytes(), "contrib": contrib.tobytes(), "names": names, "html": html,
            "untitled": [repr(s) for s in untitled], "titled": [repr(s) for s in titled],
            "among": [repr(s) for s in among]}


@pytest.mark.parametrize("mode", ["text", "html"])
def test_the_classifier_gives_the_same_scores_and_reasons(mode: str) -> None:
    """predict (without a headline, then with one: the cleaner's two calls), scores with contributions, and
    predict_among: p's bits, the stage-2 matrix and every reason's text."""
    rng = np.random.default_rng(11)
    blocks = segment_text(TEXT) if mode == "text" else html_blocks(rng)
    kept = sorted(rng.choice(len(blocks), size=len(blocks) * 2 // 3, replace=False).tolist())
    numpy_run, compiled_run = numpy_then_compiled(
        lambda: classify(blocks, "Council approves the new budget for schools", kept))
    assert numpy_run["html"] == (mode == "html")
    assert numpy_run == compiled_run


def test_a_page_of_many_blocks_gives_the_same_scores() -> None:
    """Over ROWS_PER_CHUNK blocks: the trees go by chunks, stage 2 gives no leaves; the same scores."""
    blocks = [Block(text=f"Line {i} of a long page, {'with more words ' * (i % 7)}and an end.")
              for i in range(2100)]

    def scores() -> tuple[bytes, bytes, list[str]]:
        loaded = BlockClassifier.load()
        clf = BlockClassifier(loaded.models, loaded.thresholds)
        p, X2, _, _, _ = clf.scores(blocks, None)
        return p.tobytes(), X2.tobytes(), [s.reason for s in clf.predict(blocks, None)[::97]]

    numpy_run, compiled_run = numpy_then_compiled(scores)
    assert numpy_run == compiled_run


# --- whole documents (development data) -------------------------------------------------------------------------


def test_cleaned_news_documents_are_the_same() -> None:
    """The records of 300 news-length documents (bench/scorers.py's), cleaned in text mode on both paths."""
    shared_path("data", "extraction", "manifest.jsonl")
    shared_path("data", "news", "docs.jsonl")
    sys.path.insert(0, str(ROOT / "bench"))
    from scorers import documents

    docs, _ = documents(300)
    assert len(docs) == 300

    def records() -> list[str]:
        BlockClassifier.load()._last = None
        return [json.dumps(cleaner.clean_text(d["text"], title=d["title"], score=False).to_record(), sort_keys=True)
                for d in docs]

    numpy_run, compiled_run = numpy_then_compiled(records)
    assert [i for i, (a, b) in enumerate(zip(numpy_run, compiled_run, strict=True)) if a != b] == []


def test_cleaned_html_pages_are_the_same() -> None:
    """HTML mode (DOM containers in stage 2): 25 development pages' records on both paths."""
    data = shared_path("data", "extraction")
    rows = [json.loads(line) for line in (data / "manifest.jsonl").read_text(encoding="utf-8").splitlines()[:25]]
    pages = [(gzip.decompress((data / r["html"]).read_bytes()).decode("utf-8", errors="replace"), r.get("url"))
             for r in rows]

    def records() -> list[str]:
        BlockClassifier.load()._last = None
        return [json.dumps(cleaner.clean_html(html, url=url, score=False).to_record(), sort_keys=True)
                for html, url in pages]

    numpy_run, compiled_run = numpy_then_compiled(records)
    assert [i for i, (a, b) in enumerate(zip(numpy_run, compiled_run, strict=True)) if a != b] == []


# --- the C entry points refuse what they cannot read -----------------------------------------------------------


def test_the_compiled_entry_points_check_their_arguments() -> None:
    trees = Trees(HAND_BUILT)
    forest, _ = trees._forest()
    X = np.zeros((4, 3))
    with pytest.raises(ValueError, match="columns"):
        forest.evaluate(np.zeros((4, 2)), 0, 4, np.empty(4), None, None)  # the trees test column 2
    with pytest.raises(ValueError):
        forest.evaluate(X.astype(np.float32), 0, 4, np.empty(4), None, None)
    with pytest.raises((ValueError, BufferError)):
        forest.evaluate(np.asfortranarray(np.zeros((4, 3))), 0, 4, np.empty(4), None, None)
    with pytest.raises(ValueError):
        forest.evaluate(X, 0, 5, np.empty(4), None, None)
    with pytest.raises(ValueError):
        forest.evaluate(X, 0, 4, np.empty(3), None, None)
    with pytest.raises(ValueError):
        forest.evaluate(X, 0, 4, None, np.empty((4, 2)), None)
    with pytest.raises(ValueError):
        forest.evaluate(X, 0, 4, None, None, np.empty((3, 4)))  # (float64, not int64)
    with pytest.raises((ValueError, BufferError)):
        forest.evaluate(X, 0, 4, np.empty(8)[::2], None, None)  # (not contiguous)
    with pytest.raises(TypeError, match="already"):  # (another thread may be reading its tables)
        forest.__init__(0.0, *trees._node_tables()[:-1])
    tables = list(trees._node_tables()[:-1])
    backwards = tables[3].copy()
    backwards[backwards > 0] = 0  # a child before its parent: a walk could go round for ever
    with pytest.raises(ValueError, match="before it"):
        COMPILED.Forest(0.0, tables[0], tables[1], tables[2], backwards, *tables[4:])
    with pytest.raises(ValueError):
        COMPILED.Forest(0.0, tables[0], tables[1], tables[2][:-1], *tables[3:])
    with pytest.raises(ValueError):
        COMPILED.stage2(np.zeros(3), [1, 2], np.empty((3, 21)), 0.5)
    with pytest.raises(ValueError):
        COMPILED.stage2(np.zeros(3), [1, 2, 3], np.empty((3, 20)), 0.5)
    with pytest.raises(ValueError):
        COMPILED.context(np.zeros((3, 2)), np.zeros((3, 1)), np.empty((3, 6)), (-1, 1), (2,))
    with pytest.raises(ValueError):
        COMPILED.context(np.zeros((3, 2)), np.zeros((2, 1)), np.empty((3, 5)), (-1, 1), (2,))


def test_attribute_refuses_leaves_and_paths_that_do_not_fit() -> None:
    paths = np.zeros((2, 128), dtype=np.int64), np.zeros((2, 128)), np.ones(128, dtype=np.int64)
    COMPILED.attribute(np.array([0, 64], dtype=np.int64), *paths, out := np.empty((1, 3)))
    assert out.tolist() == [[0.0, 0.0, 0.0]]
    with pytest.raises(ValueError, match="out of range"):  # a leaf past the tables
        COMPILED.attribute(np.array([0, 128], dtype=np.int64), *paths, np.empty((1, 3)))
    with pytest.raises(ValueError, match="out of range"):  # a path longer than the tables' steps
        COMPILED.attribute(np.array([0, 64], dtype=np.int64), paths[0], paths[1], np.full(128, 3, dtype=np.int64),
                           np.empty((1, 3)))
    with pytest.raises(ValueError, match="feature out of range"):
        COMPILED.attribute(np.array([0, 64], dtype=np.int64), np.full((2, 128), 5, dtype=np.int64), paths[1],
                           paths[2], np.empty((1, 3)))
    with pytest.raises(ValueError, match="do not fit"):  # three leaves for two rows
        COMPILED.attribute(np.array([0, 64, 1], dtype=np.int64), *paths, np.empty((2, 3)))


# --- the reasons' ranking (rank: the positive contributions, largest first) -----------------------------------


def positive_prefix(order: list[int], signed: np.ndarray) -> list[int]:
    """What a reason reads of an order: the columns before the first contribution <= 0."""
    out = []
    for j in order:
        if not signed[j] > 0:
            break
        out.append(j)
    return out


@st.composite
def contribution_rows(draw: st.DrawFn) -> np.ndarray:
    """Rows of contributions as the reasons rank them: mostly zeros, a few values of either sign, some of them
    repeated (ties), now and then a NaN, -0.0 or an infinity; fewer columns than 12 too."""
    rows, n = draw(st.integers(1, 6)), draw(st.integers(1, 40))
    pool = draw(st.lists(st.sampled_from([0.5, 0.25, 1e-300, 3.0, -1.0, -0.0, np.inf, -np.inf, np.nan])
                         | st.floats(-5, 5, allow_nan=False), min_size=1, max_size=8))
    cells = draw(arrays(np.float64, (rows, n), elements=st.sampled_from(pool + [0.0])))
    return cells


@settings(deadline=None, max_examples=400)
@given(contribution_rows())
def test_property_rank_gives_the_order_a_reason_reads(signed: np.ndarray) -> None:
    """rank's order for a row is the positive prefix of numpy's (_numpy_ranked), or None where ties or a NaN among
    the candidates leave the order to numpy's argpartition; _ranked gives the same positive prefixes either way."""
    numpy_orders = clf_mod._numpy_ranked(signed)
    ranked = COMPILED.rank(np.ascontiguousarray(signed), 12)
    for row, order, numpy_order in zip(signed, ranked, numpy_orders, strict=True):
        positives = sorted(row[row > 0].tolist(), reverse=True)[:13]
        unsettled = bool(np.isnan(row).any()) or len(set(positives)) < len(positives)
        assert (order is None) == unsettled
        if order is not None:
            assert order == positive_prefix(numpy_order, row)
            assert len(order) == min(12, int((row > 0).sum()))
    with using_core(clf_mod, COMPILED, "_tree_core"):
        compiled = clf_mod._ranked(signed)
    assert [positive_prefix(o, row) for o, row in zip(compiled, signed, strict=True)] == \
        [positive_prefix(o, row) for o, row in zip(numpy_orders, signed, strict=True)]


def test_rank_keeps_the_twelve_largest_and_refuses_ties_at_the_twelfth() -> None:
    row = np.arange(20, dtype=np.float64)[None, ::-1] - 3.0  # 16, 15, ..., -3: 16 positive values
    assert COMPILED.rank(row, 12) == [list(range(12))]
    assert COMPILED.rank(row, 3) == [[0, 1, 2]]
    tied = row.copy()
    tied[0, 12] = tied[0, 11]  # the 12th and 13th largest equal: which one numpy keeps is its choice
    assert COMPILED.rank(tied, 12) == [None]
    tied[0, 12] = row[0, 12]
    tied[0, 14] = tied[0, 13]  # equal below the 13th: no matter
    assert COMPILED.rank(tied, 12) == [list(range(12))]
    assert COMPILED.rank(np.array([[0.0, -0.0, -1.0, 2.0, 1.0]]), 12) == [[3, 4]]
    assert COMPILED.rank(np.array([[0.0, np.nan, 1.0]]), 12) == [None]
    assert COMPILED.rank(np.zeros((0, 5)), 12) == []
    with pytest.raises(ValueError):
        COMPILED.rank(np.zeros((2, 3), dtype=np.int64), 12)
    with pytest.raises(ValueError):
        COMPILED.rank(np.zeros(3), 12)
    with pytest.raises(ValueError):
        COMPILED.rank(np.zeros((2, 3)), 0)


def reference_orders(signed: np.ndarray) -> list[list[int]]:
    """The reasons' order as the classifier once gave it: the 12 largest (argpartition, stable argsort), read by a
    reason up to the first contribution <= 0."""
    k = signed.shape[1]
    top = np.argpartition(-signed, 11, axis=1)[:, :12] if k > 12 else np.broadcast_to(np.arange(k), signed.shape)
    picked = np.take_along_axis(-signed, top, axis=1)
    orders = np.take_along_axis(top, np.argsort(picked, axis=1, kind="stable"), axis=1).tolist()
    out = []
    for order, row in zip(orders, signed, strict=True):
        read = []
        for j in order:
            if row[j] <= 0:
                break
            read.append(j)
        out.append(read)
    return out


@settings(deadline=None, max_examples=300)
@given(contribution_rows())
def test_property_ranked_is_what_a_reason_read_on_both_paths(signed: np.ndarray) -> None:
    """_ranked, numpy's and the compiled core's (ties and NaN included), is the order the reasons once read."""
    want = reference_orders(signed)
    assert clf_mod._numpy_ranked(signed) == want
    with using_core(clf_mod, COMPILED, "_tree_core"):
        assert clf_mod._ranked(signed) == want


# --- the sigmoid (numpy's exp, then logistic: the addition and division in C) -----------------------------------


@settings(deadline=None, max_examples=300)
@given(arrays(np.float64, st.integers(0, 40), elements=st.floats(allow_nan=True, allow_infinity=True)))
def test_property_sigmoid_gives_the_same_bits(z: np.ndarray) -> None:
    with np.errstate(over="ignore"):  # (exp of a large -z: inf, then 0.0)
        numpy_run, compiled_run = numpy_then_compiled(lambda: clf_mod._sigmoid(z))
        assert same_bits(numpy_run, compiled_run)
        assert same_bits(compiled_run, 1.0 / (1.0 + np.exp(-z)))


def test_sigmoid_of_other_shapes_and_logistic_checks_its_argument() -> None:
    with using_core(clf_mod, COMPILED, "_tree_core"):
        z = np.linspace(-40.0, 40.0, 12)
        assert same_bits(clf_mod._sigmoid(z.reshape(3, 4)), 1.0 / (1.0 + np.exp(-z.reshape(3, 4))))
        assert clf_mod._sigmoid(np.float64(0.5)) == 1.0 / (1.0 + np.exp(-np.float64(0.5)))
        assert same_bits(clf_mod._sigmoid(z[::2]), 1.0 / (1.0 + np.exp(-z[::2])))
    e = np.array([0.0, 1.0, np.inf, np.nan])
    COMPILED.logistic(e)
    assert same_bits(e, np.array([1.0, 0.5, 0.0, np.nan]))
    with pytest.raises(ValueError):
        COMPILED.logistic(np.zeros((2, 2)))
    with pytest.raises(ValueError):
        COMPILED.logistic(np.zeros(3, dtype=np.int64))
    readonly = np.zeros(3)
    readonly.flags.writeable = False
    with pytest.raises((ValueError, BufferError)):
        COMPILED.logistic(readonly)


# --- the AVX2 loops against the SSE2 ones (use_avx2) ----------------------------------------------------------


def avx2_available() -> bool:
    """Whether the processor has AVX2 (use_avx2(True) turns the AVX2 loops on only then); the state restored."""
    was = COMPILED.use_avx2(True)
    return bool(COMPILED.use_avx2(was))


needs_avx2 = pytest.mark.skipif(not avx2_available(), reason="no AVX2 here: one path only")


def both_paths(fn: Callable[[], Any]) -> tuple[Any, Any]:
    """fn() with the AVX2 loops, then with the SSE2 (or plain) ones; the switch restored."""
    results = []
    for on in (True, False):
        was = COMPILED.use_avx2(on)
        try:
            results.append(fn())
        finally:
            COMPILED.use_avx2(was)
    return results[0], results[1]


def evaluate_all(forest: Any, X: np.ndarray, start: int, stop: int) -> list[bytes]:
    """Forest.evaluate of rows [start, stop) with every combination of outputs asked for (the values alone, the
    log-odds alone, with the leaves, ...), the outputs' bytes (the rows outside [start, stop): a marker left)."""
    rows, trees = X.shape[0], forest.n_trees
    out = []
    for want in ((1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 0, 1), (1, 1, 0), (1, 1, 1)):
        raw = np.full(rows, -7.5) if want[0] else None
        values = np.full((rows, trees), -7.5) if want[1] else None
        leaves = np.full((trees, rows), -3, dtype=np.int64) if want[2] else None
        forest.evaluate(X, start, stop, raw, values, leaves)
        out += [b"" if a is None else a.tobytes() for a in (raw, values, leaves)]
    return out


@needs_avx2
@pytest.mark.parametrize("mode", ["text", "html"])
def test_avx2_loops_give_the_sse2_loops_bits_on_the_committed_models(mode: str) -> None:
    """1 to 40 rows (not multiples of the four rows of a vector or the sixteen of a block), rows from an offset
    (the chunks), every combination of outputs: the same log-odds, values and leaves on both paths, and the numpy
    code's."""
    for stage in ("stage1", "stage2"):
        trees = BlockClassifier.load().models[mode][stage]
        forest, _ = trees._forest()
        X = awkward_rows(trees, 45, np.random.default_rng(len(mode) + len(stage)))
        for rows in range(1, 41):
            avx2, plain = both_paths(lambda f=forest, x=X, r=rows: evaluate_all(f, x, 0, r))
            assert avx2 == plain, (stage, rows)
        for start, stop in ((3, 4), (5, 22), (17, 45), (0, 0), (45, 45)):
            avx2, plain = both_paths(lambda f=forest, x=X, a=start, b=stop: evaluate_all(f, x, a, b))
            assert avx2 == plain, (stage, start, stop)
        for rows in (1, 5, 16, 33):
            with using_core(clf_mod, None, "_tree_core"):
                numpy_run = evaluations(trees, X[:rows], (1, 4, 7))
            for compiled_run in both_paths(lambda t=trees, x=X, r=rows: evaluations(t, x[:r], (1, 4, 7))):
                assert_same_evaluations(numpy_run, compiled_run)


@needs_avx2
def test_avx2_loops_on_hand_built_trees_nan_infinities_and_ties() -> None:
    """A leaf alone, a stump and an uneven tree: values equal to the thresholds go left, NaN right, +-inf either
    side, -0.0 equal to 0.0; every row count up to 40."""
    trees = Trees(HAND_BUILT)
    forest, _ = trees._forest()
    cells = np.array([0.0, -0.0, 0.5, 0.5000000000000001, 3.0, 7.0, -1.0, np.nan, np.inf, -np.inf, 5e-324])
    X = np.random.default_rng(3).choice(cells, size=(40, 3))
    for rows in range(1, 41):
        avx2, plain = both_paths(lambda r=rows: evaluate_all(forest, X, 0, r))
        assert avx2 == plain, rows
    want = numpy_then_compiled(lambda: evaluations(trees, X, (1,)))[0]
    for run in both_paths(lambda: evaluations(trees, X, (1,))):
        assert_same_evaluations(want, run)


@needs_avx2
@settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_property_avx2_loops_give_the_same_bits(data: st.DataObject) -> None:
    """Random forests (up to 64 leaves a tree: the bit sets' limit) and matrices of any floats, any rows from
    any offset: both paths give the same bytes in every output, and the numpy code's evaluations."""
    n_feat = data.draw(st.integers(1, 7))
    spec = _random_trees(np.random.default_rng(data.draw(st.integers(0, 2**32 - 1))), n_feat,
                         data.draw(st.integers(1, 9)), data.draw(st.sampled_from([1, 2, 5, 20, 64])))
    cells = st.one_of(st.sampled_from([-1.0, 0.0, -0.0, 0.5, 1.0, np.nan, np.inf, -np.inf]),
                      st.floats(allow_nan=True, allow_infinity=True))
    X = data.draw(arrays(np.float64, st.tuples(st.integers(0, 40), st.just(n_feat)), elements=cells))
    start = data.draw(st.integers(0, X.shape[0]))
    stop = data.draw(st.integers(start, X.shape[0]))
    trees = Trees(spec)
    forest, _ = trees._forest()
    avx2, plain = both_paths(lambda: evaluate_all(forest, X, start, stop))
    assert avx2 == plain
    want = numpy_then_compiled(lambda: evaluations(trees, X, (0,)))[0]
    for run in both_paths(lambda: evaluations(trees, X, (0,))):
        assert_same_evaluations(want, run)


def test_use_avx2_switches_and_reports() -> None:
    """use_avx2(on) gives the old state; off is always possible, on only where the processor has AVX2."""
    was = COMPILED.use_avx2(False)
    try:
        assert COMPILED.use_avx2(False) is False
        assert COMPILED.use_avx2(True) is False
        assert COMPILED.use_avx2(True) is avx2_available()
    finally:
        COMPILED.use_avx2(was)
