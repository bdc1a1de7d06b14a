"""A persistent MinHash LSH index with clusters: SQLite by default (redis_index.py for several writers).

Why persistent: syndicated copies arrive over days, so each new batch must be checked against everything
indexed before, and the clusters built so far must survive the process.  The index stores per document its
signature, the facts the canonical rule needs (source, date, text length) and its cluster; per band key the
documents in that bucket.  A cluster is named by the smallest `seq` (indexing order) among its members.

Adding a batch is one write transaction (SQLite `BEGIN IMMEDIATE`; Redis: a lock): look up the batch's band
keys in the stored buckets, pair the batch within itself, verify every candidate pair by estimated Jaccard >=
threshold, merge clusters with union-find, then store.  SQLite runs in WAL mode, so a process killed at any
point leaves the last committed state: the index opens, passes `PRAGMA integrity_check` and answers queries.
"""

from __future__ import annotations

import json
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cleaner.dedup.cluster import DocInfo, UnionFind, band_keys, optimal_bands, pairs_sharing_keys, verified
from cleaner.dedup.minhash import HASH_NAME, SCHEME, MinHasher, estimated_jaccard
from cleaner.store import enable_wal

FORMAT_VERSION = 1


class IndexParamsError(ValueError):
    """The index was built with other parameters: its signatures and buckets mean nothing under new ones."""


