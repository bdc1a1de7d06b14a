"""Train the machine-translation detector and write cleaner/models/mt.json.

Usage: .venv/bin/python tools/train_mt.py [--shared DIR] [--out PATH] [--no-eval]

Data: ../shared/data/mt/docs.jsonl (WMT MT, English originals, human translations) and the BBC part of
../shared/data/news/docs.jsonl (more English originals; its WMT part is the same 226 originals). Never copied.

Why it is built this way (see ../shared/data/mt/README.md):
- features are topic-poor (cleaner.scorers.mt.extract) and computed on typography-normalised text;
- every split is grouped by source article (origin, doc_id), and evaluation holds out *systems* as well:
  a k x k grid of (article fold, system fold) cells, each scored by a model that saw neither;
- vocabulary features are chosen inside each training fold: shape n-grams by document frequency, content
  words only when spread evenly over the MT source languages (not one country's news), over the two English
  sources (BBC 2005 and WMT 2020-22: not an era's news) and without a UK/US spelling twin in the corpus;
- classes are balanced by weight (5.3k MT vs 2.3k originals), and inside the human class the WMT originals
  weigh as much as BBC (226 vs 2.1k documents); the model is made blind to the direction between the two
  human corpora (`logistic`), so BBC's 2004-05 house style cannot stand in for "human" (trained on 2022 it
  flagged 15% of the 2020-21 WMT originals, 11% now: still above the 2% target); human translations are
  *not* training negatives (as weight-0.5 negatives they cut MT-vs-original ROC-AUC from 0.98 to 0.94 in
  the year split) but are always reported;
- the logit is Platt-calibrated on out-of-fold scores (balanced prior) and the threshold is the lowest
  probability at which at most 1% of out-of-fold English originals are flagged (the target is 2%); a text
  shorter than 500 words takes a threshold chosen the same way on the training documents cut to its length
  (LENGTH_STEPS: short texts' rates are noisy).
Deterministic: no random sampling; folds come from crc32 hashes of ids.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import hashlib
import json
import re
import sys
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaner.paths import models_dir  # noqa: E402
from cleaner.scorers.mt import (  # noqa: E402
    FUNCTION_WORDS,
    MODEL_FILE,
    Z_CLIP,
    Extracted,
    extract,
    raw_vector,
    threshold_for,
    transform,
)

SHARED = ROOT.parent / "shared"
LANGS = ("cs", "is", "ja", "ru", "zh")

# hyper-parameters (chosen on the year split and the system grid, never on the seeds)
C = 0.01  # L2 strength of the logistic regression: weaker regularisation overfit held-out years
N_NGRAMS = 600  # shape n-grams kept, by training document frequency
N_LEX = 300  # content words kept after the spread filters
LEX_SPREAD = 4.0  # max ratio of document frequencies between groups for a content word
MIN_CHRF = 20.0  # MT systems below this (AIST, chrF 11: word salad) are evaluated but not trained on
TARGET_HUMAN_FPR = 0.01  # threshold: at most this share of out-of-fold English originals flagged
# A short text's rates are noisy: cut to its first 100 words, a year-split model flagged 3.6% and 10% of the
# held-out English originals (0.8% and 2.2% whole) and 17% and 38% of real web articles (../shared/data/
# extraction). So each of these lengths (words) gets its own threshold, chosen as the whole-text one is, on the
# out-of-fold scores of the training documents cut to that length; a text of n words takes the threshold of
# the longest step up to n (the first step's below it; the whole-text one from the last step on), never
# below the whole-text threshold.
LENGTH_STEPS = (50, 75, 100, 150, 200, 300, 500)
GRID = 5  # article folds x system folds for out-of-fold scores
WMT_SHARE = 0.5  # share of the human class's weight on WMT originals (the rest on BBC): see sample_weights
MIN_CORPUS = 10  # originals each English corpus needs before the model is made blind to their difference

_SPELLING = (
    ("our", "or"), ("ise", "ize"), ("ised", "ized"), ("ising", "izing"), ("isation", "ization"),
    ("yse", "yze"), ("ence", "ense"), ("tre", "ter"), ("ogue", "og"), ("lled", "led"), ("lling", "ling"),
)  # fmt: skip


@dataclass
class Doc:
    """One training/evaluation document with everything the splits and reports group by."""

    id: str
    label: str  # mt | human_original | human_translation
    source_lang: str
    system: str  # WMT system, ref-A/ref-B, or "original"
    origin: str  # newstest2020/2021, wmttest2022, or bbc
    group: str  # the source article: all its translations share it
    corpus: str  # wmt | bbc
    chrf: float | None
    title: str | None
    body: str


def load_corpus(shared: Path = SHARED) -> list[Doc]:
    """WMT documents (first line = headline) plus BBC originals from news/docs.jsonl (WMT part skipped)."""
    docs: list[Doc] = []
    with open(shared / "data" / "mt" / "docs.jsonl", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            head, _, body = d["text"].partition("\n")
            docs.append(
                Doc(
                    d["id"], d["label"], d["source_lang"], d["system"] or "original", d["origin"],
                    f"{d['origin']}/{d['doc_id']}", "wmt", d["sys_chrf"], head, body,
                )
            )  # fmt: skip
    with open(shared / "data" / "news" / "docs.jsonl", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            if d["source"] != "bbc":
                continue  # the WMT part is the same 226 originals as in mt/docs.jsonl
            docs.append(
                Doc(
                    d["id"],
                    "human_original",
                    "en",
                    "original",
                    "bbc",
                    d["id"],
                    "bbc",
                    None,
                    d["headline"],
                    d["text"],
                )
            )
    return docs


def _h(key: str, k: int) -> int:
    return zlib.crc32(key.encode()) % k


def grid_cells(docs: list[Doc], k: int) -> tuple[np.ndarray, np.ndarray]:
    """(article fold, system fold) per document; humans get a per-document 'system' fold."""
    art = np.array([_h(d.group, k) for d in docs])
    sysf = np.array([_h(d.system + "#sys", k) if d.label == "mt" else _h(d.id + "#doc", k) for d in docs])
    return art, sysf


# --- features ------------------------------------------------------------------------------------------------


class FeatureTable:
    """Raw values of every candidate feature for every document, computed once and sliced per fold."""

    def __init__(self, docs: list[Doc], extracted: list[Extracted]):
        self.docs = docs
        self.ex = extracted
        base = list(extracted[0].values)
        df_ng: Counter[str] = Counter()
        df_lex: Counter[str] = Counter()
        for e in extracted:
            df_ng.update(e.ngrams.keys())
            df_lex.update(e.lex.keys())
        min_df = max(10, len(docs) // 200)
        # candidates are unsupervised (document frequency over everything); the choice is per fold
        self.ng_candidates = ["ng:" + k for k, c in df_ng.most_common(3 * N_NGRAMS) if c >= min_df]
        self.lex_candidates = ["lex:" + k for k, c in df_lex.most_common(2000) if c >= min_df]
        self.names = base + self.ng_candidates + self.lex_candidates
        self.col = {n: i for i, n in enumerate(self.names)}
        self.raw = np.array([raw_vector(e, self.names) for e in extracted], dtype=np.float32)
        self.present = self.raw > 0  # document frequency per fold comes from this

    def select(self, idx: np.ndarray) -> list[str]:
        """Feature names for a model trained on `idx`: base features + fold-internal vocabularies."""
        labels = np.array([self.docs[i].label for i in idx])
        ng_df = self.present[idx][:, [self.col[n] for n in self.ng_candidates]].sum(0)
        ngrams = [self.ng_candidates[j] for j in np.argsort(-ng_df, kind="stable")[:N_NGRAMS]]
        return [n for n in self.names if n[:3] not in ("ng:", "lex")] + ngrams + self._lex(idx, labels)

    def _lex(self, idx: np.ndarray, labels: np.ndarray) -> list[str]:
        """Content words that are translation-prone rather than topical (see the module docstring)."""
        groups: dict[str, np.ndarray] = {}
        for lang in LANGS:
            m = np.array([self.docs[i].source_lang == lang for i in idx]) & (labels != "human_original")
            if m.sum() >= 20:
                groups[lang] = m
        for corpus in ("bbc", "wmt"):
            m = np.array([self.docs[i].corpus == corpus for i in idx]) & (labels == "human_original")
            if m.sum() >= 20:
                groups[corpus] = m
        cols = [self.col[n] for n in self.lex_candidates]
        pres = self.present[idx][:, cols]
        rate = {g: pres[m].mean(0) for g, m in groups.items()}
        total = pres.sum(0)
        vocab = {n[4:] for n in self.lex_candidates}
        chosen: list[str] = []
        for j in np.argsort(-total, kind="stable"):
            word = self.lex_candidates[j][4:]
            if _spelling_twins(word) & vocab:
                continue
            ok = True
            for members in ([g for g in groups if g in LANGS], [g for g in groups if g in ("bbc", "wmt")]):
                r = [rate[g][j] for g in members]
                if r and (min(r) <= 0 or max(r) / min(r) > LEX_SPREAD):
                    ok = False
                    break
            if ok:
                chosen.append(self.lex_candidates[j])
                if len(chosen) >= N_LEX:
                    break
        return chosen

    def matrix(self, names: list[str], idx: np.ndarray | None = None) -> np.ndarray:
        cols = [self.col[n] for n in names]
        raw = self.raw[:, cols] if idx is None else self.raw[idx][:, cols]
        return transform(raw.astype(float))


def _spelling_twins(word: str) -> set[str]:
    """UK/US variants of a word: a model must not learn 'defence = human' from BBC's spelling."""
    out = set()
    for uk, us in _SPELLING:
        if word.endswith(uk):
            out.add(word[: -len(uk)] + us)
        if word.endswith(us):
            out.add(word[: -len(us)] + uk)
    return out


