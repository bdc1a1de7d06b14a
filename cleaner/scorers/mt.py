"""Machine-translation detector: is this English news text the output of an MT system?

Why these features: a bag of words learns *topics* (Czech politics, Japanese prefectures) rather than
translation, and WMT's English originals differ from MT in typography (no curly quotes) and layout (one
sentence per line). So the text is first normalised (NFKC, ASCII quotes/dashes, lines re-split into
sentences) and described only by topic-poor cues of translation itself: function-word rates, a profile of
function-word n-grams in which every content word is reduced to a shape class (a POS-free syntax proxy),
sentence-length statistics, punctuation, contractions, possessives, passives, repetition and name
consistency; plus a few hundred content words ("situation", "citizens", "week") that the trainer keeps only
when they are spread evenly over all source languages and over both English corpora (translationese, not one
country's or one era's news). A logistic regression over standardised features is trained by
`tools/train_mt.py`; at run time only numpy and the JSON model are needed, and the reasons quote each leading
feature's value, the human yardstick and its contribution to the logit.

Speed (about 0.55 ms for a news article whose rarer words are new, 0.45 ms once they are known, 2.5M
instructions, bench/scorers.py and bench/instructions.py; 0.85, 0.75 ms and 3.6M when only the counting was
compiled; the Python code alone takes about 2.3 and 1.5 ms): the per-token loops are compiled
(`_mt_core.c`, built at install by tools/build_native.py), as is the typographic part of `normalise`. One call
reads a normalised text's sentences and tokens, gives each distinct token and word an integer id in a table of
what the features need to know of it (worked out once, when it is new; a document's lookups are batched, as
most of the table is in no cache between two documents), and returns the counts: arrays of token and shape
ids, the n-gram codes and counts, and integers, which `extract` turns into values with the Python code's own
expressions, or, for the function-word rates, the sentence values and the name variants, with C loops that
do the same operations in the same order (`rates`, `sentence_values`, `name_variants`). The model's side is
compiled too: `raw_vector` (`vector`: one merge of the sorted n-gram codes, dict lookups of the words and
values, with the model's plan made once), `logit_parts` (`logit`: numpy's operations and its pairwise sum)
and the reasons' largest contributions and example phrases (`largest`, `find_run`). The Python and numpy
code stays as the reference and the fallback (`_core` is None without a C compiler):
`_Vocabulary` (a whitespace-separated chunk's token ids are cached too, since no token spans whitespace; a new
token's facts are noted in a list and written into the arrays once a document, `_Vocabulary.settle`) and numpy
reductions over the ids: shape n-grams as integer codes, function words by id, MATTR from each word's previous
occurrence. Both give the same ids, in the same order, and the same values, float for float, as counting token
by token (tests/test_mt.py compares the two, and keeps a token-by-token reference).
"""

from __future__ import annotations

import json
import math
import re
import sys
import threading
import unicodedata
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from operator import itemgetter
from typing import Any, NamedTuple

import numpy as np

from cleaner.arrays import settle, unique, unique_counts
from cleaner.document import Document, Flag
from cleaner.paths import models_dir

# the per-token loops compiled (tools/build_native.py builds it at install); the Python code is the reference
try:
    from cleaner.scorers import _mt_core as _COMPILED
except ImportError:  # no C compiler at install time: the same answers, slower
    _COMPILED = None
_core = _COMPILED  # what extract calls (tests set it to None to run the Python code)

MODEL_FILE = "mt.json"

# --- normalisation -------------------------------------------------------------------------------------------

_TYPO = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
        "\u00a0": " ", "\u2026": "...",
    }
)  # fmt: skip
_BULLET_MARKS = "\u2022\u00b7*\u25cf\u25a0\u25cb\u2605-"
_BULLET = re.compile(r"^\s*(?:[" + re.escape(_BULLET_MARKS) + r"]|\d{1,2}[.)])\s+")


_TYPO_CHARS = re.compile("[" + re.escape("".join(chr(code) for code in _TYPO)) + "]")


def _typo(match: re.Match[str]) -> str:
    return _TYPO[ord(match.group())]  # type: ignore[return-value]


