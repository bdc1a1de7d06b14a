#!/usr/bin/env python3
"""Benchmark of the `incoherent` flag with the committed model (cleaner/models/coherence.json).

Measured on data the model never saw:
- the held-out test split of tools/make_stitched.py (source articles hashed to "test"): ROC-AUC, and
  precision / recall at the model's threshold, per kind (stitched, headline_swap) and difficulty (easy,
  hard, easy+hard, hardest), each against the coherent test articles;
- false flags on real coherent news: the coherent test articles, and the 599 professional human
  translations of ../shared/data/mt (news from Russian, Chinese, Japanese, Czech and Icelandic outlets,
  no source in common with the training data; headline = first line, which is sometimes a lead sentence
  or carries the outlet's name; sentences grouped into paragraphs as in make_stitched), also scored without
  the headline to separate the body model's false flags from the headline's;
- the five seed articles (title line + body lines);
- through the whole text-mode pipeline (`clean_text(..., score=True)`, no headline given, so the cleaner picks
  one from the text or none): the coherent test articles and the positives as "headline, blank line, body"
  and the coherent ones as body alone; the professional translations the same way (their first line may
  be a lead sentence or the outlet's name); and the English gold article texts of ../shared/data/extraction
  (real web articles, mostly without their headline: the lines a finder may take for one are a lede, a
  label, a sub-heading), the share flagged; and the same pages' HTML through `clean_html` (the title is the
  one the page declares), the share of the English ones flagged;
- throughput: documents per second through `score_incoherence`.

Usage: python bench/scorers_coherence.py   (prints JSON; needs ../shared)
"""

from __future__ import annotations

import gzip
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import make_stitched  # noqa: E402  (tools/: builds the stitched test set)

from cleaner.scorers.coherence import load_model, score_incoherence  # noqa: E402

SHARED = ROOT.parent / "shared"
NEWS = SHARED / "data" / "news" / "docs.jsonl"
MT = SHARED / "data" / "mt" / "docs.jsonl"
SEEDS = SHARED / "seeds"
SEED = 13


def roc_auc(negatives: list[float], positives: list[float]) -> float:
    """Mann-Whitney ROC-AUC (ties count half), without scikit-learn."""
    ranked = sorted([(s, 0) for s in negatives] + [(s, 1) for s in positives])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mean_rank = (i + 1 + j) / 2
        rank_sum += mean_rank * sum(1 for k in range(i, j) if ranked[k][1] == 1)
        i = j
    n_pos, n_neg = len(positives), len(negatives)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def _seed_docs() -> list[tuple[str, str | None, list[str]]]:
    docs = []
    for gold in sorted(SEEDS.glob("*.gold.tsv")):
        labels = [line.split("\t", 1) for line in gold.read_text(encoding="utf-8").splitlines()]
        title = next((text for lab, text in labels if lab == "title"), None)
        body = [text for lab, text in labels if lab == "body"]
        docs.append((gold.name.removesuffix(".gold.tsv"), title, body))
    return docs