# --- fitting -------------------------------------------------------------------------------------------------


@dataclass
class Fitted:
    features: list[str]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    human_median: np.ndarray
    human_mean: np.ndarray

    def logits(self, table: FeatureTable, idx: np.ndarray) -> np.ndarray:
        z = np.clip((table.matrix(self.features, idx) - self.mean) / self.scale, -Z_CLIP, Z_CLIP)
        return z @ self.weights + self.bias


def trainable(docs: list[Doc], idx: np.ndarray) -> np.ndarray:
    """Training rows among idx: MT from usable systems and English originals (human translations excluded)."""
    keep = [
        i
        for i in idx
        if docs[i].label == "human_original" or (docs[i].label == "mt" and (docs[i].chrf or 0) >= MIN_CHRF)
    ]
    return np.array(keep, dtype=int)


def sample_weights(y: np.ndarray, wmt_human: np.ndarray) -> np.ndarray:
    """Balanced classes, and inside the human class each English corpus (WMT originals, BBC) weighs
    WMT_SHARE / 1 - WMT_SHARE: by count BBC is 90% of the originals (97% on the 2022 side), so a model weighted
    by document learns BBC 2004-05 house style as "human" and flags the WMT originals, which share era and
    layout with the MT."""
    n, n_mt = len(y), int(y.sum())
    w = np.where(y == 1, 0.5 / max(n_mt, 1), 0.5 / max(n - n_mt, 1)) * n
    wmt, bbc = (y == 0) & wmt_human, (y == 0) & ~wmt_human
    if wmt.any() and bbc.any():
        w[wmt] = 0.5 * WMT_SHARE / wmt.sum() * n
        w[bbc] = 0.5 * (1 - WMT_SHARE) / bbc.sum() * n
    return w


