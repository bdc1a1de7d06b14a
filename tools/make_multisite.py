"""Generate a multi-site batch of cleaner records for trying the sources report by eye.

Each site has a character: how much boilerplate its pages carry, how often its text reads machine-translated
or incoherent, how often a page is an index rather than an article, and whom it copies stories from. Records
validate against schemas/record.schema.json. Seeded, so the same arguments give the same batch.

    python tools/make_multisite.py -o multisite.jsonl [--docs 160] [--seed 7] [--hostile]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass
class Site:
    host: str
    weight: float  # share of the batch's documents
    boilerplate: float  # typical share of characters removed
    mt: float  # chance a page is flagged machine-translated
    incoherent: float
    not_article: float
    lang: dict[str, float] = field(default_factory=lambda: {"en": 1.0})
    copies_from: tuple[str, ...] = ()  # hosts whose stories this site republishes
    copy_rate: float = 0.0  # share of its pages that are copies
    fre: float = 60.0  # typical Flesch reading ease

    @property
    def key(self) -> str:
        """The name other sites' `copies_from` use: the host without its www./news./m./blog. prefix."""
        for prefix in ("www.", "news.", "m.", "blog."):
            if self.host.startswith(prefix):
                return self.host[len(prefix):]
        return self.host


SITES = [
    Site("www.dailyherald.co.uk", 0.16, 0.22, 0.01, 0.02, 0.05, fre=58),
    Site("news.metro-times.com", 0.13, 0.35, 0.02, 0.04, 0.10, fre=64, copies_from=("dailyherald.co.uk",),
         copy_rate=0.15),
    Site("www.worldwire.org", 0.12, 0.12, 0.0, 0.01, 0.02, fre=50),
    Site("aggregator-hub.net", 0.12, 0.55, 0.10, 0.12, 0.25, lang={"en": 0.8, "de": 0.2},
         copies_from=("dailyherald.co.uk", "worldwire.org", "localpost.com.au"), copy_rate=0.6, fre=66),
    Site("www.localpost.com.au", 0.09, 0.18, 0.0, 0.03, 0.04, fre=62),
    Site("translated-daily.info", 0.08, 0.30, 0.55, 0.20, 0.06, lang={"en": 0.9, "fr": 0.1},
         copies_from=("worldwire.org",), copy_rate=0.3, fre=44),
    Site("m.techbeat.io", 0.08, 0.28, 0.02, 0.03, 0.12, fre=55),
    Site("spamnews.biz", 0.06, 0.70, 0.35, 0.45, 0.40, copies_from=("metro-times.com", "techbeat.io"),
         copy_rate=0.5, fre=72),
    Site("www.lemonde-ex.fr", 0.06, 0.20, 0.0, 0.02, 0.03, lang={"fr": 0.95, "en": 0.05}, fre=40),
    Site("sportsdesk.co.nz", 0.05, 0.25, 0.01, 0.02, 0.08, copies_from=("dailyherald.co.uk",), copy_rate=0.2,
         fre=68),
    Site("blog.tinyweekly.org", 0.03, 0.15, 0.0, 0.05, 0.0, fre=61),
    Site("Regional Wire (feed)", 0.02, 0.10, 0.0, 0.0, 0.0, fre=57),
]

RULES = [
    ("nav.menu", "navigation menu: 14 links in 9 words"),
    ("cookie.banner", "cookie consent text ('we use cookies')"),
    ("share.buttons", "social share line: Facebook, Twitter, Email"),
    ("related.links", "related-articles list: 6 headlines, link density 0.92"),
    ("newsletter.signup", "newsletter call to action ('Sign up for our daily briefing')"),
    ("byline.boilerplate", "byline/credit line, not article text"),
    ("ad.label", "advertisement label ('Advertisement')"),
    ("footer.copyright", "copyright footer ('© 2024 ... All rights reserved')"),
]
SAMPLE = {
    "nav.menu": "Home | World | Politics | Business | Tech | Sport | Culture | Opinion",
    "cookie.banner": "We use cookies to improve your experience. By continuing you accept our cookie policy.",
    "share.buttons": "Share on Facebook · Share on Twitter · Email this article",
    "related.links": "Related: Markets slide as rates rise; Five things to know today; Council approves budget",
    "newsletter.signup": "Sign up for our daily briefing and get the top stories in your inbox.",
    "byline.boilerplate": "Reporting by staff writers; editing by the news desk",
    "ad.label": "Advertisement",
    "footer.copyright": "© 2024 Example Media Group. All rights reserved.",
}
MT_REASONS = ["calque phrases 3.4 per 1k words (typical 0.3)", "article-drop rate 0.21 (typical 0.04)",
              "name variants: 3 spellings of one name"]
