"""News words: content tokens, light stems, entity marks and the news IDF, shared by what compares texts by topic.

The incoherence scorer (cleaner.scorers.coherence) builds its TF-IDF vectors and headline-entity evidence from
these; the cleaner (cleaner.clean) asks whether a paragraph after a teaser section shares the article's rare
words. Both must tokenise alike, so the tokeniser and the IDF table (`cleaner/models/news_idf.json`, built by
tools/train_coherence.py from the news development data) live here, below both.

Stems are deliberately light (lowercase, possessive and plural stripped, cut to STEM_LEN letters) so that
Ukraine/Ukrainian and Russia/Russian meet. Speed: a word's facts (stem, entity kind) are cached per vocabulary,
and `WordTable` gives words integer ids with their facts as numpy arrays (a new word's facts are written once a
document, `cleaner.arrays.settle`), so that a document is a few arrays of ids. With the compiled module
(`cleaner._terms_core`, built at install; `_core` is None without it) the word table's map from words to ids,
the split of paragraphs into words and a new word's facts run in C, with the same ids and facts: the
incoherence scorer reads a news article's ~750 words four to five times faster (coherence._Document: 0.15 ms
instead of 0.7 once they are known, 0.3 instead of 1.2 when they are all new to the caches, on a busy machine);
`split_words` is three times faster. The Python code here is the reference and the fallback.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from cleaner.arrays import grow, settle
from cleaner.paths import models_dir

try:  # the word table's loops compiled (tools/build_native.py builds it at install); the Python code is the reference
    from cleaner import _terms_core as _COMPILED
except ImportError:  # no C compiler at install time: the same answers, slower
    _COMPILED = None
_core = _COMPILED  # what new word tables use (tests set it to None to run the Python code)

STEM_LEN = 6

# Function words and news boilerplate verbs: frequent, carry no topic. Days and months are here too so that
# "Monday" is not taken for a shared entity between two unrelated stories.
STOPWORDS = frozenset(
    """a about above after again against all also am amid an and any are aren't as at be because been before
    being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down
    during each few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here
    here's hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself
    just let's me more most mustn't my myself no nor not now of off on once only or other ought our ours
    ourselves out over own same shan't she she'd she'll she's should shouldn't so some such than that that's
    the their theirs them themselves then there there's these they they'd they'll they're they've this those
    through to too under until up very was wasn't we we'd we'll we're we've were weren't what what's when
    when's where where's which while who who's whom why why's will with won't would wouldn't you you'd you'll
    you're you've your yours yourself yourselves said says say told tell mr mrs ms dr one two three also
    however would could may might must shall new news year years last next first many much well back even
    still yet since per via according monday tuesday wednesday thursday friday saturday sunday january
    february march april june july august september october november december""".split()
)

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)
SENTENCE_OPENERS = frozenset(".!?:;\"'“”‘’(—–-•*")
_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
_TYPOGRAPHY_PAIRS = tuple((chr(code), new) for code, new in _TYPOGRAPHY.items())
_TYPOGRAPHY_OLDS = "".join(old for old, _ in _TYPOGRAPHY_PAIRS)  # (one character for one: the compiled paragraphs)
_TYPOGRAPHY_NEWS = "".join(new for _, new in _TYPOGRAPHY_PAIRS)

def normalize(text: str) -> str:
    """Curly quotes and dashes to ASCII, so that real pages and the ASCII training data tokenize alike.
    (`text.translate(_TYPOGRAPHY)`; a few str.replace scans are several times faster on non-ASCII text.)"""
    if text.isascii():
        return text
    for old, new in _TYPOGRAPHY_PAIRS:
        if old in text:
            text = text.replace(old, new)
    return text


def stem(word: str) -> str:
    """A deliberately light stem: lowercase, no possessive, no plural -s, at most 6 letters."""
    w = word.lower()
    last = w[-1:]
    if last != "s" and last != "'":  # most words: none of the endings below (str.endswith is the slower test)
        return w[:STEM_LEN]
    if w.endswith("'s"):
        w = w[:-2]
    w = w.rstrip("'")
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "y"
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    return w[:STEM_LEN]


@dataclass(frozen=True)
class Token:
    stem: str
    word: str  # surface form, for reasons
    entity: bool


@dataclass
class Vocabulary:
    """Document frequencies of stems and the words that are names more often than not (from the news data)."""

    n_docs: int
    df: dict[str, int]
    proper: frozenset[str]
    # stems English news writes in lower case mid-sentence (cleaner/models/common_words.json): in a Title Case
    # headline these are ordinary words, whatever their capital letter says
    common: frozenset[str] = frozenset()
    # per-process caches: IDF by stem, and what tokenisation needs to know of a word (see _word_facts)
    _idf: dict[str, float] = field(default_factory=dict, repr=False, compare=False)
    _facts: dict[str, tuple[str, int, bool] | tuple[()]] = field(default_factory=dict, repr=False, compare=False)
    _words: WordTable | None = field(default=None, repr=False, compare=False)

    def word_table(self) -> WordTable:
        """The vocabulary's word table (a new one when it is full, or when `_core` was switched)."""
        if self._words is None or self._words.full() or self._words.compiled is not _core:
            self._words = WordTable(self)
        return self._words

    def idf(self, s: str) -> float:
        value = self._idf.get(s)
        if value is None:
            if len(self._idf) > 1 << 18:
                self._idf.clear()
            value = self._idf[s] = math.log((self.n_docs + 1) / (self.df.get(s, 0) + 1)) + 1.0
        return value

    def is_known(self, s: str) -> bool:
        return s in self.df


