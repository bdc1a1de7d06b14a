"""The library calls the CLI is built on: clean one text, clean one page, clean a batch."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .document import Document
from .errors import ErrorRecord
from .pipeline import Pipeline
from .read import JsonFields, ReadStats, domain_of, read_inputs
from .write import Summary, dumps, open_output, write_json


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
    for ext in (".gz", ".jsonl", ".json"):
        if base.endswith(ext):
            base = base[: -len(ext)]
    return base + ".errors.jsonl", base + ".summary.json"


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
) -> Summary:
    """Clean every input into `output` (JSONL), errors into the error report, and write the summary JSON.
    Every input ends up in exactly one of the two files."""
    started = time.perf_counter()
    pipeline = pipeline or Pipeline.default(rules, score=score)
    errors_path, summary_path = default_side_paths(output)
    errors_path, summary_path = errors or errors_path, summary or summary_path
    stats = ReadStats()
    result = Summary()
    items = read_inputs(inputs, fields=fields, stats=stats)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(unit="doc", desc="cleaning", leave=False)
    with open_output(output) as out, open_output(errors_path) as err:
        for item in process_stream(items, pipeline):
            if isinstance(item, ErrorRecord):
                line = item.to_dict()
                err.write(dumps(line) + "\n")
                result.add_error(line)
            else:
                out.write(dumps(item) + "\n")
                result.add_record(item)
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    result.files = stats.files
    result.skipped_files = stats.skipped
    result.steps = {name: s.to_dict() for name, s in pipeline.stats.items()}
    result.seconds = time.perf_counter() - started
    write_json(summary_path, result.to_dict())
    return result


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
