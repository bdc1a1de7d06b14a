"""Text segmentation and word counts compiled (cleaner._text_core): segment_text's blocks and word_count's counts
are the Python code's, bit for bit (the same texts, kinds, features in the same order with the same types), on
hand-made corner cases, on every code point in every role the C code gives one (whitespace, indentation, a bullet,
a digit of a numbered item, a heading's last character, something NFC or the invisible-character rule changes), on
any Unicode text and on every development document."""

from __future__ import annotations

import json
import re
import sys

import pytest
from conftest import python_and_compiled, shared_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner import prose, segment
from cleaner.document import Block

pytestmark = pytest.mark.skipif(segment._COMPILED is None, reason="the compiled core is not built "
                                "(CLEANER_NO_NATIVE, or no C compiler at install)")


def _blocks(blocks: list[Block]) -> list[str]:
    """Everything of a block that can differ: its repr (its class, text, kind and features, in their order, each
    value's repr telling a bool from an int), the text's type besides."""
    return [repr(b) if type(b.text) is str else f"{type(b.text)}: {b!r}" for b in blocks]


def assert_same_blocks(text: str) -> None:
    python, compiled = python_and_compiled(segment, segment.segment_text, text)
    assert _blocks(compiled) == _blocks(python), repr(text[:200])


def assert_same_counts(text: str) -> None:
    python, compiled = python_and_compiled(prose, prose.word_count, text)
    assert compiled == python and type(compiled) is int, repr(text[:200])
    assert segment._COMPILED.split_count(text) == len(text.split()), repr(text[:200])
    python, compiled = python_and_compiled(prose, prose.split_count, text)
    assert compiled == python == len(text.split()), repr(text[:200])


def assert_same(text: str) -> None:
    assert_same_blocks(text)
    assert_same_counts(text)


# --- corner cases -------------------------------------------------------------------------------------------

CORNERS = [
    "",
    "\n",
    "\n\n\n",
    " ",
    "x",
    "\r",
    "\r\n",
    "a\r\nb\rc\nd",
    "a\r\r\nb",
    "a\n\rb",
    "a\r\n\r\nb",
    "line one\n  \n\t\nline two",
    "  indented with spaces\n\tand a tab\n\u00a0\u00a0and NBSP\n \t\u00a0 mixed\n\u2003em space (no indent)",
    "trailing space \nleading\n double  space\nend",
    "tabs\tand\u00a0NBSP\u2009thin\u3000ideographic  double  spaces",
    "\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029 separators inside a line",
    "zero\u200bwidth\u200c joiners\u200d word\u2060joiner \ufeffBOM soft\u00adhyphen",
    "\u200b\n\u00ad\n\ufeff",
    "Cafe\u0301 and cafe\u0301\u0323 and \u212b and \u1100\u1161 and \u0b47\u0b3e",
    "\u0301 a combining mark at the start",
    "lone \ud800 surrogate \udfff here\n\ud83d\ude00 a pair of them",
    "emoji 🙂 and 👍🏽 and 🇫🇷 flags; astral 𝐀𝐁𝐂 letters 𝟏. 𝟐𝟑) numbered",
    "• bullet\n· middle dot\n● black circle\n▪ small square\n◦ white bullet\n‣ triangle\n∙ operator\n* star\n- dash\n"
    "– en dash\n— em dash",
    "•no space\n-\n1.\n1. one\n12) twelve\n123. three digits\n1234. four digits\n٣. Arabic-Indic\n1.x\n1.  two",
    "Heading\n\nA paragraph that goes on for long enough to count as a paragraph of the article, more than "
    "fifteen words.\n\nShort line.\n\nAnother heading:\n\n“Quoted heading”\n\nEnds with a paren)",
    "no blank lines\nanywhere in\nthis text",
    "one\n\ntwo\nthree\n\n\nfour",
    "  \n  \nonly the last line has words",
    "中文文本没有空格，逗号和句号都是全角的。这是第二句话！",
    "中" * 30 + "." * 70,
    "中" * 31 + "." * 69,
    "日本" * 3 + " a b c d",
    "한국어 문장도 있습니다. 두 번째 문장입니다.",
    "NUL\x00inside\x00a line",
    "x" * 5000,
    "word " * 3000,
    "\n".join(["line"] * 2000),
]


def test_corner_cases() -> None:
    for text in CORNERS:
        assert_same(text)
    assert_same("\n\n".join(CORNERS))
    assert_same("\n".join(CORNERS))


def test_a_huge_text() -> None:
    """Millions of characters, thousands of lines, some far longer than any buffer's first size."""
    long_line = "word, another WORD. " * 60_000
    text = "\n".join([long_line, "  " + long_line.replace(" ", "  "), "short", "\u00a0" + long_line + "\u200b", ""] * 3)
    assert_same(text)
    assert_same(long_line)


