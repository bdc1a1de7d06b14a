#!/usr/bin/env python3
"""Build a syndication benchmark for near-duplicate detection from real news texts (deterministic).

Why: there is no labelled set of syndicated copies, so we make one from ../shared/data/news/docs.jsonl. Each
sampled original gets 1-3 copies on other sites with the edits syndication really makes; every record carries
`truth` (its story group) so precision, recall and purity can be measured.

Copies (kind "copy"): another site's residual header and footer lines (menus, "Advertisement", "This story
first appeared on ..."), a changed headline (sometimes printed as the first line), trimmed or added
paragraphs, a few reworded sentences, curly quotes and long dashes, reflowed paragraphs, a later date. Hard
negatives, each its own group:
  * "neighbour": the corpus document closest in vocabulary to an original (same category/event);
  * "overlap": a different article that shares its opening lines with an original (a quoted wire lead), about
    a quarter of its text;
  * "seed": the four seed articles 000, 001, 002, 004 (four write-ups of one Russia/Ukraine story);
  * every other corpus document stays as a singleton ("single"); copies on one site share its boilerplate.
Natural duplicates already in the corpus (BBC stories re-filed under a new headline with the same body, exact
5-gram Jaccard >= 0.9) share one `truth` group; pairs of corpus stories with 0.5 <= Jaccard < 0.9 (an updated
story, partly rewritten) are ambiguous: each lists the other in `related`, and the benchmark leaves such pairs
out of precision and recall.

Usage: python tools/make_syndication.py [--out /tmp/syndication.jsonl] [--originals 600] [--seed 13] The
output is written outside the repository (default /tmp); texts are never committed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
DOCS = SHARED / "data" / "news" / "docs.jsonl"
SEEDS = SHARED / "seeds"
HARD_SEEDS = ("000", "001", "002", "004")

SITES = [
    ("dailyherald.example", "Daily Herald"),
    ("newswire24.example", "NewsWire 24"),
    ("metropost.example", "The Metro Post"),
    ("globalreport.example", "Global Report"),
    ("valleytimes.example", "Valley Times"),
    ("thecourier.example", "The Courier"),
    ("northstar.example", "North Star News"),
    ("eveningledger.example", "Evening Ledger"),
    ("citybeat.example", "CityBeat"),
    ("worlddesk.example", "World Desk"),
    ("coastalnews.example", "Coastal News"),
    ("headlinehub.example", "Headline Hub"),
]
HEADERS = [
    "{name} | Home > News > World",
    "Advertisement",
    "Sign up for our free newsletter",
    "Skip to main content",
    "Trending: Elections, Weather, Sport",
    "Breaking news from {name}",
]
FOOTERS = [
    "This story first appeared on {origin}.",
    "This article originally appeared on {origin} and is republished here.",
    "Copyright {year} {name}. All rights reserved.",
    "Share this: Facebook, Twitter, Email",
    "Read more: top stories from {name}",
    "Reporting by staff; editing by the {name} news desk.",
]
ADDED = [
    "Editor's note: this story has been updated with additional reporting.",
    "Related: {other}",
    "For more coverage, follow {name} on social media.",
]
SYNONYMS = {
    "said": "stated",
    "says": "states",
    "told": "informed",
    "however": "but",
    "also": "additionally",
    "about": "around",
    "because": "as",
    "people": "individuals",
    "big": "large",
    "shows": "reveals",
    "help": "assist",
    "start": "begin",
    "started": "began",
    "buy": "purchase",
    "after": "following",
    "government": "administration",
    "percent": "per cent",
    "per cent": "percent",
    "expected": "anticipated",
    "company": "firm",
    "new": "fresh",
    "more than": "over",
    "including": "among them",
}
_SYN_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, SYNONYMS), key=len, reverse=True)) + r")\b")


def _date_for(doc: dict, rng: random.Random) -> datetime:
    year = int(doc.get("year") or 2005) - (1 if doc.get("source") == "wmt" else 0)
    return datetime(year, 1, 1, 6) + timedelta(days=rng.randrange(360), minutes=rng.randrange(16 * 60))


def _origin_source(doc: dict) -> str:
    return "bbc.co.uk" if doc["source"] == "bbc" else str(doc.get("outlet") or "wmt")


def _reword(line: str, rng: random.Random) -> tuple[str, int]:
    """Swap up to two words of one sentence for synonyms, as a sub-editor would."""
    hits = list(_SYN_RE.finditer(line))
    if not hits:
        return line, 0
    chosen = sorted(
        rng.sample(hits, min(len(hits), rng.choice((1, 2)))), key=lambda m: m.start(), reverse=True
    )
    for m in chosen:
        line = line[: m.start()] + SYNONYMS[m.group(1)] + line[m.end() :]
    return line, len(chosen)


def _typography(text: str) -> str:
    text = re.sub(r'(^|[\s(])"', "\\1\u201c", text)
    text = text.replace('"', "\u201d").replace("'", "\u2019")
    return text.replace(" - ", " \u2014 ").replace("...", "\u2026")


def make_copy(
    doc: dict, site: tuple[str, str], rng: random.Random, date: datetime, other_title: str
) -> tuple[dict, list[str]]:
    domain, name = site
    lines = [ln for ln in doc["text"].split("\n") if ln.strip()]
    edits: list[str] = []
    fmt = {"name": name, "origin": _origin_source(doc), "year": date.year, "other": other_title}
    if len(lines) >= 6 and rng.random() < 0.4:
        cut = rng.randint(1, max(1, len(lines) // 10))
        lines = lines[:-cut]
        edits.append(f"trim_end:{cut}")
    if len(lines) >= 8 and rng.random() < 0.15:
        drop = rng.randrange(1, len(lines) - 1)
        del lines[drop]
        edits.append("drop_paragraph")
    n_reworded = 0
    for i in rng.sample(range(len(lines)), min(len(lines), rng.choice((0, 1, 2, 3)))):
        lines[i], k = _reword(lines[i], rng)
        n_reworded += k > 0
    if n_reworded:
        edits.append(f"reworded:{n_reworded}")
    if rng.random() < 0.3:
        lines.append(rng.choice(ADDED).format(**fmt))
        edits.append("added_paragraph")
    if len(lines) >= 4 and rng.random() < 0.3:
        i = rng.randrange(len(lines) - 1)
        lines[i : i + 2] = [lines[i] + " " + lines[i + 1]]
        edits.append("reflow")
    title = doc.get("headline") or ""
    style = rng.random()
    if style < 0.3:
        title = f"{title} | {name}"
    elif style < 0.5:
        title = "UPDATE: " + title
    elif style < 0.6:
        title = title.upper()
    edits.append("headline")
    if rng.random() < 0.3 and title:
        lines.insert(0, title)
        edits.append("headline_in_text")
    head = [h.format(**fmt) for h in rng.sample(HEADERS, rng.choice((0, 1, 2)))]
    foot = [f.format(**fmt) for f in rng.sample(FOOTERS, rng.choice((1, 1, 2)))]
    if head or foot:
        edits.append(f"boilerplate:{len(head)}+{len(foot)}")
    text = "\n".join(head + lines + foot)
    if rng.random() < 0.5:
        text = _typography(text)
        edits.append("typography")
    rec = {
        "source": domain,
        "url": f"https://{domain}/story/{rng.randrange(10**8)}",
        "title": title,
        "date": date.isoformat(timespec="minutes"),
        "text": text,
    }
    return rec, edits


def _vocab_neighbours(docs: list[dict]) -> np.ndarray:
    """Index of the most similar other document by vocabulary (unigram MinHash): same-topic hard negatives."""
    from cleaner.dedup.minhash import MinHasher, estimated_jaccard

    sigs = MinHasher(num_perm=64, seed=7, shingle=1).signatures([d["text"] for d in docs])
    best = np.zeros(len(docs), dtype=np.int64)
    for lo in range(0, len(docs), 256):
        sims = np.concatenate(
            [
                estimated_jaccard(sigs[lo : lo + 256, None, :], sigs[None, j : j + 512, :])
                for j in range(0, len(docs), 512)
            ],
            axis=1,
        )
        sims[np.arange(sims.shape[0]), np.arange(lo, lo + sims.shape[0])] = -1.0
        best[lo : lo + 256] = sims.argmax(axis=1)
    return best


def _natural_pairs(docs: list[dict]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Corpus stories that are already near-duplicates: exact 5-gram Jaccard of LSH candidates (bands
    tuned for Jaccard >= 0.3).  Returns the truth group of every duplicate and the ambiguous `related` pairs.
    """
    from cleaner.dedup.cluster import UnionFind, band_keys, pairs_sharing_keys
    from cleaner.dedup.minhash import MinHasher, shingles

    sigs = MinHasher(num_perm=128, seed=11, shingle=5).signatures([d["text"] for d in docs])
    uf = UnionFind()
    related: dict[str, list[str]] = {}
    for i, j in pairs_sharing_keys(band_keys(sigs, 25, 5)).tolist():
        a, b = set(shingles(docs[i]["text"], 5)), set(shingles(docs[j]["text"], 5))
        jac = len(a & b) / max(1, len(a | b))
        if jac >= 0.9:
            uf.union(i, j)
        elif jac >= 0.5:
            related.setdefault(docs[i]["id"], []).append(docs[j]["id"])
            related.setdefault(docs[j]["id"], []).append(docs[i]["id"])
    groups = {docs[x]["id"]: docs[uf.find(x)]["id"] for x in list(uf.parent)}
    return groups, related


