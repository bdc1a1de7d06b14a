"""Hostile input in every format: each bad document is one clear error line (or a record, where it can be
processed), the batch goes on, and the summary accounts for every input. What tests/test_inputs.py already covers
for plain files (binary/empty/invalid-UTF-8 .txt, a 10 MB line, 20,000 nested divs, a .txt.gz bomb, non-JSON
lines) is not repeated here."""

from __future__ import annotations

import gzip
import io
import json
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
import zstandard
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner.api import run_batch
from cleaner.cli import main
from cleaner.errors import ErrorRecord
from cleaner.formats import warc_record
from cleaner.pipeline import Pipeline
from cleaner.read import ReadStats, read_inputs

ARTICLE = (
    "Council approves budget\n\nThe city council approved a new budget on Tuesday after a debate that lasted "
    "more than nine hours and ended with a narrow vote.\n\nShare this article\n"
)
PAGE = ("<html><head><title>Storm</title></head><body><article><h1>Storm closes schools</h1><p>Heavy rain forced "
        "dozens of schools to close on Monday, officials said, as rivers rose to their highest level.</p></article>"
        "</body></html>")


def seen(record: dict) -> str:
    """Everything cleaner read of a document, kept or removed: these tests check reading, not cleaning choices."""
    return "\n".join([record["text"], *(r["text"] for r in record["removed"])])


def batch(tmp_path: Path, inputs: list[Path], *extra: str) -> tuple[list[dict], list[dict], dict]:
    """Run `cleaner clean` on the inputs; (records, errors, summary)."""
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["clean", *map(str, inputs), "-o", str(out), "--no-score", *extra])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    errors = [json.loads(line) for line in (tmp_path / "out.errors.jsonl").read_text().splitlines()]
    summary = json.loads((tmp_path / "out.summary.json").read_text())
    assert summary["read"] == len(records) + len(errors) == summary["cleaned"] + summary["errors"]
    return records, errors, summary


def kinds(errors: list[dict]) -> dict[str, str]:
    return {e["id"]: e["error"] for e in errors}


def test_binary_files_of_every_format_are_error_lines(tmp_path) -> None:
    noise = bytes(range(256)) * 64
    files = {name: tmp_path / name for name in
             ("page.html", "rows.parquet", "crawl.warc", "lines.jsonl.gz", "story.txt.zst", "story.html.gz")}
    for path in files.values():
        path.write_bytes(noise)
    (tmp_path / "good.txt").write_text(ARTICLE)
    records, errors, summary = batch(tmp_path, [*files.values(), tmp_path / "good.txt"])
    assert [r["id"] for r in records] == ["good"]
    assert len(errors) == 6
    by_input = {Path(e["input"]).name: e["error"] for e in errors}
    assert by_input == {"page.html": "binary", "rows.parquet": "bad_parquet", "crawl.warc": "bad_warc",
                        "lines.jsonl.gz": "bad_gzip", "story.txt.zst": "bad_zstd", "story.html.gz": "bad_gzip"}
    assert summary["files"] == 7


def test_empty_files_of_every_format(tmp_path) -> None:
    for name in ("page.html", "rows.parquet", "crawl.warc", "lines.jsonl"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "z.txt.zst").write_bytes(zstandard.ZstdCompressor().compress(b""))
    (tmp_path / "g.html.gz").write_bytes(gzip.compress(b"  \n"))
    pq.write_table(pa.table({"text": pa.array([], pa.string())}), tmp_path / "none.parquet")
    records, errors, summary = batch(tmp_path, sorted(tmp_path.iterdir()))
    assert records == []
    assert sorted((Path(e["input"]).name, e["error"]) for e in errors) == [
        ("g.html.gz", "empty"), ("page.html", "empty"), ("rows.parquet", "bad_parquet"), ("z.txt.zst", "empty")]
    assert summary["files"] == 7  # the empty JSONL, WARC and zero-row Parquet hold no documents: nothing lost