INC_REASONS = ["adjacent-sentence similarity 0.05 (typical 0.31)", "topic shifts in 5 of 8 paragraphs"]
TOPICS = ["council budget", "rail strike", "storm damage", "chip exports", "election debate", "football final",
          "vaccine trial", "housing prices", "port expansion", "museum reopening"]


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _record(rng: random.Random, site: Site, n: int, date: datetime, topic: str,
            dedup: dict[str, Any] | None) -> dict[str, Any]:
    body = f"The {topic} dominated the day. " * rng.randint(8, 30)
    share = min(max(rng.gauss(site.boilerplate, 0.08), 0.0), 0.95)
    removed: list[dict[str, Any]] = []
    target = int(len(body) * share / max(1 - share, 0.05))
    gone = 0
    block = 0
    while gone < target:
        rule, reason = rng.choice(RULES)
        text = SAMPLE[rule]
        removed.append({"text": text, "rule": rule, "reason": reason, "block": block})
        gone += len(text)
        block += 1
    flags: dict[str, Any] = {}
    if rng.random() < 0.9:  # the scorer does not run on every page
        mt = rng.random() < site.mt
        flags["machine_translated"] = {"flagged": mt, "score": round(rng.uniform(0.6, 0.95) if mt else
                                                                    rng.uniform(0.02, 0.4), 4),
                                       "threshold": 0.5, "reasons": rng.sample(MT_REASONS, 2) if mt else []}
    if rng.random() < 0.8:
        inc = rng.random() < site.incoherent
        flags["incoherent"] = {"flagged": inc, "score": round(rng.uniform(0.55, 0.9) if inc else
                                                             rng.uniform(0.05, 0.45), 4),
                               "threshold": 0.5, "reasons": INC_REASONS if inc else []}
    is_article = rng.random() >= site.not_article
    host = site.host
    url = None if " " in host else f"https://{host}/{date:%Y/%m/%d}/{topic.replace(' ', '-')}-{n}"
    record = {
        "id": f"{site.key.split('.')[0].split(' ')[0].lower()}-{n}",
        "input": f"multisite.jsonl:{n}",
        "format": "html",
        "source": host if url is None else host.removeprefix("www."),
        "url": url,
        "title": f"{topic.capitalize()}: what we know",
        "date": date.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "language": _pick(rng, site.lang),
        "text": body,
        "removed": removed,
        "stats": {"chars_in": len(body) + gone, "chars_out": len(body), "blocks_in": len(removed) + 1,
                  "blocks_out": 1},
        "verdict": {"is_article": is_article,
                    "reasons": [] if is_article else ["index page: 42 links, 80 words of text"]},
        "scores": {"readability": {"flesch_reading_ease": round(rng.gauss(site.fre, 6), 2),
                                   "flesch_kincaid_grade": round(rng.gauss((100 - site.fre) / 6, 1.2), 2)}},
        "flags": flags,
    }
    if dedup is not None:
        record["dedup"] = dedup
    return record


def make_batch(docs: int = 160, seed: int = 7, hostile: bool = False) -> list[dict[str, Any]]:
    """`docs` records over SITES; copies share a dedup cluster with an earlier original on the source site."""
    rng = random.Random(seed)
    start = datetime(2024, 5, 1, 6, 0, 0)
    records: list[dict[str, Any]] = []
    originals: dict[str, list[dict[str, Any]]] = {}
    for n in range(docs):
        site = rng.choices(SITES, weights=[s.weight for s in SITES])[0]
        date = start + timedelta(minutes=37 * n)
        topic = rng.choice(TOPICS)
        sources = [h for h in site.copies_from if originals.get(h)]
        if sources and rng.random() < site.copy_rate:
            origin = rng.choice(originals[rng.choice(sources)])
            dedup = {"cluster": origin["dedup"]["cluster"], "canonical": origin["id"], "is_canonical": False,
                     "similarity": round(rng.uniform(0.82, 0.99), 4)}
            rec = _record(rng, site, n, date, topic, dedup)
        else:
            rec = _record(rng, site, n, date, topic, None)
            rec["dedup"] = {"cluster": f"c{n}", "canonical": rec["id"], "is_canonical": True, "similarity": 1.0}
            originals.setdefault(site.key, []).append(rec)
        records.append(rec)
    if hostile:
        records.append(hostile_record())
    return records


def hostile_record() -> dict[str, Any]:
    """A page whose every text field tries to break out of the report's HTML."""
    evil = "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">"
    return {
        "id": "evil-1\"><b>", "input": "multisite.jsonl:evil", "format": "html", "source": "evil.example",
        "url": "javascript:window.__pwned=3//<svg onload=alert(1)>", "title": f"Breaking {evil}",
        "date": "2024-05-02", "language": "en", "text": "Some text.",
        "removed": [{"text": f"Click {evil} now", "rule": "ad.label</td><td>", "reason": f"reason {evil}",
                     "block": 0}],
        "stats": {"chars_in": 120, "chars_out": 10, "blocks_in": 2, "blocks_out": 1},
        "verdict": {"is_article": False, "reasons": [f"verdict {evil}"]},
        "scores": {},
        "flags": {"incoherent": {"flagged": True, "score": 0.9, "threshold": 0.5, "reasons": [f"why {evil}"]}},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default="-", help="JSONL file to write (default stdout)")
    parser.add_argument("--docs", type=int, default=160)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hostile", action="store_true", help="add a record full of HTML/JS injection attempts")
    args = parser.parse_args(argv)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in make_batch(args.docs, args.seed, args.hostile))
    if args.output == "-":
        sys.stdout.write(lines)
    else:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
