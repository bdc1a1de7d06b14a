"""The block classifier's compiled text features (cleaner._features_core): _text_matrix and _text_part_of give the
Python code's values bit for bit, on hand-made corner cases, on any Unicode text and on every line of the
development data; and the character sets the C pre-filters rely on are what re and unicodedata say they are."""

from __future__ import annotations

import re
import sys
import unicodedata
from typing import Any

import numpy as np
import pytest
from conftest import ROOT, python_and_compiled, shared_path, using_core
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner import classifier as clf_mod
from cleaner.segment import segment_text

pytestmark = pytest.mark.skipif(clf_mod._COMPILED is None, reason="the compiled core is not built "
                                "(CLEANER_NO_NATIVE, or no C compiler at install)")


def assert_same_matrix(texts: list[str]) -> None:
    """_text_matrix by the Python code and by the compiled core: the same float64 bits, words, lengths and
    whitespace-split word counts."""
    python, compiled = python_and_compiled(clf_mod, clf_mod._text_matrix, list(texts))
    (base_p, words_p, lens_p, spaced_p), (base_c, words_c, lens_c, spaced_c) = python, compiled
    assert base_c.dtype == base_p.dtype == np.float64 and base_c.shape == base_p.shape == (len(texts), 28)
    different = np.argwhere(base_c.view(np.uint64) != base_p.view(np.uint64))
    assert not len(different), [(repr(texts[i][:80]), clf_mod._TEXT_NAMES[j], base_p[i, j], base_c[i, j])
                                for i, j in different[:5]]
    assert words_c == words_p
    assert lens_c == lens_p
    assert spaced_c == spaced_p


def assert_same_part(texts: list[str]) -> None:
    """_text_part_of by both: the same matrix, document columns, word counts and word sets, iterated in the same
    order (text stage 2 sums over them in that order)."""
    python, compiled = python_and_compiled(clf_mod, clf_mod._text_part_of, tuple(texts))
    for key in ("base", "doc_rows"):
        assert compiled[key].shape == python[key].shape
        different = np.argwhere(compiled[key].view(np.uint64) != python[key].view(np.uint64))
        assert not len(different), (key, [(i, j, python[key][i, j], compiled[key][i, j]) for i, j in different[:5]])
    assert compiled["spaced"] == python["spaced"]
    assert clf_mod._sets(compiled) == python["sets"]
    assert [list(s) for s in clf_mod._sets(compiled)] == [list(s) for s in python["sets"]]


# --- corner cases -------------------------------------------------------------------------------------------