# Unknown capitalised headline words with these endings are Title Case, not names ("Adoring", "Maced").
_COMMON_SUFFIXES = ("ing", "ed", "ly", "tion", "sion", "ness", "ment", "ive", "ous", "ful", "able", "ible", "ism")
# How a word of running text is marked (see tokens): never an entity, always, or unless it opens a sentence.
PLAIN, ENTITY, ENTITY_UNLESS_OPENER = 0, 1, 2
_WORD_SPLIT = re.compile("(" + WORD.pattern + ")", re.UNICODE)  # re.split: gaps and words, alternating
_ASCII_WORD_SPLIT = re.compile(r"([A-Za-z]+(?:'[A-Za-z]+)*)")  # the same on ASCII text, a third faster


def split_words(text: str) -> list[str]:
    """_WORD_SPLIT.split(text): gaps and words, alternating (most normalised paragraphs are ASCII, where the
    letters of WORD are A-Z and a-z and the regex need not test Unicode categories). The compiled module
    splits the same way (WORD's character classes as re tests them), three times faster."""
    if _core is not None:
        return _core.split_words(text)
    return (_ASCII_WORD_SPLIT if text.isascii() else _WORD_SPLIT).split(text)


def _word_facts(word: str, vocab: Vocabulary, stemmed: str | None = None) -> tuple[str, int, bool] | tuple[()]:
    """(stem, running-text entity kind, entity in a headline) of one word; () when it is not a content
    token (a stopword or a single letter). Cached per vocabulary: a word's facts never change. `stemmed`:
    stem(word), when the caller has it."""
    facts = vocab._facts
    if word in facts:
        return facts[word]
    result: tuple[str, int, bool] | tuple[()] = ()
    s = _stem_if_content(word, stemmed)
    if s is not None:
        lower = word.lower()
        acronym = _is_acronym(word)
        kind, head = PLAIN, False
        if word[0].isupper():
            if acronym:
                kind, head = ENTITY, True
            else:
                head = lower in vocab.proper or (not vocab.is_known(s) and not lower.endswith(_COMMON_SUFFIXES))
                kind = ENTITY if lower in vocab.proper else ENTITY_UNLESS_OPENER
        result = (s, kind, head)
    if len(facts) > 1 << 18:
        facts.clear()
    facts[word] = result
    return result


def _stem_if_content(word: str, stemmed: str | None = None) -> str | None:
    """The stem tokens() gives a word (an acronym: its lower case), None for a word that is no content token: a
    stopword ("US" the country is one) or a single letter. `stemmed`: stem(word), when the caller has it."""
    lower = word.lower()
    acronym = _is_acronym(word)
    if (lower in STOPWORDS and not (acronym and lower == "us")) or len(word) < 2:
        return None
    return lower if acronym else stemmed if stemmed is not None else stem(word)


