#!/usr/bin/env python3
"""Train the incoherence model: IDF table + logistic weights, written to cleaner/models/.

Steps (deterministic):
1. build the stitched / headline-swapped / coherent set with tools/make_stitched.py (in memory);
2. derive the IDF table and the list of usually-capitalised words from the *train-split* source articles
   only, write cleaner/models/news_idf.json (stems with document frequency >= MIN_DF; rarer or unseen stems
   get the IDF of a stem seen once); and the common words (stems news writes in lower case, from the train-split
   articles and ../shared/data/mt's machine translations: cleaner/models/common_words.json), which a Title Case
   headline capitalises like names (`--common-words-only` writes that file alone);
3. compute the features of every record and fit, on the train split with classes balanced (scikit-learn,
   training time only; missing features filled with the coherent train median), two logistic models: a
   headline model (coherent vs headline-swapped, headline features) and a body model (coherent vs stitched,
   all features);
4. shift each model's logit so that 0 is a high quantile of it on coherent train articles (chosen from
   OFFSET_QUANTILES on the train split for the best worst-case AUC over the two tasks), add the
   entity evidence (log-likelihood ratio of the number of missing headline entities, swapped vs coherent,
   from the smallest count fewer than 1% of coherent articles reach), take the largest of the three, and
   fit a Platt scaling on it: score = sigmoid(a * z + b); the threshold is the
   COHERENT_QUANTILE of the scores of coherent train articles (1% of them flagged);
   reason limits are the REASON_PERCENTILE of coherent train articles; measure on the held-out test split;
5. write cleaner/models/coherence.json with the weights, threshold, limits and held-out metrics.

Splits are grouped by source article: make_stitched assigns each article to train or test by a hash of its
id and only splices articles of the same split.

Usage: train_coherence.py [--data ../shared/data/news/docs.jsonl] [--seed 13] [--common-words-only]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import make_stitched  # noqa: E402

from cleaner import terms  # noqa: E402
from cleaner.scorers import coherence  # noqa: E402
from cleaner.scorers.coherence import (  # noqa: E402
    BODY_FEATURES,
    FEATURES,
    HEADLINE_FEATURES,
    transform,
)
from cleaner.terms import STOPWORDS, Vocabulary, stem  # noqa: E402

MODELS = ROOT / "cleaner" / "models"
MIN_DF = 3
PROPER_SHARE = 0.6  # a word is "usually capitalised" when >= 60% of its mid-sentence uses are
COMMON_SHARE = 0.3  # a stem is a common word when >= 30% of its mid-sentence uses are in lower case...
COMMON_MIN = 2  # ...and at least this many are
COHERENT_QUANTILE = 0.99
OFFSET_QUANTILES = (0.98, 0.99, 0.995, 0.998)
REASON_PERCENTILE = 3.0
HIGH_IS_BAD = frozenset({"ent_missing", "gap_run", "tail_gap", "unintroduced"})
C = 1.0


_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)


def derive_vocabulary(articles: list[dict]) -> dict:
    """Document frequencies of stems and the usually-capitalised words of the given articles."""
    df: Counter[str] = Counter()
    upper: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for a in articles:
        stems: set[str] = set()
        for text in [a["headline"]] + a["paragraphs"]:
            text = terms.normalize(text)
            for m in _WORD.finditer(text):
                word = m.group(0)
                lower = word.lower()
                if len(word) >= 2 and word.isupper():
                    stems.add(lower)
                    continue
                if lower in STOPWORDS or len(word) < 2:
                    continue
                stems.add(stem(word))
                before = text[: m.start()].rstrip()
                if before and before[-1] not in terms.SENTENCE_OPENERS and text is not a["headline"]:
                    total[lower] += 1
                    upper[lower] += word[0].isupper()
        df.update(stems)
    kept = {s: n for s, n in df.items() if n >= MIN_DF}
    proper = sorted(w for w, n in total.items()
                    if n >= 2 and upper[w] / n >= PROPER_SHARE and stem(w) in kept)
    return {"n_docs": len(articles), "min_df": MIN_DF, "df": dict(sorted(kept.items())), "proper": proper}


def derive_common_words(texts: Iterable[str]) -> list[str]:
    """The stems written in lower case in at least COMMON_SHARE of their mid-sentence uses (and at least
    COMMON_MIN times) in these texts: ordinary words, which a Title Case headline capitalises like names."""
    lower: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for text in texts:
        text = terms.normalize(text)
        for m in _WORD.finditer(text):
            word = m.group(0)
            if len(word) < 2 or word.isupper() or word.lower() in STOPWORDS:
                continue
            before = text[: m.start()].rstrip()
            if before and before[-1] not in terms.SENTENCE_OPENERS:
                s = stem(word)
                total[s] += 1
                lower[s] += word[0].islower()
    return sorted(s for s, n in total.items() if lower[s] >= COMMON_MIN and lower[s] / n >= COMMON_SHARE)


def common_word_texts(articles: list[dict], mt_path: Path) -> Iterator[str]:
    """The body text the common words are counted in: the train-split news articles and the machine
    translations of ../shared/data/mt (English news on other subjects and from other outlets; their source
    articles are those of the human translations bench/scorers_coherence.py checks for false flags, whose
    headlines are rarely Title Case)."""
    for a in articles:
        if a["split"] == "train":
            yield from a["paragraphs"]
    if mt_path.exists():
        with open(mt_path, encoding="utf-8") as fh:
            for line in fh:
                doc = json.loads(line)
                if doc["label"] == "mt":
                    yield from doc["text"].split("\n")[1:]  # (the first line is the headline)


def fit_logistic(rows: list[dict], records: list[dict], idx: list[int], features: list[str], positive: str,
                 coherent_train: list[int]) -> dict:
    """Fit one logistic model: coherent (0) against records of kind `positive` (1), train split only."""
    fill = {}
    for f in features:
        values = [transform(f, rows[i][f]) for i in coherent_train if rows[i][f] is not None]
        fill[f] = float(np.median(values))
    x = np.array([[fill[f] if rows[i][f] is None else transform(f, rows[i][f]) for f in features] for i in idx])
    y = np.array([0 if records[i]["kind"] == "coherent" else 1 for i in idx])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=C, class_weight="balanced", max_iter=3000)
    model.fit((x - mean) / scale, y)
    return {
        "features": features,
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "coef": [round(float(v), 6) for v in model.coef_[0]],
        "intercept": round(float(model.intercept_[0]), 6),
        "fill": {f: round(v, 6) for f, v in fill.items()},
    }


def balance(zh: np.ndarray, zb: np.ndarray, q: tuple[float, float], records: list[dict], idx: list[int],
            coherent: list[int]) -> float:
    """The lower of the stitched and swapped ROC-AUCs (easy + hard) of max(z_head, z_body) with offsets q."""
    z = np.maximum(zh - np.quantile(zh[coherent], q[0]), zb - np.quantile(zb[coherent], q[1]))
    aucs = []
    for kind in ("stitched", "headline_swap"):
        sel = [i for i in idx if records[i]["kind"] == "coherent"
               or (records[i]["kind"] == kind and records[i]["difficulty"] in ("easy", "hard"))]
        aucs.append(roc_auc_score([records[i]["label"] for i in sel], z[sel]))
    return min(aucs)


def metrics_for(scores: np.ndarray, records: list[dict], threshold: float) -> dict:
    """AUC and precision/recall at the threshold, per kind and difficulty, against the coherent articles."""
    labels = np.array([r["label"] for r in records])
    coherent = np.array([r["kind"] == "coherent" for r in records])
    out: dict[str, dict] = {
        "coherent": {"n": int(coherent.sum()),
                     "flagged_share": round(float((scores[coherent] >= threshold).mean()), 4)}
    }
    for kind in ("stitched", "headline_swap"):
        for difficulty in ("easy", "hard", "easy+hard", "hardest"):
            wanted = difficulty.split("+")
            sel = np.array([r["kind"] == kind and r["difficulty"] in wanted for r in records])
            both = sel | coherent
            y, s = labels[both], scores[both]
            flagged = s >= threshold
            tp = int((flagged & (y == 1)).sum())
            out[f"{kind}_{difficulty}"] = {
                "n": int(sel.sum()),
                "roc_auc": round(float(roc_auc_score(y, s)), 4),
                "precision": round(tp / max(1, int(flagged.sum())), 4),
                "recall": round(tp / max(1, int((y == 1).sum())), 4),
            }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "news" / "docs.jsonl")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--mt", type=Path, default=ROOT.parent / "shared" / "data" / "mt" / "docs.jsonl",
                    help="machine translations (English news text) for the common-word list")
    ap.add_argument("--common-words-only", action="store_true",
                    help="write cleaner/models/common_words.json only (no retraining)")
    args = ap.parse_args(argv)
    if not args.data.exists():
        print(f"news data not found at {args.data} (../shared is absent on this machine)", file=sys.stderr)
        return 2
    ms = make_stitched
    articles = ms.load(args.data, args.seed)
    records = ms.build(articles, args.seed)

    MODELS.mkdir(parents=True, exist_ok=True)
    common = derive_common_words(common_word_texts(articles, args.mt))
    (MODELS / "common_words.json").write_text(json.dumps({"stems": common}, separators=(",", ":")) + "\n",
                                              encoding="utf-8")
    print(f"common words: {len(common)} stems")
    if args.common_words_only:
        return 0
    vocab_json = derive_vocabulary([a for a in articles if a["split"] == "train"])
    (MODELS / "news_idf.json").write_text(json.dumps(vocab_json, separators=(",", ":")) + "\n", encoding="utf-8")
    vocab = Vocabulary(vocab_json["n_docs"], vocab_json["df"], frozenset(vocab_json["proper"]), frozenset(common))
    print(f"vocabulary: {len(vocab.df)} stems, {len(vocab.proper)} usually-capitalised words")

    t0 = time.perf_counter()
    rows = [coherence.feature_row(r["title"], r["paragraphs"], vocab) for r in records]
    per_doc = (time.perf_counter() - t0) / len(records)
    train = [i for i, r in enumerate(records) if r["split"] == "train"]
    test = [i for i, r in enumerate(records) if r["split"] == "test"]
    coherent_train = [i for i in train if records[i]["kind"] == "coherent"]

    head_idx = [i for i in train if records[i]["kind"] in ("coherent", "headline_swap")]
    body_idx = [i for i in train if records[i]["kind"] in ("coherent", "stitched")]
    head_json = fit_logistic(rows, records, head_idx, list(HEADLINE_FEATURES) + ["units"], "headline_swap",
                             coherent_train)
    body_json = fit_logistic(rows, records, body_idx, list(BODY_FEATURES) + list(HEADLINE_FEATURES),
                             "stitched", coherent_train)
    head_model, body_model = coherence._logistic(head_json), coherence._logistic(body_json)
    zh = np.array([head_model.logit(r) for r in rows])
    zb = np.array([body_model.logit(r) for r in rows])
    # Put both logits on one scale: 0 = the COHERENT_QUANTILE of coherent training articles; then the
    # larger one decides (either mismatch is enough), and a Platt fit turns it into a probability.
    # Where each model starts to speak: its quantile on coherent train articles, chosen on the train split to
    # balance the two tasks (the best worst-case AUC over stitched and swapped articles, easy + hard).
    qh, qb = max(((h, b) for h in OFFSET_QUANTILES for b in OFFSET_QUANTILES),
                 key=lambda q: balance(zh, zb, q, records, train, coherent_train))
    oh = float(np.quantile(zh[coherent_train], qh))
    ob = float(np.quantile(zb[coherent_train], qb))
    # Entity evidence: log-likelihood ratio of the number of missing headline entities, swapped vs coherent
    # (add-one smoothed), heard from the smallest count that < 1 - COHERENT_QUANTILE of coherent articles reach.
    missing = np.array([-1 if r["ent_missing"] is None else int(r["ent_missing"]) for r in rows])
    swapped_train = [i for i in train if records[i]["kind"] == "headline_swap"]
    m_coh, m_swap = missing[coherent_train], missing[swapped_train]
    llr = [float(np.log((np.sum(m_swap == k) + 1) / (len(m_swap) + 4))
                 - np.log((np.sum(m_coh == k) + 1) / (len(m_coh) + 4))) for k in range(4)]
    entity_min = next(k for k in (1, 2, 3) if np.mean(m_coh >= k) <= 1 - COHERENT_QUANTILE)
    model_json = {"headline_model": head_json, "body_model": body_json,
                  "entity_evidence": {"min_missing": entity_min, "llr": [round(v, 6) for v in llr]},
                  "combine": {"offset_head": oh, "offset_body": ob, "platt_a": 1.0, "platt_b": 0.0},
                  "threshold": 0.5, "limits": {}}
    draft = coherence.Model(head_model, body_model, entity_min, llr, model_json["combine"], 0.5, {})
    z = np.array([np.log(p / (1 - p)) if 0 < p < 1 else (50.0 if p >= 1 else -50.0)
                  for p in (draft.parts(r)[0] for r in rows)])
    labels = np.array([r["label"] for r in records])
    platt = LogisticRegression(C=1e6, class_weight="balanced").fit(z[train, None], labels[train])
    a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    scores = 1.0 / (1.0 + np.exp(-(a * z + b)))
    cut = float(np.quantile(z[coherent_train], COHERENT_QUANTILE))  # both together flag 1% of coherent train
    threshold = float(1.0 / (1.0 + np.exp(-(a * cut + b))))

    limits = {}
    for f in FEATURES:
        values = [rows[i][f] for i in coherent_train if rows[i][f] is not None]
        pct = 100 - REASON_PERCENTILE if f in HIGH_IS_BAD else REASON_PERCENTILE
        limits[f] = round(float(np.percentile(values, pct)), 3)

    test_metrics = metrics_for(scores[test], [records[i] for i in test], threshold)
    train_metrics = metrics_for(scores[train], [records[i] for i in train], threshold)
    out = {
        "about": "Incoherence model: a headline model (coherent vs headline-swapped) and a body model (coherent "
                 "vs stitched), logistic over cleaner.scorers.coherence features, and entity evidence; score = "
                 "sigmoid(platt_a * max(z_head - offset_head, z_body - offset_body, entity) + platt_b). Built by tools/train_coherence.py "
                 "from ../shared/data/news (train split); metrics on the held-out test split (source articles "
                 "never seen in training).",
        "headline_model": head_json,
        "body_model": body_json,
        "entity_evidence": model_json["entity_evidence"],
        "combine": {"offset_head": round(oh, 6), "offset_body": round(ob, 6), "platt_a": round(a, 6),
                    "platt_b": round(b, 6)},
        "threshold": round(threshold, 4),
        "threshold_rule": f"the {COHERENT_QUANTILE} quantile of the scores of coherent train articles",
        "limits": limits,
        "limits_rule": f"{REASON_PERCENTILE} (or {100 - REASON_PERCENTILE}) percentile of coherent train articles",
        "training": {"seed": args.seed, "C": C, "offset_quantiles": [qh, qb], "n_train": len(train), "n_test": len(test),
                     "feature_ms_per_doc": round(per_doc * 1000, 2)},
        "metrics_test": test_metrics,
        "metrics_train": train_metrics,
    }
    (MODELS / "coherence.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    coherence.load_model.cache_clear()
    terms.load_vocabulary.cache_clear()
    for name, m in test_metrics.items():
        print(f"test {name:26s} {m}")
    print(f"threshold {threshold:.4f}; features: {per_doc * 1000:.2f} ms/doc; wrote {MODELS / 'coherence.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