CORNERS = [
    "",
    " ",
    "x",
    "Mixed scripts: Москва, 東京, Αθήνα and Zürich — all in one line.",
    "日本語のテキストは単語の間に空白がありません。東京都の人口は約千四百万人です。これは長い文章です。",
    "中文文本没有空格，逗号和句号都是全角的。这是第二句话！",
    "中" * 30 + "." * 70,  # (30% CJK: words as they are; 31%: half the CJK characters)
    "中" * 31 + "." * 69,
    "日本" * 3 + " a b c d",
    "한국어 문장도 있습니다. 두 번째 문장입니다.",
    "İstanbul'da IŞIK ve ılık hava; ſtraße, 5 K (Kelvin) and KELVIN",
    "ΟΔΥΣΣΕΥΣ ΣΑΣ σας Σ ΑΣ. Σ1 ΑΣ_Β",
    "NUL\x00inside\x00a block. Next\x00sentence",
    "lone \ud800 surrogate \udfff here. And \ud83d\ude00 a pair",
    "emoji 🙂 and 👍🏽 and 🇫🇷 flags; astral 𝐀𝐁𝐂 letters 𝟏𝟐",
    "tabs\tand\u00a0NBSP\u2009thin\u3000ideographic  double  spaces",
    "Jan. 5, 2024",
    "Published on jan 5th, 2024 at 12:30",
    "5 January 2024",
    "12/05/2019 and 2019-05-07 and 3.5.2020",
    "2024年5月3日",
    "3 hours ago",
    "5 mins ago · 2 days ago",
    "10 h ago",
    "© 2024 Example Media. All rights reserved.",
    "(c) 2020 Copyright Someone",
    "COPYRIGHT ALL RIGHTS RESERVED",
    "Leave a reply",
    "Leave a Comment",
    "12 Comments",
    "Комментарии",
    "к\u1c82мментарии",
    "jane says:",
    "Reply",
    "12 likes",
    "• bullet point",
    "- dash bullet",
    "1. numbered",
    "a) lettered",
    "1234. not a bullet",
    "Home | News | Sport » World / Europe - Politics – Economy — Culture",
    "a|b | c  |  d",
    "Visit www.example.com or https://example.org or mail me@example.com #hashtag",
    "http://x.com.",
    "\"Quoted,\" she said. 'Then?' “Curly” „low“ «guillemets» ‘single’",
    "Ends with a colon:",
    "Ends with a fullwidth colon：",
    "ends other »",
    "ends other ›",
    "ends other …",
    "ends with a dash —",
    "He left. (She stayed.) Then: \"Why?\" he asked! Really?! Yes… no.",
    "Mr. Smith went to Washington.  Two spaces after the period.",
    "ALL CAPS HEADLINE HERE",
    "Title Case Headline With Words",
    "lowercase start of a line that is a continuation",
    "½ ² ٣ ½½ x²y ⅷ Ⅻ numerals",
    "ﬁnance ﬂow ＡＢＣ ｆｕｌｌｗｉｄｔｈ ＿ under_score",
    "\u0301combining at start e\u0301 cafe\u0301",
    "Hangul jamo \u1100\u1161\u11a8 and 가\u11a8",
    "Tamil ொ \u0bc6\u0bbe Kannada \u0cc6\u0cc2",
    "™ ℠ № ℃ …… ‥ ․",
    "x" * 5000,
    "word " * 3000,
    "a.b.c.d.e. f",
    ". . . .",
    "U.S. officials said Friday. The U.N. agreed.",
    "The the THE tHe thé",
    "\x1c\x1d\x1e\x1f separators",
    "line\u2028separator\u2029paragraph",
]


def test_corner_cases_one_by_one_and_together() -> None:
    for text in CORNERS:
        assert_same_matrix([text])
    assert_same_matrix(CORNERS)
    assert_same_part(CORNERS)
    assert_same_part([t for t in CORNERS if t.isascii()])


def test_unstripped_blocks_follow_the_joined_scan() -> None:
    """Blocks are stripped in the classifier, but any text gives the Python code's values: a block ending in an
    ender and whitespace counts a sentence (the joiner follows it), whitespace-split counts depend on the page."""
    for texts in (["a. ", " b"], ["x!\t", "y"], [" lead", "trail "], ["a  b", " c "], ["a\n", "b"], ["Reply\n"],
                  ["jane says: \n"], ["\x00"], ["\x00a\x00"], ["  "]):
        assert_same_matrix(texts)
        assert_same_part(texts)


def test_no_blocks() -> None:
    for core in (clf_mod._COMPILED, None):
        with using_core(clf_mod, core):
            base, words, lens, spaced = clf_mod._text_matrix([])
            assert base.shape == (0, len(clf_mod._TEXT_NAMES)) and words == lens == spaced == []


def test_a_block_too_long_to_pack_its_counts() -> None:
    """Over 2**21 characters (the Python code counts them one by one there)."""
    long_block = ("Word, another WORD. " * 110_000)[: (1 << 21) + 17]
    assert_same_matrix([long_block, "short", long_block[:1000]])