def content_stem(word: str) -> str | None:
    """A word's stem as tokens() gives it, None for a word that is no content token: the vocabulary's facts of
    the word where it has them, else _stem_if_content alone (a caller who reads only stems needs no entity facts,
    whose vocabulary lookups cost more than the stem)."""
    facts = load_vocabulary()._facts.get(word)
    if facts is not None:
        return facts[0] if facts else None
    return _stem_if_content(word)


def _content(parts: list[str], vocab: Vocabulary, headline: bool = False) -> tuple[list[str], list[bool], list[str]]:
    """(stems, entity marks, words) of the content tokens of a text split by _WORD_SPLIT."""
    words = parts[1::2]
    facts = vocab._facts
    found = list(map(facts.get, words))
    if None in found:
        found = [_word_facts(w, vocab) if f is None else f for w, f in zip(words, found, strict=True)]
    kept = [k for k, f in enumerate(found) if f]
    stems = [found[k][0] for k in kept]  # type: ignore[index]
    if headline:
        entities = [found[k][2] for k in kept]  # type: ignore[index]
    else:
        entities = [found[k][1] == ENTITY if found[k][1] != ENTITY_UNLESS_OPENER  # type: ignore[index]
                    else not _opens_sentence(parts, 2 * k + 1) for k in kept]
    return stems, entities, [words[k] for k in kept]


def _opens_sentence(parts: list[str], j: int) -> bool:
    """Whether word parts[j] opens a sentence: the last non-space character before it is a sentence opener
    (in the gap before it; otherwise it is the previous word's last letter), or there is none."""
    gap = parts[j - 1].rstrip()
    return gap[-1] in SENTENCE_OPENERS if gap else j == 1


class _Ids(dict):
    """Word -> id, registering a word in its table on first sight."""

    def __init__(self, table: WordTable) -> None:
        super().__init__()
        self.table = table

    def __missing__(self, word: str) -> int:
        return self.table._add(word)


HONORIFICS = ("Mr", "Mrs", "Ms", "Miss", "Dr")  # a word ending so may be an honorific ("Mr")
_HONORIFIC_LAST = frozenset(h[-1] for h in HONORIFICS)  # their last letters: a cheap test before endswith
_WORD_FACTS = ("stem", "kind", "upper", "plain", "honorific")  # what WordTable keeps of a word


