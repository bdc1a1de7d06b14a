"""Language identification with langdetect's model, made deterministic and cheap enough for a pipeline.

Determinism: langdetect samples n-grams at random, so two calls on the same text can disagree. Every
detection here re-seeds its own `random.Random` with 0 before sampling (as a langdetect `DetectorFactory` with
`seed = 0` does), so the answer for a given text is the same on every call, in every process.

Speed: langdetect itself costs about 5 ms per 1,000 characters, nearly all of it in two Python loops: building
the n-gram list character by character, and multiplying 55 language probabilities one by one for each sampled
n-gram. `language_probabilities` runs langdetect's algorithm (`Detector.get_probabilities`) on langdetect's
own profiles (loaded once through its `DetectorFactory`) with those loops replaced, and gives langdetect's
answers: the same n-grams in the same order, built word by word from a cache (`_word_rows`: a word's n-grams
do not depend on its neighbours, the buffer restarts at every space; a text's new words are worked out together
with numpy, `_batch_rows`, as a news article brings dozens); the same random draws, read in bulk from
the seed-0 Mersenne Twister stream (`_RandomWords`, checked against `random.Random` at load); and the same
stopping points, found by multiplying a dozen check points' worth of sampled profile rows at once with numpy.
Only the order of the floating-point products differs, so probabilities agree to about 1e-15
(tests/test_language.py compares them with langdetect's on real text).

Compiled core: `cleaner/scorers/_language_core.c` (built at install by tools/build_native.py) runs these loops
in C when present: the text's preparation and NGram.normalize, the n-gram list, langdetect's trials with its own
operations in its own order (so its probabilities exactly, not to 1e-15), and the pre-check's sums in numpy's
order (the same float32 bits as the Python code). The Python code below stays as the reference and the fallback;
tests/test_language.py runs its checks on both. `python bench/instructions.py --scorer language`: 1.84M
instructions a news document compiled, 10.6M with the Python code (`--python`).

What is fed to it is also bounded:
- the document language is decided on its first `DOC_CHARS` (2,000) characters;
- `mixed_share`, the share of block characters in another language, is estimated over every block of at least
  `MIN_BLOCK_CHARS` (40) characters, but langdetect is not run on all of them: a block first goes through a
  cheap pre-check, the naive-Bayes log-likelihood of its n-grams under langdetect's profiles (summed once per
  distinct word, `_WordScores`, then one numpy gather and sum per document). A block whose n-grams favour the
  document's language over every other language by at least `PRECHECK_MARGIN` nats is counted as the
  document's language. The rest ("suspects") are judged by langdetect on their first `BLOCK_CHARS` (400) characters with `BLOCK_TRIALS` (3) sampling
  trials (a block is another language when langdetect gives the document's language a probability under
  `OTHER_LANGUAGE_MAX_P`); when there are more than `MAX_BLOCKS` (8) suspects, 8 of them, evenly spaced, are
  judged and their foreign share (by characters) is applied to all suspects.
A document therefore costs one 2,000-character detection, one vectorised pre-check and at most 8 short
detections (usually none: an English article has no suspects): about 1.5 ms on a news article whose rarer
words are new to the caches, 0.9 ms once they are cached (bench/scorers.py). The sampling trials are most of the
rest, numpy calls on small arrays; their reductions are called as ufunc methods, as numpy's Python wrappers
cost as much as the arithmetic there.
"""

from __future__ import annotations

import math
import random
import re
import threading
import warnings
from array import array
from dataclasses import dataclass
from itertools import islice
from typing import Any

import numpy as np
from langdetect import DetectorFactory
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY
from langdetect.utils.ngram import NGram

from cleaner.document import Document

try:  # the loops below compiled (tools/build_native.py builds it at install); the Python code is the reference
    from cleaner.scorers import _language_core as _COMPILED
except ImportError:  # no C compiler at install time: the same answers, slower
    _COMPILED = None
_core = _COMPILED  # what the scorer calls (tests set it to None to run the Python code)

DOC_CHARS = 2000
BLOCK_CHARS = 400
MIN_BLOCK_CHARS = 40
MAX_BLOCKS = 8
BLOCK_TRIALS = 3
# A block counts as another language only when the document's language is this unlikely for it: short
# blocks are noisy (an English sentence full of names can come out as "nl" at p=0.6 with "en" close behind).
OTHER_LANGUAGE_MAX_P = 0.2
# Pre-check: the document's language must beat every other language by this many nats of naive-Bayes
# log-likelihood over the block's n-grams for the block to skip langdetect. On the development data (22,213
# blocks of 40+ characters from the extraction pages, English news and the MT corpus), no block that
# cleared 12 nats was called another language by langdetect (one at 8.1 was, of 207 foreign blocks); 3.8%
# of the blocks fall below 12 and go to langdetect. Typical English paragraphs clear it by 50-500 nats.
PRECHECK_MARGIN = 12.0