def test_every_code_point_as_text() -> None:
    """All of Unicode, in blocks of 4,096 code points, then every word character alone (lowered by itself), and
    with a letter on either side: the character classes, the words and their lowering are the Python code's."""
    blocks = ["".join(map(chr, range(start, min(start + 4096, 0x110000)))) for start in range(0, 0x110000, 4096)]
    for at in range(0, len(blocks), 40):
        assert_same_matrix(blocks[at:at + 40])
    word_chars = [chr(c) for c in range(0x110000) if chr(c).isalnum() or c == 0x5F]
    for at in range(0, len(word_chars), 8192):
        chunk = word_chars[at:at + 8192]
        assert_same_matrix([" ".join(chunk), " ".join("a" + ch + "b" for ch in chunk), " ".join(c * 2 for c in chunk)])


def test_the_same_texts_again_and_a_full_word_cache() -> None:
    """The core keeps the words it has seen (bounded: emptied when full); a word's second time gives what its first
    did, before and after the cache empties (more distinct words than it holds)."""
    texts = ["The quick brown Fox. THE QUICK brown fox; the Quick", "Ünïcödé wörds Und UND und"]
    assert_same_matrix(texts)
    assert_same_matrix(texts)
    many = [" ".join(f"w{i}x{j}" for j in range(500)) for i in range(100)]  # 50,000 distinct words
    assert_same_matrix(many)
    assert_same_matrix(texts + many[:3])


def test_short_words_are_their_own_keys() -> None:
    """A Latin-1 word of up to eight characters is looked up by its code points packed in a number (no comparison):
    words of one to nine characters sharing their last ones, the same words in texts of each kind (Latin-1, two and
    four bytes a character), and words of wider characters, each the Python code's words first and again."""
    words = ["a", "ab", "abcdefgh", "abcdefghi", "bcdefgh", "zabcdefgh", "ÿÿ", "ÿÿÿÿÿÿÿÿ", "ĀĀ", "Āa", "aĀ", "é" * 8,
             "É" * 9, "x1", "1x", "11", "_a_", "a_", "Σa", "aΣ", "𝐀a"]
    texts = [" ".join(words), " ".join(words) + " ’", " ".join(words) + " 🙂", " ".join(reversed(words))]
    for _ in range(2):
        assert_same_matrix(texts)
        assert_same_matrix(texts[::-1])


def test_runs_of_lower_case_letters_across_the_counts_chunks() -> None:
    """The scan reads a run of plain lower-case letters after a letter in a loop of its own, up to the end of the
    chunk of characters its packed counts hold (511): runs across and up to a chunk's end, runs ending at v and y
    (the copyright literals' letters), after digits, underscores and non-ASCII letters, words of every length."""
    texts = ["b" + "a" * 600 + "y", "Xa" * 400, "ab" * 300 + "vy copyright COPYRIGHT reserved", "a" * 510 + "B c",
             "a" * 511 + " " + "b" * 511, "9abc _abc éabc Ωabc ſabc", "x" * 1023 + "Yz",
             " ".join("abcdefghijklmnopqrstuwxz"[:n] for n in range(1, 25)), "All rights reserved. (c) abc"]
    assert_same_matrix(texts)
    assert_same_part(texts)


def test_setup_checks_the_columns() -> None:
    core = clf_mod._COMPILED
    with pytest.raises(ValueError):
        core.setup(clf_mod.STOP_WORDS, clf_mod._MONTH_WORDS, clf_mod._TEXT_NAMES[:-1])
    with pytest.raises(ValueError):
        core.setup(clf_mod.STOP_WORDS, clf_mod._MONTH_WORDS, tuple(reversed(clf_mod._TEXT_NAMES)))
    core.setup(clf_mod.STOP_WORDS, clf_mod._MONTH_WORDS, clf_mod._TEXT_NAMES)
    assert core.CHECKS == {"date": clf_mod._CHECK_DATE, "time": clf_mod._CHECK_TIME, "month": clf_mod._CHECK_MONTH,
                           "copyright": clf_mod._CHECK_COPYRIGHT, "comment_head": clf_mod._CHECK_COMMENT_HEAD,
                           "comment_line": clf_mod._CHECK_COMMENT_LINE}


