"""Does the MT threshold's out-of-fold human flag rate hold on unseen data? Measured inside each year side only.

Usage: .venv/bin/python bench/mt_nested.py

The year split (bench/scorers_mt.py) picks each side's threshold so that at most TARGET_HUMAN_FPR of the side's
out-of-fold English originals are flagged. Whether a stricter target is needed (because out-of-fold rates
underestimate held-out ones) must be decided without the other side, so this splits each training side again,
the way the year split differs: MT source languages (alternating in sorted order), WMT originals by outlet
(unseen outlets) and BBC by document. Each half is trained as `train_mt.train` does (k=3 grid, Platt, threshold
per target), the other half is scored, and per target it prints the out-of-fold rate on the training half, the
held-out rate on the other half (all originals, WMT originals, BBC) and the held-out recall.

Halves come from md5, not crc32: crc32 is affine, so `crc32(id + "#nest") % 2` would repeat the year split's
`crc32(id + "#year") % 2` exactly (same-length suffixes) and put every BBC document of a side in one half.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import train_mt  # noqa: E402

TARGETS = (0.02, 0.01, 0.0075, 0.005)


def _half(key: str) -> int:
    return int(hashlib.md5(key.encode()).hexdigest(), 16) % 2


def nested_half(doc: train_mt.Doc, langs: list[str]) -> int:
    """0/1: BBC by document, WMT originals by outlet, MT and references by source language."""
    if doc.corpus == "bbc":
        return _half(doc.id + "#nested")
    if doc.label == "human_original":
        return _half(doc.group.split("/")[-1].split(".")[0] + "#nested")
    return langs.index(doc.source_lang) % 2


def run(table: train_mt.FeatureTable) -> list[dict]:
    docs = table.docs
    rows: list[dict] = []
    for side, idx in train_mt.year_sides(docs).items():
        langs = sorted({docs[i].source_lang for i in idx if docs[i].label != "human_original"})
        half = np.array([nested_half(docs[i], langs) for i in idx])
        for a in (0, 1):
            tr, te = idx[half == a], idx[half != a]
            lab = np.array([docs[i].label for i in tr])
            corp = np.array([docs[i].corpus for i in tr])
            is_mt, is_orig = lab == "mt", lab == "human_original"
            oof = train_mt.out_of_fold(table, tr, 3)
            pa, pb = train_mt.platt(oof[is_mt | is_orig], is_mt[is_mt | is_orig])
            prob = 1.0 / (1.0 + np.exp(-(pa * oof + pb)))
            held = 1.0 / (1.0 + np.exp(-(pa * train_mt.fit(table, tr).logits(table, te) + pb)))
            lt = np.array([docs[i].label for i in te])
            ct = np.array([docs[i].corpus for i in te])
            orig_t = lt == "human_original"
            saved = train_mt.TARGET_HUMAN_FPR
            try:
                for target in TARGETS:
                    train_mt.TARGET_HUMAN_FPR = target
                    thr = train_mt.choose_threshold(prob, is_mt, is_orig)
                    rows.append(
                        {
                            "side": side, "half": a, "target": target, "threshold": thr,
                            "oof": float((prob[is_orig] >= thr).mean()),
                            "oof_wmt": float((prob[is_orig & (corp == "wmt")] >= thr).mean()),
                            "held_n": int(orig_t.sum()),
                            "held_flagged": int((held[orig_t] >= thr).sum()),
                            "held": float((held[orig_t] >= thr).mean()),
                            "held_wmt": float((held[orig_t & (ct == "wmt")] >= thr).mean()),
                            "held_bbc": float((held[orig_t & (ct == "bbc")] >= thr).mean()),
                            "recall": float((held[lt == "mt"] >= thr).mean()),
                        }
                    )  # fmt: skip
            finally:
                train_mt.TARGET_HUMAN_FPR = saved
    return rows


def main() -> int:
    if not (train_mt.SHARED / "data" / "mt" / "docs.jsonl").exists():
        print("skipped: ../shared/data/mt/docs.jsonl not found")
        return 0
    rows = run(train_mt.build_table())
    cols = ["side", "half", "target", "threshold", "oof", "oof_wmt", "held", "held_wmt", "held_bbc", "recall"]
    print("".join(f"{c:>11s}" for c in cols))
    for r in rows:
        print("".join(f"{r[c]:>11.4g}" if isinstance(r[c], float) else f"{r[c]:>11}" for c in cols))
    print("\nall four nested runs pooled (held-out originals flagged / out-of-fold rate):")
    for target in TARGETS:
        sel = [r for r in rows if r["target"] == target]
        flagged, n = sum(r["held_flagged"] for r in sel), sum(r["held_n"] for r in sel)
        print(f"  target {target:.4f}: held-out {flagged}/{n} = {flagged / n:.4f}, "
              f"mean out-of-fold {np.mean([r['oof'] for r in sel]):.4f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
