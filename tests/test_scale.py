"""Scale: workers, streaming, order, time limits, crashed workers, and the input/output formats of the field."""

from __future__ import annotations

import gzip
import json
import os
import time
import tracemalloc
from pathlib import Path

import pytest

from cleaner.api import run_batch
from cleaner.document import Document
from cleaner.errors import ErrorRecord
from cleaner.executors import ProcessExecutor, SerialExecutor, chunked, process_one, time_limit
from cleaner.formats import read_parquet_records, warc_record
from cleaner.pipeline import Pipeline, Segmenter
from cleaner.read import ReadStats, read_inputs

ARTICLE = (
    "Council approves budget {n}\n\n"
    "The city council approved a new budget on Tuesday after a debate that lasted more than nine hours and "
    "ended with a narrow vote on item {n}.\n\nShare this article\n\n© 2025 Example Media. All rights reserved.\n"
)
PAGE = (
    "<html><head><title>Storm closes schools {n}</title></head><body><nav><a href='/'>Home</a></nav>"
    "<article><h1>Storm closes schools {n}</h1><p>Heavy rain forced dozens of schools to close on Monday, "
    "officials said, as rivers rose to their highest level in a decade across region {n}.</p></article>"
    "<footer>© 2024 Example News. All rights reserved.</footer></body></html>"
)


def seen(record: dict) -> str:
    """Everything cleaner read of a document, kept or removed: these tests check reading, not cleaning choices."""
    return "\n".join([record["text"], *(r["text"] for r in record["removed"])])