def test_str_subclasses_are_read_as_their_text() -> None:
    class Text(str):
        pass

    for text in ("one line", "a\r\nb\n\n c ", "café\u0301"):
        assert_same(Text(text))
        assert all(type(b.text) is str for b in segment.segment_text(Text(text)))


def test_wrong_arguments_raise() -> None:
    core = segment._COMPILED
    for bad in (b"bytes", None, 5, ["a"]):
        with pytest.raises(TypeError):
            core.segment_text(bad, Block, segment._visible_nfc, 15)
        with pytest.raises(TypeError):
            core.word_count(bad)
        with pytest.raises(TypeError):
            core.split_count(bad)
    with pytest.raises(TypeError):
        core.segment_text("text", Block, segment._visible_nfc)
    with pytest.raises(TypeError):
        core.segment_text("text", Block, segment._visible_nfc, "15")
    with pytest.raises(TypeError):  # what _visible_nfc returns must be a str
        core.segment_text("caf\u00e9\u200b", Block, lambda text: 5, 15)
    with pytest.raises(ValueError):  # and have the text's lines
        core.segment_text("caf\u00e9\u200b", Block, lambda text: text + "\n", 15)
    with pytest.raises(ValueError):
        core.segment_text("caf\u00e9\u200b\nx", Block, lambda text: "x", 15)
    with pytest.raises(ZeroDivisionError):  # its exceptions and Block's pass through
        core.segment_text("caf\u00e9\u200b", Block, lambda text: 1 / 0, 15)
    with pytest.raises(ZeroDivisionError):
        core.segment_text("text", lambda *args: 1 / 0, segment._visible_nfc, 15)


# --- every code point -----------------------------------------------------------------------------------------


def _roles(c: str) -> str:
    """A text that puts c in every role: alone, inside and around words, as indentation, a bullet, the mark or a
    digit of a numbered item, a heading's last character, repeated (with ASCII alone and a bullet besides: a text
    the core reads as it is when c is plain)."""
    return (f"{c}\na{c}b {c}c{c}\n\n{c}. x\n\n1{c}) y\n\n•{c}z\n\nHead{c}\n\n{c}{c}{c}{c}. w\n\n {c}{c}{c}) v\n"
            f"\n{c} {c}\n{c}\t{c}")


def test_every_code_point_of_the_basic_multilingual_plane() -> None:
    """Each code point in every role, then before a combining mark (a text NFC may change: made visible and NFC
    first); its count alone and repeated."""
    for c in map(chr, range(0x10000)):
        assert_same_blocks(_roles(c))
        assert_same_blocks(f"{c}\u0301 a{c}\u0301\n\n {c}\u0327{c}")
        assert_same_counts(f"a{c}b {c}")
        assert_same_counts(c * 4)


def test_every_code_point_beyond_it() -> None:
    """The other planes, 128 code points a text, each in a line of roles (a numbered item's digit; inside, around
    and after words; the last character of a line that may be a heading: no blank line in the text, so every line
    stands apart), and 256 a count."""
    for start in range(0x10000, 0x110000, 128):
        assert_same_blocks("\n".join(f"{c}. a{c}b {c} x{c}{c}" for c in map(chr, range(start, start + 128))))
    for start in range(0x10000, 0x110000, 256):
        assert_same_counts("".join(map(chr, range(start, start + 256))))
        assert_same_counts(" ".join(map(chr, range(start, start + 256))))


def test_every_canonical_composition(composition_pairs: list[tuple[int, int]]) -> None:
    """Two code points NFC composes (the core reads a text as NFC only where every code point is of NFC_QC=Yes and
    combining class 0: its list of the starters that compose with the one before them must be complete)."""
    for a, b in composition_pairs:
        assert_same_blocks(f"{chr(a)}{chr(b)}\nx {chr(a)}{chr(b)} y\n\n{chr(a)} {chr(b)}")


def test_the_character_sets_are_the_python_codes() -> None:
    """What the C code hard-codes, as the Python code and re define it: whitespace (str.split(), re's \\s), the
    invisible characters, the bullets, the sentence ends and the CJK ranges."""
    every = list(map(chr, range(0x110000)))
    spaces = {c for c in every if c.isspace()}
    assert {c for c in every if re.match(r"\s", c)} == spaces == {c for c in every if len(f"a{c}b".split()) == 2}
    assert {c for c in every if re.match(r"\d", c)} == {c for c in every if c.isdecimal()}
    assert segment._INVISIBLE_CHARS == "\u200b\u200c\u200d\u2060\ufeff\u00ad"
    bullets = {c for c in map(chr, range(0x110000)) if segment.BULLET.match(c + " ")}
    assert bullets == set("•·●▪◦‣∙*-–—")
    assert segment._SENTENCE_END == ".!?…:;\"'”’)"
    assert prose._CJK.pattern == r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
    assert segment.PARAGRAPH_WORDS == 15


# --- word counts ------------------------------------------------------------------------------------------------


