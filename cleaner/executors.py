"""Executors: how documents go through a Pipeline, apart from what the steps do (datatrove's split of steps and
executors). The steps never know whether they run in one process or many.

Work moves in chunks: fixed-size lists of documents, numbered in input order. An executor maps chunks to
`ChunkResult`s and yields them in chunk order, so the output order is the input order whatever the number of
workers, and a chunk is the unit a resumable run commits. `ProcessExecutor` keeps at most `max_in_flight` chunks
outside the parent, so memory stays flat however many documents stream through.

Each document gets a wall-clock limit (`doc_timeout`): a SIGALRM timer in the process that runs it (the worker,
or the main thread in serial mode) interrupts a pathological page, which becomes a `timeout` error line, and the
batch goes on. The pipeline is warmed up (models and lazy tables loaded) before any limit is armed, so an
interruption can only ever abandon one document's own state. The timer interrupts Python code; a call into a C
extension that never returns is not interrupted. A worker that dies (a segfault, the OOM killer) is replaced and
its chunks are redone one document at a time, so the document that killed it becomes a `worker_crashed` line.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from .document import Document
from .errors import DocumentError, ErrorRecord
from .pipeline import Pipeline
from .write import Summary, dumps

DEFAULT_DOC_TIMEOUT = 60.0
DEFAULT_CHUNK_SIZE = 256

Item = Document | ErrorRecord


@dataclass(frozen=True)
class PipelineSpec:
    """How to build the Pipeline: a recipe that can cross a process boundary (a built Pipeline holds compiled
    RE2 patterns and models, which are built once per worker instead)."""

    rules: tuple[str, ...] = ()
    score: bool = True
    scorers: tuple[str, ...] | None = None
    use_model: bool | None = None

    def build(self) -> Pipeline:
        return Pipeline.default(list(self.rules), score=self.score,
                                scorers=list(self.scorers) if self.scorers is not None else None,
                                use_model=self.use_model)


class DocumentTimeout(BaseException):
    """Raised by the timer inside a step. A BaseException so that Pipeline.process, which turns a step's
    Exception into a `<step>_failed` error, lets it through to the executor, which reports `timeout`."""


_armed = False
ALARM_REPEAT_SECONDS = 0.25


def _on_alarm(signum: int, frame: Any) -> None:
    if _armed:
        raise DocumentTimeout()


def timeouts_available() -> bool:
    """SIGALRM exists (POSIX) and this is the main thread (the only one Python delivers signals to)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def alarm_handler() -> Iterator[None]:
    """Install the SIGALRM handler for a whole run (and put the previous one back after): per document, only
    the timer is set, which costs a microsecond instead of two handler swaps."""
    if not timeouts_available() or signal.getsignal(signal.SIGALRM) is _on_alarm:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        yield
    finally:
        signal.signal(signal.SIGALRM, previous)


class time_limit:
    """Raise DocumentTimeout in this thread after `seconds` of wall-clock time; no-op without SIGALRM support.
    The handler only raises while armed, so a late signal never lands in the executor's own bookkeeping.
    A class, not a generator context manager: it is entered once a document, and usually finds the handler
    already installed for the run (alarm_handler, or a worker's for its life), so only the timer is set."""

    __slots__ = ("seconds", "_active", "_previous")

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._active = False
        self._previous: Any = None

    def __enter__(self) -> None:
        global _armed
        seconds = self.seconds
        if not seconds or seconds <= 0 or not timeouts_available():
            return
        if signal.getsignal(signal.SIGALRM) is not _on_alarm:
            self._previous = signal.signal(signal.SIGALRM, _on_alarm)
        self._active = True
        try:
            _armed = True
            # repeating: a DocumentTimeout raised where Python swallows it (a finaliser run by the garbage
            # collector) would otherwise leave the document running without a limit
            signal.setitimer(signal.ITIMER_REAL, seconds, ALARM_REPEAT_SECONDS)
        except BaseException:
            self._disarm()
            raise

    def __exit__(self, *exc: object) -> None:
        if self._active:
            self._disarm()

    def _disarm(self) -> None:
        global _armed
        self._active = False
        try:
            _armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            if self._previous is not None:
                previous, self._previous = self._previous, None
                signal.signal(signal.SIGALRM, previous)