def seed_records(seeds_dir: Path) -> list[dict]:
    """The body lines of the hard seeds: four different articles on one story (must never cluster)."""
    out = []
    for prefix in HARD_SEEDS:
        (gold,) = sorted(seeds_dir.glob(f"{prefix}_*.gold.tsv"))
        body, title = [], None
        for row in gold.read_text(encoding="utf-8").splitlines():
            label, _, text = row.partition("\t")
            if label == "body":
                body.append(text)
            elif label == "title":
                title = text
        out.append(
            {
                "id": f"seed/{gold.name.split('.')[0]}",
                "source": f"seed{prefix}.example",
                "url": None,
                "title": title,
                "date": None,
                "text": "\n".join(body),
                "truth": f"seed/{prefix}",
                "kind": "seed",
                "edits": [],
            }
        )
    return out


def build(docs_path: Path, seeds_dir: Path, n_originals: int, seed: int) -> list[dict]:
    docs = [json.loads(line) for line in docs_path.open(encoding="utf-8")]
    rng = random.Random(seed)
    order = list(range(len(docs)))
    rng.shuffle(order)
    neighbours = _vocab_neighbours(docs)
    natural, related = _natural_pairs(docs)
    originals = set(order[:n_originals])
    # Articles that quote an original's lead; only ones with no near-duplicate of their own in the corpus.
    overlap_for = [
        i for i in order[n_originals:] if docs[i]["id"] not in natural and docs[i]["id"] not in related
    ]
    overlap_for = overlap_for[: n_originals // 5]
    records: list[dict] = []
    hosts = set(overlap_for)  # their text appears only inside the overlap negatives, never on its own
    for i, doc in enumerate(docs):
        if i in hosts:
            continue
        drng = random.Random(f"{seed}:{doc['id']}")
        date = _date_for(doc, drng)
        rec = {
            "id": doc["id"],
            "source": _origin_source(doc),
            "url": None,
            "title": doc.get("headline"),
            "date": date.isoformat(timespec="minutes"),
            "text": doc["text"],
            "truth": natural.get(doc["id"], doc["id"]),
            "kind": "original" if i in originals else "single",
            "edits": [],
        }
        if doc["id"] in related:
            rec["related"] = related[doc["id"]]
        if i in originals:  # its closest document by vocabulary: a same-topic pair that must stay apart
            rec["neighbour"] = docs[int(neighbours[i])]["id"]
        records.append(rec)
        if i not in originals:
            continue
        n_copies = drng.choices((1, 2, 3), weights=(5, 3, 2))[0]
        for c, site in enumerate(drng.sample(SITES, n_copies)):
            cdate = date + timedelta(hours=drng.randint(1, 72))
            other = docs[drng.randrange(len(docs))].get("headline") or ""
            copy, edits = make_copy(doc, site, random.Random(f"{seed}:{doc['id']}:{c}"), cdate, other)
            records.append(
                {"id": f"{doc['id']}#copy{c}", **copy, "truth": rec["truth"], "kind": "copy", "edits": edits}
            )
    # Overlap negatives: a different article whose first lines are an original's lead (shared wire quote).
    orig_list = sorted(originals)
    for k, j in enumerate(overlap_for):
        src = docs[orig_list[k % len(orig_list)]]
        host = docs[j]
        lead = [ln for ln in src["text"].split("\n") if ln.strip()]
        body = [ln for ln in host["text"].split("\n") if ln.strip()]
        n_lead = max(1, len(body) // 4) if len(lead) > 4 else 1
        text = "\n".join(lead[:n_lead] + body[n_lead:])
        records.append(
            {
                "id": f"{host['id']}#overlap",
                "source": "overlap.example",
                "url": None,
                "title": host.get("headline"),
                "date": None,
                "text": text,
                "truth": f"{host['id']}#overlap",
                "kind": "overlap",
                "edits": [f"lead_of:{src['id']}"],
            }
        )
    records.extend(seed_records(seeds_dir))
    random.Random(seed + 1).shuffle(records)  # copies must not sit next to their originals
    return records


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=Path, default=DOCS)
    ap.add_argument("--seeds", type=Path, default=SEEDS)
    ap.add_argument("--out", type=Path, default=Path("/tmp/syndication.jsonl"))
    ap.add_argument("--originals", type=int, default=600)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)
    for p in (args.docs, args.seeds):
        if not p.exists():
            print(
                f"make_syndication: {p} not found (../shared data is absent on this machine)", file=sys.stderr
            )
            return 2
    if args.out.resolve().is_relative_to(ROOT):
        print(
            f"make_syndication: refusing to write texts inside the repository ({args.out})", file=sys.stderr
        )
        return 2
    records = build(args.docs, args.seeds, args.originals, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    kinds: dict[str, int] = {}
    for rec in records:
        kinds[rec["kind"]] = kinds.get(rec["kind"], 0) + 1
    print(f"wrote {len(records)} records to {args.out}: {kinds}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
