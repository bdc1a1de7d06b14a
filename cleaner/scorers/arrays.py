"""Small numpy helpers the vectorised scorers share."""

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


def settle(owner: object, names: tuple[str, ...], rows: list[tuple], end: int) -> None:
    """Write `rows` (one tuple a new item, its values in the order of `names`) into the arrays
    `owner.<name>` as the items just before `end`, growing them as needed, and empty `rows`. Per-word tables
    note a new word's facts as it comes and write them once a document: a few slice assignments instead of
    one numpy item assignment a fact and a word."""
    if not rows:
        return
    first = end - len(rows)
    for name, column in zip(names, zip(*rows, strict=True), strict=True):
        values = grow(getattr(owner, name), end)
        values[first:end] = column
        setattr(owner, name, values)
    rows.clear()
