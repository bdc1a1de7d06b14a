"""Near-duplicate detection: MinHash signatures, a persistent LSH index, clusters and canonical copies.

from cleaner.dedup import Deduplicator, dedup_records
with Deduplicator("dedup.sqlite", threshold=0.6) as dd:
    for rec in dd.run(records):   # each record gains {"cluster", "canonical", "is_canonical", "similarity"}
        ...
    dd.copy_edges()                # [(origin_source, copy_source, stories), ...]
"""

from cleaner.dedup.cluster import CanonicalRule, optimal_bands
from cleaner.dedup.deduplicator import Deduplicator, dedup_file, dedup_records
from cleaner.dedup.index import DedupIndex, IndexParams, IndexParamsError, SQLiteIndex, open_index
from cleaner.dedup.minhash import MinHasher, normalize_text, shingle_hash32, shingles, tokens

__all__ = [
    "CanonicalRule",
    "DedupIndex",
    "Deduplicator",
    "IndexParams",
    "IndexParamsError",
    "MinHasher",
    "SQLiteIndex",
    "dedup_file",
    "dedup_records",
    "normalize_text",
    "open_index",
    "optimal_bands",
    "shingle_hash32",
    "shingles",
    "tokens",
]
