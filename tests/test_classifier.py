"""The block classifier: numpy tree evaluation, reasons, and behaviour on the seeds' body lines."""

from __future__ import annotations

import numpy as np
from conftest import shared_path

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
