"""Formats the field uses at scale: WARC (Common Crawl), Parquet and zstd on the way in; JSONL, JSONL.gz,
JSONL.zst and Parquet on the way out.

Readers turn every unit of input into a `Document` or an `ErrorRecord` (a bad record inside a WARC or a Parquet
file is one error line, never a crash) and never hold more than one record's payload, capped at `max_bytes`, in
memory: a decompression bomb is an error line, not an OOM. The optional libraries (fastwarc or warcio, pyarrow,
zstandard) are imported only when a file needs them; a missing one is an error line that names the package.
"""

from __future__ import annotations

import base64
import codecs
import datetime as _dt
import decimal
import gzip
import io
import json
import os
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

from .document import Document
from .encoding import decode_bytes
from .errors import DocumentError, ErrorRecord

HTML_TYPES = ("text/html", "application/xhtml+xml")
_TRANSLATE_NEWLINES = os.linesep != "\n"  # what a text file written in this platform's default mode does


# --- compressed streams -------------------------------------------------------------------------------------


def open_binary(path: Path, compression: str | None) -> BinaryIO:
    """A buffered binary stream of the file's decompressed bytes ('gz', 'zst' or None): reads are bounded by the
    caller, so a bomb only ever inflates as much as was asked for."""
    raw = open(path, "rb")
    if compression == "gz":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if compression == "zst":
        try:
            import zstandard
        except ImportError as exc:
            raw.close()
            raise DocumentError("missing_dependency", "reading .zst needs the 'zstandard' package") from exc
        reader = zstandard.ZstdDecompressor().stream_reader(raw, closefd=True, read_across_frames=True)
        return io.BufferedReader(reader, buffer_size=256 * 1024)  # type: ignore[arg-type,return-value]
    return raw


def compression_error(compression: str | None, exc: BaseException) -> DocumentError:
    """One error kind per codec, so the error report says which layer was broken."""
    kind = {"gz": "bad_gzip", "zst": "bad_zstd"}.get(compression or "", "unreadable")
    return DocumentError(kind, f"cannot read the {compression or 'file'} stream: {type(exc).__name__}: {exc}")


DECOMPRESS_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error)
try:  # zstandard's own error type is not an OSError
    import zstandard as _zstd

    DECOMPRESS_ERRORS += (_zstd.ZstdError,)
except ImportError:  # pragma: no cover - zstandard absent: no .zst files can be opened anyway
    pass


def read_bounded(path: Path, compression: str | None, max_bytes: int) -> bytes:
    """The whole (decompressed) file, but never more than max_bytes: larger is a `too_large` error."""
    try:
        with open_binary(path, compression) as stream:
            data = stream.read(max_bytes + 1)
    except DocumentError:
        raise
    except DECOMPRESS_ERRORS as exc:
        raise compression_error(compression, exc) from exc
    if len(data) > max_bytes:
        raise DocumentError("too_large", f"input is larger than the limit of {max_bytes:,} bytes")
    return data


def bounded_lines(stream: IO[Any], max_len: int) -> Iterator[tuple[int, Any]]:
    """(line number, line) for each line, or (line number, None) for a line longer than max_len, which is
    skipped without ever being held whole: one JSONL line cannot exhaust memory however it was compressed."""
    lineno = 0
    while True:
        line = stream.readline(max_len + 1)
        if not line:
            return
        lineno += 1
        if len(line) > max_len and not line.endswith(b"\n" if isinstance(line, bytes) else "\n"):
            while True:  # discard the rest of the over-long line in bounded pieces
                rest = stream.readline(1 << 20)
                if not rest or rest.endswith(b"\n" if isinstance(rest, bytes) else "\n"):
                    break
            yield lineno, None
            continue
        yield lineno, line


# --- JSON-safe values -----------------------------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    """A Parquet/Arrow value as JSON can hold it (timestamps → ISO 8601, bytes → base64, decimals → str), so a
    passthrough column can never break the writer."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "item"):  # numpy scalars
        return jsonable(value.item())
    return str(value)


# --- Parquet in -----------------------------------------------------------------------------------------------


