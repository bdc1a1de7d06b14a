"""cleaner's steps on datatrove: the same cleaning as cleaner's own pipeline, on LocalPipelineExecutor with two
workers and on a local Ray cluster; flagged documents dropped (with reasons) or tagged; near-duplicates across
tasks found over one shared index."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from conftest import shared_path

pytest.importorskip("datatrove", reason="datatrove is not installed (pip install 'cleaner[distributed]')")

from datatrove.data import Document as DTDocument  # noqa: E402
from datatrove.executor import LocalPipelineExecutor  # noqa: E402
from datatrove.pipeline.readers import JsonlReader  # noqa: E402
from datatrove.pipeline.writers import JsonlWriter  # noqa: E402

from cleaner.distributed import CleanerReader, CleanStep, DedupFilter, DedupIndexStep, ScoreFilter  # noqa: E402
from cleaner.document import Document, Flag  # noqa: E402
from cleaner.pipeline import Pipeline  # noqa: E402


class SpamScorer:
    """A deterministic flag for the test: documents that mention 'casino' are spam."""

    name = "spam"

    def run(self, doc: Document) -> None:
        hits = doc.text.lower().count("casino")
        doc.flags[self.name] = Flag(hits > 0, float(hits), 1.0, [f"'casino' appears {hits} times"])


def seen(doc: DTDocument) -> str:
    """Everything cleaner read of a document, kept or removed: the reading is checked, not the model's choices."""
    removed = (doc.metadata.get("cleaner") or {}).get("removed", [])
    return "\n".join([doc.text, *(r["text"] for r in removed)])


