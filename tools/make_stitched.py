#!/usr/bin/env python3
"""Build the incoherence evaluation set from ../shared/data/news/docs.jsonl (never written into the repo).

Why synthetic: real incoherent pages are rare and unlabelled; splicing real articles gives labelled
incoherence whose paragraphs are each perfectly fluent, so only cross-paragraph signals can find it.

Per source article A (one record each, all deterministic from `--seed` and the article id):
- `coherent`: A's headline over A's body (label 0);
- `headline_swap` easy / hard / hardest: A's body under the headline of another article B (label 1);
- `stitched` easy / hard / hardest: A's headline and lead, then runs of paragraphs from 1-3 other
  articles (label 1).
Partners, always from the same source (BBC with BBC, WMT with WMT, so that era and style give nothing away):
- easy: another BBC category, or another WMT outlet;
- hard: the same BBC category (WMT has none: any WMT article) and at least one named entity in common;
- hardest: among A's ten most similar articles (TF-IDF cosine) that qualify as hard — mostly other
  stories on the same subject; reported apart, it is harder than the task asks.
Pairs more similar than `NEAR_DUPLICATE` (0.3: above it pairs are mostly the same event told twice, a
follow-up or a re-filed copy) are never used, since splicing them can give a coherent article.

Units: BBC lines are paragraphs, sometimes two or three run together; WMT lines are sentences. Both are
re-segmented alike: split into sentences, then grouped into paragraphs of 1-3 sentences (about 20-70
words, never across an original BBC paragraph boundary), so that paragraph counts mean the same thing.

Splits are by source article (a stable hash of the id: 70% train, 30% test) and partners are always
drawn from the same split, so no text of a test article is ever seen in training.

Usage: make_stitched.py [--data PATH] [--out /tmp/cleaner_stitched.jsonl] [--seed 13]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402

from cleaner.scorers.coherence import tfidf  # noqa: E402
from cleaner.terms import Vocabulary, tokens  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "news" / "docs.jsonl"
DEFAULT_OUT = Path("/tmp/cleaner_stitched.jsonl")
NEAR_DUPLICATE = 0.3
HARD_POOL = 10
TEST_SHARE = 0.3

_ABBREV = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|St|Gen|Col|Lt|Sgt|Rep|Sen|Gov|Jr|Sr|No|Inc|Ltd|Co|Corp|vs|U\.S|U\.K|"
                     r"[A-Z])\.$")
_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[\"'(\[]?[A-Z0-9])")


def split_of(doc_id: str) -> str:
    h = int(hashlib.sha1(doc_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "test" if h < TEST_SHARE else "train"


def sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, keeping abbreviations (Mr., U.S., initials) inside."""
    out: list[str] = []
    start = 0
    for m in _SPLIT.finditer(text):
        piece = text[start : m.start()].rstrip()
        if _ABBREV.search(piece):
            continue
        end = m.start() + len(m.group(0).rstrip())
        out.append(text[start:end].strip())
        start = end
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return [s for s in out if s]


def resegment(lines: list[str], rng: random.Random, sentence_units: bool) -> list[str]:
    """Group sentences into paragraphs of 1-3 sentences and a drawn target of 20-70 words."""
    blocks = [" ".join(lines)] if sentence_units else lines
    paragraphs: list[str] = []
    for block in blocks:
        current: list[str] = []
        words = 0
        target = rng.randint(20, 70)
        for sent in sentences(block) if sentence_units or len(block.split()) > 70 else [block]:
            current.append(sent)
            words += len(sent.split())
            if words >= target or len(current) >= 3:
                paragraphs.append(" ".join(current))
                current, words, target = [], 0, rng.randint(20, 70)
        if current:
            if paragraphs and words < 12 and block is blocks[-1] and sentence_units:
                paragraphs[-1] += " " + " ".join(current)
            else:
                paragraphs.append(" ".join(current))
    return paragraphs


def load(path: Path, seed: int) -> list[dict]:
    docs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        if not d.get("headline"):
            continue
        rng = random.Random(f"{seed}:{d['id']}:segment")
        paragraphs = resegment(d["text"].split("\n"), rng, d["paragraph_unit"] == "sentence")
        if len(paragraphs) < 2:
            continue
        group = f"bbc:{d['category']}" if d["source"] == "bbc" else f"wmt:{d['outlet']}"
        docs.append({"id": d["id"], "source": d["source"], "group": group, "headline": d["headline"],
                     "paragraphs": paragraphs, "split": split_of(d["id"])})
    return docs