DetectorFactory.seed = 0  # also makes the module-level langdetect.detect() reproducible for library users

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
# Detector.cleaning_text: Latin letters ('A' to 'z', as langdetect counts them) against other scripts
# (from U+0300 up, except the Latin Extended Additional block U+1E00-U+1EFF).
_LATIN = re.compile(r"[A-z]")
_NON_LATIN = re.compile("[\u0300-\u1dff\u1f00-\U0010ffff]")
_SPACES = re.compile(" {2,}")
_NON_ASCII = re.compile("[^\x00-\x7f]")


class _Normalised(dict):
    """str.translate table: each character as langdetect's NGram.normalize maps it, filled on first use (with
    `keep_newlines`, line breaks stay)."""

    def __init__(self, keep_newlines: bool = False) -> None:
        super().__init__({ord("\n"): "\n"} if keep_newlines else {})
        self.keep_newlines = keep_newlines

    def __missing__(self, code: int) -> str:
        value = NGram.normalize(chr(code))
        self[code] = value
        return value

    def apply(self, text: str) -> str:
        """text.translate(self), faster on text with a few non-ASCII characters (the curly quotes and dashes of
        English news): str.translate is quick on ASCII text only. The ASCII characters are mapped byte by byte
        in the UTF-8 text (whose other bytes are those of non-ASCII characters: they stay), then each distinct
        non-ASCII character is replaced, when it maps to ASCII (or to itself, then it stays). The compiled
        core maps the characters itself, from a copy of the table it fills as it meets them."""
        if _core is not None:
            return _core.normalise(text, _NORMALISED, self.keep_newlines)
        if text.isascii():
            return text.translate(self)
        encoded = text.encode("utf-8", "surrogatepass")
        if len(encoded) - len(text) > 64:  # many non-ASCII characters: translate's own loop
            return text.translate(self)
        others = {ch: self[ord(ch)] for ch in set(_NON_ASCII.findall(text))}
        if not all(new.isascii() or new == ch for ch, new in others.items()):
            return text.translate(self)
        ascii_bytes = self.__dict__.get("ascii_bytes")
        if ascii_bytes is None:
            ascii_bytes = self.__dict__["ascii_bytes"] = bytes([ord(self[b]) for b in range(128)] + list(range(128, 256)))
        text = encoded.translate(ascii_bytes).decode("utf-8", "surrogatepass")
        for ch, new in others.items():
            if new != ch:
                text = text.replace(ch, new)
        return text


@dataclass
class _Profiles:
    langs: list[str]
    index: dict[str, int]  # n-gram -> row
    prob: np.ndarray  # (n-grams, languages): P(n-gram | language), langdetect's word_lang_prob_map as rows
    log_prob: np.ndarray  # log(prob + ALPHA_DEFAULT / BASE_FREQ), float32: the pre-check's naive Bayes
    codes: np.ndarray  # the n-grams as integers (`_gram_code`), sorted
    code_rows: np.ndarray  # the row of each


# whether each character of the Basic Multilingual Plane is a capital (str.isupper), for _batch_rows
_UPPER = np.array([chr(code).isupper() for code in range(0x10000)], dtype=bool)


def _gram_code(gram: str) -> int:
    """An n-gram of 1-3 characters as one integer: each character's code point + 1 in its own 21 bits, so that
    n-grams can be looked up many at once with numpy (`_batch_rows`)."""
    code = 0
    for ch in gram:
        code = (code << 21) | (ord(ch) + 1)
    return code


_profiles: _Profiles | None = None
_lock = threading.Lock()
_NORMALISED = _Normalised()