def test_wrong_arguments_raise() -> None:
    core = clf_mod._COMPILED
    with pytest.raises(TypeError):
        core.text_matrix(["a", 1])
    with pytest.raises(TypeError):
        core.text_matrix(5)
    base = np.zeros((1, len(clf_mod._TEXT_NAMES)))
    with pytest.raises(ValueError):
        core.doc_rows(["a"], base, np.zeros(2), [["a"]], sum)
    with pytest.raises(ValueError):
        core.doc_rows(["a"], base[:, ::2], np.zeros(1), [["a"]], sum)
    with pytest.raises(TypeError):
        core.doc_rows(["a"], base, np.zeros(1), [("a",)], sum)
    with pytest.raises(TypeError):
        core.doc_rows([1], base, np.zeros(1), [["a"]], sum)


# --- any text -------------------------------------------------------------------------------------------------

_ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=60)  # (lone surrogates too)
# characters and pieces that exercise every class, pattern and pre-filter (and their near misses)
_PIECES = st.sampled_from(list(
    "aAbBzZ09_.,;:!?…\"'”’»)](«“„‘|·•/-–—*+>#@©%&\t\n\u00a0\u2009\u3000\u200b\u00ad\ufeff\x00\x1c"
    "éÉßİıſKΣσςΑ日本語한국中文カ½²٣\U0001d400\U0001f600ﬁＡ\u0301，：。！？、年кКоО") + [
    "January", "jan", "Sept.", "sep ", "mar.", " 12, 2019", "2019", "2019-05-07", "12/05/2019", "1.2.3", "3.5",
    "5 mins ago", "5 MINS AGO", "2 hrs  ago", "1 h ago", "3 days ago", "10:30", "1:2", "(c)", "(C)", "Copyright",
    "COPYRİGHT", "copyrıght", "all rights reserved", "www.example.com", ".com", ".comx", "https://x", "http:/",
    " - ", " | ", " / ", "Comments", "12 comments", "Leave a reply", "leave a comment", "Discussion",
    "коммента", "к\u1c82мментарии", "says:", "said :", "Reply", "reply", "Flag", "12 likes", "1.", "a)", "• ", "-", " ", "  "])
_PIECED_TEXT = st.lists(_PIECES, max_size=25).map("".join)
_PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPERTY
@given(st.lists(_ANY_TEXT, min_size=1, max_size=12))
def test_any_unicode_texts(texts: list[str]) -> None:
    assert_same_matrix(texts)
    assert_same_part(texts)


@_PROPERTY
@given(st.lists(_PIECED_TEXT, min_size=1, max_size=12))
def test_texts_of_the_patterns_pieces(texts: list[str]) -> None:
    assert_same_matrix(texts)
    assert_same_part([t.strip() for t in texts])


# --- the development data ---------------------------------------------------------------------------------------


def _stripped(text: str) -> list[str]:
    return [b.text.strip() for b in segment_text(text)]


def test_every_line_of_the_development_documents() -> None:
    shared_path("data", "news", "docs.jsonl")
    shared_path("data", "extraction", "manifest.jsonl")
    sys.path.insert(0, str(ROOT / "bench"))
    from scorers import documents

    docs, _ = documents(300)
    pages = sorted(shared_path("data", "extraction", "text").glob("*.txt"))
    assert len(docs) == 300 and len(pages) > 200
    for text in [d["text"] for d in docs] + [p.read_text(encoding="utf-8") for p in pages]:
        texts = _stripped(text)
        if texts:
            assert_same_matrix(texts)
            assert_same_part(texts)


# --- what the pre-filters take for granted ----------------------------------------------------------------------


def _matching(pattern: str) -> set[str]:
    compiled = re.compile(pattern)
    return {ch for ch in map(chr, range(0x110000)) if compiled.fullmatch(ch)}