def test_a_page_over_50_mb_is_too_large_and_a_huge_page_under_it_hits_the_time_limit(tmp_path) -> None:
    over = tmp_path / "a-over.html"
    with open(over, "wb") as fh:
        fh.write(b"<html><body>" + b"<p>word</p>" * (50 * 1024 * 1024 // 11) + b"</body></html>")
    under = tmp_path / "b-under.txt"
    under.write_text("Another short line of page furniture here\n" * 1_000_000)  # 43 MB, a million lines
    (tmp_path / "c-good.txt").write_text(ARTICLE)
    started = time.perf_counter()
    records, errors, summary = batch(tmp_path, [over, under, tmp_path / "c-good.txt"], "--doc-timeout", "2")
    assert time.perf_counter() - started < 40
    assert kinds(errors) == {"a-over": "too_large", "b-under": "timeout"}
    assert [r["id"] for r in records] == ["c-good"]


def test_deep_nesting_in_json_and_in_a_warc_page(tmp_path) -> None:
    lines = tmp_path / "deep.jsonl"
    lines.write_text("[" * 200_000 + "]" * 200_000 + "\n" + json.dumps({"id": "ok", "text": ARTICLE}) + "\n"
                     + json.dumps({"id": "nested-html", "html": "<div>" * 50_000 + "deep" + "</div>" * 50_000})
                     + "\n")
    warc = tmp_path / "deep.warc.gz"
    warc.write_bytes(warc_record("response", "https://x.example/deep", b"<div>" * 100_000 + b"text",
                                 record_id="<urn:uuid:deep>", gzip_member=True)
                     + warc_record("response", "https://x.example/ok", PAGE.encode(), record_id="<urn:uuid:ok>",
                                   gzip_member=True))
    records, errors, summary = batch(tmp_path, [lines, warc], "--doc-timeout", "20")
    assert kinds(errors)["deep:1"] == "bad_json"
    ids = {r["id"] for r in records} | {e["id"] for e in errors}
    assert ids == {"deep:1", "ok", "nested-html", "urn:uuid:deep", "urn:uuid:ok"}
    assert "Heavy rain" in seen(next(r for r in records if r["id"] == "urn:uuid:ok"))


def test_invalid_and_mixed_encodings_become_records_or_clear_errors(tmp_path) -> None:
    (tmp_path / "mixed.txt").write_bytes("Le café est fermé — ".encode() + "après trente ans.".encode("cp1252")
                                         + b"\n\n" + ARTICLE.encode())
    (tmp_path / "bogus-charset.html").write_bytes(b'<html><head><meta charset="x-no-such-codec"></head><body><p>'
                                                  + "Caf\u00e9 cr\u00e8me".encode("latin-1") + b"</p></body></html>")
    (tmp_path / "utf16-no-bom.html").write_bytes(PAGE.encode("utf-16-le"))
    (tmp_path / "lines.jsonl").write_bytes(b'{"id": "bad-bytes", "text": "Headline\\n\\nCaf\xe9 \xff\xfe au lait is served every day '
                                          b'in the old station, said the owner, who opened it thirty years ago."}\n')
    (tmp_path / "lying.warc").write_bytes(warc_record(
        "response", "https://x.example/l", "<html><body><p>Caf\u00e9 noir</p></body></html>".encode("latin-1"),
        content_type="text/html; charset=utf-8", record_id="<urn:uuid:lying>"))
    records, errors, summary = batch(tmp_path, sorted(tmp_path.iterdir()))
    assert kinds(errors) == {"utf16-no-bom": "binary"}
    texts = {r["id"]: seen(r) for r in records}
    assert set(texts) == {"mixed", "bogus-charset", "bad-bytes", "urn:uuid:lying"}
    assert "approved a new budget" in texts["mixed"]
    # mostly UTF-8 with a stray cp1252 phrase: each part decoded by its own encoding
    assert "Le café est fermé — après trente ans." in texts["mixed"]
    assert "Caf\ufffd" in texts["bad-bytes"] and "Caf\ufffd noir" in texts["urn:uuid:lying"]


def test_bombs_in_jsonl_zstd_and_warc_are_too_large_not_oom(tmp_path) -> None:
    limit = ["--max-mb", "5"]
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(
        b'{"id": "bomb", "text": "' + b"a" * (40 * 1024 * 1024) + b'"}\n' + json.dumps({"id": "after", "text": ARTICLE})
        .encode() + b"\n", compresslevel=1))
    (tmp_path / "b.html.zst").write_bytes(zstandard.ZstdCompressor().compress(b"<p>" * (20 * 1024 * 1024)))
    (tmp_path / "c.warc").write_bytes(warc_record(
        "response", "https://x.example/bomb", gzip.compress(b"<p>" + b"x" * (40 * 1024 * 1024), compresslevel=1),
        http_headers={"Content-Encoding": "gzip"}, record_id="<urn:uuid:bomb>"))
    records, errors, summary = batch(tmp_path, sorted(tmp_path.iterdir()), *limit)
    assert kinds(errors) == {"a:1": "too_large", "b": "too_large", "urn:uuid:bomb": "too_large"}
    assert [r["id"] for r in records] == ["after"]


def test_catastrophic_rule_pack_through_the_batch_with_workers(tmp_path) -> None:
    pack = tmp_path / "hostile.yaml"
    pack.write_text(yaml.safe_dump({"id": "hostile", "description": "exponential for backtracking engines",
                                    "rules": [{"id": "evil", "kind": "line", "pattern": "^(a+)+$",
                                               "reason": "catastrophic backtracking bait"}]}))
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": f"d{i}", "text": "Headline\n\n" + "a" * 30_000 + "b\n\n" + ARTICLE})
                              + "\n" for i in range(6)))
    started = time.perf_counter()
    records, errors, _ = batch(tmp_path, [source], "--rules", str(pack), "-w", "2", "--chunk-size", "2")
    assert time.perf_counter() - started < 30 and errors == []
    assert len(records) == 6 and all("approved a new budget" in seen(r) for r in records)
    assert not any(r["rule"] == "hostile/evil" for rec in records for r in rec["removed"])  # 'a…ab' never matched


