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
