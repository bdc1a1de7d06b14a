"""The dedup index in Redis, for several writers (processes or machines) sharing one index.

Why Redis: SQLite serialises writers on one file on one machine; a Redis server can be shared.  The algorithm
is the one of index.DedupIndex; this module only stores.  Writers serialise their batches with a lock key (the
expensive part, computing signatures, runs outside the lock), so a batch sees every batch committed before it.
Each storage step is one MULTI/EXEC transaction; a writer killed in the middle of a batch can leave that batch
half-indexed (re-adding the same records repairs it: known ids with equal signatures are skipped), so use
SQLite where crash atomicity of whole batches matters.  Durability is the server's (RDB/AOF) configuration.

Keys under ``{prefix}:``: ``params`` (JSON), ``seq`` (counter), ``ids`` (hash id → seq), ``doc:{seq}`` (hash:
meta JSON, cluster, sig), ``b:{key}`` (set of seqs in an LSH bucket), ``cl:{root}`` (set of a cluster's
members), ``lock``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import numpy as np

from cleaner.dedup.cluster import DocInfo
from cleaner.dedup.index import DedupIndex, IndexParams

_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


class RedisIndex(DedupIndex):
    """``redis://host:port/db?prefix=name`` (prefix defaults to ``cleaner-dedup``)."""

    def __init__(
        self, url: str, params: IndexParams | dict[str, Any] | None = None, lock_timeout: float = 600.0
    ) -> None:
        try:
            import redis
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RuntimeError("the Redis dedup index needs the `redis` package (pip install redis)") from exc
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.prefix = (query.pop("prefix", ["cleaner-dedup"]))[0]
        clean = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
        self.r = redis.Redis.from_url(clean, decode_responses=False)
        self.lock_timeout = lock_timeout
        self._depth = 0
        self._release = self.r.register_script(_RELEASE)
        self._init_params(params, f"{url}")

    def _k(self, *parts: object) -> str:
        return ":".join([self.prefix, *map(str, parts)])

    def close(self) -> None:
        self.r.close()

    @contextmanager
    def _write(self) -> Iterator[None]:
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        token = uuid.uuid4().hex
        deadline = time.monotonic() + self.lock_timeout
        while not self.r.set(self._k("lock"), token, nx=True, px=int(self.lock_timeout * 1000)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not take the dedup index lock {self._k('lock')}")
            time.sleep(0.005)
        self._depth = 1
        try:
            yield
        finally:
            self._depth = 0
            self._release(keys=[self._k("lock")], args=[token])

    def _load_params(self) -> dict[str, Any] | None:
        raw = self.r.get(self._k("params"))
        return json.loads(raw) if raw else None

    def _save_params(self, params: dict[str, Any]) -> None:
        self.r.set(self._k("params"), json.dumps(params, sort_keys=True), nx=True)

    def _lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pipe = self.r.pipeline(transaction=False)
        for key in keys.tolist():
            pipe.smembers(self._k("b", key))
        pos: list[int] = []
        seqs: list[int] = []
        for i, members in enumerate(pipe.execute()):
            for m in members:
                pos.append(i)
                seqs.append(int(m))
        return np.array(pos, dtype=np.int64), np.array(seqs, dtype=np.int64)

    def _docs_by_seq(self, seqs: Sequence[int]) -> list[DocInfo]:
        pipe = self.r.pipeline(transaction=False)
        for s in seqs:
            pipe.hgetall(self._k("doc", s))
        out = []
        for s, h in zip(seqs, pipe.execute(), strict=True):
            if h:
                ident, source, date, length = json.loads(h[b"meta"])
                out.append(
                    DocInfo(
                        seq=int(s),
                        id=ident,
                        source=source,
                        date=date,
                        length=length,
                        cluster=int(h[b"cluster"]),
                        sig=np.frombuffer(h[b"sig"], dtype=np.uint32),
                    )
                )
        return out

    def _docs_by_id(self, ids: Sequence[str]) -> dict[str, DocInfo]:
        if not ids:
            return {}
        seqs = [int(s) for s in self.r.hmget(self._k("ids"), list(ids)) if s is not None]
        return {d.id: d for d in self._docs_by_seq(seqs)}

    def _members(self, roots: Sequence[int]) -> dict[int, list[DocInfo]]:
        pipe = self.r.pipeline(transaction=False)
        for r in roots:
            pipe.smembers(self._k("cl", r))
        out: dict[int, list[DocInfo]] = {}
        for r, members in zip(roots, pipe.execute(), strict=True):
            out[r] = sorted(self._docs_by_seq(sorted(int(m) for m in members)), key=lambda d: d.seq)
        return out

    def _next_seqs(self, n: int) -> list[int]:
        end = int(self.r.incrby(self._k("seq"), n))
        return list(range(end - n + 1, end + 1))

    def _insert(self, docs: list[DocInfo], keys: np.ndarray) -> None:
        pipe = self.r.pipeline(transaction=True)
        for d, row in zip(docs, keys.tolist(), strict=True):
            pipe.hset(
                self._k("doc", d.seq),
                mapping={
                    "meta": json.dumps([d.id, d.source, d.date, d.length]),
                    "cluster": d.cluster,
                    "sig": np.asarray(d.sig, dtype=np.uint32).tobytes(),
                },
            )
            pipe.hset(self._k("ids"), d.id, d.seq)
            pipe.sadd(self._k("cl", d.cluster), d.seq)
            for key in row:
                pipe.sadd(self._k("b", key), d.seq)
        pipe.execute()

    def _delete(self, docs: list[DocInfo], keys: np.ndarray) -> None:
        pipe = self.r.pipeline(transaction=True)
        for d, row in zip(docs, keys.tolist(), strict=True):
            for key in row:
                pipe.srem(self._k("b", key), d.seq)
            pipe.delete(self._k("doc", d.seq))
            pipe.hdel(self._k("ids"), d.id)
            pipe.srem(self._k("cl", d.cluster), d.seq)
        pipe.execute()

    def _relabel(self, mapping: dict[int, int]) -> None:
        members = self._members(list(mapping))
        pipe = self.r.pipeline(transaction=True)
        for old, new in mapping.items():
            for d in members[old]:
                pipe.hset(self._k("doc", d.seq), "cluster", new)
            pipe.sunionstore(self._k("cl", new), [self._k("cl", new), self._k("cl", old)])
            pipe.delete(self._k("cl", old))
        pipe.execute()

    def _set_clusters(self, mapping: dict[int, int]) -> None:
        current = {d.seq: d.cluster for d in self._docs_by_seq(list(mapping))}
        pipe = self.r.pipeline(transaction=True)
        for seq, root in mapping.items():
            pipe.srem(self._k("cl", current[seq]), seq)
            pipe.sadd(self._k("cl", root), seq)
            pipe.hset(self._k("doc", seq), "cluster", root)
        pipe.execute()

    def _multi_clusters(self) -> Iterator[list[DocInfo]]:
        for key in self.r.scan_iter(match=self._k("cl", "*"), count=1000):
            if self.r.scard(key) > 1:
                root = int(key.rsplit(b":", 1)[1])
                yield self._members([root])[root]

    def __len__(self) -> int:
        return int(self.r.hlen(self._k("ids")))
