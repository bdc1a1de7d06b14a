"""Synthetic articles for the dedup tests (helpers, no tests): no shared data needed, deterministic."""

from __future__ import annotations

import random

_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ter",
    "an",
    "vo",
    "ri",
    "sel",
    "pu",
    "den",
    "ol",
    "ga",
    "nis",
    "tro",
    "be",
    "qua",
]


def article(seed: int, n_sentences: int = 12) -> str:
    """A paragraph-per-line text of invented words: unrelated seeds give near-zero shingle overlap."""
    rng = random.Random(seed)
    vocab = ["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3))) for _ in range(400)]
    sentences = [
        " ".join(rng.choice(vocab) for _ in range(rng.randint(8, 18))).capitalize() + "."
        for _ in range(n_sentences)
    ]
    return "\n".join(" ".join(sentences[i : i + 3]) for i in range(0, n_sentences, 3))


def syndicated(text: str, site: str) -> str:
    """A copy as another site prints it: its header and footer lines, curly quotes."""
    return f"{site} | Home > World\n{text}\nThis story first appeared on {site}.".replace("'", "\u2019")
