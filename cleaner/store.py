"""The persistent SQLite store that remembers what cleaner learned across batches.

One file holds several kinds of memory (the dedup index keeps its own tables there); every table written
here is prefixed `source_` so the parts never collide. WAL mode lets a reader (a report) run while a writer
(the next batch) commits, and a busy timeout makes two processes wait for each other instead of failing.

`SourceStore` keeps per-source counts for each batch. Counts, not rates, are stored so history can be summed
over any number of batches and rates recomputed exactly; medians are not additive and are not stored.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BUSY_TIMEOUT_S = 30.0

# Additive per-source counts kept for each batch; sources.py fills them (see SourceTotals there).
COUNT_COLUMNS: tuple[str, ...] = (
    "documents",
    "bp_n",  # documents whose boilerplate share is known (chars_in > 0)
    "bp_sum",  # sum of per-document boilerplate shares (REAL)
    "chars_in",
    "chars_removed",
    "article_known",
    "not_article",
    "dedup_known",
    "duplicates",
    "origin_clusters",
    "copied_by_others",
    "copies_of_others",
    "self_copies",
)

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS source_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    fingerprint TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    documents INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS source_stats (
    batch_id INTEGER NOT NULL REFERENCES source_batches(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    {", ".join(f"{c} {'REAL' if c == 'bp_sum' else 'INTEGER'} NOT NULL" for c in COUNT_COLUMNS)},
    PRIMARY KEY (batch_id, source)
);
CREATE INDEX IF NOT EXISTS source_stats_by_source ON source_stats(source, batch_id);
CREATE TABLE IF NOT EXISTS source_flags (
    batch_id INTEGER NOT NULL REFERENCES source_batches(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    flag TEXT NOT NULL,
    computed INTEGER NOT NULL,
    flagged INTEGER NOT NULL,
    PRIMARY KEY (batch_id, source, flag)
);
"""


def enable_wal(con: sqlite3.Connection, timeout: float) -> None:
    """PRAGMA journal_mode=WAL, retried while another process sets up the same file: switching the journal mode
    can fail at once with "database is locked" (SQLite does not wait on its busy timeout there), and workers
    that open one new file together hit that (a dedup index: 13 of 60 rounds of four processes, before the retry)."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            con.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(2 * delay, 0.25)


def connect(path: str | Path) -> sqlite3.Connection:
    """Open (creating) the store in WAL mode with a busy timeout; autocommit, so callers say BEGIN."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
    enable_wal(conn, BUSY_TIMEOUT_S)
    conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE takes the write lock up front, so read-then-write cannot interleave with another batch."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class SourceStore:
    """Per-source counts per batch, and the history of each source before the current batch."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self.conn = connect(path)
        with transaction(self.conn) as c:  # executescript would COMMIT early; run each statement instead
            for statement in filter(str.strip, _SCHEMA.split(";")):
                c.execute(statement)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> SourceStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record_batch(
        self,
        fingerprint: str,
        documents: int,
        totals: Mapping[str, Mapping[str, Any]],
        flags: Mapping[str, Mapping[str, tuple[int, int]]],
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """Store one batch and return (batch info, history per source from the *earlier* batches).

        A batch already stored under the same fingerprint (the same records summarized again) is replaced,
        not added, so re-running a report does not double a site's history. All in one transaction.
        """
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with transaction(self.conn) as c:
            c.execute("DELETE FROM source_batches WHERE fingerprint = ?", (fingerprint,))
            history = self._history(c, list(totals))
            earlier = c.execute("SELECT COUNT(*) FROM source_batches").fetchone()[0]
            cur = c.execute(
                "INSERT INTO source_batches (fingerprint, created_at, documents) VALUES (?, ?, ?)",
                (fingerprint, now, documents),
            )
            batch_id = int(cur.lastrowid or 0)
            cols = ", ".join(COUNT_COLUMNS)
            marks = ", ".join("?" for _ in COUNT_COLUMNS)
            c.executemany(
                f"INSERT INTO source_stats (batch_id, source, {cols}) VALUES (?, ?, {marks})",
                [(batch_id, src, *(row[k] for k in COUNT_COLUMNS)) for src, row in totals.items()],
            )
            c.executemany(
                "INSERT INTO source_flags (batch_id, source, flag, computed, flagged) VALUES (?, ?, ?, ?, ?)",
                [
                    (batch_id, src, name, computed, flagged)
                    for src, per in flags.items()
                    for name, (computed, flagged) in per.items()
                ],
            )
        info = {"id": batch_id, "created_at": now, "earlier_batches": int(earlier)}
        return info, history

    def _history(self, c: sqlite3.Connection, sources: list[str]) -> dict[str, dict[str, Any]]:
        """Summed counts over all stored batches, plus the most recent batch's counts, for each source."""
        out: dict[str, dict[str, Any]] = {}
        sums = ", ".join(f"SUM(s.{k})" for k in COUNT_COLUMNS)
        cols = ", ".join(f"s.{k}" for k in COUNT_COLUMNS)
        for src in sources:
            row = c.execute(
                f"SELECT COUNT(*), {sums} FROM source_stats s WHERE s.source = ?", (src,)
            ).fetchone()
            if not row or not row[0]:
                continue
            total = dict(zip(COUNT_COLUMNS, row[1:], strict=True))
            total["flags"] = {
                name: (int(comp), int(flg))
                for name, comp, flg in c.execute(
                    "SELECT flag, SUM(computed), SUM(flagged) FROM source_flags WHERE source = ? GROUP BY flag",
                    (src,),
                )
            }
            last = c.execute(
                f"SELECT b.id, b.created_at, {cols} FROM source_stats s JOIN source_batches b ON b.id = s.batch_id "
                "WHERE s.source = ? ORDER BY b.id DESC LIMIT 1",
                (src,),
            ).fetchone()
            previous = dict(zip(COUNT_COLUMNS, last[2:], strict=True))
            previous["batch"] = int(last[0])
            previous["created_at"] = last[1]
            previous["flags"] = {
                name: (int(comp), int(flg))
                for name, comp, flg in c.execute(
                    "SELECT flag, computed, flagged FROM source_flags WHERE source = ? AND batch_id = ?",
                    (src, last[0]),
                )
            }
            out[src] = {"batches": int(row[0]), "total": total, "previous": previous}
        return out
