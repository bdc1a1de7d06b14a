"""Train the block classifier (cleaner/models/blocks_text.json, blocks_html.json) and measure it out-of-fold.

Data: ../shared/data/extraction (read in place, never copied). Text mode trains on text/<id>.txt split one
block per non-blank line (as the segmenter does) with the gold line labels; HTML mode trains on
cleaner.html's blocks of the same page, which are the same lines (the walker follows the dev set's line
rules; the trainer checks that they match) carrying DOM evidence. `body` is the positive class for
"keep"; `drop`, `title` and `date` lines are not body (title and date are reported as metadata).

Evaluation is cross-validated with folds grouped by site, so no site is in both train and test:

    .venv/bin/python tools/train_blocks.py --cv          # out-of-fold numbers only
    .venv/bin/python tools/train_blocks.py               # cv, then fit on everything and write the models

Text mode's headline features (similarity to the headline, distance from it) are computed with the headline the
pipeline itself finds (cleaner.clean.Cleaner._metadata on a text document with no declared title), not the gold
title line: at run time nobody gives the model the gold headline, and the one it finds is often another line (or
none). That headline depends on a model (the pipeline looks for it before the first paragraph the model is sure is
body), so training goes in rounds: a round's out-of-fold models find the headlines the next round trains on
(round 0 trains on the gold title, or --title-models gives the fold models to start from).

Deterministic: fixed folds (sorted sites), fixed seeds, one thread.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cleaner.classifier import (  # noqa: E402
    STAGE2_NAMES,
    TEXT_STAGE2_NAMES,
    BlockClassifier,
    block_features,
    stage2_features,
    text_stage2_features,
)
from cleaner.document import Block  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "extraction"
MODELS = ROOT / "cleaner" / "models"
N_FOLDS = 5
PARAMS: dict[str, Any] = {
    "max_iter": 150, "learning_rate": 0.1, "max_leaf_nodes": 15, "min_samples_leaf": 20,
    "l2_regularization": 1.0, "early_stopping": False, "random_state": 0,
}
#: per mode: the tree settings and how a line's weight grows with its words ("log": 1 + log(1 + words), "sqrt":
#: 1 + sqrt(words): long lines count more, as they do in the shingle metric).
#: Text: "sqrt" (whole pipeline out-of-fold, bench/extraction.py, scrapinghub F1 0.919 → 0.920, body-line recall
#: 0.809 → 0.814; readability pages 0.928 → 0.923; short simple articles lose no more paragraphs than with "log").
#: HTML: "sqrt": out-of-fold scrapinghub F1 0.972 → 0.975 (model only 0.970 → 0.975; readability pages 0.967 →
#: 0.964). Alone it distrusts short articles (simple pages made from ../shared/data/news lost 161 of 800 paragraphs
#: at k = 2 and 39 of 1,190 at k = 3, against 40 and 2 with "log"); with clean.EXTRACTOR_SPARE_P (the model removes
#: prose trafilatura keeps only when sure) 21 and 13 (bench/short_articles.py). Twice the trees at half the step
#: (0.974 model-only), each class weighing the same on every page (0.966) and 300 short synthetic pages added to
#: training (0.967) were not taken.
#: "bags" (default 1; --bags): average that many models, each on the pages resampled (Bagged). Text, one headline
#: round from the committed procedure's fold models, whole pipeline out-of-fold (bench/extraction.py --quick):
#: scrapinghub F1 / body-line recall 0.922 / 0.792 with one model, 0.921 / 0.764 with 2 bags, 0.924 / 0.813 with 4
#: (the chosen cuts 0.55, 0.55, 0.65 account for most of it): noise, not a gain; 4× the trees cost 21% more
#: cleaning time (2.24 → 2.71 ms a news document), so one model is committed.
#: "stage2_extra" (text; --stage2-extra): columns of cleaner.classifier.TEXT_STAGE2_NAMES added to stage 2 (topic
#: cohesion with the lines stage 1 is sure are body, distance to them). Retrained with one headline round from the
#: committed procedure's fold models, whole pipeline out-of-fold: recall +0.005-0.010 over a retrain of the same
#: code (0.934 → 0.940-0.944, F1 0.924 → 0.926-0.928), below the committed fold models (0.955 / 0.937): not
#: adopted (docs/tuning.md, "Text stage 2: topic cohesion").
#: "reread_rows" (text; --reread-rows): stage 2 also trains on each page as the pipeline reads it a second time
#: (the lines its rules left, found with the round's fold models, as the headline is), so that the second reading
#: (Cleaner._reread_among_kept) is one it was trained on. Whole pipeline out-of-fold, its own fold models:
#: scrapinghub text 0.9113 / 0.9553 / 0.9328 against the committed procedure's 0.9031 / 0.9708 / 0.9357,
#: readability pages 0.936 against 0.926 (the chosen cut 0.55 against 0.65): within retrain noise on scrapinghub
#: and below it on recall, so not adopted (docs/tuning.md).
MODE_SETTINGS: dict[str, dict[str, Any]] = {
    "text": {"params": PARAMS, "weights": "sqrt"},
    "html": {"params": PARAMS, "weights": "sqrt"},
}
_ALIASES = {"wapo": "washingtonpost", "guardian": "theguardian", "ars": "arstechnica", "herald": "heraldsun"}


# ------------------------------------------------------------------------------------------------
# data
# ------------------------------------------------------------------------------------------------


def site_of(rec: dict[str, Any]) -> str:
    """The group key: the site's main domain label (nytimes), so a site's pages never straddle folds."""
    if rec.get("url"):
        host = urlparse(rec["url"]).netloc.lower().split(":")[0]
        labels = [x for x in host.split(".") if x not in ("www", "m", "amp")]
        if len(labels) >= 3 and labels[-2] in ("co", "com", "org", "net", "ac", "gov"):
            return labels[-3]
        return labels[-2] if len(labels) >= 2 else host
    case = rec["id"].split("-", 1)[1]
    head = case.split("-")[0]
    return _ALIASES.get(head, head)


def decode_html(raw: bytes) -> str:
    """The dev set's decoding: BOM, else strict UTF-8, else the <meta> charset, else cp1252."""
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if raw.startswith(bom):
            return raw[len(bom):].decode(enc, errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    m = re.search(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", raw[:8192], re.I)
    if m:
        try:
            return raw.decode(m.group(1).decode("ascii").lower(), errors="replace")
        except LookupError:
            pass
    return raw.decode("cp1252", errors="replace")


def load_manifest(data: Path = DATA) -> list[dict[str, Any]]:
    with open(data / "manifest.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def text_blocks(lines: list[str]) -> list[Block]:
    """One block per non-blank line with blank_before/after, as the segmenter makes them."""
    blocks: list[Block] = []
    blank = True
    for line in lines:
        if not line.strip():
            blank = True
            if blocks:
                blocks[-1].features["blank_after"] = True
            continue
        indent = len(line) - len(line.lstrip(" "))
        blocks.append(Block(line.strip(), "line", {"blank_before": blank, "blank_after": False, "indent": indent}))
        blank = False
    if blocks:
        blocks[-1].features["blank_after"] = True  # the segmenter counts the end of the text as blank
    return blocks


@dataclass
class Page:
    id: str
    dataset: str
    site: str
    truth: str
    labels: np.ndarray  # 1 = not body (drop/title/date), per non-blank line
    text_blocks: list[Block]
    title: str | None  # the gold title line (text mode) when there is one
    html_blocks: list[Block] | None = None
    html_title: str | None = None
    ruled: set[int] | None = None  # text mode: the lines the pipeline's rules remove (pipeline_rulings)


def load_pages(data: Path = DATA, html: bool = True, limit: int | None = None) -> list[Page]:
    from cleaner.html import html_to_blocks

    pages: list[Page] = []
    for rec in load_manifest(data)[:limit]:
        gold = (data / "text" / f"{rec['id']}.gold.tsv").read_text(encoding="utf-8").rstrip("\n").split("\n")
        pairs = [row.split("\t", 1) for row in gold]
        raw_lines = [p[1] if len(p) > 1 else "" for p in pairs]
        labels = np.array([0 if p[0] == "body" else 1 for p in pairs if p[0] != "blank"], dtype=np.int64)
        title = next((p[1] for p in pairs if p[0] == "title"), None)
        tb = text_blocks(raw_lines)
        assert len(tb) == len(labels), rec["id"]
        page = Page(rec["id"], rec["dataset"], site_of(rec), rec["text"], labels, tb, title)
        if html:
            raw = (data / rec["html"]).read_bytes()
            blocks, meta = html_to_blocks(decode_html(raw), rec.get("url"))
            if [b.text for b in blocks] != [b.text for b in tb]:
                raise SystemExit(f"{rec['id']}: HTML blocks differ from the text-mode lines; labels cannot map")
            page.html_blocks = blocks
            page.html_title = meta.get("title") or rec.get("title")
        pages.append(page)
    return pages


def _text_document(blocks: list[Block]) -> Any:
    """A text Document of these lines, with the blocks the segmenter makes of them."""
    from cleaner.document import Document
    from cleaner.segment import guess_kind, normalize_line

    seg = []
    for b in blocks:
        text = normalize_line(b.text)
        bb, ba = bool(b.features["blank_before"]), bool(b.features["blank_after"])
        seg.append(Block(text, guess_kind(text, bb, ba),  # type: ignore[arg-type]
                         {"blank_before": bb, "blank_after": ba, "indent": b.features.get("indent", 0)}))
    doc = Document(id="train", input="<memory>", format="text", raw="")
    doc.blocks = seg
    return doc


def _cleaner(clf: Any) -> Any:
    from cleaner.clean import Cleaner

    cleaner = Cleaner(use_model=True)
    cleaner._model = clf
    return cleaner


def pipeline_title(blocks: list[Block], clf: Any) -> str | None:
    """The headline the pipeline finds in a text document made of these lines (no title declared) when `clf` is
    its block classifier: cleaner.clean's own code path (Cleaner._metadata), on the blocks the segmenter makes."""
    from cleaner.clean import _extractor_output

    doc = _text_document(blocks)
    cleaner = _cleaner(clf)
    rules, _ = cleaner.ruleset.for_document(doc.source, doc.source)  # no URL: the packs for any page
    cleaner._metadata(doc, True, set(), _extractor_output(doc), rules)  # as Cleaner.run calls it
    return doc.title


def pipeline_rulings(blocks: list[Block], clf: Any) -> set[int]:
    """The lines of a text document made of these lines that the pipeline's rules remove (headline and date lines
    included, the model's own removals not) when `clf` is its block classifier: the lines that are not there
    when the model reads the page a second time (Cleaner._reread_among_kept)."""
    doc = _cleaner(clf).run(_text_document(blocks))
    return {r.block for r in doc.removed if not r.partial and r.rule != "model/blocks"}


def untitled(pages: list[Page], share: float) -> list[Page]:
    """Copies of a share of the pages (chosen by id hash, so deterministic) with no headline: the pipeline asks the
    model about a text without one (to find the headline, and when it finds none), so it must judge those too."""
    out = []
    for p in pages:
        if share > 0 and random.Random(p.id + "#untitled").random() < share:
            out.append(Page(p.id + "#untitled", "untitled", p.site, p.truth, p.labels, p.text_blocks, None))
    return out


def crops(pages: list[Page], margin: int = 8) -> list[Page]:
    """Text mode also gets *already extracted* text: the article with a little chrome around it, not a
    whole page. Each page adds one crop, from up to `margin` lines before its first body line to up to
    `margin` after its last (seeded by the page id, so deterministic), labelled as the page is. Without
    them the model only ever sees long pages and distrusts short documents."""
    out: list[Page] = []
    for p in pages:
        body = np.flatnonzero(p.labels == 0)
        if not len(body):
            continue
        rng = random.Random(p.id)
        lo = max(0, int(body[0]) - rng.randint(0, margin))
        hi = min(len(p.labels), int(body[-1]) + 1 + rng.randint(0, margin))
        blocks = [Block(b.text, b.kind, dict(b.features)) for b in p.text_blocks[lo:hi]]
        blocks[0].features["blank_before"] = True
        blocks[-1].features["blank_after"] = True
        out.append(Page(p.id + "#crop", "crop", p.site, p.truth, p.labels[lo:hi].copy(), blocks, p.title))
    return out


# ------------------------------------------------------------------------------------------------
# metric (scrapinghub evaluate.py, as ../shared/data/extraction/README.md defines it)
# ------------------------------------------------------------------------------------------------


def shingles(text: str, n: int = 4) -> Counter:
    toks = re.findall(r"\w+", text)
    if len(toks) < n:
        return Counter([tuple(toks)]) if toks else Counter()
    return Counter(tuple(toks[i:i + n]) for i in range(len(toks) - n + 1))


def page_prf(truth: str, pred: str) -> tuple[float | None, float | None]:
    """Per-page (precision, recall); None where the page is left out of that mean."""
    g, p = shingles(truth), shingles(pred)
    tp = sum((g & p).values())
    fp = sum((p - g).values())
    fn = sum((g - p).values())
    if fp == 0 and fn == 0:
        return 1.0, 1.0
    prec = tp / (tp + fp) if tp + fp else None
    rec = tp / (tp + fn) if tp + fn else None
    return prec, rec


def summarise(pairs: list[tuple[float | None, float | None]]) -> dict[str, float]:
    ps = [p for p, _ in pairs if p is not None]
    rs = [r for _, r in pairs if r is not None]
    prec = sum(ps) / len(ps) if ps else 0.0
    rec = sum(rs) / len(rs) if rs else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4), "pages": len(pairs)}


# ------------------------------------------------------------------------------------------------
# training
# ------------------------------------------------------------------------------------------------


def sample_weights(blocks: list[Block], labels: np.ndarray, growth: str = "log") -> np.ndarray:
    """Long lines weigh more (the metric counts shingles), but short ones still count (body-line recall)."""
    words = np.array([len(b.text.split()) for b in blocks], dtype=np.float64)
    w = 1.0 + (np.sqrt(words) if growth == "sqrt" else np.log1p(words))
    # every page about the same total weight, so chrome-heavy pages do not dominate
    return w / w.sum() * 200.0


class Bagged:
    """Models fitted on bootstrap resamples of the training pages, averaged in log-odds: the trees of all of them
    make one additive model (each leaf value divided by their number), so `export` gives the evaluator one spec."""

    def __init__(self, models: list[Any]) -> None:
        self.models = models

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return np.mean([m.decision_function(X) for m in self.models], axis=0)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.stack([1.0 - p, p], axis=1)


def fit(X: np.ndarray, y: np.ndarray, w: np.ndarray, mode: str, pages: np.ndarray | None = None) -> Any:
    """One gradient-boosted model, or (MODE_SETTINGS[mode]["bags"] > 1, `pages`: each line's page) the average of
    that many, each on the pages drawn again with replacement (a page's lines weigh its Poisson(1) count)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    bags = int(MODE_SETTINGS[mode].get("bags", 1))
    if bags <= 1 or pages is None:
        model = HistGradientBoostingClassifier(**MODE_SETTINGS[mode]["params"])
        model.fit(X, y, sample_weight=w)
        return model
    rng = np.random.default_rng(len(y))  # deterministic: seeded by the data's size
    models = []
    for _ in range(bags):
        wb = w * rng.poisson(1.0, int(pages.max()) + 1)[pages]
        keep = wb > 0
        model = HistGradientBoostingClassifier(**MODE_SETTINGS[mode]["params"])
        model.fit(X[keep], y[keep], sample_weight=wb[keep])
        models.append(model)
    return Bagged(models)


def export(model: Any, names: list[str]) -> dict[str, Any]:
    """sklearn HistGradientBoosting → plain JSON trees (leaf values shrunk; inner values = weighted means); a
    Bagged model → the trees of all its models, values divided by their number, the mean of their bases."""
    if isinstance(model, Bagged):
        parts = [export(m, names) for m in model.models]
        k = len(parts)
        for part in parts:
            for tree in part["trees"]:
                tree["value"] = [round(v / k, 7) for v in tree["value"]]
        return {"features": names, "base": sum(p["base"] for p in parts) / k,
                "trees": [t for p in parts for t in p["trees"]], "max_depth": max(p["max_depth"] for p in parts)}
    trees = []
    max_depth = 0
    for (pred,) in model._predictors:
        nodes = pred.nodes
        m = len(nodes)
        value = [float(v) for v in nodes["value"]]
        count = [int(c) for c in nodes["count"]]
        leaf = [bool(x) for x in nodes["is_leaf"]]
        left = [int(x) for x in nodes["left"]]
        right = [int(x) for x in nodes["right"]]
        depth = [int(x) for x in nodes["depth"]]
        max_depth = max(max_depth, max(depth))
        for i in sorted(range(m), key=lambda k: -depth[k]):
            if not leaf[i]:
                tot = count[left[i]] + count[right[i]]
                value[i] = (value[left[i]] * count[left[i]] + value[right[i]] * count[right[i]]) / max(tot, 1)
        trees.append({
            "feature": [int(x) if not lf else 0 for x, lf in zip(nodes["feature_idx"], leaf, strict=True)],
            "threshold": [float(x) for x in nodes["num_threshold"]],
            "left": [x if not lf else i for i, (x, lf) in enumerate(zip(left, leaf, strict=True))],
            "right": [x if not lf else i for i, (x, lf) in enumerate(zip(right, leaf, strict=True))],
            "value": [round(v, 7) for v in value],
            "leaf": leaf,
        })
    return {"features": names, "base": float(np.ravel(model._baseline_prediction)[0]), "trees": trees,
            "max_depth": max_depth}


def check_export(model: Any, spec: dict[str, Any], X: np.ndarray) -> None:
    """The numpy evaluator must reproduce sklearn's log-odds, and path attributions must add up."""
    from cleaner.classifier import Trees

    trees = Trees(spec)
    raw, contrib = trees.raw(X, attribute=True)
    want = model.decision_function(X)
    assert np.allclose(raw, want, atol=1e-5), float(np.abs(raw - want).max())
    root = trees.base + trees.value[:, 0].sum()
    assert contrib is not None and np.allclose(root + contrib.sum(axis=1), raw, atol=1e-5)


def shift_to_half(spec: dict[str, Any], threshold: float) -> None:
    """Move the log-odds so that p_boilerplate = 0.5 is the chosen cut: callers that remove at p ≥ 0.5
    (the pipeline's default) then make the decision measured out-of-fold."""
    spec["base"] -= math.log(threshold / (1.0 - threshold))


def matrices(pages: list[Page], mode: str) -> list[tuple[np.ndarray, list[str]]]:
    out = []
    for p in pages:
        blocks = p.html_blocks if mode == "html" else p.text_blocks
        title = p.html_title if mode == "html" else p.title
        X, names, _ = block_features(blocks, title)  # type: ignore[arg-type]
        out.append((X, names))
    return out


def folds(pages: list[Page], k: int) -> list[int]:
    """Fold of each page: sites sorted by name, dealt round-robin by descending page count (deterministic).
    Only whole pages count (not crops or copies, which go with their page's site)."""
    sites = Counter(p.site for p in pages if "#" not in p.id)
    order = sorted(sites, key=lambda s: (-sites[s], s))
    fold_of = {s: i % k for i, s in enumerate(order)}
    return [fold_of[p.site] for p in pages]


def stage2_names(mode: str) -> list[str]:
    """Stage 2's columns after the block features: STAGE2_NAMES, and text mode's extra ones (MODE_SETTINGS)."""
    return list(STAGE2_NAMES) + list(MODE_SETTINGS[mode].get("stage2_extra", ()))


def stage2_matrix(X: np.ndarray, p1: np.ndarray, blocks: list[Block], mode: str) -> np.ndarray:
    """Stage 2's input: the block features, stage2_features and the extra columns of stage2_names(mode)."""
    parts = [X, stage2_features(p1, blocks)]
    extra = MODE_SETTINGS[mode].get("stage2_extra", ())
    if extra:
        parts.append(text_stage2_features(p1, blocks)[:, [TEXT_STAGE2_NAMES.index(c) for c in extra]])
    return np.concatenate(parts, axis=1)


class TwoStage:
    """Stage 1 on block features; stage 2 on those plus the stage-1 scores of the neighbourhood."""

    def __init__(self, inner_folds: int = 3) -> None:
        self.inner_folds = inner_folds
        self.stage1: Any = None
        self.stage2: Any = None

    def fit(self, pages: list[Page], Xs: list[np.ndarray], mode: str) -> TwoStage:
        ys = [p.labels for p in pages]
        growth = MODE_SETTINGS[mode]["weights"]
        ws = [sample_weights(self._blocks(p, mode), p.labels, growth) for p in pages]
        X, y, w = np.concatenate(Xs), np.concatenate(ys), np.concatenate(ws)
        groups = np.concatenate([np.full(len(x), i) for i, x in enumerate(Xs)])
        self.stage1 = fit(X, y, w, mode, groups)
        # stage 2 learns from stage-1 scores the model did not see in training (inner folds by site)
        inner = folds(pages, self.inner_folds)
        p1s: list[np.ndarray | None] = [None] * len(pages)
        for f in range(self.inner_folds):
            tr = [i for i, g in enumerate(inner) if g != f]
            te = [i for i, g in enumerate(inner) if g == f]
            m = fit(np.concatenate([Xs[i] for i in tr]), np.concatenate([ys[i] for i in tr]),
                    np.concatenate([ws[i] for i in tr]), mode,
                    np.concatenate([np.full(len(Xs[i]), k) for k, i in enumerate(tr)]))
            for i in te:
                p1s[i] = m.predict_proba(Xs[i])[:, 1]
        X2 = np.concatenate([stage2_matrix(Xs[i], p1s[i], self._blocks(pages[i], mode), mode)  # type: ignore[arg-type]
                             for i in range(len(pages))])
        if MODE_SETTINGS[mode].get("reread_rows"):
            X2, y, w, groups = self._with_reread_rows(pages, Xs, p1s, ws, X2, y, w, groups, mode)  # type: ignore[arg-type]
        self.stage2 = fit(X2, y, w, mode, groups)
        return self

    def _with_reread_rows(self, pages: list[Page], Xs: list[np.ndarray], p1s: list[np.ndarray],
                          ws: list[np.ndarray], X2: np.ndarray, y: np.ndarray, w: np.ndarray, groups: np.ndarray,
                          mode: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Stage 2 also learns from each page as the model reads it a second time in the pipeline: the lines the
        rules left (Page.ruled), with the neighbourhood they make alone, so that the second reading is one it
        was trained on."""
        parts, ys, wts, grs = [X2], [y], [w], [groups]
        for i, page in enumerate(pages):
            if not page.ruled:
                continue
            kept = [j for j in range(len(Xs[i])) if j not in page.ruled]
            if not kept:
                continue
            blocks = self._blocks(page, mode)
            parts.append(stage2_matrix(Xs[i][kept], p1s[i][kept], [blocks[j] for j in kept], mode))
            ys.append(page.labels[kept])
            wts.append(ws[i][kept])
            grs.append(np.full(len(kept), i))
        return np.concatenate(parts), np.concatenate(ys), np.concatenate(wts), np.concatenate(grs)

    @staticmethod
    def _blocks(page: Page, mode: str) -> list[Block]:
        return page.html_blocks if mode == "html" else page.text_blocks  # type: ignore[return-value]

    def predict(self, page: Page, X: np.ndarray, mode: str) -> np.ndarray:
        p1 = self.stage1.predict_proba(X)[:, 1]
        X2 = stage2_matrix(X, p1, self._blocks(page, mode), mode)
        return self.stage2.predict_proba(X2)[:, 1]


def cross_validate(pages: list[Page], mode: str, Xs: list[np.ndarray], names: list[str]
                   ) -> tuple[list[np.ndarray], list[dict[str, Any]]]:
    """Out-of-fold p_boilerplate for every page (folds grouped by site), and each fold's exported model
    (the benchmark reuses them to run the whole pipeline out-of-fold)."""
    fold = folds(pages, N_FOLDS)
    out: list[np.ndarray | None] = [None] * len(pages)
    specs = []
    for f in range(N_FOLDS):
        tr = [i for i, g in enumerate(fold) if g != f]
        te = [i for i, g in enumerate(fold) if g == f]
        model = TwoStage().fit([pages[i] for i in tr], [Xs[i] for i in tr], mode)
        for i in te:
            out[i] = model.predict(pages[i], Xs[i], mode)
        specs.append({"test_pages": sorted(pages[i].id for i in te), "stage1": export(model.stage1, names),
                      "stage2": export(model.stage2, names + stage2_names(mode))})
    return out, specs  # type: ignore[return-value]


def evaluate(pages: list[Page], probs: list[np.ndarray], mode: str, threshold: float) -> dict[str, Any]:
    """Scrapinghub metric of the kept lines per dataset, plus line-level body recall / drop removal."""
    res: dict[str, Any] = {}
    for ds in sorted({p.dataset for p in pages}):
        pairs = []
        body = kept_body = drop = removed_drop = 0
        for p, pr in zip(pages, probs, strict=True):
            if p.dataset != ds:
                continue
            blocks = TwoStage._blocks(p, mode)
            keep = pr < threshold
            pairs.append(page_prf(p.truth, "\n".join(b.text for b, k in zip(blocks, keep, strict=True) if k)))
            body += int((p.labels == 0).sum())
            kept_body += int(((p.labels == 0) & keep).sum())
            drop += int((p.labels == 1).sum())
            removed_drop += int(((p.labels == 1) & ~keep).sum())
        res[ds] = summarise(pairs) | {"body_line_recall": round(kept_body / max(body, 1), 4),
                                      "drop_line_removal": round(removed_drop / max(drop, 1), 4)}
    return res


def choose_threshold(pages: list[Page], probs: list[np.ndarray], mode: str) -> float:
    """The cut with the best out-of-fold F1 over all pages (coarse grid, ties → 0.5)."""
    best, best_f1 = 0.5, -1.0
    for t in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85):
        r = evaluate(pages, probs, mode, t)
        f1 = sum(v["f1"] * v["pages"] for v in r.values()) / sum(v["pages"] for v in r.values())
        if f1 > best_f1 + 1e-4 or (abs(f1 - best_f1) <= 1e-4 and abs(t - 0.5) < abs(best - 0.5)):
            best, best_f1 = t, f1
    return best


def train_final(pages: list[Page], mode: str, Xs: list[np.ndarray], names: list[str], threshold: float,
                cv: dict[str, Any]) -> dict[str, Any]:
    model = TwoStage().fit(pages, Xs, mode)
    check_export(model.stage1, export(model.stage1, names), np.concatenate(Xs[:20]))
    stage2 = export(model.stage2, names + stage2_names(mode))
    shift_to_half(stage2, threshold)
    return {
        "mode": mode,
        "threshold": 0.5,
        "chosen_threshold": threshold,
        "trained_on": {"pages": len(pages), "sites": len({p.site for p in pages}), "lines": int(sum(len(x) for x in Xs))},
        "cross_validated": cv,
        "params": MODE_SETTINGS[mode]["params"],
        "line_weights": MODE_SETTINGS[mode]["weights"],
        "stage1": export(model.stage1, names),
        "stage2": stage2,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--cv", action="store_true", help="cross-validate only; do not write models")
    ap.add_argument("--modes", default="text,html")
    ap.add_argument("--oof", type=Path, help="write out-of-fold probabilities (JSON) here")
    ap.add_argument("--fold-models", type=Path, help="write each fold's model here (for bench/extraction.py)")
    ap.add_argument("--limit", type=int, help="first N pages only (smoke test; no models written)")
    ap.add_argument("--text-title", choices=("found", "gold"), default="found",
                    help="text mode's headline feature: the one the pipeline finds (default: the committed model; "
                         "out-of-fold +0.004 F1 on scrapinghub text) or the gold title line")
    ap.add_argument("--title-rounds", type=int, default=1,
                    help="rounds of find-the-headline-then-retrain (text mode, --text-title found)")
    ap.add_argument("--title-models", type=Path,
                    help="fold models (text_fold<k>.json) that find the first round's headlines, instead of a "
                         "round 0 trained on the gold title")
    ap.add_argument("--untitled-share", type=float, default=0.0,
                    help="text mode: add a copy with no headline of this share of the pages "
                         "(0.5 measured worse out-of-fold: fewer body lines kept)")
    ap.add_argument("--bags", type=int, help="text mode: average this many models on resampled pages "
                    "(MODE_SETTINGS; experiments)")
    ap.add_argument("--stage2-extra", help="text mode's extra stage-2 columns: comma-separated names of "
                    "cleaner.classifier.TEXT_STAGE2_NAMES, 'all' or 'none' (MODE_SETTINGS; experiments)")
    ap.add_argument("--params", help="text mode's tree settings, JSON merged into MODE_SETTINGS (experiments)")
    ap.add_argument("--reread-rows", action="store_true", help="text mode: stage 2 also trains on each page as "
                    "the pipeline reads it a second time, the lines its rules left (MODE_SETTINGS; experiments)")
    args = ap.parse_args(argv)
    if args.stage2_extra is not None:
        extra = {"all": list(TEXT_STAGE2_NAMES), "none": []}.get(args.stage2_extra, args.stage2_extra.split(","))
        assert all(c in TEXT_STAGE2_NAMES for c in extra), extra
        MODE_SETTINGS["text"] = MODE_SETTINGS["text"] | {"stage2_extra": extra}
    if args.params:
        MODE_SETTINGS["text"] = MODE_SETTINGS["text"] | {"params": PARAMS | json.loads(args.params)}
    if args.bags:
        MODE_SETTINGS["text"] = MODE_SETTINGS["text"] | {"bags": args.bags}
    if args.reread_rows:
        MODE_SETTINGS["text"] = MODE_SETTINGS["text"] | {"reread_rows": True}
    if not (args.data / "manifest.jsonl").exists():
        print(f"development data not found at {args.data} (../shared is absent); nothing to train")
        return 0
    t0 = time.time()
    modes = args.modes.split(",")
    pages = load_pages(args.data, html="html" in modes, limit=args.limit)
    if args.limit:
        args.cv = True
    print(f"loaded {len(pages)} pages from {len({p.site for p in pages})} sites in {time.time() - t0:.0f}s")
    oof_dump: dict[str, Any] = {}
    for mode in modes:
        train = pages + crops(pages) if mode == "text" else pages
        rounds = args.title_rounds if mode == "text" and args.text_title == "found" else 0
        fold_clfs = None
        if rounds and args.title_models:
            fold_clfs = [BlockClassifier.from_specs({"text": json.loads((args.title_models / f"text_fold{f}.json")
                                                                        .read_text())}) for f in range(N_FOLDS)]
        else:
            rounds += rounds > 0  # round 0 on the gold title
        r = 0
        while True:
            if fold_clfs is not None:
                # every training page (and crop) gets the headline the pipeline finds with the fold model that did
                # not see its site
                fold_of = folds(train, N_FOLDS)
                for p, f in zip(train, fold_of, strict=True):
                    p.title = pipeline_title(p.text_blocks, fold_clfs[f])
                    if MODE_SETTINGS[mode].get("reread_rows"):
                        p.ruled = pipeline_rulings(p.text_blocks, fold_clfs[f])
                found = [p.title for p in pages]
                print(f"[{mode}] round {r}: headline found on {sum(t is not None for t in found)}/{len(pages)} pages "
                      f"({time.time() - t0:.0f}s)")
                view = train + untitled(pages, args.untitled_share)
            else:
                view = train
            mats = matrices(view, mode)
            Xs, names = [m[0] for m in mats], mats[0][1]
            probs, fold_specs = cross_validate(view, mode, Xs, names)
            probs = probs[: len(pages)]  # scored on the whole pages only
            threshold = choose_threshold(pages, probs, mode)
            r += 1
            if r >= rounds:
                break
            print(f"[{mode}] round {r - 1}: {json.dumps(evaluate(pages, probs, mode, threshold))}")
            fold_clfs = []
            for spec in fold_specs:
                spec = json.loads(json.dumps(spec))
                shift_to_half(spec["stage2"], threshold)
                fold_clfs.append(BlockClassifier.from_specs({"text": spec | {"threshold": 0.5}}))
        train = view
        if args.fold_models:
            args.fold_models.mkdir(parents=True, exist_ok=True)
            for f, spec in enumerate(fold_specs):
                shift_to_half(spec["stage2"], threshold)
                spec["threshold"] = 0.5
                (args.fold_models / f"{mode}_fold{f}.json").write_text(json.dumps(spec), encoding="utf-8")
        cv = evaluate(pages, probs, mode, threshold)
        print(f"[{mode}] out-of-fold (5 folds grouped by site), threshold {threshold}: {json.dumps(cv)}")
        oof_dump[mode] = {"threshold": threshold, "pages": {p.id: [round(float(x), 5) for x in pr]
                                                             for p, pr in zip(pages, probs, strict=True)}}
        if args.oof:
            args.oof.write_text(json.dumps(oof_dump), encoding="utf-8")
        if not args.cv:
            spec = train_final(train, mode, Xs, names, threshold, cv)
            MODELS.mkdir(parents=True, exist_ok=True)
            path = MODELS / f"blocks_{mode}.json"
            path.write_text(json.dumps(spec, separators=(",", ":")), encoding="utf-8")
            print(f"[{mode}] wrote {path} ({path.stat().st_size / 1e6:.2f} MB) in {time.time() - t0:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