def run_coherence_bench() -> dict[str, Any]:
    """All the numbers above, as a dict (raises FileNotFoundError when ../shared is absent)."""
    if not NEWS.exists():
        raise FileNotFoundError(f"news data not found at {NEWS} (../shared is absent on this machine)")
    ms = make_stitched
    records = [r for r in ms.build(ms.load(NEWS, SEED), SEED) if r["split"] == "test"]
    threshold = load_model().threshold

    start = time.perf_counter()
    scores = [score_incoherence(r["title"], r["paragraphs"]).score for r in records]
    elapsed = time.perf_counter() - start

    coherent = [s for s, r in zip(scores, records, strict=True) if r["kind"] == "coherent"]
    out: dict[str, Any] = {
        "threshold": threshold,
        "test_articles": len(coherent),
        "coherent_test": {"n": len(coherent),
                          "flagged_share": round(sum(s >= threshold for s in coherent) / len(coherent), 4)},
    }
    for kind in ("stitched", "headline_swap"):
        for difficulty in ("easy", "hard", "easy+hard", "hardest"):
            wanted = difficulty.split("+")
            pos = [s for s, r in zip(scores, records, strict=True)
                   if r["kind"] == kind and r["difficulty"] in wanted]
            tp = sum(s >= threshold for s in pos)
            fp = sum(s >= threshold for s in coherent)
            out[f"{kind}_{difficulty}"] = {
                "n": len(pos),
                "roc_auc": round(roc_auc(coherent, pos), 4),
                "precision": round(tp / max(1, tp + fp), 4),
                "recall": round(tp / len(pos), 4),
            }

    if MT.exists():
        translations = []
        for line in MT.read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            if d["label"] != "human_translation":
                continue
            lines = d["text"].split("\n")
            rng = random.Random(f"{SEED}:{d['id']}:segment")
            translations.append((lines[0], ms.resegment(lines[1:], rng, True)))
        translations = [(t, p) for t, p in translations if p]
        flagged = [score_incoherence(t, p).flagged for t, p in translations]
        body_only = [score_incoherence(None, p).flagged for _, p in translations]
        out["human_translations"] = {"n": len(flagged),
                                     "flagged_share": round(sum(flagged) / max(1, len(flagged)), 4),
                                     "flagged_share_without_headline": round(sum(body_only) / max(1, len(flagged)), 4)}

    if SEEDS.exists():
        out["seeds"] = {}
        for name, title, body in _seed_docs():
            flag = score_incoherence(title, body)
            out["seeds"][name] = {"flagged": flag.flagged, "score": round(flag.score, 4)}

    out["pipeline"] = _through_the_pipeline(records, translations if MT.exists() else [])
    out["docs_per_second"] = round(len(records) / elapsed, 1)
    out["ms_per_doc"] = round(1000 * elapsed / len(records), 2)
    return out


def _through_the_pipeline(records: list[dict[str, Any]],
                          translations: list[tuple[str, list[str]]]) -> dict[str, Any]:
    """Flag rates end to end, the headline not given (see the module docstring)."""
    from cleaner.api import clean_html, clean_text

    def flagged(text: str, title: str | None = None) -> bool:
        return clean_text(text, title=title, score=True).flags["incoherent"].flagged

    counts: dict[str, list[int]] = {}
    for r in records:
        body = "\n\n".join(r["paragraphs"])
        key = "coherent" if r["kind"] == "coherent" else f"{r['kind']}_{r['difficulty']}"
        counts.setdefault(f"{key}_headline_first_line", []).append(flagged(f"{r['title']}\n\n{body}"))
        if r["kind"] == "coherent":
            counts.setdefault("coherent_body_only", []).append(flagged(body))
    for first_line, paragraphs in translations:
        counts.setdefault("human_translations_first_line", []).append(
            flagged(first_line + "\n\n" + "\n\n".join(paragraphs)))
    manifest = SHARED / "data" / "extraction" / "manifest.jsonl"
    if manifest.exists():
        for line in manifest.read_text(encoding="utf-8").splitlines():
            page = json.loads(line)
            if page.get("text"):
                doc = clean_text(page["text"], title=page.get("title"), score=True)
                if doc.language == "en":
                    counts.setdefault("web_articles_en", []).append(doc.flags["incoherent"].flagged)
            if page.get("html"):  # the same pages as HTML: the title is the one the page declares
                html = gzip.decompress((manifest.parent / page["html"]).read_bytes()).decode("utf-8", "replace")
                doc = clean_html(html, url=page.get("url"), score=True)
                if doc.language == "en":
                    counts.setdefault("web_pages_en_html", []).append(doc.flags["incoherent"].flagged)
    return {k: {"n": len(v), "flagged_share": round(sum(v) / len(v), 4)} for k, v in counts.items()}


if __name__ == "__main__":
    try:
        print(json.dumps(run_coherence_bench(), indent=1))
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