def corpus_direction(Z: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """Unit vector from the mean of rows b to the mean of rows a (None unless both have MIN_CORPUS rows)."""
    if a.sum() < MIN_CORPUS or b.sum() < MIN_CORPUS:
        return None
    u = Z[a].mean(0) - Z[b].mean(0)
    norm = float(np.linalg.norm(u))
    return u / norm if norm > 0 else None


def logistic(Z: np.ndarray, y: np.ndarray, wmt_human: np.ndarray) -> tuple[np.ndarray, float]:
    """Weights and bias of the weighted logistic regression, blind to what tells the two human corpora apart.

    The standardised rows are projected off the direction between the mean WMT original and the mean BBC
    document, so the weights are orthogonal to it: the two corpora get the same mean logit, and outlet/era
    style (BBC 2004-05: short sentences, "US", pound signs) cannot stand in for "human".
    The runtime needs nothing new: w . z equals w . (projected z) when w is orthogonal to the direction."""
    from sklearn.linear_model import LogisticRegression  # training-only dependency

    u = corpus_direction(Z, (y == 0) & wmt_human, (y == 0) & ~wmt_human)
    if u is not None:
        Z = Z - np.outer(Z @ u, u)
    clf = LogisticRegression(C=C, max_iter=5000)
    clf.fit(Z, y, sample_weight=sample_weights(y, wmt_human))
    return clf.coef_[0].copy(), float(clf.intercept_[0])


def fit(table: FeatureTable, idx: np.ndarray) -> Fitted:
    """Corpus-balanced, corpus-blind logistic regression (`logistic`) on standardised trainable rows of idx."""
    rows = trainable(table.docs, idx)
    names = table.select(rows)
    X = table.matrix(names, rows)
    y = np.array([table.docs[i].label == "mt" for i in rows], dtype=int)
    wmt_human = np.array([table.docs[i].corpus == "wmt" for i in rows]) & (y == 0)
    mean = X.mean(0)
    scale = X.std(0) + 1e-6
    Z = np.clip((X - mean) / scale, -Z_CLIP, Z_CLIP)
    weights, bias = logistic(Z, y, wmt_human)
    human = table.raw[rows[y == 0]][:, [table.col[n] for n in names]]
    return Fitted(names, mean, scale, weights, bias, np.median(human, 0), human.mean(0))


def out_of_fold(table: FeatureTable, idx: np.ndarray, k: int = GRID,
                cut: dict[int, FeatureTable] | None = None) -> tuple[np.ndarray, dict[int, np.ndarray]]:
    """Logits for idx from k x k models, each blind to the document's source article *and* its system; and
    the same models' logits for the documents cut to each length of `cut` (tables from `cut_tables`)."""
    art, sysf = grid_cells([table.docs[i] for i in idx], k)
    out = np.full(len(idx), np.nan)
    out_cut = {n: np.full(len(idx), np.nan) for n in cut or {}}
    for a in range(k):
        for s in range(k):
            test = (art == a) & (sysf == s)
            if not test.any():
                continue
            model = fit(table, idx[(art != a) & (sysf != s)])
            out[test] = model.logits(table, idx[test])
            for n, short in (cut or {}).items():
                out_cut[n][test] = model.logits(short, idx[test])
    return out, out_cut


def cut_words(body: str, n: int) -> str:
    """The first n words of a body, its lines kept, ended at the last sentence end within them (a page shows
    whole sentences); nothing when no sentence ends there."""
    out, count = [], 0
    for line in body.split("\n"):
        words = line.split()
        if count + len(words) <= n:
            out.append(line)
            count += len(words)
            continue
        part = " ".join(words[: n - count])
        ends = list(re.finditer(r"[.!?][\"'”’)]*(?=\s|$)", part))
        if ends:
            out.append(part[: ends[-1].end()])
        break
    return "\n".join(out)


def cut_tables(table: FeatureTable, steps: tuple[int, ...] = LENGTH_STEPS) -> dict[int, FeatureTable]:
    """For each length, the table's features of every document cut to that many words (title kept)."""
    out = {}
    for n in steps:
        short = copy.copy(table)
        rows = []
        for doc, ex in zip(table.docs, table.ex, strict=True):
            rows.append(raw_vector(extract(cut_words(doc.body, n), doc.title), table.names)
                        if ex.n_words > n else table.raw[len(rows)])
        short.raw = np.array(rows, dtype=np.float32)
        short.ex = None  # type: ignore[assignment]  (only raw is read from a cut table)
        out[n] = short
    return out


def platt(logits: np.ndarray, is_mt: np.ndarray) -> tuple[float, float]:
    """Scale and shift that turn out-of-fold logits into P(MT) under a 50/50 prior."""
    from sklearn.linear_model import LogisticRegression

    w = np.where(is_mt, 0.5 / is_mt.sum(), 0.5 / (~is_mt).sum()) * len(is_mt)
    clf = LogisticRegression(C=1e4, max_iter=1000).fit(
        logits.reshape(-1, 1), is_mt.astype(int), sample_weight=w
    )
    return float(clf.coef_[0, 0]), float(clf.intercept_[0])


def choose_threshold(prob: np.ndarray, is_mt: np.ndarray, is_orig: np.ndarray) -> float:
    """Lowest probability that flags at most TARGET_HUMAN_FPR of originals and keeps precision >= 0.95."""
    human = np.sort(prob[is_orig])
    cut = float(human[int(np.ceil((1 - TARGET_HUMAN_FPR) * len(human))) - 1])
    threshold = float(np.nextafter(cut, 1.0))
    while True:
        tp = (prob[is_mt] >= threshold).sum()
        fp = (prob[is_orig] >= threshold).sum()
        if tp + fp == 0 or tp / (tp + fp) >= 0.95 or threshold >= 0.999:
            return round(threshold, 4)
        threshold = min(0.999, threshold + 0.005)


@dataclass
class Trained:
    """A calibrated model plus the out-of-fold evidence its threshold came from."""

    fitted: Fitted
    a: float
    b: float
    threshold: float
    oof_prob: np.ndarray
    idx: np.ndarray
    length_thresholds: list[tuple[int, float]]  # (words, threshold) for texts shorter than LENGTH_STEPS[-1]

    def prob(self, table: FeatureTable, idx: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.a * self.fitted.logits(table, idx) + self.b)))

    def thresholds(self, n_words: np.ndarray) -> np.ndarray:
        """Each document's threshold by its length, as cleaner.scorers.mt.Model.threshold_for gives it."""
        return np.array([threshold_for(int(n), self.threshold, self.length_thresholds) for n in n_words])


