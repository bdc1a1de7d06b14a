"""Split a document into blocks that keep the article's structure: paragraphs, headings, list items, short lines.

Text mode: one block per non-blank line; the blank lines around it, its indentation and its bullet are kept as
features, because a line classifier and the section rules need them. HTML mode: `cleaner.html.html_to_blocks`
(trafilatura plus the DOM) gives the blocks and the page's metadata.
"""

from __future__ import annotations

import re
import unicodedata

from .document import Block, Document
from .prose import PARAGRAPH_WORDS

try:  # segment_text's pass over the characters, compiled (tools/build_native.py builds it at install)
    from cleaner import _text_core as _COMPILED
except ImportError:  # not built (no C compiler at install, or CLEANER_NO_NATIVE): the Python code runs, slower
    _COMPILED = None
_core = _COMPILED  # what segment_text calls (tests set it to None to run the Python code)

BULLET = re.compile(r"^(?:[•·●▪◦‣∙*\-–—]|\d{1,3}[.)])\s+")
#: what a line ends with when it is a sentence or introduces one, not a heading
_SENTENCE_END = ".!?…:;\"'”’)"
# Invisible characters that only make two equal lines look different.
_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
# what a clean line cannot contain: whitespace other than the space (and the newline between lines), and
# the invisible characters
_ODD = "".join(c for c in map(chr, range(0x3001)) if c.isspace() and c not in " \n") + _INVISIBLE_CHARS


def normalize_line(line: str) -> str:
    """Fold whitespace and drop zero-width characters; NFC so equal text compares equal."""
    return " ".join(_visible_nfc(line).split())


def _visible_nfc(text: str) -> str:
    """text without the invisible characters, in NFC. Each step only where it changes something (most texts
    hold none of the six), and by str.replace: str.translate looks every character up in its table (slow)."""
    if not text.isascii():
        for invisible in _INVISIBLE_CHARS:
            if invisible in text:
                text = text.replace(invisible, "")
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
    return text


def guess_kind(text: str, blank_before: bool, blank_after: bool) -> str:
    """A cheap guess of the block's role from its shape; the classifier and rules refine it."""
    return _guess_kind(text, len(text.split()), blank_before, blank_after)


def _guess_kind(text: str, words: int, blank_before: bool, blank_after: bool) -> str:
    if BULLET.match(text):
        return "list_item"
    if words <= 12 and blank_before and blank_after and not (text and text[-1] in _SENTENCE_END):
        return "heading"
    return "paragraph" if words >= PARAGRAPH_WORDS else "line"


def segment_text(text: str) -> list[Block]:
    """One block per non-blank line, in order, with blank_before/blank_after/indent features (a text without any
    blank line is one paragraph a line: every line counts as set apart)."""
    if _core is not None:  # the same blocks, the lines found and normalised in one pass in C
        return _core.segment_text(text, Block, _visible_nfc, PARAGRAPH_WORDS)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    items: list[tuple[str, int, int, int]] = []  # (clean text, words, indent, line number)
    if _is_clean(text, lines):  # every line is already what normalize_line makes of it
        items = [(line, line.count(" ") + 1, 0, number) for number, line in enumerate(lines) if line]
    else:  # normalize_line of each line, the whole text made visible and NFC at once (no character of either
        # step is a newline, and NFC composes nothing across one: the same lines)
        for number, (raw, visible) in enumerate(zip(lines, _visible_nfc(text).split("\n"), strict=True)):
            words = visible.split()
            if words:
                items.append((" ".join(words), len(words), len(raw) - len(raw.lstrip(" \t\u00a0")), number))
    blocks: list[Block] = []
    last = len(items) - 1
    # Extractors (trafilatura, newspaper, a JSONL "text" field) write one paragraph a line and no blank lines:
    # there a newline is the paragraph break, and every line stands apart as if blank lines surrounded it.
    one_a_line = not any(items[i + 1][3] > items[i][3] + 1 for i in range(last))
    for i, (clean, words, indent, number) in enumerate(items):
        blank_before = one_a_line or i == 0 or items[i - 1][3] < number - 1
        blank_after = one_a_line or i == last or items[i + 1][3] > number + 1
        blocks.append(
            Block(
                text=clean,
                kind=_guess_kind(clean, words, blank_before, blank_after),  # type: ignore[arg-type]
                features={"blank_before": blank_before, "blank_after": blank_after, "indent": indent},
            )
        )
    return blocks


def _is_clean(text: str, lines: list[str]) -> bool:
    """True when normalize_line changes no line of `text` (newlines only; `lines`: text split at them): no
    whitespace but single spaces between words, nothing invisible, NFC (then so is every line: a newline
    combines with nothing). (No line starting or ending with a space: looked at line by line, as a search of
    the text for " \n" is slow where spaces are many.)"""
    return (not any(c in text for c in _ODD) and "  " not in text
            and not any(line[:1] == " " or line[-1:] == " " for line in lines)
            and unicodedata.is_normalized("NFC", text))


def segment(doc: Document) -> Document:
    """Fill doc.blocks (and, for HTML, the page's metadata) from doc.raw."""
    if doc.format == "html":
        from .html import html_to_blocks

        blocks, meta = html_to_blocks(doc.raw, doc.url)
        doc.blocks = blocks
        doc.title = doc.title or meta.get("title")
        doc.date = doc.date or meta.get("date")
        doc.url = doc.url or meta.get("url")
        if meta.get("sitename"):
            doc.meta.setdefault("sitename", meta["sitename"])
    else:
        doc.blocks = segment_text(doc.raw)
    return doc
