"""Near-duplicate detection: signatures identical to datasketch, LSH parameters, clusters, canonical."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from conftest import ROOT, shared_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_dedup_helpers import article, syndicated

from cleaner.dedup import CanonicalRule, Deduplicator, MinHasher, dedup_records, normalize_text, optimal_bands
from cleaner.dedup.cluster import DocInfo, parse_date
from cleaner.dedup.minhash import shingles, token_hashes, tokens

datasketch = pytest.importorskip(
    "datasketch", reason="datasketch (test extra) is the reference implementation"
)

# Text with what breaks tokenisers: case, punctuation, typographic quotes/dashes, accents, combining marks,
# CJK, compatibility forms (ligatures, fullwidth), casefold expansions (ß), digits, underscores, odd
# whitespace.
_ALPHABET = st.sampled_from(
    list("abcxyzABCXYZ0129 .,;:!?'\"-_()\n\t")
    + list("’‘“”—–…«»£€°\u00a0\u2009\u200b")
    + list("éÉüßǰİıςΣσЖжنمक्षि\u0301\u0308\u093f中文ｆｕｌｌﬁ½²")
)
_TEXT = st.text(_ALPHABET, max_size=120)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(_TEXT, min_size=1, max_size=4),
    k=st.integers(1, 6),
    num_perm=st.sampled_from([16, 128]),
    seed=st.integers(0, 2**31 - 1),
)
def test_signatures_identical_to_datasketch(texts: list[str], k: int, num_perm: int, seed: int) -> None:
    """Batch numpy signatures == datasketch.MinHash(num_perm, seed, hashfunc=shingle_hash32), shingles()."""
    hasher = MinHasher(num_perm=num_perm, seed=seed, shingle=k)
    sigs = hasher.signatures(texts)
    for text, sig in zip(texts, sigs, strict=True):
        assert np.array_equal(sig, hasher.datasketch(text).hashvalues)


@settings(max_examples=100, deadline=None)
@given(text=_TEXT)
def test_numpy_tokens_match_reference_tokeniser(text: str) -> None:
    _, counts = token_hashes([text])
    assert counts[0] == len(tokens(text))


def test_real_news_signatures_identical_to_datasketch() -> None:
    path = shared_path("data", "news", "docs.jsonl")
    texts = [
        json.loads(line)["text"] for _, line in zip(range(40), path.open(encoding="utf-8"), strict=False)
    ]
    texts = [t.replace("'", "’").replace(" - ", " — ") if i % 2 else t for i, t in enumerate(texts)]
    hasher = MinHasher()
    for text, sig in zip(texts, hasher.signatures(texts), strict=True):
        assert np.array_equal(sig, hasher.datasketch(text).hashvalues)


def test_folding_ignores_case_typography_and_whitespace() -> None:
    a = "It’s a “Test” — of   ﬁne\u00a0typography…"
    b = 'it\'s a "test" - of fine typography...'
    assert normalize_text(a) == normalize_text(b) == "it s a test of fine typography"
    assert shingles("one", 5) == [b"one"] and shingles("", 5) == []
    hasher = MinHasher()
    assert np.array_equal(hasher.signature(a), hasher.signature(b))
    assert np.all(hasher.signature("  ... ") == np.uint32(0xFFFFFFFF))  # no token: datasketch's empty MinHash


@pytest.mark.parametrize("num_perm", [32, 128, 256])
def test_lsh_params_match_datasketch_optimum(num_perm: int) -> None:
    from datasketch.lsh import _optimal_param

    for threshold in (0.3, 0.5, 0.6, 0.7, 0.8, 0.9):
        assert optimal_bands(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5)
    assert optimal_bands(0.6, 128) == (18, 7)


def test_canonical_rule_order() -> None:
    def doc(seq: int, date: str | None, length: int, source: str) -> DocInfo:
        return DocInfo(seq=seq, id=f"d{seq}", source=source, date=date, length=length, cluster=1)

    rule = CanonicalRule(source_priority=["wire.example"])
    assert rule.canonical([doc(1, "2024-05-02", 900, "a"), doc(2, "2024-05-01T10:00", 10, "b")]).id == "d2"
    assert rule.canonical([doc(1, None, 900, "a"), doc(2, "2024-05-01", 10, "b")]).id == "d2"  # undated last
    assert (
        rule.canonical([doc(1, "2024-05-01", 10, "a"), doc(2, "2024-05-01", 90, "b")]).id == "d2"
    )  # longest
    assert (
        rule.canonical([doc(3, "2024-05-01", 90, "a"), doc(2, "2024-05-01", 90, "wire.example")]).id == "d2"
    )
    assert rule.canonical([doc(3, None, 90, "a"), doc(2, None, 90, "b")]).id == "d2"  # then id
    assert parse_date("2024-05-01T12:00:00Z") == parse_date("2024-05-01T14:00:00+02:00")


def test_clusters_canonical_and_copy_edges() -> None:
    base = [article(i) for i in range(6)]
    records = [
        {"id": f"orig{i}", "source": "wire.example", "date": "2024-03-01", "text": t}
        for i, t in enumerate(base)
    ]
    records += [
        {"id": f"copy{i}", "source": "daily.example", "date": "2024-03-02", "text": syndicated(t, "Daily")}
        for i, t in enumerate(base[:4])
    ]
    records += [
        {"id": "late0", "source": "weekly.example", "date": None, "text": syndicated(base[0], "Weekly")}
    ]
    out = {r["id"]: r["dedup"] for r in dedup_records(records)}
    assert out["copy1"]["canonical"] == "orig1" and not out["copy1"]["is_canonical"]
    assert out["orig1"]["is_canonical"] and out["orig1"]["similarity"] == 1.0
    assert out["copy1"]["cluster"] == out["orig1"]["cluster"]
    assert 0.6 <= out["copy1"]["similarity"] < 1.0
    assert out["late0"]["canonical"] == "orig0"
    assert len({out[f"orig{i}"]["cluster"] for i in range(6)}) == 6
    assert out["orig5"] == {"cluster": "orig5", "canonical": "orig5", "is_canonical": True, "similarity": 1.0}
    with Deduplicator() as dd:
        dd.add(records)
        assert dd.copy_edges() == [
            ("wire.example", "daily.example", 4),
            ("wire.example", "weekly.example", 1),
        ]


def test_dedup_objects_validate_against_record_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "schemas" / "record.schema.json").read_text())["properties"]["dedup"]
    records = [
        {"id": "a", "text": article(1)},
        {"id": "b", "text": syndicated(article(1), "X")},
        {"id": "c", "text": ""},
    ]
    for rec in dedup_records(records):
        jsonschema.validate(rec["dedup"], schema)


def _seed_bodies() -> list[str]:
    seeds = shared_path("seeds")
    bodies = []
    for prefix in ("000", "001", "002", "004"):
        (gold,) = sorted(seeds.glob(f"{prefix}_*.gold.tsv"))
        rows = [r.partition("\t") for r in gold.read_text(encoding="utf-8").splitlines()]
        bodies.append("\n".join(text for label, _, text in rows if label == "body"))
    return bodies


def test_seed_articles_on_one_story_do_not_cluster() -> None:
    bodies = _seed_bodies()
    records = [{"id": f"seed{i}", "source": f"s{i}", "date": None, "text": b} for i, b in enumerate(bodies)]
    for threshold in (0.5, 0.6, 0.8):
        out = dedup_records(records, threshold=threshold)
        assert len({r["dedup"]["cluster"] for r in out}) == 4, threshold
    # ... while a syndicated copy of one of them does join it.
    out = dedup_records(records + [{"id": "copy", "text": syndicated(bodies[2], "Elsewhere")}])
    assert {r["id"]: r["dedup"]["cluster"] for r in out}["copy"] == "seed2"


def test_syndication_benchmark_precision_and_recall(tmp_path) -> None:
    shared_path("data", "news", "docs.jsonl")
    sys.path.insert(0, str(ROOT / "tools"))
    import make_syndication

    records = make_syndication.build(make_syndication.DOCS, make_syndication.SEEDS, n_originals=300, seed=5)
    sys.path.insert(0, str(ROOT / "bench"))
    from dedup import pair_scores

    with Deduplicator(str(tmp_path / "idx.sqlite"), batch_size=700) as dd:
        streamed = list(dd.run(records))
        final = list(dd.annotate(records))
    for out in (streamed, final):  # clusters do not depend on batching
        scores = pair_scores(records, [r["dedup"]["cluster"] for r in out])
        assert scores["precision"] >= 0.99 and scores["recall"] >= 0.95, scores
        assert scores["seed_false_clusters"] == 0