def test_only_the_odd_folds_match_ascii_letters() -> None:
    """re.IGNORECASE matches an ASCII letter to its two cases and to İ ı ſ K alone (the core's folded_letter and
    classifier._FOLD_ODD), each to the letter folded_letter gives it; and к, о of коммента to their two cases."""
    letters = {chr(c) for c in range(ord("a"), ord("z") + 1)}
    assert _matching("(?i)[a-z]") == letters | {x.upper() for x in letters} | set(clf_mod._FOLD_ODD)
    for odd, letter in zip("\u0130\u0131\u017f\u212a", "iisk", strict=True):
        assert re.fullmatch(f"(?i){letter}", odd) and not re.fullmatch(f"(?i)[^{letter}]", odd)
    assert _matching("(?i)к") == {"к", "К"} and _matching("(?i)о") == {"о", "О", "\u1c82"}  # (ᲂ, a wide o)


def test_blocks_whose_words_nfkc_keeps(composition_pairs: list[tuple[int, int]]) -> None:
    """The core's `keeps` (NFKC leaves the block's words as they are, no NFKC needed) for each character of the
    Basic Multilingual Plane: a character NFKC keeps, of combining class 0, never the second of a composition nor
    decomposed into one; or a non-word character NFKC makes ASCII punctuation that is the first of no composition."""
    pairs = composition_pairs
    seconds = {b for _, b in pairs}
    firsts = {a for a, _ in pairs}
    assert not any(c < 128 for c in seconds)
    kept: Any = clf_mod._COMPILED.text_matrix([chr(c) for c in range(0x10000)])[6]
    assert all(kept[:128])
    for c in range(128, 0x10000):
        if not kept[c]:
            continue
        ch = chr(c)
        normal = unicodedata.normalize("NFKC", ch)
        if normal == ch:
            assert unicodedata.combining(ch) == 0 and c not in seconds, hex(c)
            assert ord(unicodedata.normalize("NFKD", ch)[0]) not in seconds, hex(c)
        else:
            assert not (ch.isalnum() or ch == "_"), hex(c)
            assert all(ord(d) < 128 and not (d.isalnum() or d == "_") and ord(d) not in firsts for d in normal), hex(c)
    assert not any(kept[c] for c in (0x0301, 0x0BBE, 0x1161, 0x11A8, 0x00BD, 0x2122, 0xFF21, 0xD800))
    assert all(kept[c] for c in (0x00E9, 0x2019, 0x4E2D, 0xAC00, 0x00A0, 0x2026, 0xFF0C))


# --- the headline's columns (title_overlap: no word sets made) ---------------------------------------------------


def assert_same_title_columns(texts: list[str], title: str) -> None:
    """block_features' matrix under `title` by the Python code (word sets) and by the compiled core (title_overlap
    on the tokens): the same float64 bits, headline columns and headline line included."""
    from cleaner.document import Block

    blocks = [Block(t) for t in texts]

    def matrix() -> np.ndarray:
        clf_mod._TEXT_PART.clear()
        return clf_mod.block_features(blocks, title)[0]

    python, compiled = python_and_compiled(clf_mod, matrix)
    clf_mod._TEXT_PART.clear()
    assert python.shape == compiled.shape
    different = np.argwhere(python.view(np.uint64) != compiled.view(np.uint64))
    assert not len(different), [(i, clf_mod.feature_names(False)[j], python[i, j], compiled[i, j])
                                for i, j in different[:5]]


def title_overlap_by_sets(tokens: list[list[str]], title: set[str]) -> list[float]:
    """What title_overlap computes, by the Python code's set operations."""
    out = []
    for s in map(set, tokens):
        inter = len(s & title)
        out += [inter / (len(s) + len(title) - inter), inter / len(title)] if s else [0.0, 0.0]
    return out


@_PROPERTY
@given(st.lists(_PIECED_TEXT | _ANY_TEXT, min_size=1, max_size=12), _PIECED_TEXT | _ANY_TEXT, st.randoms())
def test_any_texts_under_any_headline(texts: list[str], title: str, rnd: Any) -> None:
    """A headline of its own, or made of words of the blocks (the overlap is then not empty)."""
    assert_same_title_columns(texts, title)
    words = " ".join(texts).split()
    if words:
        assert_same_title_columns(texts, " ".join(rnd.sample(words, min(len(words), rnd.randint(1, 6)))))