def plain_vocabulary(docs: list[dict]) -> Vocabulary:
    """Document frequencies of the split's own articles: only for choosing similar partners."""
    empty = Vocabulary(1, {}, frozenset())
    df: Counter[str] = Counter()
    for d in docs:
        toks = [t for p in d["paragraphs"] for t in tokens(p, empty)]
        d["_stems"] = [t.stem for t in toks]
        d["_entities"] = {t.stem for t in toks if t.entity}
        df.update(set(d["_stems"]))
    return Vocabulary(len(docs), dict(df), frozenset())


def partners(docs: list[dict], vocab: Vocabulary) -> None:
    """For each article: easy candidates (other group, same source) and up to HARD_POOL hard ones."""
    index = {s: i for i, s in enumerate(vocab.df)}
    rows, cols, vals = [], [], []
    for i, d in enumerate(docs):
        for s, v in tfidf(d["_stems"], vocab).items():
            rows.append(i)
            cols.append(index[s])
            vals.append(v)
    matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(len(docs), len(index)))
    sim = (matrix @ matrix.T).toarray()
    for i, d in enumerate(docs):
        sims = [(float(sim[i, j]), j) for j in np.flatnonzero(sim[i] > -1)
                if j != i and docs[j]["source"] == d["source"]]
        d["_easy"] = [j for s, j in sims if docs[j]["group"] != d["group"] and s < NEAR_DUPLICATE]
        same = d["group"] if d["source"] == "bbc" else None  # WMT has no categories: any WMT article
        hard = [(s, j) for s, j in sims
                if s < NEAR_DUPLICATE and (same is None or docs[j]["group"] == same)
                and d["_entities"] & docs[j]["_entities"]]
        d["_hard"] = [j for s, j in hard]
        d["_hardest"] = [j for s, j in sorted(hard, reverse=True)[:HARD_POOL]]


def stitch(a: dict, others: list[dict], rng: random.Random) -> list[str]:
    """A's lead run, then one run from each other article (random start), sized like A's body."""
    total = max(4, min(16, len(a["paragraphs"])))
    k = len(others) + 1
    cuts = sorted(rng.sample(range(1, total), k - 1)) if total > k else list(range(1, k))
    lengths = [b - s for s, b in zip([0] + cuts, cuts + [total], strict=True)]
    body = a["paragraphs"][: lengths[0]]
    for other, n in zip(others, lengths[1:], strict=True):
        paras = other["paragraphs"]
        start = rng.randrange(0, max(1, len(paras) - n + 1))
        body += paras[start : start + n]
    return body


def build(docs: list[dict], seed: int) -> list[dict]:
    records = []
    for split in ("train", "test"):
        part = [d for d in docs if d["split"] == split]
        partners(part, plain_vocabulary(part))
        for d in part:
            rng = random.Random(f"{seed}:{d['id']}")
            base = {"split": split, "source": d["source"], "group": d["group"]}
            records.append(base | {"id": f"{d['id']}#coherent", "kind": "coherent", "difficulty": None,
                                   "label": 0, "title": d["headline"], "paragraphs": d["paragraphs"],
                                   "sources": [d["id"]]})
            for difficulty, pool in (("easy", d["_easy"]), ("hard", d["_hard"]), ("hardest", d["_hardest"])):
                if not pool:
                    continue
                b = part[rng.choice(pool)]
                records.append(base | {"id": f"{d['id']}#swap-{difficulty}", "kind": "headline_swap",
                                       "difficulty": difficulty, "label": 1, "title": b["headline"],
                                       "paragraphs": d["paragraphs"], "sources": [d["id"], b["id"]]})
                k = rng.choices([1, 2, 3], weights=[5, 3, 2])[0]
                picks = rng.sample(pool, min(k, len(pool)))
                if difficulty == "easy":  # two easy partners from the same group would be a topic of their own
                    picks = list({part[j]["group"]: j for j in picks}.values())
                others = [part[j] for j in picks]
                body = stitch(d, others, rng)
                records.append(base | {"id": f"{d['id']}#stitch-{difficulty}", "kind": "stitched",
                                       "difficulty": difficulty, "label": 1, "title": d["headline"],
                                       "paragraphs": body, "sources": [d["id"]] + [o["id"] for o in others]})
    return records


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"news data not found at {args.data} (../shared is absent on this machine)", file=sys.stderr)
        return 2
    out = args.out.resolve()
    if out.is_relative_to(ROOT):
        print(f"refusing to write data into the repository: {out}", file=sys.stderr)
        return 2
    records = build(load(args.data, args.seed), args.seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    counts = Counter((r["split"], r["kind"], r["difficulty"]) for r in records)
    for key in sorted(counts, key=str):
        print(*key, counts[key], sep="\t")
    print(f"wrote {len(records)} records to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