def process_one(pipeline: Pipeline, item: Item, doc_timeout: float | None) -> Item:
    """One document through the pipeline under the time limit: a processed Document or an ErrorRecord."""
    if isinstance(item, ErrorRecord):
        return item
    started = time.perf_counter()
    try:
        with time_limit(doc_timeout):
            return pipeline.process(item)
    except DocumentError as exc:
        return ErrorRecord(item.id, item.input, exc.kind, exc.message)
    except DocumentTimeout:
        spent = time.perf_counter() - started
        return ErrorRecord(item.id, item.input, "timeout",
                           f"stopped after {spent:.1f} s: over the per-document limit of {doc_timeout:g} s")


def warm_up(pipeline: Pipeline) -> None:
    """Run a tiny text and a tiny page through the pipeline, so lazy loads (models, tables, trafilatura) happen
    before any time limit is armed and can never be cut in half."""
    text = "Warm-up headline\n\nA short paragraph of text so that every step and scorer loads what it needs.\n"
    html = f"<html><head><title>Warm-up</title></head><body><article><p>{text}</p></article></body></html>"
    for fmt, raw in (("text", text), ("html", html)):
        try:
            pipeline.process(Document(id="warm-up", input="<warm-up>", format=fmt, raw=raw))  # type: ignore[arg-type]
        except DocumentError:
            pass
    pipeline.stats.clear()


# --- chunk results ----------------------------------------------------------------------------------------------


SUMMARY_COUNTS = ("read", "cleaned", "errors", "chars_in", "chars_out", "not_articles")
SUMMARY_COUNTERS = ("removed_by_rule", "errors_by_kind", "flagged")


def summary_part(summary: Summary) -> dict[str, Any]:
    """The additive part of a Summary, as plain JSON: chunks' parts add up to the batch's summary."""
    part: dict[str, Any] = {name: getattr(summary, name) for name in SUMMARY_COUNTS}
    part.update({name: dict(getattr(summary, name)) for name in SUMMARY_COUNTERS})
    return part


def add_summary_part(summary: Summary, part: dict[str, Any]) -> None:
    for name in SUMMARY_COUNTS:
        setattr(summary, name, getattr(summary, name) + int(part.get(name, 0)))
    for name in SUMMARY_COUNTERS:
        getattr(summary, name).update(Counter(part.get(name, {})))


def add_steps(total: dict[str, dict[str, Any]], steps: dict[str, dict[str, Any]]) -> None:
    for name, stats in steps.items():
        into = total.setdefault(name, {"documents": 0, "errors": 0, "seconds": 0.0})
        into["documents"] += stats["documents"]
        into["errors"] += stats["errors"]
        into["seconds"] = round(into["seconds"] + stats["seconds"], 3)


@dataclass
class ChunkResult:
    """A finished chunk: record lines and error lines (JSON text, serialised where the work was done), the
    chunk's share of the summary and of the per-step statistics."""

    index: int
    records: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)


def _steps_snapshot(pipeline: Pipeline) -> dict[str, tuple[int, int, float]]:
    return {name: (s.documents, s.errors, s.seconds) for name, s in pipeline.stats.items()}


def _error_line(error: ErrorRecord, summary: Summary) -> str:
    line = error.to_dict()
    summary.add_error(line)
    return dumps(line)


def finish_item(item: Item, result: ChunkResult, summary: Summary) -> None:
    """A processed item into the chunk's lines; a record that cannot be serialised becomes an error line."""
    if isinstance(item, ErrorRecord):
        result.errors.append(_error_line(item, summary))
        return
    try:
        record = item.to_record()
        line = dumps(record)
    except (TypeError, ValueError, RecursionError) as exc:
        error = ErrorRecord(item.id, item.input, "write_failed", f"cannot serialise the record: {exc}")
        result.errors.append(_error_line(error, summary))
        return
    summary.add_record(record)
    result.records.append(line)


