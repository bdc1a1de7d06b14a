"""What counts as a word and as running prose: one definition for every module that asks.

Cleaning (where does the body begin?), metadata (the headline is before it), templates (is a repeated block
inside the article?) and the verdict (is what is left an article?) all ask these questions; they must agree.
The block classifier's `prose` feature asks the same question with its own word counts (runs of word characters,
computed for all blocks at once); the models were trained on it as it is, so it stays apart.
"""

from __future__ import annotations

import re
from functools import lru_cache

try:  # the word counts in C (tools/build_native.py builds it at install)
    from cleaner import _text_core as _COMPILED
except ImportError:  # not built (no C compiler at install, or CLEANER_NO_NATIVE): the Python code runs, slower
    _COMPILED = None
_core = _COMPILED  # what word_count and split_count call (tests set it to None to run the Python code)

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
#: closing quotes and brackets that may follow a sentence's last mark
CLOSERS = "\"'”’»)]"
#: the marks that end a sentence (Latin and CJK)
SENTENCE_ENDS = ".!?。！？…"

#: a paragraph of at least this many words that ends a sentence is prose...
PROSE_MIN_WORDS = 12
#: ...and one this long is prose however it ends (a quotation cut off, a list run into one line)
PROSE_ANY_END_WORDS = 25
#: a block of at least this many words is a paragraph, whatever its HTML tag (many sites write articles in
#: <div>s) or its layout in text
PARAGRAPH_WORDS = 15
#: the first paragraph of a body: a full sentence of at least this many words
BODY_START_WORDS = 15


def word_count(text: str) -> int:
    """Whitespace-separated words; in scripts written without spaces (Chinese, Japanese) two characters count
    as one word."""
    if _core is not None:  # counted in C, no word made
        return _core.word_count(text)
    return _word_count(text)


@lru_cache(maxsize=1 << 12)
def _word_count(text: str) -> int:
    """word_count's Python code. (Cached: cleaning, metadata and the verdict ask about the same lines again and
    again, and counting allocates every word.)"""
    n = len(text.split())
    if n * 4 < len(text) and not text.isascii():  # few spaces for the length: maybe CJK (never in ASCII)
        # A CJK character takes three bytes in UTF-8, so the bytes beyond one a character bound their number:
        # the scan is skipped where they cannot make up the share asked for (a Latin text with a few quotes).
        extra = len(text.encode("utf-8", "surrogatepass")) - len(text)
        if extra * 5 > 3 * len(text):
            cjk = len(_CJK.findall(text))
            if cjk * 10 > 3 * len(text):
                n = max(n, cjk // 2)
    return n


def split_count(text: str) -> int:
    """len(text.split()), counted in C where built (without making the words)."""
    return _core.split_count(text) if _core is not None else len(text.split())


def ends_sentence(text: str) -> bool:
    """Ends with sentence punctuation (Latin or CJK), closing quotes and brackets allowed after it."""
    last = text.rstrip().rstrip(CLOSERS)[-1:]  # (the closers are no sentence marks: what they follow)
    return last != "" and last in SENTENCE_ENDS


def ends_full_stop(text: str) -> bool:
    """Ends with one full stop (not '?', '!' or an ellipsis), closing quotes allowed ('... in "The Persians."'): a
    statement, which a headline rarely is."""
    body = text.rstrip().rstrip(CLOSERS)
    return body.endswith(".") and not body.endswith("..")


def is_prose(text: str, words: int | None = None) -> bool:
    """Running prose rather than a headline, menu item, caption or teaser (`words`: word_count, if known)."""
    n = word_count(text) if words is None else words
    return (n >= PROSE_MIN_WORDS and ends_sentence(text)) or n >= PROSE_ANY_END_WORDS


def opens_body(text: str) -> bool:
    """A paragraph that can begin an article body: a full sentence of BODY_START_WORDS words or more."""
    return word_count(text) >= BODY_START_WORDS and ends_sentence(text)