def test_the_cjk_rule_at_its_edges() -> None:
    for cjk in range(0, 40):
        for filler in (".", "a", "é", "’", " ", "\u3000", "\U0001d400", "\ud800"):
            assert_same_counts("中" * cjk + filler * (100 - cjk))
            assert_same_counts(("漢字" + filler) * cjk)
    for n in range(1, 30):
        assert_same_counts("日本 " * n + "語" * (4 * n))


def test_word_counts_eight_bytes_at_a_time() -> None:
    """The count reads ASCII words and single spaces 8 bytes (or 4 code units) at a time: each Latin-1 code point
    and the other whitespace at every place of the groups, in texts of 1, 2 and 4 bytes a code point."""
    base = "ab cd  e f gh ijk lm n opq rs t"
    for c in [*map(chr, range(0x100)), "\u2000", "\u3000", "\u2019", "\U0001f600"]:
        for at in range(len(base) + 1):
            for text in (base[:at] + c + base[at:], base[:at] + c, c + base[at:], c * at):
                for wide in ("", "\u2019", "\U0001d400"):
                    for whole in (text + wide, wide + text, f"{text} {wide} {text}"):
                        assert segment._COMPILED.split_count(whole) == len(whole.split()), repr(whole)
                assert_same_counts(text)


def test_lines_eight_bytes_at_a_time() -> None:
    """segment_text also reads ASCII words and single spaces a group at a time: a space doubled, leading or
    trailing, other whitespace, a newline and each Latin-1 code point at every place of the groups."""
    base = "ab cd e fgh ij k lmnop qr st u"
    for c in [" ", "  ", "\t", "\n", "\n\n", "\r\n", *map(chr, range(0x100)), "\u2019", "\u200b", "\U0001f600"]:
        for at in range(len(base) + 1):
            line = base[:at] + c + base[at:]
            assert_same_blocks(f"{line}\n{base}\n\n{line}\u2019\n {line} \n{line}  x")
            assert_same_blocks(line)


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(" a\tb\n\x1c\x1f\x00\x7f\x85\xa0’\u3000中"), max_size=70))
def test_word_counts_of_spaces_and_letters(text: str) -> None:
    assert_same_counts(text)
    assert_same_counts(text.replace("’", "").replace("中", "x").replace("\u3000", " "))


# --- any text -------------------------------------------------------------------------------------------------

_ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=80)  # (lone surrogates too)
_PIECES = st.sampled_from([
    "word", "Word", "x.", "end.", "end:", "”", ")", "Cafe\u0301", "e\u0301\u0323", "\u0301", "\u1100\u1161", "\u0b47",
    "\u0b3e", "ﬁ", "\u212b", "Å", "\u200b", "\u00ad", "\ufeff", "\u2060", " ", "  ", "\t", "\u00a0", "\u2000", "\u3000",
    "\x0b", "\x1c", "\x85", "\u2028", "\n", "\r\n", "\r", "\n\n", "\n\n\n", "- ", "• ", "–", "*", "1. ", "12) ",
    "123.", "1234. ", "٣", "𝟏", "\ud800", "\U0001f600", "漢字", "かな", "한국", "中中中中", "é", "ß", "Ω", "Σ",
])
_PIECED_TEXT = st.lists(_PIECES, max_size=40).map("".join)
_PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_PROPERTY
@given(_ANY_TEXT)
def test_any_unicode_text(text: str) -> None:
    assert_same(text)


@_PROPERTY
@given(_PIECED_TEXT)
def test_texts_of_whitespace_newlines_bullets_and_invisible_characters(text: str) -> None:
    assert_same(text)
    for block in segment.segment_text(text):
        assert_same_counts(block.text)


@_PROPERTY
@given(st.lists(st.one_of(_PIECED_TEXT, _ANY_TEXT), min_size=1, max_size=8))
def test_lines_of_either(lines: list[str]) -> None:
    assert_same("\n".join(lines))
    assert_same("\n\n".join(lines))


# --- the development data ---------------------------------------------------------------------------------------


def test_every_development_document() -> None:
    """Every text page of the extraction set and the first 300 news documents: their blocks, and the word count
    of every block and of the whole text."""
    pages = sorted(shared_path("data", "extraction", "text").glob("*.txt"))
    news = shared_path("data", "news", "docs.jsonl").read_text(encoding="utf-8").splitlines()[:300]
    assert len(pages) > 200 and len(news) == 300
    texts = [p.read_text(encoding="utf-8") for p in pages] + [json.loads(line)["text"] for line in news]
    for text in texts:
        assert_same_blocks(text)
        assert_same_counts(text)
        for block in segment.segment_text(text):
            assert_same_counts(block.text)


def test_the_compiled_core_is_what_runs() -> None:
    """segment_text and word_count call the core (a stale or missing build would leave the Python code running)."""
    assert segment._core is segment._COMPILED and prose._core is prose._COMPILED is segment._COMPILED
    assert sys.modules["cleaner._text_core"] is segment._COMPILED
