"""LSH banding parameters, candidate pairs, union-find clusters, the canonical copy and who copies whom.

Everything here is storage-free: the index (index.py, redis_index.py) feeds it signatures and document facts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

import numpy as np

from cleaner.dedup.minhash import _splitmix64, estimated_jaccard, fmix64

# A bucket shared by more distinct signatures than this pairs each member only with its next
# `MAX_BUCKET_PAIRS` neighbours (sorted by sequence) instead of all of them: keeps a flood of near-identical
# boilerplate pages linear while still connecting it.
MAX_BUCKET_PAIRS = 32


# ----------------------------------------------------------------------------------------------- LSH params


@lru_cache(maxsize=64)
def optimal_bands(
    threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5
) -> tuple[int, int]:
    """(bands, rows) with bands*rows <= num_perm minimising the weighted false positive and negative areas.

    A pair of Jaccard s becomes a candidate with probability ``p(s) = 1 - (1 - s**r)**b``.  The false positive
    area is the integral of p over [0, threshold], the false negative area that of 1 - p over [threshold, 1];
    the same objective as datasketch's ``_optimal_param``.  p is a polynomial of degree b*r <= num_perm, so
    Gauss-Legendre quadrature with num_perm/2 + 1 nodes integrates it exactly; candidates are scanned in the
    order b = 1.., r = 1.. and the first minimum wins, as in datasketch.
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)
    lo_s = (nodes + 1.0) * (threshold / 2.0)  # nodes mapped onto [0, threshold]
    hi_s = threshold + (nodes + 1.0) * ((1.0 - threshold) / 2.0)  # ... and onto [threshold, 1]
    pairs = [(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)]
    b = np.array([p[0] for p in pairs], dtype=float)[:, None]
    r = np.array([p[1] for p in pairs], dtype=float)[:, None]
    fp = (1.0 - (1.0 - lo_s[None, :] ** r) ** b) @ weights * (threshold / 2.0)
    fn = ((1.0 - hi_s[None, :] ** r) ** b) @ weights * ((1.0 - threshold) / 2.0)
    best = int(np.argmin(fp * fp_weight + fn * fn_weight))
    return pairs[best]


def candidate_probability(s: float, bands: int, rows: int) -> float:
    """Probability that two documents of Jaccard `s` share at least one band."""
    return 1.0 - (1.0 - s**rows) ** bands


@lru_cache(maxsize=16)
def _band_constants(rows: int) -> np.ndarray:
    return np.array([_splitmix64(0x5EED0000 + j) | 1 for j in range(rows)], dtype=np.uint64)


