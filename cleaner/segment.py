"""Split a document into blocks that keep the article's structure: paragraphs, headings, list items, short lines.

Text mode: one block per non-blank line; the blank lines around it, its indentation and its bullet are kept as
features, because a line classifier and the section rules need them. HTML mode: `cleaner.html.html_to_blocks`
(trafilatura plus the DOM) gives the blocks and the page's metadata.
"""

from __future__ import annotations

import re
import unicodedata

from .document import Block, Document

BULLET = re.compile(r"^(?:[•·●▪◦‣∙*\-–—]|\d{1,3}[.)])\s+")
_SENTENCE_END = re.compile(r"[.!?…:;\"'”’)]$")
# Invisible characters that only make two equal lines look different.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


def normalize_line(line: str) -> str:
    """Fold whitespace and drop zero-width characters; NFC so equal text compares equal."""
    line = unicodedata.normalize("NFC", line.translate(_INVISIBLE))
    return " ".join(line.split())


def guess_kind(text: str, blank_before: bool, blank_after: bool) -> str:
    """A cheap guess of the block's role from its shape; the classifier and rules refine it."""
    if BULLET.match(text):
        return "list_item"
    words = len(text.split())
    if words <= 12 and not _SENTENCE_END.search(text) and blank_before and blank_after:
        return "heading"
    return "paragraph" if words >= 15 else "line"


def segment_text(text: str) -> list[Block]:
    """One block per non-blank line, in order, with blank_before/blank_after/indent features."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    items: list[tuple[str, int, int]] = []  # (clean text, indent, line number)
    for number, raw in enumerate(lines):
        clean = normalize_line(raw)
        if clean:
            items.append((clean, len(raw) - len(raw.lstrip(" \t\u00a0")), number))
    blocks: list[Block] = []
    for i, (clean, indent, number) in enumerate(items):
        blank_before = i == 0 or items[i - 1][2] < number - 1
        blank_after = i == len(items) - 1 or items[i + 1][2] > number + 1
        blocks.append(
            Block(
                text=clean,
                kind=guess_kind(clean, blank_before, blank_after),  # type: ignore[arg-type]
                features={"blank_before": blank_before, "blank_after": blank_after, "indent": indent},
            )
        )
    return blocks


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
