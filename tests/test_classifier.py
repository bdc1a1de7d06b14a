"""The block classifier: numpy tree evaluation, reasons, and behaviour on the seeds' body lines."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import shared_path, using_core

from cleaner.classifier import BlockClassifier, BlockScore, Trees, block_features, feature_names
from cleaner.document import Block
from cleaner.segment import segment_text

# one stump: feature 0 <= 0.5 → -1, else +2 (inner value is the count-weighted mean)
STUMP = {"features": ["a", "b"], "base": 0.25, "max_depth": 1,
         "trees": [{"feature": [0, 0, 0], "threshold": [0.5, 0, 0], "left": [1, 1, 2], "right": [2, 1, 2],
                    "value": [0.5, -1.0, 2.0], "leaf": [False, True, True]}]}


def test_trees_evaluate_and_attribute() -> None:
    trees = Trees(STUMP)
    X = np.array([[0.0, 9.0], [1.0, 9.0]])
    raw, contrib = trees.raw(X, attribute=True)
    assert raw.tolist() == [-0.75, 2.25]
    assert contrib is not None
    assert contrib[:, 0].tolist() == [-1.5, 1.5] and contrib[:, 1].tolist() == [0.0, 0.0]


def test_features_have_the_named_columns() -> None:
    blocks = segment_text("Home | News | Sport\n\nA long sentence of the article that goes on, and on, to the end.\n")
    X, names, html = block_features(blocks, "A headline")
    assert not html and X.shape == (2, len(feature_names(False))) and names == feature_names(False)
    assert np.isfinite(X).all()


def test_a_lone_report_button_is_not_a_comment_thread_marker() -> None:
    """"Report" under an embedded post (BBC's tweets) sits in the middle of articles: 3 of the 4 "Report" lines of
    the development pages are followed by body. Counted as a comment thread's mark, the model took the rest of a
    BBC article for comments (out-of-fold text recall 0.955 -> 0.960 without it). "Reply" still is a mark."""
    blocks = segment_text("Image Copyright @label @label\n\nReport\n\nReply\n\njane says:\n")
    X, names, _ = block_features(blocks, None)
    marks = X[:, names.index("comment_line")].tolist()
    assert marks == [0.0, 0.0, 1.0, 1.0]


def test_a_comments_link_above_the_headline_does_not_mark_the_article() -> None:
    """A "Comment" menu item or a "12 comments" link above the headline is not a thread: the article under the
    headline is not "after a comment head"; the thread's own head, below it, still marks what follows."""
    prose = [f"Paragraph {k} of the story tells what the council decided, why, and what happens next week." for k in
             range(4)]
    lines = ["Home", "Comment", "Council approves the new budget for schools", *prose, "2 Comments",
             "I think the council got this one right, for once, and said so at the meeting."]
    X, names, _ = block_features(segment_text("\n\n".join(lines)), "Council approves the new budget for schools")
    marked = X[:, names.index("comment_head_before")].tolist()
    assert marked[3:8] == [0.0] * 5 and marked[8] == 1.0


def test_predict_gives_scores_and_reasons() -> None:
    clf = BlockClassifier.load()
    assert clf is BlockClassifier.load()  # cached
    text = ("Home | World | Business | Sport\n\nCouncil approves budget\n\n"
            "The city council approved the budget on Tuesday after a long debate about schools, roads and the "
            "cost of the new bus lines, which the mayor called overdue.\n\n"
            "Members also agreed to review the plan next spring, when the first figures are in.\n\n"
            "Share on Facebook\nShare on Twitter\n© 2024 Daily Bugle. All rights reserved.\n")
    blocks = segment_text(text)
    scores = clf.predict(blocks, "Council approves budget")
    assert len(scores) == len(blocks) and all(isinstance(s, BlockScore) for s in scores)
    assert all(s.reason.startswith("model: ") and "p=" in s.reason for s in scores)
    by_text = {b.text: s.p_boilerplate for b, s in zip(blocks, scores, strict=True)}
    assert by_text["Home | World | Business | Sport"] > 0.5
    assert by_text["© 2024 Daily Bugle. All rights reserved."] > 0.5
    assert by_text[blocks[2].text] < 0.5
    assert clf.predict([], None) == []


def test_html_blocks_use_the_html_model() -> None:
    from cleaner.html import html_to_blocks

    page = ("<html><body><nav><a href='/'>Home</a> <a href='/b'>Business</a></nav><article>"
            + "".join(f"<p>Paragraph {i} of the story says something long enough, with commas, to be prose.</p>"
                      for i in range(6)) + "</article><footer><a href='/t'>Terms</a></footer></body></html>")
    blocks, meta = html_to_blocks(page, None)
    scores = BlockClassifier.load().predict(blocks, meta["title"])
    assert scores[0].p_boilerplate > 0.5 and scores[-1].p_boilerplate > 0.5
    assert all(s.p_boilerplate < 0.5 for s in scores[1:-1])


def test_seed_body_lines_mostly_kept() -> None:
    """The model alone (no rule packs) on the seeds: how many gold body lines it keeps. Not fitted to them."""
    seeds = shared_path("seeds")
    clf = BlockClassifier.load()
    kept = total = 0
    for gold in sorted(seeds.glob("*.gold.tsv")):
        rows = [r.split("\t", 1) for r in gold.read_text(encoding="utf-8").rstrip("\n").split("\n")]
        blocks = segment_text((seeds / gold.name.replace(".gold.tsv", ".txt")).read_text(encoding="utf-8"))
        labels = [r[0] for r in rows if r[0] != "blank"]
        assert len(labels) == len(blocks)
        title = next((r[1] for r in rows if r[0] == "title"), None)
        for label, s in zip(labels, clf.predict(blocks, title), strict=True):
            if label == "body":
                total += 1
                kept += s.p_boilerplate < 0.5
    assert kept / total >= 0.9, f"model keeps {kept}/{total} seed body lines"


def test_template_learner_finds_site_chrome(tmp_path) -> None:
    from cleaner.templates import TemplateLearner

    prose = "The council met on Tuesday and argued, at length, about the new budget for schools and roads."
    learner = TemplateLearner(min_pages=3, min_share=0.5)
    for i in range(4):
        blocks = [Block("Home | News | Sport"), Block(f"Story {'ABCD'[i]} headline"), Block(prose + f" Part {i}."),
                  Block("Background"), Block(prose + f" More {i}."), Block(f"© 20{19 + i} Daily Bugle")]
        learner.observe("bugle.example", blocks)
    learner.observe("bugle.example", [Block("Home | News | Sport")], page_key="p0")
    learner.observe("bugle.example", [Block("Home | News | Sport")], page_key="p0")  # same page: counted once
    reason = learner.is_template("bugle.example", "Home | News | Sport")
    assert reason and "5 of 5 pages" in reason
    assert learner.is_template("bugle.example", "© 2031 Daily Bugle")  # digits normalised
    assert learner.is_template("bugle.example", "Story B headline") is None  # on one page only
    assert learner.is_template("bugle.example", "Background") is None  # recurring subheading inside prose
    assert learner.is_template("other.example", "Home | News | Sport") is None
    path = tmp_path / "t.json"
    learner.save(path)
    again = TemplateLearner.load(path)
    assert again.is_template("bugle.example", "Home | News | Sport") == reason
    assert again.to_dict() == learner.to_dict()


def test_verdict() -> None:
    from cleaner.verdict import article_verdict

    prose = [Block("The council approved the budget on Tuesday, after a long debate about schools and roads, "
                   f"and the mayor said part {i} of the plan would start next year.") for i in range(6)]
    v = article_verdict(prose, [True] * 6, "Budget approved")
    assert v["is_article"] and "words kept" in v["reasons"][0]
    teasers = [Block(f"Mayor opens new bridge in district {i}", features={"link_density": 1.0}) for i in range(12)]
    v = article_verdict(teasers, [True] * 12, None)
    assert not v["is_article"] and any("teasers" in r for r in v["reasons"])
    v = article_verdict([Block("404 Not Found"), Block("The page you requested does not exist.")], [True, True], None)
    assert not v["is_article"] and any("error page" in r for r in v["reasons"])
    assert any("near-empty" in r for r in v["reasons"])


# --------------------------------------------------------------------------------------------------
# the fast paths compute exactly what the straightforward definitions compute
# --------------------------------------------------------------------------------------------------

from collections import Counter  # noqa: E402
from collections.abc import Callable  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cleaner import classifier as clf_mod  # noqa: E402
from cleaner.testing import hostile_texts, noisy_articles  # noqa: E402

_SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# characters that exercise every per-character class, the patterns' literals and their edge cases
_ALPHABET = st.sampled_from(list(
    "aAbB zZ09_.,;:!?…\"'”’»)]([«“„‘|·•»/-–—*+>#@©%&\t\u00a0\u2009\u3000\u200b\u00ad\ufeff\x00\x1c"
    "éÉßİıſKΣσς日本語한국中文カ½²٣\U0001d400\U0001f600ﬁＡ\u0301") + [
    "January", "Sept.", " 12, 2019", "2019-05-07", "12/05/2019", "5 mins ago", "10:30", "年", "(c)", "Copyright",
    "all rights reserved", "www.example.com", "https://x", " - ", " | ", "Comments", "says:", "Reply", "1."])
_LINES = st.lists(_ALPHABET, max_size=30).map("".join)


def _reference_block_features(blocks: list[Block], title: str | None) -> np.ndarray:
    """The feature matrix computed block by block from the definitions (the classifier's code before it was
    vectorised): _text_features per block, then the document-level columns one block at a time."""
    html = bool(blocks) and "dom" in blocks[0].features
    n = len(blocks)
    texts = [b.text.strip() for b in blocks]
    tf = [clf_mod._text_features(t) for t in texts]
    base = np.array([[f[k] for k in clf_mod._TEXT_NAMES] for f in tf], dtype=np.float64).reshape(n, -1)
    col = {k: i for i, k in enumerate(clf_mod._TEXT_NAMES)}
    prose = base[:, col["prose"]]
    prose_idx = np.flatnonzero(prose)
    first_prose = int(prose_idx[0]) if len(prose_idx) else -1
    last_prose = int(prose_idx[-1]) if len(prose_idx) else -1
    lengths = np.array([len(t) for t in texts], dtype=np.float64)
    cum = np.cumsum(lengths) - lengths
    total = max(lengths.sum(), 1.0)
    prev_d, next_d = np.full(n, 50.0), np.full(n, 50.0)
    last = -10**9
    for i in range(n):
        prev_d[i] = min(i - last, 50.0)
        if prose[i]:
            last = i
    nxt = 10**9
    for i in range(n - 1, -1, -1):
        next_d[i] = min(nxt - i, 50.0)
        if prose[i]:
            nxt = i
    ttoks = set(clf_mod._norm_tokens(title)) if title else set()
    sets = [set(clf_mod._norm_tokens(t)) for t in texts]
    counts = Counter(texts)
    body_vocab: Counter[str] = Counter()
    for i in prose_idx:
        body_vocab.update(sets[i])
    words = np.expm1(base[:, col["log_words"]])
    title_line = clf_mod._title_line([len(s & ttoks) / len(s | ttoks) if ttoks and s else 0.0 for s in sets])
    region_list, region_words, _ = clf_mod._region_runs(prose, words, gap=3)
    region = np.array(region_list, dtype=np.int64)
    main = int(np.argmax(region_words)) if len(region_words) else -1
    where = np.flatnonzero(region == main) if main >= 0 else np.zeros(0, dtype=np.int64)  # the main region's span
    main_lo, main_hi = (int(where[0]), int(where[-1])) if len(where) else (10**9, -1)
    total_prose = max(float(sum(region_words)), 1.0)
    marks_cum = np.concatenate([[0.0], np.cumsum(base[:, col["comment_line"]])])
    head_seen = np.concatenate([[0.0], np.maximum.accumulate(base[:, col["comment_head"]])])[:n]
    doc_rows = np.zeros((n, 25))
    for i in range(n):
        s, feats = sets[i], blocks[i].features
        inter = len(s & ttoks)
        title_sim = inter / len(s | ttoks) if ttoks and s else 0.0
        contained = inter / len(ttoks) if ttoks and s else 0.0
        vocab = sum(body_vocab[w] > (1 if prose[i] else 0) for w in s) / len(s) if s else 0.0
        lw = base[:, col["log_words"]]
        doc_rows[i] = (
            float(bool(feats.get("blank_before", False))), float(bool(feats.get("blank_after", False))),
            i / n, cum[i] / total, math.log1p(n), len(prose_idx) / n,
            (i - first_prose) / n if first_prose >= 0 else -1.0, (i - last_prose) / n if last_prose >= 0 else 1.0,
            prev_d[i], next_d[i], float(prev_d[i] <= 10 and next_d[i] <= 10), title_sim, contained,
            float(counts[texts[i]]), vocab, 1.0 if i and abs(lw[i] - lw[i - 1]) < 0.3 else 0.0,
            float(min(max(i - title_line, -50), 50)) if title_line >= 0 else 99.0,
            float(title_line >= 0 and i > title_line),
            region_words[region[i]] / total_prose if region[i] >= 0 else 0.0, float(main_lo <= i <= main_hi),
            float(min(max(main_lo - i, i - main_hi, 0), 50)) if main >= 0 else 50.0,
            region_words[main] / total_prose if main >= 0 else 0.0, math.log1p(marks_cum[i]),
            marks_cum[min(i + 11, n)] - marks_cum[max(i - 10, 0)], head_seen[i] if main_lo <= i else 0.0)
    core = np.stack([base[:, col[c]] for c in clf_mod._CORE], axis=1)
    windows = [base[:, col["prose"]], base[:, col["log_words"]], base[:, col["stop_frac"]]]
    if html:
        from cleaner.html import DOM_FEATURES

        dom = np.array([b.features["dom"] for b in blocks], dtype=np.float64)
        dcol = {k: i for i, k in enumerate(DOM_FEATURES)}
        core = np.concatenate([core, dom[:, [dcol[c] for c in clf_mod._CORE_HTML]]], axis=1)
        windows.append(dom[:, dcol["link_density"]])
    parts = [base, doc_rows]
    for off in clf_mod._OFFSETS:
        shifted = np.full_like(core, -1.0)
        for i in range(n):
            if 0 <= i + off < n:
                shifted[i] = core[i + off]
        parts.append(shifted)
    for w in clf_mod._WINDOWS:
        parts.append(np.array([[c[max(i - w, 0):min(i + w + 1, n)].sum() / (min(i + w + 1, n) - max(i - w, 0))
                                for c in windows] for i in range(n)]).reshape(n, -1))
    if html:
        parts.append(dom)
    return np.concatenate(parts, axis=1)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal, but for the window means: the reference adds the window's values up directly, the classifier
    (before and after vectorising) subtracts running sums, which may differ in the last bit."""
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-12, atol=1e-12)


#: the classifier's text features with its compiled core (when built) and with its Python code: both are checked
_CORES = (None,) if clf_mod._COMPILED is None else (clf_mod._COMPILED, None)


def _check_features(blocks: list[Block], *titles: str | None) -> None:
    """block_features equal the definitions for each headline in turn (the text part computed for the first, reused
    for the others), with the compiled core and with the Python code."""
    for core in _CORES:
        with using_core(clf_mod, core):
            clf_mod._TEXT_PART.clear()
            for title in titles:
                _check_features_with(blocks, title)


def _check_features_with(blocks: list[Block], title: str | None) -> None:
    X, names, _ = block_features(blocks, title)
    if not blocks:
        assert X.shape == (0, len(names))
        return
    ref = _reference_block_features(blocks, title)
    windows = [j for j, name in enumerate(names) if name[:1] == "w" and name[1:2].isdigit()]
    exact = [j for j in range(len(names)) if j not in windows]
    assert _same(X[:, exact], ref[:, exact]), [names[j] for j in exact if not _same(X[:, j], ref[:, j])]
    assert _close(X[:, windows], ref[:, windows])


@_SETTINGS
@given(st.lists(_LINES, min_size=1, max_size=25), st.one_of(st.none(), _LINES))
def test_features_equal_the_block_by_block_definitions(lines: list[str], title: str | None) -> None:
    blocks = [Block(t, features={"blank_before": i % 3 == 0, "blank_after": i % 2 == 0}) for i, t in enumerate(lines)]
    _check_features(blocks, title)


@_SETTINGS
@given(st.one_of(noisy_articles().map(lambda a: (a.text, a.title)), hostile_texts().map(lambda t: (t, None))))
def test_features_of_articles_and_hostile_texts(case: tuple[str, str | None]) -> None:
    text, title = case
    _check_features(segment_text(text), title)


def test_features_of_the_seeds_and_dev_pages() -> None:
    seeds = shared_path("seeds")
    for path in sorted(seeds.glob("*.txt")):
        blocks = segment_text(path.read_text(encoding="utf-8"))
        _check_features(blocks, None, blocks[1].text)  # (the second: the cached text part, another headline)


def _random_trees(rng: np.random.Generator, n_feat: int, n_trees: int, max_leaves: int) -> dict:
    trees = []
    for _ in range(n_trees):
        feature, threshold, left, right, value, leaf = [0], [0.0], [0], [0], [float(rng.normal())], [True]
        for _ in range(int(rng.integers(0, max_leaves))):  # split a random leaf
            k = int(rng.choice([i for i, is_leaf in enumerate(leaf) if is_leaf]))
            a, b = len(feature), len(feature) + 1
            feature[k], threshold[k], left[k], right[k], leaf[k] = int(rng.integers(n_feat)), float(
                rng.choice([-1.0, 0.0, 0.5, 1.0, rng.normal()])), a, b, False
            for _ in (a, b):
                feature.append(0), threshold.append(0.0), left.append(0), right.append(0)
                value.append(float(rng.normal())), leaf.append(True)
        trees.append({"feature": feature, "threshold": threshold, "left": left, "right": right, "value": value,
                      "leaf": leaf})
    return {"features": [f"f{i}" for i in range(n_feat)], "base": 0.1, "max_depth": 99, "trees": trees}


@pytest.mark.parametrize("max_leaves", [1, 15, 40, 80])
def test_trees_leaf_masks_equal_the_level_walk(max_leaves: int) -> None:
    """Leaf masks (uint16 up to 16 leaves, uint64 up to 64, the walk beyond) and the path attribution give the
    very numbers of walking the trees level by level, NaN going right."""
    rng = np.random.default_rng(max_leaves)
    trees = Trees(_random_trees(rng, 7, 30, max_leaves))
    X = rng.choice([-1.0, 0.0, 0.5, 1.0, np.nan, 3.0], size=(40, 7))
    X[:, 3] = rng.normal(size=40)
    walked, walked_contrib = trees._walk(X, True)
    raw, contrib = trees.raw(X, attribute=True)
    assert np.array_equal(raw, walked) and np.array_equal(contrib, walked_contrib)
    assert np.array_equal(trees.raw(X)[0], walked)
    assert np.array_equal(trees.attribute(X[[5, 2]]), walked_contrib[[5, 2]])
    raw_too, leaves = trees.raw_and_leaves(X)  # the leaves scoring reached, given to the attribution
    assert np.array_equal(raw_too, walked) and (leaves is None) == (max_leaves > 64)
    if leaves is not None:
        assert np.array_equal(trees.attribute(X[[5, 2]], leaves[:, [5, 2]]), walked_contrib[[5, 2]])


def test_reasons_are_worked_out_lazily_and_equal_the_eager_ones() -> None:
    clf = BlockClassifier.load()
    blocks = segment_text(shared_path("seeds", "000_3db7eecbe8e40396.txt").read_text(encoding="utf-8"))
    scores = clf.predict(blocks, None)
    p, X2, contrib, names, html = clf.scores(blocks, None, attribute=True)
    assert contrib is not None and [s.p_boilerplate for s in scores] == p.tolist()
    cut = clf.threshold(html)
    order: Callable[[int], int] = lambda i: (i * 7) % len(blocks)  # noqa: E731 - ask in a scrambled order
    for i in map(order, range(len(blocks))):
        assert scores[i].reason == clf_mod._reason(names, X2[i], contrib[i], float(p[i]), bool(p[i] >= cut))


def test_block_score_keeps_its_constructor() -> None:
    score = BlockScore(0.75, "model: boilerplate (menu), p=0.75")
    assert score.p_boilerplate == 0.75 and score.reason.startswith("model: boilerplate")
    assert score == BlockScore(0.75, "model: boilerplate (menu), p=0.75") and "0.75" in repr(score)


def test_scoring_the_same_page_twice_reuses_the_first_answer() -> None:
    """The cleaner scores a page without a headline and then with the one it found (often none): the second
    call is answered from the first (with copies), and a changed block or headline is scored anew."""
    rng = np.random.default_rng(1)
    names = feature_names(False)
    clf = BlockClassifier.from_specs({"text": {
        "stage1": _random_trees(rng, len(names), 20, 8) | {"features": names},
        "stage2": _random_trees(rng, len(names) + len(clf_mod.STAGE2_NAMES), 20, 8)
        | {"features": names + list(clf_mod.STAGE2_NAMES)}}})
    blocks = segment_text("Home | News\n\nA headline here\n\nThe council met on Tuesday and argued, at length, "
                          "about the new budget for schools and roads.\n")
    p, X2, _, _, _ = clf.scores(blocks, None)
    first = p.copy()
    p[:] = -1.0  # the caller's copy
    again, X2_again, _, _, _ = clf.scores(blocks, None)
    assert np.array_equal(again, first) and np.array_equal(X2_again, X2)
    assert not np.array_equal(clf.scores(blocks, "A headline here")[1], X2)  # the headline's columns differ
    blocks[2].text = "Changed."
    assert not np.array_equal(clf.scores(blocks, None)[1], X2)


@pytest.mark.parametrize("max_leaves", [15, 40])
def test_the_headline_pass_equals_scoring_anew(max_leaves: int) -> None:
    """Once a headline is found, stage 1 evaluates again only its tests on the headline's columns: the scores
    equal those of a classifier that never saw the page; split_leaf_values equals leaf_values."""
    rng = np.random.default_rng(max_leaves)
    trees = Trees(_random_trees(rng, 7, 30, max_leaves))
    X = rng.choice([-1.0, 0.0, 0.5, 1.0, np.nan, 3.0], size=(40, 7))
    values, static = trees.split_leaf_values(X, (1, 4))
    assert np.array_equal(values, trees.leaf_values(X))
    X[:, 1], X[:, 4] = 0.0, 99.0  # as the headline's columns without a headline: the same on every row
    for _ in range(2):  # (the second time from what the first kept)
        values, static = trees.split_leaf_values(X, (1, 4), same_rows=True)
        assert np.array_equal(values, trees.leaf_values(X))
    X[:, [1, 4]] = rng.normal(size=(40, 2))
    assert np.array_equal(trees.split_leaf_values(X, (1, 4), static)[0], trees.leaf_values(X))
    blocks = segment_text(shared_path("seeds", "000_3db7eecbe8e40396.txt").read_text(encoding="utf-8"))
    title = blocks[0].text
    clf = BlockClassifier.load()
    clf.scores(blocks, None)
    again = clf.scores(blocks, title)
    fresh = BlockClassifier(clf.models, clf.thresholds)
    anew = fresh.scores(blocks, title)
    assert np.array_equal(again[0], anew[0]) and np.array_equal(again[1], anew[1])


def test_a_page_of_many_blocks_is_scored_in_bounded_memory() -> None:
    """The trees run over chunks of rows: 20,000 blocks must not build a (tests x rows) matrix of gigabytes
    (a 43 MB page once took 24 GB and could not be stopped by the time limit inside one numpy call)."""
    import tracemalloc

    from cleaner.classifier import BlockClassifier
    from cleaner.document import Block

    blocks = [Block(text=f"Another short line of page furniture, number {i}") for i in range(20_000)]
    clf = BlockClassifier.load()
    tracemalloc.start()
    try:
        scores = clf.predict(blocks, None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(scores) == len(blocks)
    assert peak < 200 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"


def test_a_bagged_model_exports_as_one_set_of_trees() -> None:
    """tools/train_blocks.py --bags: the average of several models in log-odds is one additive model, so the
    committed-model evaluator (Trees) gives the ensemble's own scores and attributions that add up."""
    import sys

    import numpy as np
    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "tools"))
    import train_blocks

    from cleaner.classifier import Trees

    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] * X[:, 2] + rng.normal(scale=0.5, size=600) > 0).astype(int)
    pages = np.repeat(np.arange(30), 20)
    settings = train_blocks.MODE_SETTINGS["text"]
    train_blocks.MODE_SETTINGS["text"] = settings | {"bags": 3, "params": settings["params"] | {"max_iter": 20}}
    try:
        model = train_blocks.fit(X, y, np.ones(600), "text", pages)
    finally:
        train_blocks.MODE_SETTINGS["text"] = settings
    assert isinstance(model, train_blocks.Bagged) and len(model.models) == 3
    spec = train_blocks.export(model, [f"f{i}" for i in range(4)])
    assert len(spec["trees"]) == 60
    train_blocks.check_export(model, spec, X)  # raw scores equal, attributions add up
    single = train_blocks.export(model.models[0], [f"f{i}" for i in range(4)])
    assert not np.allclose(Trees(single).raw(X)[0], Trees(spec).raw(X)[0])  # the bags differ


