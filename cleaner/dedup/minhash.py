"""MinHash signatures of cleaned text, vectorised with numpy and identical to `datasketch.MinHash`.

Why this module exists: the costly part of near-duplicate detection is not MinHash itself but turning text
into shingles in Python.  Here a whole batch of documents is tokenised, its tokens hashed and its shingle
hashes built with numpy array operations, with no Python loop over tokens or shingles.

Definitions (version ``HASH_NAME``; an index records it and refuses other versions):

* **fold**: NFKC, then ``casefold``, then NFKC again (ASCII text: ``lower``, which is the same thing).  Curly
  quotes, dashes, ellipses and every other punctuation or symbol are not word characters, so they only
  separate tokens: typography never changes a token.
* **token**: a maximal run of word characters of the folded text; a word character is one for which
  ``str.isalnum()`` holds or whose Unicode category is a mark (M*), so that words of scripts with combining
  vowel signs stay whole.  Everything else (space, punctuation, quotes, ``_``) separates tokens.
* **token hash** ``T(t) = fmix64(sum_j ord(t[j]) * P**j mod 2**64)``: a polynomial over code points, finished
  by the MurmurHash3 64-bit finaliser so its bits are well mixed.
* **shingle**: ``k`` consecutive tokens (``k`` = ``shingle``); a document with ``0 < n < k`` tokens has one
  shingle of all its ``n`` tokens; an empty document has none (its signature is all ``0xFFFFFFFF``,
  datasketch's empty MinHash).  Its bytes, for datasketch, are the tokens joined by one space, UTF-8 encoded.
* **shingle hash** ``S = fmix64(sum_i T(t_i) * C_i mod 2**64) >> 32`` with fixed odd constants ``C_i``: a
  32-bit value, as datasketch's ``affine32`` scheme expects from ``hashfunc``.

**Equality with datasketch** means: for every text, ``MinHasher.signature(text)`` equals
``datasketch.MinHash(num_perm, seed, hashfunc=shingle_hash32)`` updated with every element of ``shingles(text,
k)`` (datasketch's default ``affine32`` scheme: ``fmix32`` pre-mix, then ``a*h+b mod 2**32`` with the
permutations drawn from ``numpy.random.RandomState(seed)``), value for value.  ``shingle_hash32`` is a
plain-Python reference of the numpy hash above, so datasketch sees the same shingle hash values we compute.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np

HASH_NAME = "cleaner-poly64-fmix/v1"
SCHEME = "affine32"  # datasketch's permutation scheme whose values we reproduce
MAX32 = np.uint32(0xFFFFFFFF)
_M64 = (1 << 64) - 1
_P = 0x9E3779B97F4A7C15  # odd multiplier of the token polynomial
_FMIX64 = (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53)
_FMIX32 = (0x85EBCA6B, 0xC2B2AE35)
_MAX_SHINGLE = 16
# Chunk sizes: ~1M characters of text and ~96k shingles (384 KB of uint32, inside a 1 MB L2) per numpy pass.
_TEXT_CHUNK_CHARS = 1 << 20
_SHINGLE_CHUNK = 96 * 1024


def _fmix64_int(h: int) -> int:
    h ^= h >> 33
    h = (h * _FMIX64[0]) & _M64
    h ^= h >> 33
    h = (h * _FMIX64[1]) & _M64
    return h ^ (h >> 33)


def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


# Position constants of the shingle combination; odd so that each position's map is a bijection.
_C = [_splitmix64(i) | 1 for i in range(_MAX_SHINGLE)]
_C_NP = np.array(_C, dtype=np.uint64)


def fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser on a uint64 array (wrapping arithmetic is the modulo 2**64)."""
    h = h ^ (h >> np.uint64(33))
    h *= np.uint64(_FMIX64[0])
    h ^= h >> np.uint64(33)
    h *= np.uint64(_FMIX64[1])
    h ^= h >> np.uint64(33)
    return h


def fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser on a uint32 array: datasketch's pre-mix of every input hash."""
    h = h ^ (h >> np.uint32(16))
    h *= np.uint32(_FMIX32[0])
    h ^= h >> np.uint32(13)
    h *= np.uint32(_FMIX32[1])
    h ^= h >> np.uint32(16)
    return h


# -----------------------------------------------------------------------------------------------
# folding/tokens


