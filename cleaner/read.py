"""Read inputs into Documents: files, folders, globs, or JSONL on stdin; .txt, .html, .jsonl, each maybe gzipped.

Every input becomes either a `Document` or an `ErrorRecord`, so nothing is lost; files of other kinds found in a
folder are counted as skipped.
"""

from __future__ import annotations

import glob
import gzip
import io
import json
import os
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .document import Document
from .encoding import decode_bytes
from .errors import DocumentError, ErrorRecord

TEXT_SUFFIXES = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html", ".jsonl": "jsonl", ".ndjson": "jsonl"}
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
    files: int = 0
    skipped: int = 0
    skipped_paths: list[str] = field(default_factory=list)


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


def file_kind(path: Path) -> tuple[str | None, bool]:
    """('text'|'html'|'jsonl'|None, gzipped) from the file name."""
    suffixes = [s.lower() for s in path.suffixes]
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    if gz:
        suffixes = suffixes[:-1]
    kind = TEXT_SUFFIXES.get(suffixes[-1]) if suffixes else None
    return kind, gz


def stem_id(path: Path) -> str:
    """The file name without its extensions ('a.b.html.gz' keeps 'a.b'): the document id when none is given."""
    name = path.name
    kind, gz = file_kind(path)
    if gz:
        name = name[: -len(".gz")]
    if kind:
        name = name[: name.lower().rfind(".")] if "." in name else name
    return name or path.name


def read_limited(path: Path, gz: bool, max_bytes: int) -> bytes:
    """Read a file (gunzipping it) but never more than max_bytes: a gzip bomb is an error, not an OOM."""
    with open(path, "rb") as raw:
        if not gz:
            data = raw.read(max_bytes + 1)
        else:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            chunks: list[bytes] = []
            size = 0
            try:
                while size <= max_bytes:
                    block = raw.read(64 * 1024)
                    if not block:
                        break
                    piece = inflater.decompress(block, max_bytes + 1 - size)
                    chunks.append(piece)
                    size += len(piece)
                    while inflater.unconsumed_tail and size <= max_bytes:
                        piece = inflater.decompress(inflater.unconsumed_tail, max_bytes + 1 - size)
                        chunks.append(piece)
                        size += len(piece)
            except zlib.error as exc:
                raise DocumentError("bad_gzip", f"cannot gunzip: {exc}") from exc
            data = b"".join(chunks)
    if len(data) > max_bytes:
        raise DocumentError("too_large", f"input is larger than the limit of {max_bytes:,} bytes")
    return data


def expand_inputs(inputs: list[str], stats: ReadStats) -> Iterator[Path | str]:
    """Files, folders (recursively, sorted) and globs, in the order given; '-' passes through as stdin."""
    for item in inputs:
        if item == "-":
            yield "-"
            continue
        path = Path(item)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for name in sorted(files):
                    child = Path(root) / name
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
                if Path(match).is_file():
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


def _iter_jsonl(stream: io.TextIOBase, where: str, base_id: str, fields: JsonFields):
    for lineno, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        loc = f"{where}:{lineno}"
        default_id = f"{base_id}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ErrorRecord(default_id, loc, "bad_json", f"line {lineno} is not JSON: {exc.msg}")
            continue
        if not isinstance(obj, dict):
            yield ErrorRecord(default_id, loc, "bad_json", f"line {lineno} is a JSON {type(obj).__name__}, not an object")
            continue
        try:
            yield document_from_json(obj, loc, default_id, fields)
        except DocumentError as exc:
            doc_id = obj.get(fields.id[0]) if isinstance(obj.get(fields.id[0]), str) else default_id
            yield ErrorRecord(str(doc_id), loc, exc.kind, exc.message)


def read_path(path: Path, fields: JsonFields, max_bytes: int) -> Iterator[Document | ErrorRecord]:
    """One file: a Document (txt/html), many (jsonl), or ErrorRecords."""
    doc_id = stem_id(path)
    kind, gz = file_kind(path)
    if not path.exists():
        yield ErrorRecord(doc_id, str(path), "not_found", f"no such file or pattern: {path}")
        return
    try:
        if kind == "jsonl":
            opener = gzip.open if gz else open
            with opener(path, "rt", encoding="utf-8", errors="replace") as stream:  # type: ignore[operator]
                yield from _iter_jsonl(stream, str(path), doc_id, fields)
            return
        data = read_limited(path, gz, max_bytes)
        if not data.strip():
            raise DocumentError("empty", "the file is empty")
        text, _ = decode_bytes(data, is_html=(kind == "html"))
        yield Document(id=doc_id, input=str(path), format="html" if kind == "html" else "text", raw=text)
    except DocumentError as exc:
        yield ErrorRecord(doc_id, str(path), exc.kind, exc.message)
    except (OSError, EOFError, zlib.error) as exc:
        yield ErrorRecord(doc_id, str(path), "unreadable", f"{type(exc).__name__}: {exc}")


def read_inputs(
    inputs: list[str],
    fields: JsonFields | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    stats: ReadStats | None = None,
    stdin: io.TextIOBase | None = None,
) -> Iterator[Document | ErrorRecord]:
    """All documents of all inputs, streaming, in input order."""
    fields = fields or JsonFields()
    stats = stats if stats is not None else ReadStats()
    for item in expand_inputs(inputs, stats):
        stats.files += 1
        if item == "-":
            stream = stdin if stdin is not None else io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
            yield from _iter_jsonl(stream, "-", "stdin", fields)
        else:
            yield from read_path(Path(item), fields, max_bytes)
