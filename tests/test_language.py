"""Language identification: seeds, determinism across calls and processes, mixed documents, no letters."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from conftest import ROOT, shared_path

from cleaner.document import Block, Document
from cleaner.scorers.language import MAX_BLOCKS, LanguageScorer, detect_language

SEEDS = ("000_3db7eecbe8e40396", "001_4af4492decbad57a", "002_83d07605061ef0cb", "003_380790700f85f489",
         "004_2cd00be68acbb105")

FRENCH = ("Le gouvernement a présenté mercredi un projet de loi sur la réforme des retraites, "
          "qui prévoit un relèvement progressif de l'âge légal de départ.")
ENGLISH = ("The government presented a bill on Wednesday to reform pensions, which would gradually raise "
           "the legal retirement age over the next decade.")
GERMAN = ("Die Regierung hat am Mittwoch einen Gesetzentwurf zur Rentenreform vorgestellt, der eine "
          "schrittweise Anhebung des gesetzlichen Rentenalters vorsieht.")
# Short, name-heavy text: the kind on which unseeded langdetect flips between answers from call to call.
AMBIGUOUS = "Real Madrid Barcelona Atletico Sevilla Villarreal"


@pytest.mark.parametrize("name", SEEDS)
def test_seeds_are_english(name: str) -> None:
    lines = shared_path("seeds", f"{name}.gold.tsv").read_text(encoding="utf-8").splitlines()
    body = [text for lab, _, text in (line.partition("\t") for line in lines) if lab == "body"]
    expected = json.loads(shared_path("seeds", "expected.json").read_text())[f"{name}.txt"]["language"]
    result = detect_language("\n".join(body), body)
    assert result["language"] == expected == "en"
    assert result["probability"] > 0.99
    assert result["mixed_share"] == 0.0


def test_scorer_sets_language_and_score() -> None:
    doc = Document(id="1", input="-", format="text", raw="", title="Réforme des retraites",
                   blocks=[Block(FRENCH), Block(FRENCH.replace("mercredi", "jeudi"))])
    LanguageScorer().run(doc)
    assert doc.language == "fr"
    assert doc.scores["language"]["language"] == "fr"
    assert set(doc.scores["language"]) == {"language", "probability", "mixed_share", "blocks_checked"}


def test_mixed_document() -> None:
    blocks = [ENGLISH, ENGLISH.replace("Wednesday", "Monday"), FRENCH, ENGLISH.replace("bill", "plan")]
    result = detect_language("\n".join(blocks), blocks)
    assert result["language"] == "en"
    share = len(FRENCH) / sum(len(b) for b in blocks)
    assert result["mixed_share"] == pytest.approx(share, abs=0.01)


def test_short_blocks_are_not_judged() -> None:
    blocks = [ENGLISH, ENGLISH, "Oui, merci."]
    result = detect_language("\n".join(blocks), blocks)
    assert result["language"] == "en" and result["mixed_share"] == 0.0 and result["blocks_checked"] == 2


@pytest.mark.parametrize("text", ["", "   \n ", "12 345 6789 -- !!", "2025-09-07 12:00 | 4.5%"])
def test_no_letters(text: str) -> None:
    result = detect_language(text)
    assert result == {"language": None, "probability": None, "mixed_share": None, "blocks_checked": 0}
    doc = Document(id="1", input="-", format="text", raw="", blocks=[Block(text)])
    LanguageScorer().run(doc)
    assert doc.language is None


def test_empty_body_falls_back_to_title() -> None:
    doc = Document(id="1", input="-", format="text", raw="", title=GERMAN, blocks=[])
    LanguageScorer().run(doc)
    assert doc.language == "de"


def test_deterministic_across_calls_and_processes() -> None:
    texts = [AMBIGUOUS, ENGLISH + "\n" + FRENCH, "Kiev Kyiv Moskva Putin"]
    here = [detect_language(t) for t in texts]
    assert here == [detect_language(t) for t in texts]
    code = ("import json, sys; from cleaner.scorers.language import detect_language; "
            "print(json.dumps([detect_language(t) for t in json.loads(sys.argv[1])]))")
    runs = [subprocess.run([sys.executable, "-c", code, json.dumps(texts)], capture_output=True, text=True,
                           cwd=ROOT, check=True, timeout=60).stdout for _ in range(2)]
    assert json.loads(runs[0]) == json.loads(runs[1]) == here


def test_long_documents_are_capped() -> None:
    blocks = [ENGLISH] * 150 + [GERMAN] * 50
    start = time.perf_counter()
    result = detect_language("\n".join(blocks), blocks)
    elapsed = time.perf_counter() - start
    assert result["language"] == "en"
    assert result["blocks_checked"] == MAX_BLOCKS
    assert 0.1 <= result["mixed_share"] <= 0.4  # 25% German, estimated from an evenly spaced sample
    assert elapsed < 0.5, f"{elapsed:.2f}s for 200 blocks"