@dataclass(frozen=True)
class IndexParams:
    """Everything that decides a document's signature and band keys; an index accepts only its own."""

    threshold: float = 0.6
    num_perm: int = 128
    seed: int = 1
    shingle: int = 5
    bands: int = 0  # 0: derived from threshold and num_perm (optimal_bands)
    rows: int = 0
    hash: str = HASH_NAME
    scheme: str = SCHEME
    format: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"threshold must be in (0, 1), got {self.threshold}")
        if self.bands == 0 or self.rows == 0:
            b, r = optimal_bands(self.threshold, self.num_perm)
            object.__setattr__(self, "bands", b)
            object.__setattr__(self, "rows", r)
        if self.bands * self.rows > self.num_perm:
            raise ValueError(f"bands*rows = {self.bands * self.rows} exceeds num_perm = {self.num_perm}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IndexParams:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})

    def check_same(self, stored: IndexParams, where: str) -> None:
        mine, theirs = self.to_dict(), stored.to_dict()
        diff = [f"{k}: index has {theirs[k]!r}, asked for {mine[k]!r}" for k in mine if mine[k] != theirs[k]]
        if diff:
            raise IndexParamsError(
                f"dedup index {where} was built with other parameters ({'; '.join(diff)}). Open it with the "
                "index's parameters (leave them unset to use the stored ones) or build a new index."
            )


@dataclass
class NewDoc:
    """A document to index: its id and the facts the canonical rule needs."""

    id: str
    source: str | None
    date: str | None
    length: int


class DedupIndex(ABC):
    """The index algorithm over an abstract store; subclasses provide storage and a write lock."""

    params: IndexParams

    def _init_params(self, params: IndexParams | dict[str, Any] | None, where: str) -> None:
        """Create the index's parameters, or check the asked ones against those stored (all of an IndexParams,
        only the given keys of a dict) and refuse a mismatch.
        """
        stored = self._load_params()
        if stored is None:
            fresh = params if isinstance(params, IndexParams) else IndexParams(**(params or {}))
            with self._write():
                if self._load_params() is None:  # another writer may have created it meanwhile
                    self._save_params(fresh.to_dict())
            stored = self._load_params()
            assert stored is not None
        self.params = IndexParams.from_dict(stored)
        if isinstance(params, IndexParams):
            params.check_same(self.params, where)
        elif params:
            IndexParams.from_dict({**stored, "bands": 0, "rows": 0, **params}).check_same(self.params, where)
        self.hasher = MinHasher(self.params.num_perm, self.params.seed, self.params.shingle)

    # -- storage primitives
    # -------------------------------------------------------------------------------------

    @abstractmethod
    def _load_params(self) -> dict[str, Any] | None: ...

    @abstractmethod
    def _save_params(self, params: dict[str, Any]) -> None: ...

    @abstractmethod
    def _write(self) -> Any:
        """Context manager: exclusive, atomic where the store allows it."""

    @abstractmethod
    def _lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For flat band keys: (position in `keys`, seq) of every stored document in that bucket."""

    @abstractmethod
    def _docs_by_seq(self, seqs: Sequence[int]) -> list[DocInfo]: ...

    @abstractmethod
    def _docs_by_id(self, ids: Sequence[str]) -> dict[str, DocInfo]: ...

    @abstractmethod
    def _members(self, roots: Sequence[int]) -> dict[int, list[DocInfo]]: ...

    @abstractmethod
    def _next_seqs(self, n: int) -> list[int]: ...

    @abstractmethod
    def _insert(self, docs: list[DocInfo], keys: np.ndarray) -> None: ...

    @abstractmethod
    def _delete(self, docs: list[DocInfo], keys: np.ndarray) -> None: ...

    @abstractmethod
    def _relabel(self, mapping: dict[int, int]) -> None:
        """Move every document of cluster `old` to cluster `new`, for each old → new."""

    @abstractmethod
    def _set_clusters(self, mapping: dict[int, int]) -> None:
        """Set the cluster of each document seq → root."""

    @abstractmethod
    def _multi_clusters(self) -> Iterator[list[DocInfo]]:
        """Every cluster with two or more members."""

    @abstractmethod
    def __len__(self) -> int: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        pass

    def __enter__(self) -> DedupIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- algorithm
    # ----------------------------------------------------------------------------------------------

    def keys(self, sigs: np.ndarray) -> np.ndarray:
        return band_keys(sigs, self.params.bands, self.params.rows)

    def add(self, docs: Sequence[NewDoc], sigs: np.ndarray) -> None:
        """Index a batch: checked against everything stored and within itself, clusters merged; one write.

        A document whose id is already indexed with the same signature is left as it is (re-running a corpus
        is idempotent); with another signature it is replaced.  Documents without shingles (empty signature)
        are not indexed: they would all share every bucket.
        """
        if len(docs) != len(sigs):
            raise ValueError("one signature per document")
        last = {d.id: i for i, d in enumerate(docs)}  # a repeated id: the last occurrence wins
        keep = [i for i in sorted(last.values()) if not np.all(sigs[i] == np.uint32(0xFFFFFFFF))]
        if not keep:
            return
        threshold = self.params.threshold
        with self._write():
            stored = self._docs_by_id([docs[i].id for i in keep])
            changed = {
                docs[i].id
                for i in keep
                if docs[i].id in stored and not np.array_equal(stored[docs[i].id].sig, sigs[i])
            }
            keep = [i for i in keep if docs[i].id not in stored or docs[i].id in changed]
            if changed:
                self._remove_docs([stored[i] for i in sorted(changed)])
            if not keep:
                return
            new_sigs = np.ascontiguousarray(sigs[keep])
            keys = self.keys(new_sigs)
            n = len(keep)
            uf = UnionFind()
            seqs = self._next_seqs(n)
            # Against stored documents: their cluster root stands for them.
            pos, cand = self._lookup(keys.ravel())
            if len(cand):
                pairs = np.unique(np.stack([pos // keys.shape[1], cand], axis=1), axis=0)
                cand_docs = {d.seq: d for d in self._docs_by_seq(np.unique(pairs[:, 1]).tolist())}
                if cand_docs:
                    order = sorted(cand_docs)
                    where = {s: i for i, s in enumerate(order)}
                    stored_sigs = np.stack([cand_docs[s].sig for s in order])
                    pairs = pairs[np.isin(pairs[:, 1], order)]
                    local = np.stack([pairs[:, 0], [where[s] for s in pairs[:, 1].tolist()]], axis=1)
                    for i, j in verified(local.astype(np.int64), new_sigs, stored_sigs, threshold).tolist():
                        uf.union(seqs[i], cand_docs[order[j]].cluster)
            # Within the batch.
            for i, j in verified(pairs_sharing_keys(keys), new_sigs, new_sigs, threshold).tolist():
                uf.union(seqs[i], seqs[j])
            merge: dict[int, int] = {}
            for x in list(uf.parent):
                root = uf.find(x)
                if x != root and x < seqs[0]:  # a stored cluster absorbed into an older one
                    merge[x] = root
            if merge:
                self._relabel(merge)
            rows = [
                DocInfo(
                    seq=seqs[k],
                    id=docs[i].id,
                    source=docs[i].source,
                    date=docs[i].date,
                    length=int(docs[i].length),
                    cluster=uf.find(seqs[k]),
                    sig=new_sigs[k],
                )
                for k, i in enumerate(keep)
            ]
            self._insert(rows, keys)

    def remove(self, ids: Sequence[str]) -> int:
        """Remove documents by id; their clusters are re-split among those left. Returns the count."""
        with self._write():
            docs = list(self._docs_by_id(list(dict.fromkeys(ids))).values())
            if docs:
                self._remove_docs(docs)
            return len(docs)

    def _remove_docs(self, docs: list[DocInfo]) -> None:
        self._delete(docs, self.keys(np.stack([d.sig for d in docs])))
        for members in self._members(sorted({d.cluster for d in docs})).values():
            if members:
                self._recluster(members)

    def _recluster(self, members: list[DocInfo]) -> None:
        """Connected components of the remaining members, by the same candidate-and-verify rule as `add`."""
        sigs = np.stack([m.sig for m in members])
        uf = UnionFind()
        for i, j in verified(pairs_sharing_keys(self.keys(sigs)), sigs, sigs, self.params.threshold).tolist():
            uf.union(members[i].seq, members[j].seq)
        mapping = {m.seq: uf.find(m.seq) for m in members}
        changed = {m.seq: mapping[m.seq] for m in members if mapping[m.seq] != m.cluster}
        if changed:
            self._set_clusters(changed)

    def query(self, sig: np.ndarray) -> list[tuple[str, float]]:
        """Indexed documents similar to a signature (estimated Jaccard >= threshold), most similar first."""
        sig = np.asarray(sig, dtype=np.uint32).reshape(1, -1)
        _, cand = self._lookup(self.keys(sig).ravel())
        docs = self._docs_by_seq(np.unique(cand).tolist())
        hits = [(d.id, float(estimated_jaccard(sig[0], d.sig))) for d in docs]
        return sorted([h for h in hits if h[1] >= self.params.threshold], key=lambda h: (-h[1], h[0]))

    def query_text(self, text: str) -> list[tuple[str, float]]:
        return self.query(self.hasher.signature(text))

    def clusters_of(self, ids: Sequence[str]) -> dict[str, tuple[DocInfo, list[DocInfo]]]:
        """For each indexed id: its DocInfo and all members of its cluster (itself included)."""
        docs = self._docs_by_id(list(ids))
        members = self._members(sorted({d.cluster for d in docs.values()}))
        return {i: (d, members.get(d.cluster) or [d]) for i, d in docs.items()}

    def clusters(self) -> Iterator[list[DocInfo]]:
        """Every cluster with at least two members."""
        return self._multi_clusters()


def _chunks(values: Sequence[Any], size: int = 900) -> Iterator[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS dedup_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS dedup_docs (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,"
    " source TEXT,"
    " date TEXT, length INTEGER NOT NULL, cluster INTEGER NOT NULL, sig BLOB NOT NULL)",
    "CREATE INDEX IF NOT EXISTS dedup_docs_cluster ON dedup_docs(cluster)",
    "CREATE TABLE IF NOT EXISTS dedup_buckets (key INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " PRIMARY KEY (key, seq))"
    " WITHOUT ROWID",
)


class SQLiteIndex(DedupIndex):
    """The index in one SQLite file (WAL mode), or in memory when `path` is None or ":memory:"."""

    def __init__(
        self,
        path: str | Path | None = None,
        params: IndexParams | dict[str, Any] | None = None,
        timeout: float = 60.0,
        cache_mb: int = 256,
    ) -> None:
        self.path = ":memory:" if path is None else str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.con = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        enable_wal(self.con, timeout)
        # NORMAL in WAL mode: a killed process never corrupts the file or loses a committed batch (only a
        # power loss can drop the last commits), and commits avoid an fsync each.
        self.con.execute("PRAGMA synchronous=NORMAL")
        self.con.execute("PRAGMA temp_store=MEMORY")
        # Page cache (allocated as used): ~1 KB of index per document, so 256 MB keeps ~250k documents hot.
        self.con.execute(f"PRAGMA cache_size={-1024 * cache_mb}")  # negative: KiB
        self._depth = 0
        with self._write():
            for ddl in _SCHEMA:
                self.con.execute(ddl)
        self.con.execute("CREATE TEMP TABLE IF NOT EXISTS q (key INTEGER NOT NULL, pos INTEGER NOT NULL)")
        try:
            self.con.execute("SELECT value FROM json_each('[1]')").fetchall()
            self._json = True
        except sqlite3.OperationalError:  # SQLite built without JSON
            self._json = False
        self._init_params(params, self.path)

    def close(self) -> None:
        self.con.close()

    @contextmanager
    def _write(self) -> Iterator[None]:
        if self._depth:  # nested: part of the enclosing transaction
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.con.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self.con.execute("ROLLBACK")
            raise
        self._depth = 0
        self.con.execute("COMMIT")

    def _load_params(self) -> dict[str, Any] | None:
        row = self.con.execute("SELECT value FROM dedup_meta WHERE key = 'params'").fetchone()
        return json.loads(row[0]) if row else None

    def _save_params(self, params: dict[str, Any]) -> None:
        self.con.execute(
            "INSERT OR REPLACE INTO dedup_meta VALUES ('params', ?)", (json.dumps(params, sort_keys=True),)
        )

    def _row(self, r: tuple) -> DocInfo:
        return DocInfo(
            seq=r[0],
            id=r[1],
            source=r[2],
            date=r[3],
            length=r[4],
            cluster=r[5],
            sig=np.frombuffer(r[6], dtype=np.uint32),
        )

    _COLS = "seq, id, source, date, length, cluster, sig"

    def _lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._json:  # one statement, keys passed as a JSON array: ~3x faster than filling a temp table
            rows = self.con.execute(
                "SELECT key, seq FROM dedup_buckets WHERE key IN (SELECT value FROM json_each(?))",
                (json.dumps(np.unique(keys).tolist()),),
            ).fetchall()
        else:
            self.con.execute("DELETE FROM temp.q")
            self.con.executemany("INSERT INTO temp.q VALUES (?, 0)", [(k,) for k in np.unique(keys).tolist()])
            rows = self.con.execute(
                "SELECT b.key, b.seq FROM temp.q AS q JOIN dedup_buckets AS b ON b.key = q.key"
            ).fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        found = np.array(rows, dtype=np.int64)
        # Every position of each found key in `keys` (a key may occur more than once in a batch).
        order = np.argsort(keys, kind="stable")
        lo = np.searchsorted(keys[order], found[:, 0], side="left")
        cnt = np.searchsorted(keys[order], found[:, 0], side="right") - lo
        rep = np.repeat(np.arange(len(found)), cnt)
        offset = np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        return order[lo[rep] + offset], found[rep, 1]

    def _docs_by_seq(self, seqs: Sequence[int]) -> list[DocInfo]:
        out: list[DocInfo] = []
        for part in _chunks(list(seqs)):
            q = f"SELECT {self._COLS} FROM dedup_docs WHERE seq IN ({','.join('?' * len(part))})"
            out.extend(self._row(r) for r in self.con.execute(q, list(part)))
        return out

    def _docs_by_id(self, ids: Sequence[str]) -> dict[str, DocInfo]:
        out: dict[str, DocInfo] = {}
        for part in _chunks(list(ids)):
            q = f"SELECT {self._COLS} FROM dedup_docs WHERE id IN ({','.join('?' * len(part))})"
            for r in self.con.execute(q, list(part)):
                out[r[1]] = self._row(r)
        return out

    def _members(self, roots: Sequence[int]) -> dict[int, list[DocInfo]]:
        out: dict[int, list[DocInfo]] = {r: [] for r in roots}
        for part in _chunks(list(roots)):
            marks = ",".join("?" * len(part))
            q = f"SELECT {self._COLS} FROM dedup_docs WHERE cluster IN ({marks}) ORDER BY seq"
            for r in self.con.execute(q, list(part)):
                out[r[5]].append(self._row(r))
        return out

    def _next_seqs(self, n: int) -> list[int]:
        row = self.con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'dedup_docs'").fetchone()
        start = (row[0] if row else 0) + 1
        return list(range(start, start + n))

    def _insert(self, docs: list[DocInfo], keys: np.ndarray) -> None:
        self.con.executemany(
            f"INSERT INTO dedup_docs ({self._COLS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    d.seq,
                    d.id,
                    d.source,
                    d.date,
                    d.length,
                    d.cluster,
                    np.asarray(d.sig, dtype=np.uint32).tobytes(),
                )
                for d in docs
            ],
        )
        seqs = np.repeat(np.array([d.seq for d in docs], dtype=np.int64), keys.shape[1])
        flat = keys.ravel()
        order = np.argsort(flat, kind="stable")  # sorted inserts touch the B-tree in order
        self.con.executemany(
            "INSERT OR IGNORE INTO dedup_buckets VALUES (?, ?)",
            zip(flat[order].tolist(), seqs[order].tolist(), strict=True),
        )

    def _delete(self, docs: list[DocInfo], keys: np.ndarray) -> None:
        seqs = np.repeat(np.array([d.seq for d in docs], dtype=np.int64), keys.shape[1])
        self.con.executemany(
            "DELETE FROM dedup_buckets WHERE key = ? AND seq = ?",
            zip(keys.ravel().tolist(), seqs.tolist(), strict=True),
        )
        self.con.executemany("DELETE FROM dedup_docs WHERE seq = ?", [(d.seq,) for d in docs])

    def _relabel(self, mapping: dict[int, int]) -> None:
        self.con.executemany(
            "UPDATE dedup_docs SET cluster = ? WHERE cluster = ?", [(n, o) for o, n in mapping.items()]
        )

    def _set_clusters(self, mapping: dict[int, int]) -> None:
        self.con.executemany(
            "UPDATE dedup_docs SET cluster = ? WHERE seq = ?", [(r, s) for s, r in mapping.items()]
        )

    def _multi_clusters(self) -> Iterator[list[DocInfo]]:
        q = (
            f"SELECT {self._COLS} FROM dedup_docs WHERE cluster IN "
            "(SELECT cluster FROM dedup_docs GROUP BY cluster HAVING COUNT(*) > 1) ORDER BY cluster, seq"
        )
        current: list[DocInfo] = []
        for r in self.con.execute(q):
            d = self._row(r)
            if current and current[0].cluster != d.cluster:
                yield current
                current = []
            current.append(d)
        if current:
            yield current

    def __len__(self) -> int:
        return int(self.con.execute("SELECT COUNT(*) FROM dedup_docs").fetchone()[0])

    def integrity_check(self) -> str:
        return str(self.con.execute("PRAGMA integrity_check").fetchone()[0])


def open_index(
    spec: str | Path | DedupIndex | None, params: IndexParams | dict[str, Any] | None = None
) -> DedupIndex:
    """An index from a spec: None (in memory), a SQLite path, or ``redis://host:port/db[?prefix=name]``.

    `params`: an IndexParams (all must match a stored index), a dict of the parameters the caller set (only
    those must match; the rest come from the index, or the defaults for a new one), or None.
    """
    if isinstance(spec, DedupIndex):
        if isinstance(params, IndexParams):
            params.check_same(spec.params, "given")
        elif params:
            IndexParams.from_dict({**spec.params.to_dict(), "bands": 0, "rows": 0, **params}).check_same(
                spec.params, "given"
            )
        return spec
    if isinstance(spec, str) and spec.startswith(("redis://", "rediss://", "unix://")):
        from cleaner.dedup.redis_index import RedisIndex

        return RedisIndex(spec, params)
    return SQLiteIndex(spec, params)
