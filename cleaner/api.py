"""The library calls the CLI is built on: clean one text, clean one page, clean a batch."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .document import Document
from .errors import ErrorRecord
from .executors import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_DOC_TIMEOUT,
    ChunkResult,
    PipelineSpec,
    add_steps,
    add_summary_part,
    chunked,
    make_executor,
)
from .formats import open_atomic, output_kind, write_json_atomic
from .pipeline import Pipeline
from .read import DEFAULT_MAX_BYTES, JsonFields, ReadStats, domain_of, read_inputs
from .resume import PartsDir, code_fingerprint, inputs_fingerprint, own_files
from .rules import RuleSet
from .write import Summary, dumps, open_output


def _document(raw: str, fmt: str, id: str, title: str | None, url: str | None, source: str | None) -> Document:
    doc = Document(id=id, input="<memory>", format=fmt, raw=raw, url=url, source=source or domain_of(url))  # type: ignore[arg-type]
    if title:
        doc.meta["input_title"] = title
    return doc


def clean_text(
    text: str, *, title: str | None = None, url: str | None = None, source: str | None = None,
    id: str = "text", rules: list[str] | None = None, score: bool = False, pipeline: Pipeline | None = None,
) -> Document:
    """Clean text an extractor already produced (one block per line). `doc.text` is the cleaned body and
    `doc.removed` says what went and why."""
    pipeline = pipeline or _cached_pipeline(tuple(rules or ()), score)
    return pipeline.process(_document(text, "text", id, title, url, source))


def clean_html(
    html: str, *, url: str | None = None, source: str | None = None, id: str = "html",
    rules: list[str] | None = None, score: bool = False, pipeline: Pipeline | None = None,
) -> Document:
    """Clean a raw HTML page: extract its blocks and metadata, then remove what is not the article."""
    pipeline = pipeline or _cached_pipeline(tuple(rules or ()), score)
    return pipeline.process(_document(html, "html", id, None, url, source))


_PIPELINES: dict[tuple, Pipeline] = {}


def _cached_pipeline(rules: tuple[str, ...], score: bool) -> Pipeline:
    key = (rules, score)
    if key not in _PIPELINES:
        _PIPELINES[key] = Pipeline.default(list(rules), score=score)
    return _PIPELINES[key]


def process_stream(
    items: Iterable[Document | ErrorRecord], pipeline: Pipeline
) -> Iterator[dict[str, Any] | ErrorRecord]:
    """Processed records (dicts) or ErrorRecords, in input order."""
    for item in pipeline.run(items):
        yield item if isinstance(item, ErrorRecord) else item.to_record()


def default_side_paths(output: str) -> tuple[str, str]:
    """Where the error report and summary go when not given: beside the output file."""
    if output == "-":
        return "cleaner-errors.jsonl", "cleaner-summary.json"
    base = str(output)
    for ext in (".gz", ".zst", ".jsonl", ".json", ".parquet"):
        if base.endswith(ext):
            base = base[: -len(ext)]
    return base + ".errors.jsonl", base + ".summary.json"


@dataclass
class BatchSummary(Summary):
    """The batch summary plus what scale adds: WARC records skipped by reason, workers, chunks (and how many a
    resumed run found already done)."""

    skipped_records: Counter = field(default_factory=Counter)
    workers: int = 1
    chunks: int = 0
    resumed_chunks: int = 0
    dedup: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["skipped_records"] = dict(self.skipped_records.most_common())
        out["workers"] = self.workers
        out["chunks"] = self.chunks
        out["resumed_chunks"] = self.resumed_chunks
        if self.dedup is not None:
            out["dedup"] = self.dedup
        return out

    def text(self) -> str:
        line = super().text()
        extra = []
        if self.skipped_records:
            extra.append(f"skipped records {sum(self.skipped_records.values())}")
        if self.resumed_chunks:
            extra.append(f"resumed: {self.resumed_chunks} of {self.chunks} chunks were already done")
        if self.dedup is not None:
            extra.append(f"duplicates {self.dedup['duplicates']} in {self.dedup['clusters']} clusters")
        return line + ("; " + "; ".join(extra) if extra else "")


def run_batch(
    inputs: list[str],
    output: str,
    *,
    errors: str | None = None,
    summary: str | None = None,
    rules: list[str] | None = None,
    score: bool = True,
    fields: JsonFields | None = None,
    progress: bool = False,
    pipeline: Pipeline | None = None,
    workers: int = 1,
    doc_timeout: float | None = DEFAULT_DOC_TIMEOUT,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    resume: bool = True,
    fresh: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
    scorers: list[str] | None = None,
    dedup_index: str | None = None,
    dedup_threshold: float | None = None,
    templates: str | None = None,
) -> BatchSummary:
    """Clean every input into `output` (JSONL, .jsonl.gz, .jsonl.zst or .parquet by suffix; '-' for stdout),
    errors into the error report (JSONL), and write the summary JSON. Every input ends up in exactly one of the
    two files, in input order whatever the number of `workers` (0 = one per core).

    Streaming: memory stays flat (chunks of `chunk_size` documents, a bounded number in flight). Each document
    has `doc_timeout` seconds (None or 0: no limit). Resumable when the output is a file and no input is stdin:
    finished chunks are kept in OUTPUT.parts/ and a rerun of the same call skips them (see cleaner.resume);
    `fresh=True` discards them, `resume=False` writes no parts at all.

    `dedup_index` (a SQLite path or redis:// URL): once the output is complete, deduplicate it against that
    persistent index in place (cleaner.dedup.dedup_file); the summary then has `dedup` counts and copy edges.

    `templates`: a file `cleaner templates learn` wrote (learn_templates): blocks a source repeats across its
    pages are removed as `template/<source>`."""
    started = time.perf_counter()
    if dedup_index and output == "-":
        raise ValueError("--dedup-index needs an output file: deduplication reads the output twice")
    if dedup_index:  # an index built with other parameters is refused now, not after the whole batch
        from .dedup import Deduplicator

        Deduplicator(dedup_index, threshold=dedup_threshold).close()
    errors_path, summary_path = default_side_paths(output)
    errors_path, summary_path = errors or errors_path, summary or summary_path
    if pipeline is None:
        RuleSet.default(rules)  # a bad rule pack fails here, clearly, before any worker starts
    if pipeline is None and templates:
        pipeline = Pipeline.default(rules, score=score, scorers=scorers, templates=templates)
    recipe: Pipeline | PipelineSpec = pipeline or PipelineSpec(
        tuple(rules or ()), score, tuple(scorers) if scorers is not None else None)
    stats = ReadStats()
    result = BatchSummary(workers=workers or (os.cpu_count() or 1))
    steps: dict[str, dict[str, Any]] = {}
    exclude = own_files(output, errors_path, summary_path)
    chunks = _Counted(chunked(read_inputs(inputs, fields=fields, max_bytes=max_bytes, stats=stats, exclude=exclude),
                              chunk_size))
    bar: Any = None

    def account(res: ChunkResult) -> None:
        add_summary_part(result, res.summary)
        add_steps(steps, res.steps)
        if bar is not None:
            bar.update(len(res.records) + len(res.errors))

    resumable = resume and output != "-" and "-" not in inputs
    if resumable:  # checked before any worker or model is loaded: a refused resume fails at once
        manifest = {
            "inputs": inputs_fingerprint(inputs, exclude),
            "code": code_fingerprint(rules or ()),
            "options": {"score": score, "scorers": scorers, "fields": asdict(fields or JsonFields()),
                        "chunk_size": chunk_size, "doc_timeout": doc_timeout, "max_bytes": max_bytes,
                        "pipeline": None if pipeline is None else [s.name for s in pipeline.steps],
                        **({"templates": [str(Path(templates).resolve()), _digest(templates)]} if templates else {}),
                        "output": output_kind(output)},
        }
        parts = PartsDir(output, manifest, fresh=fresh)
        parts.remove_stale(output, errors_path, summary_path)
    try:
        executor = make_executor(recipe, workers, doc_timeout)
    except BaseException:
        if resumable:
            parts.release()
        raise
    try:
        if progress:
            from tqdm import tqdm

            bar = tqdm(unit="doc", desc="cleaning", leave=False)
        if resumable:
            try:
                done = parts.done()
                result.resumed_chunks = len(done)
                todo = ((i, items) for i, items in chunks if i not in done)
                for res in executor.map(todo):
                    parts.commit(res)
                    if bar is not None:
                        bar.update(len(res.records) + len(res.errors))
                with open_atomic(output) as out, open_atomic(errors_path, "jsonl") as err:
                    headers = parts.merge(chunks.count, out, err)  # type: ignore[arg-type]
            except BaseException:
                parts.release()
                raise
            for header in headers:
                add_summary_part(result, header["summary"])
                add_steps(steps, header["steps"])
        else:
            with open_atomic(output) as out, open_atomic(errors_path, "jsonl") as err:
                for res in executor.map(chunks):
                    for line in res.records:
                        out.write_line(line)
                    for line in res.errors:
                        err.write_line(line)
                    account(res)
    finally:
        executor.close()
        if bar is not None:
            bar.close()
    result.chunks = chunks.count
    result.files = stats.files
    result.skipped_files = stats.skipped
    result.skipped_records = stats.skipped_records
    result.steps = steps
    try:
        if dedup_index:
            from .dedup import dedup_file

            result.dedup = dedup_file(output, output, index=dedup_index, threshold=dedup_threshold)
        result.seconds = time.perf_counter() - started
        write_json_atomic(summary_path, result.to_dict())
    except BaseException:
        if resumable:
            parts.release()
        raise
    if resumable:
        parts.remove()
    return result


def _digest(path: str) -> str:
    import hashlib

    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def learn_templates(inputs: list[str], output: str | None = None, **kwargs: Any) -> Any:
    """Learn per-source template blocks from a batch (cleaner.templates.learn_templates) and write them to
    `output` for `run_batch(templates=...)` / `cleaner clean --templates`."""
    from .templates import learn_templates as learn

    return learn(inputs, output, **kwargs)


class _Counted:
    """An iterator that counts what went through it: the number of chunks once the input is exhausted."""

    def __init__(self, iterator: Iterator[Any]) -> None:
        self.iterator = iterator
        self.count = 0

    def __iter__(self) -> Iterator[Any]:
        for item in self.iterator:
            self.count += 1
            yield item


def explain(doc: Document) -> str:
    """A document for a person: each block in order, removed ones marked with their rule and reason."""
    lines = []
    if doc.title:
        lines.append(f"TITLE  {doc.title}")
    if doc.date:
        lines.append(f"DATE   {doc.date}")
    removals = {}
    partial = {}
    for r in doc.removed:
        (partial if r.partial else removals)[r.block] = r
    for i, block in enumerate(doc.blocks):
        r = removals.get(i)
        if r:
            lines.append(f"- {block.text}")
            lines.append(f"      ↳ removed by {r.rule}: {r.reason}")
        else:
            lines.append(f"  {block.text}")
            if i in partial:
                p = partial[i]
                lines.append(f"      ↳ cut {p.text!r} by {p.rule}: {p.reason}")
    for name, flag in doc.flags.items():
        state = "FLAGGED" if flag.flagged else "not flagged"
        lines.append(f"FLAG {name}: {state} (score {flag.score:.3f}, threshold {flag.threshold})")
        lines += [f"      · {reason}" for reason in flag.reasons]
    verdict = doc.verdict
    if not verdict.get("is_article", True):
        lines.append("NOT AN ARTICLE: " + "; ".join(verdict.get("reasons", [])))
    return "\n".join(lines)


def write_records(records: Iterable[dict[str, Any]], path: str | Path) -> int:
    n = 0
    with open_output(path) as out:
        for record in records:
            out.write(dumps(record) + "\n")
            n += 1
    return n
