"""cleaner's steps as datatrove pipeline steps, so an existing distributed engine (datatrove's Local, Slurm or Ray
executors) runs them over many machines; cleaner itself only brings the steps.

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.writers import JsonlWriter
    from cleaner.distributed import CleanerReader, CleanStep, ScoreFilter

    LocalPipelineExecutor([
        CleanerReader("crawl/", glob_pattern="*.warc.gz"),  # or datatrove's own readers (JsonlReader, WarcReader)
        CleanStep(),                                   # Document.text → cleaned text; cleaner's record in metadata
        ScoreFilter(drop=True, exclusion_writer=JsonlWriter("out/flagged")),
        JsonlWriter("out/clean"),
    ], tasks=8, workers=2, logging_dir="out/logs").run()

Near-duplicates across all tasks take two stages over one shared index (a SQLite file on a shared disk for one
machine, `redis://` for many): `DedupIndexStep` adds every document's signature in the first stage, and
`DedupFilter` reads the finished index in a second stage that depends on the first, so every document's cluster
and canonical copy are final, whatever the order the tasks ran in.

datatrove (and ray, for RayPipelineExecutor) are needed only by this module, never by the rest of cleaner.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from datatrove.data import Document as DTDocument
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.readers.base import BaseDiskReader
from datatrove.pipeline.writers.disk_base import DiskWriter

from .document import Block, Document
from .errors import DocumentError, ErrorRecord
from .executors import DEFAULT_DOC_TIMEOUT, DocumentTimeout, PipelineSpec, time_limit, warm_up
from .pipeline import load_scorers
from .read import domain_of

RECORD_KEY = "cleaner"  # metadata key holding cleaner's record (without its text, which is Document.text)
_HTML_START = re.compile(r"<(?:!doctype\s+html|html|head|body)\b", re.I)


class CleanerReader(BaseDiskReader):
    """cleaner's readers as a datatrove reader: WARC/WARC.gz (HTML responses, via fastwarc), Parquet, JSONL
    (.gz/.zst), .txt/.html files, with cleaner's field mapping, size limits and error handling. Each file of the
    task's shard becomes datatrove Documents (text = the page or text, metadata = url, source, format, title,
    date and passthrough fields); a record cleaner cannot read is counted as `error_<kind>` and skipped, WARC
    records that are not HTML responses as `skipped_<reason>`. A remote file (s3://...) is copied to a
    temporary file first: cleaner's readers stream local files."""

    name = "📖 cleaner: read"

    def __init__(self, data_folder: Any, paths_file: Any = None, limit: int = -1, skip: int = 0,
                 fields: Any = None, max_bytes: int | None = None, recursive: bool = True,
                 glob_pattern: str | None = None, shuffle_files: bool = False, default_metadata: dict | None = None):
        super().__init__(data_folder, paths_file, limit=limit, skip=skip, recursive=recursive,
                         glob_pattern=glob_pattern, shuffle_files=shuffle_files, default_metadata=default_metadata)
        self.fields = fields
        self.max_bytes = max_bytes

    def read_file(self, filepath: str) -> DocumentsPipeline:
        import shutil
        import tempfile
        from collections import Counter
        from pathlib import Path

        from .read import DEFAULT_MAX_BYTES, JsonFields, ReadStats, read_path

        stats = ReadStats(skipped_records=Counter())
        fields = self.fields or JsonFields()
        limit = self.max_bytes or DEFAULT_MAX_BYTES
        full = self.data_folder.resolve_paths(filepath)
        with tempfile.TemporaryDirectory(prefix="cleaner-read-") as tmp:
            if self.data_folder.is_local():
                local = Path(self.data_folder.fs._strip_protocol(full))
            else:
                local = Path(tmp) / Path(filepath).name
                with self.data_folder.open(filepath, "rb") as src, open(local, "wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
            for item in read_path(local, fields, limit, stats):
                if isinstance(item, ErrorRecord):
                    self.stat_update(f"error_{item.kind}")
                    continue
                meta = {"url": item.url, "source": item.source, "format": item.format, "file_path": full,
                        "input": item.input}
                meta.update({k: v for k, v in item.meta.items() if k not in ("input_title", "input_date")})
                if item.meta.get("input_title"):
                    meta["title"] = item.meta["input_title"]
                if item.meta.get("input_date"):
                    meta["date"] = item.meta["input_date"]
                doc = DTDocument(text=item.raw, id=item.id, metadata={k: v for k, v in meta.items() if v is not None})
                if self.default_metadata:
                    doc.metadata = self.default_metadata | doc.metadata
                yield doc
        for reason, count in stats.skipped_records.items():
            self.stat_update(f"skipped_{reason}", value=count)


def looks_like_html(text: str) -> bool:
    """Whether a reader's text is a page (WarcReader gives HTML) or already-extracted text."""
    return bool(_HTML_START.search(text[:4096]))


def to_cleaner(doc: DTDocument, fmt: str) -> Document:
    """A datatrove Document as a cleaner Document: url, source, title and date come from the metadata."""
    meta = doc.metadata
    url = meta.get("url") if isinstance(meta.get("url"), str) else None
    source = meta.get("source") if isinstance(meta.get("source"), str) else None
    if fmt == "auto":
        fmt = meta["format"] if meta.get("format") in ("html", "text") else (
            "html" if looks_like_html(doc.text) else "text")
    cdoc = Document(id=str(doc.id), input=str(meta.get("input") or meta.get("file_path") or "datatrove"),
                    format=fmt,  # type: ignore[arg-type]
                    raw=doc.text, url=url, source=source or domain_of(url))
    for key, into in (("title", "input_title"), ("date", "input_date")):
        if isinstance(meta.get(key), str):
            cdoc.meta[into] = meta[key]
    return cdoc


class CleanStep(BaseFilter):
    """Cleaning as a datatrove step: Document.text becomes the cleaned body and `metadata["cleaner"]` holds
    cleaner's record (removed blocks with rule and reason, title, date, stats; with `score=True` also scores and
    flags). A document cleaner cannot process (empty, binary, too slow) is dropped with its error kind as the
    reason (stats `dropped_<kind>`; the exclusion writer, if given, keeps it with `metadata["cleaner_error"]`).

    `fmt`: "auto" (HTML when the text looks like a page), "html" or "text". The Pipeline is built once per task,
    inside the task's process, from a picklable recipe."""

    name = "🧹 cleaner: clean"

    def __init__(self, rules: Iterable[str] = (), fmt: str = "auto", score: bool = False,
                 scorers: Iterable[str] | None = None, use_model: bool | None = None,
                 doc_timeout: float | None = DEFAULT_DOC_TIMEOUT, exclusion_writer: DiskWriter | None = None):
        super().__init__(exclusion_writer)
        if fmt not in ("auto", "html", "text"):
            raise ValueError(f"fmt must be auto, html or text, not {fmt!r}")
        self.fmt = fmt
        self.spec = PipelineSpec(tuple(rules), score, tuple(scorers) if scorers is not None else None, use_model)
        self.doc_timeout = doc_timeout
        self._pipeline: Any = None

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if self._pipeline is None:
            self._pipeline = self.spec.build()
            warm_up(self._pipeline)
        yield from super().run(data, rank, world_size)

    def filter(self, doc: DTDocument) -> bool | tuple[bool, str]:
        cdoc = to_cleaner(doc, self.fmt)
        try:
            with time_limit(self.doc_timeout):
                cdoc = self._pipeline.process(cdoc)
        except DocumentError as exc:
            doc.metadata["cleaner_error"] = {"error": exc.kind, "message": exc.message}
            return False, exc.kind
        except DocumentTimeout:
            doc.metadata["cleaner_error"] = {"error": "timeout",
                                             "message": f"over the per-document limit of {self.doc_timeout:g} s"}
            return False, "timeout"
        record = cdoc.to_record()
        doc.text = record.pop("text")
        record["kept_kinds"] = [b.kind for b in cdoc.kept_blocks]  # so ScoreFilter sees the same blocks
        record["title_found"] = cdoc.title_found  # ...and knows a headline picked from the text from a given one
        doc.metadata[RECORD_KEY] = record
        if cdoc.url and not doc.metadata.get("url"):
            doc.metadata["url"] = cdoc.url
        return True


def from_record(doc: DTDocument) -> Document:
    """The cleaned document back as a cleaner Document (kept blocks with their kinds, title and whether it was
    picked from the text, language), for a scorer in a later step or another process."""
    record = doc.metadata.get(RECORD_KEY) or {}
    lines = doc.text.split("\n") if doc.text else []
    kinds = record.get("kept_kinds") or []
    if len(kinds) != len(lines):
        from .segment import guess_kind

        kinds = [guess_kind(line, False, False) for line in lines]
    return Document(
        id=str(doc.id), input=record.get("input") or "datatrove", format=record.get("format") or "text",
        raw=doc.text, url=record.get("url"), source=record.get("source"), title=record.get("title"),
        date=record.get("date"), language=record.get("language"), title_found=bool(record.get("title_found")),
        blocks=[Block(text, kind) for text, kind in zip(lines, kinds, strict=True)],
    )


class ScoreFilter(BaseFilter):
    """cleaner's scorers (language, readability, machine-translated, incoherent; by name, or scorer objects) as
    a datatrove filter.

    `drop=True`: a document that any of `flags` (default: every flag) marks is dropped; the reason is the flag
    names joined by '+', counted by datatrove as `dropped_<reason>` and written with the document by the
    exclusion writer, whose metadata also holds the flags' own reasons (`cleaner_flag_reasons`).
    `drop=False`: every document goes on; flagged ones are tagged with `cleaner_flagged` and
    `cleaner_flag_reasons`. Scores and flags also go into `metadata["cleaner"]`, as in cleaner's own records."""

    name = "🧮 cleaner: score"

    def __init__(self, scorers: Iterable[str | Any] | None = None, drop: bool = True,
                 flags: Iterable[str] | None = None, doc_timeout: float | None = DEFAULT_DOC_TIMEOUT,
                 exclusion_writer: DiskWriter | None = None):
        super().__init__(exclusion_writer)
        self.scorer_names = list(scorers) if scorers is not None else None
        self.drop = drop
        self.flags = set(flags) if flags is not None else None
        self.doc_timeout = doc_timeout
        self._scorers: list[Any] | None = None

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        if self._scorers is None:
            # Names are loaded here, in the task's process; scorer objects (anything with name and run(doc))
            # are used as given.
            names = None if self.scorer_names is None else [s for s in self.scorer_names if isinstance(s, str)]
            loaded = iter(load_scorers(names) if names is None or names else [])
            self._scorers = (list(loaded) if self.scorer_names is None else
                             [next(loaded) if isinstance(s, str) else s for s in self.scorer_names])
            warm = Document(id="warm-up", input="<warm-up>", format="text", raw="", title="Warm-up",
                            blocks=[Block("A short paragraph so that every scorer loads its tables and models "
                                          "before any time limit is armed.")])
            for scorer in self._scorers:
                try:
                    scorer.run(warm)
                except Exception:  # noqa: BLE001 - a scorer that fails here fails again, per document
                    pass
        yield from super().run(data, rank, world_size)

    def filter(self, doc: DTDocument) -> bool | tuple[bool, str]:
        record = doc.metadata.setdefault(RECORD_KEY, {})
        cdoc = from_record(doc)
        try:
            with time_limit(self.doc_timeout):
                for scorer in self._scorers or []:
                    scorer.run(cdoc)
        except DocumentTimeout:
            self.stat_update("score_timeout")
            doc.metadata["cleaner_error"] = {"error": "timeout", "message": "scoring went over the time limit"}
            return True
        except Exception as exc:  # noqa: BLE001 - a scorer failing on one document must not stop the task
            self.stat_update("score_failed")
            doc.metadata["cleaner_error"] = {"error": "score_failed", "message": f"{type(exc).__name__}: {exc}"}
            return True
        record["language"] = cdoc.language
        record["scores"] = {**record.get("scores", {}), **cdoc.scores}
        record["flags"] = {**record.get("flags", {}), **{n: f.to_dict() for n, f in cdoc.flags.items()}}
        flagged = [name for name, flag in record["flags"].items()
                   if flag.get("flagged") and (self.flags is None or name in self.flags)]
        if not flagged:
            return True
        doc.metadata["cleaner_flagged"] = flagged
        doc.metadata["cleaner_flag_reasons"] = {name: record["flags"][name].get("reasons", []) for name in flagged}
        if self.drop:
            return False, "+".join(sorted(flagged))
        return True


def _dedup_record(doc: DTDocument) -> dict[str, Any]:
    record = doc.metadata.get(RECORD_KEY) or {}
    return {"id": str(doc.id), "text": doc.text, "source": record.get("source") or doc.metadata.get("source"),
            "date": record.get("date") or doc.metadata.get("date")}


def _batches(data: Iterable[DTDocument], size: int) -> Iterator[list[DTDocument]]:
    batch: list[DTDocument] = []
    for doc in data:
        batch.append(doc)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class DedupIndexStep(PipelineStep):
    """Stage 1 of near-duplicate detection: adds every document's MinHash signature to the shared index
    (cleaner.dedup) and passes the documents on unchanged. Tasks may run in any order and at once."""

    name = "🫂 cleaner: dedup index"
    type = "🫂 - DEDUP"

    def __init__(self, index: str, threshold: float | None = None, num_perm: int | None = None,
                 shingle: int | None = None, batch_size: int = 1000):
        super().__init__()
        self.index = index
        self.params = {"threshold": threshold, "num_perm": num_perm, "shingle": shingle}
        self.batch_size = batch_size

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from .dedup import Deduplicator

        if data is None:
            return
        with Deduplicator(self.index, batch_size=self.batch_size, **self.params) as dd:
            for batch in _batches(data, self.batch_size):
                with self.track_time("batch"):
                    dd.add([_dedup_record(doc) for doc in batch])
                self.stat_update("indexed", value=len(batch))
                yield from batch


class DedupFilter(BaseFilter):
    """Stage 2: each document's cluster from the finished index into `metadata["dedup"]` (cluster, canonical,
    is_canonical, similarity). `drop=True` drops every copy but the canonical one (reason `duplicate`);
    `drop=False` only tags. Run it in a stage that depends on the stage with DedupIndexStep."""

    name = "🫂 cleaner: dedup filter"

    def __init__(self, index: str, drop: bool = True, batch_size: int = 1000,
                 source_priority: Iterable[str] = (), exclusion_writer: DiskWriter | None = None):
        super().__init__(exclusion_writer, batch_size=batch_size)
        self.index = index
        self.drop = drop
        self.source_priority = tuple(source_priority)
        self._dd: Any = None

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        from .dedup import Deduplicator

        if data is None:
            return
        with Deduplicator(self.index, source_priority=self.source_priority, batch_size=self.batch_size) as dd:
            self._dd = dd
            try:
                yield from super().run(data, rank, world_size)
            finally:
                self._dd = None

    def filter(self, doc: DTDocument) -> bool | tuple[bool, str]:
        return self.filter_batch([doc])[0]

    def filter_batch(self, batch: list[DTDocument]) -> list[bool | tuple[bool, str]]:
        annotated = list(self._dd.annotate([_dedup_record(doc) for doc in batch]))
        results: list[bool | tuple[bool, str]] = []
        for doc, rec in zip(batch, annotated, strict=True):
            doc.metadata["dedup"] = rec["dedup"]
            if isinstance(doc.metadata.get(RECORD_KEY), dict):
                doc.metadata[RECORD_KEY]["dedup"] = rec["dedup"]
            keep = rec["dedup"]["is_canonical"] or not self.drop
            results.append(True if keep else (False, "duplicate"))
        return results
