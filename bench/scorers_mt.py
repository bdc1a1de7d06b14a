"""Benchmark of the machine-translation detector on held-out systems, years and source articles.

Usage: .venv/bin/python bench/scorers_mt.py [--no-baseline]

Reads ../shared/data (never copied). Prints:
- the year split (train on WMT 2020-21 + half of BBC, test on WMT 2022 + the other half, and the reverse;
  each side picks its own threshold out-of-fold), ours beside a TF-IDF baseline (word 1-2 + char 2-5 grams,
  logistic regression, typography-normalised, same rows, human translations left out of training like ours);
- the grid: every document scored by a model blind to its source article and its MT system (k x k folds),
  per system and per source language; its threshold is the shipped model's, picked on these same scores;
- human-written news flagged (BBC, WMT originals), MT vs human translation, documents per second;
- real English web articles (the gold texts of ../shared/data/extraction) through the pipeline: share flagged;
- each document at its length's threshold (tools/train_mt.py LENGTH_STEPS), and the year split's test side
  cut to each of those lengths: originals flagged and MT recall of short texts ("by length").
The baseline has no out-of-fold threshold of its own, so both models are also compared at the threshold
that flags 1% of the test side's English originals ("recall@1%").
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import train_mt  # noqa: E402

from cleaner.scorers.mt import load_model, normalise, score_machine_translation  # noqa: E402


def _recall_at_fpr(docs: list[train_mt.Doc], idx: np.ndarray, score: np.ndarray, fpr: float = 0.01) -> float:
    lab = np.array([docs[i].label for i in idx])
    human = np.sort(score[lab == "human_original"])
    cut = human[int(np.ceil((1 - fpr) * len(human))) - 1]
    return float((score[lab == "mt"] > cut).mean())


def tfidf_baseline(docs: list[train_mt.Doc], train_idx: np.ndarray, test_idx: np.ndarray) -> np.ndarray:
    """Decision values of the bag-of-n-grams baseline for test_idx (fitted on train_idx, no human translations)."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    def text(i: int) -> str:
        return normalise(f"{docs[i].title or ''}\n{docs[i].body}").replace("\n", " ")

    rows = train_mt.trainable(docs, train_idx)
    word = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=200_000)
    char = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True, max_features=300_000
    )
    train_texts = [text(i) for i in rows]
    X = hstack([word.fit_transform(train_texts), char.fit_transform(train_texts)]).tocsr()
    y = np.array([docs[i].label == "mt" for i in rows], dtype=int)
    clf = LogisticRegression(C=10, class_weight="balanced", solver="liblinear", max_iter=2000).fit(X, y)
    test_texts = [text(i) for i in test_idx]
    return clf.decision_function(hstack([word.transform(test_texts), char.transform(test_texts)]).tocsr())


def _breakdown(
    docs: list[train_mt.Doc], idx: np.ndarray, prob: np.ndarray, thr: float | np.ndarray, key: str
) -> list[dict]:
    """Per system or source language: AUC vs the rows' originals, flag rate, and precision at a 1:1 prior.

    Precision per group is taken as if the group and the originals were equally many (recall / (recall +
    false-flag rate)); with raw counts it would mostly measure how many documents the group happens to have.
    """
    lab = np.array([docs[i].label for i in idx])
    orig = prob[lab == "human_original"]
    flag = prob >= thr  # one threshold, or one per document
    fpr = float(flag[lab == "human_original"].mean())
    groups: dict[str, list[int]] = defaultdict(list)
    for j, i in enumerate(idx):
        if docs[i].label in ("mt", "human_translation"):
            name = getattr(docs[i], key) if key != "system" else f"{docs[i].source_lang}:{docs[i].system}"
            groups[f"{name} ({'MT' if docs[i].label == 'mt' else 'HT'})"].append(j)
    out = []
    for name, js in sorted(groups.items()):
        p = prob[js]
        rate = float(flag[js].mean())
        out.append(
            {
                "group": name,
                "n": len(js),
                "auc_vs_original": train_mt.auc(p, orig),
                "precision_1to1": rate / (rate + fpr) if name.endswith("(MT)") and rate + fpr > 0 else None,
                "flag_rate": rate,
            }
        )
    return out


