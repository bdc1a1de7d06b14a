"""Text mode without a declared headline: the headline is found among the lines above the article's first
paragraph (metadata.find_headline), not the caption, byline, standfirst or related link nearest to it."""

from __future__ import annotations

import cleaner
from cleaner.document import Block
from cleaner.metadata import find_headline, headline_features

HEADLINE = "City council approves new budget for river bridge repairs"
LEDE = [
    "The city council on Tuesday approved a budget of 14 million dollars for repairs to the river bridge, which "
    "has been closed to heavy traffic since an inspection in the spring found cracks in two of its supports.",
    "Work on the bridge is to begin in March and last about eight months, the council said, and the bridge will "
    "stay open to cars and buses while the supports are replaced one after the other.",
    "Residents who spoke at the meeting asked for a temporary footbridge, and the council said it would study "
    "the idea and report back at its next meeting in two weeks.",
]


def _page(between: list[str], before: list[str] | None = None) -> list[Block]:
    lines = [*(before or ["Home", "News", "Sports", "Weather"]), HEADLINE, *between, *LEDE]
    return [Block(t, "line", {"blank_before": True, "blank_after": True}) for t in lines]


def test_headline_not_the_caption_or_byline_right_above_the_body() -> None:
    # the caption is the longest title-shaped line right above the body: title likeness alone picks it
    blocks = _page(["By Jane Doe and John Roe, City Desk", "Published 9:41 AM EST Nov 19, 2019",
                    "The old river bridge seen from the east bank on a foggy morning (Photo: Getty Images)"])
    start = len(blocks) - len(LEDE)
    assert blocks[find_headline(blocks, start)].text == HEADLINE


def test_headline_not_the_standfirst_below_it() -> None:
    blocks = _page(["The council approved the money after a long debate about bridge repairs.",
                    "By Jane Doe", "November 19, 2019"])
    assert blocks[find_headline(blocks, len(blocks) - len(LEDE))].text == HEADLINE


def test_headline_not_a_related_story_above_it() -> None:
    related = ["Mayor opens the new library downtown after two years of work", "Storm warning for the weekend"]
    blocks = _page(["By Jane Doe", "November 19, 2019"], before=["Home", "News", *related])
    assert blocks[find_headline(blocks, len(blocks) - len(LEDE))].text == HEADLINE


def test_headline_found_beyond_a_run_of_share_and_gallery_lines() -> None:
    chrome = ["By Jane Doe", "November 19, 2019"] + [f"Share on network number {k}" for k in range(20)]
    blocks = _page(chrome)
    start = len(blocks) - len(LEDE)
    assert start - blocks.index(next(b for b in blocks if b.text == HEADLINE)) > 15
    assert blocks[find_headline(blocks, start)].text == HEADLINE


def test_features_see_the_lede_and_the_byline() -> None:
    blocks = _page(["By Jane Doe", "November 19, 2019"])
    feats = dict(headline_features(blocks, len(blocks) - len(LEDE)))
    f = feats[4]  # the headline
    assert f["lede"] > 0.5 and f["byline_after"] == 1.0 and f["sentence"] == 0.0


def test_clean_text_reports_the_headline_not_the_caption() -> None:
    caption = "The old river bridge seen from the east bank on a foggy morning (Photo: Getty Images)"
    text = "\n\n".join(["Home", "News", "Sports", HEADLINE, "By Jane Doe and John Roe, City Desk",
                        "Published 9:41 AM EST Nov 19, 2019", caption, *LEDE])
    doc = cleaner.clean_text(text)
    assert doc.title == HEADLINE
    assert all(p in doc.text.split("\n") for p in LEDE)


def test_a_standfirst_ending_in_a_quoted_full_stop_is_still_a_sentence() -> None:
    # 'a sentence' is a full stop at the end, closing quotes after it or not
    for standfirst in ['The council approved the money after a debate on "the bridge."',
                       "The council approved the money after a debate on ‘the bridge.’"]:
        blocks = _page([standfirst, "By Jane Doe", "November 19, 2019"])
        (_, f), = [(i, f) for i, f in headline_features(blocks, len(blocks) - len(LEDE)) if blocks[i].text == standfirst]
        assert f["sentence"] == 1.0
        assert blocks[find_headline(blocks, len(blocks) - len(LEDE))].text == HEADLINE



def test_a_line_the_rule_packs_remove_is_never_the_headline() -> None:
    """A newsletter prompt on the article's subject, between a vague headline and the body, is title-shaped,
    nearer the body and shares the lede's words; the pack's newsletter rule removes it, so it is no candidate
    (a dev page of breitbart.com's took "SIGN UP FOR OUR NEWSLETTER" for its headline)."""
    headline, prompt = "A long night at City Hall", "Sign up for council budget and bridge repair alerts"
    text = "\n\n".join(["Home", "News", "Sports", "Weather", headline, "Jane Doe", prompt, *LEDE])
    doc = cleaner.clean_text(text)
    assert doc.title == headline
    assert prompt not in doc.text.split("\n")
