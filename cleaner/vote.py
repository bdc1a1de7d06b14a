"""trafilatura's second opinion: which of the page's lines its fast extraction keeps.

The block model weighs this vote with the rest of the DOM evidence (an ensemble, not a filter: out-of-fold
HTML F1 0.969 → 0.972 on the development pages). The vote is the most expensive step of HTML cleaning, so it
runs trafilatura's own extraction sequence on the tree cleaner already parsed, without the public entry
point's work cleaner does not use (a copy of the whole tree, metadata, output formatting), and after removing
the elements every stage of that sequence discards anyway (scripts, styles, SVG, the head): the kept lines are
the same as `trafilatura.extract(root, fast=True, include_comments=False)` gives (pinned by tests/test_vote.py).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import cache

import lxml.html
from lxml import etree

#: list bullets trafilatura writes before a list item's text
BULLETS = "•*- "
#: a line shorter than this counts as in the main content only when it is a whole line there
_MAIN_SUBSTRING_MIN = 20
#: above this many characters searched (candidate lines × the kept text), the three-word runs of the kept
#: text are indexed first, so a page of 20,000 menu lines does not scan the whole article once per line
_DIRECT_SEARCH_BUDGET = 20_000_000
#: elements both trafilatura's cleaning and its page-text measure (html2txt) delete with their content; JSON-LD
#: scripts stay, trafilatura reads them to tell a forum thread from an article
_NEVER_TEXT = ("style", "svg", "fencedframe")


class MainText:
    """The lines trafilatura kept (whitespace-normalised, bullets off), as a set and joined by newlines; their
    three-word runs are indexed only for pages where searching the joined text line by line would cost too
    much."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = set(lines)
        self.joined = "\n".join(lines)
        self.runs: set[str] | None = None

    def index_runs(self) -> None:
        runs: set[str] = set()
        for line in self.joined.split("\n"):
            words = line.split(" ")
            runs.update(map(" ".join, zip(words, words[1:], words[2:], strict=False)))
        self.runs = runs


def _sequence() -> Callable[[lxml.html.HtmlElement], str] | None:
    """trafilatura's extraction sequence (fast mode, no comments) as a function of a tree it may prune, or None
    where this trafilatura's internals are not the ones this was written against (the caller then uses the
    public `extract`, which gives the same lines at the cost of a tree copy)."""
    try:
        from trafilatura.core import trafilatura_sequence
        from trafilatura.settings import Extractor
        from trafilatura.xml import xmltotxt
    except ImportError:
        return None
    if list(inspect.signature(trafilatura_sequence).parameters) != ["tree", "options", "url"]:
        return None
    options = Extractor(fast=True, comments=False, dedup=False, output_format="txt")

    def run(root: lxml.html.HtmlElement) -> str:
        """What the public entry point returns for this tree, as text: nothing below its minimum output size,
        and nothing where it gives up (it turns a TypeError or ValueError of the sequence into None)."""
        try:
            body, text, _, _ = trafilatura_sequence(root, options, None)
        except (TypeError, ValueError):
            return ""
        return xmltotxt(body, False) if len(text) >= options.min_output_size else ""
    return run


def _public_extract(root: lxml.html.HtmlElement) -> str:
    import trafilatura

    return trafilatura.extract(root, fast=True, include_comments=False, deduplicate=False) or ""


@cache
def _extractor() -> Callable[[lxml.html.HtmlElement], str]:
    return _sequence() or _public_extract


def _drop_never_text(root: lxml.html.HtmlElement) -> None:
    """Scripts (but JSON-LD), styles, SVG, and the <head> but its JSON-LD (trafilatura's cleaning deletes the
    head, its page-text measure reads only the body): less tree for every stage to copy and search."""
    for script in list(root.iter("script")):
        if script.get("type") != "application/ld+json":
            script.drop_tree()  # keeps its tail text
    etree.strip_elements(root, *_NEVER_TEXT, with_tail=False)
    head = root.find("head")
    if head is not None:
        for element in list(head):
            if element.tag != "script":
                head.remove(element)


def kept_text(root: lxml.html.HtmlElement) -> str | None:
    """The text trafilatura keeps from this parsed page, one line per line; None when it fails. It prunes the
    tree: call it last."""
    try:
        _drop_never_text(root)
        return _extractor()(root)
    except Exception:  # noqa: BLE001 - a page the second extractor cannot read just gets no vote
        return None


def votes(texts: list[str], main: MainText) -> list[float]:
    """Per line: 1.0 when trafilatura kept it (whole, or inside one of its lines), else 0.0. A line inside one
    of its lines must also have its words 2-4 there as whole words (the first may be the end of a word
    trafilatura joined to the text before it)."""
    stripped = [t.lstrip(BULLETS) for t in texts]
    searched = sum(len(t) >= _MAIN_SUBSTRING_MIN for t in stripped if t not in main.lines)
    if main.runs is None and searched * len(main.joined) > _DIRECT_SEARCH_BUDGET:
        main.index_runs()
    return [_vote(t, main) for t in stripped]


def _vote(text: str, main: MainText) -> float:
    if text in main.lines:
        return 1.0
    if len(text) < _MAIN_SUBSTRING_MIN:
        return 0.0
    words = text.split(" ", 4)[1:4]
    whole_words = len(words) == 3 and words[2]
    if main.runs is not None:
        if whole_words and " ".join(words) not in main.runs:
            return 0.0
        return float(text in main.joined)
    if text not in main.joined:
        return 0.0
    if whole_words and not _has_run(main.joined, " ".join(words)):
        return 0.0
    return 1.0


def _has_run(joined: str, run: str) -> bool:
    """Whether `run` stands in `joined` as whole words: after a line start or a space, before a space or a line
    end (what membership in MainText.runs means)."""
    start = joined.find(run)
    while start >= 0:
        end = start + len(run)
        if (start == 0 or joined[start - 1] in " \n") and (end == len(joined) or joined[end] in " \n"):
            return True
        start = joined.find(run, start + 1)
    return False