@_PROPERTY
@given(st.lists(st.lists(st.sampled_from(["a", "b", "c", "dé", "日本", "x" * 20, "B"]), max_size=8), max_size=8),
       st.sets(st.sampled_from(["a", "c", "dé", "q", "日本"]), min_size=1))
def test_title_overlap_is_the_sets_arithmetic(tokens: list[list[str]], title: set[str]) -> None:
    cells = np.frombuffer(clf_mod._COMPILED.title_overlap(tokens, title)).tolist()
    assert cells == title_overlap_by_sets(tokens, title)


def test_title_overlap_counts_each_word_once_and_checks_its_arguments() -> None:
    core = clf_mod._COMPILED
    cells = np.frombuffer(core.title_overlap([["a", "b", "a", "a"], [], ["c"]], {"a", "z"})).tolist()
    assert cells == [1 / 3, 1 / 2, 0.0, 0.0, 0.0, 0.0]  # {a, b} & {a, z}: 1 of 3, 1 of 2
    assert core.title_overlap([], {"a"}) == bytearray()
    with pytest.raises(ValueError):
        core.title_overlap([["a"]], set())
    with pytest.raises(TypeError):
        core.title_overlap([["a"]], {"a", 1})
    with pytest.raises(TypeError):
        core.title_overlap([("a",)], {"a"})
    with pytest.raises(TypeError):
        core.title_overlap([["a", 1]], {"a"})
    with pytest.raises(TypeError):
        core.title_overlap([["a"]], frozenset({"a"}))

    class Words(set):  # (its own iteration could run Python code while the words are held borrowed)
        pass

    with pytest.raises(TypeError):
        core.title_overlap([["a"]], Words({"a"}))


def test_the_development_documents_under_their_headlines() -> None:
    shared_path("data", "news", "docs.jsonl")
    shared_path("data", "extraction", "manifest.jsonl")
    sys.path.insert(0, str(ROOT / "bench"))
    from scorers import documents

    docs, _ = documents(300)
    pages = sorted(shared_path("data", "extraction", "text").glob("*.txt"))
    assert len(docs) == 300 and len(pages) > 200
    for text, title in [(d["text"], d["title"]) for d in docs[:150]] + [
            (p.read_text(encoding="utf-8"), None) for p in pages[:100]]:
        texts = _stripped(text)
        if texts:  # a page without a given headline: its first line as one
            assert_same_title_columns(texts, title or texts[0])


# --- what scores() reads of the blocks (blocks_key: _scores_key without a Python frame a block) -------------------


def python_key(blocks: list[Any]) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """blocks_key's answer, by the Python code's reads."""
    flat: list[Any] = []
    for b in blocks:
        f = b.features
        flat += [f.get("blank_before", False), f.get("blank_after", False), id(f.get("dom")), f.get("group")]
    return tuple(b.text for b in blocks), tuple(flat)


_FEATURE_VALUES = st.sampled_from([True, False, 0, 1, None, "x", 2.5])


@_PROPERTY
@given(st.lists(st.tuples(_PIECED_TEXT, st.dictionaries(st.sampled_from(
    ["blank_before", "blank_after", "dom", "group", "indent"]), _FEATURE_VALUES)), max_size=12))
def test_blocks_key_reads_what_the_python_code_reads(rows: list[tuple[str, dict[str, Any]]]) -> None:
    from cleaner.document import Block

    blocks = [Block(text, features=features) for text, features in rows]
    key = clf_mod._COMPILED.blocks_key(blocks)
    assert key == python_key(blocks)
    # the blank-line columns _features takes from it: as from the blocks themselves
    assert clf_mod._blank_lines(blocks, key[1]).tolist() == clf_mod._blank_lines(blocks).tolist()