def _nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), line by line: one character that is not already NFKC (a
    non-breaking space) makes normalize() redo the whole text, a line break never combines with its neighbours
    (so the lines' forms joined are the text's), and most lines are ASCII, which is its own NFKC form."""
    if text.isascii():
        return text
    return "\n".join([line if line.isascii() else unicodedata.normalize("NFKC", line) for line in text.split("\n")])


@lru_cache(maxsize=1)
def _nfkc_table() -> tuple[bytes, bytes]:
    """What the compiled extract needs to make a line what `_typography(_nfkc(line))` makes it (the first two steps
    of `normalise`) without unicodedata: for each Basic Multilingual Plane character (uint32), 0 when it stays as it
    is, else offset << 8 | length of what replaces it in the ASCII text returned with the table, else 0xFFFFFFFF
    (the line goes to `_nfkc_typography`: unicodedata's NFKC, then the typography). A character stays or is
    replaced when it is ASCII, or NFKC_Quick_Check=Yes with canonical combining class 0 (its own NFKC form, not a
    mark, not the second character of a canonical composition nor a Hangul vowel or final consonant, not a
    surrogate), or not a mark and of an ASCII NFKC form (no-break space, ligatures, superscripts, full-width
    Latin...); what replaces it is its NFKC form with the typographic replacements (_TYPO), when that differs from
    it. By UAX #15, a string of ASCII and of characters of the second kind is in NFKC, and one with characters of
    the third kind has as NFKC form that string with each of those replaced by its own (ASCII begins no
    composition with what precedes it, nor is reordered; what follows it is of those kinds, none a mark); _TYPO
    replaces character by character. Worked out once (about 0.2 s)."""
    seconds = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))  # Hangul V and T jamo (LV, LVT composition)
    decomposition = unicodedata.decomposition
    for code in range(0x110000):
        parts = decomposition(chr(code)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            seconds.add(int(parts[1], 16))
    table = array("I", [0xFFFFFFFF]) * 0x10000
    text = bytearray()

    def note(code: int, ch: str, form: str) -> None:
        form = form.translate(_TYPO)
        if form == ch:
            table[code] = 0
        elif form.isascii() and 0 < len(form) < 256:
            table[code] = len(text) << 8 | len(form)
            text.extend(form.encode("ascii"))

    normalize, combining = unicodedata.normalize, unicodedata.combining
    for code in range(0x10000):
        ch = chr(code)
        if code < 128:
            note(code, ch, ch)
        elif not (0xD800 <= code < 0xE000 or combining(ch)):
            form = normalize("NFKC", ch)
            if (form == ch and code not in seconds) or (form != ch and form.isascii()):
                note(code, ch, form)
    return table.tobytes(), bytes(text)


def _nfkc_typography(line: str) -> str:
    """A line in NFKC with the typographic replacements (`normalise`'s first two steps, on one line)."""
    return _TYPO_CHARS.sub(_typo, unicodedata.normalize("NFKC", line))


def normalise(text: str) -> str:
    """NFKC plus ASCII quotes, apostrophes and dashes: typography must not tell MT from human (see README).
    (`text.translate(_TYPO)` replaces character by character, as this regex substitution does, only slower.)"""
    if _core is not None:  # (the same, without a Python call per curly quote and a regex per line)
        return _core.tidy(_nfkc(text), _TYPO, _BULLET_MARKS)
    text = _TYPO_CHARS.sub(_typo, _nfkc(text))
    return "\n".join(_BULLET.sub("", line).strip() for line in text.splitlines())


# --- tokenisation and sentences ------------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|\d+(?:[.,:]\d+)*|--|\.\.\.|[^\w\s]")
# _TOKEN on ASCII text, where a letter is A-Z or a-z and a digit 0-9: the same matches without testing
# Unicode categories
_ASCII_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*|[0-9]+(?:[.,:][0-9]+)*|--|\.\.\.|[^\w\s]")
_SENT_END = re.compile(r"([.!?][\"')\]]*)\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "col", "lt", "sgt", "gov", "sen", "rep", "no",
    "vs", "inc", "corp", "co", "ltd", "jan", "feb", "mar", "apr", "aug", "sep", "sept", "oct", "nov", "dec",
    "u.s", "u.k", "u.n", "e.g", "i.e", "etc", "approx", "fig", "vol", "mt", "ft",
}  # fmt: skip


def sentences(text: str) -> list[str]:
    """Sentences from lines, split at end punctuation: WMT's sentence-per-line and real paragraphs look alike."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        start = 0
        for m in _SENT_END.finditer(line):
            before = line[start : m.start()]
            last = before.rsplit(None, 1)[-1].lower() if before.strip() else ""
            if m.group(1)[0] == "." and (last in _ABBREV or (len(last) == 1 and last.isalpha())):
                continue
            out.append(line[start : m.end(1)].strip())
            start = m.end()
        tail = line[start:].strip()
        if tail:
            out.append(tail)
    return out


# --- lexicon -------------------------------------------------------------------------------------------------

FUNCTION_WORDS: tuple[str, ...] = tuple(
    """
    the a an this that these those some any no every each either neither both all another such
    i me my we us our you your he him his she her it its they them their one itself themselves himself herself
    who whom whose which what where when why how whether
    of in to for on with at by from about as into like through after over between out against during without
    before under around among within along across behind beyond toward towards upon despite since until via amid
    near above below off per than according up down
    and or but nor so yet because although though while whereas if unless however therefore thus moreover
    furthermore meanwhile otherwise also then hence instead
    be is am are was were been being have has had having do does did will would shall should can could may might
    must not
    very too just only even already again always never ever now there here more most less least much many few
    several other same own whole quite rather almost still both respectively further currently
    said says told say according
    perhaps probably possibly likely reportedly allegedly apparently
    """.split()
)
FUNCTION_SET = frozenset(FUNCTION_WORDS)
_ARTICLES = frozenset({"the", "a", "an"})
_DETERMINERS = frozenset(
    "the a an this that these those some any no every each either neither both all another such my our your "
    "his her its their".split()
)
_CONTRACTION = re.compile(r"(?:n't|'re|'ll|'ve|'m|'d)$|^(?:it|that|there|he|she|what|who|here|let)'s$")
_BE = frozenset({"is", "are", "was", "were", "be", "been", "being"})
_IRREGULAR_PARTICIPLES = frozenset(
    "born made held taken given seen known found shown told built done sent paid brought caught kept left lost "
    "set put cut hit hurt hidden written driven chosen spoken broken stolen thrown drawn beaten forbidden "
    "forgotten sold bought led won struck understood".split()
)
_CONNECTIVES = frozenset(
    "however meanwhile moreover furthermore therefore thus also besides additionally consequently nevertheless "
    "nonetheless in at according".split()
)
_REPORTING_OTHER = frozenset({"noted", "stressed", "emphasized", "emphasised", "stated", "pointed", "added"})


def is_acronym(token: str) -> bool:
    """An all-caps token of 2+ letters ("US", "IT", "NATO"): a name, never a function word ("US" is not "us")."""
    return len(token) > 1 and token.isupper() and token.isalpha()


def word_form(token: str) -> str:
    """The word a token counts as: lower case, except an acronym, which keeps its case (see is_acronym)."""
    return token if is_acronym(token) else token.lower()


def shape(token: str, sentence_initial: bool) -> str:
    """Reduce a token to a topic-free class: function words stay, content words become suffix/case shapes
    (an acronym is a name, "CAP", wherever it stands)."""
    acronym = is_acronym(token)
    return _shapes(token, token if acronym else token.lower(), acronym)[sentence_initial]


_MARK_SHAPES = frozenset({",", ".", '"', "'", "(", ")", ":", ";", "-", "?", "!", "--", "..."})


def _shapes(token: str, low: str, acronym: bool) -> tuple[str, str]:
    """The token's shape (see `shape`) inside a sentence and as its first word, given its word form and
    whether it is an acronym: a new token needs both."""
    if low in FUNCTION_SET:
        return low, low
    if acronym:
        return "CAP", "CAP"
    ch = token[0]
    if ch.isdigit():
        return "NUM", "NUM"
    if not ch.isalpha():
        mark = token if token in _MARK_SHAPES else "SYM"
        return mark, mark
    # (the last letter first: str.endswith parses its arguments on every call, and most words pass no test)
    last = low[-1]
    if last == "g" and low.endswith("ing"):
        word = "Wing"
    elif last == "d" and low.endswith("ed"):
        word = "Wed"
    elif last == "y" and low.endswith("ly"):
        word = "Wly"
    elif last == "s" and not low.endswith("ss"):
        word = "Ws"
    else:
        word = "W"
    return ("CAP" if ch.isupper() else word), word


# --- feature extraction --------------------------------------------------------------------------------------


_BOUNDARY = ("</s>", "<s>")  # an n-gram spanning two sentences says nothing about the text
_PUNCT = (
    ("comma", ","), ("semicolon", ";"), ("colon", ":"), ("quote", '"'), ("paren", "("), ("dash", "-"),
    ("question", "?"), ("exclamation", "!"), ("apostrophe", "'"),
)  # fmt: skip
_K = 1024  # shape ids are below this: bigram a b = a K + b, trigram a b c = K^3 + (a K + b) K + c


class _Cache(dict):
    """A dict that computes missing values (bounded: emptied when full); its __getitem__ maps faster than
    an lru_cache'd function."""

    def __init__(self, compute, size: int = 1 << 16) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.compute = compute
        self.size = size

    def __missing__(self, key):  # type: ignore[no-untyped-def]
        if len(self) >= self.size:
            self.clear()
        value = self[key] = self.compute(key)
        return value


def _word_kind(word: str) -> int:
    """1 for a contraction, 2 for a possessive, else 0 (a word's `kind`; the compiled table asks it too)."""
    if "'" not in word:
        return 0
    return 1 if _CONTRACTION.search(word) else 2 if word.endswith(("'s", "s'")) else 0


# the facts _Vocabulary keeps of each token and of each word, as arrays by id (see reset)
_TOKEN_FACTS = ("alpha", "upper", "shape", "shape_first", "word", "lex", "be", "participle")
_WORD_FACTS = ("length", "kind", "content")


class _Vocabulary:
    """Integer ids, and the facts extraction needs, of the token strings and lowercase words seen so far.

    Tokens recur, so each distinct one is looked at once; a document is then a few numpy arrays of ids.
    Words: the fixed lists (function words, connectives, reporting verbs) take the first ids. Bounded: the
    tables are emptied between documents when they grow past MAX entries."""

    MAX = 1 << 18

    def __init__(self) -> None:
        self.shape_ids: dict[str, int] = {}
        self.shapes: list[str] = []
        self.reset()

    def reset(self) -> None:
        self.token_ids: dict[str, int] = {}
        self.tokens: list[str] = []
        self.alpha = np.zeros(0, dtype=bool)  # token: first character a letter (a word)
        self.upper = np.zeros(0, dtype=bool)  # token: first character upper case
        self.shape = np.zeros(0, dtype=np.int64)  # token: shape id, not sentence-initial
        self.shape_first = np.zeros(0, dtype=np.int64)  # token: shape id as a sentence's first word
        self.word = np.zeros(0, dtype=np.int64)  # token: id of its lowercase form (-1 if not a word)
        self.lex = np.zeros(0, dtype=bool)  # token: a lowercase content word of 3+ letters, no apostrophe
        self.be = np.zeros(0, dtype=bool)  # token: a form of "be"
        self.participle = np.zeros(0, dtype=bool)  # token: a word ending in -ed or an irregular participle
        self.word_ids: dict[str, int] = {}
        self.words: list[str] = []
        self.length = np.zeros(0, dtype=np.int64)  # word: characters
        self.kind = np.zeros(0, dtype=np.int64)  # word: 1 contraction, 2 possessive, 0 other
        self.content = np.zeros(0, dtype=bool)  # word: not a function word, 3+ letters
        self._new_tokens: list[tuple] = []  # ids and facts of the tokens and words not yet in the arrays
        self._new_words: list[tuple] = []
        self.function_ids = np.array([self.word_id(word) for word in FUNCTION_WORDS], dtype=np.int64)
        for word in sorted(_CONNECTIVES | _REPORTING_OTHER | _ARTICLES | _DETERMINERS):
            self.word_id(word)
        self.n_fixed = len(self.words)  # the words of the fixed lists: ids 0 .. n_fixed - 1
        for mark in _BOUNDARY:
            self.shape_id(mark)
        self.boundary_ids = [self.token_ids_of([mark])[0] for mark in _BOUNDARY]
        self.start_bytes = self.token_ids_of(["<s>"]).tobytes()
        self.end_bytes = self.token_ids_of(["</s>"]).tobytes()
        self.chunk_ids = _Cache(self._chunk_ids).__getitem__
        self.mark_ids = self.token_ids_of([mark for _, mark in _PUNCT])  # punctuation counted in `values`

    def shape_id(self, name: str) -> int:
        value = self.shape_ids.get(name)
        if value is None:
            if len(self.shapes) >= _K:
                raise ValueError(f"more than {_K} distinct shapes")
            value = self.shape_ids[name] = len(self.shapes)
            self.shapes.append(name)
        return value

    def word_id(self, word: str) -> int:
        value = self.word_ids.get(word)
        if value is None:  # noted (see settle), then registered
            value = len(self.words)
            content = word not in FUNCTION_SET and len(word) > 2
            self._new_words.append((value, len(word), _word_kind(word), content))
            self.words.append(word)
            self.word_ids[word] = value
        return value

    def _add_token(self, token: str) -> int:
        """Register a token; its facts reach the arrays at the next `settle`."""
        value = len(self.tokens)
        if token in _BOUNDARY:
            mark = self.shape_id(token)
            facts: tuple = (value, False, False, mark, mark, -1, False, False, False)
        else:
            acronym = is_acronym(token)
            low = token if acronym else token.lower()  # word_form
            alpha = token[0].isalpha()
            plain, first = _shapes(token, low, acronym)
            shape_ids = self.shape_ids  # (every shape is known after a few documents: no call)
            plain_id = shape_ids[plain] if plain in shape_ids else self.shape_id(plain)
            first_id = plain_id if first is plain else shape_ids[first] if first in shape_ids else self.shape_id(first)
            facts = (
                value, alpha, token[0].isupper(), plain_id, first_id,
                self.word_id(low) if alpha else -1,
                alpha and token.islower() and len(low) >= 3 and low not in FUNCTION_SET and "'" not in low,
                low in _BE, alpha and ((low[-1] == "d" and low.endswith("ed")) or low in _IRREGULAR_PARTICIPLES),
            )  # the id, then the order of _TOKEN_FACTS
        self._new_tokens.append(facts)  # noted (see settle), then registered
        self.tokens.append(token)
        self.token_ids[token] = value
        return value

    def settle(self) -> None:
        """Write the facts of the tokens and words registered since the last call into the arrays."""
        settle(self, _TOKEN_FACTS, self._new_tokens)
        settle(self, _WORD_FACTS, self._new_words)

    def _chunk_ids(self, chunk: str) -> bytes:
        """The token ids of one whitespace-free chunk of text, as int64 bytes. Most chunks are one ASCII word,
        their own only token (no regex needed); other ASCII chunks are split by _ASCII_TOKEN."""
        ids = self.token_ids
        if chunk.isascii():
            if chunk.isalpha():
                value = ids[chunk] if chunk in ids else self._add_token(chunk)
                return value.to_bytes(8, sys.byteorder)  # (array("q", [value]).tobytes(): ids are not negative)
            tokens = _ASCII_TOKEN.findall(chunk)
        else:
            tokens = _TOKEN.findall(chunk)
        return array("q", [ids[t] if t in ids else self._add_token(t) for t in tokens]).tobytes()

    def token_ids_of(self, tokens: list[str]) -> np.ndarray:
        ids = self.token_ids
        found = np.array([ids[t] if t in ids else self._add_token(t) for t in tokens], dtype=np.int64)
        self.settle()
        return found


_VOCAB = _Vocabulary()
_FW_KEYS = [f"fw:{fw}" for fw in FUNCTION_WORDS]
# the ids of the fixed lists' words (the same in every table: see _compiled_table); sums of integer counts
_CONNECTIVE_IDS = frozenset(_VOCAB.word_ids[w] for w in _CONNECTIVES)
_REPORTING_IDS = [_VOCAB.word_ids[w] for w in _REPORTING_OTHER]
_ARTICLE_IDS = [_VOCAB.word_ids[w] for w in _ARTICLES]
_DETERMINER_IDS = [_VOCAB.word_ids[w] for w in _DETERMINERS]
_FUNCTION_ID_BYTES = _VOCAB.function_ids.tobytes()  # the function words' ids, in _FW_KEYS' order
_PUNCT_KEYS = [f"punct:{name}" for name, _ in _PUNCT]


@dataclass
class Extracted:
    """Raw feature values of one document, plus the token streams needed to quote phrases in reasons."""

    # the values by name (`values`); the compiled extract gives them as a list in _VALUE_KEYS' order, from which
    # the compiled raw vector reads the model's by place, and which becomes the dict when `values` is first read
    _values: dict[str, float] | list[float]
    gram_codes: np.ndarray  # sorted distinct codes of the shape bigrams and trigrams (see _K)
    gram_counts: np.ndarray  # and their counts
    # lowercase content words (not function words, 3+ letters) and their counts (`lex_words`); the compiled extract
    # gives them as (words, counts), which the compiled raw vector reads as they are
    _lex_words: dict[str, int] | tuple[list[str], list[int]]
    n_words: int
    shape_ids: np.ndarray  # shape stream with <s> and </s> per sentence: n-gram rates are per 100 positions
    token_ids: np.ndarray  # the tokens behind the shapes, with "<s>" and "</s>" at the boundaries
    token_names: list[str]  # the token table those ids index

    @property
    def values(self) -> dict[str, float]:
        """Each raw value by its name ("fw:the", "sent:mean_words"...)."""
        values = self._values
        if isinstance(values, list):
            values = self.__dict__["_values"] = dict(zip(_VALUE_KEYS, values, strict=True))
        return values

    @property
    def lex_words(self) -> dict[str, int]:
        """The lowercase content words (not function words, 3+ letters, no apostrophe) and their counts, by id."""
        lex = self._lex_words
        if isinstance(lex, tuple):
            lex = self.__dict__["_lex_words"] = dict(zip(*lex, strict=True))
        return lex

    @cached_property
    def stream(self) -> list[str]:
        """The tokens behind the shapes, with "<s>" and "</s>" at the boundaries."""
        names = self.token_names
        return [names[i] for i in self.token_ids.tolist()]

    @cached_property
    def shapes(self) -> list[str]:
        names = _VOCAB.shapes
        return [names[i] for i in self.shape_ids.tolist()]

    @cached_property
    def lex(self) -> Counter[str]:
        """The content words (translation-prone vocabulary) in order of first appearance, with counts."""
        order = {w: None for t in self.stream if (w := _lex_word(t)) is not None}
        return Counter({w: self.lex_words[w] for w in order})

    @cached_property
    def ngrams(self) -> Counter[str]:
        """Raw counts of the shape bigrams and trigrams as "a b" and "a b c", without those spanning two
        sentences (bigrams first, each in order of first appearance): what training selects features from."""
        shapes = self.shapes
        ngrams: Counter[str] = Counter()
        for n in (2, 3):
            ngrams.update(" ".join(shapes[j : j + n]) for j in range(len(shapes) - n + 1))
        for key in [k for k in ngrams if "</s> <s>" in k]:
            del ngrams[key]
        return ngrams

    def gram_counts_of(self, codes: np.ndarray) -> np.ndarray:
        """The counts of the n-grams with these codes (0 for absent ones and for -1)."""
        if not len(self.gram_codes):
            return np.zeros(len(codes), dtype=np.int64)
        at = np.minimum(np.searchsorted(self.gram_codes, codes), len(self.gram_codes) - 1)
        return np.where(self.gram_codes[at] == codes, self.gram_counts[at], 0)

    @property
    def surface(self) -> list[str]:
        """The tokens behind `shapes` ("" for the boundaries)."""
        return ["" if t in _BOUNDARY else t for t in self.stream]

    def example(self, pattern: str) -> str | None:
        """The first phrase of the text that realises a shape n-gram, so a reader can check the pattern (the
        first position from which the shape ids are the pattern's, found with numpy: no list of shape names)."""
        wanted = list(map(_VOCAB.shape_ids.get, pattern.split(" ")))
        starts = len(self.shape_ids) - len(wanted) + 1  # positions at which the n-gram fits
        if None in wanted or starts <= 0:
            return None
        if _core is not None and self.shape_ids.dtype == np.int64 and 0 < len(wanted) <= 8:
            j = _core.find_run(np.ascontiguousarray(self.shape_ids), wanted)  # (a C loop to the first match)
            if j < 0:
                return None
        else:
            match = self.shape_ids[:starts] == wanted[0]
            for k, shape_id in enumerate(wanted[1:], start=1):
                match &= self.shape_ids[k : starts + k] == shape_id
            found = np.flatnonzero(match)
            if not len(found):
                return None
            j = int(found[0])
        names = self.token_names
        return " ".join(t for t in (names[i] for i in self.token_ids[j : j + len(wanted)].tolist()) if t not in _BOUNDARY)


def _lex_word(token: str) -> str | None:
    low = token.lower()
    if token[0].isalpha() and token.islower() and len(low) >= 3 and low not in FUNCTION_SET and "'" not in low:
        return low
    return None


def _gram_code(gram: tuple[str, ...]) -> int:
    """The code of a shape bigram or trigram; -1 for one spanning two sentences (never counted)."""
    if _BOUNDARY in (gram[:2], gram[1:3]):
        return -1
    ids = [_VOCAB.shape_id(part) for part in gram]
    if len(ids) == 2:
        return ids[0] * _K + ids[1]
    return _K**3 + (ids[0] * _K + ids[1]) * _K + ids[2]


def _stats(xs: list[float]) -> tuple[float, float]:
    if not xs:
        return 0.0, 0.0
    mean = sum(xs) / len(xs)
    var = sum([(x - mean) ** 2 for x in xs]) / len(xs)  # (left to right, as the generator adds)
    return mean, math.sqrt(var)


MATTR_WINDOW = 50


def _mattr(words: list[str] | np.ndarray, window: int = MATTR_WINDOW) -> float:
    """Moving-average type-token ratio: length-independent lexical variety (`words`: strings, or integer
    ids, one per distinct word).

    The sum over windows of their distinct words is counted per word rather than per window: word i is new
    in every window that contains it and starts after the word's previous occurrence."""
    n = len(words)
    if n <= window:
        return len(set(words.tolist() if isinstance(words, np.ndarray) else words)) / max(n, 1)
    ids = words if isinstance(words, np.ndarray) else np.unique(np.array(words), return_inverse=True)[1]
    order = np.argsort(ids, kind="stable")
    repeat = ids[order[1:]] == ids[order[:-1]]
    previous = np.full(n, -1)
    previous[order[1:][repeat]] = order[:-1][repeat]
    position = np.arange(n)
    first = np.maximum(position - window + 1, previous + 1)  # the first window in which word i is new
    total = int(np.maximum(np.minimum(position, n - window) - first + 1, 0).sum())
    return total / (n - window + 1) / window


def _name_variants(caps: Iterable[str]) -> float:
    """Share of capitalised word types that have a near-identical spelling variant (Zelensky/Zelenskiy).

    Sentence-by-sentence MT transliterates the same name in different ways; a human keeps one spelling.
    """
    types = [t for t in caps if len(t) >= 5]
    if len(types) < 3:
        return 0.0
    prefixes = [t[:4].lower() for t in types]
    shared = {p for p, n in Counter(prefixes).items() if n > 1}  # (most names share their prefix with none)
    if not shared:
        return 0 / len(types)
    by_prefix: dict[str, list[str]] = {}
    for t, p in zip(types, prefixes, strict=True):
        if p in shared:
            by_prefix.setdefault(p, []).append(t)
    variant = 0
    for group in by_prefix.values():
        for t in group:
            for u in group:
                if u is t:
                    continue
                a, b = t.lower(), u.lower()
                # inflections and plurals are not variants; a different ending of a similar length is
                if a.rstrip("s") == b.rstrip("s") or a.startswith(b) or b.startswith(a):
                    continue
                if abs(len(a) - len(b)) <= 2 and sum(x != y for x, y in zip(a, b, strict=False)) <= 2:
                    variant += 1
                    break
    return variant / len(types)


_TITLE_KEYS = ("title:articles", "title:function_words", "title:period_end")


def _title_values(title: str | None) -> dict[str, float]:
    """Headlinese: English headlines drop articles and the final full stop; MT from languages without
    articles (ru, ja, zh, cs) puts them in, as a sentence ("The government will raise taxes."). Rates over
    the headline's words; 0 without a title."""
    return dict(zip(_TITLE_KEYS, _title_value_list(title), strict=True))


def _title_value_list(title: str | None) -> list[float]:
    """_title_values' values, in _TITLE_KEYS' order."""
    text = normalise(title) if title else ""
    # (word_form inline: two Python calls a token fewer)
    forms = [t if len(t) > 1 and t.isupper() and t.isalpha() else t.lower() for t in _TOKEN.findall(text)]
    words = [w for w in forms if w[0].isalpha()]
    n = max(len(words), 1)
    return [sum([w in _ARTICLES for w in words]) / n, sum([w in FUNCTION_SET for w in words]) / n,
            float(bool(words) and text.rstrip().endswith("."))]


class _Counts(NamedTuple):
    """What extract counts in a document, before it works out the values: integers and arrays, from the
    Python code (`_python_counts`) or the compiled table (`_compiled_counts`), the same either way."""

    tid: np.ndarray  # token ids, with "<s>" and "</s>" around each sentence
    shape_ids: np.ndarray  # their shapes (a sentence's first word: its sentence-initial shape)
    gram_codes: np.ndarray  # the shape bigrams' and trigrams' distinct codes, sorted (see _K)
    gram_counts: np.ndarray
    token_names: list[str]  # the token table tid indexes
    words: list[str]  # the word table (`starts` indexes it)
    fixed: np.ndarray  # occurrences of the fixed words, by word id
    marks: list[int]  # occurrences of the marks of _PUNCT
    sent_lens: list[int]  # words per sentence
    starts: list[int]  # each sentence's first word (sentences without one have none)
    n_words: int  # word tokens
    len_sum: int  # their letters
    long_words: int  # word tokens of 9+ characters
    caps: int  # capitalised word tokens, not sentence-initial
    contractions: int
    possessives: int
    passive: int  # a form of "be" followed by a participle
    content_types: int  # distinct content words (not function words, 3+ letters)
    content_tokens: int  # their occurrences
    nounish: int  # positions of shape "W" or "Ws"
    repeated: int  # word trigrams that occur more than once, each occurrence
    mattr: float
    caps_tokens: list[str]  # the distinct capitalised tokens, by id
    lex_words: dict[str, int] | tuple  # lowercase content words (no apostrophe) and their counts, by id (or a
    # (words, counts) pair: _compiled_counts' lex_pairs)


def _python_counts(full: str) -> _Counts:
    """The counts of a normalised text with `_VOCAB` and numpy (the reference for the compiled table)."""
    vocab = _VOCAB
    if len(vocab.tokens) > vocab.MAX or len(vocab.words) > vocab.MAX:
        vocab.reset()
    # No token spans whitespace: a sentence's tokens are those of its whitespace-separated chunks, which
    # recur across texts, so each chunk's token ids are cached (as bytes, joined without a Python loop).
    chunk_ids = vocab.chunk_ids
    parts: list[bytes] = []
    for sent in sentences(full):
        ids = b"".join(map(chunk_ids, sent.split()))
        if ids:  # each sentence between "<s>" and "</s>"
            parts += (vocab.start_bytes, ids, vocab.end_bytes)
    tid = np.frombuffer(b"".join(parts), dtype=np.int64)
    vocab.settle()
    alpha = vocab.alpha[tid]
    sentence = np.cumsum(tid == vocab.boundary_ids[1]) - 1  # each position's sentence
    n_sentences = int(sentence[-1]) + 1 if len(sentence) else 0
    word_at = np.flatnonzero(alpha)
    word_sentence = sentence[word_at]  # in order: never decreasing
    sent_lens = np.bincount(word_sentence, minlength=n_sentences).tolist()
    # each sentence's first word (sentences without one have none): where the sentence number changes
    opens = np.ones(len(word_at), dtype=bool)
    opens[1:] = word_sentence[1:] != word_sentence[:-1]
    first_at = word_at[opens]
    shape_ids = vocab.shape[tid]
    shape_ids[first_at] = vocab.shape_first[tid[first_at]]
    bigrams = shape_ids[:-1] * _K + shape_ids[1:]
    trigrams = _K**3 + bigrams[:-1] * _K + shape_ids[2:]
    gram_codes, gram_counts = unique_counts(np.concatenate([bigrams, trigrams]))

    word_tid = tid[word_at]
    word_ids = vocab.word[word_tid]
    uniq, counts = unique_counts(word_ids)
    fixed = np.bincount(word_ids[word_ids < vocab.n_fixed], minlength=vocab.n_fixed)  # by word id
    caps_at = vocab.upper[word_tid]
    caps_at[np.searchsorted(word_at, first_at)] = False  # not sentence-initial
    caps_tids = unique(word_tid[caps_at])
    lex_ids, lex_counts = unique_counts(word_ids[vocab.lex[word_tid]])
    passive = int((vocab.be[tid[:-1]] & vocab.participle[tid[1:]]).sum())
    kinds = vocab.kind[uniq]
    lengths = vocab.length[uniq]
    marks = np.bincount(tid[tid <= vocab.mark_ids[-1]], minlength=int(vocab.mark_ids[-1]) + 1)[vocab.mark_ids]
    content = vocab.content[uniq]
    nounish = int((shape_ids == vocab.shape_id("W")).sum() + (shape_ids == vocab.shape_id("Ws")).sum())
    repeated = 0
    if len(word_ids) > 2:
        span = int(word_ids.max()) + 1
        tri_codes = (word_ids[:-2] * span + word_ids[1:-1]) * span + word_ids[2:]
        tri_counts = unique_counts(tri_codes)[1]
        repeated = int(tri_counts[tri_counts > 1].sum())
    words = vocab.words
    return _Counts(
        tid, shape_ids, gram_codes, gram_counts, vocab.tokens, words, fixed, marks.tolist(), sent_lens,
        vocab.word[tid[first_at]].tolist(), len(word_ids), int((lengths * counts).sum()),
        int(counts[lengths >= 9].sum()), int(caps_at.sum()), int(counts[kinds == 1].sum()),
        int(counts[kinds == 2].sum()), passive, int(content.sum()), int(counts[content].sum()), nounish,
        repeated, _mattr(word_ids, MATTR_WINDOW), [vocab.tokens[t] for t in caps_tids.tolist()],
        dict(zip([words[i] for i in lex_ids.tolist()], lex_counts.tolist(), strict=True)),
    )  # fmt: skip


_TABLE: Any = None  # the compiled table (_compiled_table), made on first use


def _compiled_table() -> Any:
    """The compiled token and word table: `_VOCAB`'s fixed words, marks and shapes (shared: the model's n-gram
    codes are in `_VOCAB`'s shape ids), ids given in `_VOCAB`'s order, and renewed past `_Vocabulary.MAX`
    tokens or words, as `_VOCAB` is (so that the same texts get the same ids either way)."""
    global _TABLE
    table = _TABLE
    if table is None or len(table.tokens) > _Vocabulary.MAX or len(table.words) > _Vocabulary.MAX:
        vocab = _VOCAB
        table = _TABLE = _core.Table(
            _BOUNDARY, tuple(mark for _, mark in _PUNCT), vocab.words[: vocab.n_fixed], FUNCTION_SET, _BE,
            _IRREGULAR_PARTICIPLES, _MARK_SHAPES, frozenset(_ABBREV), vocab.shape_ids, vocab.shape_id,
            _word_kind, _K,
        )  # fmt: skip
    return table


_TABLE_LOCK = threading.Lock()


def _compiled_counts(full: str, raw: bool = False, lex_pairs: bool = False) -> _Counts:
    """The counts of a normalised text from the compiled table: the same as `_python_counts`'. `raw`: `full` is
    not normalised yet (the table does it in the same call, as `normalise` would). `lex_pairs`: the lex words as
    the table gives them, (words, counts), not as a dict."""
    table = _compiled_table()
    if raw:
        counts = table.extract_raw(full, MATTR_WINDOW, _TYPO, _BULLET_MARKS, *_nfkc_table(), _nfkc_typography)
    else:
        counts = table.extract(full, MATTR_WINDOW)
    (tid, shape_ids, gram_codes, gram_counts, fixed, marks, sent_lens, starts, n_words, distinct, len_sum,
     long_words, caps, contractions, possessives, passive, content_types, content_tokens, nounish, repeated,
     mattr_total, caps_tokens, lex_words) = counts  # fmt: skip
    if not lex_pairs:
        lex_words = dict(zip(*lex_words, strict=True))
    # (mt._mattr's two cases, with its operations)
    if n_words <= MATTR_WINDOW:
        mattr = distinct / max(n_words, 1)
    else:
        mattr = mattr_total / (n_words - MATTR_WINDOW + 1) / MATTR_WINDOW
    return _Counts(
        np.frombuffer(tid, dtype=np.int64), np.frombuffer(shape_ids, dtype=np.int64),
        np.frombuffer(gram_codes, dtype=np.int64), np.frombuffer(gram_counts, dtype=np.intp), table.tokens,
        table.words, np.frombuffer(fixed, dtype=np.int64), marks, sent_lens, starts, n_words, len_sum,
        long_words, caps, contractions, possessives, passive, content_types, content_tokens, nounish,
        repeated, mattr, caps_tokens, lex_words,
    )  # fmt: skip


def extract(text: str, title: str | None = None) -> Extracted:
    """All raw features of one document (title as its first line, as in WMT and in the cleaner's output).

    The tokens become integer ids (`_Vocabulary`, or its compiled twin) and the counts numpy reductions
    over them (or the compiled table's loops); the values are the same, float for float, as counting token
    by token."""
    raw = f"{title}\n{text}" if title else text
    with _TABLE_LOCK:  # (one thread at a time in the shared token table: the compiled one calls back into Python)
        c = _python_counts(normalise(raw)) if _core is None else _compiled_counts(raw, raw=True, lex_pairs=True)
    n_words = max(c.n_words, 1)
    if _core is not None:  # (the same floats from C loops, as a list: see _compiled_extract)
        return _compiled_extract(c, title, n_words)
    sent_lens = c.sent_lens
    n_sent = max(len(sent_lens), 1)
    fixed = c.fixed
    ids = _VOCAB.word_ids  # (the fixed words have the same ids in every table)
    v = dict(zip(_FW_KEYS, (100.0 * fixed[_VOCAB.function_ids] / n_words).tolist(), strict=True))
    for key, count in zip(_PUNCT_KEYS, c.marks, strict=True):
        v[key] = 100.0 * count / n_words  # each mark is a token of its own
    mean_len, sd_len = _stats([float(x) for x in sent_lens])
    v["sent:mean_words"] = mean_len
    v["sent:sd_words"] = sd_len
    v["sent:cv_words"] = sd_len / mean_len if mean_len else 0.0
    v["sent:share_long"] = sum([x > 35 for x in sent_lens]) / n_sent
    v["sent:share_short"] = sum([x < 8 for x in sent_lens]) / n_sent
    v["sent:connective_start"] = sum([1 for w in c.starts if w in _CONNECTIVE_IDS]) / n_sent
    v["sent:the_start"] = c.starts.count(ids["the"]) / n_sent
    v["word:mean_len"] = c.len_sum / n_words
    v["word:long_share"] = 100.0 * c.long_words / n_words
    v["word:mattr"] = c.mattr
    v["word:caps_rate"] = 100.0 * c.caps / n_words
    v["word:contractions"] = 100.0 * c.contractions / n_words
    v["word:possessives"] = 100.0 * c.possessives / n_words
    v["word:passives"] = 100.0 * c.passive / n_words
    by_id = fixed.tolist()
    v["word:reporting_other"] = 100.0 * sum([by_id[i] for i in _REPORTING_IDS]) / n_words
    v["word:content_repeat"] = 1.0 - c.content_types / max(c.content_tokens, 1)
    art = sum([by_id[i] for i in _ARTICLE_IDS])
    det = sum([by_id[i] for i in _DETERMINER_IDS])
    v["word:articles_per_noun"] = art / max(c.nounish, 1)
    v["word:determiners_per_noun"] = det / max(c.nounish, 1)
    v["word:repeated_trigrams"] = c.repeated / max(c.n_words - 2, 1)
    v["word:name_variants"] = _name_variants(c.caps_tokens)
    v.update(_title_values(title))
    return Extracted(v, c.gram_codes, c.gram_counts, c.lex_words, n_words, c.shape_ids, c.tid, c.token_names)


#: the names of `Extracted.values`, in the order extract writes them (the function words' rates have repeats: a
#: word listed twice is one key, at its first place)
_VALUE_KEYS = (*_FW_KEYS, *_PUNCT_KEYS, "sent:mean_words", "sent:sd_words", "sent:cv_words", "sent:share_long",
               "sent:share_short", "sent:connective_start", "sent:the_start", "word:mean_len", "word:long_share",
               "word:mattr", "word:caps_rate", "word:contractions", "word:possessives", "word:passives",
               "word:reporting_other", "word:content_repeat", "word:articles_per_noun", "word:determiners_per_noun",
               "word:repeated_trigrams", "word:name_variants", *_TITLE_KEYS)
_VALUE_INDEX = {name: i for i, name in reversed(list(enumerate(_VALUE_KEYS)))}  # (each name's first place)


def _compiled_extract(c: _Counts, title: str | None, n_words: int) -> Extracted:
    """extract's values from the compiled counts: the same expressions, the function words' rates and the
    sentence values from C loops (the same operations in the same order), as one list in _VALUE_KEYS' order that
    makes the dict when it is read (Extracted.values); the compiled raw vector reads the model's values from the
    list by place, not by name, so that scoring makes no dict of them."""
    fixed = c.fixed
    ids = _VOCAB.word_ids  # (the fixed words have the same ids in every table)
    values = _core.rates(None, np.ascontiguousarray(fixed, dtype=np.int64), _FUNCTION_ID_BYTES, n_words)
    values += [100.0 * count / n_words for count in c.marks]  # each mark is a token of its own
    values += _core.sentence_values(c.sent_lens, c.starts, _CONNECTIVE_IDS, ids["the"])
    by_id = fixed.tolist()
    art = sum([by_id[i] for i in _ARTICLE_IDS])
    det = sum([by_id[i] for i in _DETERMINER_IDS])
    values += [
        c.len_sum / n_words, 100.0 * c.long_words / n_words, c.mattr, 100.0 * c.caps / n_words,
        100.0 * c.contractions / n_words, 100.0 * c.possessives / n_words, 100.0 * c.passive / n_words,
        100.0 * sum([by_id[i] for i in _REPORTING_IDS]) / n_words, 1.0 - c.content_types / max(c.content_tokens, 1),
        art / max(c.nounish, 1), det / max(c.nounish, 1), c.repeated / max(c.n_words - 2, 1),
        _core.name_variants(c.caps_tokens),
    ]  # fmt: skip
    values += _title_value_list(title)
    return Extracted(values, c.gram_codes, c.gram_counts, c.lex_words, n_words, c.shape_ids, c.tid, c.token_names)


# --- the model -----------------------------------------------------------------------------------------------


def threshold_for(n_words: int, threshold: float, steps: list[tuple[int, float]]) -> float:
    """The threshold of a text of n_words: the whole-text `threshold` from the last length step on, else that of
    the longest step up to n_words (the first step's below it). The steps, (words, threshold) ascending, are
    chosen per length by tools/train_mt.py (LENGTH_STEPS), which uses this same rule."""
    if not steps or n_words >= steps[-1][0]:
        return threshold
    return next((t for n, t in reversed(steps) if n <= n_words), steps[0][1])


@dataclass
class Model:
    """Weights over standardised, sqrt-transformed feature values (see `transform`)."""

    features: list[str]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float
    human_median: np.ndarray  # raw values of the training originals: the yardstick quoted in reasons
    human_mean: np.ndarray
    meta: dict
    # (words, threshold), ascending: a short text's rates are noisy, so it needs a higher probability
    length_thresholds: list[tuple[int, float]] = field(default_factory=list)

    def threshold_for(self, n_words: int) -> float:
        """This model's threshold for a text of n_words (see `threshold_for`)."""
        return threshold_for(n_words, self.threshold, self.length_thresholds)

    @classmethod
    def from_json(cls, data: dict) -> Model:
        return cls(
            features=list(data["features"]),
            mean=np.asarray(data["mean"], dtype=float),
            scale=np.asarray(data["scale"], dtype=float),
            weights=np.asarray(data["weights"], dtype=float),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            human_median=np.asarray(data["human_median"], dtype=float),
            human_mean=np.asarray(data["human_mean"], dtype=float),
            meta=dict(data.get("meta", {})),
            length_thresholds=[(int(n), float(t)) for n, t in data.get("length_thresholds", [])],
        )


Z_CLIP = 5.0


@dataclass(frozen=True)
class _Plan:
    """Where each kind of feature goes in the model's vector, worked out once per feature list."""

    ngram_at: np.ndarray
    ngrams: np.ndarray  # their codes (see _gram_code)
    lex_at: np.ndarray
    lex: list[str]
    value_at: np.ndarray
    values: list[str]
    lex_index: dict[str, int]  # each lex word's place in `lex`
    get_values: Callable[[dict[str, float]], tuple[float, ...]] | None  # itemgetter(*values), when 2 or more
    size: int  # the number of features

    @cached_property
    def compiled(self) -> tuple[bytes, bytes, bytes, bytes, bytes]:
        """The n-gram codes, sorted, with their positions, and the other positions, as the compiled `vector`
        reads them (made once, not per call); last, each value's place in an extract's list of values
        (`_VALUE_KEYS`, -1 for a name extract does not write: 0.0)."""
        order = np.argsort(self.ngrams, kind="stable")
        places = np.array([_VALUE_INDEX.get(name, -1) for name in self.values], dtype=np.int64)
        return (self.ngrams[order].tobytes(), self.ngram_at[order].tobytes(), self.lex_at.tobytes(),
                self.value_at.tobytes(), places.tobytes())


_PLANS: dict[tuple[str, ...], _Plan] = {}


def _plan(features: list[str]) -> _Plan:
    key = tuple(features)
    plan = _PLANS.get(key)
    if plan is None:
        kinds: dict[str, tuple[list[int], list]] = {"ng": ([], []), "lex": ([], []), "value": ([], [])}
        for i, name in enumerate(features):
            if name.startswith("ng:"):
                kind, item = "ng", _gram_code(tuple(name[3:].split(" ")))
            elif name.startswith("lex:"):
                kind, item = "lex", name[4:]
            else:
                kind, item = "value", name
            kinds[kind][0].append(i)
            kinds[kind][1].append(item)
        (ng_at, ng), (lex_at, lex), (value_at, values) = kinds.values()
        plan = _Plan(np.array(ng_at, dtype=np.intp), np.array(ng, dtype=np.int64), np.array(lex_at, dtype=np.intp),
                     lex, np.array(value_at, dtype=np.intp), values, {w: i for i, w in enumerate(lex)},
                     itemgetter(*values) if len(values) > 1 else None, len(features))
        if len(_PLANS) > 16:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def raw_vector(ex: Extracted, features: list[str]) -> np.ndarray:
    """Raw feature values in the model's order: n-grams per 100 shape positions, words per 100 words."""
    return _raw_vector(ex, _plan(features))


def _raw_vector(ex: Extracted, plan: _Plan) -> np.ndarray:
    """raw_vector with the features' plan (the scorer keeps its model's: no tuple of the names per call)."""
    per_pos = 100.0 / max(len(ex.shape_ids), 1)
    per_word = 100.0 / ex.n_words
    codes, counts = ex.gram_codes, ex.gram_counts
    if _core is not None and codes.dtype == np.int64 and counts.dtype == np.intp and codes.ndim == counts.ndim == 1:
        # (the same products, in one call: no numpy call per kind of feature)
        ngrams, ngram_at, lex_at, value_at, places = plan.compiled
        values = ex._values  # (by place when extract listed them, else by name)
        listed = isinstance(values, list)
        return np.frombuffer(
            _core.vector(plan.size, np.ascontiguousarray(codes), np.ascontiguousarray(counts), ngrams, ngram_at,
                         per_pos, ex._lex_words, plan.lex_index, lex_at, per_word, values,
                         places if listed else plan.values, value_at),
            dtype=float,
        )  # fmt: skip
    out = np.empty(plan.size, dtype=float)
    out[plan.ngram_at] = ex.gram_counts_of(plan.ngrams).astype(float) * per_pos
    # (the words and values the document has, found by C loops: a set intersection, an itemgetter)
    lex = ex.lex_words
    lex_counts = np.zeros(len(plan.lex))
    found = lex.keys() & plan.lex_index.keys()
    if found:
        lex_counts[[plan.lex_index[w] for w in found]] = [lex[w] for w in found]
    out[plan.lex_at] = lex_counts * per_word
    values = ex.values
    try:
        out[plan.value_at] = plan.get_values(values)  # type: ignore[misc]
    except (KeyError, TypeError):  # a feature the values lack (0.0), or fewer than 2 values
        out[plan.value_at] = [values.get(name, 0.0) for name in plan.values]
    return out


def transform(raw: np.ndarray) -> np.ndarray:
    """sqrt compresses the heavy right tail of rates, so one odd document cannot dominate the logit."""
    return np.sqrt(np.maximum(raw, 0.0))


def logit_parts(model: Model, raw: np.ndarray) -> tuple[float, np.ndarray]:
    """The logit and each feature's contribution to it (weight times clipped standardised value)."""
    arrays = (raw, model.mean, model.scale, model.weights)
    if _core is not None and all(a.dtype == np.float64 and a.ndim == 1 and len(a) == len(raw) for a in arrays):
        # (one loop with numpy's operations and its pairwise sum: the same floats)
        logit, contrib = _core.logit(*map(np.ascontiguousarray, arrays), model.bias, Z_CLIP)
        return logit, np.frombuffer(contrib, dtype=float)
    z = np.clip((transform(raw) - model.mean) / model.scale, -Z_CLIP, Z_CLIP)
    contrib = model.weights * z
    return float(model.bias + contrib.sum()), contrib


# the other features' names as a person reads them (see describe)
_LABELS = {
    "sent:mean_words": "mean sentence length (words)",
    "sent:sd_words": "sentence length s.d. (words)",
    "sent:cv_words": "sentence length variation (s.d./mean)",
    "sent:share_long": "share of sentences over 35 words",
    "sent:share_short": "share of sentences under 8 words",
    "sent:connective_start": "share of sentences opening with a connective",
    "sent:the_start": "share of sentences opening with 'The'",
    "word:mean_len": "mean word length",
    "word:long_share": "words of 9+ letters per 100 words",
    "word:mattr": "type-token ratio (MATTR-50)",
    "word:caps_rate": "capitalised words (not sentence-initial) per 100 words",
    "word:contractions": "contractions per 100 words",
    "word:possessives": "possessive 's per 100 words",
    "word:passives": "passive constructions per 100 words",
    "word:reporting_other": "'noted/stressed/emphasized/stated/pointed/added' per 100 words",
    "word:content_repeat": "share of repeated content-word tokens",
    "word:articles_per_noun": "articles per noun-like word",
    "word:determiners_per_noun": "determiners per noun-like word",
    "word:repeated_trigrams": "share of repeated word trigrams",
    "word:name_variants": "share of names with a spelling variant",
    "title:articles": "share of the headline's words that are articles",
    "title:function_words": "share of the headline's words that are function words",
    "title:period_end": "headline ends with a full stop",
}


def describe(name: str) -> str:
    """A feature name as a person reads it."""
    kind, _, key = name.partition(":")
    if kind == "fw":
        return f"rate of '{key}' per 100 words"
    if kind == "ng":
        return f"pattern '{key}' per 100 tokens"
    if kind == "lex":
        return f"word '{key}' per 100 words"
    if kind == "punct":
        return f"'{key}' marks per 100 words"
    return _LABELS.get(name, name)


def _largest(values: np.ndarray, k: int) -> np.ndarray:
    """np.argsort(-values)[:k], the indexes of the k largest values, largest first, without sorting them all:
    when the k + 1 largest are distinct, they and their order are the same whatever the sort (with a tie,
    argsort decides, as before)."""
    if len(values) > k + 1:
        top = np.argpartition(-values, k)[: k + 1]
        top = top[np.argsort(-values[top])]
        if len(set(values[top].tolist())) == k + 1:
            return top[:k]
    return np.argsort(-values)[:k]


def reasons_for(
    model: Model, ex: Extracted, raw: np.ndarray, contrib: np.ndarray, flagged: bool
) -> list[str]:
    """The features that moved the logit most towards the decision (3) and against it (1), with numbers.

    Each names the document's value, the human yardstick (median of English originals, or their mean when
    the median is 0, as for rare words) and the feature's shift of the logit; patterns quote a phrase.
    """
    sign = 1.0 if flagged else -1.0
    top = bottom = None
    if _core is not None and contrib.dtype == np.float64:  # (a C loop; None when numpy's sort must decide)
        contrib = np.ascontiguousarray(contrib)
        top, bottom = _core.largest(contrib, sign, 3), _core.largest(contrib, -sign, 1)
    if top is None:
        top = _largest(sign * contrib, 3).tolist()
    if bottom is None:
        bottom = _largest(-sign * contrib, 1).tolist()
    # (the values as Python floats, item by item: the same numbers and the same text as numpy's scalars, cheaper)
    toward = [i for i in top if sign * contrib.item(i) > 0]
    against = [i for i in bottom if sign * contrib.item(i) < 0]
    out: list[str] = []
    for i in [*toward, *against]:
        name = model.features[i]
        med = model.human_median.item(i)
        human = f"human median {med:.3g}" if med > 0 else f"human mean {model.human_mean.item(i):.3g}"
        value = raw.item(i)
        text = f"{describe(name)} {value:.3g} vs {human} ({contrib.item(i):+.2f} to the logit)"
        phrase = ex.example(name[3:]) if name.startswith("ng:") and value > 0 else None
        if phrase:
            text += f", e.g. '{phrase}'"
        out.append(text)
    return out


@lru_cache(maxsize=1)
def load_model() -> Model:
    """Loaded once per process: scoring many documents must not re-read the JSON."""
    with open(models_dir() / MODEL_FILE, encoding="utf-8") as fh:
        return Model.from_json(json.load(fh))


MIN_WORDS = 40


_MODEL_PLAN: list[Any] = [None, None]  # the last model scored with, and its features' plan


def _model_plan(model: Model) -> _Plan:
    """The plan of the model's features, kept for the model (it is not changed after loading)."""
    if _MODEL_PLAN[0] is not model:
        _MODEL_PLAN[:] = [model, _plan(model.features)]
    return _MODEL_PLAN[1]


def score_machine_translation(text: str, title: str | None = None) -> Flag:
    """Probability that `text` is machine-translated, flagged at the model's precision-first threshold."""
    model = load_model()
    ex = extract(text, title)
    raw = _raw_vector(ex, _model_plan(model))
    logit, contrib = logit_parts(model, raw)
    prob = 1.0 / (1.0 + math.exp(-max(min(logit, 50.0), -50.0)))
    threshold = model.threshold_for(ex.n_words)
    reasons = [f"P(machine-translated) {prob:.3f} vs threshold {threshold:.3f} (logit {logit:+.2f})"]
    if threshold > model.threshold:
        reasons[0] += f"; the threshold of a text of {ex.n_words} words (longer texts: {model.threshold:.3f})"
    if ex.n_words < MIN_WORDS:
        # too little text for rates to mean anything: report, never flag
        reasons.append(f"only {ex.n_words} words (< {MIN_WORDS}): not flagged")
        return Flag(False, prob, threshold, reasons)
    flagged = prob >= threshold
    reasons.extend(reasons_for(model, ex, raw, contrib, flagged))
    return Flag(flagged, prob, threshold, reasons)


class MachineTranslationScorer:
    """Pipeline scorer: sets doc.flags['machine_translated'] from the cleaned body and the title."""

    name = "machine_translated"

    def run(self, doc: Document) -> None:
        doc.flags[self.name] = score_machine_translation(doc.text, doc.title)
