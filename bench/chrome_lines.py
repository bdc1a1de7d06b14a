"""Chrome inside real articles: what the rules and the model remove, and what they cost the article.

Real news articles (../shared/data/news, BBC, six paragraphs or more) get one piece of page furniture put inside
them, in text mode, and go through `clean_text`:

- headings of a block of other stories ("Related", "MORE:", "In case you missed it", ...), each followed by
  three teasers (another article's headline and its first paragraph), once after the article and once between
  its third and fourth paragraphs with headlines only;
- single chrome lines (advertisement labels, newsletter and paywall promos, share and app prompts, page
  utilities) between the third and fourth paragraphs.

For each heading or line: on how many articles it (and its teasers) stayed, and how many article paragraphs
were lost. A probe of the vocabulary sites use, not of accuracy (bench/extraction.py measures that on real
pages): a heading missing here is a rule pack gap.

    python bench/chrome_lines.py            # ~6 s
    python bench/chrome_lines.py --n 20     # articles per heading or line [10]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NEWS = ROOT.parent / "shared" / "data" / "news" / "docs.jsonl"

HEADINGS = [
    "Related", "Related:", "RELATED STORIES", "Related Posts", "Read also", "READ MORE:", "Read Next", "MORE:",
    "More:", "More News", "MORE FROM BBC", "More Like This", "Latest Posts", "Recent Posts", "Top Stories",
    "Most Popular", "Trending", "Recommended", "You might also like", "Similar articles", "Up Next",
    "In Case You Missed It", "ICYMI", "People also read", "What others are reading", "Editor's Choice",
    "Also on BBC News:", "Popular on Example", "Other stories", "Must read", "Featured", "Just in",
]
LINES = [
    "Advertisement", "ADVERTISEMENT", "Story continues below advertisement", "Continue reading below",
    "Scroll to continue with content", "Sponsored", "Sign up for our newsletter",
    "Subscribe to our daily newsletter for the latest headlines",
    "Get the latest news delivered to your inbox every morning.",
    "Want more stories like this? Sign up for our newsletter.", "Subscribe now", "Click here to subscribe",
    "Enjoy unlimited access to all of our journalism.", "Already a subscriber? Log in", "Support our journalism",
    "Follow us on Twitter", "Join our WhatsApp channel", "Get our free app", "Download our app",
    "Share this article", "Copy link", "Click to share on Facebook (Opens in new window)", "Listen to this article",
    "Watch: the moment the bridge opened", "Image: Getty Images", "Photo: AP", "Loading...", "Skip to main content",
    "Back to top", "Sign in", "Print this page", "Report an error", "Corrections policy", "Contact us",
    "Terms of use", "Privacy policy", "Cookie settings", "We use cookies to improve your experience.",
    "This content is not available in your region", "Media playback is unsupported on your device",
    "Your browser does not support the video tag.", "Updated 3 hours ago", "Read the full story here",
    "This article originally appeared on The Conversation.", "Reporting by John Smith; Editing by Jane Doe",
    "(Reuters) -",
]
NAV = "Home | News | Sport"
FOOTER = "© 2024 Example News. All rights reserved."


def articles(n: int) -> list[dict]:
    if not NEWS.exists():
        sys.exit(f"news data not found: {NEWS}")
    rows = [json.loads(line) for line in NEWS.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if r["source"] == "bbc" and r["n_paragraphs"] >= 6 and r.get("headline")]
    return rows[: 4 * n]


def paragraphs(row: dict) -> list[str]:
    return [p.strip() for p in row["text"].split("\n") if p.strip()]


def probe(n: int) -> dict:
    from cleaner.api import clean_text

    rows = articles(n)
    groups = [rows[k : k + 4] for k in range(0, len(rows) - 3, 4)][:n]

    def run(parts: list[str], article: list[str], inserted: list[str]) -> tuple[int, int]:
        kept = set(clean_text("\n\n".join(parts), score=False).text.split("\n"))
        return sum(t in kept for t in inserted), sum(p not in kept for p in article)

    result: dict = {"articles": len(groups), "headings": {}, "lines": {}}
    for heading in HEADINGS:
        stayed = lost = 0
        for main, *others in groups:
            body = paragraphs(main)
            teasers = [x for o in others for x in (o["headline"], paragraphs(o)[0])]
            after = [NAV, main["headline"], *body, heading, *teasers, FOOTER]
            inside = [NAV, main["headline"], *body[:3], heading, *(o["headline"] for o in others), *body[3:]]
            for parts, inserted in ((after, [heading, *teasers]), (inside, [heading, *(o["headline"] for o in others)])):
                s, lo = run(parts, body, inserted)
                stayed += s > 1  # the block stayed when more than one of its lines did
                lost += lo
        result["headings"][heading] = {"block_stayed": stayed, "runs": 2 * len(groups), "article_lost": lost}
    for line in LINES:
        stayed = lost = 0
        for main, *_ in groups:
            body = paragraphs(main)
            s, lo = run([NAV, main["headline"], *body[:3], line, *body[3:], FOOTER], body, [line])
            stayed += s
            lost += lo
        result["lines"][line] = {"stayed": stayed, "runs": len(groups), "article_lost": lost}
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10, help="articles per heading or line [10]")
    ap.add_argument("--json", help="write the numbers here")
    args = ap.parse_args()
    res = probe(args.n)
    missed = [h for h, r in res["headings"].items() if 2 * r["block_stayed"] > r["runs"]]
    kept = [t for t, r in res["lines"].items() if r["stayed"]]
    print(f"== headings of other stories ({len(HEADINGS)}), after the article and inside it, {res['articles']} articles")
    for heading, r in res["headings"].items():
        print(f"  {heading!r:32s} block stayed {r['block_stayed']:3d}/{r['runs']}   article paragraphs lost {r['article_lost']}")
    print(f"== chrome lines ({len(LINES)}) inside the article")
    for line, r in res["lines"].items():
        print(f"  {line[:58]!r:60s} stayed {r['stayed']:3d}/{r['runs']}   article paragraphs lost {r['article_lost']}")
    lost = sum(r["article_lost"] for part in ("headings", "lines") for r in res[part].values())
    print(f"headings missed (block stayed in most runs): {len(missed)} of {len(HEADINGS)}; chrome lines kept: "
          f"{len(kept)} of {len(LINES)}; "
          f"article paragraphs lost in all runs: {lost}")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
