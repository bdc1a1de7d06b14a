"""Resumable runs: a batch killed at any moment and started again with the same command finishes with every
document written exactly once.

How: the input stream is cut into fixed-size chunks (chunk k = documents k*N .. k*N+N-1 in input order, the same
on every run over the same inputs). Each finished chunk is committed to `OUTPUT.parts/` as one file, written to a
temporary name, flushed to disk and renamed: a chunk file is either whole or absent. A restarted run re-reads the
input, skips the chunks already committed and processes the rest. When all are there, the chunks are
concatenated in order into OUTPUT and the error report (each through a temporary file and a rename), the summary
is written, and the parts folder is removed. `OUTPUT.parts/manifest.json` holds the inputs (paths, sizes,
modification times) and every option that changes the output; a restart whose inputs or options differ is
refused with a message naming what differs (`--fresh` discards the parts instead).

A chunk file: line 1 is a JSON header (chunk number, record and error counts, the chunk's share of the summary
and of the per-step statistics), then the record lines, then the error lines.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from .executors import ChunkResult
from .formats import AtomicOutput

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
_CHUNK = re.compile(r"^chunk-(\d{8})\.jsonl$")


class ResumeError(Exception):
    """A parts folder that this run must not continue: other inputs or options, or another run writing it."""


def file_digest(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def inputs_fingerprint(inputs: list[str], exclude: Callable[[Path], bool] | None = None) -> dict[str, Any]:
    """The inputs as given plus every file they expand to, with size and modification time: a file that
    changed, appeared or went away changes the chunks, so the run cannot resume over it."""
    from .read import ReadStats, expand_inputs

    h = hashlib.sha256()
    files = 0
    for item in expand_inputs(list(inputs), ReadStats(), exclude):
        path = Path(item)
        try:
            st = path.stat()
            h.update(f"{path.resolve()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        except OSError:
            h.update(f"{path}\0missing\n".encode())
        files += 1
    return {"given": [str(Path(i).resolve()) if Path(i).exists() else i for i in inputs], "files": files,
            "digest": h.hexdigest()[:32]}


def code_fingerprint(rule_packs: Iterable[str]) -> dict[str, Any]:
    """What else decides the output: cleaner's version, the bundled rule packs and models, the user's packs."""
    from . import __version__
    from .paths import data_dir, models_dir

    h = hashlib.sha256()
    for folder in (data_dir("rules"), models_dir()):
        if folder.is_dir():
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                h.update(f"{path.relative_to(folder)}\0{file_digest(path)}\n".encode())
    return {"version": __version__, "bundled": h.hexdigest()[:16],
            "rules": [[str(Path(p).resolve()), file_digest(p)] for p in rule_packs]}


def _differences(old: Any, new: Any, prefix: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in sorted(set(old) | set(new)):
            out += _differences(old.get(key), new.get(key), f"{prefix}{key}.")
        return out
    return [] if old == new else [prefix.rstrip(".")]


def own_files(output: str, errors: str, summary: str) -> Callable[[Path], bool]:
    """A predicate for the batch's own files (outputs, their temporary files, the parts folder), so an output
    written inside an input folder is never read back as input, nor changes the inputs' fingerprint."""
    targets = [Path(os.path.abspath(p)) for p in (output, errors, summary) if p != "-"]
    exact = set(targets)
    folders = set()
    if output != "-":
        out = Path(os.path.abspath(output))
        folders = {out.with_name(out.name + ".parts"), out.with_name(out.name + ".parts.trash")}
    temporary = {(t.parent, f".{t.name}.") for t in targets}

    def excluded(path: Path) -> bool:
        path = Path(os.path.abspath(path))
        if path in exact or path in folders or any(parent in folders for parent in path.parents):
            return True
        return path.name.endswith(".tmp") and any(path.parent == parent and path.name.startswith(prefix)
                                                  for parent, prefix in temporary)

    return excluded