def fold(text: str) -> str:
    """Case and compatibility folding (see the module docstring); typography is left to tokenisation."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


# Typographic characters common in scraped news.  Each folds (NFKC, casefold) to non-word characters only and
# composes with no neighbour, so replacing it by a space leaves the tokens unchanged; doing that first lets
# most real texts take the fast ASCII path (`lower`) instead of a full Unicode casefold, 5-10x slower.
_TYPOGRAPHY = (
    "\u2019\u201c\u201d\u2014\u2013\u2018\u2026\u00a0\u00a3\u20ac\u00ab\u00bb\u2022\u00b7"
    "\u201a\u201b\u201e\u201f\u2032\u2033\u2015\u2010\u2011\u2012\u2009\u202f\u200b\u00b0"
)


def _fold_for_tokens(text: str) -> str:
    """`fold` up to characters that are separators either way: same tokens, but mostly the ASCII fast path."""
    if not text.isascii():
        for ch in _TYPOGRAPHY:
            if ch in text:
                text = text.replace(ch, " ")
    return fold(text)


@lru_cache(maxsize=1 << 16)
def is_word_char(ch: str) -> bool:
    """Letters, digits and numbers (`str.isalnum`) and combining marks make words; all else separates them."""
    return ch.isalnum() or unicodedata.category(ch)[0] == "M"


def tokens(text: str) -> list[str]:
    """Reference tokeniser, one character at a time: the definition the numpy path must reproduce."""
    out: list[str] = []
    cur: list[str] = []
    for ch in fold(text):
        if is_word_char(ch):
            cur.append(ch)
        elif cur:
            out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    return out


def normalize_text(text: str) -> str:
    """The folded tokens joined by single spaces: equal for texts that differ only in case/typography."""
    return " ".join(tokens(text))


def shingles(text: str, k: int) -> list[bytes]:
    """Reference shingles, the bytes given to datasketch: ``k`` tokens joined by a space (module doc)."""
    toks = tokens(text)
    if not toks:
        return []
    if len(toks) < k:
        return [" ".join(toks).encode("utf-8")]
    return [" ".join(toks[i : i + k]).encode("utf-8") for i in range(len(toks) - k + 1)]


def token_hash64(token: str) -> int:
    """Plain-Python reference of the token hash ``T``."""
    acc = 0
    power = 1
    for ch in token:
        acc = (acc + ord(ch) * power) & _M64
        power = (power * _P) & _M64
    return _fmix64_int(acc)


def shingle_hash32(shingle: bytes | str) -> int:
    """Plain-Python reference of the shingle hash ``S``; pass it to datasketch as ``hashfunc``."""
    text = shingle.decode("utf-8") if isinstance(shingle, bytes | bytearray) else shingle
    acc = 0
    for i, tok in enumerate(text.split(" ")):
        acc = (acc + token_hash64(tok) * _C[i]) & _M64
    return _fmix64_int(acc) >> 32


# ----------------------------------------------------------------------------------------------- numpy path


class _Powers:
    """P**j and P**-j mod 2**64 for j < n, grown on demand (as long as the longest chunk of text seen)."""

    _INV = pow(_P, -1, 1 << 64)

    def __init__(self) -> None:
        self.up = np.ones(1, dtype=np.uint64)
        self.down = np.ones(1, dtype=np.uint64)

    @staticmethod
    def _grow(values: np.ndarray, base: int, n: int) -> np.ndarray:
        out = np.empty(n, dtype=np.uint64)
        m = len(values)
        out[:m] = values
        while m < n:  # doubling: out[m:2m] = out[:m] * base**m
            step = min(m, n - m)
            out[m : m + step] = out[:step] * np.uint64(pow(base, m, 1 << 64))
            m += step
        return out

    def upto(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        if n > len(self.up):
            size = max(n, 2 * len(self.up))
            self.up = self._grow(self.up, _P, size)
            self.down = self._grow(self.down, self._INV, size)
        return self.up[:n], self.down[:n]


_POWERS = _Powers()


def _word_mask(codes: np.ndarray) -> np.ndarray:
    """Word-character mask of code points: arithmetic for ASCII, `is_word_char` once per other code."""
    lower = codes | codes.dtype.type(0x20)  # folds A-Z onto a-z; maps no other ASCII character into a-z
    mask = (lower - codes.dtype.type(ord("a"))) < 26
    mask |= (codes - codes.dtype.type(ord("0"))) < 10
    if codes.dtype != np.uint8:
        wide = np.flatnonzero(codes > 127)
        if wide.size:
            uniq, inverse = np.unique(codes[wide], return_inverse=True)
            cls = np.fromiter((is_word_char(chr(c)) for c in uniq.tolist()), dtype=bool, count=len(uniq))
            mask[wide] = cls[inverse]
    return mask


def token_hashes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes of all texts, concatenated in order, and the number of tokens of each text.

    The polynomial of every token comes from one prefix sum over the whole chunk: ``H[i] = sum_{j<i} code_j *
    P**j``, so the token [s, e) is ``(H[e] - H[s]) * P**-s`` (P is odd, hence invertible mod 2**64).  Only a
    few passes touch every character; the rest works per token.
    """
    folded = [_fold_for_tokens(t) for t in texts]
    lengths = np.fromiter(map(len, folded), dtype=np.int64, count=len(folded))
    big = "\n" + "\n".join(folded) + "\n"  # "\n" is no word character: no token crosses two documents
    if big.isascii():
        codes = np.frombuffer(big.encode("ascii"), dtype=np.uint8)
    else:
        codes = np.frombuffer(big.encode("utf-32-le"), dtype=np.uint32)
    w = _word_mask(codes).view(np.int8)
    # `big` starts and ends with a separator, so the changes of the mask alternate: token start, token end,
    # ...
    change = np.flatnonzero(w[1:] != w[:-1]) + 1
    if change.size == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(len(texts), dtype=np.int64)
    starts, ends = change[0::2], change[1::2]
    up, down = _POWERS.upto(len(codes))
    prefix = np.empty(len(codes) + 1, dtype=np.uint64)
    prefix[0] = 0
    np.multiply(up, codes, out=prefix[1:], dtype=np.uint64)
    np.cumsum(prefix[1:], out=prefix[1:])
    hashes = fmix64((prefix[ends] - prefix[starts]) * down[starts])
    bounds = np.cumsum(lengths + 1)  # index in `big` of the separator after each document
    counts = np.diff(np.searchsorted(starts, bounds), prepend=0)
    return hashes, counts.astype(np.int64)


