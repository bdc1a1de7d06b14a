"""cleaner.arrays' unique helpers give numpy's answers (the MT and incoherence scorers rely on them)."""

from __future__ import annotations

import numpy as np
import pytest

from cleaner.arrays import unique, unique_counts


@pytest.mark.parametrize("n", [0, 1, 2, 5, 50, 700])
def test_unique_matches_numpy(n: int) -> None:
    rng = np.random.default_rng(n)
    for values in (rng.integers(-3, max(n, 1), n), rng.integers(0, 1 << 40, n), np.sort(rng.integers(0, 4, n))):
        values = values.astype(np.int64)
        expected = np.unique(values)
        got = unique(values)
        assert got.dtype == expected.dtype and got.tolist() == expected.tolist()
        expected_values, expected_counts = np.unique(values, return_counts=True)
        got_values, got_counts = unique_counts(values)
        assert got_values.tolist() == expected_values.tolist()
        assert got_counts.dtype == expected_counts.dtype and got_counts.tolist() == expected_counts.tolist()