class PartsDir:
    """`OUTPUT.parts/`: the manifest, one file per committed chunk, and a lock held while a run writes."""

    def __init__(self, output: str | Path, manifest: dict[str, Any], fresh: bool = False) -> None:
        self.output = Path(output)
        self.path = self.output.with_name(self.output.name + ".parts")
        # Through JSON and back, so it compares equal to the stored one (tuples become lists).
        self.manifest = json.loads(json.dumps({"manifest_version": MANIFEST_VERSION, **manifest}))
        self._lock: IO[str] | None = None
        try:
            self._open(fresh)
        except BaseException:
            self.release()
            raise

    def _open(self, fresh: bool) -> None:
        trash = self.path.with_name(self.path.name + ".trash")
        if trash.exists():  # a run that finished but was killed while removing its parts
            shutil.rmtree(trash, ignore_errors=True)
        if fresh and self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        for stale in self.path.glob(".*.tmp"):  # a chunk being written when the last run died
            stale.unlink(missing_ok=True)
        manifest_path = self.path / MANIFEST
        if manifest_path.exists():
            try:
                stored = json.loads(manifest_path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ResumeError(f"{manifest_path} is unreadable ({exc}); run again with --fresh to start over") \
                    from exc
            differs = _differences(stored, self.manifest)
            if differs:
                raise ResumeError(
                    f"{self.path} holds a run started with other inputs or options (differs: {', '.join(differs)});"
                    " run the original command to finish it, or add --fresh to discard it and start over")
        else:
            if self.done():
                raise ResumeError(f"{self.path} has chunks but no manifest; add --fresh to start over")
            _write_atomic(manifest_path, json.dumps(self.manifest, indent=2, ensure_ascii=False) + "\n")

    def _take_lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no protection against two runs at once
            return
        self._lock = open(self.path / "lock", "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self._lock.close()
            self._lock = None
            raise ResumeError(f"another run is writing {self.output} (its {self.path} is locked)") from exc

    def remove_stale(self, *paths: str | Path) -> None:
        """Temporary files of `paths` left by a run killed while writing them: with the lock held, no other run
        can be writing them."""
        for path in map(Path, paths):
            if str(path) != "-":
                for stale in path.parent.glob(f".{path.name}.*.tmp"):
                    stale.unlink(missing_ok=True)

    def chunk_path(self, index: int) -> Path:
        return self.path / f"chunk-{index:08d}.jsonl"

    def done(self) -> set[int]:
        """Numbers of the committed chunks."""
        found = set()
        for name in os.listdir(self.path):
            match = _CHUNK.match(name)
            if match:
                found.add(int(match.group(1)))
        return found

    def commit(self, result: ChunkResult) -> None:
        """Write one chunk atomically: whole or not at all, whenever the process is killed."""
        header = {"chunk": result.index, "records": len(result.records), "errors": len(result.errors),
                  "summary": result.summary, "steps": result.steps}
        body = "".join(line + "\n" for line in (json.dumps(header, ensure_ascii=False), *result.records,
                                                 *result.errors))
        _write_atomic(self.chunk_path(result.index), body)

    def read_header(self, index: int) -> dict[str, Any]:
        with open(self.chunk_path(index), encoding="utf-8") as fh:
            return json.loads(fh.readline())

    def merge(self, chunks: int, output: AtomicOutput, errors: AtomicOutput) -> list[dict[str, Any]]:
        """Chunks 0..chunks-1, in order, into the two outputs (not yet committed); returns their headers."""
        missing = sorted(set(range(chunks)) - self.done())
        if missing:
            raise ResumeError(f"{self.path} lacks chunks {missing[:5]}{'...' if len(missing) > 5 else ''}")
        headers = []
        for index in range(chunks):
            path = self.chunk_path(index)
            data = path.read_bytes()  # a chunk's lines as committed: copied as bytes, never decoded
            body = data.index(b"\n") + 1
            header = json.loads(data[:body])
            records_end = _after_lines(data, body, header["records"], path)
            errors_end = _after_lines(data, records_end, header["errors"], path)
            if records_end > body:
                output.write_lines(data[body:records_end])
            if errors_end > records_end:
                errors.write_lines(data[records_end:errors_end])
            headers.append(header)
        return headers

    def remove(self) -> None:
        """Gone in one rename, then deleted: a kill half-way through never leaves a half-deleted parts folder
        that a restart would take for an unfinished run."""
        trash = self.path.with_name(self.path.name + ".trash")
        os.replace(self.path, trash)  # still locked: no other run can take the folder in between
        self.release()
        shutil.rmtree(trash, ignore_errors=True)

    def release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def _after_lines(data: bytes, start: int, count: int, path: Path) -> int:
    """Where the `count` lines from `start` end (the offset after their last newline)."""
    end = start
    find = data.index
    try:
        for _ in range(count):
            end = find(b"\n", end) + 1
    except ValueError:
        raise ResumeError(f"{path} is shorter than its header says; run again with --fresh to start over") from None
    return end


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
