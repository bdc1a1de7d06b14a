"""One definition of words and prose for cleaning, metadata, templates and the verdict."""

from __future__ import annotations

from cleaner.prose import ends_sentence, is_prose, opens_body, word_count

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