def iter_parquet(
    path: Path, base_id: str, to_document: Callable[[dict, str, str], Document], max_bytes: int,
    error_id: Callable[[dict, str], str] = lambda obj, default: default, batch_rows: int = 64,
) -> Iterator[Document | ErrorRecord]:
    """One Document per row, columns mapped like JSONL fields; a bad row is an error line, a file that breaks
    mid-way is one error line for the rows that could not be read."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        yield ErrorRecord(base_id, str(path), "missing_dependency", "reading Parquet needs the 'pyarrow' package")
        return
    row = 0
    try:
        parquet = pq.ParquetFile(path)
        for batch in parquet.iter_batches(batch_size=batch_rows):
            for obj in batch.to_pylist():
                row += 1
                loc, default_id = f"{path}:{row}", f"{base_id}:{row}"
                obj = jsonable(obj)
                try:
                    size = sum(len(v) for v in obj.values() if isinstance(v, str))
                    if size > max_bytes:
                        raise DocumentError("too_large", f"row {row} holds more than {max_bytes:,} bytes of text")
                    yield to_document(obj, loc, default_id)
                except DocumentError as exc:
                    yield ErrorRecord(error_id(obj, default_id), loc, exc.kind, exc.message)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a corrupt file; the batch goes on
        where = f"{path}:{row + 1}" if row else str(path)
        what = "the file" if not row else f"the rows after row {row}"
        yield ErrorRecord(f"{base_id}:{row + 1}" if row else base_id, where, "bad_parquet",
                          f"cannot read {what}: {type(exc).__name__}: {exc}")


# --- WARC in --------------------------------------------------------------------------------------------------


def _is_html(content_type: str | None, identified: str | None, head: bytes) -> bool:
    for value in (content_type, identified):
        if value:
            return value.split(";")[0].strip().lower() in HTML_TYPES
    sniff = head[:1024].lstrip().lower()
    return sniff.startswith((b"<!doctype html", b"<html")) or b"<html" in sniff


def _decode_payload(payload: bytes, charset: str | None) -> str:
    if charset:
        try:
            codecs.lookup(charset)
            if b"\x00" not in payload[:8192]:
                return payload.decode(charset, errors="replace")
        except LookupError:
            pass
    return decode_bytes(payload, is_html=True)[0]


class _WarcRecord:
    """The few fields cleaner needs from a WARC record, the same whichever library parsed it."""

    __slots__ = ("type", "id", "uri", "date", "offset", "status", "content_type", "identified", "charset", "read")

    def __init__(self, **kw: Any) -> None:
        for key, value in kw.items():
            setattr(self, key, value)


def decode_content(data: bytes, encoding: str | None, max_bytes: int) -> bytes:
    """An HTTP body undone from its Content-Encoding (gzip, deflate, br), inflating at most max_bytes + 1 bytes:
    a compressed bomb stops at the limit."""
    name = (encoding or "").strip().lower()
    if name in ("", "identity", "none"):
        return data
    if name in ("gzip", "x-gzip", "deflate"):
        # 47: gzip or zlib header, detected; deflate without a header is tried after.
        for wbits in ((47,) if name != "deflate" else (15, -15)):
            try:
                return zlib.decompressobj(wbits).decompress(data, max_bytes + 1)
            except zlib.error as exc:
                error = exc
        raise DocumentError("bad_payload", f"cannot undo Content-Encoding {name}: {error}")
    if name == "br":
        try:
            import brotli
        except ImportError as exc:
            raise DocumentError("bad_payload", "Content-Encoding br needs the 'brotli' package") from exc
        try:
            return brotli.Decompressor().process(data, output_buffer_limit=max_bytes + 1)
        except brotli.error as exc:
            raise DocumentError("bad_payload", f"cannot undo Content-Encoding br: {exc}") from exc
    raise DocumentError("bad_payload", f"unsupported Content-Encoding {name!r}")


def _fastwarc_records(stream: BinaryIO) -> Iterator[_WarcRecord]:
    from fastwarc.warc import ArchiveIterator

    # The payload is read raw and decoded here, bounded: fastwarc's own decoding loses its place in the archive
    # when a record is only partly read (as a bomb is).
    for rec in ArchiveIterator(stream, parse_http=True, auto_decode="none"):
        is_response = str(rec.record_type) == "response"
        http = rec.is_http and is_response
        encoding = rec.http_headers.get("Content-Encoding") if http else None
        yield _WarcRecord(
            type=str(rec.record_type), id=rec.record_id, uri=rec.headers.get("WARC-Target-URI"),
            date=rec.headers.get("WARC-Date"), offset=rec.stream_pos,
            status=rec.http_headers.status_code if http else None,
            content_type=rec.http_content_type if http else None,
            identified=rec.headers.get("WARC-Identified-Payload-Type"),
            charset=rec.http_charset if http else None, read=_bounded_reader(rec.reader.read, encoding),
        )


def _bounded_reader(read: Callable[[int], bytes], encoding: str | None) -> Callable[[int], bytes]:
    def bounded(n: int) -> bytes:
        raw = read(n)
        if len(raw) >= n:  # over the limit even compressed: the caller reports it as too large
            return raw
        return decode_content(raw, encoding, n - 1)

    return bounded


def _warcio_records(stream: BinaryIO) -> Iterator[_WarcRecord]:
    from warcio.archiveiterator import ArchiveIterator

    iterator = ArchiveIterator(stream)
    for rec in iterator:
        http = rec.http_headers if rec.rec_type == "response" else None
        content_type = http.get_header("Content-Type") if http else None
        charset = None
        if content_type and "charset=" in content_type.lower():
            charset = content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'") or None
        status = None
        if http is not None:
            try:
                status = int((http.get_statuscode() or "0").split()[0])
            except ValueError:
                status = 0
        yield _WarcRecord(
            type=rec.rec_type, id=rec.rec_headers.get_header("WARC-Record-ID"),
            uri=rec.rec_headers.get_header("WARC-Target-URI"), date=rec.rec_headers.get_header("WARC-Date"),
            offset=iterator.offset, status=status, content_type=content_type,
            identified=rec.rec_headers.get_header("WARC-Identified-Payload-Type"), charset=charset,
            read=rec.content_stream().read,
        )


def warc_engine(preferred: str | None = None) -> str | None:
    """'fastwarc' (fast, C++) when installed, else 'warcio' (pure Python), else None."""
    import importlib.util

    order = [preferred] if preferred else ["fastwarc", "warcio"]
    for name in order:
        if importlib.util.find_spec(name) is not None:
            return name
    return None


def iter_warc(
    path: Path, base_id: str, max_bytes: int, skipped: Counter, engine: str | None = None,
) -> Iterator[Document | ErrorRecord]:
    """HTML responses of a WARC or WARC.gz as Documents: the target URI is the url, the WARC-Record-ID the id.
    Other records (warcinfo, request, metadata, revisit), non-HTML payloads and non-2xx responses are skipped and
    counted in `skipped` by reason. A record that cannot be decoded is an error line; a file that breaks mid-way
    is one error line for the rest of it."""
    name = warc_engine(engine)
    if name is None:
        yield ErrorRecord(base_id, str(path), "missing_dependency",
                          "reading WARC needs the 'fastwarc' (or 'warcio') package")
        return
    from .read import domain_of  # here: read imports this module

    records = _fastwarc_records if name == "fastwarc" else _warcio_records
    n = 0
    last = 0
    try:
        with open(path, "rb") as stream:
            for rec in records(stream):
                n += 1
                last = rec.offset or last
                if rec.type != "response":
                    skipped[f"warc_{rec.type}"] += 1
                    continue
                doc_id = (rec.id or f"{base_id}@{rec.offset}").strip("<>")
                loc = f"{path}@{rec.offset}"
                if rec.status is not None and not 200 <= rec.status < 300:
                    skipped["http_status"] += 1
                    continue
                try:
                    payload = rec.read(max_bytes + 1)
                    if not _is_html(rec.content_type, rec.identified, payload):
                        skipped["not_html"] += 1
                        continue
                    if len(payload) > max_bytes:
                        raise DocumentError("too_large", f"payload is larger than the limit of {max_bytes:,} bytes")
                    if not payload.strip():
                        raise DocumentError("empty", "the response has no body")
                    html = _decode_payload(payload, rec.charset)
                except DocumentError as exc:
                    yield ErrorRecord(doc_id, loc, exc.kind, exc.message)
                    continue
                except DECOMPRESS_ERRORS as exc:
                    yield ErrorRecord(doc_id, loc, "bad_payload", f"cannot decode the payload: {exc}")
                    continue
                meta = {"warc_date": rec.date} if rec.date else {}
                yield Document(id=doc_id, input=loc, format="html", raw=html, url=rec.uri,
                               source=domain_of(rec.uri), meta=meta)
    except Exception as exc:  # noqa: BLE001 - a corrupt archive ends this file only
        where = f"{path}@{last}" if n else str(path)
        what = "the file" if not n else f"the records after offset {last}"
        yield ErrorRecord(f"{base_id}@{last}" if n else base_id, where, "bad_warc",
                          f"cannot read {what}: {type(exc).__name__}: {exc}")


# --- outputs --------------------------------------------------------------------------------------------------

# Nested record fields go to Parquet as JSON text: their keys vary between scorers and runs, and one fixed schema
# lets a streaming writer append row groups and any reader (DuckDB, pandas, Spark) open the file.
SCALAR_COLUMNS = ("id", "input", "format", "source", "url", "title", "date", "language", "text")
JSON_COLUMNS = ("removed", "verdict", "scores", "flags", "dedup", "meta")
STATS_FIELDS = ("chars_in", "chars_out", "blocks_in", "blocks_out")


def output_kind(path: str | Path) -> str:
    """'parquet', 'jsonl.gz', 'jsonl.zst' or 'jsonl', from the output file's suffix."""
    name = str(path).lower()
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith(".gz"):
        return "jsonl.gz"
    if name.endswith(".zst"):
        return "jsonl.zst"
    return "jsonl"