def shingle_hashes(tok: np.ndarray, counts: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """32-bit shingle hashes of all documents (grouped by document, in order) and the count per document."""
    if not 1 <= k <= _MAX_SHINGLE:
        raise ValueError(f"shingle size must be 1..{_MAX_SHINGLE}, got {k}")
    n_tok = len(tok)
    per_doc = np.where(counts >= k, counts - k + 1, np.minimum(counts, 1))
    if n_tok == 0:
        return np.zeros(0, dtype=np.uint32), per_doc
    first = np.cumsum(counts) - counts
    padded = np.concatenate([tok, np.zeros(k - 1, dtype=np.uint64)])
    short = np.flatnonzero((counts > 0) & (counts < k))
    short_vals = np.zeros(len(short), dtype=np.uint64)
    acc = padded[:n_tok] * _C_NP[0]
    for i in range(1, k):
        done = counts[short] == i  # short documents of exactly i tokens: their one shingle is complete
        short_vals[done] = acc[first[short[done]]]
        acc += padded[i : i + n_tok] * _C_NP[i]
    doc_of_token = np.repeat(np.arange(len(counts)), counts)
    keep = (np.arange(n_tok) - first[doc_of_token]) <= (counts - k)[doc_of_token]
    acc[first[short]] = short_vals
    keep[first[short]] = True
    return (fmix64(acc[keep]) >> np.uint64(32)).astype(np.uint32), per_doc


class MinHasher:
    """MinHash signatures (uint32, ``num_perm`` values) of texts; parameters fixed at construction."""

    def __init__(self, num_perm: int = 128, seed: int = 1, shingle: int = 5) -> None:
        if num_perm < 1:
            raise ValueError("num_perm must be positive")
        if not 1 <= shingle <= _MAX_SHINGLE:
            raise ValueError(f"shingle size must be 1..{_MAX_SHINGLE}, got {shingle}")
        self.num_perm = num_perm
        self.seed = seed
        self.shingle = shingle
        # datasketch affine32: odd a in [1, 2**32), b in [0, 2**32), drawn in this order from
        # RandomState(seed).
        rng = np.random.RandomState(seed)
        self.a = rng.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        self.b = rng.randint(0, 1 << 32, num_perm, dtype=np.uint64).astype(np.uint32)

    @property
    def params(self) -> dict[str, Any]:
        return {
            "num_perm": self.num_perm,
            "seed": self.seed,
            "shingle": self.shingle,
            "hash": HASH_NAME,
            "scheme": SCHEME,
        }

    def signature(self, text: str) -> np.ndarray:
        return self.signatures([text])[0]

    def signatures(self, texts: Sequence[str]) -> np.ndarray:
        """Signatures of many texts, shape (len(texts), num_perm): batches amortise numpy's per-call cost."""
        out = np.empty((len(texts), self.num_perm), dtype=np.uint32)
        for lo, hi in _text_chunks(texts):
            tok, counts = token_hashes(texts[lo:hi])
            sh, per_doc = shingle_hashes(tok, counts, self.shingle)
            out[lo:hi] = self.from_shingle_hashes(sh, per_doc)
        return out

    def from_shingle_hashes(self, hashes: np.ndarray, per_doc: np.ndarray) -> np.ndarray:
        """MinHash of documents given their 32-bit shingle hashes grouped by document."""
        n_docs = len(per_doc)
        sig = np.full((self.num_perm, n_docs), MAX32, dtype=np.uint32)
        mixed = fmix32(hashes.astype(np.uint32, copy=False))
        ends = np.cumsum(per_doc)
        nonempty = np.flatnonzero(per_doc > 0)
        buf = np.empty(min(len(mixed), _SHINGLE_CHUNK) or 1, dtype=np.uint32)
        for docs in _doc_chunks(per_doc[nonempty], _SHINGLE_CHUNK):
            d = nonempty[docs]
            lo, hi = int(ends[d[0]] - per_doc[d[0]]), int(ends[d[-1]])
            seg = (ends[d] - per_doc[d] - lo).astype(np.intp)
            h = mixed[lo:hi]
            tmp = buf[: hi - lo] if hi - lo <= len(buf) else np.empty(hi - lo, dtype=np.uint32)
            # One permutation at a time over the whole chunk: long contiguous vector ops, then a min per
            # document.
            for p in range(self.num_perm):
                np.multiply(h, self.a[p], out=tmp)
                np.add(tmp, self.b[p], out=tmp)
                sig[p, d] = np.minimum.reduceat(tmp, seg)
        return np.ascontiguousarray(sig.T)

    def datasketch(self, text: str) -> Any:
        """The datasketch reference MinHash of `text` (datasketch must be installed: tests and bench only)."""
        from datasketch import MinHash

        m = MinHash(num_perm=self.num_perm, seed=self.seed, hashfunc=shingle_hash32)
        for sh in shingles(text, self.shingle):
            m.update(sh)
        return m


def _text_chunks(texts: Sequence[str]) -> Iterator[tuple[int, int]]:
    """Index ranges of texts holding about `_TEXT_CHUNK_CHARS` characters each (bounded memory per pass)."""
    lo = 0
    size = 0
    for i, t in enumerate(texts):
        size += len(t) + 1
        if size >= _TEXT_CHUNK_CHARS:
            yield lo, i + 1
            lo, size = i + 1, 0
    if lo < len(texts):
        yield lo, len(texts)


def _doc_chunks(per_doc: np.ndarray, limit: int) -> Iterator[np.ndarray]:
    """Consecutive document index ranges whose shingle total stays near `limit` (a bigger doc goes alone)."""
    ends = np.cumsum(per_doc)
    lo = 0
    n = len(per_doc)
    while lo < n:
        base = ends[lo] - per_doc[lo]
        hi = int(np.searchsorted(ends, base + limit, side="right"))
        hi = max(hi, lo + 1)
        yield np.arange(lo, hi)
        lo = hi


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Fraction of equal signature values, row by row (or of two single signatures)."""
    return np.mean(a == b, axis=-1)


def exact_jaccard(text_a: str, text_b: str, k: int) -> float:
    """Exact Jaccard of two texts' shingle sets (reference shingles): checks estimates; not in the index."""
    sa, sb = set(shingles(text_a, k)), set(shingles(text_b, k))
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)