def test_broken_streams_keep_what_came_before(tmp_path) -> None:
    good = "".join(json.dumps({"id": f"g{i}", "text": ARTICLE + str(i)}) + "\n" for i in range(3000)).encode()
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(good)[:-3000])  # truncated: the end is lost
    (tmp_path / "b.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(
        b"not json at all\n" + json.dumps({"id": "z", "text": ARTICLE}).encode() + b"\n{\"id\": 5}\n"))
    records, errors, summary = batch(tmp_path, sorted(tmp_path.iterdir()))
    got = [r["id"] for r in records]
    assert got[:-1] == [f"g{i}" for i in range(len(got) - 1)] and len(got) > 2000 and got[-1] == "z"
    assert [(e["id"], e["error"]) for e in errors] == [("a:rest", "bad_gzip"), ("b:1", "bad_json"),
                                                       ("5", "no_text")]
    assert "after" in errors[0]["message"]


def test_parquet_rows_without_text_or_with_odd_types(tmp_path) -> None:
    import datetime as dt
    import decimal

    table = pa.table({
        "id": ["a", "b", "c", None],
        "text": [ARTICLE, None, "", ARTICLE],
        "published": [dt.datetime(2024, 5, 1, 12, 0), None, None, dt.datetime(2024, 5, 2)],
        "price": [decimal.Decimal("1.50"), None, None, None],
        "blob": [b"\x00\x01", None, None, None],
    })
    pq.write_table(table, tmp_path / "rows.parquet")
    records, errors, _ = batch(tmp_path, [tmp_path / "rows.parquet"])
    assert kinds(errors) == {"b": "no_text", "c": "no_text"}
    assert [r["id"] for r in records] == ["a", "rows:4"]
    assert records[0]["meta"] == {"input_date": "2024-05-01T12:00:00", "price": "1.50", "blob": "AAE="}
    assert records[0]["date"].startswith("2024-05-01")


# --- fuzz: random bytes as files of each suffix ----------------------------------------------------------------

SINGLE = [".txt", ".html", ".txt.gz", ".html.zst"]
MULTI = [".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet", ".warc", ".warc.gz"]


def _valid_sample(suffix: str) -> bytes:
    """A small valid file of the kind, for the fuzzer to damage."""
    line = json.dumps({"id": "s", "text": ARTICLE}).encode() + b"\n"
    if suffix == ".parquet":
        sink = io.BytesIO()
        pq.write_table(pa.table({"id": ["s", "t"], "text": [ARTICLE, PAGE]}), sink)
        return sink.getvalue()
    if suffix.startswith(".warc"):
        return warc_record("response", "https://x.example/", PAGE.encode(), gzip_member=suffix.endswith(".gz"))
    raw = line * 2 if suffix.startswith(".jsonl") else (PAGE if ".html" in suffix else ARTICLE).encode()
    if suffix.endswith(".gz"):
        return gzip.compress(raw)
    if suffix.endswith(".zst"):
        return zstandard.ZstdCompressor().compress(raw)
    return raw