class WordTable:
    """Integer ids of the words seen so far, with what analysis needs to know of each as numpy arrays, so
    that a document is a few arrays of ids (per vocabulary; replaced when it outgrows MAX words).

    With the compiled module (`_core`), a `cleaner._terms_core.Table` keeps the map from words to ids and
    works out a new word's facts (as `_add` does, in the same order: the same ids), appending to this table's
    `words`, `stems` and `stem_ids` (and registers the stems of `stem_id`), and keeps the words' facts and the
    stems' IDFs on its side until `settle` (or `idf_of`) reads them; `split` then reads whole paragraphs. The Python
    code (`ids`, `_add`) is the reference and the fallback."""

    MAX = 1 << 18

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.compiled = _core  # the compiled module this table was made with (None: the Python code)
        self.ids = _Ids(self)
        self.words: list[str] = []
        self.stem = np.zeros(0, dtype=np.int64)  # content stem id; -1: not a content token
        self.kind = np.zeros(0, dtype=np.int8)  # running-text entity kind (PLAIN, ENTITY, ...)
        self.upper = np.zeros(0, dtype=bool)  # first letter upper case
        self.plain = np.zeros(0, dtype=np.int64)  # stem id of stem(word), whatever the word
        self.honorific = np.zeros(0, dtype=bool)  # ends like an honorific ("Mr", "Dr"...: _unintroduced)
        self.stem_ids: dict[str, int] = {}
        self.stems: list[str] = []
        self.idf = np.zeros(0)  # by stem id
        self.gaps: dict[str, int] = {}  # text between words: 0 blank, 1 ends in a sentence opener, 2 other
        self._new: list[tuple] = []  # ids and facts of the words (_WORD_FACTS) and ids and idf of the stems
        self._new_idf: list[tuple[int, float]] = []  # registered since the last `settle`
        self._core = None if _core is None else _core.Table(
            self.words, self.stems, self.stem_ids, self._new_idf, vocab.df, vocab.n_docs, STOPWORDS, vocab.proper,
            "".join(sorted(SENTENCE_OPENERS)), HONORIFICS)
        self._settled = 0  # words whose facts the compiled table has written into the arrays
        self._settled_stems = 0  # stems whose IDF the compiled table has written into `idf`

    def full(self) -> bool:
        return len(self.words) > self.MAX or len(self.stems) > self.MAX

    def stem_id(self, s: str) -> int:
        value = self.stem_ids.get(s)
        if value is None and self._core is not None:  # (registered by the compiled table, which keeps the IDFs)
            return self._core.stem_id(s)
        if value is None:
            value = len(self.stems)
            self._new_idf.append((value, self.vocab.idf(s)))  # noted (see settle), then registered
            self.stems.append(s)
            self.stem_ids[s] = value
        return value

    def _add(self, word: str) -> int:
        """Register a word; its facts reach the arrays at the next `settle`. (`_Ids` calls it for new words
        only; the compiled table looks the word up first.)"""
        if self._core is not None:
            return int(np.frombuffer(self._core.ids([word]), dtype=np.int64)[0])
        value = len(self.words)
        plain = stem(word)
        facts = _word_facts(word, self.vocab, plain)
        # (known stems without a call; a content word's stem is mostly `plain`; the content stem is registered
        # first, as its id orders the columns of coherence's matrices)
        stem_ids = self.stem_ids
        if facts:
            content = facts[0]
            content_id = stem_ids[content] if content in stem_ids else self.stem_id(content)
            plain_id = content_id if content == plain else stem_ids[plain] if plain in stem_ids \
                else self.stem_id(plain)
        else:
            content_id = -1
            plain_id = stem_ids[plain] if plain in stem_ids else self.stem_id(plain)
        self._new.append((value, content_id, facts[1] if facts else PLAIN, word[0].isupper(), plain_id,
                          word[-1] in _HONORIFIC_LAST and word.endswith(HONORIFICS)))
        self.words.append(word)  # noted (see settle), then registered
        self.ids[word] = value
        return value

    def settle(self) -> None:
        """Write the facts of the words and stems registered since the last call into the arrays."""
        if self._core is not None and self._settled < len(self._core):
            start, stop = self._settled, len(self._core)
            for name, blob in zip(_WORD_FACTS, self._core.facts(start, stop), strict=True):
                values = grow(getattr(self, name), stop)
                values[start:stop] = np.frombuffer(blob, dtype=values.dtype)
                setattr(self, name, values)
            self._settled = stop
        if self._core is not None and self._settled_stems < len(self.stems):
            start, stop = self._settled_stems, len(self.stems)
            self.idf = grow(self.idf, stop)
            self.idf[start:stop] = np.frombuffer(self._core.idf(start, stop), dtype=np.float64)
            self._settled_stems = stop
        settle(self, _WORD_FACTS, self._new)
        settle(self, ("idf",), self._new_idf)

    def idf_of(self, stem_ids: np.ndarray) -> np.ndarray:
        """The IDFs of these stem ids (int64): `idf[stem_ids]` once settled (the compiled table reads its own, with
        nothing to settle)."""
        if self._core is not None:
            return np.frombuffer(self._core.idf_of(np.ascontiguousarray(stem_ids, dtype=np.int64)), dtype=np.float64)
        self.settle()
        return self.idf[stem_ids]

    def word_ids(self, words: list[str]) -> np.ndarray:
        """The ids of `words`, in one pass into an array; a word not seen before is registered as it comes
        (`_Ids.__missing__`), and the facts of new words are settled."""
        if self._core is not None:
            ids = np.frombuffer(self._core.ids(words), dtype=np.int64)
        else:
            ids = np.fromiter(map(self.ids.__getitem__, words), dtype=np.int64, count=len(words))
        self.settle()
        return ids

    def paragraphs(self, paragraphs: Sequence[str]) -> tuple[list[int], list[str]]:
        """The 1-based numbers of the paragraphs that are not blank, and those paragraphs `normalize`d (one C call
        with the compiled module)."""
        if self._core is not None:
            return _core.paragraphs(paragraphs if isinstance(paragraphs, list) else list(paragraphs), _TYPOGRAPHY_OLDS,
                                    _TYPOGRAPHY_NEWS)
        kept = [(i, text) for i, text in enumerate(paragraphs, start=1) if text.strip()]
        return [i for i, _ in kept], [normalize(text) for _, text in kept]

    def split(self, texts: list[str]) -> tuple[np.ndarray, ...]:
        """The words of normalised texts, each split as `split_words` splits it, and what the incoherence scorer
        reads of them (cleaner._terms_core's Table.split: ids as `word_ids` gives them, each text's first word,
        len(text.split()), the content words' stem ids, texts and entity marks, the candidates of
        coherence._Document.unintroduced, where each word starts and ends in its text, and the content stems'
        ids sorted, each once), as numpy arrays. Compiled tables only: one C call a document."""
        if self._core is None:
            raise RuntimeError("WordTable.split needs the compiled module (cleaner._terms_core)")
        parts = self._core.split(texts)  # (the new words' facts are settled when read: `settle`, `idf_of`)
        return tuple(np.frombuffer(b, dtype=bool if k == 5 else np.int64) for k, b in enumerate(parts))

    def gap_codes(self, gaps: list[str]) -> np.ndarray:
        """A code per gap before a word: 0 only spaces, 1 it ends in what opens a sentence, 2 anything else."""
        table = self.gaps
        if not all(map(table.__contains__, gaps)):
            if len(table) > self.MAX:
                table.clear()
            for gap in gaps:
                if gap not in table:
                    stripped = gap.rstrip()
                    table[gap] = 0 if not stripped else 1 if stripped[-1] in SENTENCE_OPENERS else 2
        return np.fromiter(map(table.__getitem__, gaps), dtype=np.int8, count=len(gaps))