class LineWriter:
    """JSONL text lines into a file, compressed by suffix. Plain JSONL is written as bytes (each line encoded
    here, as a text layer would, newlines as the platform writes them) so that `write_lines` can copy lines
    that are already UTF-8 without decoding and encoding them again. A compressed file keeps its text layer
    and gets the same writes line by line as ever: the compressors' output depends on how their input is cut
    into writes, and it stays byte for byte what it was."""

    def __init__(self, path: Path, kind: str) -> None:
        self._raw: IO[bytes] | None = None
        self._binary: IO[bytes] | None = None
        if kind == "jsonl.gz":
            self._out: IO[str] = gzip.open(path, "wt", encoding="utf-8", compresslevel=6)
        elif kind == "jsonl.zst":
            import zstandard

            self._raw = open(path, "wb")
            self._out = io.TextIOWrapper(zstandard.ZstdCompressor(level=3).stream_writer(self._raw),
                                         encoding="utf-8")
        else:
            self._binary = open(path, "wb")

    def write_line(self, line: str) -> None:
        if not line.endswith("\n"):
            line += "\n"
        if self._binary is None:
            self._out.write(line)
            return
        if _TRANSLATE_NEWLINES:
            line = line.replace("\n", os.linesep)
        self._binary.write(line.encode("utf-8"))

    def write_lines(self, block: bytes) -> None:
        """Whole UTF-8 lines, each ending in a newline (a resumed run's committed chunk, written with the
        platform's newlines): plain JSONL copies them as they are, without decoding them."""
        if self._binary is not None:
            self._binary.write(block)
            return
        text = block.decode("utf-8")
        if _TRANSLATE_NEWLINES:
            text = text.replace(os.linesep, "\n")
        write = self._out.write
        for line in text.split("\n")[:-1]:  # at newlines alone: a line may hold a U+2028
            write(line + "\n")

    def close(self) -> None:
        if self._binary is not None:
            self._binary.close()
            return
        self._out.close()
        if self._raw is not None and not self._raw.closed:
            self._raw.close()


