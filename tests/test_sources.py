"""Per-source summaries checked against numbers worked out by hand from a small multi-site batch."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from cleaner.formats import read_records
from cleaner.schemas import errors
from cleaner.sources import registered_domain, source_of, summarize_sources


def rec(
    id: str,
    url: str | None = None,
    source: str | None = None,
    chars_in: int = 1000,
    removed: tuple[tuple[str, int], ...] = (),
    mt: bool | None = None,
    incoherent: bool | None = None,
    language: str | None = "en",
    fre: float | None = None,
    fkg: float | None = None,
    is_article: bool = True,
    date: str | None = None,
    dedup: tuple[str, str, bool] | None = None,
) -> dict[str, Any]:
    """A cleaner record (valid against record.schema.json) with `removed` as (rule, characters) pairs."""
    blocks = [{"text": "x" * n, "rule": rule, "reason": f"{rule} matched", "block": i}
              for i, (rule, n) in enumerate(removed)]
    gone = sum(n for _, n in removed)
    flags = {}
    if mt is not None:
        flags["machine_translated"] = {"flagged": mt, "score": 0.9 if mt else 0.1, "threshold": 0.5,
                                       "reasons": ["calque rate 3.1 (typical 0.4)"] if mt else []}
    if incoherent is not None:
        flags["incoherent"] = {"flagged": incoherent, "score": 0.8 if incoherent else 0.2, "threshold": 0.5,
                               "reasons": ["topic jumps in 4 of 6 sentences"] if incoherent else []}
    record: dict[str, Any] = {
        "id": id, "input": f"batch.jsonl:{id}", "format": "html", "source": source, "url": url,
        "title": f"Title {id}", "date": date, "language": language, "text": "y" * (chars_in - gone),
        "removed": blocks,
        "stats": {"chars_in": chars_in, "chars_out": chars_in - gone, "blocks_in": len(removed) + 1,
                  "blocks_out": 1},
        "verdict": {"is_article": is_article, "reasons": [] if is_article else ["index page: 40 links"]},
        "scores": {"readability": {"flesch_reading_ease": fre, "flesch_kincaid_grade": fkg}}
        if fre is not None else {},
        "flags": flags,
    }
    if dedup is not None:
        cluster, canonical, is_canonical = dedup
        record["dedup"] = {"cluster": cluster, "canonical": canonical, "is_canonical": is_canonical,
                           "similarity": 1.0 if is_canonical else 0.9}
    return record


def batch_one() -> list[dict[str, Any]]:
    """Four sites. Per-document boilerplate shares, flags and dedup are chosen so every figure is exact.

    alpha.co.uk (two host spellings): shares .4 .1 0 .75; MT computed on 3, flagged 1; incoherent on 4,
      flagged 1; A4 is not an article; languages en en en fr; FRE 60 50 70 -, FKG 8 10 6 -.
    beta.com: shares 0 .2 .9; MT on 3, flagged 2; incoherent never computed; B3 not an article.
    Gamma Wire (no URL): shares .5 .3; no flags.  unknown (no URL, no source): empty text.
    Clusters: k1 = A1 (canonical, 01-01) + B1 (01-02) + C1 (01-03) → origin alpha by date.
      k2 = B2 (canonical, 02-05) + A2 (02-01): all dated, A2 earliest → origin alpha, though not canonical.
      k3 = C2 (canonical, undated) + B3 (dated) → not all dated → canonical → origin Gamma Wire.
      k4 = A3 (canonical) + A4: a copy inside alpha.  k5 = D1 alone: no copying.
    """
    return [
        rec("A1", "https://www.alpha.co.uk/news/1", removed=(("nav", 300), ("share", 100)), mt=True,
            incoherent=False, fre=60, fkg=8, date="2024-01-01", dedup=("k1", "A1", True)),
        rec("A2", "https://news.alpha.co.uk/2", removed=(("nav", 100),), mt=False, incoherent=False,
            fre=50, fkg=10, date="2024-02-01T08:00:00Z", dedup=("k2", "B2", False)),
        rec("A3", "http://alpha.co.uk/3", chars_in=500, mt=False, incoherent=False, fre=70, fkg=6,
            dedup=("k4", "A3", True)),
        rec("A4", "https://www.alpha.co.uk/4", chars_in=800, removed=(("cookie", 600),), incoherent=True,
            language="fr", is_article=False, dedup=("k4", "A3", False)),
        rec("B1", "https://beta.com/1", mt=True, date="2024-01-02", dedup=("k1", "A1", False)),
        rec("B2", "https://beta.com/2", removed=(("nav", 200),), mt=True, date="2024-02-05",
            dedup=("k2", "B2", True)),
        rec("B3", "https://www.beta.com/3", removed=(("cookie", 500), ("related", 400)), mt=False,
            is_article=False, date="2024-03-01", dedup=("k3", "C2", False)),
        rec("C1", None, "Gamma Wire", removed=(("byline", 500),), date="2024-01-03", dedup=("k1", "A1", False)),
        rec("C2", None, "Gamma Wire", removed=(("byline", 300),), dedup=("k3", "C2", True)),
        rec("D1", None, None, chars_in=0, language=None, dedup=("k5", "D1", True)),
    ]


def by_source(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["source"]: s for s in summary["sources"]}


def test_records_are_valid_cleaner_output() -> None:
    for record in batch_one():
        assert errors("record", record) == [], record["id"]


def test_registered_domain_heuristic() -> None:
    assert registered_domain("https://www.BBC.co.uk/news") == "bbc.co.uk"
    assert registered_domain("news.bbc.co.uk") == "bbc.co.uk"
    assert registered_domain("https://edition.cnn.com:443/x") == "cnn.com"
    assert registered_domain("www.example.com") == "example.com"
    assert registered_domain("http://192.168.0.1/a") == "192.168.0.1"
    assert registered_domain("https://abc.net.au/") == "abc.net.au"
    assert registered_domain("") is None
    assert source_of({"url": None, "source": "www.Example.com"}) == "example.com"
    assert source_of({"source": "  Gamma Wire "}) == "Gamma Wire"
    assert source_of({}) == "unknown"


def test_per_source_figures_match_hand_computed_values() -> None:
    summary = summarize_sources(batch_one())
    assert errors("sources", summary) == []
    assert summary["batch"]["documents"] == 10 and summary["batch"]["sources"] == 4
    s = by_source(summary)
    assert [x["source"] for x in summary["sources"]] == ["alpha.co.uk", "beta.com", "Gamma Wire", "unknown"]

    a = s["alpha.co.uk"]
    assert a["documents"] == 4
    bp = a["boilerplate"]
    assert bp["mean"] == pytest.approx((0.4 + 0.1 + 0 + 0.75) / 4)  # 0.3125
    assert bp["char_share"] == pytest.approx(1100 / 3300, abs=1e-4)
    # sorted shares 0, .1, .4, .75; linear interpolation at (n-1)q = .75, 1.5, 2.25
    assert bp["quartiles"] == pytest.approx([0.075, 0.25, 0.4875])
    assert bp["histogram"] == [1, 1, 0, 0, 1, 0, 0, 1, 0, 0]
    assert a["rules"] == {"removed_blocks": 4, "top": [{"rule": "nav", "count": 2}, {"rule": "cookie", "count": 1},
                                                       {"rule": "share", "count": 1}]}
    assert a["flags"]["machine_translated"] == {"computed": 3, "flagged": 1, "rate": pytest.approx(0.3333)}
    assert a["flags"]["incoherent"] == {"computed": 4, "flagged": 1, "rate": 0.25}
    assert a["languages"]["top"] == [{"language": "en", "documents": 3, "share": 0.75},
                                     {"language": "fr", "documents": 1, "share": 0.25}]
    assert a["readability"] == {"documents": 3, "flesch_reading_ease_median": 60.0,
                                "flesch_kincaid_grade_median": 8.0}
    assert a["not_article"] == {"known": 4, "count": 1, "share": 0.25}
    assert a["duplicates"] == {"known": 4, "count": 2, "share": 0.5}  # A2 and A4 are not canonical
    assert a["copies"] == {"origin_clusters": 3, "copied_by_others": 3, "copies_of_others": 0, "self_copies": 1,
                           "copied_from": {}, "copied_by": {"beta.com": 2, "Gamma Wire": 1}}

    b = s["beta.com"]
    assert b["boilerplate"]["mean"] == pytest.approx(1.1 / 3, abs=1e-4)
    assert b["flags"]["machine_translated"]["rate"] == pytest.approx(0.6667)
    assert b["flags"]["incoherent"] == {"computed": 0, "flagged": 0, "rate": None}  # unknown, not 0
    assert b["readability"]["flesch_reading_ease_median"] is None
    assert b["copies"]["copies_of_others"] == 3 and b["copies"]["copied_from"] == {"alpha.co.uk": 2, "Gamma Wire": 1}
    assert b["duplicates"]["share"] == pytest.approx(0.6667)

    g = s["Gamma Wire"]
    assert g["boilerplate"]["mean"] == pytest.approx(0.4)
    assert g["flags"]["machine_translated"]["rate"] is None
    assert g["copies"]["origin_clusters"] == 1 and g["copies"]["copies_of_others"] == 1

    u = s["unknown"]
    assert u["boilerplate"]["mean"] is None and u["boilerplate"]["quartiles"] is None
    assert u["languages"] == {"known": 0, "unknown": 1, "top": []}

    graph = summary["copy_graph"]
    assert graph["clusters"] == 4  # k5 has one record
    assert graph["origin_rule"] == {"by_date": 2, "by_canonical": 2, "by_order": 0}  # k1 k2 dated; k3 k4 not
    assert graph["edges"] == [{"from": "alpha.co.uk", "to": "beta.com", "count": 2},
                              {"from": "Gamma Wire", "to": "beta.com", "count": 1},
                              {"from": "alpha.co.uk", "to": "Gamma Wire", "count": 1}]

    # medians over sources with the figure known: boilerplate of .3125 .3667 .4 → .3667; MT of 1/3, 2/3 → .5
    med = summary["batch"]["medians"]
    assert med["boilerplate"] == pytest.approx(0.3667, abs=1e-4)
    assert med["machine_translated"] == pytest.approx(0.5)
    assert med["incoherent"] == 0.25
    assert med["not_article"] == pytest.approx((0 + 0.25) / 2)  # of 0 (gamma), 0 (unknown), .25 (alpha), .333 (beta)
    assert med["duplicates"] == 0.5  # of 0, .5, .5, .667
    assert med["copies_of_others"] == 0.25  # of 0 (alpha), 0 (unknown), .5 (gamma), 1 (beta)


def test_reliability_summary_reads_against_the_batch_median() -> None:
    s = by_source(summarize_sources(batch_one()))
    beta = s["beta.com"]["reliability"]
    items = {i["metric"]: i for i in beta["items"]}
    assert items["machine_translated"]["text"] == "machine-translated 67% of 3 checked pages (batch median 50%)"
    assert items["machine_translated"]["worse"] is True  # 67% vs 50%: 17 points and 1.33×
    assert items["incoherent"]["worse"] is None and "not known" in items["incoherent"]["text"]
    assert "copies_of_others" in beta["concerns"] and "machine_translated" in beta["concerns"]
    assert beta["headline"].startswith(f"{len(beta['concerns'])} figures notably worse than the batch median: ")
    alpha = s["alpha.co.uk"]["reliability"]
    assert "boilerplate 31% of each page's characters on average (batch median 37%)" in [
        i["text"] for i in alpha["items"]]
    assert "boilerplate" not in alpha["concerns"]
    assert "origin of 3 duplicate clusters, copied 3 times by other sites" in alpha["lines"]
    assert any("only 4 documents" in line for line in alpha["lines"])


def test_worst_documents_keep_the_most_problematic() -> None:
    s = by_source(summarize_sources(batch_one(), worst=2))
    worst = s["alpha.co.uk"]["worst"]
    # A4: incoherent + not an article (2 problems); A1: machine-translated (1); A2, A3: none
    assert [d["id"] for d in worst] == ["A4", "A1"]
    assert worst[0]["removed"] == [{"rule": "cookie", "reason": "cookie matched", "text": "x" * 239 + "…", "chars": 600}]
    assert worst[0]["flags"][0]["name"] == "incoherent" and worst[0]["flags"][0]["reasons"]
    assert worst[1]["flags"][0] == {"name": "machine_translated", "flagged": True, "score": 0.9, "threshold": 0.5,
                                    "reasons": ["calque rate 3.1 (typical 0.4)"]}


def test_absent_scores_flags_and_dedup_count_as_unknown() -> None:
    summary = summarize_sources([{"id": "bare"}, {"id": "x", "url": "https://e.org/1", "flags": "junk",
                                                  "stats": {"chars_in": 10}, "verdict": None}])
    assert errors("sources", summary) == []
    e = by_source(summary)["e.org"]
    assert e["flags"]["machine_translated"]["rate"] is None
    assert e["not_article"] == {"known": 0, "count": 0, "share": None}
    assert e["duplicates"] == {"known": 0, "count": 0, "share": None}
    assert e["boilerplate"]["mean"] == 0.0  # chars_in known, nothing removed


def test_store_accumulates_history_across_batches(tmp_path: Path) -> None:
    store = str(tmp_path / "cleaner.sqlite")
    first = summarize_sources(batch_one(), store=store)
    assert first["batch"]["store"]["earlier_batches"] == 0
    assert all(src["history"] is None for src in first["sources"])

    second_batch = [
        rec("A5", "https://alpha.co.uk/5", mt=False, incoherent=True),
        rec("A6", "https://alpha.co.uk/6", removed=(("nav", 200),), mt=False, incoherent=False),
        rec("E1", "https://epsilon.org/1"),
    ]
    second = summarize_sources(second_batch, store=store)
    assert errors("sources", second) == []
    assert second["batch"]["store"]["earlier_batches"] == 1
    s = by_source(second)
    hist = s["alpha.co.uk"]["history"]
    assert hist["batches"] == 1 and hist["documents"] == 4
    assert hist["boilerplate"] == pytest.approx(0.3125)
    assert hist["machine_translated"] == pytest.approx(0.3333)
    assert hist["previous"]["documents"] == 4
    assert hist["change"]["boilerplate"] == pytest.approx(0.1 - 0.3125)  # now (0 + .2) / 2
    assert hist["change"]["incoherent"] == pytest.approx(0.5 - 0.25)
    assert any(line.startswith("boilerplate 10% now vs 31% in the previous batch (−21 pt)")
               for line in s["alpha.co.uk"]["reliability"]["lines"])
    assert s["epsilon.org"]["history"] is None

    # summarizing the second batch again replaces it instead of doubling alpha's history
    again = summarize_sources(second_batch, store=store)
    assert by_source(again)["alpha.co.uk"]["history"]["batches"] == 1

    third = summarize_sources([rec("A7", "https://alpha.co.uk/7")], store=store)
    hist3 = by_source(third)["alpha.co.uk"]["history"]
    assert hist3["batches"] == 2 and hist3["documents"] == 6
    assert hist3["boilerplate"] == pytest.approx((1.25 + 0.2) / 6, abs=1e-4)
    assert hist3["previous"]["documents"] == 2

    conn = sqlite3.connect(store)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    assert all(t.startswith("source_") or t.startswith("sqlite_") for t in tables)
    assert conn.execute("SELECT COUNT(*) FROM source_batches").fetchone()[0] == 3
    conn.close()


def test_streams_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in batch_one()) + "\n\n", encoding="utf-8")
    assert summarize_sources(read_records(path)) == summarize_sources(batch_one())
    (tmp_path / "bad.jsonl").write_text('{"id": "a"}\nnot json\n', encoding="utf-8")
    with pytest.raises(ValueError, match="bad.jsonl:2"):
        list(read_records(tmp_path / "bad.jsonl"))