def tokens(text: str, vocab: Vocabulary, headline: bool = False) -> list[Token]:
    """Content tokens of `text` with an entity mark.

    In running text a capitalised word is an entity unless it opens a sentence (then only if the news data
    says the word is usually capitalised). In a headline (often Title Case) a capitalised word is an entity
    when it is an acronym, usually capitalised in the news data, or unknown to it (new names: Witkoff) and
    not shaped like a common word; in a Title Case headline, not a word news writes in lower case (Vocabulary.common)
    either. Words in capitals of 5+ letters are shouting ("VIDEO"), not acronyms.
    """
    parts = split_words(normalize(text))
    stems, entities, words = _content(parts, vocab, headline)
    if headline and vocab.common and any(entities) and is_title_case(parts[1::2]):
        entities = [e and (_is_acronym(w) or s not in vocab.common)
                    for s, e, w in zip(stems, entities, words, strict=True)]
    return [Token(s, w, e) for s, e, w in zip(stems, entities, words, strict=True)]


#: a headline is Title Case when it has at least this many words of four letters or more, all capitalised
TITLE_CASE_MIN_WORDS = 3


def is_title_case(words: list[str]) -> bool:
    """Whether a headline's words are in Title Case ("Winter Wreaks Havoc on What's Underneath"), the style of
    many US outlets: then a capital letter says nothing about a word, and an ordinary word would pass for a
    name the body never mentions (a false sign of a swapped headline)."""
    long = [w for w in words if len(w) >= 4]
    return len(long) >= TITLE_CASE_MIN_WORDS and all(w[0].isupper() for w in long)


def _is_acronym(word: str) -> bool:
    return 2 <= len(word) <= 4 and word.isupper()



@lru_cache(maxsize=1)
def load_vocabulary(path: str | None = None) -> Vocabulary:
    data = json.loads(Path(path or models_dir() / "news_idf.json").read_text(encoding="utf-8"))
    common = json.loads((models_dir() / "common_words.json").read_text(encoding="utf-8"))["stems"]
    return Vocabulary(int(data["n_docs"]), {k: int(v) for k, v in data["df"].items()},
                      frozenset(data["proper"]), frozenset(common))