def train(table: FeatureTable, idx: np.ndarray, k: int = GRID,
          cut: dict[int, FeatureTable] | None = None) -> Trained:
    """Fit on idx, calibrate and pick the thresholds on idx's out-of-fold scores (whole and cut to each length
    of `cut`: see LENGTH_STEPS)."""
    labels = np.array([table.docs[i].label for i in idx])
    oof, oof_cut = out_of_fold(table, idx, k, cut)
    is_mt, is_orig = labels == "mt", labels == "human_original"
    use = is_mt | is_orig
    a, b = platt(oof[use], is_mt[use])
    prob = 1.0 / (1.0 + np.exp(-(a * oof + b)))
    threshold = choose_threshold(prob, is_mt, is_orig)
    n_words = np.array([table.ex[i].n_words for i in idx])
    steps: list[tuple[int, float]] = []
    floor = threshold
    for n in sorted(oof_cut, reverse=True):  # longest first: a shorter text never gets a lower threshold
        long_enough = n_words > n
        p = 1.0 / (1.0 + np.exp(-(a * oof_cut[n][long_enough] + b)))
        floor = max(floor, choose_threshold(p, is_mt[long_enough], is_orig[long_enough]))
        steps.append((n, floor))
    return Trained(fit(table, idx), a, b, threshold, prob, idx, sorted(steps))


