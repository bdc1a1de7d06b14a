"""Machine-translation detector: the shipped model loads and scores offline, the seeds hold, real documents
behave. Held-out metrics (unseen systems, years, articles) are in bench/scorers_mt.py; the document samples
here are sanity checks on real data the model was trained on."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys

import pytest
from conftest import ROOT, shared_path

from cleaner.document import Block, Document, Flag
from cleaner.paths import models_dir
from cleaner.scorers.mt import (
    MachineTranslationScorer,
    extract,
    load_model,
    normalise,
    score_machine_translation,
    sentences,
)

SEED_SAMPLE = 20240607


def _seed(name: str) -> tuple[str | None, str]:
    """A seed as the cleaner sees it: the gold title, and the body lines joined with newlines."""
    rows = [
        line.split("\t", 1) for line in shared_path("seeds", name).read_text(encoding="utf-8").splitlines()
    ]
    title = next((text for label, text in rows if label == "title"), None)
    return title, "\n".join(text for label, text in rows if label == "body")


def _jsonl(*parts: str) -> list[dict]:
    with open(shared_path(*parts), encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_model_file_is_small_json_with_metadata() -> None:
    path = models_dir() / "mt.json"
    assert path.stat().st_size < 1_000_000
    data = json.loads(path.read_text(encoding="utf-8"))
    n = len(data["features"])
    assert n > 100
    assert all(len(data[k]) == n for k in ("mean", "scale", "weights", "human_median", "human_mean"))
    assert 0.5 < data["threshold"] < 1.0
    meta = data["meta"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta["trained"])
    held_out = meta["evaluation"]["train 2020-21 -> test 2022"]
    assert held_out["auc_mt_vs_original"] > 0.95 and held_out["precision"] > 0.95


def test_runtime_needs_no_scikit_learn() -> None:
    code = (
        "import sys; from cleaner.scorers.mt import score_machine_translation as s; "
        "f = s('The minister said on Monday that the talks would resume next week. ' * 10, 'Talks resume'); "
        "assert 'sklearn' not in sys.modules, 'scikit-learn imported at run time'; print(f.score)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert 0.0 <= float(out.stdout.strip()) <= 1.0


@pytest.mark.parametrize(
    ("seed", "expected"),
    [
        ("000_3db7eecbe8e40396.gold.tsv", True),  # LLM-era machine translation of Chinese news
        ("001_4af4492decbad57a.gold.tsv", False),
        ("002_83d07605061ef0cb.gold.tsv", False),
        ("004_2cd00be68acbb105.gold.tsv", False),
    ],
)
def test_seeds(seed: str, expected: bool) -> None:
    title, body = _seed(seed)
    flag = score_machine_translation(body, title)
    assert flag.flagged is expected, (flag.score, flag.threshold, flag.reasons)


def test_human_news_is_rarely_flagged() -> None:
    docs = _jsonl("data", "news", "docs.jsonl")
    sample = random.Random(SEED_SAMPLE).sample(docs, 20)
    flagged = [d["id"] for d in sample if score_machine_translation(d["text"], d["headline"]).flagged]
    assert len(flagged) <= 1, flagged


def test_machine_translations_are_mostly_flagged() -> None:
    docs = [d for d in _jsonl("data", "mt", "docs.jsonl") if d["label"] == "mt" and d["sys_chrf"] >= 40]
    sample = random.Random(SEED_SAMPLE).sample(docs, 20)
    hits = 0
    for d in sample:
        title, _, body = d["text"].partition("\n")
        hits += score_machine_translation(body, title).flagged
    assert hits >= 15, f"only {hits} of 20 MT documents flagged"


def test_reasons_carry_numbers_and_the_flag_is_consistent() -> None:
    title, body = _seed("000_3db7eecbe8e40396.gold.tsv")
    flag = score_machine_translation(body, title)
    assert isinstance(flag, Flag) and flag.flagged == (flag.score >= flag.threshold)
    assert len(flag.reasons) >= 4
    assert flag.reasons[0].startswith("P(machine-translated)")
    for reason in flag.reasons[1:]:
        assert re.search(r"\d\.\d", reason) and "to the logit" in reason, reason


def test_deterministic_and_typography_blind() -> None:
    title, body = _seed("002_83d07605061ef0cb.gold.tsv")
    first = score_machine_translation(body, title)
    assert score_machine_translation(body, title) == first
    curly = body.replace("'", "\u2019").replace(" - ", " \u2013 ")
    assert score_machine_translation(curly, title).score == pytest.approx(first.score)


def test_layout_blind_sentence_per_line_equals_paragraph() -> None:
    """WMT stores a sentence per line; real pages have paragraphs: the features must not see the difference."""
    text = "The council met on Monday. It approved the budget. Critics said it was too late! Was it?"
    one_per_line = text.replace(". ", ".\n").replace("! ", "!\n")
    assert sentences(text) == sentences(one_per_line) == one_per_line.splitlines()
    assert extract(text, "Budget approved").values == extract(one_per_line, "Budget approved").values


def test_normalise_maps_typography() -> None:
    assert normalise("\u201cHe\u2019s here\u201d \u2014 ok\u2026") == '"He\'s here" - ok...'


def test_short_text_is_never_flagged() -> None:
    flag = score_machine_translation("Putin met Xi.", "Talks")
    assert not flag.flagged and any("words" in r for r in flag.reasons)


def test_scorer_sets_the_flag_on_the_document() -> None:
    title, body = _seed("000_3db7eecbe8e40396.gold.tsv")
    doc = Document(id="seed-000", input="-", format="text", raw=body, title=title)
    doc.blocks = [Block(line) for line in body.splitlines()]
    scorer = MachineTranslationScorer()
    assert scorer.name == "machine_translated"
    scorer.run(doc)
    flag = doc.flags["machine_translated"]
    assert flag.flagged and flag.to_dict()["threshold"] == load_model().threshold