def real_inputs(folder: Path) -> dict[str, dict]:
    """Two JSONL files of real pages from the development data: text-mode pages, two raw HTML pages, a spam
    page, and a near-copy of one page under another id in the other file."""
    text_dir = shared_path("data", "extraction", "text")
    manifest = shared_path("data", "extraction", "manifest.jsonl")
    texts = sorted(text_dir.glob("*.txt"))[:8]
    rows = [{"id": p.stem, "text": p.read_text(encoding="utf-8")} for p in texts]
    for line in manifest.read_text(encoding="utf-8").splitlines()[:2]:
        entry = json.loads(line)
        html = gzip.decompress((manifest.parent / entry["html"]).read_bytes()).decode("utf-8", "replace")
        rows.append({"id": entry["id"], "text": html, "url": entry["url"]})
    rows.append({"id": "spam", "text": rows[2]["text"].replace(" and ", " and casino ")})
    rows.append({"id": "copy-of-" + rows[1]["id"], "text": rows[1]["text"].replace("\n", "\n\n", 1)})
    folder.mkdir(parents=True)
    half = len(rows) // 2
    for n, part in enumerate((rows[:half], rows[half:])):
        (folder / f"part{n}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in part))
    return {r["id"]: r for r in rows}


def read_output(folder: Path) -> dict[str, dict]:
    docs = {}
    for path in sorted(folder.glob("*.jsonl.gz")):
        for line in gzip.open(path, "rt", encoding="utf-8"):
            doc = json.loads(line)
            docs[doc["id"]] = doc
    return docs


def test_local_executor_two_workers_clean_score_and_dedup_like_cleaner(tmp_path) -> None:
    rows = real_inputs(tmp_path / "in")
    index = str(tmp_path / "dedup.sqlite")
    stage1 = LocalPipelineExecutor([
        JsonlReader(str(tmp_path / "in")),
        CleanStep(fmt="auto"),
        ScoreFilter(scorers=["language", SpamScorer()], drop=True, exclusion_writer=JsonlWriter(str(tmp_path / "flagged"))),
        DedupIndexStep(index),
        JsonlWriter(str(tmp_path / "cleaned")),
    ], tasks=2, workers=2, logging_dir=str(tmp_path / "logs1"))
    stage2 = LocalPipelineExecutor([
        JsonlReader(str(tmp_path / "cleaned")),
        DedupFilter(index, drop=True, exclusion_writer=JsonlWriter(str(tmp_path / "duplicates"))),
        JsonlWriter(str(tmp_path / "final")),
    ], tasks=1, workers=1, logging_dir=str(tmp_path / "logs2"), depends=stage1)
    stage2.run()

    cleaned, final = read_output(tmp_path / "cleaned"), read_output(tmp_path / "final")
    assert set(cleaned) == set(rows) - {"spam"}
    # The same cleaning as cleaner's own pipeline, document for document.
    pipeline = Pipeline.default(score=False)
    for doc_id, doc in cleaned.items():
        row = rows[doc_id]
        fmt = "html" if row["text"].lstrip().startswith("<") else "text"
        expected = pipeline.process(Document(id=doc_id, input="x", format=fmt, raw=row["text"], url=row.get("url")))
        assert doc.get("text", "") == expected.text, doc_id
        record = doc["metadata"]["cleaner"]
        assert record["removed"] == [r.to_dict() for r in sorted(expected.removed, key=lambda r: r.block)]
        assert record["title"] == expected.title and record["format"] == fmt
        assert record["scores"]["language"]["language"] == record["language"]
    # The flagged page is dropped with its reasons in the stats and the exclusion writer's output.
    flagged = read_output(tmp_path / "flagged")
    assert list(flagged) == ["spam"]
    assert flagged["spam"]["metadata"]["filter_reason"] == "spam"
    (reason,) = flagged["spam"]["metadata"]["cleaner_flag_reasons"]["spam"]
    assert reason.startswith("'casino' appears ") and reason.endswith(" times")
    stats = json.loads((tmp_path / "logs1" / "stats.json").read_text())
    score_stats = next(s for s in stats if s["name"].endswith("cleaner: score"))["stats"]
    assert score_stats["dropped_spam"] == 1 and score_stats["total"] == len(rows)
    # The near-copy, in the other task's file, is found over the shared index; one of the pair survives.
    pair = {list(rows)[1], "copy-of-" + list(rows)[1]}
    duplicates = read_output(tmp_path / "duplicates")
    assert len(duplicates) == 1 and set(duplicates) <= pair
    dropped = next(iter(duplicates.values()))
    assert dropped["metadata"]["filter_reason"] == "duplicate"
    assert dropped["metadata"]["dedup"]["canonical"] in pair - set(duplicates)
    assert set(final) == set(cleaned) - set(duplicates)
    assert all(d["metadata"]["dedup"]["is_canonical"] for d in final.values())


def test_a_later_scoring_step_scores_as_the_pipeline_does() -> None:
    """ScoreFilter, in a step after CleanStep, gives the flags cleaner's own pipeline gives: it sees the same
    blocks and knows whether the title was given or picked from the text (a picked line that is not shaped like
    a headline is not held against the body)."""
    body = shared_path("seeds", "001_4af4492decbad57a.gold.tsv").read_text(encoding="utf-8").splitlines()
    text = "\n\n".join(["CLICK FOR FULL STATE SWIM RESULTS",
                         *(line.split("\t", 1)[1] for line in body if line.startswith("body\t"))])
    expected = Pipeline.default(score=True).process(Document(id="d", input="x", format="text", raw=text))
    assert expected.title_found and not expected.flags["incoherent"].flagged
    doc = DTDocument(text=text, id="d", metadata={})
    (cleaned,) = CleanStep(fmt="text").run([doc])
    (scored,) = ScoreFilter(scorers=["incoherent", "machine_translated"], drop=False).run([cleaned])
    flags = scored.metadata["cleaner"]["flags"]
    for name in ("incoherent", "machine_translated"):
        assert flags[name] == expected.flags[name].to_dict(), name


def test_steps_tag_instead_of_drop_and_report_errors() -> None:
    docs = [
        DTDocument(text="Headline here\n\nA casino opened downtown on Friday, drawing a long line of visitors "
                        "who waited for hours in the rain to get inside.", id="a"),
        DTDocument(text="   \n\t\n", id="blank", metadata={"url": "https://www.example.com/x"}),
        DTDocument(text="<html><body><article><p>The mayor said the new bridge would open next spring after "
                        "years of delays and rising costs.</p></article></body></html>", id="page",
                   metadata={"url": "https://www.example.com/bridge"}),
    ]
    clean = CleanStep(use_model=False)  # rules only: what is kept here does not hang on a trained model
    score = ScoreFilter(scorers=[SpamScorer()], drop=False)
    out = list(score.run(clean.run(iter(docs))))
    assert [d.id for d in out] == ["a", "blank", "page"]
    assert out[0].metadata["cleaner_flagged"] == ["spam"] and "casino opened downtown" in out[0].text
    assert out[0].metadata["cleaner_flag_reasons"] == {"spam": ["'casino' appears 1 times"]}
    assert out[1].text == "" and out[1].metadata["cleaner"]["source"] == "example.com"
    assert out[2].metadata["cleaner"]["format"] == "html" and "new bridge" in seen(out[2])
    assert "cleaner_flagged" not in out[2].metadata

    failing = CleanStep(doc_timeout=0.000001)
    kept = list(failing.run(iter([DTDocument(text="Some text that takes longer than a microsecond.", id="slow")])))
    assert kept == [] and failing.stats["dropped_timeout"].total == 1


def test_ray_executor_runs_the_same_steps(tmp_path) -> None:
    ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'cleaner[ray]'): Ray test skipped")
    from datatrove.executor.ray import RayPipelineExecutor

    rows = real_inputs(tmp_path / "in")
    from cleaner.formats import warc_record

    page = "<html><body><article><p>{}</p></article></body></html>"
    (tmp_path / "in" / "crawl.warc.gz").write_bytes(b"".join(
        warc_record("response", f"https://www.example.com/{i}", page.format(rows["spam"]["text"][:2000]).encode(),
                    record_id=f"<urn:uuid:r{i}>", gzip_member=True) for i in range(2))
        + warc_record("response", "https://www.example.com/logo.png", b"\x89PNG", content_type="image/png",
                      gzip_member=True))
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    try:
        RayPipelineExecutor([
            CleanerReader(str(tmp_path / "in")),  # cleaner's readers: the JSONL files and the WARC
            CleanStep(fmt="auto"),
            ScoreFilter(scorers=["language"], drop=False),
            JsonlWriter(str(tmp_path / "out")),
        ], tasks=2, workers=2, logging_dir=str(tmp_path / "logs"), mem_per_cpu_gb=0.5).run()
    finally:
        ray.shutdown()
    out = read_output(tmp_path / "out")
    assert set(out) == set(rows) | {"urn:uuid:r0", "urn:uuid:r1"}
    assert out["urn:uuid:r0"]["metadata"]["cleaner"]["url"] == "https://www.example.com/0"
    assert out["urn:uuid:r0"]["metadata"]["cleaner"]["format"] == "html"
    stats = json.loads((tmp_path / "logs" / "stats.json").read_text())
    read_stats = next(s["stats"] for s in stats if s["name"].endswith("cleaner: read"))
    skipped = read_stats["skipped_not_html"]
    assert (skipped["total"] if isinstance(skipped, dict) else skipped) == 1
    pipeline = Pipeline.default(score=False)
    row = rows["spam"]
    assert out["spam"].get("text", "") == pipeline.process(Document(id="spam", input="x", format="text",
                                                            raw=row["text"])).text
    assert all(d["metadata"]["cleaner"]["language"] for d in out.values() if d.get("text"))


