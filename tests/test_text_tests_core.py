"""The cleaner's per-line tests compiled (cleaner._text_core: teaser_candidates, stamp_candidates, norm_candidates,
extractor_output, ending_with, not_below, best_stretch): the filters never rule out a line the Python test keeps
(so the lines found are the Python code's), the exact ones answer as the Python code does, on hand-made corner
cases, on the character sets the C code assumes (checked against re for every code point), on any Unicode text and
on the development documents, whose cleaning is the same with the compiled core and without it."""

from __future__ import annotations

import json
import math
import re

import pytest
from conftest import python_and_compiled, shared_path, using_core
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import clean, metadata, prose
from cleaner.clean import (
    Cleaner,
    _ending_with,
    _extractor_output,
    _has_teaser_suffix,
    _is_doubled,
    _not_below,
    _teaser_lines,
)
from cleaner.document import Block, Document
from cleaner.metadata import _norm, is_stamp_line, lines_equal_to, norm_equals, stamp_lines

pytestmark = pytest.mark.skipif(prose._COMPILED is None, reason="the compiled core is not built "
                                "(CLEANER_NO_NATIVE, or no C compiler at install)")
CORE = prose._COMPILED

#: pieces the texts are made of: the endings and shapes the filters look at, words, whitespace, odd code points
_PIECES = ["Home", "home", "The", "the", "news", " ", "  ", "\t", "\n", "\u00a0", "\u3000", "|", " - ", " – ", " · ",
           "2019-03-04", "3/4/19", "12/31/2020", "5 min read", "5 mins read", "3 minutes read", " READ", "read",
           "(148)", "(2019)", "(1999)", "(", ")", "13 hours ago", "an hour ago", "a day ago", "Today", "yesterday",
           "Today, 7:30 AM", "01:45", "7:30 p.m.", "am", "m.", "0", "7", "٣", "१२", "Published", "Sep 7, 2025",
           "7 September 2025", ":", "：", ".", "!", "?", "。", "”", "’", "»", "]", "é", "İ", "ı", "ſ", "K", "ß", "Σ",
           "Ⅻ", "_", "漢字", "Привет", "𝐀", "\ud800", "word", "Headline of the day"]
_TEXTS = st.lists(st.sampled_from(_PIECES), max_size=14).map("".join) | st.text(max_size=40)


def _doubled(words: list[str], size: int, tail: list[str], sep: str) -> str:
    return sep.join(words[:size] + words[:size] + tail)


_DOUBLED = st.builds(_doubled, st.lists(st.sampled_from(["Storm", "hits", "coast", "Storm.", "a", "é", "Ж", "漢",
                                                         "𝐀", "x"]), min_size=4, max_size=7),
                     st.integers(4, 7), st.lists(st.sampled_from(["News", "| 2019-01-02", "x"]), max_size=3),
                     st.sampled_from([" ", "  ", "\t", " \u00a0"]))


def test_the_letters_the_c_code_folds_are_the_ones_re_folds() -> None:
    """letter_is: re.IGNORECASE matches each letter the filters ask for to its two ASCII cases alone."""
    for letter in "aredtymo":
        pattern = re.compile("(?i)" + letter)
        assert [c for c in range(0x110000) if pattern.fullmatch(chr(c))] == [ord(letter.upper()), ord(letter)]


def test_every_word_character_lowercases_to_one() -> None:
    r"""norm_candidates' bound: each \w code point's lower() holds a \w code point (and \w is isalnum or '_')."""
    word = re.compile(r"\w")
    for c in range(0x110000):
        char = chr(c)
        assert bool(word.fullmatch(char)) == (char.isalnum() or char == "_")
        if word.fullmatch(char):
            assert word.search(char.lower()), hex(c)


@settings(max_examples=600, deadline=None)
@given(st.lists(_TEXTS | _DOUBLED, max_size=8))
def test_teaser_lines(texts: list[str]) -> None:
    maybe = set(CORE.teaser_candidates(texts))
    assert {i for i, t in enumerate(texts) if _has_teaser_suffix(t) or _is_doubled(t)} <= maybe
    assert all(i in maybe for i, t in enumerate(texts) if _is_doubled(t))
    python, compiled = python_and_compiled(prose, _teaser_lines, texts)
    assert compiled == python


def test_teaser_corner_cases() -> None:
    texts = ["Storm hits coast Storm hits coast News", "Storm hits coast now. Storm hits coast now. more",
             "One two three four One two three four", "a b c d a b c d e f", "x", "", "   ", "Top story (148)",
             "Films (2019)", "Best of 5 min read", "Posted | 2019-01-02 ", "said", "nothing here 12"]
    python, compiled = python_and_compiled(prose, _teaser_lines, texts)
    assert compiled == python == [2, 3, 7, 10]  # (three words twice are no teaser; a read time needs its "·")


