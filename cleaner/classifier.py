"""Block classifier: how likely each block (a line of text, or a line of an HTML page) is boilerplate.

Rule packs catch what a site or a language says explicitly ("Related Articles"); this model decides the
rest from the block's shape and its surroundings: length, punctuation, stop words, capitalisation,
link-like or teaser-like shape, position, likeness to the headline and to the body, the neighbours'
shape (context windows), and in HTML its link density, tags, class names and container (see
cleaner.html). Two stages of gradient-boosted trees (trained by tools/train_blocks.py, committed as JSON
in cleaner/models/): stage 1 judges each block, stage 2 adds the stage-1 scores of the blocks around it,
so a short line inside a run of prose is kept while the same line amid a menu is dropped.

The trees are evaluated here with numpy (no scikit-learn at run time). Each reason names the features
that pushed the score most (path attribution over the trees) and the score itself.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from cleaner.document import Block
from cleaner.paths import models_dir

# A few of the commonest function words of the languages news comes in: prose is full of them, menus,
# bylines and teasers' title case are not. Language-agnostic enough for a feature, not a language test.
STOP_WORDS = frozenset("""
a an the and or but of to in on at for with from by as is are was were be been being it its this that these
those he she they we you i his her their our your not no than then so if there which who whom what when where
will would can could has have had do does did also into about after over more most such only other
der die das und oder aber nicht ist sind war ein eine einer eines dem den des zu im mit von auf für als auch
sich es sie er wir ihr dass wie bei nach aus noch nur wird werden hat haben
le la les et ou mais de du des un une est sont dans pour par sur avec pas que qui ce cette il elle ils nous
vous en au aux se son sa ses leur plus
el los las y o pero del al es son en por para con no que se su sus una lo como más fue
o os as e ou mas do da dos das um uma é são em no na nos nas por para com não que se seu sua como mais foi
il lo gli e o ma di del della dei un una è sono in per con non che si suo sua come più
de het een en of maar van in op voor met niet dat die is zijn was er ook als aan bij
и в во не на с со что как а но из к по за от до о об для это так же он она они мы вы его её их был была
yang dan di ke dari untuk dengan ini itu pada dalam tidak akan juga adalah oleh
""".split())

_WORD = re.compile(r"\w+", re.UNICODE)
_LETTER_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_SENT_END = re.compile(r"[.!?。！？…][\"'”’»)\]]*$")
_SENT_INNER = re.compile(r"[.!?。！？][\"'”’»)]*\s+\S")
_BULLET = re.compile(r"^(?:[•·▪►▸◦‣∙●○■□\-–—*+>]|\d{1,3}[.)]|[a-z][.)])\s")
_MONTHS = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
           r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_DATE = re.compile(rf"\b(?:\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}|\d{{4}}-\d{{2}}-\d{{2}}|(?:{_MONTHS})\.?\s+\d{{1,2}}"
                   rf"(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\.?\s+(?:{_MONTHS})\.?,?\s+\d{{4}}|\d{{4}}年)", re.I)
_TIME = re.compile(r"\b\d{1,2}:\d{2}\b|\b\d+\s*(?:min|mins|minutes|hours?|hrs?|days?|h)\s+ago\b", re.I)
_SEPARATORS = re.compile(r"\s[|·•»/]\s|\s[-–—]\s")
_URLISH = re.compile(r"https?://|www\.|\.com\b|@\w|#\w")
_COPYRIGHT = re.compile(r"©|\(c\)|copyright|all rights reserved", re.I)
# a comment thread announces itself: "N Comments", "Leave a reply", "jane says:", "Reply", "Report abuse"
_COMMENT_HEAD = re.compile(
    r"^(?:\d+\s+)?(?:comments?|responses?|replies|reactions?|kommentare?|commentaires?|comentarios?|"
    r"commenti|коммента\w*|reacties|discussion|leave a (?:reply|comment)|post a comment|add a comment|"
    r"join the (?:discussion|conversation)|show comments|view comments)\b", re.I)
_COMMENT_LINE = re.compile(r"\b(?:says|said|wrote|writes|schreibt|dit|dice|escribió)\s*:\s*$|^(?:reply|antworten|"
                           r"répondre|responder|rispondi|report|flag|like|upvote|\d+\s+likes?)$", re.I)

#: neighbour offsets whose core features every block sees
_OFFSETS = (-3, -2, -1, 1, 2, 3)
_CORE = ("log_words", "ends_sentence", "stop_frac", "title_case", "prose")
_CORE_HTML = ("link_density", "cand_in_top", "cand_ratio")
_WINDOWS = (2, 5, 15)


def _text_features(text: str) -> dict[str, float]:
    """Shape of one block's text: everything that can be read off the string alone."""
    words = _WORD.findall(text)
    n_words = len(words)
    n_chars = len(text)
    letters = sum(map(str.isalpha, text))
    upper = sum(map(str.isupper, text))
    digits = sum(map(str.isdigit, text))
    spaces = text.count(" ")
    punct = n_chars - letters - digits - spaces
    cjk = len(_CJK.findall(text))
    alpha_words = _LETTER_WORD.findall(text)
    title_case = sum(w[0].isupper() for w in alpha_words) / len(alpha_words) if alpha_words else 0.0
    lower_words = [w.lower() for w in words]
    stops = sum(w in STOP_WORDS for w in lower_words)
    ends_sentence = 1.0 if _SENT_END.search(text) else 0.0
    if cjk > 0.3 * max(n_chars, 1):
        n_words = max(n_words, cjk // 2)  # no spaces: count characters as a proxy for words
    prose = 1.0 if (n_words >= 12 and ends_sentence) or n_words >= 25 else 0.0
    return {
        "log_chars": math.log1p(n_chars),
        "log_words": math.log1p(n_words),
        "mean_word_len": (sum(map(len, words)) / len(words)) if words else 0.0,
        "alpha_frac": letters / max(n_chars, 1),
        "digit_frac": digits / max(n_chars, 1),
        "punct_frac": punct / max(n_chars, 1),
        "upper_frac": upper / max(letters, 1),
        "title_case": title_case,
        "stop_frac": stops / max(len(words), 1),
        "ends_sentence": ends_sentence,
        "ends_colon": 1.0 if text.rstrip().endswith((":", "：")) else 0.0,
        "ends_other": 1.0 if text[-1:] in "»›>|…-–—" else 0.0,
        "sentences": float(len(_SENT_INNER.findall(text))),
        "commas_per_word": (text.count(",") + text.count("、") + text.count("，")) / max(n_words, 1),
        "bullet": 1.0 if _BULLET.match(text) else 0.0,
        "starts_digit": 1.0 if text[:1].isdigit() else 0.0,
        "starts_lower": 1.0 if text[:1].islower() else 0.0,
        "has_date": 1.0 if _DATE.search(text) else 0.0,
        "has_time": 1.0 if _TIME.search(text) else 0.0,
        "separators": float(len(_SEPARATORS.findall(text))),
        "urlish": 1.0 if _URLISH.search(text) else 0.0,
        "copyright": 1.0 if _COPYRIGHT.search(text) else 0.0,
        "quote_start": 1.0 if text[:1] in "\"“„«'‘" else 0.0,
        "cjk_frac": cjk / max(n_chars, 1),
        "all_caps": 1.0 if letters >= 3 and upper == letters else 0.0,
        "comment_head": 1.0 if n_words <= 8 and _COMMENT_HEAD.match(text) else 0.0,
        "comment_line": 1.0 if n_words <= 10 and _COMMENT_LINE.search(text) else 0.0,
        "prose": prose,
    }


_TEXT_NAMES = tuple(_text_features("x"))


def _norm_tokens(text: str) -> list[str]:
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return [w.lower() for w in _WORD.findall(text)]


def feature_names(html: bool) -> list[str]:
    """Column names of the feature matrix, in order (the model JSON stores them; they must match)."""
    from cleaner.html import DOM_FEATURES

    names = list(_TEXT_NAMES)
    names += ["blank_before", "blank_after", "pos", "pos_chars", "n_blocks_log", "doc_prose_frac",
              "rel_first_prose", "rel_last_prose", "dist_prev_prose", "dist_next_prose", "between_prose",
              "title_sim", "title_contained", "repeat_count", "body_vocab", "same_as_prev_shape",
              "title_line_dist", "after_title", "region_share", "in_main_region", "main_region_dist",
              "main_region_share", "comment_marks_before", "comment_marks_near", "comment_head_before"]
    core = list(_CORE) + (list(_CORE_HTML) if html else [])
    for off in _OFFSETS:
        names += [f"n{off:+d}_{c}" for c in core]
    for w in _WINDOWS:
        names += [f"w{w}_prose", f"w{w}_log_words", f"w{w}_stop_frac"] + ([f"w{w}_link_density"] if html else [])
    if html:
        names += list(DOM_FEATURES)
    return names


def _title_tokens(title: str | None) -> set[str]:
    return set(_norm_tokens(title)) if title else set()


def block_features(blocks: list[Block], title: str | None) -> tuple[np.ndarray, list[str], bool]:
    """The feature matrix for a document's blocks (one row a block); HTML when the blocks carry DOM evidence."""
    html = bool(blocks) and "dom" in blocks[0].features
    names = feature_names(html)
    n = len(blocks)
    if n == 0:
        return np.zeros((0, len(names))), names, html
    texts = [b.text.strip() for b in blocks]
    tf = [_text_features(t) for t in texts]
    base = np.array([[f[k] for k in _TEXT_NAMES] for f in tf], dtype=np.float64)
    col = {k: i for i, k in enumerate(_TEXT_NAMES)}
    prose = base[:, col["prose"]]
    prose_idx = np.flatnonzero(prose)
    first_prose = int(prose_idx[0]) if len(prose_idx) else -1
    last_prose = int(prose_idx[-1]) if len(prose_idx) else -1
    idx = np.arange(n)
    lengths = np.array([len(t) for t in texts], dtype=np.float64)
    cum = np.cumsum(lengths) - lengths
    total = max(lengths.sum(), 1.0)
    # distance to the nearest prose block before / after (in blocks), capped
    cap = 50.0
    prev_d = np.full(n, cap)
    next_d = np.full(n, cap)
    last = -10**9
    for i in range(n):
        prev_d[i] = min(i - last, cap)
        if prose[i]:
            last = i
    nxt = 10**9
    for i in range(n - 1, -1, -1):
        next_d[i] = min(nxt - i, cap)
        if prose[i]:
            nxt = i
    ttoks = _title_tokens(title)
    toks = [_norm_tokens(t) for t in texts]
    sets = [set(t) for t in toks]
    counts: dict[str, int] = {}
    for t in texts:
        counts[t] = counts.get(t, 0) + 1
    body_vocab: dict[str, int] = {}
    for i in prose_idx:
        for w in sets[i]:
            body_vocab[w] = body_vocab.get(w, 0) + 1
    words = np.expm1(base[:, col["log_words"]])
    title_line = _title_line(sets, ttoks)
    region, region_words = _regions(prose, words, gap=3)
    main = int(np.argmax(region_words)) if len(region_words) else -1
    main_lo, main_hi = _region_span(region, main)
    total_prose = max(float(sum(region_words)), 1.0)
    marks = base[:, col["comment_line"]]
    heads = base[:, col["comment_head"]]
    marks_cum = np.concatenate([[0.0], np.cumsum(marks)])
    head_seen = np.concatenate([[0.0], np.maximum.accumulate(heads)])[:n]
    doc_rows = np.zeros((n, 25))
    for i in range(n):
        s = sets[i]
        feats = blocks[i].features
        if ttoks and s:
            inter = len(s & ttoks)
            title_sim = inter / len(s | ttoks)
            contained = inter / len(ttoks)
        else:
            title_sim = contained = 0.0
        if s:
            own = 1 if prose[i] else 0
            get = body_vocab.get
            vocab = sum(get(w, 0) > own for w in s) / len(s)
        else:
            vocab = 0.0
        same_shape = 1.0 if i and abs(base[i, col["log_words"]] - base[i - 1, col["log_words"]]) < 0.3 else 0.0
        doc_rows[i] = (
            float(bool(feats.get("blank_before", False))), float(bool(feats.get("blank_after", False))),
            i / n, cum[i] / total, math.log1p(n), len(prose_idx) / n,
            (i - first_prose) / n if first_prose >= 0 else -1.0,
            (i - last_prose) / n if last_prose >= 0 else 1.0,
            prev_d[i], next_d[i], float(prev_d[i] <= 10 and next_d[i] <= 10),
            title_sim, contained, float(counts[texts[i]]), vocab, same_shape,
            float(min(max(i - title_line, -50), 50)) if title_line >= 0 else 99.0,
            float(title_line >= 0 and i > title_line),
            region_words[region[i]] / total_prose if region[i] >= 0 else 0.0,
            float(main_lo <= i <= main_hi),
            float(min(max(main_lo - i, i - main_hi, 0), 50)) if main >= 0 else 50.0,
            region_words[main] / total_prose if main >= 0 else 0.0,
            math.log1p(marks_cum[i]),
            marks_cum[min(i + 11, n)] - marks_cum[max(i - 10, 0)],
            head_seen[i] if main_lo <= i else 0.0,
        )
    parts = [base, doc_rows]
    core = np.stack([base[:, col[c]] for c in _CORE], axis=1)
    if html:
        from cleaner.html import DOM_FEATURES

        dom = np.array([b.features["dom"] for b in blocks], dtype=np.float64)
        dcol = {k: i for i, k in enumerate(DOM_FEATURES)}
        core = np.concatenate([core, dom[:, [dcol[c] for c in _CORE_HTML]]], axis=1)
    pad = -1.0
    for off in _OFFSETS:
        shifted = np.full_like(core, pad)
        if off < 0:
            shifted[-off:] = core[:off]
        else:
            shifted[:-off] = core[off:]
        parts.append(shifted)
    window_cols = [prose, base[:, col["log_words"]], base[:, col["stop_frac"]]]
    if html:
        window_cols.append(dom[:, dcol["link_density"]])
    csum = [np.concatenate([[0.0], np.cumsum(c)]) for c in window_cols]
    for w in _WINDOWS:
        lo = np.maximum(idx - w, 0)
        hi = np.minimum(idx + w + 1, n)
        cnt = (hi - lo).astype(np.float64)
        parts.append(np.stack([(cs[hi] - cs[lo]) / cnt for cs in csum], axis=1))
    if html:
        parts.append(dom)
    X = np.concatenate(parts, axis=1)
    return X, names, html


def _title_line(sets: list[set[str]], ttoks: set[str]) -> int:
    """Index of the block that best repeats the headline (most of its words, few others), or -1."""
    if not ttoks:
        return -1
    best, best_sim = -1, 0.6
    for i, s in enumerate(sets):
        if s and len(s & ttoks) / len(s | ttoks) > best_sim:
            best, best_sim = i, len(s & ttoks) / len(s | ttoks)
    return best


def _regions(mask: np.ndarray, weight: np.ndarray, gap: int) -> tuple[np.ndarray, list[float]]:
    """Group flagged blocks into regions (flagged blocks at most `gap` apart, and what lies between them).

    The article is usually one such region of running prose; comment threads and teaser lists are
    others. Returns the region id of every block (-1 outside all regions) and each region's weight.
    """
    n = len(mask)
    region = np.full(n, -1, dtype=np.int64)
    totals: list[float] = []
    last = -10**9
    current = -1
    for i in range(n):
        if not mask[i]:
            continue
        if i - last > gap + 1 or current < 0:
            current += 1
            totals.append(0.0)
        else:
            region[last + 1:i] = current
        region[i] = current
        totals[current] += float(weight[i])
        last = i
    return region, totals


def _region_span(region: np.ndarray, rid: int) -> tuple[int, int]:
    where = np.flatnonzero(region == rid) if rid >= 0 else np.zeros(0, dtype=np.int64)
    return (int(where[0]), int(where[-1])) if len(where) else (10**9, -1)


# --------------------------------------------------------------------------------------------------
# stage 2: the stage-1 scores of the neighbourhood
# --------------------------------------------------------------------------------------------------

_S2_WINDOWS = (1, 3, 8, 20)
STAGE2_NAMES = (["p1"] + [f"p1_n{o:+d}" for o in (-2, -1, 1, 2)] + [f"p1_w{w}" for w in _S2_WINDOWS]
                + ["p1_max_prev5", "p1_max_next5", "p1_group_mean", "p1_group_size", "p1_doc_mean",
                   "p1_rank_pos", "p1_kept_before", "p1_kept_after", "p1_region_share", "p1_in_main",
                   "p1_main_dist", "p1_region_count"])


def stage2_features(p1: np.ndarray, blocks: list[Block]) -> np.ndarray:
    """Context of stage-1 scores: neighbours, window means, the same DOM container, the document."""
    n = len(p1)
    if n == 0:
        return np.zeros((0, len(STAGE2_NAMES)))
    idx = np.arange(n)
    cols: list[np.ndarray] = [p1]
    for off in (-2, -1, 1, 2):
        shifted = np.full(n, 0.5)
        if off < 0:
            shifted[-off:] = p1[:off]
        else:
            shifted[:-off] = p1[off:]
        cols.append(shifted)
    cs = np.concatenate([[0.0], np.cumsum(p1)])
    for w in _S2_WINDOWS:
        lo = np.maximum(idx - w, 0)
        hi = np.minimum(idx + w + 1, n)
        cols.append((cs[hi] - cs[lo]) / (hi - lo))
    prev_max = np.array([p1[max(0, i - 5):i].min() if i else 1.0 for i in range(n)])
    next_max = np.array([p1[i + 1:i + 6].min() if i + 1 < n else 1.0 for i in range(n)])
    cols += [prev_max, next_max]
    groups = [b.features.get("group", i) for i, b in enumerate(blocks)]
    sums: dict[Any, float] = {}
    sizes: dict[Any, int] = {}
    for g, p in zip(groups, p1, strict=True):
        sums[g] = sums.get(g, 0.0) + float(p)
        sizes[g] = sizes.get(g, 0) + 1
    cols.append(np.array([sums[g] / sizes[g] for g in groups]))
    cols.append(np.log1p(np.array([sizes[g] for g in groups], dtype=np.float64)))
    cols.append(np.full(n, p1.mean()))
    keep = p1 < 0.5
    kept_idx = np.flatnonzero(keep)
    cols.append(np.full(n, kept_idx.mean() / n if len(kept_idx) else -1.0) - idx / n)
    ck = np.concatenate([[0], np.cumsum(keep)])
    cols.append(ck[idx] / max(keep.sum(), 1))
    cols.append((ck[-1] - ck[idx + 1]) / max(keep.sum(), 1))
    words = np.array([len(b.text.split()) for b in blocks], dtype=np.float64)
    region, totals = _regions(keep, words, gap=2)
    total = max(float(sum(totals)), 1.0)
    main = int(np.argmax(totals)) if totals else -1
    lo, hi = _region_span(region, main)
    cols.append(np.array([totals[r] / total if r >= 0 else 0.0 for r in region]))
    cols.append(((idx >= lo) & (idx <= hi)).astype(np.float64))
    cols.append(np.minimum(np.maximum(np.maximum(lo - idx, idx - hi), 0), 50).astype(np.float64))
    cols.append(np.full(n, float(len(totals))))
    return np.stack(cols, axis=1)


# --------------------------------------------------------------------------------------------------
# trees
# --------------------------------------------------------------------------------------------------


class Trees:
    """A gradient-boosted ensemble (binary log-loss) evaluated with numpy, with path attribution."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.names: list[str] = spec["features"]
        self.base = float(spec["base"])
        trees = spec["trees"]
        width = max(len(t["feature"]) for t in trees)
        t_count = len(trees)
        self.feature = np.zeros((t_count, width), dtype=np.int64)
        self.threshold = np.zeros((t_count, width))
        self.left = np.zeros((t_count, width), dtype=np.int64)
        self.right = np.zeros((t_count, width), dtype=np.int64)
        self.value = np.zeros((t_count, width))
        self.leaf = np.ones((t_count, width), dtype=bool)
        for k, t in enumerate(trees):
            m = len(t["feature"])
            self.feature[k, :m] = t["feature"]
            self.threshold[k, :m] = t["threshold"]
            self.left[k, :m] = t["left"]
            self.right[k, :m] = t["right"]
            self.value[k, :m] = t["value"]
            self.leaf[k, :m] = t["leaf"]
        self.depth = int(spec["max_depth"])
        self._flat: tuple[np.ndarray, ...] | None = None

    def raw(self, X: np.ndarray, attribute: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Log-odds per row; with attribute, also per-feature contributions (Saabas path attribution).

        All (row, tree) pairs advance one level at a time over flat arrays, and pairs that reached a leaf
        drop out: a few numpy operations per level instead of a Python loop per tree.
        """
        rows, n_feat = X.shape
        if self._flat is None:
            t_count, width = self.feature.shape
            offset = (np.arange(t_count) * width)[:, None]
            idx = np.arange(width)[None, :]
            left = np.where(self.leaf, idx, self.left) + offset
            right = np.where(self.leaf, idx, self.right) + offset
            self._flat = (self.feature.ravel(), self.threshold.ravel(), left.ravel(), right.ravel(),
                          self.value.ravel(), offset.ravel(), self.leaf.ravel())
        feature, threshold, left, right, value, offset, leaf = self._flat
        xs = np.ascontiguousarray(X, dtype=np.float64).ravel()
        t_count = len(offset)
        node = np.tile(offset, rows)  # one (row, tree) pair per entry
        row_base = np.repeat(np.arange(rows) * n_feat, t_count)
        active = np.flatnonzero(~leaf[node])
        contrib = np.zeros(rows * n_feat) if attribute else None
        while active.size:
            nd = node[active]
            cell = row_base[active] + feature[nd]
            nxt = np.where(xs[cell] <= threshold[nd], left[nd], right[nd])
            if contrib is not None:
                contrib += np.bincount(cell, weights=value[nxt] - value[nd], minlength=rows * n_feat)
            node[active] = nxt
            active = active[~leaf[nxt]]
        out = self.base + value[node].reshape(rows, t_count).sum(axis=1)
        return out, (contrib.reshape(rows, n_feat) if contrib is not None else None)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


# --------------------------------------------------------------------------------------------------
# reasons
# --------------------------------------------------------------------------------------------------


def _describe(name: str, value: float) -> str | None:
    """A few words for a feature and its value, as a person would say it."""
    words = round(math.expm1(value)) if "log_words" in name else None
    if name == "log_words":
        return f"{words} words"
    if name == "link_density":
        return f"link text {value:.0%}"
    if name == "link_all":
        return "all link text" if value else "not a link"
    if name.startswith("cls_") or name.startswith("near_"):
        group = name.split("_", 1)[1]
        if name.startswith("near_"):
            return f"inside a '{group}' container ({int(value)} levels up)" if value < 99 else f"no '{group}' container"
        return f"'{group}' class/id around it" if value else f"no '{group}' class/id"
    if name.startswith("t_"):
        return f"{'inside' if value else 'not inside'} <{name[2:]}>"
    if name.startswith("blk_"):
        return f"{'a' if value else 'not a'} <{name[4:]}> block"
    if name in ("cand_in_top", "cand_ratio", "cand_anc_score"):
        return "inside the main text container" if (value >= 0.5 if name != "cand_anc_score" else value > 2) \
            else "outside the main text container"
    if name in ("container_p_share", "parent_share", "container_share"):
        return f"container {name.split('_')[1] if name != 'container_p_share' else 'prose'} share {value:.0%}"
    if name == "container_link_density":
        return f"container link text {value:.0%}"
    if name == "ends_sentence":
        return "ends like a sentence" if value else "no sentence punctuation"
    if name == "title_case":
        return f"title case {value:.0%}"
    if name == "stop_frac":
        return f"stop words {value:.0%}"
    if name in ("title_sim", "title_contained"):
        return f"headline likeness {value:.0%}"
    if name == "repeat_count":
        return f"repeated {int(value)}× on the page" if value > 1 else "not repeated"
    if name in ("dist_prev_prose", "dist_next_prose", "between_prose", "rel_first_prose", "rel_last_prose",
                "doc_prose_frac"):
        return "far from the prose" if name.startswith("dist") and value > 10 else "position relative to the prose"
    if name in ("pos", "pos_chars"):
        return f"position {value:.0%} down the page"
    if name == "p1":
        return f"own shape scores {value:.2f}"
    if name.startswith("p1_w") or name.startswith("p1_n") or name.startswith("p1_max") or name == "p1_group_mean":
        where = "same container" if name == "p1_group_mean" else "neighbours"
        return f"{where} {'look like boilerplate' if value >= 0.5 else 'look like body'} ({value:.2f})"
    if name in ("p1_in_main", "in_main_region"):
        return "inside the main prose region" if value else "outside the main prose region"
    if name in ("p1_main_dist", "main_region_dist"):
        return f"{int(value)} blocks from the main prose region" if value else "inside the main prose region"
    if name.startswith("p1") or name in ("region_share", "main_region_share"):
        return "where the article's text is"
    if name.startswith("n") and name[1:2] in "+-" or name.startswith("w") and name[1:2].isdigit():
        return "neighbouring blocks' shape"
    if name == "title_line_dist":
        if value == 99:
            return "no headline line found"
        return f"{int(abs(value))} blocks {'after' if value > 0 else 'before'} the headline" if value else "the headline"
    if name == "after_title":
        return "after the headline" if value else "before the headline"
    if name.startswith("comment"):
        return "comment-thread markers" if value else "no comment-thread markers"
    if name == "punct_frac":
        return f"punctuation {value:.0%}"
    if name == "sentences":
        return f"{int(value) + 1} sentences"
    if name == "has_date":
        return "contains a date" if value else None
    if name == "has_time":
        return "time/age stamp" if value else None
    if name == "copyright":
        return "copyright notice" if value else None
    if name == "separators":
        return f"{int(value)} separators" if value else None
    if name == "bullet":
        return "bullet" if value else None
    if name == "body_vocab":
        return f"{value:.0%} of its words in the body"
    if name in ("blank_before", "blank_after"):
        return None
    return name.replace("_", " ")


def _reason(names: list[str], X: np.ndarray, contrib: np.ndarray, p: float, boiler: bool) -> str:
    sign = 1.0 if boiler else -1.0
    signed = sign * contrib
    top = np.argpartition(-signed, 11)[:12] if len(signed) > 12 else np.arange(len(signed))
    said: list[str] = []
    for j in top[np.argsort(-signed[top], kind="stable")]:
        if sign * contrib[j] <= 0:
            break
        text = _describe(names[j], float(X[j]))
        if text and text not in said:
            said.append(text)
        if len(said) == 4:
            break
    verdict = "boilerplate" if boiler else "body"
    return f"model: {verdict} ({', '.join(said) or 'overall shape'}), p={p:.2f}"


@dataclass
class BlockScore:
    """The model's judgement of one block: probability of boilerplate and why."""

    p_boilerplate: float
    reason: str


class BlockClassifier:
    """Scores blocks as boilerplate; HTML blocks (with DOM evidence) and text lines use their own models."""

    def __init__(self, models: dict[str, dict[str, Trees]], thresholds: dict[str, float]) -> None:
        self.models = models
        self.thresholds = thresholds

    @classmethod
    def from_files(cls, paths: dict[str, Path]) -> BlockClassifier:
        models: dict[str, dict[str, Trees]] = {}
        thresholds: dict[str, float] = {}
        for mode, path in paths.items():
            spec = json.loads(path.read_text(encoding="utf-8"))
            models[mode] = {"stage1": Trees(spec["stage1"]), "stage2": Trees(spec["stage2"])}
            thresholds[mode] = float(spec.get("threshold", 0.5))
        return cls(models, thresholds)

    @classmethod
    def load(cls) -> BlockClassifier:
        """The committed models (cached: loading the JSON once per process), unless overridden."""
        return _OVERRIDE[0] if _OVERRIDE else _load_default()

    @classmethod
    def override(cls, classifier: BlockClassifier | None) -> None:
        """Make load() return `classifier` (None restores the committed models). The benchmark uses it to
        run the whole pipeline with per-fold models, so its numbers are out-of-fold."""
        _OVERRIDE.clear()
        if classifier is not None:
            _OVERRIDE.append(classifier)

    @classmethod
    def from_specs(cls, specs: dict[str, dict[str, Any]]) -> BlockClassifier:
        """From model specs as tools/train_blocks.py writes them (mode → spec)."""
        return cls({m: {"stage1": Trees(s["stage1"]), "stage2": Trees(s["stage2"])} for m, s in specs.items()},
                   {m: float(s.get("threshold", 0.5)) for m, s in specs.items()})

    def threshold(self, html: bool) -> float:
        """The p_boilerplate above which a block is removed (chosen out-of-fold by the trainer)."""
        return self.thresholds["html" if html else "text"]

    def scores(self, blocks: list[Block], title: str | None, attribute: bool = False
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, list[str], bool]:
        """p_boilerplate per block plus, with attribute, the matrix and contributions used for reasons."""
        X, names, html = block_features(blocks, title)
        model = self.models["html" if html else "text"]
        raw1, _ = model["stage1"].raw(X)
        p1 = _sigmoid(raw1)
        X2 = np.concatenate([X, stage2_features(p1, blocks)], axis=1)
        raw2, contrib = model["stage2"].raw(X2, attribute=attribute)
        return _sigmoid(raw2), X2, contrib, model["stage2"].names, html

    def predict(self, blocks: list[Block], title: str | None) -> list[BlockScore]:
        """One BlockScore per block, in order."""
        if not blocks:
            return []
        p, X2, contrib, names, html = self.scores(blocks, title, attribute=True)
        assert contrib is not None
        cut = self.threshold(html)
        return [BlockScore(float(p[i]), _reason(names, X2[i], contrib[i], float(p[i]), bool(p[i] >= cut)))
                for i in range(len(blocks))]


_OVERRIDE: list[BlockClassifier] = []


@cache
def _load_default() -> BlockClassifier:
    return BlockClassifier.from_files({"text": models_dir() / "blocks_text.json",
                                       "html": models_dir() / "blocks_html.json"})
