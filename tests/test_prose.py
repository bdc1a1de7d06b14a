"""One definition of words and prose for cleaning, metadata, templates and the verdict."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.prose import ends_full_stop, ends_sentence, is_prose, opens_body, word_count

CJK_SENTENCE = "事实是，历史上酒与太空探险有一种复杂的关系。让我们来看看喝了酒的航天员究竟会发生什么。"


def test_cjk_lines_count_as_words() -> None:
    assert word_count(CJK_SENTENCE) > 15
    assert word_count("Home") == 1
    assert word_count("") == 0


def test_sentence_ends_latin_and_cjk_with_closing_quotes() -> None:
    assert ends_sentence('He said it was "over."')
    assert ends_sentence("Was it?)  ")
    assert ends_sentence(CJK_SENTENCE)
    assert not ends_sentence("Read more:")
    assert not ends_sentence("Sport | Politics | World")


def test_prose_needs_a_sentence_or_length() -> None:
    sentence = "The council approved the budget on Tuesday after a long debate about schools."
    assert is_prose(sentence)
    assert not is_prose("Mayor opens new bridge over the river")  # a headline
    assert not is_prose("The council approved the budget on Tuesday.")  # too short to be running prose
    long_unfinished = " ".join(["word"] * 25)
    assert is_prose(long_unfinished) and not is_prose(" ".join(["word"] * 24))


def test_a_body_opens_with_a_full_sentence_of_fifteen_words() -> None:
    fourteen = "One two three four five six seven eight nine ten eleven twelve thirteen fourteen."
    assert not opens_body(fourteen)
    assert opens_body(fourteen.replace("fourteen.", "fourteen fifteen."))
    assert opens_body(CJK_SENTENCE)  # ends with 。: a Chinese body opens too
    assert not opens_body(" ".join(["word"] * 40))  # no sentence end: a tag cloud, not a body


# The sentence-end tests as the patterns that defined them (search on the right-stripped text): the string
# operations that replaced them must answer the same for any text.
_SENT_END = re.compile(r"[.!?。！？…][\"'”’»)\]]*$")
_FULL_STOP = re.compile(r"(?<!\.)\.[\"'”’»)\]]*$")
_ENDINGS = st.lists(st.sampled_from(list(".!?。！？…\"'”’»)] \n\t\u3000ax") + ["..."]), max_size=8).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=30), _ENDINGS)
def test_sentence_end_tests_equal_their_patterns(head: str, ending: str) -> None:
    text = head + ending
    assert ends_sentence(text) == bool(_SENT_END.search(text.rstrip()))
    assert ends_full_stop(text) == bool(_FULL_STOP.search(text.rstrip()))


def test_full_stop_is_one_stop_after_closers() -> None:
    assert ends_full_stop('... in "The Persians."  ')
    assert not ends_full_stop("Wait...")
    assert not ends_full_stop("Really?")
    assert ends_full_stop(".")  # a lone stop: one full stop


def _word_count_scanning(text: str) -> int:
    """word_count as defined: the CJK characters counted wherever the words are few for the length."""
    n = len(text.split())
    if n * 4 < len(text) and not text.isascii():
        cjk = len(re.findall(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]", text))
        if cjk * 10 > 3 * len(text):
            n = max(n, cjk // 2)
    return n


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["漢字", "かな", "한국", "é", "’", "\ud800", "𝐀", " ", "ab", "\u3000", "，"]),
                max_size=40).map("".join))
def test_word_count_skips_the_cjk_scan_only_where_it_cannot_count(text: str) -> None:
    assert word_count(text) == _word_count_scanning(text)


def test_word_count_of_mixed_scripts() -> None:
    mixed = "北京" * 20 + " Beijing’s"
    assert word_count(mixed) == _word_count_scanning(mixed) == 20
    assert word_count("café’s “menu” " * 3) == 6
