"""Section markers and the model: a sidebar marker above the article heads its teasers, never the article.

Built from a real seed article (fixtures/seeds) with the committed block model.
"""

from __future__ import annotations

import json

import pytest
from conftest import ROOT

import cleaner

SEED = json.loads((ROOT / "fixtures" / "seeds" / "003_380790700f85f489.expected.json").read_text(encoding="utf-8"))
TEASERS = ["Mayor opens new bridge over the river", "Storm warning for the weekend", "Five things to do this week"]


def test_sidebar_marker_above_the_article_removes_its_teasers_not_the_article() -> None:
    text = "\n\n".join([SEED["title"], "Most Popular", *TEASERS, *SEED["body"]])
    doc = cleaner.clean_text(text)
    kept = doc.text.split("\n")
    for para in SEED["body"]:
        assert para in kept, para[:60]
    removed = {r.text: r for r in doc.removed}
    assert "Most Popular" in removed
    assert doc.title == SEED["title"]


def test_related_marker_after_the_article_still_removes_its_teaser_paragraphs() -> None:
    teaser = ("Heavy rain forced dozens of schools to close on Monday, officials said, as rivers rose to their "
              "highest level in a decade and roads across the region were flooded for a second day.")
    text = "\n\n".join([SEED["title"], *SEED["body"], "Related Articles", TEASERS[1], teaser])
    doc = cleaner.clean_text(text)
    kept = doc.text.split("\n")
    assert teaser not in kept and TEASERS[1] not in kept
    assert all(p in kept for p in SEED["body"])


def test_a_read_also_block_inside_the_article_ends_where_the_article_resumes() -> None:
    """A teaser block in the middle of the article ("Read also:" and two headlines of other stories): the long
    paragraph after it is the article again (it shares the article's rarer words), not a teaser's summary, so
    the section ends there. Seed 002's paragraphs are short (20-33 words), as wire copy's are."""
    seed = json.loads((ROOT / "fixtures" / "seeds" / "002_83d07605061ef0cb.expected.json").read_text(encoding="utf-8"))
    body = seed["body"]
    text = "\n\n".join([seed["title"], *body[:3], "Read also:", *TEASERS[:2], *body[3:]])
    doc = cleaner.clean_text(text)
    kept = doc.text.split("\n")
    assert all(p in kept for p in body), [p[:60] for p in body if p not in kept]
    assert not any(t in kept for t in ["Read also:", *TEASERS[:2]])


def test_blog_comment_thread_heading_removes_the_whole_thread() -> None:
    """'12 thoughts on “Title”' (as blog software heads its comments) reaches the end of the page: the comments
    are long paragraphs, which would end a section of teasers."""
    comments = [
        "thelastchargersfan says:",
        "It is a good thing the council finally listened, because the bridge has been a disgrace for years now "
        "and everyone who drives over it every morning knows exactly how bad it has become.",
        "I disagree with the previous commenter entirely, the money would have been far better spent on the "
        "schools and the hospital, which have been waiting for repairs for even longer than the bridge.",
    ]
    text = "\n\n".join([SEED["title"], *SEED["body"], f"3 thoughts on “{SEED['title']}”", *comments])
    doc = cleaner.clean_text(text)
    kept = doc.text.split("\n")
    assert all(p in kept for p in SEED["body"])
    assert not any(c in kept for c in comments)
    assert any(r.rule == "generic-en/comment-count-heading" for r in doc.removed)


VIDEOS = ["Finally, A New Half Life Game Is Coming Out?!", "Need for Speed: Heat Gameplay [PS4]",
          "Terminator: Resistance Gameplay [PS4]", "Neon Noir - Real Time Ray Tracing On Radeon RX 5700XT"]


def test_a_list_of_stamped_titles_after_the_article_is_removed() -> None:
    """Titles each followed by their own duration, age or date are a list of other videos or stories."""
    stamps = ["09:09", "01:52", "3 hours ago", "November 20, 2019"]
    listing = [x for pair in zip(VIDEOS, stamps, strict=True) for x in pair]
    doc = cleaner.clean_text("\n\n".join([SEED["title"], *SEED["body"], "Videos", *listing]))
    kept = doc.text.split("\n")
    assert all(p in kept for p in SEED["body"])
    assert not any(x in kept for x in listing)
    assert any(r.rule == "structure/stamped-list" for r in doc.removed)


def test_a_live_blog_whose_stamps_head_its_entries_is_not_a_stamped_list() -> None:
    entries = ["Kick-off in Madrid", "Yellow card for Smith", "Goal! Kane scores from the spot", "Half-time"]
    blog = [x for pair in zip(["19:00", "19:12", "19:31", "19:47"], entries, strict=True) for x in pair]
    doc = cleaner.clean_text("\n\n".join([SEED["title"], *SEED["body"][:2], *blog, *SEED["body"][2:]]))
    assert not any(r.rule == "structure/stamped-list" for r in doc.removed)


