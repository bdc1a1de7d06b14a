"""Text mode: once the rules have removed teasers, share bars and ads, the model's stage 2 reads the lines they
left again, among themselves, and a line's doubt is the lower of the two readings (Cleaner._reread_among_kept,
BlockClassifier.predict_among). Also: scoring a page again with the headline it was found to have gives what
scoring it afresh gives, also when a comment-thread head stands above the headline (the one block feature
besides the headline's own columns that the headline changes)."""

from __future__ import annotations

import numpy as np
from conftest import StubModel, clean_lines

from cleaner.classifier import BlockClassifier
from cleaner.segment import segment_text

TITLE = "Council approves the new river bridge after a long debate"
PARA = ("The city council voted on Tuesday to approve the new bridge over the river, ending a debate that lasted "
        "more than two years and divided residents of both banks. Paragraph {}.")
TEASER = "Related: Mayor opens the new harbour market"
LINES = ["Home", "News", "12 comments", TITLE, PARA.format(1), PARA.format(2), TEASER, "Share this story",
         PARA.format(3), PARA.format(4), "Privacy policy", "Contact us"]


def _blocks(lines: list[str]) -> list:
    return segment_text("\n\n".join(lines))


def test_predict_among_every_block_is_predict() -> None:
    """With nothing removed, the second reading is the first (the committed text model, real features)."""
    model = BlockClassifier.load()
    blocks = _blocks(LINES)
    first = [s.p_boilerplate for s in model.predict(blocks, TITLE)]
    again = [s.p_boilerplate for s in model.predict_among(blocks, TITLE, list(range(len(blocks))))]
    assert np.allclose(first, again, rtol=0, atol=1e-12)
    assert model.predict_among(blocks, TITLE, []) == []


def test_predict_among_reads_the_kept_blocks_as_neighbours() -> None:
    """Leaving blocks out changes what stage 2 reads around the others, and the reasons are of that reading."""
    model = BlockClassifier.load()
    blocks = _blocks(LINES)
    kept = [i for i, line in enumerate(LINES) if line not in (TEASER, "Share this story")]
    among = model.predict_among(blocks, TITLE, kept)
    first = model.predict(blocks, TITLE)
    assert len(among) == len(kept)
    assert any(abs(a.p_boilerplate - first[i].p_boilerplate) > 1e-6 for a, i in zip(among, kept, strict=True))
    assert all(a.reason.startswith("model:") for a in among)


def test_scores_with_the_found_headline_equal_fresh_scores_under_a_comment_head() -> None:
    """The cleaner scores a page without a headline (to find it), then with it; the second call reuses stage
    1's tests on the columns the headline does not change. "12 comments" above the headline marks every block
    below it as under a comment thread until the headline is known (comment_head_before): the reuse must see
    that column change, or the article is scored as a comment thread."""
    blocks = _blocks(LINES)
    reused = BlockClassifier.load()
    reused.scores(blocks, None)
    second = reused.scores(blocks, TITLE)[0]
    fresh = BlockClassifier.load()
    fresh._last = None
    alone = fresh.scores(blocks, TITLE)[0]
    assert np.allclose(second, alone, rtol=0, atol=1e-12)


def test_a_paragraph_doubted_for_its_removed_neighbours_is_kept() -> None:
    """Stub scores: paragraph 3 doubted at 0.9 beside the share bar the rules remove, 0.2 among the lines left:
    kept. Paragraph 4 doubted more in the second reading (0.95 against 0.9): the lower, first reading stands,
    and it is removed with the first reading's reason."""
    first = {"Home": 0.99, "News": 0.99, "12 comments": 0.99, PARA.format(3): 0.9, PARA.format(4): 0.9,
             "Privacy policy": 0.99, "Contact us": 0.99, TEASER: 0.9, "Share this story": 0.99}
    among = {PARA.format(3): 0.2, PARA.format(4): 0.95}
    lines = [x for x in LINES if x != TEASER]
    doc = clean_lines(StubModel(first, 0.05, among), lines, TITLE)
    kept = doc.text.split("\n")
    assert PARA.format(3) in kept
    assert PARA.format(4) not in kept
    reasons = {doc.blocks[r.block].text: r for r in doc.removed}
    assert reasons["Share this story"].rule != "model/blocks"  # a rule removed it: it is not read again
    assert reasons[PARA.format(4)].reason == "stub"
    without = clean_lines(StubModel(first, 0.05), lines, TITLE)
    assert PARA.format(3) not in without.text.split("\n")  # the first reading alone removes it