# --- evaluation ----------------------------------------------------------------------------------------------


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """ROC-AUC as the probability a random positive outscores a random negative (ties count half)."""
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    allv = np.concatenate([pos, neg])
    order = allv.argsort(kind="mergesort")
    ranks = np.empty(len(allv))
    sorted_v = allv[order]
    i = 0
    while i < len(allv):
        j = i
        while j + 1 < len(allv) and sorted_v[j + 1] == sorted_v[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def metrics(docs: list[Doc], idx: np.ndarray, prob: np.ndarray,
            threshold: float | np.ndarray) -> dict[str, float | int]:
    """ROC-AUC, precision and recall at the threshold (one, or one per document), and flag rates per human
    group, for scored docs idx."""
    lab = np.array([docs[i].label for i in idx])
    corp = np.array([docs[i].corpus for i in idx])
    mt, orig, ht = lab == "mt", lab == "human_original", lab == "human_translation"
    flag = prob >= threshold
    tp, fp = int((flag & mt).sum()), int((flag & orig).sum())
    fp_ht = int((flag & ht).sum())
    return {
        "n_mt": int(mt.sum()),
        "n_original": int(orig.sum()),
        "n_human_translation": int(ht.sum()),
        "auc_mt_vs_original": auc(prob[mt], prob[orig]),
        "auc_mt_vs_wmt_original": auc(prob[mt], prob[orig & (corp == "wmt")]),
        "auc_mt_vs_bbc": auc(prob[mt], prob[orig & (corp == "bbc")]),
        "auc_mt_vs_human_translation": auc(prob[mt], prob[ht]),
        "precision": tp / max(tp + fp, 1),
        "precision_with_human_translations": tp / max(tp + fp + fp_ht, 1),
        "recall": tp / max(int(mt.sum()), 1),
        "flag_rate_original": fp / max(int(orig.sum()), 1),
        "flag_rate_wmt_original": float(flag[orig & (corp == "wmt")].mean())
        if (orig & (corp == "wmt")).any()
        else 0.0,
        "flag_rate_bbc": float(flag[orig & (corp == "bbc")].mean())
        if (orig & (corp == "bbc")).any()
        else 0.0,
        "flag_rate_human_translation": fp_ht / max(int(ht.sum()), 1),
    }


def year_sides(docs: list[Doc]) -> dict[str, np.ndarray]:
    """Two disjoint halves by WMT year (2020-21 vs 2022); BBC split in halves by document."""
    a, b = [], []
    for i, d in enumerate(docs):
        if d.corpus == "bbc":
            (a if _h(d.id + "#year", 2) == 0 else b).append(i)
        elif d.origin == "wmttest2022":
            b.append(i)
        else:
            a.append(i)
    return {"2020-21": np.array(a), "2022": np.array(b)}


def year_split(table: FeatureTable, cut: dict[int, FeatureTable] | None = None) -> dict[str, dict]:
    """Train on one year side (thresholds chosen there), score the other: unseen years, systems, languages;
    whole (each document at its length's threshold) and cut to each length of `cut` ("by_length")."""
    sides = year_sides(table.docs)
    out: dict[str, dict] = {}
    for train_side, test_side in (("2020-21", "2022"), ("2022", "2020-21")):
        trained = train(table, sides[train_side], k=3, cut=cut)
        test = sides[test_side]
        prob = trained.prob(table, test)
        n_words = np.array([table.ex[i].n_words for i in test])
        by_length = {}
        for n, short in (cut or {}).items():
            longer = test[n_words > n]
            thr = threshold_for(n, trained.threshold, trained.length_thresholds)
            m = metrics(table.docs, longer, trained.prob(short, longer), thr)
            by_length[n] = {"threshold": thr, **{k: m[k] for k in (
                "n_mt", "n_original", "recall", "precision", "flag_rate_original", "flag_rate_wmt_original")}}
        out[f"train {train_side} -> test {test_side}"] = {
            "threshold": trained.threshold,
            "length_thresholds": trained.length_thresholds,
            "idx": test,
            "prob": prob,
            "metrics": metrics(table.docs, test, prob, trained.thresholds(n_words)),
            "by_length": by_length,
        }
    return out


def build_table(shared: Path = SHARED) -> FeatureTable:
    docs = load_corpus(shared)
    return FeatureTable(docs, [extract(d.body, d.title) for d in docs])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def model_json(trained: Trained, table: FeatureTable, shared: Path, evaluation: dict) -> dict:
    f = trained.fitted
    counts = Counter(d.label + ("/bbc" if d.corpus == "bbc" else "") for d in table.docs)
    return {
        "format": "cleaner.mt/1",
        "features": f.features,
        "mean": [round(float(x), 6) for x in f.mean],
        "scale": [round(float(x), 6) for x in f.scale],
        # Platt calibration folded in: logit = a * (w . z + b0) + b
        "weights": [round(float(trained.a * x), 6) for x in f.weights],
        "bias": round(float(trained.a * f.bias + trained.b), 6),
        "threshold": trained.threshold,
        "length_thresholds": [[n, round(t, 4)] for n, t in trained.length_thresholds],
        "human_median": [round(float(x), 5) for x in f.human_median],
        "human_mean": [round(float(x), 5) for x in f.human_mean],
        "meta": {
            "trained": dt.date.today().isoformat(),
            "tool": "tools/train_mt.py",
            "data": {
                "mt/docs.jsonl": _sha256(shared / "data" / "mt" / "docs.jsonl"),
                "news/docs.jsonl": _sha256(shared / "data" / "news" / "docs.jsonl"),
                "documents": dict(sorted(counts.items())),
                "trained_on": f"mt (systems with chrF >= {MIN_CHRF:g}) vs human_original (WMT + BBC); "
                "human translations only evaluated",
            },
            "hyperparameters": {
                "C": C,
                "n_ngrams": N_NGRAMS,
                "n_lex": N_LEX,
                "lex_spread": LEX_SPREAD,
                "grid": GRID,
                "target_human_fpr": TARGET_HUMAN_FPR,
                "length_steps": list(LENGTH_STEPS),
                "wmt_share_of_human_weight": WMT_SHARE,
                "blind_to_corpus_direction": True,
                "function_words": len(FUNCTION_WORDS),
            },  # fmt: skip
            "evaluation": evaluation,
        },
    }


def grid_metrics(table: FeatureTable, trained: Trained) -> dict:
    n_words = np.array([table.ex[i].n_words for i in trained.idx])
    return metrics(table.docs, trained.idx, trained.oof_prob, trained.thresholds(n_words))


def evaluate(table: FeatureTable, trained: Trained, cut: dict[int, FeatureTable] | None = None) -> dict:
    """Held-out metrics: the out-of-fold grid of the final model and the two year splits (with their flag
    rates on the test side's documents cut to each length, "by_length")."""
    ev: dict = {"grid_oof (unseen article and system)": grid_metrics(table, trained)}
    for name, res in year_split(table, cut).items():
        ev[name] = {"threshold": res["threshold"], **res["metrics"], "by_length": res["by_length"]}
    return ev


def print_evaluation(ev: dict) -> None:
    keys = [
        "auc_mt_vs_original", "auc_mt_vs_wmt_original", "auc_mt_vs_bbc", "auc_mt_vs_human_translation",
        "precision", "precision_with_human_translations", "recall", "flag_rate_original",
        "flag_rate_wmt_original", "flag_rate_bbc", "flag_rate_human_translation",
    ]  # fmt: skip
    names = list(ev)
    print(f"{'metric':36s}" + "".join(f"{n[:30]:>32s}" for n in names))
    for k in ["threshold", "n_mt", "n_original", "n_human_translation", *keys]:
        cells = []
        for n in names:
            v = ev[n].get(k)
            cells.append(f"{'':>32s}" if v is None else f"{v:>32.4g}" if isinstance(v, float) else f"{v:>32}")
        print(f"{k:36s}" + "".join(cells))
    for n in names:
        for words, m in ev[n].get("by_length", {}).items():
            print(f"{n}, cut to {words} words: threshold {m['threshold']:.4f}, originals flagged "
                  f"{m['flag_rate_original']:.4f} (WMT {m['flag_rate_wmt_original']:.4f}, n={m['n_original']}), "
                  f"MT recall {m['recall']:.4f} (n={m['n_mt']}), precision {m['precision']:.4f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--out", type=Path, default=models_dir() / MODEL_FILE)
    ap.add_argument("--no-eval", action="store_true", help="skip the year-split evaluation (faster)")
    args = ap.parse_args(argv)
    if not (args.shared / "data" / "mt" / "docs.jsonl").exists():
        print(f"training data not found under {args.shared}/data (../shared is absent)", file=sys.stderr)
        return 2
    table = build_table(args.shared)
    cut = cut_tables(table)
    trained = train(table, np.arange(len(table.docs)), cut=cut)
    if args.no_eval:
        ev = {"grid_oof (unseen article and system)": grid_metrics(table, trained)}
    else:
        ev = evaluate(table, trained, cut)
    print_evaluation(ev)
    per_lang = defaultdict(list)
    for i, p in zip(trained.idx, trained.oof_prob, strict=True):
        per_lang[table.docs[i].source_lang].append(p >= trained.threshold)
    print(
        "out-of-fold flag rate by source language:",
        {k: round(float(np.mean(v)), 3) for k, v in sorted(per_lang.items())},
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(model_json(trained, table, args.shared, ev), indent=1) + "\n", encoding="utf-8"
    )
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB), threshold {trained.threshold}, "
          f"by length {trained.length_thresholds}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