def process_chunk(pipeline: Pipeline, index: int, items: list[Item], doc_timeout: float | None) -> ChunkResult:
    """A chunk through the pipeline, in order, with each document under the time limit."""
    before = _steps_snapshot(pipeline)
    result = ChunkResult(index)
    summary = Summary()
    for item in items:
        finish_item(process_one(pipeline, item, doc_timeout), result, summary)
    result.summary = summary_part(summary)
    for name, s in pipeline.stats.items():
        d0, e0, t0 = before.get(name, (0, 0, 0.0))
        result.steps[name] = {"documents": s.documents - d0, "errors": s.errors - e0,
                              "seconds": round(s.seconds - t0, 6)}
    return result


def crashed_chunk(index: int, items: list[Item], crashed: set[int]) -> ChunkResult:
    """A chunk whose listed positions killed their worker: those are `worker_crashed` error lines."""
    result = ChunkResult(index)
    summary = Summary()
    for pos in sorted(crashed):
        item = items[pos]
        error = item if isinstance(item, ErrorRecord) else ErrorRecord(
            item.id, item.input, "worker_crashed", "the worker process died on this document (a crash in a "
            "native library, or the memory limit); the batch went on")
        result.errors.append(_error_line(error, summary))
    result.summary = summary_part(summary)
    return result


# --- executors --------------------------------------------------------------------------------------------------


class SerialExecutor:
    """Everything in this process: the default, and what a worker of ProcessExecutor runs."""

    workers = 1

    def __init__(self, pipeline: Pipeline | PipelineSpec, doc_timeout: float | None = DEFAULT_DOC_TIMEOUT):
        self.recipe = pipeline
        self.doc_timeout = doc_timeout
        self._pipeline: Pipeline | None = None

    @property
    def pipeline(self) -> Pipeline:
        """Built and warmed up on first use: a resumed run with nothing left to do loads nothing."""
        if self._pipeline is None:
            recipe = self.recipe
            self._pipeline = recipe.build() if isinstance(recipe, PipelineSpec) else recipe
            warm_up(self._pipeline)
        return self._pipeline

    def map(self, chunks: Iterable[tuple[int, list[Item]]]) -> Iterator[ChunkResult]:
        for index, items in chunks:
            pipeline = self.pipeline
            with alarm_handler():
                result = process_chunk(pipeline, index, items, self.doc_timeout)
            yield result

    def close(self) -> None:
        pass

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_WORKER: dict[str, Any] = {}


def _die_with_parent(parent: int) -> None:
    """Linux: this worker gets SIGKILL when its parent dies, so a `kill -9` of the run leaves no orphans
    holding memory (a resumed run starts its own workers)."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux/glibc: workers exit when they find the pool gone
        return
    if os.getppid() != parent:  # the parent died before the call above
        os._exit(1)


def _init_worker(pipeline: Pipeline | PipelineSpec, doc_timeout: float | None, parent: int) -> None:
    _die_with_parent(parent)
    # The parent's SIGINT handling belongs to the parent: a Ctrl-C stops the batch there, not in each worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if timeouts_available():
        signal.signal(signal.SIGALRM, _on_alarm)  # for the worker's life: per document only the timer is set
    _WORKER["pipeline"] = pipeline.build() if isinstance(pipeline, PipelineSpec) else pipeline
    _WORKER["timeout"] = doc_timeout
    warm_up(_WORKER["pipeline"])


def _work(index: int, items: list[Item]) -> ChunkResult:
    return process_chunk(_WORKER["pipeline"], index, items, _WORKER["timeout"])


def _context() -> multiprocessing.context.BaseContext:
    """fork where it exists: workers start in milliseconds with everything the parent imported, and a Pipeline
    object given by the caller is inherited instead of pickled."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