class ParquetRecordWriter:
    """Records (given as JSON lines) into Parquet, one row group per `rows_per_group` rows, one fixed schema."""

    def __init__(self, path: Path, rows_per_group: int = 2000) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._pa = pa
        fields = [pa.field(name, pa.string()) for name in SCALAR_COLUMNS]
        fields.append(pa.field("stats", pa.struct([pa.field(f, pa.int64()) for f in STATS_FIELDS])))
        fields += [pa.field(name, pa.string()) for name in JSON_COLUMNS]
        self.schema = pa.schema(fields)
        self._writer = pq.ParquetWriter(path, self.schema, compression="zstd")
        self._rows: list[dict[str, Any]] = []
        self._size = rows_per_group

    def write_line(self, line: str) -> None:
        record = json.loads(line)
        row: dict[str, Any] = {name: record.get(name) for name in SCALAR_COLUMNS}
        stats = record.get("stats") or {}
        row["stats"] = {f: stats.get(f) for f in STATS_FIELDS}
        for name in JSON_COLUMNS:
            value = record.get(name)
            row[name] = None if value is None else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        self._rows.append(row)
        if len(self._rows) >= self._size:
            self._flush()

    def write_lines(self, block: bytes) -> None:
        """Whole UTF-8 JSON lines, each ending in a newline: a row each (split at newlines alone: a line may
        hold a U+2028 that str.splitlines would cut at)."""
        for line in block.split(b"\n")[:-1]:
            self.write_line(line.decode("utf-8"))

    def _flush(self) -> None:
        if self._rows:
            self._writer.write_table(self._pa.Table.from_pylist(self._rows, schema=self.schema))
            self._rows = []

    def close(self) -> None:
        self._flush()
        self._writer.close()