def test_blocks_key_sees_every_change_scores_reads() -> None:
    from cleaner.document import Block

    core = clf_mod._COMPILED
    dom = [0.5, 1.0]
    blocks = [Block("One line.", features={"blank_before": True, "dom": dom, "group": 3}), Block("Two.")]
    key = core.blocks_key(blocks)
    assert key == (("One line.", "Two."), (True, False, id(dom), 3, False, False, id(None), None))
    assert core.blocks_key(list(blocks)) == key
    for change in (lambda: setattr(blocks[1], "text", "Two"), lambda: blocks[1].features.update(blank_after=1),
                   lambda: blocks[0].features.update(dom=list(dom)), lambda: blocks[0].features.update(group=4),
                   lambda: blocks[0].features.pop("blank_before"), lambda: blocks.append(Block("Three."))):
        change()
        assert core.blocks_key(blocks) != key and core.blocks_key(blocks) == python_key(blocks)
        key = core.blocks_key(blocks)
    assert core.blocks_key([]) == ((), ())

    class Features(dict):  # (its own .get: the Python code reads it)
        def get(self, k: str, default: Any = None) -> Any:
            return "mine"

    assert core.blocks_key([Block("a", features=Features())]) is None
    assert core.blocks_key([Block("a", features=None)]) is None  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        core.blocks_key([object()])
    with pytest.raises(TypeError):
        core.blocks_key(5)
    with using_core(clf_mod, core):
        assert clf_mod._scores_key([Block("a", features=Features())], None) == (None, ["a"], [("mine",) * 2 + (
            id("mine"), "mine")])


# --- NFKC of a block's span alone (text_matrix's spans) ------------------------------------------------------------

# characters NFKC changes, composes or decomposes (and the ASCII ones a span ends at: < = > compose with U+0338)
_NFKC_PIECES = st.sampled_from(list(
    "ab_Z09 .,<=>-\t\u00a0½¼²ﬁＡＢ\u0301\u0338\u0bbe\u0bc6\u1161\u11a8가\u1100ΣİéÉ…™🙂\U0001d400ﺍﻣ\u064e") + [
    "½ cup", "x½y", "e\u0301", "<\u0338", "a < \u0338 b", "10½", "ﬁnance", " word ", "İstanbul"])


@_PROPERTY
@given(st.lists(st.lists(_NFKC_PIECES, max_size=20).map("".join), min_size=1, max_size=8))
def test_a_blocks_tokens_are_the_words_of_its_nfkc(texts: list[str]) -> None:
    """The compiled part's tokens of a block NFKC may change (NFKC of a span of it alone) are the words of NFKC of
    the whole block (_norm_tokens), each span within the block and between its words."""
    clf_mod._TEXT_PART.clear()
    part = clf_mod._compiled_text_part_of(tuple(texts))
    assert part["tokens"] == [clf_mod._norm_tokens(t) for t in texts]
    words, spans = clf_mod._COMPILED.text_matrix(texts)[1::6]
    for i, start, end, first_word, end_word in spans:
        assert 0 <= start <= end <= len(texts[i]) and 0 <= first_word <= end_word <= len(words[i])
        assert texts[i][start:end].isascii() is False or texts[i][start:end] == ""
    assert_same_part(texts)


def test_spans_end_at_ascii_non_word_characters() -> None:
    spans = clf_mod._COMPILED.text_matrix(["one two x½y three", "½", "a ½", "a ½ b c", "plain", "ab\u0301 c"])[7]
    assert spans == [(0, 7, 11, 2, 3), (1, 0, 1, 0, 1), (2, 1, 3, 1, 2), (3, 1, 3, 1, 2), (5, 0, 3, 0, 1)]


# --- _features' matrix of a text document in C (text_only, widened) ---------------------------------------------


