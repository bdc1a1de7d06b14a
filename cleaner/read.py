"""Read inputs into Documents: files, folders, globs, or JSONL on stdin. Formats: .txt, .html, .jsonl (each maybe
.gz or .zst), .parquet, and WARC (.warc, .warc.gz: the HTML responses of a crawl).

Every input becomes either a `Document` or an `ErrorRecord`, so nothing is lost; files of other kinds found in a
folder are counted as skipped, and WARC records that are not HTML responses are counted by reason. No read holds
more than `max_bytes` of one document in memory, however the input was compressed.
"""

from __future__ import annotations

import glob
import io
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .document import Document
from .encoding import decode_bytes
from .errors import DocumentError, ErrorRecord
from .formats import DECOMPRESS_ERRORS, bounded_lines, compression_error, iter_parquet, iter_warc, open_binary
from .formats import read_bounded as _read_bounded

TEXT_SUFFIXES = {
    ".txt": "text", ".text": "text", ".html": "html", ".htm": "html", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".warc": "warc", ".parquet": "parquet",
}
COMPRESSIONS = {".gz": "gz", ".zst": "zst"}
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


@dataclass
class JsonFields:
    """Which JSONL fields hold what; the first present one wins."""

    id: tuple[str, ...] = ("id", "doc_id", "uid")
    url: tuple[str, ...] = ("url", "link", "uri")
    source: tuple[str, ...] = ("source", "site", "domain")
    title: tuple[str, ...] = ("title", "headline")
    date: tuple[str, ...] = ("date", "published", "published_at")
    text: tuple[str, ...] = ("text", "content", "body")
    html: tuple[str, ...] = ("html", "raw_html")


@dataclass
class ReadStats:
    """What the reader saw besides documents: files opened, files of unknown kinds skipped, and WARC records
    skipped by reason (warc_request, not_html, http_status...), so the summary accounts for every input."""

    files: int = 0
    skipped: int = 0
    skipped_paths: list[str] = field(default_factory=list)
    skipped_records: Counter = field(default_factory=Counter)


def domain_of(url: str | None) -> str | None:
    """The URL's host without 'www.', or None."""
    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def file_kind(path: Path) -> tuple[str | None, str | None]:
    """('text'|'html'|'jsonl'|'warc'|'parquet'|None, 'gz'|'zst'|None) from the file name. WARC.gz is gzipped
    record by record and read as such by the WARC reader; Parquet compresses inside the file."""
    suffixes = [s.lower() for s in path.suffixes]
    compression = COMPRESSIONS.get(suffixes[-1]) if suffixes else None
    if compression:
        suffixes = suffixes[:-1]
    kind = TEXT_SUFFIXES.get(suffixes[-1]) if suffixes else None
    if kind == "parquet" and compression:
        kind = None
    return kind, compression


def stem_id(path: Path) -> str:
    """The file name without its extensions ('a.b.html.gz' keeps 'a.b'): the document id when none is given."""
    name = path.name
    kind, compression = file_kind(path)
    if compression:
        name = name[: -len(compression) - 1]
    if kind:
        name = name[: name.lower().rfind(".")] if "." in name else name
    return name or path.name


def read_limited(path: Path, gz: bool | str | None, max_bytes: int) -> bytes:
    """Read a file (decompressing it) but never more than max_bytes: a gzip bomb is an error, not an OOM."""
    compression = "gz" if gz is True else (gz or None)
    return _read_bounded(path, compression, max_bytes)  # type: ignore[arg-type]


def expand_inputs(inputs: list[str], stats: ReadStats,
                  exclude: Callable[[Path], bool] | None = None) -> Iterator[Path | str]:
    """Files, folders (recursively, sorted) and globs, in the order given; '-' passes through as stdin.
    `exclude` names files and folders that are not input at all (a batch's own output in an input folder)."""
    for item in inputs:
        if item == "-":
            yield "-"
            continue
        path = Path(item)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if exclude is None or not exclude(Path(root) / d))
                for name in sorted(files):
                    child = Path(root) / name
                    if exclude is not None and exclude(child):
                        continue
                    if file_kind(child)[0] is None:
                        stats.skipped += 1
                        stats.skipped_paths.append(str(child))
                        continue
                    yield child
        elif path.exists():
            yield path
        else:
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                yield path  # becomes a not_found error
            for match in matches:
                if Path(match).is_file() and (exclude is None or not exclude(Path(match))):
                    yield Path(match)


def _first(obj: dict, names: tuple[str, ...]):
    for name in names:
        value = obj.get(name)
        if value not in (None, ""):
            return value
    return None