class AtomicOutput:
    """An output written to a temporary file beside it and renamed into place on `commit`: a reader (or a
    resumed run) never sees half a file. `abort` removes the temporary file."""

    def __init__(self, path: str | Path, kind: str | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # A device or a pipe (/dev/null, a FIFO) is written in place: renaming over it would replace it.
        self.direct = self.path.exists() and not self.path.is_file()
        self.tmp = self.path if self.direct else self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        kind = kind or output_kind(self.path)
        self.writer: LineWriter | ParquetRecordWriter = (
            ParquetRecordWriter(self.tmp) if kind == "parquet" else LineWriter(self.tmp, kind)
        )

    def write_line(self, line: str) -> None:
        self.writer.write_line(line)

    def write_lines(self, block: bytes) -> None:
        """Whole UTF-8 lines, each ending in a newline (see LineWriter.write_lines)."""
        self.writer.write_lines(block)

    def commit(self) -> None:
        self.writer.close()
        if not self.direct:
            os.replace(self.tmp, self.path)

    def abort(self) -> None:
        try:
            self.writer.close()
        finally:
            if not self.direct:
                self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> AtomicOutput:
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        """Committed when the block ends normally, aborted (nothing left behind) when it raises."""
        if exc_type is None:
            self.commit()
        else:
            self.abort()


class StdoutOutput:
    """JSONL to stdout, with AtomicOutput's interface (nothing to rename)."""

    def write_line(self, line: str) -> None:
        import sys

        sys.stdout.write(line if line.endswith("\n") else line + "\n")

    def write_lines(self, block: bytes) -> None:
        """Whole UTF-8 lines, each ending in a newline, through stdout's text layer (which writes the
        platform's newlines itself)."""
        import sys

        text = block.decode("utf-8")
        sys.stdout.write(text.replace(os.linesep, "\n") if _TRANSLATE_NEWLINES else text)

    def commit(self) -> None:
        import sys

        sys.stdout.flush()

    def abort(self) -> None:
        self.commit()

    def __enter__(self) -> StdoutOutput:
        return self

    def __exit__(self, *_: Any) -> None:
        self.commit()


def open_atomic(path: str | Path, kind: str | None = None) -> AtomicOutput | StdoutOutput:
    """'-' is stdout; anything else an AtomicOutput whose format follows the suffix (or `kind`)."""
    return StdoutOutput() if str(path) == "-" else AtomicOutput(path, kind)


def write_json_atomic(path: str | Path, data: Any) -> None:
    """A JSON file through a temporary file and a rename; a device such as /dev/null is written in place."""
    path = Path(path)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if path.exists() and not path.is_file():
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def read_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """Records back from any output cleaner writes (JSONL, .jsonl.gz, .jsonl.zst, Parquet), one at a time; blank
    lines are skipped and a line that is not JSON names its file and number."""
    kind = output_kind(path)
    if kind == "parquet":
        yield from read_parquet_records(path)
        return
    compression = {"jsonl.gz": "gz", "jsonl.zst": "zst"}.get(kind)
    with io.TextIOWrapper(open_binary(Path(path), compression), encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON: {exc.msg}") from exc


def read_parquet_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """Records back from a Parquet output, nested fields parsed: the inverse of ParquetRecordWriter."""
    import pyarrow.parquet as pq

    for batch in pq.ParquetFile(path).iter_batches(batch_size=1000):
        for row in batch.to_pylist():
            record = {name: row.get(name) for name in SCALAR_COLUMNS}
            record["stats"] = row.get("stats")
            for name in JSON_COLUMNS:
                if row.get(name) is not None:
                    record[name] = json.loads(row[name])
            yield record


def warc_record(record_type: str, uri: str | None, payload: bytes, *, content_type: str = "text/html",
                status: int = 200, record_id: str | None = None, http_headers: dict[str, str] | None = None,
                gzip_member: bool = False) -> bytes:
    """One WARC/1.0 record as bytes, as Common Crawl writes them (a response wraps an HTTP message): for
    fixtures, tests and benchmarks. `gzip_member=True` compresses it as one member of a .warc.gz."""
    import uuid

    if record_type == "response":
        head = f"HTTP/1.1 {status} {'OK' if status == 200 else 'Status'}\r\nContent-Type: {content_type}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in (http_headers or {}).items())
        head += f"Content-Length: {len(payload)}\r\n\r\n"
        block = head.encode("latin-1") + payload
        warc_type = "application/http; msgtype=response"
    elif record_type == "request":
        block, warc_type = payload, "application/http; msgtype=request"
    else:
        block, warc_type = payload, "application/warc-fields"
    rid = record_id or f"<urn:uuid:{uuid.uuid4()}>"
    lines = ["WARC/1.0", f"WARC-Type: {record_type}", f"WARC-Record-ID: {rid}", "WARC-Date: 2024-05-01T12:00:00Z"]
    if uri:
        lines.append(f"WARC-Target-URI: {uri}")
    lines += [f"Content-Type: {warc_type}", f"Content-Length: {len(block)}"]
    record = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + block + b"\r\n\r\n"
    return gzip.compress(record) if gzip_member else record