def test_a_list_the_article_introduces_and_resumes_after_is_kept() -> None:
    """One-word list items look like a menu line by line; introduced by the article ('...:') and followed by it,
    they are its list."""
    items = ["Finland", "Denmark", "Switzerland", "Iceland", "Norway"]
    intro = "The five happiest countries in the world, according to the report published on Wednesday, are:"
    text = "\n\n".join([SEED["title"], *SEED["body"][:2], intro, *items, *SEED["body"][2:]])
    doc = cleaner.clean_text(text)
    kept = doc.text.split("\n")
    assert all(item in kept for item in items), [r.text for r in doc.removed]
    assert all(p in kept for p in SEED["body"])


@pytest.mark.parametrize("marker", ["MORE:", "In case you missed it", "Also on BBC News:", "Up next", "Recent posts",
                                    "ICYMI", "People also read", "Other stories", "Editor's choice", "Must read"])
def test_the_ways_sites_head_a_block_of_other_stories(marker: str) -> None:
    """Headings a block of other stories goes by, beyond "Related" and "Read also": inside the article (headlines)
    and after it (a headline and a paragraph of another story), the block goes and the article stays."""
    teaser = ("Heavy rain forced dozens of schools to close on Monday, officials said, as rivers rose to their "
              "highest level in a decade and roads across the region were flooded for a second day.")
    seed = json.loads((ROOT / "fixtures" / "seeds" / "002_83d07605061ef0cb.expected.json").read_text(encoding="utf-8"))
    body = seed["body"]
    inside = "\n\n".join([seed["title"], *body[:3], marker, *TEASERS[:2], *body[3:]])
    after = "\n\n".join([seed["title"], *body, marker, TEASERS[2], teaser])
    for text, others in ((inside, TEASERS[:2]), (after, [TEASERS[2], teaser])):
        kept = cleaner.clean_text(text).text.split("\n")
        assert all(p in kept for p in body), [p[:60] for p in body if p not in kept]
        assert not any(t in kept for t in [marker, *others])


def test_long_paragraphs_after_a_list_of_bare_headlines_are_the_article() -> None:
    """Headlines alone under "Read also:" (no summaries), then two long paragraphs: those are the article again,
    even when the first shares few rare words with the text above (a teaser's summary would be followed by the
    next teaser's headline, not by more prose)."""
    body = SEED["body"]
    text = "\n\n".join([SEED["title"], *body[:2], "Read also:", *TEASERS, *body[2:]])
    kept = cleaner.clean_text(text).text.split("\n")
    assert all(p in kept for p in body), [p[:60] for p in body if p not in kept]
    assert not any(t in kept for t in ["Read also:", *TEASERS])


def test_a_short_statement_after_a_list_of_bare_headlines_is_the_article() -> None:
    """"Related articles", headlines alone, then a short sentence of the article and its next paragraph: the
    sentence ends with a full stop, as a headline seldom does, so the article resumes there, not one line later."""
    body = SEED["body"]
    statement = "Many of the protesters wear masks to shield their identities."
    text = "\n\n".join([SEED["title"], *body[:2], "Related articles", *TEASERS[:2], statement, *body[2:]])
    kept = cleaner.clean_text(text).text.split("\n")
    assert statement in kept
    assert all(p in kept for p in body), [p[:60] for p in body if p not in kept]
    assert not any(t in kept for t in ["Related articles", *TEASERS[:2]])


def test_a_teaser_headline_that_ends_with_a_full_stop_stays_in_its_section() -> None:
    """A teaser's headline may end with a full stop ("Taxes are rising. These maps show where."), and one about
    the same news shares the article's words: followed by another headline, not by a paragraph, it is still the
    section's."""
    teasers = ["Putin-Witkoff meeting sparks diplomatic tensions. Here is what we know.", *TEASERS]
    text = "\n\n".join([SEED["title"], *SEED["body"], "Most Popular", *teasers])
    kept = cleaner.clean_text(text).text.split("\n")
    assert not any(t in kept for t in teasers)
    assert all(p in kept for p in SEED["body"])


LAST = ("Tickets for the festival go on sale on Friday morning at the box office, with discounts for students and "
        "pensioners who book before the end of the month.")


SHORT_LAST = "Tickets go on sale on Friday morning at the box office."