def test_text_stage2_columns() -> None:
    """text_stage2_features: the topic share leaves the line itself out, distances count lines and the words in
    between, and a model whose stage 2 names some of the columns (in any order) gets those, after STAGE2_NAMES."""
    blocks = segment_text("Home | Sport | Weather\n\nThe volcano erupted near the village overnight.\n\n"
                          "Advertisement\n\nScientists said the volcano could erupt again.\n\nThe village was evacuated.\n")
    p1 = np.array([0.99, 0.1, 0.99, 0.5, 0.1])
    F = clf_mod.text_stage2_features(p1, blocks)
    names = list(clf_mod.TEXT_STAGE2_NAMES)
    col = {c: F[:, names.index(c)] for c in names}
    assert 0.3 < col["p1_topic_share"][3] < 1  # volcano is in the sure line 1, scientists and erupt are not
    assert col["p1_topic_share"][1] > 0  # village: in line 4, another sure line
    assert list(col["p1_body_prev_lines"]) == [50, 50, 1, 2, 3] and list(col["p1_body_next_lines"]) == [1, 3, 2, 1, 50]
    assert col["p1_chrome_before"][3] == 1.0 and col["p1_chrome_after"][1] == 1.0 and col["p1_chrome_before"][0] == -1
    assert col["p1_body_prev_words"][2] == 0.0 and col["p1_body_prev_words"][3] == pytest.approx(np.log1p(1))
    rng = np.random.default_rng(3)
    base = feature_names(False)
    extra = ["p1_chrome_after", "p1_topic_share"]
    stage2 = base + list(clf_mod.STAGE2_NAMES) + extra
    clf = BlockClassifier.from_specs({"text": {
        "stage1": _random_trees(rng, len(base), 20, 8) | {"features": base},
        "stage2": _random_trees(rng, len(stage2), 20, 8) | {"features": stage2}}})
    _, X2, _, got, _ = clf.scores(blocks, None)
    assert got == stage2 and X2.shape == (len(blocks), len(stage2))
    p1_model = X2[:, len(base)]
    want = clf_mod.text_stage2_features(p1_model, blocks)[:, [names.index(c) for c in extra]]
    assert np.array_equal(X2[:, -2:], want)