def band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One signed 64-bit key per (document, band): the band's `rows` values and the band number, mixed.

    Keys of different bands differ with overwhelming probability, so one key column serves all bands; a rare
    collision only adds a candidate that verification then rejects.
    """
    n = len(sigs)
    x = sigs[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    consts = _band_constants(rows)
    acc = (np.arange(1, bands + 1, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93))[None, :].repeat(n, 0)
    for j in range(rows):
        acc += x[:, :, j] * consts[j]
    return fmix64(acc).view(np.int64)


def pairs_sharing_keys(keys: np.ndarray, order: np.ndarray | None = None) -> np.ndarray:
    """Pairs (i, j), i < j, of rows of `keys` (n x bands) that share a key in some band; (m, 2)."""
    n, n_bands = keys.shape
    found: list[np.ndarray] = []
    for band in range(n_bands):
        col = keys[:, band]
        srt = np.argsort(col, kind="stable")
        vals = col[srt]
        same = np.flatnonzero(vals[1:] == vals[:-1])
        if same.size == 0:
            continue
        # Runs of equal keys: start where the previous element differs.
        run_starts = same[np.r_[True, same[1:] != same[:-1] + 1]]
        for start in run_starts.tolist():
            end = start + 1
            while end < n and vals[end] == vals[start]:
                end += 1
            members = np.sort(srt[start:end])
            g = len(members)
            if g <= MAX_BUCKET_PAIRS:
                ii, jj = np.triu_indices(g, 1)
            else:
                ii = np.repeat(np.arange(g), MAX_BUCKET_PAIRS)
                jj = ii + np.tile(np.arange(1, MAX_BUCKET_PAIRS + 1), g)
                ok = jj < g
                ii, jj = ii[ok], jj[ok]
            found.append(np.stack([members[ii], members[jj]], axis=1))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(found).astype(np.int64), axis=0)


def verified(pairs: np.ndarray, sigs_a: np.ndarray, sigs_b: np.ndarray, threshold: float) -> np.ndarray:
    """The pairs whose estimated Jaccard (fraction of equal MinHash values) reaches `threshold`."""
    if len(pairs) == 0:
        return pairs
    sims = estimated_jaccard(sigs_a[pairs[:, 0]], sigs_b[pairs[:, 1]])
    return pairs[sims >= threshold]


# ----------------------------------------------------------------------------------------------- union-find


class UnionFind:
    """Disjoint sets of integers whose root is always the smallest member (the earliest indexed doc)."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:  # path compression
            nxt = parent.get(x, x)
            parent[x] = root
            x = nxt
        return root

    def union(self, a: int, b: int) -> int:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        lo, hi = (ra, rb) if ra < rb else (rb, ra)
        self.parent[hi] = lo
        self.parent.setdefault(lo, lo)
        return lo

    def groups(self, items: Iterable[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = defaultdict(list)
        for x in items:
            out[self.find(x)].append(x)
        return out


# ----------------------------------------------------------------------------------------------- canonical
# copy


def parse_date(date: str | None) -> float | None:
    """ISO 8601 date or datetime → POSIX seconds (naive taken as UTC); None when absent or unreadable."""
    if not date:
        return None
    try:
        dt = datetime.fromisoformat(date.replace("Z", "+00:00") if date.endswith("Z") else date)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


@dataclass
class DocInfo:
    """What the index keeps of a document: enough to pick a canonical copy without the text."""

    seq: int  # order of indexing; a cluster is named after its smallest seq
    id: str
    source: str | None
    date: str | None
    length: int  # characters of cleaned text
    cluster: int
    sig: np.ndarray | None = field(default=None, repr=False)

    @property
    def ts(self) -> float | None:
        return parse_date(self.date)


class CanonicalRule:
    """Which copy of a cluster is the canonical one, in this order:

    1. the earliest date (undated documents after all dated ones): the original usually comes first;
    2. the most complete cleaned text (most characters): copies are more often trimmed than extended;
    3. the user's source priority (earlier in `source_priority` wins; unlisted sources after listed ones);
    4. the smallest id, so the choice is deterministic.
    """

    def __init__(self, source_priority: Sequence[str] = ()) -> None:
        self.rank = {s: i for i, s in enumerate(source_priority)}

    def key(self, d: DocInfo) -> tuple:
        ts = d.ts
        return (
            ts is None,
            ts if ts is not None else 0.0,
            -d.length,
            self.rank.get(d.source or "", len(self.rank)),
            d.id,
        )

    def canonical(self, members: Sequence[DocInfo]) -> DocInfo:
        return min(members, key=self.key)


def cluster_name(members: Sequence[DocInfo]) -> str:
    """A cluster's id: the id of its earliest indexed member (stable while that member stays indexed)."""
    return min(members, key=lambda d: d.seq).id


def dedup_fields(doc: DocInfo, members: Sequence[DocInfo], rule: CanonicalRule) -> dict:
    """The record's `dedup` object (schemas/record.schema.json)."""
    canon = rule.canonical(members)
    if canon.seq == doc.seq or doc.sig is None or canon.sig is None:
        sim = 1.0
    else:
        sim = float(estimated_jaccard(doc.sig, canon.sig))
    return {
        "cluster": cluster_name(members),
        "canonical": canon.id,
        "is_canonical": canon.seq == doc.seq,
        "similarity": round(sim, 4),
    }


def copy_edges(clusters: Iterable[Sequence[DocInfo]], rule: CanonicalRule) -> list[tuple[str, str, int]]:
    """Who copies whom: (origin_source, copy_source, stories) over all clusters, most frequent first.

    In each cluster the origin is the canonical document when it has a date (the canonical rule puts the
    earliest dated document first); every other source present in the cluster is a copier of that story,
    counted once per cluster however many copies it published.  Clusters without any dated member and
    documents without a source give no edge: there is nothing to tell who came first.
    """
    counts: Counter[tuple[str, str]] = Counter()
    for members in clusters:
        if len(members) < 2:
            continue
        origin = rule.canonical(members)
        if origin.ts is None or not origin.source:
            continue
        for src in {d.source for d in members if d.source and d.source != origin.source}:
            counts[(origin.source, src)] += 1
    return [(a, b, n) for (a, b), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