class ProcessExecutor:
    """N worker processes, each with its own Pipeline built once; chunks go out in order, at most
    `max_in_flight` at a time, and come back in order."""

    def __init__(self, pipeline: Pipeline | PipelineSpec, workers: int, doc_timeout: float | None = DEFAULT_DOC_TIMEOUT,
                 max_in_flight: int | None = None):
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.pipeline = pipeline
        self.workers = workers
        self.doc_timeout = doc_timeout
        self.max_in_flight = max_in_flight or 2 * workers
        self.restarts = 0
        self._pool: ProcessPoolExecutor | None = None
        self._built: Pipeline | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        context = _context()
        recipe = self.pipeline
        if context.get_start_method() == "fork" and isinstance(recipe, PipelineSpec):
            # Build and warm up once here: forked workers inherit the loaded models and tables (shared
            # copy-on-write) instead of each spending seconds loading its own.
            if self._built is None:
                self._built = recipe.build()
                warm_up(self._built)
            recipe = self._built
        return ProcessPoolExecutor(self.workers, mp_context=context, initializer=_init_worker,
                                   initargs=(recipe, self.doc_timeout, os.getpid()))

    @property
    def pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = self._new_pool()
        return self._pool

    def _restart(self) -> None:
        self.restarts += 1
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = None

    def map(self, chunks: Iterable[tuple[int, list[Item]]]) -> Iterator[ChunkResult]:
        pending: deque[tuple[int, list[Item], Future]] = deque()
        source = iter(chunks)
        exhausted = False
        while True:
            while not exhausted and len(pending) < self.max_in_flight:
                try:
                    index, items = next(source)
                except StopIteration:
                    exhausted = True
                    break
                pending.append((index, items, self._submit(index, items)))
            if not pending:
                return
            index, items, future = pending.popleft()
            try:
                yield future.result()
            except BrokenProcessPool:
                # Every chunk in flight failed with the pool; redo them in order, one document at a time.
                redo = [(index, items)] + [(i, it) for i, it, _ in pending]
                pending.clear()
                self._restart()
                for i, it in redo:
                    yield self._isolated(i, it)

    def _submit(self, index: int, items: list[Item]) -> Future:
        try:
            return self.pool.submit(_work, index, items)
        except BrokenProcessPool:
            self._restart()
            return self.pool.submit(_work, index, items)

    def _isolated(self, index: int, items: list[Item]) -> ChunkResult:
        """A chunk whose pool died: each document alone, so only the one that kills a worker is lost."""
        merged = ChunkResult(index)
        summary = Summary()
        parts: list[ChunkResult] = []
        for item in items:
            try:
                parts.append(self.pool.submit(_work, index, [item]).result())
            except BrokenProcessPool:
                self._restart()
                parts.append(crashed_chunk(index, [item], {0}))
        for part in parts:
            merged.records += part.records
            merged.errors += part.errors
            add_summary_part(summary, part.summary)
            add_steps(merged.steps, part.steps)
        merged.summary = summary_part(summary)
        return merged

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ProcessExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_executor(pipeline: Pipeline | PipelineSpec, workers: int = 1,
                  doc_timeout: float | None = DEFAULT_DOC_TIMEOUT) -> SerialExecutor | ProcessExecutor:
    """One process for workers=1 (no pickling, no start-up), a pool of processes otherwise; 0 = every core."""
    if workers == 0:
        workers = os.cpu_count() or 1
    if workers == 1:
        return SerialExecutor(pipeline, doc_timeout)
    return ProcessExecutor(pipeline, workers, doc_timeout)


def chunked(items: Iterable[Item], size: int) -> Iterator[tuple[int, list[Item]]]:
    """(chunk number, items) in input order; the same input always gives the same chunks."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, got {size}")
    chunk: list[Item] = []
    index = 0
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield index, chunk
            index += 1
            chunk = []
    if chunk:
        yield index, chunk
