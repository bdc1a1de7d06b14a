"""The `incoherent` flag: a headline that announces one story over a body that tells another, or a body
stitched together from unrelated stories.

Why these signals: a scraper that grabs the wrong container, a CMS that appends the next story, or a
content farm that pastes paragraphs together leaves two kinds of trace, and each feature below measures one:

- the headline is not about the body: the headline's named entities and key terms are missing from the body
  (or appear only late, not in the lead), and its TF-IDF cosine with the lead and the body is low;
- the body is not one story: adjacent paragraphs share little vocabulary, a window of paragraphs shares
  little with the next window (a topic shift), the best split of the body into two halves leaves halves
  with nothing in common, paragraphs share no entity or rare term with the rest of the body, long runs of
  paragraphs mention nothing of the headline and lead, and people appear as "Mr X" with no first mention
  (news introduces people in full, so a body that starts at "Mr X" was cut from another story).

Vectors are TF-IDF over the light stems of cleaner.terms (lowercase, possessive and plural stripped, cut to 6
letters so that Ukraine/Ukrainian and Russia/Russian meet) with its IDF table derived from the news development
data (`cleaner/models/news_idf.json`, built by `tools/train_coherence.py`). Paragraphs shorter than
`MIN_UNIT_WORDS` words (subheadings, one-line captions) are merged into the paragraph that follows, so that a
"Background & Context" heading does not count as a topic of its own. A trailing site name on the headline
("... - Yahoo! News") is dropped before matching.

The score comes from two small logistic models (headline vs body; body alone) and the evidence of missing
headline entities, combined as described in `Model` (weights in `cleaner/models/coherence.json`, trained by
the same tool; at run time C (cleaner._terms_core) for the words and the units' matrix, numpy and Python for the
rest: about 0.65 ms per news article whose rarer words are new to the caches, 0.55 ms once they are known, before
the sparse sums of `unit_matrix` and the C headline row (since: 2.55M instructions a document instead of 2.99M,
bench/instructions.py; warm CPU time about 0.82x on a busy machine); the Python code alone, 2.1 and 1.5 ms: see
bench/scorers.py).

Speed: each paragraph is normalised and split into words once (`_Document`; an ASCII paragraph with an
ASCII-only pattern); words become integer ids in a per-vocabulary table of what analysis needs to know of
them (`cleaner.terms.WordTable`: content stem, entity kind, capitalisation; a new word's facts are written into
its arrays once a document), and the units' TF-IDF vectors are the rows of one numpy matrix over the document's
stems, so that windows, splits, chains and pairs are cumulative sums and boolean reductions; the headline's
stems are looked up in it by id (`_StemSet`). The features are those of the dict-of-stems formulas (`tfidf`,
`add`, `cosine`) up to float rounding (~1e-14); where two boundaries tie to within 1e-12, the reasons name the
first.

With the compiled module (cleaner._terms_core, built at install; `cleaner.terms._core` is None without it), the
loops behind this run in C with the same results, bit for bit: one call splits a document's paragraphs and reads
their words from the C side of the word table (`WordTable.split`: ids, content stems, entity marks, the
candidates of `unintroduced` and where each word sits in its text, so that the parts are split again only where
a reason reads them), and one call builds the units' matrix and the body's measures (`unit_matrix`: numpy's own
float operations in numpy's order, its pairwise sums included, over the columns a row or window has), and another
the headline's row (`head_vector`). The Python code is the reference and the fallback (tests/test_coherence.py
compares the two on real and generated texts).
"""

from __future__ import annotations

import json
import math
import re
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from cleaner.arrays import unique
from cleaner.document import Document, Flag
from cleaner.metadata import headline_doubts
from cleaner.paths import models_dir
from cleaner.sitename import strip_site_suffix
from cleaner.terms import (
    ENTITY,
    ENTITY_UNLESS_OPENER,
    HONORIFICS,
    WORD,
    Token,
    Vocabulary,
    load_vocabulary,
    normalize,
    split_words,
    tokens,
)

MIN_UNIT_WORDS = 15
LEAD_WORDS = 60  # the lead: the first paragraphs up to this many words


class EntityIndex:
    """What the body offers to match a headline entity against, beyond identical stems: capitalised words by
    their first four letters (Britons/Britain, Scottish/Scotland, Egyptian/Egypt), long names one or two
    letters apart (transliterations: Lokomotiv/Locomotiv, Remenko/Remenyako) and the initials of runs of
    words (PM = Prime Minister, US = United States; two-letter acronyms only from capitalised runs)."""

    def __init__(self, paragraphs: Sequence[str], stems: Container[str], acronyms: Iterable[str] = (),
                 words: Sequence[list[str]] | None = None, capitalised: Iterable[str] | None = None) -> None:
        """`acronyms`: the ones to look for as initials (only those runs are built); `words`: the paragraphs'
        words (WORD.findall of the normalised text) when the caller has them already; `capitalised`: their
        distinct capitalised words, if known (then `words` need only be given when there are acronyms)."""
        self.stems = stems
        self.prefixes: set[str] = set()
        self.long_names: set[str] = set()
        self.initials: set[str] = set()
        wanted = {a.lower() for a in acronyms}
        lengths = {len(a) for a in wanted}
        firsts = {a[0] for a in wanted}
        if words is None:
            words = [WORD.findall(normalize(text)) for text in paragraphs]
        if capitalised is None:
            capitalised = {w for para in words for w in para if w[0].isupper()}
        long = [w for w in capitalised if len(w) >= 4]
        self.prefixes.update(w[:4].lower() for w in long)
        self.long_names.update(w.lower() for w in long if len(w) >= 6)
        for para in words if firsts else ():
            for i, w in enumerate(para):
                if w[0].lower() not in firsts:
                    continue
                for n in lengths:
                    run = para[i : i + n]
                    letters = "".join(x[0] for x in run).lower()
                    if len(run) == n and letters in wanted and (n > 2 or all(x[0].isupper() for x in run)):
                        self.initials.add(letters)

    def has(self, token: Token) -> bool:
        if token.stem in self.stems:
            return True
        word = token.word
        if 2 <= len(word) <= 4 and word.isupper():
            return word.lower() in self.initials
        if len(word) >= 5 and word[:4].lower() in self.prefixes:
            return True
        if len(word) >= 6:
            lower = word.lower()
            return any(abs(len(n) - len(lower)) <= 2 and _edit_distance(lower, n, 2) <= 2
                       for n in self.long_names)
        return False


