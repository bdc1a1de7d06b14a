"""CI gate: extraction F1 on the dev data must not fall below floors pinned from bench/extraction.py.

Runs the whole pipeline (cleaner.clean_html / cleaner.clean_text with the committed model) on the
scrapinghub pages, scored with the scrapinghub metric. The committed model was trained on these pages, so
these are regression floors, not accuracy claims; the out-of-fold numbers are in bench/extraction.py.
Skipped when ../shared is absent.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter

import pytest
from conftest import shared_path

import cleaner

# pinned a little below the measured pipeline numbers with the committed model on all 181 scrapinghub pages
# (2026-11-24, the models `python tools/train_blocks.py` writes at this commit: HTML P/R/F1 0.990 / 0.995 / 0.992;
# text 0.924 / 0.974 / 0.948 since text mode reads the lines the rules left again (Cleaner._reread_among_kept;
# 0.947 / 0.967 / 0.957 before: in-sample it trades more precision for recall than out-of-fold, where it is
# 0.912 / 0.966 / 0.938 → 0.901 / 0.971 / 0.934). The models before them, from an older training lineage, fitted
# these pages closer in text (0.950 / 0.973 / 0.961); out-of-fold the two measure alike, see bench/extraction.py)
HTML_F1_FLOOR = 0.99
TEXT_F1_FLOOR = 0.945
TEXT_RECALL_FLOOR = 0.97
# the same text set out one line a paragraph (no blank line, as a page dump may come): 0.899 / 0.973 / 0.935
# (0.945 before the second reading, 0.954 before the stretch; 0.915 when text of this shape counted as an
# extractor's output whatever its share of sentences: clean.EXTRACTOR_SENTENCE_SHARE)
TEXT_NO_BLANK_F1_FLOOR = 0.93


def _shingles(text: str) -> Counter:
    toks = re.findall(r"\w+", text)
    if len(toks) < 4:
        return Counter([tuple(toks)]) if toks else Counter()
    return Counter(tuple(toks[i:i + 4]) for i in range(len(toks) - 3))


def _prf(pairs: list[tuple[str, str]]) -> tuple[float, float, float]:
    """The scrapinghub metric: per-page P and R averaged over pages, F1 of the two means."""
    ps, rs = [], []
    for truth, pred in pairs:
        g, p = _shingles(truth), _shingles(pred)
        tp, fp, fn = sum((g & p).values()), sum((p - g).values()), sum((g - p).values())
        if fp == 0 and fn == 0:
            ps.append(1.0)
            rs.append(1.0)
            continue
        if tp + fp:
            ps.append(tp / (tp + fp))
        if tp + fn:
            rs.append(tp / (tp + fn))
    prec, rec = sum(ps) / len(ps), sum(rs) / len(rs)
    return prec, rec, 2 * prec * rec / (prec + rec)


@pytest.fixture(scope="module")
def pages() -> list[dict]:
    data = shared_path("data", "extraction")
    with open(data / "manifest.jsonl", encoding="utf-8") as fh:
        recs = [json.loads(line) for line in fh if line.strip()]
    out = [r for r in recs if r["dataset"] == "scrapinghub"]
    for r in out:
        r["_html"] = gzip.decompress((data / r["html"]).read_bytes()).decode("utf-8")
        r["_text"] = (data / "text" / f"{r['id']}.txt").read_text(encoding="utf-8")
    return out


def test_html_mode_f1_floor(pages: list[dict]) -> None:
    p, r, f1 = _prf([(rec["text"], cleaner.clean_html(rec["_html"], url=rec["url"]).text) for rec in pages])
    assert f1 >= HTML_F1_FLOOR, f"HTML mode F1 {f1:.4f} (P {p:.4f}, R {r:.4f}) < floor {HTML_F1_FLOOR}"


def test_text_mode_f1_floor(pages: list[dict]) -> None:
    p, r, f1 = _prf([(rec["text"], cleaner.clean_text(rec["_text"]).text) for rec in pages])
    assert f1 >= TEXT_F1_FLOOR, f"text mode F1 {f1:.4f} (P {p:.4f}, R {r:.4f}) < floor {TEXT_F1_FLOOR}"
    assert r >= TEXT_RECALL_FLOOR, f"text mode recall {r:.4f} < floor {TEXT_RECALL_FLOOR}"


def test_text_mode_without_blank_lines_f1_floor(pages: list[dict]) -> None:
    """A page dump with no blank line is not an extractor's output: its menus are still removed."""
    pairs = []
    for rec in pages:
        lines = [line for line in rec["_text"].split("\n") if line.strip()]
        pairs.append((rec["text"], cleaner.clean_text("\n".join(lines)).text))
    p, r, f1 = _prf(pairs)
    assert f1 >= TEXT_NO_BLANK_F1_FLOOR, f"F1 {f1:.4f} (P {p:.4f}, R {r:.4f}) < floor {TEXT_NO_BLANK_F1_FLOOR}"
