"""HTML mode: when the cleaner would leave no paragraph of running prose but trafilatura's extraction (its vote
among the DOM features) kept some, the prose trafilatura kept comes back (clean.Cleaner._extractor_fallback).

A stub block model (conftest.StubModel) that doubts every line stands in for a model wrong about a page, so the test is about the
cleaning step; trafilatura and the DOM walk are the real ones.
"""

from __future__ import annotations

from conftest import StubModel

import cleaner
from cleaner.classifier import BlockClassifier

PARAS = [
    "The city council voted on Tuesday to approve the new bridge over the river, ending a debate that lasted "
    "more than two years and divided the residents of both banks.",
    "Construction is expected to begin next spring and to take three years, the mayor said, adding that the "
    "old ferry will keep running until the first lanes open to traffic.",
    "Opponents had argued that the money would be better spent on schools, and several of them promised to "
    "challenge the decision at the regional court before the end of the year.",
]
MENU = ["Home", "News", "Sport", "Weather", "Contact"]


def _page(article_before: str = "") -> str:
    menu = "".join(f'<li><a href="/{m.lower()}">{m}</a></li>' for m in MENU)
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    return (f"<html><head><title>Council approves the river bridge</title></head><body>"
            f"<nav><ul>{menu}</ul></nav>{article_before}<article><h1>Council approves the river bridge</h1>"
            f"{body}</article><footer><p>Copyright 2024 The Daily Example. All rights reserved.</p></footer>"
            f"</body></html>")


def _clean(html: str, p: float, sure: dict[str, float] | None = None) -> cleaner.Document:
    BlockClassifier.override(StubModel(sure or {}, p))
    try:
        return cleaner.clean_html(html, url="https://example.com/a", pipeline=cleaner.Pipeline.default([], score=False))
    finally:
        BlockClassifier.override(None)


def test_a_model_that_removes_every_paragraph_gives_back_the_prose_trafilatura_kept() -> None:
    doc = _clean(_page(), 0.97)
    kept = doc.text.split("\n")
    assert kept == PARAS
    for line in MENU:
        assert line not in kept
    copyright_line = next(r for r in doc.removed if r.text.startswith("Copyright"))
    assert copyright_line.rule == "generic-en/copyright"  # a line rule's removal stays


def test_a_section_that_reaches_over_the_article_gives_it_back() -> None:
    tags = '<div class="sidebar"><h3>Tags</h3><ul>' + "".join(
        f'<li><a href="/tag/{t}">{t}</a></li>' for t in ("bridge", "council", "river")) + "</ul></div>"
    doc = _clean(_page(tags), 0.97)
    assert [line for line in doc.text.split("\n") if line in PARAS] == PARAS


def test_nothing_comes_back_while_the_model_keeps_prose() -> None:
    doc = _clean(_page(), 0.97, {PARAS[0]: 0.1})  # one paragraph kept: the model's other removals stand
    assert doc.text.split("\n") == [PARAS[0]]
    assert {r.rule for r in doc.removed if r.text in PARAS[1:]} == {"model/blocks"}

