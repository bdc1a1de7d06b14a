"""Resumable runs: kill -9 at random moments, start the same command again, and the finished output is an
uninterrupted run's, every document exactly once; a different command is refused instead of resumed."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.api import run_batch
from cleaner.cli import main
from cleaner.resume import ResumeError

ARTICLE = (
    "Council approves budget {n}\n\nThe city council approved a new budget on Tuesday after a debate that lasted "
    "more than nine hours and ended with a narrow vote on item {n}.\n\nShare this article\n\n"
    "© 2025 Example Media. All rights reserved.\n"
)
SEED = 20240501
KILLS = 20


def make_inputs(folder: Path, n: int = 240) -> list[str]:
    """Small documents in two JSONL files and a folder of texts, with a few bad lines among them."""
    folder.mkdir(parents=True, exist_ok=True)
    for part in range(2):
        rows = []
        for i in range(part * n // 2, (part + 1) * n // 2):
            rows.append("not json" if i % 37 == 0 else json.dumps({"id": f"d{i}", "text": ARTICLE.format(n=i)}))
        (folder / f"part{part}.jsonl").write_text("\n".join(rows) + "\n")
    texts = folder / "texts"
    texts.mkdir(exist_ok=True)
    for i in range(20):
        (texts / f"t{i:02d}.txt").write_text(ARTICLE.format(n=1000 + i))
    return [str(folder / "part0.jsonl"), str(folder / "part1.jsonl"), str(texts)]


def command(inputs: list[str], out: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "cleaner.cli", "clean", *inputs, "-o", str(out), "--no-score", "--chunk-size", "7",
            "--workers", str(workers), "--no-progress"]


def comparable(summary_path: Path) -> dict:
    """The summary less what depends on the run rather than the data: time, workers, chunks found done."""
    summary = json.loads(summary_path.read_text())
    for key in ("seconds", "workers", "resumed_chunks"):
        summary.pop(key)
    summary["steps"] = {name: {k: v for k, v in s.items() if k != "seconds"} for name, s in summary["steps"].items()}
    return summary


def processes_mentioning(token: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if token.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _locked_since(parts: Path, since_ns: int) -> bool:
    """Whether a run started after `since_ns` has opened the parts folder's lock (it rewrites the file)."""
    try:
        return (parts / "lock").stat().st_mtime_ns >= since_ns
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc").is_dir() or not hasattr(signal, "SIGKILL"), reason="needs Linux /proc")
def test_kill_9_at_random_moments_then_the_same_command_finishes_exactly_once(tmp_path) -> None:
    inputs = make_inputs(tmp_path / "in")
    ref = tmp_path / "ref" / "out.jsonl"
    started = time.perf_counter()
    proc = subprocess.Popen(command(inputs, ref, 1), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None and not ref.with_name("out.jsonl.parts").exists():
        time.sleep(0.005)
    working = time.perf_counter()
    assert proc.wait(timeout=120) == 0
    duration, processing = time.perf_counter() - started, time.perf_counter() - working
    ref_records = ref.read_bytes()
    ref_errors = (ref.parent / "out.errors.jsonl").read_bytes()
    assert len(ref_records.splitlines()) + len(ref_errors.splitlines()) == 260

    rng = random.Random(SEED)
    mid_run = 0
    for scenario, workers in enumerate((1, 2)):
        out = tmp_path / f"run{scenario}" / "out.jsonl"
        parts = out.with_name(out.name + ".parts")
        for _ in range(KILLS // 2):
            launched = time.time_ns()
            proc = subprocess.Popen(command(inputs, out, workers), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            if rng.random() < 0.3:  # anywhere: start-up, reading, work, merge, or after the end
                time.sleep(rng.uniform(0.05, duration * 1.1))
            else:  # once this run holds the parts folder (start-up is most of a small run's time)
                while proc.poll() is None and not _locked_since(parts, launched):
                    time.sleep(0.005)
                left = 1 - len(list(parts.glob("chunk-*"))) / 38  # a resumed run has only the rest to do
                time.sleep(rng.uniform(0, processing * max(left, 0.05)))
            done_before = len(list(parts.glob("chunk-*"))) if parts.exists() else 0
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            mid_run += 0 < done_before < 38
            # Never a half-written output: absent, or (killed after its rename) the whole of it.
            if out.exists():
                assert out.read_bytes() == ref_records
            assert not list(out.parent.glob(".*.tmp")) or parts.exists()
            deadline = time.monotonic() + 10
            while processes_mentioning(str(out)) and time.monotonic() < deadline:
                time.sleep(0.05)  # workers die with their parent (PR_SET_PDEATHSIG)
            assert processes_mentioning(str(out)) == []
            if out.exists() and not parts.exists():
                # The run finished before its kill (a fast machine finishes the 38 chunks in a second): its output
                # is checked above; start the next run from nothing, so that the next kills land in a run again.
                for name in ("out.jsonl", "out.errors.jsonl", "out.summary.json"):
                    (out.parent / name).unlink(missing_ok=True)
        finish = subprocess.run(command(inputs, out, workers), capture_output=True, text=True, timeout=120)
        assert finish.returncode == 0, finish.stderr
        assert out.read_bytes() == ref_records
        assert (out.parent / "out.errors.jsonl").read_bytes() == ref_errors
        assert comparable(out.parent / "out.summary.json") == comparable(ref.parent / "out.summary.json")
        assert not parts.exists() and not list(out.parent.glob(".*.tmp"))
    assert mid_run >= 5, f"only {mid_run} of {KILLS} kills landed mid-run; the delays no longer fit the run time"


def test_a_resumed_run_skips_the_finished_chunks(tmp_path, monkeypatch) -> None:
    inputs = make_inputs(tmp_path / "in", n=60)
    out = tmp_path / "out.jsonl"
    run_batch(inputs, str(tmp_path / "ref.jsonl"), score=False, chunk_size=10)

    from cleaner import api, executors

    real = executors.process_chunk
    seen: list[int] = []

    def dying(pipeline, index, items, timeout):
        if index == 4:
            raise KeyboardInterrupt  # the run stops half-way
        seen.append(index)
        return real(pipeline, index, items, timeout)

    monkeypatch.setattr(executors, "process_chunk", dying)
    with pytest.raises(KeyboardInterrupt):
        api.run_batch(inputs, str(out), score=False, chunk_size=10)
    assert seen == [0, 1, 2, 3] and not out.exists()
    assert sorted(p.name for p in (tmp_path / "out.jsonl.parts").glob("chunk-*")) == [
        f"chunk-0000000{i}.jsonl" for i in range(4)]
    seen.clear()
    monkeypatch.setattr(executors, "process_chunk", lambda *a: (seen.append(a[1]), real(*a))[1])
    summary = api.run_batch(inputs, str(out), score=False, chunk_size=10)
    assert seen == [4, 5, 6, 7] and summary.resumed_chunks == 4 and summary.chunks == 8
    assert out.read_bytes() == (tmp_path / "ref.jsonl").read_bytes()
    assert summary.read == 80 and not (tmp_path / "out.jsonl.parts").exists()


def test_other_inputs_or_options_are_refused_clearly_and_fresh_starts_over(tmp_path, monkeypatch) -> None:
    inputs = make_inputs(tmp_path / "in", n=40)
    out = tmp_path / "out.jsonl"
    from cleaner import executors

    real = executors.process_chunk

    def dying(pipeline, index, items, timeout):
        if index == 2:
            raise KeyboardInterrupt
        return real(pipeline, index, items, timeout)

    monkeypatch.setattr(executors, "process_chunk", dying)
    with pytest.raises(KeyboardInterrupt):
        run_batch(inputs, str(out), score=False, chunk_size=10)
    monkeypatch.setattr(executors, "process_chunk", real)

    result = CliRunner().invoke(main, ["clean", *inputs, "-o", str(out), "--chunk-size", "10"])  # scoring on
    assert result.exit_code != 0
    assert "other inputs or options (differs: options.score)" in result.output and "--fresh" in result.output
    with pytest.raises(ResumeError, match="options.chunk_size"):
        run_batch(inputs, str(out), score=False, chunk_size=20)
    (tmp_path / "in" / "part0.jsonl").write_text(json.dumps({"id": "changed", "text": "x"}) + "\n")
    with pytest.raises(ResumeError, match="inputs.digest"):
        run_batch(inputs, str(out), score=False, chunk_size=10)
    summary = run_batch(inputs, str(out), score=False, chunk_size=10, fresh=True)
    assert summary.resumed_chunks == 0 and summary.read == 1 + 20 + 20


def test_output_inside_an_input_folder_is_not_read_back(tmp_path) -> None:
    inputs = make_inputs(tmp_path / "in", n=20)
    folder = str(tmp_path / "in")
    first = run_batch([folder], str(tmp_path / "in" / "clean.jsonl"), score=False, chunk_size=5)
    again = run_batch([folder], str(tmp_path / "in" / "clean.jsonl"), score=False, chunk_size=5)
    assert first.read == again.read == 40 and first.skipped_files == again.skipped_files == 0
    assert len(inputs) == 3


def test_two_runs_on_one_output_at_once_are_refused(tmp_path) -> None:
    from cleaner.resume import PartsDir

    held = PartsDir(tmp_path / "out.jsonl", {"inputs": {}, "options": {}})
    try:
        with pytest.raises(ResumeError, match="another run is writing"):
            PartsDir(tmp_path / "out.jsonl", {"inputs": {}, "options": {}})
    finally:
        held.release()


def test_stdin_and_stdout_runs_write_no_parts(tmp_path) -> None:
    line = json.dumps({"id": "s", "text": ARTICLE.format(n=1)})
    result = CliRunner().invoke(main, ["clean", "-", "-o", str(tmp_path / "o.jsonl"), "--no-score"],
                                input=line + "\n")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "o.jsonl").read_text())["id"] == "s"
    assert not list(tmp_path.glob("*.parts"))
    assert os.path.exists(tmp_path / "o.summary.json")


LINES = [
    json.dumps({"id": "plain", "text": "An ordinary line."}),
    json.dumps({"id": "separators", "text": "A\u2028B\u2029C\u0085D \u00e9 \u4e2d \U0001f600"}, ensure_ascii=False),
    json.dumps({"id": "escaped", "text": "new\nline\r and tab\t"}, ensure_ascii=False),
]


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet"])
def test_merge_copies_committed_lines_as_written_line_by_line(tmp_path, suffix) -> None:
    """merge copies a chunk's bytes into the output: the same file content as writing its lines one by one,
    U+2028 and U+0085 (which str.splitlines would cut at) inside a line included."""
    from cleaner.executors import ChunkResult
    from cleaner.formats import open_atomic, read_parquet_records, read_records
    from cleaner.resume import PartsDir

    parts = PartsDir(tmp_path / f"merged{suffix}", {"inputs": "test"})
    parts.commit(ChunkResult(0, records=LINES[:2], errors=[LINES[2]]))
    parts.commit(ChunkResult(1, records=[], errors=[]))
    parts.commit(ChunkResult(2, records=LINES[1:], errors=LINES[:1]))
    with open_atomic(tmp_path / f"merged{suffix}") as out, open_atomic(tmp_path / "merged.errors.jsonl") as err:
        headers = parts.merge(3, out, err)  # type: ignore[arg-type]
    parts.release()
    with open_atomic(tmp_path / f"direct{suffix}") as out:
        for line in LINES[:2] + LINES[1:]:
            out.write_line(line)
    assert [h["records"] for h in headers] == [2, 0, 2] and [h["errors"] for h in headers] == [1, 0, 1]
    read = read_parquet_records if suffix == ".parquet" else read_records
    merged = list(read(tmp_path / f"merged{suffix}"))
    assert merged == list(read(tmp_path / f"direct{suffix}"))
    if suffix == ".parquet":
        assert [r["id"] for r in merged] == ["plain", "separators", "separators", "escaped"]
    else:
        assert merged == [json.loads(line) for line in LINES[:2] + LINES[1:]]
    if suffix in (".jsonl", ".jsonl.zst"):  # no header time stamp: the very same bytes
        assert (tmp_path / f"merged{suffix}").read_bytes() == (tmp_path / f"direct{suffix}").read_bytes()
    assert (tmp_path / "merged.errors.jsonl").read_text(encoding="utf-8") == f"{LINES[2]}\n{LINES[0]}\n"


def test_a_chunk_shorter_than_its_header_is_refused(tmp_path) -> None:
    from cleaner.executors import ChunkResult
    from cleaner.formats import open_atomic
    from cleaner.resume import PartsDir

    parts = PartsDir(tmp_path / "out.jsonl", {"inputs": "test"})
    parts.commit(ChunkResult(0, records=LINES, errors=[]))
    chunk = parts.chunk_path(0)
    chunk.write_bytes(chunk.read_bytes().rsplit(b"\n", 2)[0] + b"\n")
    with pytest.raises(ResumeError, match="shorter than its header"):
        with open_atomic(tmp_path / "out.jsonl") as out, open_atomic(tmp_path / "out.errors.jsonl") as err:
            parts.merge(1, out, err)  # type: ignore[arg-type]
    parts.release()


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".jsonl.zst"])
def test_line_writer_writes_what_a_text_file_would(tmp_path, suffix) -> None:
    """LineWriter encodes lines itself (a binary file underneath): the content is a text-mode file's."""
    import gzip

    import zstandard

    from cleaner.formats import LineWriter

    writer = LineWriter(tmp_path / f"out{suffix}", suffix.lstrip("."))
    for line in LINES:
        writer.write_line(line)
    writer.write_line(LINES[0] + "\n")  # a line that already ends in its newline
    writer.close()
    with open(tmp_path / "text.jsonl", "w", encoding="utf-8") as fh:
        fh.write("".join(line + "\n" for line in LINES + LINES[:1]))
    expected = (tmp_path / "text.jsonl").read_bytes()
    data = (tmp_path / f"out{suffix}").read_bytes()
    if suffix == ".jsonl.gz":
        data = gzip.decompress(data)
    elif suffix == ".jsonl.zst":
        data = zstandard.ZstdDecompressor().decompressobj().decompress(data)
    assert data == expected
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate fails as a text file's write does
        LineWriter(tmp_path / "bad.jsonl", "jsonl").write_line('{"text":"\ud800"}')


def test_stdout_output_writes_committed_lines_as_text(capsys) -> None:
    from cleaner.formats import StdoutOutput

    block = "".join(line + "\n" for line in LINES).encode("utf-8")
    StdoutOutput().write_lines(block)
    assert capsys.readouterr().out == "".join(line + "\n" for line in LINES)