def test_cleaner_reader_brings_cleaners_formats_to_datatrove(tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cleaner.formats import warc_record

    (tmp_path / "in").mkdir()
    page = (b"<html><body><article><h1>Bridge to open</h1><p>The mayor said the new bridge would open next spring "
            b"after years of delays and rising costs, and that tolls would stay as they are.</p></article></body></html>")
    (tmp_path / "in" / "a.warc.gz").write_bytes(
        warc_record("request", "https://x.example/1", b"GET / HTTP/1.1\r\n\r\n", gzip_member=True)
        + warc_record("response", "https://x.example/1", page, record_id="<urn:uuid:one>", gzip_member=True))
    pq.write_table(pa.table({"id": ["p1", "p2"], "text": ["Some text about the council.", None],
                             "headline": ["Council news", None]}), tmp_path / "in" / "b.parquet")
    reader = CleanerReader(str(tmp_path / "in"))
    docs = list(reader.run())
    assert [d.id for d in docs] == ["urn:uuid:one", "p1"]
    assert docs[0].metadata["url"] == "https://x.example/1" and docs[0].metadata["format"] == "html"
    assert docs[1].metadata["title"] == "Council news" and docs[1].metadata["format"] == "text"
    assert reader.stats["error_no_text"].total == 1 and reader.stats["skipped_warc_request"].total == 1
    cleaned = list(CleanStep().run(iter(docs)))
    assert "new bridge" in seen(cleaned[0]) and cleaned[1].metadata["cleaner"]["title"] == "Council news"
