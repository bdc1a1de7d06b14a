"""Hypothesis strategies that generate noisy news articles with known ground truth, for this project's property
tests and for other pipelines' test suites.

    from hypothesis import given
    from cleaner.testing import noisy_articles

    @given(noisy_articles())
    def test_my_step(article):
        out = my_step(article.text)
        assert set(article.body) <= set(out.splitlines())

An `Article` has the full noisy `text`, its `title`, the `body` lines a cleaner must keep and the `boilerplate`
lines it must remove. The boilerplate is drawn from chrome that news sites really carry (menus, share bars,
newsletter promos, copyright lines, "Related Articles" blocks with teaser paragraphs of other stories).
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

_SUBJECTS = ["The minister", "Officials", "The company", "Residents", "The council", "Investigators", "The court",
             "Analysts", "The union", "Doctors", "The mayor", "Scientists", "Police", "The committee"]
_VERBS = ["said", "announced", "warned", "confirmed", "reported", "argued", "denied", "suggested", "revealed"]
_OBJECTS = ["that the plan would cost more than expected", "that talks would resume next week",
            "that the bridge would stay closed until spring", "that prices had risen for a third month",
            "that the vote had been postponed", "that hundreds of homes were without power",
            "that the new rules would take effect in January", "that the investigation was continuing",
            "that the region had seen its wettest summer on record", "that no agreement had been reached"]
_TAILS = ["on Tuesday", "in a statement", "after a long meeting", "according to local media", "late on Friday",
          "during a press conference", "in an interview", "earlier this month"]
_TOPICS = ["Budget", "Storm", "Election", "Hospital", "Railway", "School", "Harbour", "Energy", "Football", "Court"]
# other stories are about other things: the teasers of a "Related Articles" block speak of them
_OTHER_SENTENCES = ["The striker scored twice as the visitors won the derby in front of a record crowd.",
                    "Critics praised the festival's opening film, a quiet drama about three sisters in Naples.",
                    "A new species of frog was discovered in the rainforest by a team of biologists.",
                    "The singer announced a world tour with concerts in forty cities next summer.",
                    "Fans queued overnight for tickets to the final of the basketball championship.",
                    "The museum reopened its Egyptian galleries after a renovation lasting six years.",
                    "Astronomers photographed a comet passing close to Jupiter for the first time."]

NAVIGATION = ["Home", "World", "Politics", "Business", "Sport", "Skip to main content", "Menu", "Search"]
INLINE_CHROME = ["Share this article", "Advertisement", "Sign up to our morning newsletter",
                 "Follow us on Twitter and Facebook", "Story continues below advertisement"]
FOOTERS = ["© 2025 Example Media. All rights reserved.", "Copyright 2024 The Daily Example. All Rights Reserved."]
SECTION_MARKERS = ["Related Articles", "Latest Posts", "Read also:", "More from Example News", "Recommended"]


@dataclass(frozen=True)
class Article:
    text: str
    title: str
    body: tuple[str, ...]
    boilerplate: tuple[str, ...]


@st.composite
def sentences(draw) -> str:
    return (f"{draw(st.sampled_from(_SUBJECTS))} {draw(st.sampled_from(_VERBS))} "
            f"{draw(st.sampled_from(_OBJECTS))} {draw(st.sampled_from(_TAILS))}.")


@st.composite
def paragraphs(draw, min_sentences: int = 2, max_sentences: int = 5) -> str:
    """A prose paragraph long enough to be article text (at least ~25 words)."""
    n = draw(st.integers(min_sentences, max_sentences))
    return " ".join(draw(sentences()) for _ in range(n))


@st.composite
def other_paragraphs(draw) -> str:
    """A teaser paragraph of another story: prose about something else than the article."""
    return " ".join(draw(st.lists(st.sampled_from(_OTHER_SENTENCES), min_size=1, max_size=2, unique=True)))


@st.composite
def headlines(draw) -> str:
    topic = draw(st.sampled_from(_TOPICS))
    return f"{topic} {draw(st.sampled_from(['plan', 'talks', 'row', 'crisis', 'deal']))} " \
           f"{draw(st.sampled_from(['divides', 'worries', 'delights', 'surprises']))} " \
           f"{draw(st.sampled_from(['residents', 'officials', 'investors', 'voters']))} in " \
           f"{draw(st.sampled_from(['Leeds', 'Ohio', 'Lyon', 'Perth', 'Osaka', 'Porto']))}"


@st.composite
def noisy_articles(draw, min_paragraphs: int = 2, max_paragraphs: int = 8) -> Article:
    """An article wrapped in site chrome: navigation, the headline, body paragraphs with promos between them, and
    a trailing related-stories block and footer. Ground truth comes with it."""
    title = draw(headlines())
    body = draw(st.lists(paragraphs(), min_size=min_paragraphs, max_size=max_paragraphs, unique=True))
    lines: list[str] = []
    boiler: list[str] = []
    nav = draw(st.lists(st.sampled_from(NAVIGATION), max_size=5, unique=True))
    lines += nav
    boiler += nav
    lines += ["", title, ""]
    for para in body:
        lines += [para, ""]
        if draw(st.integers(0, 4)) == 0:
            chrome = draw(st.sampled_from(INLINE_CHROME))
            lines += [chrome, ""]
            boiler.append(chrome)
    if draw(st.booleans()):
        marker = draw(st.sampled_from(SECTION_MARKERS))
        teasers = draw(st.lists(st.tuples(headlines(), other_paragraphs()), min_size=1, max_size=3))
        lines += [marker, ""]
        boiler.append(marker)
        for teaser_title, teaser_text in teasers:
            if teaser_title == title or teaser_text in body:
                continue
            lines += [teaser_title, teaser_text, ""]
            boiler += [teaser_title, teaser_text]
    footer = draw(st.sampled_from(FOOTERS))
    lines.append(footer)
    boiler.append(footer)
    return Article("\n".join(lines), title, tuple(body), tuple(b for b in boiler if b not in body))


@st.composite
def hostile_texts(draw) -> str:
    """Text a scraper really meets: control characters, odd whitespace, very long lines, markup debris."""
    return draw(st.one_of(
        st.text(max_size=2000),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=500).map(lambda s: s + "\n" * 3 + s),
        st.builds(lambda a, b: a * 50 + "\n" + b, st.text(min_size=1, max_size=20), st.text(max_size=200)),
        st.sampled_from(["<html><body><p>unterminated", "\x00\x01\x02", "\ufeff\u200b\u00ad", "\r\n\r\n\t"]),
    ))