def document_from_json(obj: dict, where: str, default_id: str, fields: JsonFields) -> Document:
    """A JSONL record to a Document: html wins over text when both are present."""
    html = _first(obj, fields.html)
    text = _first(obj, fields.text)
    if html is None and text is None:
        raise DocumentError("no_text", f"record has none of the text fields {fields.text + fields.html}")
    body = html if html is not None else text
    if not isinstance(body, str):
        raise DocumentError("bad_field", f"the text field is a {type(body).__name__}, not a string")
    url = _first(obj, fields.url)
    url = url if isinstance(url, str) else None
    source = _first(obj, fields.source)
    doc_id = _first(obj, fields.id)
    known = set().union(*(getattr(fields, f) for f in ("id", "url", "source", "title", "date", "text", "html")))
    doc = Document(
        id=str(doc_id) if doc_id is not None else default_id,
        input=where,
        format="html" if html is not None else "text",
        raw=body,
        url=url,
        source=str(source) if source is not None else domain_of(url),
        meta={k: v for k, v in obj.items() if k not in known},
    )
    title, date = _first(obj, fields.title), _first(obj, fields.date)
    if isinstance(title, str):
        doc.meta["input_title"] = title
    if isinstance(date, str):
        doc.meta["input_date"] = date
    return doc


def _iter_jsonl(stream: io.IOBase, where: str, base_id: str, fields: JsonFields,
                max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Document | ErrorRecord]:
    """Lines of a text or binary stream; a line over max_bytes is a `too_large` error and is never held whole."""
    for lineno, line in bounded_lines(stream, max_bytes):
        loc = f"{where}:{lineno}"
        default_id = f"{base_id}:{lineno}"
        if line is None:
            yield ErrorRecord(default_id, loc, "too_large", f"line {lineno} is longer than {max_bytes:,} bytes")
            continue
        if isinstance(line, bytes):
            line = line.decode("utf-8", errors="replace")
        if lineno == 1:
            line = line.lstrip("\ufeff")
        if not line or line.isspace():  # a blank line (what `not line.strip()` says, without a copy of the line)
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ErrorRecord(default_id, loc, "bad_json", f"line {lineno} is not JSON: {exc.msg}")
            continue
        except RecursionError:
            yield ErrorRecord(default_id, loc, "bad_json", f"line {lineno} is JSON nested too deeply to read")
            continue
        if not isinstance(obj, dict):
            yield ErrorRecord(default_id, loc, "bad_json", f"line {lineno} is a JSON {type(obj).__name__}, not an object")
            continue
        try:
            yield document_from_json(obj, loc, default_id, fields)
        except DocumentError as exc:
            yield ErrorRecord(_error_id(obj, fields, default_id), loc, exc.kind, exc.message)


def _error_id(obj: dict, fields: JsonFields, default_id: str) -> str:
    """The record's own id for its error line when it has one, else its position."""
    doc_id = _first(obj, fields.id)
    return str(doc_id) if isinstance(doc_id, (str, int)) and not isinstance(doc_id, bool) else default_id


def read_path(path: Path, fields: JsonFields, max_bytes: int,
              stats: ReadStats | None = None) -> Iterator[Document | ErrorRecord]:
    """One file: a Document (txt/html), many (jsonl, parquet, warc), or ErrorRecords."""
    doc_id = stem_id(path)
    kind, compression = file_kind(path)
    if not path.exists():
        yield ErrorRecord(doc_id, str(path), "not_found", f"no such file or pattern: {path}")
        return
    if kind == "warc":
        skipped = stats.skipped_records if stats is not None else Counter()
        yield from iter_warc(path, doc_id, max_bytes, skipped)
        return
    if kind == "parquet":
        yield from iter_parquet(path, doc_id, lambda obj, loc, did: document_from_json(obj, loc, did, fields),
                                max_bytes, lambda obj, did: _error_id(obj, fields, did))
        return
    read = 0
    try:
        if kind == "jsonl":
            with open_binary(path, compression) as stream:
                for item in _iter_jsonl(stream, str(path), doc_id, fields, max_bytes):
                    read += 1
                    yield item
            return
        data = read_limited(path, compression, max_bytes)
        if not data.strip():
            raise DocumentError("empty", "the file is empty")
        text, _ = decode_bytes(data, is_html=(kind == "html"))
        yield Document(id=doc_id, input=str(path), format="html" if kind == "html" else "text", raw=text)
    except DocumentError as exc:
        yield ErrorRecord(doc_id if not read else f"{doc_id}:rest", str(path), exc.kind, exc.message)
    except DECOMPRESS_ERRORS as exc:
        error = compression_error(compression, exc)
        yield ErrorRecord(doc_id if not read else f"{doc_id}:rest", str(path), error.kind,
                          error.message + (f" (after {read} lines)" if read else ""))


def read_inputs(
    inputs: list[str],
    fields: JsonFields | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    stats: ReadStats | None = None,
    stdin: io.TextIOBase | None = None,
    exclude: Callable[[Path], bool] | None = None,
) -> Iterator[Document | ErrorRecord]:
    """All documents of all inputs, streaming, in input order."""
    fields = fields or JsonFields()
    stats = stats if stats is not None else ReadStats()
    for item in expand_inputs(inputs, stats, exclude):
        stats.files += 1
        if item == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield from _iter_jsonl(stream, "-", "stdin", fields, max_bytes)  # type: ignore[arg-type]
        else:
            yield from read_path(Path(item), fields, max_bytes, stats)