class _LazyEntityIndex:
    """An EntityIndex's `has`, the index itself built on the first token not found among `stems`
    (EntityIndex.has looks there first)."""

    def __init__(self, stems: Container[str], build: Callable[[], EntityIndex]) -> None:
        self.stems = stems
        self._build = build
        self._index: EntityIndex | None = None

    def has(self, token: Token) -> bool:
        if token.stem in self.stems:
            return True
        if self._index is None:
            self._index = self._build()
        return self._index.has(token)


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (returning limit + 1) once every path exceeds `limit`."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


Vector = dict[str, float]


def tfidf(stems: Iterable[str], vocab: Vocabulary) -> Vector:
    """Sublinear TF-IDF, L2-normalised."""
    counts = Counter(stems)
    vec = {s: (1.0 + math.log(c)) * vocab.idf(s) for s, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vec.values()))
    return {s: v / norm for s, v in vec.items()} if norm else {}


def cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items())


def add(vectors: Sequence[Vector]) -> Vector:
    """Sum of unit vectors, re-normalised: the centroid direction of a window of paragraphs."""
    out: dict[str, float] = {}
    for vec in vectors:
        for k, v in vec.items():
            out[k] = out.get(k, 0.0) + v
    norm = math.sqrt(sum(v * v for v in out.values()))
    return {k: v / norm for k, v in out.items()} if norm else {}


def add_raw(vectors: Sequence[Vector]) -> Vector:
    out: dict[str, float] = {}
    for vec in vectors:
        for k, v in vec.items():
            out[k] = out.get(k, 0.0) + v
    return out


@dataclass
class Unit:
    """A paragraph (or a short paragraph merged with the next) with its 1-based paragraph numbers."""

    paragraphs: list[int]
    words: int

    @property
    def label(self) -> str:
        first, last = self.paragraphs[0], self.paragraphs[-1]
        return f"paragraph {first}" if first == last else f"paragraphs {first}-{last}"