@pytest.mark.parametrize("last", [LAST, SHORT_LAST])
@pytest.mark.parametrize("after", [[], ["Share this article", "© 2025 Example News. All rights reserved."]])
def test_the_last_paragraph_after_a_list_of_bare_headlines_is_the_article(after: list[str], last: str) -> None:
    """Headlines alone under "Read also:", then one paragraph that ends the text (the page's end or chrome a
    line rule removes follows): the article's last paragraph, even when it shares few rare words with the text
    above, since a teaser's summary is followed by the next teaser's headline; so is a short statement there
    (a full stop, as a headline seldom has): the section does not reach it (the model may still doubt a short
    line after chrome)."""
    body = [*SEED["body"][:2], last]
    text = "\n\n".join([SEED["title"], *body[:2], "Read also:", *TEASERS[:2], last, *after])
    doc = cleaner.clean_text(text)
    kept = doc.text.split("\n")
    removed = {doc.blocks[r.block].text: r.rule for r in doc.removed}
    assert removed.get(last) != "generic-en/related-section"
    assert all(p in kept for p in body[:2] + ([LAST] if last == LAST else []))
    assert not any(t in kept for t in ["Read also:", *TEASERS[:2], *after])


def test_a_teaser_summary_followed_by_the_next_headline_stays_in_its_section() -> None:
    """The same paragraph followed by another headline is a teaser's summary (the list's last headlines came
    with one): removed with its section."""
    text = "\n\n".join([SEED["title"], *SEED["body"], "Read also:", *TEASERS[:2], LAST, TEASERS[2]])
    kept = cleaner.clean_text(text).text.split("\n")
    assert LAST not in kept and TEASERS[2] not in kept
    assert all(p in kept for p in SEED["body"])


def test_a_run_of_titles_with_their_comment_counts_is_removed_a_list_of_years_is_not() -> None:
    """"Myles Garrett should expect a significant suspension (148)": a list of most-commented stories prints each
    title with its count; two or more such lines in a row are teasers (structure/teaser-run). A year in brackets
    ("Jaws (1975)") is no count: a list of films stays the article's."""
    counted = ["Mayor opens new bridge over the river (185)", "Storm warning for the weekend (148)",
               "Five things to do this week (97)"]
    films = ["Jaws (1975)", "Alien (1979)", "Heat (1995)"]
    body = SEED["body"]
    text = "\n\n".join([SEED["title"], *body[:2], "Films he chose:", *films, *body[2:], *counted])
    doc = cleaner.clean_text(text)
    rules = {doc.blocks[r.block].text: r.rule for r in doc.removed}
    assert all(rules.get(t) == "structure/teaser-run" for t in counted), rules
    assert not any(rules.get(t) == "structure/teaser-run" for t in films)


def test_a_teaser_list_with_one_line_summaries_keeps_its_last_summary_in_the_section() -> None:
    """Headline, one-sentence summary, headline, summary, then the footer: the short statements are the teasers'
    summaries, so the list is not one of bare headlines and its last summary, though it ends the text, is the
    section's (found by tests/test_properties.py)."""
    teasers = ["Budget plan divides residents in Ohio",
               "Critics praised the festival's opening film, a quiet drama about three sisters in Naples.",
               "Storm warning for the weekend",
               "The striker scored twice as the visitors won the derby in front of a record crowd."]
    text = "\n\n".join([SEED["title"], *SEED["body"], "Related Articles", *teasers,
                        "© 2025 Example Media. All rights reserved."])
    kept = cleaner.clean_text(text).text.split("\n")
    assert not any(t in kept for t in teasers), [t for t in teasers if t in kept]
    assert all(p in kept for p in SEED["body"])


# --------------------------------------------------------------------------------------------------
# Cleaner._article_start reads only the blocks a rule may match (rules.hopeful) and stops counting a part's
# paragraphs at ARTICLE_MIN_PARAGRAPHS: the same start as asking every block and counting every paragraph
# --------------------------------------------------------------------------------------------------

from types import SimpleNamespace  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_LINES = ["Related Articles", "Most Popular", "Comments", "Advertisement", "Read more", "Share this article",
          "A short line here", "The council approved the budget after a long debate that ran late into the night "
          "and members said the vote was close.", "Short.", ""]


