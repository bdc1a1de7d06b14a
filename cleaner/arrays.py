"""Small numpy helpers for per-word tables (cleaner.terms, the MT scorer): grown arrays, facts written in bulk."""

from __future__ import annotations

import numpy as np


def grow(array: np.ndarray, size: int) -> np.ndarray:
    """`array` with room for at least `size` items (zero-filled, doubled at least): per-word tables grow as new
    words arrive without reallocating on every word."""
    if size <= len(array):
        return array
    grown = np.zeros(max(size, 2 * len(array), 1024), dtype=array.dtype)
    grown[: len(array)] = array
    return grown


def settle(owner: object, names: tuple[str, ...], rows: list[tuple]) -> None:
    """Write `rows` (one tuple a new item: its id, then its values in the order of `names`) into the arrays
    `owner.<name>`, grown as needed, and empty `rows`. Per-word tables note a new word's facts as it comes
    and write them once a document: a few assignments instead of one numpy item assignment a fact and a word.
    A table notes an item before registering it under the id: an interruption (a page's timeout) can leave a
    note without its item, whose id the next item then takes (the last note of an id counts), never an item
    without its facts."""
    if not rows:
        return
    ids, *columns = zip(*rows, strict=True)
    if len(set(ids)) < len(ids):
        ids, *columns = zip(*{row[0]: row for row in rows}.values(), strict=True)
    at = np.array(ids, dtype=np.intp)
    size = max(ids) + 1
    for name, column in zip(names, columns, strict=True):
        values = grow(getattr(owner, name), size)
        # (fromiter with the table's dtype: a tenth cheaper than numpy working out the dtype of a tuple)
        values[at] = np.fromiter(column, dtype=values.dtype, count=len(column))
        setattr(owner, name, values)
    rows.clear()


def _run_starts(ordered: np.ndarray) -> np.ndarray:
    """True where a sorted 1-d array's run of equal values begins."""
    first = np.empty(len(ordered), dtype=bool)
    if len(ordered):
        first[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    return first


def unique(values: np.ndarray) -> np.ndarray:
    """np.unique(values) of a 1-d array: sort, keep each first of a run. numpy's own path (a hash table, then a
    sort of the distinct values, behind a Python wrapper) costs 5-6x more on the few hundred ids of a document."""
    ordered = np.sort(values)
    return ordered[_run_starts(ordered)]


def unique_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(values, return_counts=True) of a 1-d array (the same arrays, counts as intp), without
    numpy's general path: a sort, the starts of the runs and their lengths (about half the cost on small arrays)."""
    ordered = np.sort(values)
    starts = np.flatnonzero(_run_starts(ordered))
    counts = np.empty(len(starts), dtype=np.intp)
    if len(starts):
        np.subtract(starts[1:], starts[:-1], out=counts[:-1])
        counts[-1] = len(ordered) - starts[-1]
    return ordered[starts], counts