def _unit_vectors(counts: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """Sublinear TF-IDF rows, L2-normalised (all-zero rows stay zero), as `tfidf` computes them."""
    weights = np.zeros(counts.shape)
    present = counts > 0
    weights[present] = (1.0 + np.log(counts[present])) * np.broadcast_to(idf, counts.shape)[present]
    norms = np.sqrt((weights * weights).sum(axis=1, keepdims=True))
    return np.divide(weights, norms, out=np.zeros_like(weights), where=norms > 0)


def _cosines(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Row-wise cosine of sums of unit vectors (0 where either side is empty), as cosine(add(.), add(.))."""
    dots = (left * right).sum(axis=1)
    norms = np.sqrt((left * left).sum(axis=1) * (right * right).sum(axis=1))
    return np.divide(dots, norms, out=np.zeros_like(dots), where=norms > 0)


_MEASURE_CODES = ("d", "d", "d", "d", "?", "?")  # unit_matrix's (after vecs): float64 (array codes), bool
_LOGS = np.log(np.arange(1.0, 1025.0))  # np.log(count) for counts 1..1024


def _log_counts(k: int) -> np.ndarray:
    """np.log(c) for the counts c = 1..k at least (unit_matrix weighs a count c by logs[c - 1]): the values
    _unit_vectors takes from np.log, one table for all documents (grown as needed)."""
    global _LOGS
    if len(_LOGS) < k:
        _LOGS = np.log(np.arange(1.0, 2.0 * k + 1))
    return _LOGS


def _first_min(values: list[float]) -> int:
    """The index of the smallest value, the first among values within 1e-12 of it: ties go to the earliest
    boundary, whatever the float rounding of the sums behind them."""
    limit = min(values) + 1e-12
    for i, v in enumerate(values):  # (a loop: a generator costs more on the few values here)
        if v <= limit:
            return i
    raise ValueError("no values")


def _direction(rows: np.ndarray) -> np.ndarray:
    """add(): the normalised sum of some rows (zero when it is zero)."""
    return _normalised(np.add.reduce(rows, axis=0))  # rows.sum(axis=0) without its Python wrapper


def _normalised(total: np.ndarray) -> np.ndarray:
    """A sum of rows divided by its norm (as it is when zero)."""
    norm = math.sqrt(float(total @ total))
    return total / norm if norm else total


# Raw measurements. Similarities enter the model as log(x + 0.01) (their spread is multiplicative), the
# rest as they are; the model file lists the inputs it uses.
HEADLINE_FEATURES = (
    "ent_cov",  # IDF-weighted share of headline entities found in the body
    "ent_missing",  # headline entities missing from the body (capped at 3)
    "ent_lead",  # share of headline entities found in the lead
    "term_cov",  # IDF-weighted share of headline terms found in the body
    "head_lead_cos",  # TF-IDF cosine headline / lead
    "head_body_cos",  # TF-IDF cosine headline / whole body
    "head_tail_cos",  # TF-IDF cosine headline / second half of the body
    "head_reach",  # share of paragraphs that mention a headline term
)
BODY_FEATURES = (
    "adj_mean",  # mean similarity of a paragraph with its neighbours
    "adj_min",  # lowest similarity of a paragraph with its neighbours
    "shift_min",  # lowest similarity between the two paragraphs before and the two after a boundary
    "split_min",  # lowest similarity between the two parts of the body split at one boundary
    "split_min2",  # the same with at least two paragraphs on each side
    "chain_min",  # at the weakest boundary, share of entities and rare terms on the smaller side found on both
    "pair_mean",  # mean similarity over all pairs of paragraphs
    "lead_rest_cos",  # similarity of the first paragraph with the rest: the lead announces the story
    "continuity",  # share of paragraphs sharing an entity or rare term with the rest of the body
    "lead_reach",  # share of later paragraphs mentioning an entity/rare term of the lead or headline
    "gap_run",  # longest run of paragraphs without any, as a share of the body
    "tail_gap",  # paragraphs after the last mention, as a share of the body
    "unintroduced",  # people first named as "Mr X" / "Ms X" with no earlier full name (capped at 3)
    "units",  # number of paragraphs after merging short ones
)
FEATURES = HEADLINE_FEATURES + BODY_FEATURES
LOGGED = frozenset({"head_lead_cos", "head_body_cos", "head_tail_cos", "adj_mean", "shift_min", "split_min",
                    "split_min2", "pair_mean", "lead_rest_cos", "units"})
RARE_IDF = 3.5  # a stem in fewer than ~5% of news articles counts as a rare term
CHAIN_IDF = 2.5  # lexical chains: stems in fewer than ~15% of news articles
_HONORIFIC = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr)\.?\s$")


def transform(name: str, value: float) -> float:
    return math.log(value + (1.0 if name == "units" else 0.01)) if name in LOGGED else value


@dataclass
class Analysis:
    """Features plus the evidence behind them, so that reasons can name paragraphs and entities."""

    features: dict[str, float | None]
    head_entities: list[str]
    missing_entities: list[str]
    lead_label: str
    worst_unit: str | None = None
    worst_boundary: str | None = None
    split_boundary: str | None = None
    split2_boundary: str | None = None
    chain_boundary: str | None = None
    isolated: list[str] | None = None
    gap: str | None = None
    unintroduced: list[str] | None = None
    n_units: int = 0


class _Parts:
    """`split_words` of each text, worked out when first asked for: with a compiled word table, only the few
    paragraphs _Document.unintroduced and the initials of EntityIndex look at need them."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts
        self.done: dict[int, list[str]] = {}

    def __getitem__(self, k: int) -> list[str]:
        parts = self.done.get(k)
        if parts is None:
            parts = self.done[k] = split_words(self.texts[k])
        return parts


class _Document:
    """The body paragraphs normalised, split into words once, and the words as arrays of ids (`WordTable`):
    content stems with their units and entity marks, capitalised words for EntityIndex and _unintroduced."""

    def __init__(self, paragraphs: Sequence[str], vocab: Vocabulary) -> None:
        self.table = table = vocab.word_table()
        self.numbers: list[int] = []  # 1-based numbers of the non-empty paragraphs
        self.texts: list[str] = []  # normalised
        self.parts: list[list[str]] | _Parts = []  # _WORD_SPLIT.split of each: gaps and words alternating
        word_counts: list[int] = []  # whitespace-separated words of the raw text (MIN_UNIT_WORDS, LEAD_WORDS)
        words: list[str] = []
        gaps: list[str] = []
        lengths: list[int] = []
        self.compiled = table.compiled is not None
        if self.compiled:
            # one C call splits the paragraphs and reads their words (normalising keeps the whitespace-separated
            # words: only nbsp becomes a space); the parts are split again only where they are read
            self.numbers, self.texts = table.paragraphs(paragraphs)
            (ids, self.starts, spaced, self.stems, stem_paras, self.entities, self.candidates, self.word_starts,
             self.word_ends, self.body) = table.split(self.texts)
            word_counts = spaced.tolist()
            self.parts = _Parts(self.texts)
        else:
            for i, text in enumerate(paragraphs, start=1):
                if not text.strip():
                    continue
                norm = normalize(text)
                parts = split_words(norm)
                self.numbers.append(i)
                self.texts.append(norm)
                self.parts.append(parts)
                word_counts.append(len(text.split()))
                words += parts[1::2]
                gaps += parts[0:-1:2]  # the gap before each word
                lengths.append(len(parts) // 2)
            ids = table.word_ids(words)
        # units: paragraphs shorter than MIN_UNIT_WORDS merged into the next (the last into the previous)
        members: list[list[int]] = []
        totals: list[int] = []  # each unit's words (its paragraphs' word_counts summed)
        pending: list[int] = []
        total = 0
        for k, count in enumerate(word_counts):
            pending.append(k)
            total += count
            if total >= MIN_UNIT_WORDS:
                members.append(pending)
                totals.append(total)
                pending, total = [], 0
        if pending:
            if members:
                members[-1] = members[-1] + pending
                totals[-1] += total
            else:
                members.append(pending)
                totals.append(total)
        self.unit_of = unit_of = [0] * len(word_counts)
        numbers = self.numbers
        for u, ks in enumerate(members):
            for k in ks:
                unit_of[k] = u
        self.units = [Unit([numbers[k] for k in ks], words) for ks, words in zip(members, totals, strict=True)]
        self.members = members

        self.word_ids = ids
        if self.compiled:
            self.stem_units = np.array(self.unit_of, dtype=np.int64)[stem_paras]
            return
        self.starts = np.cumsum([0, *lengths])  # each paragraph's first word
        self.word_para = np.repeat(np.arange(len(lengths)), lengths)
        self.first = first = np.zeros(len(ids), dtype=bool)  # a paragraph's first word
        first[self.starts[:-1][np.array(lengths, dtype=np.int64) > 0]] = True
        stems = table.stem[ids]
        kind = table.kind[ids]
        content = stems >= 0
        self.stems = stems[content]
        self.word_units = np.asarray(self.unit_of, dtype=np.int64)[self.word_para]
        self.stem_units = self.word_units[content]
        # an entity unless it opens a sentence: only these words need the gap before them looked at
        unless = np.flatnonzero(kind == ENTITY_UNLESS_OPENER)
        code = table.gap_codes([gaps[k] for k in unless.tolist()])
        opener = (code == 1) | ((code == 0) & first[unless])  # the start of a paragraph opens a sentence
        entities = kind == ENTITY
        entities[unless] = ~opener
        self.entities = entities[content]

    def entity_index(self, stems: Container[str], acronyms: list[str], paragraphs: Iterable[int]) -> _LazyEntityIndex:
        """EntityIndex over some of the paragraphs (indexes into self.numbers), built only when a token is
        looked up that is not among `stems` (most headline entities are found by their stem)."""
        paragraphs = list(paragraphs)

        def build() -> EntityIndex:
            table = self.table
            table.settle()  # (`upper` of the document's new words)
            k = len(paragraphs)
            if paragraphs == list(range(k)):  # the first k paragraphs (the lead, or all): their words come first
                ids = self.word_ids[: self.starts[k]]
            else:
                ids = self.word_ids[np.isin(self.paragraph_of_words(), paragraphs)]
            capitalised = unique(ids[table.upper[ids]]).tolist()
            runs = [self.parts[k][1::2] for k in paragraphs] if acronyms else []
            return EntityIndex((), stems, acronyms, words=runs, capitalised=[table.words[i] for i in capitalised])

        return _LazyEntityIndex(stems, build)

    def paragraph_of_words(self) -> np.ndarray:
        """The paragraph (index into self.numbers) of each word."""
        if self.compiled:
            return np.repeat(np.arange(len(self.texts)), np.diff(self.starts))
        return self.word_para

    def unintroduced(self) -> tuple[int, list[str]]:
        """Names whose first appearance is "Mr X": news introduces people in full first ("Dr. Sanjay Gupta"
        is one), so a body that starts a person at "Mr X" was cut from a longer story. The first unit is exempt
        (some outlets open so). (The text before a name is looked at in its unit's text: the unit's paragraphs
        joined by a space.)"""
        if self.compiled:
            return self._unintroduced_compiled()
        table = self.table
        caps = np.flatnonzero(table.upper[self.word_ids])
        _, first = np.unique(table.plain[self.word_ids[caps]], return_index=True)
        found: list[str] = []
        unit_text: dict[int, str] = {}
        # each stem's first capitalised appearance, outside the first unit, and either a paragraph's first
        # word or after a word ending like an honorific (what the checks below can accept)
        firsts = caps[first]
        firsts = firsts[self.word_units[firsts] != 0]
        after = table.honorific[self.word_ids[np.maximum(firsts - 1, 0)]]
        firsts = firsts[self.first[firsts] | after]
        for pos in sorted(firsts.tolist()):
            k = int(self.word_para[pos])
            u = self.unit_of[k]
            if u == 0:  # the first paragraph is exempt
                continue
            parts = self.parts[k]
            j = 2 * (pos - int(self.starts[k])) + 1  # the word's part
            # the honorific must end just before the word: the previous word is one, a space (or a period and a
            # space) between (a paragraph's first word is checked in full: the window reaches the previous one)
            if j > 1 and not (len(parts[j - 1]) <= 2 and parts[j - 2].endswith(HONORIFICS)):
                continue
            if j + 2 < len(parts) and parts[j + 1] == " " and parts[j + 2][:1].isupper():
                continue  # "Dr. Sanjay Gupta": a full name after the honorific is the introduction
            if u not in unit_text:
                unit_text[u] = " ".join(self.texts[q] for q in self.members[u])
            start = sum(len(self.texts[q]) + 1 for q in self.members[u] if q < k) + sum(map(len, parts[:j]))
            if _HONORIFIC.search(unit_text[u][max(0, start - 5) : start]):
                found.append(parts[j])
        return min(3, len(found)), found


    def _unintroduced_compiled(self) -> tuple[int, list[str]]:
        """`unintroduced` from the compiled split: its candidates (each plain stem's first capitalised word,
        opening its paragraph or after a word ending like an honorific) and the words' places in their texts
        stand for the parts (parts[j] is the word, parts[j - 1] the text since the previous word...)."""
        found: list[str] = []
        candidates = self.candidates
        if not len(candidates):
            return 0, found
        starts = self.starts.tolist()
        # each candidate's place and its neighbours' in one call an array (not a numpy scalar a lookup)
        last = len(self.word_starts) - 1
        before = np.maximum(candidates - 1, 0)
        after = np.minimum(candidates + 1, last)
        begins, ends = self.word_starts[candidates].tolist(), self.word_ends[candidates].tolist()
        before_starts, before_ends = self.word_starts[before].tolist(), self.word_ends[before].tolist()
        after_starts = self.word_starts[after].tolist()
        for c, pos in enumerate(candidates.tolist()):
            k = bisect_right(starts, pos) - 1
            u = self.unit_of[k]
            if u == 0:  # the first paragraph is exempt
                continue
            text, begin, end = self.texts[k], begins[c], ends[c]
            if pos > starts[k]:  # the honorific must end just before the word (see unintroduced)
                if not (begin - before_ends[c] <= 2 and text[before_starts[c] : before_ends[c]].endswith(HONORIFICS)):
                    continue
            if pos + 1 < starts[k + 1]:
                following = after_starts[c]
                if text[end:following] == " " and text[following].isupper():
                    continue  # a full name after the honorific is the introduction
            # the 5 characters before the word in its unit's text (the unit's paragraphs joined by a space)
            if begin >= 5:
                window = text[begin - 5 : begin]
            else:
                window = ("".join(self.texts[q] + " " for q in self.members[u] if q < k) + text[:begin])[-5:]
            if window and _HONORIFIC.search(window):
                found.append(text[begin:end])
        return min(3, len(found)), found


class _StemSet:
    """Stems given by their ids in a WordTable, for `in`: only the headline's few stems are looked up, so
    the document's hundreds of stems need not be turned back into strings."""

    def __init__(self, stem_ids: dict[str, int], ids: set[int]) -> None:
        self.stem_ids = stem_ids
        self.ids = ids

    def __contains__(self, stem: object) -> bool:
        return self.stem_ids.get(stem, -1) in self.ids  # type: ignore[call-overload]


def analyse(title: str | None, paragraphs: Sequence[str], vocab: Vocabulary,
            head: list[Token] | None = None) -> Analysis:
    """Compute the raw features (None where they cannot be measured: no headline, or too few paragraphs).

    Paragraphs are normalised and tokenised once; the TF-IDF vectors of the units are the rows of one numpy
    matrix over the document's stems, so windows, splits and chains are cumulative sums and boolean
    reductions (the same quantities as the dict-of-stems formulas in tfidf/add/cosine, up to float rounding);
    with the compiled module, the matrix and the body's measures come from one C call (`unit_matrix`, the
    same bits). `head`: the headline's tokens (`headline_tokens`), when the caller has them."""
    doc = _Document(paragraphs, vocab)
    units, n = doc.units, len(doc.units)
    f: dict[str, float | None] = dict.fromkeys(FEATURES)
    f["units"] = float(n)

    headed = bool(title and title.strip() and units)
    if not headed:
        head = []
    elif head is None:
        head = headline_tokens(title, vocab)  # type: ignore[arg-type]
    # the document's stems (the body's, then the headline's others) and the units' counts over them
    table = doc.table
    body = doc.body if doc.compiled else unique(doc.stems)  # (the compiled split sorts them)
    body_ids = set(body.tolist())
    extra = sorted({table.stem_id(t.stem) for t in head} - body_ids)
    columns = np.concatenate([body, np.array(extra, dtype=np.int64)])  # global stem id of each column
    m = len(columns)
    # the columns of the headline's stems (the body's are sorted by id, the headline's others follow)
    extra_at = dict(zip(extra, range(len(body), m), strict=True))
    head_ids = [table.stem_ids[t.stem] for t in head]
    index = {t.stem: extra_at[i] if i in extra_at else p  # (one searchsorted for all the headline's stems)
             for t, i, p in zip(head, head_ids, body.searchsorted(head_ids).tolist(), strict=True)}
    idf = table.idf_of(columns)  # (the headline's new stems' too)
    lead_units: list[int] = []
    words = 0
    for i, u in enumerate(units):
        lead_units.append(i)
        words += u.words
        if words >= LEAD_WORDS:
            break
    measures: tuple[list, ...] | None = None  # (neigh, shifts, splits, crossings, mentions, linked)
    # np.add.reduce of the lead's, the rest's (from the second unit), the tail's (from unit n // 2) and all rows,
    # and (vecs * vecs).sum(), from C (None: worked out with numpy below)
    sums: dict[str, np.ndarray] | None = None
    squares: float | None = None
    if table.compiled is not None:  # the matrix and the measures below in one C call, with numpy's roundings
        anchor = np.array([index[t.stem] for t in head], dtype=np.int64)
        present_, vecs_, total_, *rest = table.compiled.unit_matrix(
            doc.stems, doc.stem_units, doc.entities, body, n, idf, _log_counts(len(doc.stems)), anchor, RARE_IDF,
            CHAIN_IDF, len(lead_units))
        present = np.frombuffer(present_, dtype=bool).reshape(n, m)
        vecs = np.frombuffer(vecs_).reshape(n, m)
        rows_sum = np.frombuffer(total_)  # the sum of the rows, as the last row of np.cumsum(vecs, axis=0)
        # (the measures are read as lists: straight from the bytes, without an array each)
        measures = tuple(array(code, b).tolist() if code == "d" else [bool(x) for x in b]
                         for b, code in zip(rest[:6], _MEASURE_CODES, strict=True))
        sums = {"lead": np.frombuffer(rest[6]), "rest": np.frombuffer(rest[7]), "tail": np.frombuffer(rest[8]),
                "body": rows_sum}
        squares = array("d", rest[9])[0]
    else:
        flat = doc.stem_units * m + np.searchsorted(body, doc.stems)
        counts = np.bincount(flat, minlength=n * m).reshape(n, m).astype(float)
        present = counts > 0
        entity = np.bincount(flat[doc.entities], minlength=n * m).reshape(n, m) > 0
        vecs = _unit_vectors(counts, idf)
    body_stems = _StemSet(table.stem_ids, body_ids)

    lead = np.logical_or.reduce(present[: len(lead_units)], axis=0)  # present[lead_units].any(axis=0)
    lead_stems = _StemSet(table.stem_ids, set(columns[lead].tolist()) if units else set())
    last_lead = units[lead_units[-1]].paragraphs[-1] if units else 1
    lead_label = f"paragraphs 1-{last_lead}" if last_lead > 1 else "paragraph 1"
    a = Analysis(f, [], [], lead_label, n_units=n)

    if headed:
        ents: dict[str, Token] = {}
        for t in head:
            if t.entity:
                ents.setdefault(t.stem, t)
        acronyms = [t.word for t in ents.values() if t.word.isupper()]
        body_index = doc.entity_index(body_stems, acronyms, range(len(doc.numbers)))
        lead_paras = [k for k in range(len(doc.numbers)) if doc.unit_of[k] in lead_units]
        lead_index = doc.entity_index(lead_stems, acronyms, lead_paras)
        present_ents = {st for st, t in ents.items() if body_index.has(t)}
        a.head_entities = [t.word for t in ents.values()]
        a.missing_entities = [t.word for st, t in ents.items() if st not in present_ents]
        if ents:
            total = sum(vocab.idf(st) for st in ents)
            # summed in the headline's order: a set's order changes with PYTHONHASHSEED, and so would the last bits
            f["ent_cov"] = sum(vocab.idf(st) for st in ents if st in present_ents) / total
            f["ent_lead"] = sum(1 for t in ents.values() if lead_index.has(t)) / len(ents)
        else:
            f["ent_cov"], f["ent_lead"] = 1.0, 1.0
        f["ent_missing"] = float(min(3, len(a.missing_entities)))
        terms = list(dict.fromkeys(t.stem for t in head))  # the headline's order, not a set's (see ent_cov)
        if terms:
            total = sum(vocab.idf(st) for st in terms)
            f["term_cov"] = sum(vocab.idf(st) for st in terms if st in body_stems) / total
            if measures is None:
                head_counts = np.zeros((1, m))
                for t in head:
                    head_counts[0, index[t.stem]] += 1
                hvec = _unit_vectors(head_counts, idf)[0]
            else:  # the same row from C (the headline's columns are the anchor)
                hvec = np.frombuffer(table.compiled.head_vector(anchor, idf, _log_counts(len(head))))
            if sums is None:
                f["head_lead_cos"] = float(hvec @ _direction(vecs[: len(lead_units)]))  # (the first units: a view)
                f["head_body_cos"] = float(hvec @ _direction(vecs))
                f["head_tail_cos"] = float(hvec @ _direction(vecs[n // 2 :]))
            else:
                f["head_lead_cos"] = float(hvec @ _normalised(sums["lead"]))
                f["head_body_cos"] = float(hvec @ _normalised(sums["body"]))
                f["head_tail_cos"] = float(hvec @ _normalised(sums["tail"]))
            term_ids = [index[st] for st in terms]
            f["head_reach"] = int(present[:, term_ids].any(axis=1).sum()) / n

    if n >= 2:
        f["lead_rest_cos"] = float(vecs[0] @ (_direction(vecs[1:]) if sums is None else _normalised(sums["rest"])))
        if measures is None:
            keys = entity | (present & (idf >= RARE_IDF))
            anchor = keys[0].copy()
            for t in head:
                anchor[index[t.stem]] = True
            mentions = (keys & anchor).any(axis=1).tolist()
        else:
            mentions = measures[4]
        f["lead_reach"] = sum(mentions[1:]) / (n - 1)
        last = max(i for i in range(n) if i == 0 or mentions[i])
        f["tail_gap"] = (n - 1 - last) / n
        run = best = best_end = 0
        for i in range(1, n):
            run = 0 if mentions[i] else run + 1
            if run > best:
                best, best_end = run, i
        f["gap_run"] = best / n
        if best:
            start = units[best_end - best + 1].paragraphs[0]
            end = units[best_end].paragraphs[-1]
            a.gap = (f"paragraphs {start}-{end}" if end > start else f"paragraph {start}") + (
                " mention no entity or rare term of the headline and lead")
        count, names = doc.unintroduced()
        f["unintroduced"] = float(count)
        a.unintroduced = names

    if n >= 3:
        # neighbours: each unit against the direction of the units before and after it
        if measures is None:
            padded = np.vstack([np.zeros((1, m)), vecs, np.zeros((1, m))])
            neigh = _cosines(vecs, padded[:-2] + padded[2:]).tolist()
        else:
            neigh = measures[0]
        f["adj_mean"] = sum(neigh) / n
        worst = _first_min(neigh)
        f["adj_min"] = neigh[worst]
        a.worst_unit = f"{units[worst].label} shares {neigh[worst]:.2f} similarity with its neighbours"

        if measures is None:
            cumulative = np.vstack([np.zeros((1, m)), np.cumsum(vecs, axis=0)])  # row b: the sum of units < b
            rows_sum = cumulative[n]
            bounds = np.arange(1, n)
            shifts = _cosines(cumulative[bounds] - cumulative[np.maximum(bounds - 2, 0)],
                              cumulative[np.minimum(bounds + 2, n)] - cumulative[bounds]).tolist()
        else:
            shifts = measures[1]
        b = 1 + _first_min(shifts)
        value = shifts[b - 1]
        f["shift_min"] = value
        a.worst_boundary = (f"topic shift between paragraphs {units[b - 1].paragraphs[-1]} and "
                            f"{units[b].paragraphs[0]}: the paragraphs around it share {value:.2f} similarity")

        def split_text(b: int, value: float) -> str:
            return (f"paragraphs 1-{units[b - 1].paragraphs[-1]} and {units[b].paragraphs[0]}-"
                    f"{units[-1].paragraphs[-1]} share {value:.2f} similarity")

        if measures is None:
            prefix = cumulative[1:n]
            suffix = cumulative[n] - prefix
            dots = (prefix * suffix).sum(axis=1)
            denom = np.sqrt((prefix * prefix).sum(axis=1) * (suffix * suffix).sum(axis=1))
            splits = np.divide(dots, denom, out=np.zeros_like(dots), where=denom > 1e-12).tolist()  # boundary b - 1
        else:
            splits = measures[2]
        b = 1 + _first_min(splits)
        f["split_min"] = splits[b - 1]
        a.split_boundary = split_text(b, splits[b - 1])
        if n >= 4:
            b = 2 + _first_min(splits[1 : n - 2])
            f["split_min2"] = splits[b - 1]
            a.split2_boundary = split_text(b, splits[b - 1])
        # lexical chains: at each boundary, the share of the smaller side's entities and rarer terms on both
        if measures is None:
            chains = entity | (present & (idf >= CHAIN_IDF))
            before = np.logical_or.accumulate(chains[:-1], axis=0)
            after = np.logical_or.accumulate(chains[:0:-1], axis=0)[::-1]
            shared = (before & after).sum(axis=1)
            smaller = np.maximum(1, np.minimum(before.sum(axis=1), after.sum(axis=1)))
            crossings = (shared / smaller).tolist()
        else:
            crossings = measures[3]
        b = 1 + _first_min(crossings)
        value = crossings[b - 1]
        f["chain_min"] = value
        a.chain_boundary = (f"only {value:.0%} of the entities and rarer terms on the smaller side of the boundary "
                            f"between paragraphs {units[b - 1].paragraphs[-1]} and {units[b].paragraphs[0]} "
                            f"appear on both sides")
        # Mean cosine over pairs of (unit or empty) vectors: (|sum|^2 - sum |v|^2) / (n (n - 1)).
        if squares is None:
            squares = float((vecs * vecs).sum())
        f["pair_mean"] = (float(rows_sum @ rows_sum) - squares) / (n * (n - 1))

        if measures is None:
            shared_keys = keys.sum(axis=0) > 1
            linked = (keys & shared_keys).any(axis=1).tolist()
        else:
            linked = measures[5]
        a.isolated = [u.label for u, k in zip(units, linked, strict=True) if not k]
        f["continuity"] = 1 - len(a.isolated) / n
    return a



@dataclass
class Logistic:
    """One logistic model over standardised, transformed features; a feature that cannot be measured takes
    the coherent training median."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    fill: dict[str, float]

    def __post_init__(self) -> None:
        # per feature, what logit needs, looked up once: (name, mean, scale, coef, fill, transform's offset, or
        # None for a feature taken as it is)
        self._terms = [(name, m, s, w, self.fill[name], (1.0 if name == "units" else 0.01) if name in LOGGED else None)
                       for name, m, s, w in zip(self.features, self.mean, self.scale, self.coef, strict=True)]

    def logit(self, raw: dict[str, float | None]) -> float:
        """The intercept plus each standardised, transformed feature's share, added in the model's order."""
        z = self.intercept
        for name, m, s, w, fill, offset in self._terms:
            value = raw.get(name)
            x = fill if value is None else value if offset is None else math.log(value + offset)
            z += w * (x - m) / s
        return z


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


@dataclass
class Model:
    """Three views of incoherence, any one of which is enough:

    - a headline model (logistic: coherent vs headline-swapped articles, headline features);
    - a body model (logistic: coherent vs stitched articles, all features);
    - entity evidence: the log-likelihood ratio (swapped vs coherent training articles) of the number of
      headline entities missing from the body, heard only from the smallest count that fewer than 1% of
      coherent articles reach (2 on the news data). Without it, a same-topic body whose words echo the
      headline outvotes the absence of the headline's own subjects in the linear models.
    Each is put on one scale (0 = the 99th percentile of coherent training articles; the evidence relative
    to one count below its minimum), the largest decides, and a Platt fit on the training data turns it into
    a probability (under balanced classes). The threshold flags 1% of the coherent training articles.
    """

    headline: Logistic
    body: Logistic
    entity_min: int
    entity_llr: list[float]  # by number of missing headline entities, 0..3
    combine: dict[str, float]  # offset_head, offset_body, platt_a, platt_b
    threshold: float
    limits: dict[str, float]  # per raw feature: the level beyond which a reason is stated

    def entity_evidence(self, raw: dict[str, float | None]) -> float | None:
        missing = raw.get("ent_missing")
        if missing is None or missing < self.entity_min:
            return None
        k = min(int(missing), len(self.entity_llr) - 1)
        return max(self.entity_llr[self.entity_min : k + 1]) - self.entity_llr[self.entity_min - 1]

    def parts(self, raw: dict[str, float | None]) -> tuple[float, float, float, float | None]:
        """(score, headline-model probability, body-model probability, entity evidence or None)."""
        zh, zb = self.headline.logit(raw), self.body.logit(raw)
        c = self.combine
        z = max(zh - c["offset_head"], zb - c["offset_body"])
        ze = self.entity_evidence(raw)
        if ze is not None:
            z = max(z, ze)
        return _sigmoid(c["platt_a"] * z + c["platt_b"]), _sigmoid(zh), _sigmoid(zb), ze


def _logistic(data: dict[str, Any]) -> Logistic:
    return Logistic(list(data["features"]), data["mean"], data["scale"], data["coef"], float(data["intercept"]),
                    data["fill"])


@lru_cache(maxsize=1)
def load_model(path: str | None = None) -> Model:
    data = json.loads(Path(path or models_dir() / "coherence.json").read_text(encoding="utf-8"))
    entity = data["entity_evidence"]
    return Model(_logistic(data["headline_model"]), _logistic(data["body_model"]), int(entity["min_missing"]),
                 [float(v) for v in entity["llr"]], data["combine"], float(data["threshold"]), data["limits"])


def _reasons(a: Analysis, model: Model) -> list[str]:
    """Reasons for the measurements that fall where few coherent news articles do (model.limits)."""
    f, lim = a.features, model.limits
    out: list[str] = []

    def low(name: str) -> bool:
        return f[name] is not None and f[name] < lim[name]

    if a.head_entities and (a.missing_entities or f["ent_lead"] == 0):
        found = len(a.head_entities) - len(a.missing_entities)
        text = f"headline entities {', '.join(a.head_entities)}: {found} of {len(a.head_entities)} appear in the body"
        if a.missing_entities and found:
            text += f" (missing: {', '.join(a.missing_entities)})"
        if found and f["ent_lead"] == 0:
            text += f"; none in the lead ({a.lead_label})"
        out.append(text)
    if low("term_cov"):
        out.append(f"headline terms found in the body (IDF-weighted): {f['term_cov']:.2f}, below {lim['term_cov']:.2f}")
    if low("head_lead_cos"):
        out.append(f"headline shares {f['head_lead_cos']:.2f} similarity with the lead ({a.lead_label}), "
                   f"below {lim['head_lead_cos']:.2f}")
    if low("head_reach"):
        out.append(f"{f['head_reach']:.0%} of paragraphs mention a headline term, below {lim['head_reach']:.0%}")
    if low("adj_min"):
        out.append(f"{a.worst_unit}, below {lim['adj_min']:.2f}")
    if low("shift_min"):
        out.append(f"{a.worst_boundary}, below {lim['shift_min']:.2f}")
    if low("split_min2"):
        out.append(f"{a.split2_boundary}, below {lim['split_min2']:.2f}")
    elif low("split_min"):
        out.append(f"{a.split_boundary}, below {lim['split_min']:.2f}")
    if low("chain_min"):
        out.append(f"{a.chain_boundary}, below {lim['chain_min']:.0%}")
    if low("lead_rest_cos"):
        out.append(f"the first paragraph shares {f['lead_rest_cos']:.2f} similarity with the rest, "
                   f"below {lim['lead_rest_cos']:.2f}")
    if f["gap_run"] is not None and f["gap_run"] > lim["gap_run"] and a.gap:
        out.append(f"{a.gap} ({f['gap_run']:.0%} of the body, above {lim['gap_run']:.0%})")
    if low("continuity") and a.isolated:
        shown = ", ".join(a.isolated[:4]) + (" ..." if len(a.isolated) > 4 else "")
        out.append(f"{len(a.isolated)} of {a.n_units} paragraphs share no entity or rare term with the rest "
                   f"({shown})")
    if a.unintroduced:
        out.append(f"people first named without introduction (as if cut from another story): "
                   f"{', '.join(a.unintroduced[:4])}")
    return out


def score_incoherence(title: str | None, paragraphs: list[str], doubts: Sequence[str] = ()) -> Flag:
    """The `incoherent` flag for a headline and its body paragraphs (score = model probability).

    `doubts`: why a headline the cleaner picked from the text may not be one (metadata.headline_doubts);
    such a headline is not held against the body, which is judged alone."""
    vocab, model = load_vocabulary(), load_model()
    head = headline_tokens(title, vocab) if title and title.strip() and not doubts else None
    vague = None if head is None else _vagueness(head, vocab)
    analysis = analyse(None if head is None or vague is not None else title, paragraphs, vocab, head)
    score, p_head, p_body, evidence = model.parts(analysis.features)
    flagged = score >= model.threshold
    head = (f"incoherence score {score:.2f} {'≥' if flagged else '<'} threshold {model.threshold:.2f} "
            f"(headline-body mismatch {p_head:.2f}, body from several stories {p_body:.2f}")
    if evidence is not None:
        head += f", missing headline entities: log-likelihood ratio {evidence:+.1f} over coherent news"
    head += ")"
    if doubts and title:
        head += (f"; the headline was picked from the text and may be the body's first line ({', '.join(doubts)}):"
                 " judged on the body alone")
    elif vague is not None:
        head += (f"; the headline names nothing to look for in the body (no name, its words' rarity {vague:.1f}, "
                 f"below {MIN_HEADLINE_RARITY:.1f}): judged on the body alone")
    elif not (title and title.strip()):
        head += "; no headline: judged on the body alone"
    return Flag(flagged, score, model.threshold, [head] + _reasons(analysis, model))


#: a headline whose content words' IDFs add up to less than this, and that names no one, says too little to be
#: held against the body ("Who do you think you are?", "4 Things to Do in October": any body "misses" it). One
#: rare word is worth 6-7; 1% of the news headlines of the training split are below 8.6.
MIN_HEADLINE_RARITY = 5.0


def headline_tokens(title: str, vocab: Vocabulary) -> list[Token]:
    """The content tokens of a headline without the outlet's name, entities marked as headlines mark them."""
    return tokens(strip_site_suffix(title), vocab, headline=True)


def vague_headline(title: str, vocab: Vocabulary) -> float | None:
    """The sum of the IDFs of the headline's content words when it is below MIN_HEADLINE_RARITY and the
    headline has no entity (it is too vague to compare with a body), else None."""
    return _vagueness(headline_tokens(title, vocab), vocab)


def _vagueness(head: list[Token], vocab: Vocabulary) -> float | None:
    if any(t.entity for t in head):
        return None
    rarity = sum(vocab.idf(s) for s in {t.stem for t in head})
    return rarity if rarity < MIN_HEADLINE_RARITY else None


class IncoherenceScorer:
    """Sets `doc.flags["incoherent"]` from the title and the kept paragraph and list-item blocks."""

    name = "incoherent"

    def run(self, doc: Document) -> None:
        paragraphs = [b.text for b in doc.kept_blocks if b.kind in ("paragraph", "list_item")]
        # a headline given with the document is the headline; one picked from the text is trusted only when
        # shaped like one (on real web articles without a headline, a lede or label picked instead was 14 of
        # the 16 false flags out of 207)
        doubts = headline_doubts(doc.title) if doc.title_found and doc.title else []
        doc.flags[self.name] = score_incoherence(doc.title, paragraphs, doubts)


def feature_row(title: str | None, paragraphs: Sequence[str], vocab: Vocabulary) -> dict[str, float | None]:
    """The raw features (None = not measurable), for the training and bench tools."""
    return analyse(title, paragraphs, vocab).features
