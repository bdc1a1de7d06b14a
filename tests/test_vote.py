"""cleaner.vote: trafilatura's second opinion, taken without the public entry point's extra work, must be the
opinion the public entry point gives."""

from __future__ import annotations

import gzip
import json

import pytest
import trafilatura
from conftest import shared_path

from cleaner import vote
from cleaner.html import _clean_piece, parse_html
from cleaner.vote import BULLETS, MainText, kept_text, votes

FORUM = """<html><head><script type="application/ld+json">{"@type": "DiscussionForumPosting"}</script>
<style>p {color: red}</style></head><body><nav><a href="/">Home</a> <a href="/forum">Forum</a></nav>
<div class="comments"><div class="comment"><p>First post of the thread: the council's budget vote is on
Tuesday and I think the bus lanes are the most important part of it, for the whole east side.</p></div>
<div class="comment"><p>Second post: I disagree, the schools need the money more than the buses do, and the
council said so last year in its own report on the matter.</p><svg><text>chart</text></svg>
<script>track("reply")</script></div></div><footer>© 2024 Forum</footer></body></html>"""


def _lines(text: str | None) -> list[str]:
    return [x for x in (_clean_piece(x).lstrip(BULLETS) for x in (text or "").split("\n")) if x]


def _public(html: str) -> list[str]:
    return _lines(trafilatura.extract(parse_html(html), fast=True, include_comments=False, deduplicate=False))


def test_this_trafilatura_takes_the_fast_path() -> None:
    """The internal sequence is found: if a trafilatura release renames it, this fails (the public entry point
    then still gives the vote, only slower)."""
    assert vote._sequence() is not None


def test_same_lines_as_the_public_entry_point_on_a_forum_page() -> None:
    """Scripts, styles and SVG go before the vote, JSON-LD stays: trafilatura reads it to keep a forum's posts."""
    kept = _lines(kept_text(parse_html(FORUM)))
    assert kept == _public(FORUM)
    assert any(line.startswith("First post") for line in kept)
    assert not any("track(" in line or "chart" in line for line in kept)


def test_same_lines_as_the_public_entry_point_on_dev_pages() -> None:
    data = shared_path("data", "extraction")
    with open(data / "manifest.jsonl", encoding="utf-8") as fh:
        recs = [json.loads(line) for line in fh if line.strip()]
    for rec in recs[::6]:
        html = gzip.decompress((data / rec["html"]).read_bytes()).decode("utf-8", errors="replace")
        assert _lines(kept_text(parse_html(html))) == _public(html), rec["id"]


def test_public_entry_point_when_the_internals_differ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vote, "_extractor", lambda: vote._public_extract)
    assert _lines(kept_text(parse_html(FORUM))) == _public(FORUM)


def test_a_sequence_that_gives_up_is_an_empty_vote_as_in_the_public_entry_point(monkeypatch) -> None:
    """The public entry point turns a TypeError or ValueError of the sequence into no text (every line then
    votes 0.0); the fast path does the same, not "no vote" (0.5)."""
    import trafilatura.core

    def gives_up(tree, options, url):
        raise ValueError("empty tree")
    monkeypatch.setattr(trafilatura.core, "trafilatura_sequence", gives_up)
    run = vote._sequence()
    assert run is not None and run(parse_html(FORUM)) == ""


@pytest.mark.parametrize("indexed", [False, True])
def test_votes_whole_lines_and_lines_inside_kept_ones(indexed: bool) -> None:
    main = MainText(["The council approved the budget on Tuesday after a long debate.",
                     "Short line", "Schools and roads get most of the new money this year"])
    if indexed:
        main.index_runs()
    texts = [
        "Short line",                                    # a whole kept line
        "• Short line",                                  # with a bullet
        "council approved the budget on Tuesday",       # inside a kept line
        "ouncil approved the budget on Tuesday",        # its first word cut: words 2-4 still there
        "The council approved th",                      # its fourth word cut: words 2-4 not whole there
        "Share this story on Facebook and Twitter",     # not kept
        "Short",                                         # too short to be searched inside kept lines
    ]
    assert votes(texts, main) == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0]


def test_many_lines_to_search_index_the_runs() -> None:
    main = MainText(["word " * 2000])
    votes([f"menu entry number {i} of the site" for i in range(3000)], main)
    assert main.runs is not None