def _get_profiles() -> _Profiles:
    """Load langdetect's 55 profiles once (about 0.5 s) through its own factory, then keep them as arrays."""
    global _profiles
    with _lock:
        if _profiles is None:
            factory = DetectorFactory()
            factory.load_profile(PROFILES_DIRECTORY)
            words = list(factory.word_lang_prob_map)
            prob = np.array([factory.word_lang_prob_map[w] for w in words], dtype=np.float64)
            smooth = Detector.ALPHA_DEFAULT / Detector.BASE_FREQ
            codes = np.array([_gram_code(w) for w in words], dtype=np.int64)
            order = np.argsort(codes)
            _profiles = _Profiles(list(factory.langlist), {w: i for i, w in enumerate(words)},
                                  prob, np.log(prob + smooth).astype(np.float32), codes[order], order)
            if _COMPILED is not None:
                _COMPILED.set_profiles(_profiles.codes, order.astype(np.int32), prob, _profiles.log_prob,
                                       len(_profiles.langs))
                # NGram.normalize of every BMP character, worked out once (about 0.07 s): the compiled core then
                # never asks Python for a character it has not seen (the CJK of a page, one by one)
                _COMPILED.set_normalised(np.array([ord(NGram.normalize(chr(code))) for code in range(0x10000)],
                                                  dtype=np.uint32).tobytes())
            if not _stream_is_pythons():
                warnings.warn("this Python's random.Random differs from the one the language scorer emulates: "
                              "its answers stay deterministic but may differ from langdetect's", stacklevel=2)
    return _profiles


def _word_rows(word: str, trailing_space: bool) -> list[int]:
    """Profile rows of the n-grams langdetect extracts from one normalised word, in its order.

    NGram.add_char restarts its buffer after every space, so a word's n-grams depend only on the word and on
    whether a space follows (which adds the word-final n-grams): those of " word " (or " word") ending at
    each character after the first, of lengths 1-3, except the lone space and except at a capital letter
    that follows a capital letter (langdetect's `capitalword`: acronyms tell nothing of the language).
    The reference for `_batch_rows`, which the caches use."""
    index = _get_profiles().index
    padded = " " + word + " " if trailing_space else " " + word
    ends = range(1, len(padded))
    if not word.islower():  # (all lower case: no capital follows a capital)
        ends = [e for e in ends if not (padded[e].isupper() and padded[e - 1].isupper())]
    grams = [padded[e - n : e + 1] for e in ends for n in (0, 1, 2) if e >= n and (n or padded[e] != " ")]
    return [row for row in map(index.get, grams) if row is not None]


