"""Write records, the error report and the batch summary. Nothing is lost: every input is either a record line
or an error line, and the summary counts both."""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

try:  # dumps compiled (tools/build_native.py builds it at install)
    from cleaner import _records_core as _COMPILED
except ImportError:  # not built (no C compiler at install, or CLEANER_NO_NATIVE): json.dumps runs, slower
    _COMPILED = None
_core = _COMPILED  # what dumps calls first (tests set it to None to run json.dumps alone)


class _StdoutSink:
    """stdout as an output file that the `with` block flushes but never closes."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def __enter__(self) -> _StdoutSink:
        return self

    def __exit__(self, *exc: object) -> None:
        sys.stdout.flush()


def open_output(path: str | Path) -> IO[str]:
    """'-' is stdout; '.gz' is gzip-compressed; parent folders are created."""
    if str(path) == "-":
        return _StdoutSink()  # type: ignore[return-value]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".gz":
        return gzip.open(path, "wt", encoding="utf-8")
    return open(path, "w", encoding="utf-8")


def dumps(record: dict[str, Any]) -> str:
    """A record as one line of JSON: json.dumps(record, ensure_ascii=False, separators=(",", ":")), the definition.
    The compiled core writes the same str without json's per-character kind switch and joins; it answers None for
    what it does not write (other key types, subclasses of dict or list, other objects, deep nesting), and then
    json.dumps gives the line or its own error."""
    if _core is not None:
        line = _core.dumps(record)
        if line is not None:
            return line
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


@dataclass
class Summary:
    """What a batch did: read, cleaned, skipped, errors, characters removed, per rule and per step."""

    read: int = 0
    cleaned: int = 0
    errors: int = 0
    skipped_files: int = 0
    files: int = 0
    chars_in: int = 0
    chars_out: int = 0
    removed_by_rule: Counter = field(default_factory=Counter)
    errors_by_kind: Counter = field(default_factory=Counter)
    flagged: Counter = field(default_factory=Counter)
    not_articles: int = 0
    steps: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def add_record(self, record: dict[str, Any]) -> None:
        self.read += 1
        self.cleaned += 1
        self.chars_in += record["stats"]["chars_in"]
        self.chars_out += record["stats"]["chars_out"]
        for removal in record["removed"]:
            self.removed_by_rule[removal["rule"]] += 1
        for name, flag in record.get("flags", {}).items():
            if flag.get("flagged"):
                self.flagged[name] += 1
        if not record.get("verdict", {}).get("is_article", True):
            self.not_articles += 1

    def add_error(self, error: dict[str, Any]) -> None:
        self.read += 1
        self.errors += 1
        self.errors_by_kind[error["error"]] += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "cleaned": self.cleaned,
            "errors": self.errors,
            "skipped_files": self.skipped_files,
            "files": self.files,
            "chars_in": self.chars_in,
            "chars_out": self.chars_out,
            "chars_removed": self.chars_in - self.chars_out,
            "removed_share": round((self.chars_in - self.chars_out) / self.chars_in, 4) if self.chars_in else 0.0,
            "removed_by_rule": dict(self.removed_by_rule.most_common()),
            "errors_by_kind": dict(self.errors_by_kind.most_common()),
            "flagged": dict(self.flagged),
            "not_articles": self.not_articles,
            "steps": self.steps,
            "seconds": round(self.seconds, 3),
        }

    def text(self) -> str:
        d = self.to_dict()
        line = (
            f"read {d['read']}, cleaned {d['cleaned']}, errors {d['errors']}, skipped files {d['skipped_files']}; "
            f"characters {d['chars_in']:,} in, {d['chars_out']:,} out ({d['removed_share']:.1%} removed)"
        )
        if d["flagged"]:
            line += "; flagged " + ", ".join(f"{k} {v}" for k, v in d["flagged"].items())
        return line + f"; {d['seconds']:.1f} s"
