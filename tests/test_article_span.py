"""Text mode: inside the article's stretch of lines the model removes a line only when it is sure
(clean.ARTICLE_SPAN_SPARE_P); outside it, at its usual threshold.

A stub block model (conftest.StubModel) gives fixed scores, so the test is about the cleaning step, not the trained model.
"""

from __future__ import annotations

from conftest import StubModel, clean_lines

TITLE = "Council approves the new river bridge after a long debate"
PARA = ("The city council voted on Tuesday to approve the new bridge over the river, ending a debate that lasted "
        "more than two years and divided residents of both banks. Paragraph {}.")
#: text → p_boilerplate the stub model gives it
SCORES = {
    "Home": 0.99, "News": 0.99, "Sport": 0.7,  # a menu: outside the article, removed at p ≥ 0.5 as before
    "What happens next": 0.7,  # a subheading the model doubts, between paragraphs: kept
    "Share this story": 0.95,  # inside the stretch but the model is sure: removed
    "Privacy policy": 0.7, "Contact us": 0.99,  # after the article: removed
}


def test_a_line_the_model_doubts_inside_the_article_is_kept_outside_it_removed() -> None:
    lines = ["Home", "News", "Sport", TITLE, PARA.format(1), PARA.format(2), "What happens next", PARA.format(3),
             "Share this story", PARA.format(4), "Privacy policy", "Contact us"]
    doc = clean_lines(StubModel(SCORES, 0.05), lines, TITLE)
    kept = doc.text.split("\n")
    assert "What happens next" in kept
    assert all(PARA.format(k) in kept for k in range(1, 5))
    for gone in ("Home", "News", "Sport", "Share this story", "Privacy policy", "Contact us"):
        assert gone not in kept, gone


def test_when_the_model_doubts_every_line_the_least_doubted_prose_stretch_is_kept() -> None:
    """No line below ARTICLE_SPAN_P (the model would keep nothing): the stretch at the lowest p of a paragraph of
    running prose plus clean.ARTICLE_FALLBACK_MARGIN is kept; menu lines doubted more are not."""
    doubted = {"Home": 0.99, "News": 0.97, "Archive 2019 (12)": 0.95, PARA.format(1): 0.88, "Facebook Twitter": 0.97,
               "Contact us": 0.99}
    lines = list(doubted)

    doc = clean_lines(StubModel(doubted, 1.0), lines)
    menu = clean_lines(StubModel(doubted, 1.0), [x for x in lines if x != PARA.format(1)])
    assert doc.text.split("\n") == [PARA.format(1)]
    assert menu.text == ""  # no prose on the page: nothing is kept


def test_a_list_that_ends_the_article_is_kept_up_to_the_chrome_after_it() -> None:
    """A kept line ending in ':' inside the article's stretch, then short lines the model doubts below
    ARTICLE_SPAN_SPARE_P, then a line it is sure of: the list ends the article and is kept. The same shape after
    the stretch (a menu's label) is not."""
    doubted = {"The kit comes with:": 0.3, "A pump and two hoses": 0.7, "A charger for the car": 0.72,
               "Four spare valves": 0.75, "Contact us": 0.99, "More from the desk:": 0.45, "Tennis": 0.7, "Golf": 0.7}
    lines = [TITLE, PARA.format(1), PARA.format(2), "The kit comes with:", "A pump and two hoses",
             "A charger for the car", "Four spare valves", "Contact us", "More from the desk:", "Tennis", "Golf"]

    doc = clean_lines(StubModel(doubted, 0.05), lines, TITLE)
    kept = doc.text.split("\n")
    for line in ("The kit comes with:", "A pump and two hoses", "A charger for the car", "Four spare valves"):
        assert line in kept, line
    for gone in ("Contact us", "Tennis", "Golf"):
        assert gone not in kept, gone