def assert_same_features(texts: list[str], title: str | None, blanks: list[tuple[Any, Any]], spare: int) -> None:
    """_features by the Python code (numpy context, blank lines from the blocks) and by the compiled core (text_only,
    widened from blocks_key's values): the same float64 bits in the block features' columns, 0.0 in the spare ones."""
    from cleaner.document import Block

    blocks = [Block(t, features={"blank_before": b, "blank_after": a})
              for t, (b, a) in zip(texts, blanks, strict=True)]

    def features(read: Any) -> np.ndarray:
        clf_mod._TEXT_PART.clear()
        return clf_mod._features(blocks, title, spare, read)[0]

    with using_core(clf_mod, None), using_core(clf_mod, None, "_tree_core"):
        python = features(None)
    read = clf_mod._COMPILED.blocks_key(blocks)[1]
    for compiled in (features(read), features(None)):
        clf_mod._TEXT_PART.clear()
        width = python.shape[1] - spare
        assert compiled.shape == python.shape
        different = np.argwhere(python[:, :width].view(np.uint64) != compiled[:, :width].view(np.uint64))
        assert not len(different), [(i, clf_mod.feature_names(False)[j], python[i, j], compiled[i, j])
                                    for i, j in different[:5]]
    assert not features(read)[:, width:].any()


_BLANK_VALUES = st.sampled_from([True, False, 0, 1, None, "", "x", 2.5])


@_PROPERTY
@given(st.lists(st.tuples(_PIECED_TEXT, _BLANK_VALUES, _BLANK_VALUES), min_size=1, max_size=30),
       st.none() | _PIECED_TEXT, st.integers(0, 5))
def test_a_text_documents_features_in_c(rows: list[tuple[str, Any, Any]], title: str | None, spare: int) -> None:
    texts = [t.strip() for t, _, _ in rows]
    assert_same_features(texts, title, [(b, a) for _, b, a in rows], spare)


def test_the_development_documents_features_in_c() -> None:
    shared_path("data", "news", "docs.jsonl")
    sys.path.insert(0, str(ROOT / "bench"))
    from scorers import documents

    docs, _ = documents(300)
    for k, d in enumerate(docs[:60]):
        texts = _stripped(d["text"])
        if texts:
            assert_same_features(texts, d["title"] if k % 2 else None, [(i % 3 == 0, i % 5 == 0) for i in
                                                                        range(len(texts))], 21)


def test_text_only_and_widened_check_their_arguments() -> None:
    core = clf_mod._COMPILED
    base, rows = np.zeros((2, 28)), np.zeros((2, 25))
    cells = np.frombuffer(core.text_only(base, rows, (0,), (1,), (-1, 1), (1,))).reshape(2, 28 + 25 + 2 + 1)
    assert cells[:, 53:].tolist() == [[-1.0, 0.0, 0.0], [0.0, -1.0, 0.0]]
    with pytest.raises(ValueError):
        core.text_only(base, rows, (28,), (1,), (-1,), (1,))
    with pytest.raises(ValueError):
        core.text_only(base, rows, (0,), (1,), (-1,), (-1,))
    with pytest.raises(ValueError):
        core.text_only(base[:, ::2], rows, (0,), (1,), (-1,), (1,))
    with pytest.raises(ValueError):
        core.text_only(base, rows[:1], (0,), (1,), (-1,), (1,))
    matrix = np.arange(6, dtype=np.float64).reshape(2, 3)
    wide = np.frombuffer(core.widened(matrix, (1, "", None, None, 0, "x", None, None), 1, 2)).reshape(2, 5)
    assert wide.tolist() == [[0.0, 1.0, 0.0, 0.0, 0.0], [3.0, 0.0, 1.0, 0.0, 0.0]]
    assert matrix.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    with pytest.raises(ValueError):
        core.widened(matrix, (1, 1, None, None), 1, 0)  # (two rows, one block)
    with pytest.raises(ValueError):
        core.widened(matrix, (1, 1, None, None) * 2, 2, 0)  # (no room for the two columns)
    with pytest.raises(ValueError):
        core.widened(matrix[:, ::2], (1, 1, None, None) * 2, 0, 0)

    class Unsure:
        def __bool__(self) -> bool:
            raise RuntimeError("no answer")

    with pytest.raises(RuntimeError):
        core.widened(matrix, (1, Unsure(), None, None) * 2, 0, 0)