def _batch_rows(words: list[str], trailing_space: bool) -> list[bytes]:
    """`_word_rows` of each of `words`, as int32 bytes, worked out for all of them at once with numpy: the
    padded words joined as code points, the 1-, 2- and 3-grams ending at each position as integers
    (`_gram_code`), looked up in the profiles' sorted codes, and kept as `_word_rows` keeps them (nothing
    ending at a word's leading space, no trigram at its first character, not the lone space, nothing at a
    capital that follows a capital)."""
    profiles = _get_profiles()
    pad = " " if trailing_space else ""
    text = "".join([f" {word}{pad}" for word in words])
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    size = len(points)
    ends = np.cumsum([len(word) + 1 + len(pad) for word in words])  # past each padded word
    grams = np.empty((size, 3), dtype=np.int64)  # at each position: the 1-, 2- and 3-gram ending there
    grams[:, 0] = points + 1
    grams[1:, 1] = (grams[:-1, 0] << 21) | grams[1:, 0]
    grams[2:, 2] = (grams[:-2, 0] << 42) | grams[2:, 1]
    keep = np.ones((size, 3), dtype=bool)
    keep[:, 0] = points != 32
    upper = _UPPER[np.minimum(points, len(_UPPER) - 1)]
    beyond = np.flatnonzero(points >= len(_UPPER))
    if len(beyond):
        upper[beyond] = [chr(c).isupper() for c in points[beyond].tolist()]
    keep[1:][upper[1:] & upper[:-1]] = False  # (a word's leading space is no capital: never across words)
    starts = np.concatenate([[0], ends[:-1]])
    keep[starts] = False
    second = starts + 1
    keep[second[second < size], 2] = False
    at = np.flatnonzero(keep)  # the candidates, by 3 * position + length - 1: in langdetect's order
    codes = grams.ravel()[at]
    found = np.minimum(np.searchsorted(profiles.codes, codes), len(profiles.codes) - 1)
    known = profiles.codes[found] == codes
    data = profiles.code_rows[found[known]].astype(np.int32).tobytes()
    bounds = [0, *(4 * np.searchsorted(at[known], 3 * ends)).tolist()]  # each word's n-grams end before 3 * end
    return [data[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


class _RowCache(dict):
    """_word_rows of words as int32 bytes, computed once per word: words recur, and the bytes of a text's
    words join into one array without a Python loop (a dict's __getitem__ maps faster than an lru_cache).
    A text's new words are worked out together (`fill`, `_batch_rows`). Bounded: emptied when full."""

    BATCH = 12  # from this many new words on, _batch_rows (about 60 us + 2.5 us a word) beats _word_rows (7 us)

    def __init__(self, trailing_space: bool, size: int) -> None:
        super().__init__()
        self.trailing_space = trailing_space
        self.size = size

    def fill(self, words: list[str]) -> None:
        """Compute the rows of those of `words` not cached yet (a few one by one: numpy's calls cost more)."""
        new = [word for word in dict.fromkeys(words) if word not in self]
        if new:
            if len(self) + len(new) > self.size:
                self.clear()
            if len(new) < self.BATCH:
                rows = [array("i", _word_rows(word, self.trailing_space)).tobytes() for word in new]
            else:
                rows = _batch_rows(new, self.trailing_space)
            self.update(zip(new, rows, strict=True))

    def __missing__(self, word: str) -> bytes:
        self.fill([word])
        return self[word]


_ROWS_SPACED = _RowCache(True, 1 << 17)  # a word followed by a space: every word but the last
_ROWS_FINAL = _RowCache(False, 1 << 14)


_VI_MARKS = re.compile("[" + NGram.DMARK_CLASS + "]")


def _without_urls(text: str) -> str:
    """The first two steps of Detector.append: URLs and e-mail addresses out (each only when the text can contain
    one)."""
    if "http" in text:  # (the compiled core: the same substitution, without the regex engine)
        text = Detector.URL_RE.sub(" ", text) if _core is None else _core.without_urls(text)
    if "@" in text:
        text = Detector.MAIL_RE.sub(" ", text) if _core is None else _core.without_mails(text)
    return text


def _clean_urls(text: str) -> str:
    """The first steps of Detector.append: URLs and e-mail addresses out, Vietnamese letters normalised
    (each step only when the text can contain what it replaces)."""
    text = _without_urls(text)
    if _VI_MARKS.search(text):
        text = NGram.normalize_vi(text)
    return text


def _prepare(text: str) -> str:
    """Detector.append + Detector.cleaning_text: URLs and e-mails out, Vietnamese normalised, runs of spaces
    collapsed, and Latin letters dropped from text mostly in another script."""
    if _core is not None and "http" not in text and "@" not in text:
        prepared = _core.prepare(text[:10001], 10000)  # None: Vietnamese marks to compose, as below
        if prepared is not None:
            return prepared
    text = _SPACES.sub(" ", _clean_urls(text)[:10000])
    non_latin = len(_NON_LATIN.findall(text))
    # fewer than half as many Latin letters: counted only up to the first count that rules it out (a few curly
    # quotes are "non-Latin" in English text, whose Latin letters need not all be listed)
    if non_latin and sum(1 for _ in islice(_LATIN.finditer(text), (non_latin + 1) // 2)) * 2 < non_latin:
        text = _LATIN.sub("", text)
    return text


def _rows_of_words(normalised: str) -> np.ndarray:
    """The profile rows of the n-grams of normalised text, in langdetect's order."""
    if _core is not None:
        _get_profiles()  # (hands the profiles to the core on first use)
        return np.frombuffer(_core.ngram_rows(normalised), dtype=np.int32)
    words = normalised.split(" ")
    rows = list(map(_ROWS_SPACED.get, words[:-1]))
    if None in rows:
        _ROWS_SPACED.fill([word for word, row in zip(words[:-1], rows, strict=True) if row is None])
        rows = list(map(_ROWS_SPACED.__getitem__, words[:-1]))
    joined = b"".join(rows) + _ROWS_FINAL[words[-1]]
    return np.frombuffer(joined, dtype=np.int32).astype(np.intp)


def _ngram_rows(text: str) -> np.ndarray:
    """The profile rows of langdetect's n-gram list for `text` (already through `_prepare`), in its order."""
    return _rows_of_words(_NORMALISED.apply(text))


class _RandomWords:
    """The 32-bit outputs of `random.Random(0)`'s Mersenne Twister, in order, generated once in bulk.

    Every langdetect detection re-seeds its generator with 0, so every detection reads the same stream.
    CPython's `getrandbits(k)` (k <= 32) is one word shifted right by 32 - k, `random()` is built from two
    words, `gauss()` from two `random()` calls (and caches its second value), and `choice(seq)` draws
    `getrandbits(len(seq).bit_length())` until the value is below len(seq): `_stream_is_pythons` checks all this
    against a real generator once, so the draws below are langdetect's."""

    def __init__(self) -> None:
        self._rnd = random.Random(0)
        self._lock = threading.Lock()
        self.words = np.empty(0, dtype=np.uint32)

    def upto(self, end: int) -> np.ndarray:
        """The stream with at least `end` words."""
        words = self.words
        if len(words) < end:
            with self._lock:
                k = max(end - len(self.words), 1 << 15)
                more = np.frombuffer(self._rnd.getrandbits(32 * k).to_bytes(4 * k, "little"), dtype="<u4")
                self.words = words = np.concatenate([self.words, more.astype(np.uint32)])
        return words

    def random(self, pos: int) -> float:
        """random.Random.random() from the words at pos and pos + 1."""
        words = self.upto(pos + 2)
        return ((int(words[pos]) >> 5) * 67108864.0 + (int(words[pos + 1]) >> 6)) * (1.0 / 9007199254740992.0)

    def gauss(self, pos: int) -> tuple[float, float]:
        """The two normal deviates random.Random.gauss() makes from the four words at pos (it returns the
        first and keeps the second for its next call)."""
        x2pi = self.random(pos) * math.tau
        g2rad = math.sqrt(-2.0 * math.log(1.0 - self.random(pos + 2)))
        return math.cos(x2pi) * g2rad, math.sin(x2pi) * g2rad

    def choices(self, pos: int, n: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        """random.Random.choice over n items, `count` times from pos: (indexes, the word each one used)."""
        words = self.upto(pos + 2 * count + 64)[pos : pos + 2 * count + 64]
        drawn = words >> (32 - n.bit_length())
        used = np.flatnonzero(drawn < n)[:count]  # choice's rejection sampling: below 2 words a draw on average
        if len(used) < count:  # astronomically unlikely: fewer than half the words accepted
            return self._slow_choices(pos, n, count)
        return drawn[used].astype(np.intp), used

    def _slow_choices(self, pos: int, n: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        shift = 32 - n.bit_length()
        out, used, k = [], [], 0
        while len(out) < count:
            value = int(self.upto(pos + k + 1)[pos + k]) >> shift
            if value < n:
                out.append(value)
                used.append(k)
            k += 1
        return np.array(out, dtype=np.intp), np.array(used, dtype=np.intp)


_WORDS = _RandomWords()


def _stream_is_pythons() -> bool:
    """Whether _RandomWords reproduces random.Random(0) (getrandbits, random, gauss, choice) here."""
    rnd = random.Random(0)
    if [rnd.getrandbits(32) for _ in range(8)] != _WORDS.upto(8)[:8].tolist():
        return False
    rnd.seed(0)
    z, kept = _WORDS.gauss(0)
    if (rnd.gauss(0.0, 1.0), rnd.gauss(0.0, 1.0)) != (z, kept):
        return False
    for n in (1, 3, 1000, 87598):
        rnd.seed(0)
        expected = [rnd.choice(range(n)) for _ in range(200)]
        drawn, used = _WORDS.choices(0, n, 200)
        if drawn.tolist() != expected or rnd.getrandbits(32) != int(_WORDS.upto(int(used[-1]) + 2)[used[-1] + 1]):
            return False
    return True


_GROUPS = 12  # check points per step of a trial: 56 updates in the first step, 60 after (median need: 40)


class _Draws:
    """random.Random.choice(rows) as langdetect calls it again and again: the accepted draws of the shared
    stream of words (a word is rejected when its top bits are not below len(rows)), worked out ahead. Only
    the row numbers are: the profile rows themselves (55 floats each) are gathered as a trial takes them, as
    a detection uses a few hundred of the 1,024 draws worked out."""

    def __init__(self, rows: np.ndarray, table: np.ndarray) -> None:
        self.rows = rows
        self.table = table
        self.shift = 32 - len(rows).bit_length()
        self.size = 0
        self._extend(1024)

    def _extend(self, size: int) -> None:
        drawn = _WORDS.upto(size)[:size] >> self.shift
        self.at = np.flatnonzero(drawn < len(self.rows))  # stream positions of the accepted draws
        self.picks = self.rows[drawn[self.at]]  # the profile row each draw picks
        self.size = size

    def take(self, pos: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The profile rows of the next `count` draws from stream position pos, and their positions."""
        first = int(self.at.searchsorted(pos))
        while first + count > len(self.at):
            self._extend(2 * self.size)
            first = int(self.at.searchsorted(pos))
        return self.table.take(self.picks[first : first + count], axis=0), self.at[first : first + count]


def _probabilities(rows: np.ndarray, trials: int) -> list[tuple[str, float]]:
    """Detector._detect_block + _sort_probability on an n-gram list, with langdetect's random draws.

    langdetect multiplies the 55 language probabilities by one sampled n-gram's profile row at a time and
    renormalises after updates 0, 5, 10, ... until one language exceeds CONV_THRESHOLD (or after update
    1,000). Here a trial takes the draws up to `_GROUPS` check points ahead from the shared random stream at
    once, multiplies the factors between check points together and then cumulatively (numpy calls on small
    arrays; a dozen groups of 5 factors of at least 2e-5 cannot underflow), and stops at the first check
    point at which langdetect stops; the stream position then moves past exactly the words langdetect
    consumed. The probabilities are langdetect's up to floating-point rounding (tests compare them to 1e-9).
    (The reductions are called as ufunc methods, not through ndarray.prod/sum/max and np.cumprod: the same
    computations without numpy's Python wrappers, which cost as much as the arithmetic on arrays this small.)
    With the compiled core, langdetect's own loop runs in C: its probabilities exactly."""
    profiles = _get_profiles()
    if _core is not None:
        return _sorted(profiles.langs, _core_probabilities(rows, trials))
    table = profiles.prob
    n_langs = len(profiles.langs)
    draws = _Draws(rows, table)
    limit = Detector.ITERATION_LIMIT
    total = np.zeros(n_langs)
    factors = np.ones((5 * _GROUPS, n_langs))  # the first step of a trial starts with 4 neutral factors
    pos = 0
    gauss_next: float | None = None
    for _ in range(trials):
        if gauss_next is None:  # random.Random.gauss
            z, gauss_next = _WORDS.gauss(pos)
            pos += 4
        else:
            z, gauss_next = gauss_next, None
        weight = (Detector.ALPHA_DEFAULT + z * Detector.ALPHA_WIDTH) / Detector.BASE_FREQ
        prob = None  # langdetect starts from 1/55 each: a constant factor, irrelevant here
        done = 0  # updates applied so far in this trial; the check points are after updates 0, 5, 10, ...
        while True:
            groups = min(_GROUPS, (limit - done) // 5 + 1)
            pad = 4 if done == 0 else 0  # update 0 is a group of its own: 4 neutral factors before it
            want = 5 * groups - pad
            picked, at = draws.take(pos, want)
            step = factors[: 5 * groups]
            if pad:
                step[:pad] = 1.0
            np.add(picked, weight, out=step[pad:])
            grouped = np.multiply.reduce(step.reshape(groups, 5, n_langs), axis=1)
            if prob is not None:
                grouped[0] *= prob
            np.multiply.accumulate(grouped, axis=0, out=grouped)
            sums = np.add.reduce(grouped, axis=1)
            # langdetect stops when max(p) / sum(p) > CONV_THRESHOLD, or at the check point of update 1,000
            hit = (np.maximum.reduce(grouped, axis=1) > Detector.CONV_THRESHOLD * sums).nonzero()[0]
            if hit.size or done + want > limit:
                k = int(hit[0]) if hit.size else groups - 1
                pos = int(at[5 * (k + 1) - pad - 1]) + 1  # past the last draw up to that check point
                total += grouped[k] / (sums[k] * trials)
                break
            pos = int(at[-1]) + 1
            done += want
            prob = grouped[-1] / sums[-1]
    return _sorted(profiles.langs, total.tolist())


def _core_probabilities(rows: np.ndarray, trials: int) -> list[float]:
    """The compiled Detector._detect_block: each language's probability averaged over the trials."""
    rows = np.ascontiguousarray(rows, dtype=np.int32)
    size = 1 << 15
    while True:  # (a detection reads a few thousand words of the stream at most: this loop ends at once)
        total = _core.probabilities(rows, _WORDS.upto(size), trials, Detector.ALPHA_DEFAULT, Detector.ALPHA_WIDTH,
                                    float(Detector.BASE_FREQ), Detector.CONV_THRESHOLD, Detector.ITERATION_LIMIT)
        if total is not None:
            return total
        size *= 2


def _sorted(langs: list[str], total: list[float]) -> list[tuple[str, float]]:
    """Detector._sort_probability: the languages above PROB_THRESHOLD, most probable first."""
    threshold = Detector.PROB_THRESHOLD
    result = [(lang, p) for lang, p in zip(langs, total, strict=True) if p > threshold]
    result.sort(key=lambda lp: lp[1], reverse=True)
    return result


def language_probabilities(text: str, max_chars: int = DOC_CHARS, trials: int = 7) -> dict[str, float]:
    """langdetect's probabilities for the first `max_chars` characters (those of
    `Detector.get_probabilities()` with `n_trial = trials` and seed 0); {} when there is nothing to judge."""
    sample = text[:max_chars]
    if not _LETTER.search(sample):
        return {}
    rows = None
    if _core is not None:  # (_prepare and _ngram_rows in one call, after _clean_urls' first two steps)
        _get_profiles()
        found = _core.sample_rows(_without_urls(sample), 10000, _NORMALISED)  # None: Vietnamese marks to compose
        if found is not None:
            rows = np.frombuffer(found, dtype=np.int32)
    if rows is None:
        rows = _ngram_rows(_prepare(sample))
    if not len(rows):  # langdetect: "No features in text"
        return {}
    return dict(_probabilities(rows, trials))


def _sample(indexes: list[int], k: int) -> list[int]:
    """k evenly spaced items of `indexes` (all of them when there are at most k)."""
    if len(indexes) <= k:
        return indexes
    step = len(indexes) / k
    return [indexes[int(i * step + step / 2)] for i in range(k)]


class _WordScores:
    """Naive-Bayes log-likelihoods of single (normalised) words under the 55 languages, cached as rows of one
    matrix.

    A word's row is the sum of `log_prob` over its n-grams (those of the word followed by a space), plus its
    number of n-grams in the last column; a block's scores are the sum of its words' rows.
    Words recur, so a document costs one gather of a few hundred rows instead of thousands of n-gram rows.
    Bounded: the matrix is emptied when it would outgrow `MAX_WORDS` words. Row 0 is the block separator."""

    MAX_WORDS = 1 << 17
    SEPARATOR = "\n"

    def __init__(self) -> None:
        self.ids: dict[str, int] = {self.SEPARATOR: 0}
        self.matrix = np.zeros((1, 1), dtype=np.float32)
        self.lock = threading.Lock()

    def scores(self, words: list[str]) -> np.ndarray:
        """The rows of `words` (n-gram count last; zeros for the separator and words without n-grams)."""
        with self.lock:
            rows = list(map(self.ids.get, words))
            if None in rows or self.matrix.shape[1] == 1:  # (new words, or none yet: the matrix is sized)
                rows = self._add(words, rows)
            return self.matrix.take(np.array(rows, dtype=np.intp), axis=0)  # (indexing with the list: 2x slower)

    def _add(self, words: list[str], rows: list[int | None]) -> list[int]:
        profiles = _get_profiles()
        ids = self.ids
        if len(ids) + len(words) > self.MAX_WORDS:
            ids.clear()
            ids[self.SEPARATOR] = 0
            rows = [None] * len(words)
        need = len(ids) + len(words)
        if need > len(self.matrix) or self.matrix.shape[1] != len(profiles.langs) + 1:
            grown = np.zeros((min(max(2 * need, 1 << 13), self.MAX_WORDS), len(profiles.langs) + 1),
                             dtype=np.float32)
            if self.matrix.shape[1] == grown.shape[1]:
                grown[: len(self.matrix)] = self.matrix
            self.matrix = grown
        new = [w for w in dict.fromkeys(w for w, row in zip(words, rows, strict=True) if row is None) if w not in ids]
        first = len(ids)
        for word in new:
            ids[word] = len(ids)
        _ROWS_SPACED.fill(new)
        grams = list(map(_ROWS_SPACED.__getitem__, new))  # int32 bytes
        counts = np.array(list(map(len, grams)), dtype=np.int64) // 4
        self.matrix[first : first + len(new)] = 0.0
        self.matrix[first : first + len(new), -1] = counts
        some = np.flatnonzero(counts)
        if len(some):  # each word's n-gram log-likelihoods, summed in one call
            starts = np.concatenate([[0], np.cumsum(counts[some])[:-1]])
            sums = np.add.reduceat(profiles.log_prob[np.frombuffer(b"".join(grams), dtype=np.int32)], starts, axis=0)
            self.matrix[first + some, :-1] = sums
        return [ids[w] if row is None else row for w, row in zip(words, rows, strict=True)]


_WORD_SCORES = _WordScores()
_NORMALISED_LINES = _Normalised(keep_newlines=True)  # _NORMALISED, but line breaks stay


def _line_scores(joined: str) -> np.ndarray:
    """For each line of normalised text, the sums of its words' `_WordScores` rows (the languages' naive-Bayes
    log-likelihoods, then the number of n-grams), float32 (lines, languages + 1)."""
    if _core is not None:
        width = len(_get_profiles().langs) + 1
        return np.frombuffer(_core.block_scores(joined), dtype=np.float32).reshape(-1, width)
    words: list[str] = []
    starts: list[int] = []
    for line in joined.split("\n"):
        starts.append(len(words))
        words.append(_WordScores.SEPARATOR)  # each line starts with a separator (a row of zeros)
        words += line.split()
    return np.add.reduceat(_WORD_SCORES.scores(words), starts, axis=0)


def _suspects(blocks: list[str], language: str) -> tuple[list[int], list[int]]:
    """(blocks with n-grams, those among them that are not clearly `language`) by the naive-Bayes pre-check.

    A block's n-grams are langdetect's for the words of its first BLOCK_CHARS characters (what langdetect
    would judge), normalised as langdetect does, word by word (`_WordScores`); the text is not otherwise
    prepared (URLs, Latin letters in text of another script): a pre-check need not be that exact."""
    if not blocks:
        return [], []
    profiles = _get_profiles()
    target = profiles.langs.index(language)
    if _core is not None:  # (the same text normalised and scored, and the margins below, in one call)
        return _core.line_scores(blocks, BLOCK_CHARS, _NORMALISED, target, PRECHECK_MARGIN)
    scores = _line_scores(_NORMALISED_LINES.apply("\n".join(b[:BLOCK_CHARS].replace("\n", " ") for b in blocks)))
    judged = np.flatnonzero(scores[:, -1] > 0)
    scores = scores[judged]
    own = scores[:, target].copy()
    scores[:, target] = -np.inf
    margin = own - scores[:, :-1].max(axis=1)
    have = judged.tolist()
    return have, [have[k] for k in np.flatnonzero(margin < PRECHECK_MARGIN).tolist()]


def detect_language(text: str, blocks: list[str] | None = None) -> dict[str, Any]:
    """The language of `text`, its probability, and the share of block characters in another language.

    `blocks` defaults to the non-empty lines of `text`. The result is
    `{"language": "en" | None, "probability": float | None, "mixed_share": float | None,
    "blocks_checked": int}` (blocks_checked: the blocks long enough to judge and with n-grams, all of
    them pre-checked); language is None for empty text or text without letters.
    """
    if blocks is None:
        blocks = [line for line in text.splitlines() if line.strip()]
    probs = language_probabilities(text, DOC_CHARS)
    if not probs:
        return {"language": None, "probability": None, "mixed_share": None, "blocks_checked": 0}
    language, probability = max(probs.items(), key=lambda kv: kv[1])

    long_blocks = [s for s in (b.strip() for b in blocks) if len(s) >= MIN_BLOCK_CHARS]
    judged_blocks, suspects = _suspects(long_blocks, language)
    suspect_set = set(suspects)
    judged = sum(len(long_blocks[i]) for i in judged_blocks if i not in suspect_set)
    other = 0.0
    if suspects:
        sampled_chars = sampled_other = 0
        for i in _sample(suspects, MAX_BLOCKS):
            block_probs = language_probabilities(long_blocks[i], BLOCK_CHARS, BLOCK_TRIALS)
            if not block_probs:
                continue
            sampled_chars += len(long_blocks[i])
            if block_probs.get(language, 0.0) < OTHER_LANGUAGE_MAX_P:
                sampled_other += len(long_blocks[i])
        if sampled_chars:
            suspect_chars = sum(len(long_blocks[i]) for i in suspects)
            judged += suspect_chars
            other = suspect_chars * sampled_other / sampled_chars
    mixed = round(other / judged, 4) if judged else None
    return {
        "language": language,
        "probability": round(probability, 4),
        "mixed_share": mixed,
        "blocks_checked": len(judged_blocks),
    }


class LanguageScorer:
    """Sets `doc.language` and `doc.scores["language"]` from the kept blocks."""

    name = "language"

    def run(self, doc: Document) -> None:
        blocks = [b.text for b in doc.kept_blocks]
        text = "\n".join(blocks)
        if not _LETTER.search(text) and doc.title:  # nothing left of the body: the title still tells
            text, blocks = doc.title, [doc.title]
        result = detect_language(text, blocks)
        doc.language = result["language"]
        doc.scores[self.name] = result