@settings(max_examples=600, deadline=None)
@given(st.lists(_TEXTS, max_size=8))
def test_stamp_lines(texts: list[str]) -> None:
    assert {i for i, t in enumerate(texts) if is_stamp_line(t)} <= set(CORE.stamp_candidates(texts))
    python, compiled = python_and_compiled(prose, stamp_lines, texts)
    assert compiled == python


def test_stamp_corner_cases() -> None:
    texts = ["13 hours ago", " Today 7:30 AM ", "01:45", "7:30 p.m.", "an hour ago", "Published Sep 7, 2025",
             "A title of a story", "2019", "The 1990s", "yesterday", "x" * 81 + " 2019-01-02"]
    python, compiled = python_and_compiled(prose, stamp_lines, texts)
    assert compiled == python == [0, 1, 2, 3, 4, 5, 9]


@settings(max_examples=600, deadline=None)
@given(st.lists(_TEXTS, max_size=8), _TEXTS)
def test_lines_equal_to(texts: list[str], title: str) -> None:
    key = _norm(title)
    if not key:
        return
    texts = [*texts, title, title.upper(), title + " !"]
    assert {i for i, t in enumerate(texts) if norm_equals(t, key)} <= set(CORE.norm_candidates(texts, key))
    python, compiled = python_and_compiled(prose, lines_equal_to, texts, key)
    assert compiled == python


def _block(text: str, before: object, after: object, kind: str = "dict") -> Block:
    features: object = {"blank_before": before, "blank_after": after}
    if kind == "missing":
        features = {}
    elif kind == "subclass":
        features = type("Features", (dict,), {})(blank_before=before, blank_after=after)
    return Block(text, "paragraph", features)  # type: ignore[arg-type]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.builds(_block, _TEXTS | st.sampled_from([" ".join(["word"] * 25), " ".join(["word"] * 24)]),
                          st.sampled_from([True, False, 1, 0, None, "x"]), st.sampled_from([True, 1, False]),
                          st.sampled_from(["dict", "dict", "dict", "missing", "subclass"])), max_size=8))
def test_extractor_output(blocks: list[Block]) -> None:
    doc = Document(id="x", input="-", format="text", raw="", blocks=blocks)
    python, compiled = python_and_compiled(prose, _extractor_output, doc)
    assert compiled is python


@settings(max_examples=400, deadline=None)
@given(st.lists(_TEXTS, max_size=8), st.lists(st.floats(allow_nan=True), max_size=8),
       st.floats(allow_nan=False, min_value=-1, max_value=2))
def test_ending_with_and_not_below(texts: list[str], values: list[float], threshold: float) -> None:
    assert python_and_compiled(prose, _ending_with, texts, ":：.")[0] == CORE.ending_with(texts, ":：.")
    python, compiled = python_and_compiled(prose, _not_below, values, threshold)
    assert compiled == python


_P = st.floats(min_value=0, max_value=1) | st.sampled_from([0.0, 1.0, 0.65, math.nan])


@settings(max_examples=800, deadline=None)
@given(st.lists(st.tuples(_P, st.integers(0, 400), st.booleans()), max_size=30),
       st.sampled_from([0.65, 0.3, 0.05, 1.2]))
def test_best_stretch(lines: list[tuple[float, int, bool]], cut: float) -> None:
    ps = [p for p, _, _ in lines]
    words = [n for _, n, _ in lines]
    gone = {i for i, (_, _, removed) in enumerate(lines) if removed} | {-1, len(lines) + 5}
    python, compiled = python_and_compiled(prose, Cleaner._best_stretch, ps, words, gone, cut)
    assert compiled == python


def test_wrong_arguments_raise() -> None:
    for call in (lambda: CORE.teaser_candidates(("a",)), lambda: CORE.stamp_candidates([1]),
                 lambda: CORE.norm_candidates(["a"], 1), lambda: CORE.ending_with(["a"]),
                 lambda: CORE.not_below([1.0, "x"], 0.5), lambda: CORE.best_stretch([0.5], ["x"], set(), 0.5),
                 lambda: CORE.best_stretch([0.5], [1], {"x"}, 0.5), lambda: CORE.extractor_output([object()], 1, 25)):
        with pytest.raises((TypeError, AttributeError)):  # (as the Python code: a block without features)
            call()


def test_cleaning_is_the_same_without_the_core() -> None:
    """Whole documents: news bodies with and without their headline, cleaned with the compiled tests and with the
    Python code alone, give the same records."""
    from cleaner.api import clean_text

    path = shared_path("data", "news", "docs.jsonl")
    if not path.exists():
        pytest.skip("the shared news documents are not there")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:40]]

    def records() -> list[str]:
        return [json.dumps(clean_text(r["text"], title=title, score=False).to_record(), sort_keys=True)
                for r in rows for title in (r.get("headline"), None)]

    with using_core(prose, None):
        python = records()
    assert records() == python
    assert clean.prose is prose and metadata.prose is prose  # (both read the core through prose._core)