def lines(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        return [json.loads(line) for line in fh]


def write_jsonl(path: Path, n: int, start: int = 0) -> Path:
    path.write_text("".join(json.dumps({"id": f"d{i}", "text": ARTICLE.format(n=i)}) + "\n"
                            for i in range(start, start + n)))
    return path


def mixed_inputs(tmp_path: Path) -> list[str]:
    """A WARC.gz, a Parquet file, a JSONL.zst, and a folder of pages and texts: what a real batch looks like."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import zstandard

    warc = tmp_path / "crawl.warc.gz"
    records = [warc_record("warcinfo", None, b"software: test\r\n", gzip_member=True)]
    for i in range(4):
        records.append(warc_record("request", f"https://www.example.com/{i}", b"GET / HTTP/1.1\r\n\r\n",
                                   gzip_member=True))
        records.append(warc_record("response", f"https://www.example.com/{i}", PAGE.format(n=i).encode(),
                                   content_type="text/html; charset=utf-8", record_id=f"<urn:uuid:w{i}>",
                                   gzip_member=True))
    records.append(warc_record("response", "https://www.example.com/logo.png", b"\x89PNG\r\n", gzip_member=True,
                               content_type="image/png"))
    warc.write_bytes(b"".join(records))
    table = pa.table({"uid": [f"p{i}" for i in range(5)], "body": [ARTICLE.format(n=100 + i) for i in range(5)],
                      "link": [f"https://news.example.org/{i}" for i in range(5)], "rank": list(range(5))})
    pq.write_table(table, tmp_path / "rows.parquet")
    (tmp_path / "more.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(
        "".join(json.dumps({"id": f"z{i}", "text": ARTICLE.format(n=200 + i)}) + "\n" for i in range(6)).encode()))
    folder = tmp_path / "pages"
    folder.mkdir()
    for i in range(3):
        (folder / f"page{i}.html").write_text(PAGE.format(n=300 + i))
        (folder / f"story{i}.txt").write_text(ARTICLE.format(n=400 + i))
    return [str(warc), str(tmp_path / "rows.parquet"), str(tmp_path / "more.jsonl.zst"), str(folder)]


def test_two_workers_write_exactly_what_one_does_in_input_order(tmp_path) -> None:
    inputs = mixed_inputs(tmp_path)
    from cleaner.read import JsonFields

    fields = JsonFields(id=("id", "uid"), text=("text", "body"), url=("url", "link"))
    one = run_batch(inputs, str(tmp_path / "one.jsonl"), score=False, fields=fields, chunk_size=3)
    two = run_batch(inputs, str(tmp_path / "two.jsonl"), score=False, fields=fields, chunk_size=3, workers=2)
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    records = lines(tmp_path / "one.jsonl")
    ids = [r["id"] for r in records]
    assert ids == ["urn:uuid:w0", "urn:uuid:w1", "urn:uuid:w2", "urn:uuid:w3", "p0", "p1", "p2", "p3", "p4",
                   "z0", "z1", "z2", "z3", "z4", "z5", "page0", "page1", "page2", "story0", "story1", "story2"]
    warc0 = records[0]
    assert warc0["url"] == "https://www.example.com/0" and warc0["source"] == "example.com"
    assert warc0["format"] == "html" and "Heavy rain forced dozens" in seen(warc0)
    assert records[4]["url"] == "https://news.example.org/0" and records[4]["meta"] == {"rank": 0}
    assert "Share this article" not in records[9]["text"] and "Share this article" in seen(records[9])
    summary = json.loads((tmp_path / "two.summary.json").read_text())
    assert summary["read"] == summary["cleaned"] == 21 and summary["errors"] == 0
    assert summary["skipped_records"] == {"warc_request": 4, "warc_warcinfo": 1, "not_html": 1}
    assert summary["workers"] == 2 and summary["chunks"] == 7
    assert one.to_dict()["removed_by_rule"] == two.to_dict()["removed_by_rule"]
    assert summary["steps"]["clean"]["documents"] == 21


@pytest.mark.parametrize("engine", ["fastwarc", "warcio"])
def test_warc_engines_read_the_same_documents(tmp_path, engine) -> None:
    pytest.importorskip(engine)
    from collections import Counter

    from cleaner.formats import iter_warc

    path = tmp_path / "c.warc"
    path.write_bytes(b"".join([
        warc_record("warcinfo", None, b"software: test\r\n"),
        warc_record("response", "https://a.example/x", PAGE.format(n=1).encode(), record_id="<urn:uuid:a>"),
        warc_record("response", "https://a.example/moved", b"", status=301),
        warc_record("response", "https://b.example/latin", "<html><body><p>Café crème</p></body></html>"
                    .encode("latin-1"), content_type="text/html; charset=iso-8859-1", record_id="<urn:uuid:b>"),
        warc_record("response", "https://c.example/gz", gzip.compress(PAGE.format(n=2).encode()),
                    http_headers={"Content-Encoding": "gzip"}, record_id="<urn:uuid:c>"),
        warc_record("response", "https://d.example/empty", b"   ", record_id="<urn:uuid:d>"),
        warc_record("metadata", "https://a.example/x", b"fetchTimeMs: 12\r\n"),
    ]))
    skipped: Counter = Counter()
    items = list(iter_warc(path, "c", 1 << 20, skipped, engine=engine))
    assert [(type(i).__name__, i.id) for i in items] == [
        ("Document", "urn:uuid:a"), ("Document", "urn:uuid:b"), ("Document", "urn:uuid:c"),
        ("ErrorRecord", "urn:uuid:d")]
    assert "Café crème" in items[1].raw and "Heavy rain" in items[2].raw
    assert items[3].kind == "empty"
    assert skipped == Counter({"warc_warcinfo": 1, "http_status": 1, "warc_metadata": 1})


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".jsonl.zst", ".parquet"])
def test_outputs_by_suffix_hold_the_same_records(tmp_path, suffix) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", 12)
    run_batch([str(source)], str(tmp_path / "plain.jsonl"), score=False, chunk_size=5)
    out = tmp_path / f"out{suffix}"
    run_batch([str(source)], str(out), score=False, chunk_size=5, workers=2)
    expected = lines(tmp_path / "plain.jsonl")
    if suffix == ".parquet":
        got = list(read_parquet_records(out))
    elif suffix == ".jsonl.zst":
        import zstandard

        with zstandard.open(out, "rt", encoding="utf-8") as fh:
            got = [json.loads(line) for line in fh]
    else:
        got = lines(out)
    assert got == expected
    assert (tmp_path / "out.errors.jsonl").exists() and (tmp_path / "out.summary.json").exists()
    assert not list(tmp_path.glob(".*.tmp")) and not list(tmp_path.glob("*.parts"))


def test_memory_stays_flat_however_many_documents_stream_through(tmp_path) -> None:
    """No list of all records anywhere: the peak at 4,000 documents is the peak at 500. (The steps are left
    out: this measures the reading, chunking, executor and writing that every document goes through.)"""
    pipeline = Pipeline([])

    def peak(n: int) -> int:
        source = write_jsonl(tmp_path / f"in{n}.jsonl", n)
        tracemalloc.start()
        run_batch([str(source)], str(tmp_path / f"out{n}.jsonl"), pipeline=pipeline, chunk_size=100,
                  resume=False)
        _, high = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return high

    small, large = peak(500), peak(4_000)
    assert large < small * 1.25 + 256 * 1024, (small, large)


def test_at_most_max_in_flight_chunks_leave_the_parent() -> None:
    pulled = []

    def chunks():
        for i in range(50):
            pulled.append(i)
            yield i, [Document(id=f"d{i}", input="mem", format="text", raw=ARTICLE.format(n=i))]

    with ProcessExecutor(Pipeline([Segmenter()]), workers=2, max_in_flight=3) as executor:
        results = executor.map(chunks())
        first = next(results)
        assert first.index == 0 and len(pulled) <= 4
        rest = [r.index for r in results]
    assert rest == list(range(1, 50))


class Hang:
    """A step that never finishes on a marked document: a pathological page, deterministically."""

    name = "hang"

    def run(self, doc: Document) -> Document:
        if "HANG" in doc.raw:
            while True:
                pass
        return doc


class Crash:
    """A step that kills its process on a marked document, like a segfault in a native parser would."""

    name = "crash"

    def run(self, doc: Document) -> Document:
        if "CRASH" in doc.raw:
            os._exit(3)
        return doc


def _batch(tmp_path: Path, marker: str, n: int = 9) -> Path:
    path = tmp_path / f"{marker}.jsonl"
    rows = [{"id": f"d{i}", "text": (marker + " " if i == 4 else "") + ARTICLE.format(n=i)} for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.mark.parametrize("workers", [1, 2])
def test_a_document_over_the_time_limit_is_an_error_line_and_the_batch_goes_on(tmp_path, workers) -> None:
    from cleaner.clean import Cleaner

    pipeline = Pipeline([Segmenter(), Hang(), Cleaner()])
    source = _batch(tmp_path, "HANG")
    started = time.perf_counter()
    summary = run_batch([str(source)], str(tmp_path / "out.jsonl"), pipeline=pipeline, doc_timeout=0.5,
                        workers=workers, chunk_size=3)
    assert time.perf_counter() - started < 30
    errors = lines(tmp_path / "out.errors.jsonl")
    assert [(e["id"], e["error"]) for e in errors] == [("d4", "timeout")]
    assert "per-document limit of 0.5 s" in errors[0]["message"]
    records = lines(tmp_path / "out.jsonl")
    assert [r["id"] for r in records] == [f"d{i}" for i in range(9) if i != 4]
    # The interrupted document left no trace: later records are what a fresh pipeline makes of them.
    fresh = Pipeline([Segmenter(), Cleaner()])
    for record in records[4:]:
        doc = Document(id=record["id"], input=record["input"], format="text",
                       raw=ARTICLE.format(n=int(record["id"][1:])))
        assert fresh.process(doc).to_record() == record
    assert summary.errors_by_kind == {"timeout": 1} and summary.read == 9


def test_time_limit_is_disarmed_after_each_document() -> None:
    pipeline = Pipeline([Segmenter()])
    doc = Document(id="a", input="mem", format="text", raw="Short text here.")
    assert isinstance(process_one(pipeline, doc, 0.05), Document)
    time.sleep(0.1)  # a timer left running would fire here
    with time_limit(None):
        pass


def test_a_worker_that_dies_costs_one_error_line_not_the_batch(tmp_path) -> None:
    source = _batch(tmp_path, "CRASH", n=12)
    run_batch([str(source)], str(tmp_path / "out.jsonl"), pipeline=Pipeline([Segmenter(), Crash()]), workers=2,
              chunk_size=3)
    errors = lines(tmp_path / "out.errors.jsonl")
    assert [(e["id"], e["error"]) for e in errors] == [("d4", "worker_crashed")]
    assert [r["id"] for r in lines(tmp_path / "out.jsonl")] == [f"d{i}" for i in range(12) if i != 4]


def test_serial_executor_and_chunks_are_deterministic() -> None:
    items = [Document(id=f"d{i}", input="mem", format="text", raw=ARTICLE.format(n=i)) for i in range(7)]
    assert [(i, [d.id for d in c]) for i, c in chunked(items, 3)] == [
        (0, ["d0", "d1", "d2"]), (1, ["d3", "d4", "d5"]), (2, ["d6"])]
    with SerialExecutor(Pipeline([Segmenter()])) as executor:
        results = list(executor.map(chunked(items + [ErrorRecord("e", "mem", "empty", "empty")], 3)))
    assert [len(r.records) for r in results] == [3, 3, 1] and len(results[2].errors) == 1
    assert sum(r.summary["read"] for r in results) == 8


def test_cli_workers_and_formats(tmp_path) -> None:
    from click.testing import CliRunner

    from cleaner.cli import main

    inputs = mixed_inputs(tmp_path)
    out = tmp_path / "cli.parquet"
    result = CliRunner().invoke(main, ["clean", *inputs, "-o", str(out), "--no-score", "-w", "2",
                                       "--text-field", "body", "--id-field", "uid", "--chunk-size", "4"])
    assert result.exit_code == 0, result.output
    records = list(read_parquet_records(out))
    assert len(records) == 5 + 4 + 3 + 3  # parquet rows, WARC pages, folder; .jsonl.zst has no 'body' field
    errors = lines(tmp_path / "cli.errors.jsonl")
    assert {e["error"] for e in errors} == {"no_text"} and len(errors) == 6
    assert "skipped records 6" in result.output


def test_read_stats_count_skipped_warc_records(tmp_path) -> None:
    inputs = mixed_inputs(tmp_path)
    stats = ReadStats()
    items = list(read_inputs(inputs[:1], stats=stats))
    assert len(items) == 4 and sum(stats.skipped_records.values()) == 6


def test_time_limit_installs_its_handler_when_needed_and_puts_the_previous_one_back() -> None:
    import signal

    from cleaner.executors import DocumentTimeout, _on_alarm

    previous = signal.getsignal(signal.SIGALRM)
    with pytest.raises(DocumentTimeout):
        with time_limit(0.05):
            assert signal.getsignal(signal.SIGALRM) is _on_alarm
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                pass
    assert signal.getsignal(signal.SIGALRM) is previous
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    with time_limit(0):  # no limit: nothing armed, nothing installed
        assert signal.getsignal(signal.SIGALRM) is previous


def test_blank_jsonl_lines_are_skipped_and_keep_the_numbering(tmp_path) -> None:
    """A line of whitespace alone (ASCII or Unicode, a BOM first) is no record; the next keeps its line number."""
    path = tmp_path / "blank.jsonl"
    rows = ["\ufeff  ", json.dumps({"text": "First."}), "", "\t\u3000\u2028 ", json.dumps({"text": " Second. "}),
            "\u00a0", json.dumps({"id": "third", "text": "Third."})]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    items = list(read_inputs([str(path)]))
    assert [(item.id, item.input, item.raw) for item in items] == [
        ("blank:2", f"{path}:2", "First."), ("blank:5", f"{path}:5", " Second. "), ("third", f"{path}:7", "Third.")]
