"""Text segmentation: one block per line, and what the blank lines around a line say about it."""

from __future__ import annotations

import json
import unicodedata

from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

import cleaner
from cleaner.pipeline import Pipeline
from cleaner.segment import normalize_line, segment_text

SEEDS = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "fixtures" / "seeds").glob("*.expected.json"))]


def _flags(text: str) -> list[tuple[bool, bool]]:
    return [(b.features["blank_before"], b.features["blank_after"]) for b in segment_text(text)]


def test_blank_lines_set_a_line_apart() -> None:
    assert _flags("Menu\nHome\n\nHeadline\n\nBody") == [(True, False), (False, True), (True, True), (True, True)]


def test_a_text_without_blank_lines_is_one_paragraph_a_line() -> None:
    """Extractors write one paragraph a line and no blank line: there every line stands apart."""
    assert _flags("First paragraph.\nSecond paragraph.\nThird.") == [(True, True)] * 3


def test_extracted_text_one_paragraph_a_line_keeps_its_paragraphs() -> None:
    """The seeds' bodies as an extractor gives them (one paragraph a line, no blank lines): the model saw articles
    set apart by blank lines; without them it took many paragraphs for a menu."""
    for title in (True, False):  # with the headline declared, and with none: the lede is not taken for one
        kept = total = 0
        for seed in SEEDS:
            doc = cleaner.clean_text("\n".join(seed["body"]), title=seed["title"] if title else None)
            out = set(doc.text.split("\n"))
            kept += sum(p in out for p in seed["body"])
            total += len(seed["body"])
        assert kept == total, f"{total - kept} of {total} paragraphs lost (title given: {title})"


def test_extracted_text_headline_is_its_first_line_or_none() -> None:
    """An extractor writes the headline first or not at all: a title-like line further down is article text."""
    lines = ["The council met on Monday to discuss the new budget for the coming year.",
             "Budget talks resume",
             "Members said they would vote on the plan next week after more consultation."]
    doc = cleaner.clean_text("\n".join(lines))
    assert doc.title is None and doc.text.split("\n") == lines
    doc = cleaner.clean_text("\n".join(["Council weighs new budget", *lines]))
    assert doc.title == "Council weighs new budget" and doc.text.split("\n") == lines
    # the same with a blank line around every line (as many extractors and datasets set paragraphs apart)
    doc = cleaner.clean_text("\n\n".join(lines))
    assert doc.title is None and doc.text.split("\n") == lines
    doc = cleaner.clean_text("\n\n".join(["Council weighs new budget", *lines]))
    assert doc.title == "Council weighs new budget" and doc.text.split("\n") == lines
    # a section label before the headline is not a line of the article (seed 003 opens with "News")
    doc = cleaner.clean_text("\n\n".join(["News", "Council weighs new budget", *lines]))
    assert doc.title == "Council weighs new budget" and doc.text.split("\n") == lines
    # nor is a line a rule removes wherever it stands (a hypothesis example: chrome, then the headline)
    body = [lines[0], lines[2], "The mayor said the plan would add teachers and repair roofs in older schools."]
    for pipeline in (None, Pipeline.default(score=False, use_model=False)):
        doc = cleaner.clean_text("\n\n".join(["Skip to main content", "Council weighs new budget", *body]),
                                 pipeline=pipeline)
        assert doc.title == "Council weighs new budget" and doc.text.split("\n") == body


def _line_as_defined(line: str) -> str:
    """normalize_line's definition: the invisible characters out, NFC, whitespace folded, line by line."""
    invisible = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
    return " ".join(unicodedata.normalize("NFC", line.translate(invisible)).split())


_MESSY = st.lists(st.sampled_from(["word", "Cafe\u0301", "e\u0301\u0323", "\u200b", "\u00ad", "\ufeff", " ", "  ", "\t",
                                   "\u00a0", "\n", "\r\n", "\r", "\n\n", "\u0301", "\u1100\u1161", "ﬁ", "- ", "1. "]),
                  max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_MESSY, st.text(max_size=80)))
def test_blocks_are_the_lines_as_normalize_line_defines_them(text: str) -> None:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    expected = [_line_as_defined(line) for line in lines]
    blocks = segment_text(text)
    assert [b.text for b in blocks] == [line for line in expected if line]
    assert [b.text for b in blocks] == [normalize_line(line) for line in lines if normalize_line(line)]
    indents = [len(line) - len(line.lstrip(" \t\u00a0")) for line, clean in zip(lines, expected, strict=True) if clean]
    assert [b.features["indent"] for b in blocks] == indents