@pytest.mark.parametrize("compiled", [False, True])
def test_the_kept_answer_follows_changes_to_the_blocks(compiled: bool) -> None:
    """scores() keeps its last answer for the same blocks: a block whose text is cut in place (Document.cut), whose
    blank lines change, or a blocks list that grows, is scored afresh, as a new classifier scores it."""
    loaded = BlockClassifier.load()
    text = ("Council approves the new budget for schools\n\nThe council voted on Tuesday to approve the budget, "
            "which adds money for teachers and buildings across the district.\n\nShare on Facebook\n\nRead more")
    with using_core(clf_mod, clf_mod._COMPILED if compiled else None):
        clf = BlockClassifier(loaded.models, loaded.thresholds)
        blocks = segment_text(text)
        changes = [lambda: setattr(blocks[1], "text", blocks[1].text[:40]),
                   lambda: blocks[2].features.update(blank_before=not blocks[2].features.get("blank_before")),
                   lambda: blocks.append(Block("Subscribe to our newsletter"))]
        for change in changes:
            clf.scores(blocks, None)
            change()
            fresh = BlockClassifier(loaded.models, loaded.thresholds)
            clf_mod._TEXT_PART.clear()
            want = fresh.scores(blocks, None)
            got = clf.scores(blocks, None)
            assert got[0].tobytes() == want[0].tobytes() and got[1].tobytes() == want[1].tobytes()
            assert [s.reason for s in clf.predict(blocks, None)] == [s.reason for s in fresh.predict(blocks, None)]


_NAMES = sorted({n for mode in ("text", "html") for stage in ("stage1", "stage2")
                 for n in BlockClassifier.load().models[mode][stage].names})


@settings(deadline=None, max_examples=300)
@given(st.sampled_from(_NAMES), st.floats(allow_nan=True, allow_infinity=False, width=64)
       | st.sampled_from([0.0, -0.0, 1.0, -1.0, 0.5, 99.0, 2.0, 1e-9, math.log1p(7.0)]))
def test_property_kept_descriptions_are_the_descriptions(name: str, value: float) -> None:
    """_described keeps _describe's answers: the same text, first and again (the sign of a zero included)."""
    try:
        want = clf_mod._describe(name, value)
    except (OverflowError, ValueError):
        return  # (a value no feature takes: _describe itself fails)
    assert clf_mod._described(name, value) == want
    assert clf_mod._described(name, value) == want
    assert clf_mod._described(name, -0.0) == clf_mod._describe(name, -0.0)