def speed(docs: list[train_mt.Doc], n: int = 300) -> dict[str, float]:
    """Documents per second of score_machine_translation (model already loaded), on every k-th document."""
    load_model()
    step = max(len(docs) // n, 1)
    sample = docs[::step][:n]
    t0 = time.perf_counter()
    for d in sample:
        score_machine_translation(d.body, d.title)
    dt = time.perf_counter() - t0
    chars = sum(len(d.body) for d in sample) / len(sample)
    return {
        "docs": len(sample),
        "mean_chars": round(chars),
        "docs_per_second": len(sample) / dt,
        "ms_per_doc": 1000 * dt / len(sample),
    }


def run_mt_bench(baseline: bool = True, shared: Path = train_mt.SHARED) -> dict:
    """All numbers of the benchmark as a dict (see the module docstring)."""
    if not (shared / "data" / "mt" / "docs.jsonl").exists():
        raise FileNotFoundError(f"{shared}/data/mt/docs.jsonl not found (../shared is absent)")
    table = train_mt.build_table(shared)
    docs = table.docs
    result: dict = {"year_split": {}, "grid": {}}

    sides = train_mt.year_sides(docs)
    shortened = train_mt.cut_tables(table)  # every document cut to each length step
    for name, res in train_mt.year_split(table, shortened).items():
        idx, prob = res["idx"], res["prob"]
        thresholds = np.array([train_mt.threshold_for(table.ex[i].n_words, res["threshold"],
                                                      res["length_thresholds"]) for i in idx])
        entry = {
            "ours": {
                **res["metrics"],
                "threshold": res["threshold"],
                "recall@1%": _recall_at_fpr(docs, idx, prob),
            },
            "by_language": _breakdown(docs, idx, prob, thresholds, "source_lang"),
            "by_length": res["by_length"],
        }
        if baseline:
            train_side = next(s for s in sides if name.startswith(f"train {s} "))
            base = tfidf_baseline(docs, sides[train_side], idx)
            m = train_mt.metrics(docs, idx, base, float("inf"))
            entry["tfidf"] = {k: v for k, v in m.items() if k.startswith("auc") or k.startswith("n_")}
            entry["tfidf"]["recall@1%"] = _recall_at_fpr(docs, idx, base)
            lab = np.array([docs[i].label for i in idx])
            cut = np.sort(base[lab == "human_original"])[
                int(np.ceil(0.99 * (lab == "human_original").sum())) - 1
            ]
            corp = np.array([docs[i].corpus for i in idx])
            entry["tfidf"]["wmt_original_flagged@1%"] = float(
                (base[(lab == "human_original") & (corp == "wmt")] > cut).mean()
            )
            entry["tfidf"]["human_translation_flagged@1%"] = float(
                (base[lab == "human_translation"] > cut).mean()
            )
            oc = np.sort(prob[lab == "human_original"])[
                int(np.ceil(0.99 * (lab == "human_original").sum())) - 1
            ]
            entry["ours"]["wmt_original_flagged@1%"] = float(
                (prob[(lab == "human_original") & (corp == "wmt")] > oc).mean()
            )
            entry["ours"]["human_translation_flagged@1%"] = float(
                (prob[lab == "human_translation"] > oc).mean()
            )
        result["year_split"][name] = entry

    trained = train_mt.train(table, np.arange(len(docs)), cut=shortened)
    idx, prob = trained.idx, trained.oof_prob
    thr = trained.thresholds(np.array([table.ex[i].n_words for i in idx]))
    result["grid"] = {
        "ours": {
            **train_mt.metrics(docs, idx, prob, thr),
            "threshold": trained.threshold,
            "length_thresholds": trained.length_thresholds,
            "recall@1%": _recall_at_fpr(docs, idx, prob),
        },
        "by_system": _breakdown(docs, idx, prob, thr, "system"),
        "by_language": _breakdown(docs, idx, prob, thr, "source_lang"),
    }
    result["web_articles"] = web_articles(shared)
    result["speed"] = speed(docs)
    return result


def web_articles(shared: Path) -> dict:
    """The shipped model through the text pipeline on the English gold article texts of
    ../shared/data/extraction: real web articles (news, blogs, reviews) from sites none of the training data
    comes from, mostly human-written; the share flagged, and which."""
    from cleaner.api import clean_text

    manifest = shared / "data" / "extraction" / "manifest.jsonl"
    if not manifest.exists():
        return {}
    flagged, n = [], 0
    for line in manifest.read_text(encoding="utf-8").splitlines():
        page = json.loads(line)
        if not page.get("text"):
            continue
        doc = clean_text(page["text"], title=page.get("title"), score=True)
        if doc.language != "en":
            continue
        n += 1
        if doc.flags["machine_translated"].flagged:
            flagged.append(page["id"])
    return {"n": n, "flagged": len(flagged), "flagged_share": len(flagged) / max(n, 1), "ids": flagged}


def _fmt(v: object) -> str:
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def print_report(res: dict) -> None:
    keys = [
        "threshold", "n_mt", "n_original", "n_human_translation", "auc_mt_vs_original", "auc_mt_vs_wmt_original",
        "auc_mt_vs_bbc", "auc_mt_vs_human_translation", "precision", "precision_with_human_translations", "recall",
        "flag_rate_original", "flag_rate_bbc", "flag_rate_wmt_original", "flag_rate_human_translation",
        "recall@1%", "wmt_original_flagged@1%", "human_translation_flagged@1%",
    ]  # fmt: skip
    cols: list[tuple[str, dict]] = []
    for name, entry in res["year_split"].items():
        cols.append((f"{name} ours", entry["ours"]))
        if "tfidf" in entry:
            cols.append((f"{name} tfidf", entry["tfidf"]))
    cols.append(("grid (unseen article+system) ours", res["grid"]["ours"]))
    print("== Held-out evaluation (MT vs English originals; human translations never trained on)")
    print(f"{'':34s}" + "".join(f"{n[-36:]:>38s}" for n, _ in cols))
    for k in keys:
        print(f"{k:34s}" + "".join(f"{_fmt(c.get(k, '')):>38s}" for _, c in cols))
    for name, entry in res["year_split"].items():
        print(f"\n== {name}: by source language (threshold {entry['ours']['threshold']}, higher for short texts)")
        _table(entry["by_language"])
        print(f"== {name}: the test side cut to each length (documents longer than it)")
        for words, m in entry["by_length"].items():
            print(f"   {words:>4} words: threshold {m['threshold']:.4f}, originals flagged "
                  f"{m['flag_rate_original']:.4f} (WMT {m['flag_rate_wmt_original']:.4f}, n={m['n_original']}), "
                  f"MT recall {m['recall']:.3f} (n={m['n_mt']}), precision {m['precision']:.3f}")
    print(f"\n== grid: by source language (threshold {res['grid']['ours']['threshold']})")
    _table(res["grid"]["by_language"])
    print("\n== grid: by system (each system scored by models that never saw it)")
    _table(res["grid"]["by_system"])
    web = res.get("web_articles")
    if web:
        print(f"\n== real English web articles (../shared/data/extraction gold texts, through clean_text): "
              f"{web['flagged']} of {web['n']} flagged ({web['flagged_share']:.1%}): {', '.join(web['ids'])}")
    s = res["speed"]
    print(
        f"\n== speed: {s['docs_per_second']:.0f} documents/s ({s['ms_per_doc']:.1f} ms per document, "
        f"mean {s['mean_chars']} chars, {s['docs']} documents, one core)"
    )


def _table(rows: list[dict]) -> None:
    print(f"{'group':40s}{'n':>6s}{'AUC':>8s}{'prec1:1':>9s}{'flagged':>9s}")
    for r in rows:
        prec = "-" if r["precision_1to1"] is None else f"{r['precision_1to1']:.3f}"
        print(
            f"{r['group'][:40]:40s}{r['n']:>6d}{r['auc_vs_original']:>8.3f}{prec:>9s}{r['flag_rate']:>9.3f}"
        )


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="Benchmark the machine-translation detector")
    ap.add_argument("--no-baseline", action="store_true", help="skip the TF-IDF baseline (saves ~4 minutes)")
    args = ap.parse_args()
    try:
        report = run_mt_bench(baseline=not args.no_baseline)
    except FileNotFoundError as err:
        print(f"skipped: {err}")
        raise SystemExit(0) from None
    print_report(report)
