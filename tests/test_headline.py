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


# --- the headline finder's shortcuts give the plain computation's features -------------------------------------

import re  # noqa: E402
import sys  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cleaner import metadata  # noqa: E402
from cleaner.metadata import (  # noqa: E402
    _CAPTION,
    _TIME_OR_DATE,
    _TYPOGRAPHIC,
    _headline_norm,
    _lower_words4,
    _norm,
    _prefix_norm_length,
)

#: the patterns as first written (the compiled ones are rearranged to be searched faster)
_PLAIN_CAPTION = re.compile(
    r"\b(?:photo|photos|photograph|image|credit|credits|getty|afp|shutterstock|istock|courtesy|foto|фото)\b|©",
    re.I)
_PLAIN_TIME_OR_DATE = re.compile(
    r"\b\d{1,2}:\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d+\s*(?:min|hours?|days?)\s+ago\b", re.I)

# Characters that bend case mapping or word boundaries: a dotted capital I, a dotless i, a long s, the Kelvin sign,
# sigma's three forms, Cyrillic f and o, curly quotes, dashes, an ellipsis, a no-break space, the copyright sign, an
# accented letter, an Arabic-Indic digit, a combining dot.
_ODD = "İıſKΣσςфФоᲂ“”‘’–—…\u00a0©é٣\u0307"
_pieces = st.one_of(
    st.sampled_from(["photo", "PHOTOS", "Photograph", "image", "credit", "Getty", "AFP", "shutterstock", "iStock",
                     "courtesy", "foto", "ФОТО", "ago", "min", "hours", "days", "12:30", "1/2/2020", "3 days ago",
                     "5min ago", "2024", "by", "the", "bridge", "council", "ΟΔΟΣ", "İstanbul", "ſtock"]),
    st.text(alphabet=st.sampled_from(list("aeiknopst019 :/-_.,'\n") + list(_ODD)), max_size=8))
_texts = st.lists(_pieces, max_size=12).map(lambda parts: "".join(
    p + (" " if k % 3 else "") for k, p in enumerate(parts)))


@settings(max_examples=400)
@given(_texts)
def test_rearranged_patterns_match_where_the_plain_ones_do(text: str) -> None:
    assert (_CAPTION.search(text) is None) == (_PLAIN_CAPTION.search(text) is None)
    assert (_TIME_OR_DATE.search(text) is None) == (_PLAIN_TIME_OR_DATE.search(text) is None)


@settings(max_examples=400)
@given(_texts)
def test_lede_words_and_prefix_norms_as_plainly_computed(text: str) -> None:
    plain = {w.lower() for w in re.findall(r"\w{4,}", text)}
    got = set(_lower_words4(text))
    assert plain <= got and all(len(w) < 4 for w in got - plain)  # (shorter words only in ASCII text)
    assert got == plain or text.isascii() or not any(c not in _TYPOGRAPHIC for c in text if not c.isascii())
    assert _headline_norm(text) == _norm(text)
    for chars in range(len(text) + 2):
        assert _prefix_norm_length(text, chars) <= len(_norm(text))


def test_typographic_marks_are_no_word_characters() -> None:
    assert all(re.match(r"\w", c) is None and c.lower() == c for c in _TYPOGRAPHIC)


def test_no_character_changes_being_a_word_character_in_lower_case() -> None:
    """_lower_words4's premise: where lower() maps a character to one, both are word characters or neither."""
    word = re.compile(r"\w")
    changed = [hex(c) for c in range(sys.maxunicode + 1)
               if len(low := chr(c).lower()) == 1 and (word.match(chr(c)) is None) != (word.match(low) is None)]
    assert changed == []


def _plain_headline_features(blocks: list[Block], start: int, p: list[float] | None = None,
                             window: int = metadata.HEADLINE_WINDOW) -> list[tuple[int, dict[str, float]]]:
    """headline_features without its shortcuts (each neighbour's whole norm, the lede's words by the regex)."""
    out = []
    lede = {w.lower() for b in blocks[start: start + 4] for w in re.findall(r"\w{4,}", b.text)}

    def meta_line(j: int) -> bool:
        text = blocks[j].text
        return len(text) <= 120 and (metadata._BYLINE.match(text) is not None or (
            re.search(r"\d", text) is not None and (_PLAIN_TIME_OR_DATE.search(text) is not None
                                                    or metadata.parse_date(text) is not None)))

    for i in range(max(0, start - window), start):
        block, text = blocks[i], blocks[i].text
        if not metadata._title_likeness(block):
            continue
        words, key = metadata.split_count(text), _norm(text)
        tokens = {w.lower() for w in re.findall(r"\w{4,}", text)}
        near = [_norm(blocks[j].text) for j in range(max(0, i - 3), min(len(blocks), i + 4)) if j != i]
        out.append((i, {
            "length": min(words, 12) / 12, "overlong": max(0, words - 14) / 10,
            "sentence": float(metadata.ends_full_stop(text)), "date": float(meta_line(i)),
            "caption": float(_PLAIN_CAPTION.search(text) is not None),
            "separators": min(len(metadata._SEPARATOR.findall(text)), 2) / 2,
            "quote": float(text[:1] in metadata._QUOTES),
            "contains": float(any(o.count(" ") >= 2 and len(o) < len(key) and o in key for o in near)),
            "lede": len(tokens & lede) / len(tokens) if tokens else 0.0,
            "byline_after": float(any(meta_line(j) for j in range(i + 1, min(i + 4, len(blocks))))),
            "far": max(0, start - i - metadata.HEADLINE_NEAR) / 15,
            "blank": float(block.features.get("blank_before", True) and block.features.get("blank_after", True)),
            "p_boilerplate": float(p[i]) if p is not None else 0.0}))
    return out


_lines = st.one_of(_texts, st.sampled_from([HEADLINE, *LEDE, "By Jane Doe", "November 19, 2019", "council budget",
                                             "Home News " + HEADLINE, "City council approves", "Photo: Getty"]),
                   st.lists(st.sampled_from(LEDE + ["İstanbul ΟΔΟΣ ſtock, “quoted”."]), min_size=1, max_size=3)
                   .map(" ".join))


@settings(max_examples=300)
@given(st.lists(_lines, min_size=1, max_size=14), st.data())
def test_headline_features_as_plainly_computed(lines: list[str], data: st.DataObject) -> None:
    blocks = [Block(t, "line", {"blank_before": True, "blank_after": k % 2 == 0}) for k, t in enumerate(lines)]
    start = data.draw(st.integers(0, len(blocks)))
    p = [0.25 * (k % 4) for k in range(len(blocks))]
    assert headline_features(blocks, start, p) == _plain_headline_features(blocks, start, p)