SAMPLES = {suffix: _valid_sample(suffix) for suffix in SINGLE + MULTI}


@st.composite
def damaged(draw, suffix: str) -> bytes:
    how = draw(st.sampled_from(["random", "flip", "truncate", "splice"]))
    if how == "random":
        return draw(st.binary(max_size=600))
    data = bytearray(SAMPLES[suffix])
    if how == "truncate":
        return bytes(data[: draw(st.integers(0, len(data)))])
    if how == "splice":
        at = draw(st.integers(0, len(data)))
        return bytes(data[:at]) + draw(st.binary(max_size=200)) + bytes(data[at:])
    for _ in range(draw(st.integers(1, 8))):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


files = st.lists(st.sampled_from(SINGLE + MULTI + [".bin"]).flatmap(
    lambda suffix: damaged(suffix if suffix != ".bin" else ".txt").map(lambda data: (suffix, data))),
    min_size=1, max_size=5)
FUZZ_PIPELINE = Pipeline.default(score=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(files)
def test_fuzz_no_bytes_escape_as_an_exception_and_every_input_is_accounted_for(tmp_path_factory, specs) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    for n, (suffix, data) in enumerate(specs):
        (folder / f"f{n}{suffix}").write_bytes(data)
    stats = ReadStats()
    items = list(FUZZ_PIPELINE.run(read_inputs([str(folder)], stats=stats, max_bytes=1 << 20)))
    assert stats.files + stats.skipped == len(specs)
    assert stats.skipped == sum(1 for suffix, _ in specs if suffix == ".bin")
    for n, (suffix, _) in enumerate(specs):
        mine = [i for i in items if Path(i.input.split("@")[0].rsplit(":", 1)[0]).name == f"f{n}{suffix}"
                or Path(i.input).name == f"f{n}{suffix}"]
        if suffix in SINGLE:
            assert len(mine) == 1 and mine[0].id == f"f{n}"  # exactly one line for a one-document file
    for item in items:
        if isinstance(item, ErrorRecord):
            assert item.kind and item.message
        else:
            json.dumps(item.to_record())  # every record can be written


def test_fuzzed_batch_summary_accounts_for_every_document(tmp_path) -> None:
    """The same through run_batch, with two workers, on a fixed damaged set."""
    for n, (suffix, sample) in enumerate(SAMPLES.items()):
        (tmp_path / f"ok{n}{suffix}").write_bytes(sample)
        (tmp_path / f"bad{n}{suffix}").write_bytes(sample[: len(sample) // 2])
    summary = run_batch([str(tmp_path)], str(tmp_path / "out" / "o.jsonl"), score=False, workers=2,
                        chunk_size=4)
    out = (tmp_path / "out" / "o.jsonl").read_text().splitlines()
    errs = (tmp_path / "out" / "o.errors.jsonl").read_text().splitlines()
    assert summary.read == len(out) + len(errs) and summary.files == 2 * len(SAMPLES)
    assert len(out) >= len(SAMPLES)


@pytest.mark.parametrize("suffix", sorted(SAMPLES))
def test_valid_samples_read_cleanly(tmp_path, suffix) -> None:
    path = tmp_path / f"s{suffix}"
    path.write_bytes(SAMPLES[suffix])
    items = list(read_inputs([str(path)]))
    assert items and not any(isinstance(i, ErrorRecord) for i in items)


@pytest.mark.parametrize("text, encoding", [
    ("The naïve café owner said “no comment” — again, and closed the door. ", "cp1252"),
    ("Le café est fermé après trente ans ; « c'était notre deuxième maison », dit Hélène. ", "cp1252"),
    ("Die Straße über den Fluß wurde gesperrt, sagte die Behörde am Montag. ", "cp1252"),
    ("Привет мир, как дела? Всё хорошо, спасибо. ", "cp1251"),
    ("Zażółć gęślą jaźń. Pójdź, kińże tę chmurność w głąb flaszy! ", "cp1250"),
    ("Ελληνικά κείμενα εδώ, για τον καιρό της εβδομάδας. ", "cp1253"),
])
def test_legacy_encodings_decode_to_the_original_text(text: str, encoding: str) -> None:
    """No BOM, no charset: the detector plus the Western-text check read each code page back exactly."""
    from cleaner.encoding import decode_bytes

    assert decode_bytes((text * 3).encode(encoding))[0] == text * 3
