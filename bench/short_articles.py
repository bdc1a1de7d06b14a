"""Short articles: does cleaning keep every paragraph of a simple news page with two, three or five paragraphs?

The dev pages of bench/extraction.py are mostly long; a model fitted to them can learn to distrust the last
paragraph of a short article (a wire brief). This builds simple pages from the human-written news of
../shared/data/news/docs.jsonl (never copied): HTML with a menu, the headline as <h1>, the first k paragraphs
and a copyright footer; text with a menu line or three, the headline, the paragraphs, a share prompt and a
copyright line; the headline and paragraphs alone; the paragraphs as an extractor writes them (one a line, no
blank line, no headline: the headline finder must not take the lede for one); and the article with a teaser block
in its middle ("Read also:" and the headlines of two other articles: the block must end where the article
resumes). It counts the paragraphs missing from the cleaned text.

    .venv/bin/python bench/short_articles.py            # 400 articles, about a minute
    .venv/bin/python bench/short_articles.py --n 1000

tests/test_short_articles.py pins floors on a smaller sample.
"""

from __future__ import annotations

import argparse
import html as html_lib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NEWS = ROOT.parent / "shared" / "data" / "news" / "docs.jsonl"
MENU = ["Home", "World", "Sport"]
FOOTER = "© 2024 Example News. All rights reserved."


def articles(n: int, path: Path = NEWS) -> list[dict[str, Any]]:
    """The first n news articles with a headline and text: {"headline", "paragraphs"}."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            paragraphs = [p.strip() for p in (row.get("text") or "").split("\n") if p.strip()]
            if row.get("headline") and paragraphs:
                out.append({"headline": row["headline"], "paragraphs": paragraphs})
                if len(out) == n:
                    break
    return out


def html_page(headline: str, paragraphs: list[str]) -> str:
    esc = html_lib.escape
    nav = " ".join(f'<a href="/{m.lower()}">{m}</a>' for m in MENU)
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    return (f"<html><head><title>{esc(headline)} | Example News</title></head><body><nav>{nav}</nav>"
            f"<article><h1>{esc(headline)}</h1>{body}</article><footer>{FOOTER}</footer></body></html>")


#: how a text page is laid out: label → layout
LAYOUTS = {"chrome": "text with chrome", "article": "text, article only", "extracted": "text, extractor's output",
           "teasers": "text, teaser block inside"}


def text_page(headline: str, paragraphs: list[str], layout: str, others: list[str] | None = None) -> str:
    """The text page of one article; `others`: headlines of other articles, for the teaser block."""
    if layout == "extracted":
        return "\n".join(paragraphs)
    if layout == "teasers":
        half = (len(paragraphs) + 1) // 2
        return "\n\n".join([headline, *paragraphs[:half], "Read also:", *(others or [])[:2], *paragraphs[half:]])
    parts = [*MENU, headline, *paragraphs, "Share this article", FOOTER] if layout == "chrome" else [headline, *paragraphs]
    return "\n\n".join(parts)


def cases(mode: str) -> Iterator[tuple[str, str]]:
    """(label, layout) pairs measured in a mode."""
    if mode == "html":
        yield "html", "html"
    else:
        yield from ((label, layout) for layout, label in LAYOUTS.items())


def paragraphs_lost(mode: str, layout: str, docs: list[dict[str, Any]], k: int | None) -> dict[str, int]:
    """Paragraphs (of the first k of each article; all with None) missing from the cleaned text."""
    import cleaner

    pipeline = cleaner.Pipeline.default([], score=False)
    lost = total = pages = 0
    for n, doc in enumerate(docs):
        paragraphs = doc["paragraphs"][:k] if k else doc["paragraphs"]
        others = [docs[(n + step) % len(docs)]["headline"] for step in (7, 13)]
        if mode == "html":
            out = cleaner.clean_html(html_page(doc["headline"], paragraphs), url="https://www.example.com/a",
                                     pipeline=pipeline).text
        else:
            out = cleaner.clean_text(text_page(doc["headline"], paragraphs, layout, others),
                                     pipeline=pipeline).text
        missing = sum(p not in out for p in paragraphs)
        lost += missing
        total += len(paragraphs)
        pages += missing > 0
    return {"lost": lost, "paragraphs": total, "pages_with_a_loss": pages, "pages": len(docs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=400, help="articles (default 400)")
    parser.add_argument("--json", type=Path, help="also write the numbers as JSON")
    args = parser.parse_args()
    if not NEWS.exists():
        sys.exit(f"news data not found at {NEWS}")
    docs = articles(args.n)
    results = []
    print(f"{'pages':30s} {'paragraphs':>10s} {'lost':>6s} {'share':>7s} {'pages with a loss':>18s}")
    for mode in ("html", "text"):
        for label, layout in cases(mode):
            for k in (2, 3, 5, None):
                r = paragraphs_lost(mode, layout, docs, k)
                results.append({"pages": label, "k": k or "all"} | r)
                print(f"{label + ', k=' + str(k or 'all'):30s} {r['paragraphs']:10d} {r['lost']:6d} "
                      f"{r['lost'] / r['paragraphs']:7.2%} {r['pages_with_a_loss']:12d} of {r['pages']}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