def _article_start_as_before(cleaner_, doc, rules, max_marker: int, head_end: int) -> int:
    """The former Cleaner._article_start: every block through the sections' prefilter, every part counted."""
    from cleaner.clean import ARTICLE_MIN_PARAGRAPHS, SHORT_LINE_WORDS
    from cleaner.rules import prefilter

    sections = [r for r in rules if r.kind == "section"]
    could_match = prefilter(sections)
    markers = [i for i, b in enumerate(doc.blocks) if could_match(b.text)
               and cleaner_._words(b.text) <= max_marker and any(r.matches(b.text) for r in sections)]
    bounds = [-1, *markers, len(doc.blocks)]
    best, best_kept = 0, -1
    for a, b in zip(bounds, bounds[1:], strict=False):
        if b <= head_end:
            continue
        kept = sum(1 for j in range(a + 1, b) if cleaner_._scores[j].p_boilerplate < 0.5
                   and cleaner_._words(doc.blocks[j].text) > SHORT_LINE_WORDS)
        if kept >= ARTICLE_MIN_PARAGRAPHS:
            return a + 1
        if kept > best_kept:
            best, best_kept = a + 1, kept
    return best


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_LINES) | st.text(max_size=25), st.floats(0, 1)), max_size=14),
       st.integers(0, 15), st.integers(1, 12))
def test_the_article_start_is_the_one_asking_every_block_gives(blocks: list, head_end: int, max_marker: int) -> None:
    from cleaner.clean import Cleaner
    from cleaner.document import Block, Document
    from cleaner.rules import RuleSet, hopeful

    rules, _ = RuleSet.default().for_document("theguardian", "theguardian.com")
    doc = Document(id="t", input="t", format="text", raw="")
    doc.blocks = [Block(text, "paragraph") for text, _ in blocks]
    cleaner_ = Cleaner(use_model=False)
    cleaner_._scores = [SimpleNamespace(p_boilerplate=p) for _, p in blocks]
    may_match = hopeful(rules, [b.text for b in doc.blocks])
    assert cleaner_._article_start(doc, rules, max_marker, head_end, may_match) == \
        _article_start_as_before(cleaner_, doc, rules, max_marker, head_end)


# --------------------------------------------------------------------------------------------------
# _remove_section's terms (the article's and a paragraph's, for SECTION_RESUME_SHARE): read without tokens()'
# entity marks, kept per text, the article's text by text; and its markers asked only where the gates allow
# --------------------------------------------------------------------------------------------------

_WORDS = st.sampled_from(["The", "council's", "US", "us", "Reports", "report", "ies", "Mr", "a", "I", "NASA", "rock'n'roll",
                          "Müller", "“quoted”", "it’s", "—", "\u00a0", "cafés", "42", "x_y", "Studies", "boss"])
_TEXTS = st.lists(_WORDS | st.text(max_size=12), max_size=12).map(" ".join) | st.text(max_size=60)


def _stems_by_tokens(text: str) -> set[str]:
    from cleaner.terms import load_vocabulary, tokens

    return {t.stem for t in tokens(text, load_vocabulary())}


@settings(max_examples=300, deadline=None)
@given(_TEXTS)
def test_a_texts_terms_are_its_tokens_stems(text: str) -> None:
    from cleaner import clean

    clean._TERMS_OF.clear()
    clean._STEM_OF.clear()
    fresh = clean._terms(text)  # (words the vocabulary has no facts of yet: the stem alone)
    assert fresh == _stems_by_tokens(text)
    clean._TERMS_OF.clear()
    assert clean._terms(text) == fresh  # (the vocabulary's facts, now that tokens() made them)
    assert clean._terms(text) is clean._terms(text)  # kept


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXTS, max_size=6))
def test_the_articles_terms_read_text_by_text_are_those_of_the_joined_text(texts: list[str]) -> None:
    from cleaner import clean

    assert clean._terms_of_all(texts) == _stems_by_tokens(" ".join(texts))


def test_real_paragraphs_terms_are_their_tokens_stems() -> None:
    from cleaner import clean

    texts = [SEED["title"], *SEED["body"], *TEASERS]
    for text in texts:
        assert clean._terms(text) == _stems_by_tokens(text)
    assert clean._terms_of_all(texts) == _stems_by_tokens(" ".join(texts))


@pytest.mark.parametrize("marker", ["Related Articles", "Most Popular", "More from the site"])
def test_a_section_ends_where_it_did_when_every_block_was_asked_about_the_markers(marker: str,
                                                                                   monkeypatch) -> None:
    from cleaner.clean import Cleaner

    teaser = ("Heavy rain forced dozens of schools to close on Monday, officials said, as rivers rose to their "
              "highest level in a decade and roads across the region were flooded for a second day.")
    text = "\n\n".join([SEED["title"], *SEED["body"][:2], marker, TEASERS[0], teaser, "Top Stories", TEASERS[1],
                        teaser + " Again.", *SEED["body"][2:]])
    gated = [(r.text, r.rule) for r in cleaner.clean_text(text).removed]
    monkeypatch.setattr(Cleaner, "_could_match", lambda self, rules: lambda text: True)
    asked = [(r.text, r.rule) for r in cleaner.clean_text(text).removed]
    assert gated == asked and gated
