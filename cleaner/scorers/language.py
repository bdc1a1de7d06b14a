"""Language identification with langdetect, made deterministic and cheap enough for a pipeline.

langdetect samples n-grams at random, so two calls on the same text can disagree. We build one private
`DetectorFactory` with `seed = 0`: every detector it creates re-seeds its own `random.Random` with 0 before
sampling, so the answer for a given text is the same on every call, in every process.

Cost: langdetect needs about 5 ms per 1,000 characters, so the text fed to it is capped:
- the document language is decided on its first `DOC_CHARS` (2,000) characters;
- `mixed_share` checks blocks of at least `MIN_BLOCK_CHARS` (40) characters, each cut to `BLOCK_CHARS`
  (400) characters, with 3 sampling trials instead of langdetect's 7 (a call costs ~5 ms mostly in its
  trials, whatever the length; 3 trials cost ~2 ms and are enough to tell "not the document's language");
  when a document has more than `MAX_BLOCKS` (8) such blocks, 8 of them, evenly spaced, are checked and the
  share is estimated from that sample (by characters).
A document therefore costs at most one 2,000-character call plus 8 short calls (~30 ms) however long it is.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from langdetect import DetectorFactory
from langdetect.detector_factory import PROFILES_DIRECTORY
from langdetect.lang_detect_exception import LangDetectException

from cleaner.document import Document

DOC_CHARS = 2000
BLOCK_CHARS = 400
MIN_BLOCK_CHARS = 40
MAX_BLOCKS = 8
BLOCK_TRIALS = 3
# A block counts as another language only when the document's language is this unlikely for it: short
# blocks are noisy (an English sentence full of names can come out as "nl" at p=0.6 with "en" close behind).
OTHER_LANGUAGE_MAX_P = 0.2

DetectorFactory.seed = 0  # also makes the module-level langdetect.detect() reproducible for library users

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_factory: DetectorFactory | None = None
_lock = threading.Lock()


def _get_factory() -> DetectorFactory:
    """Load langdetect's 55 profiles once (about 0.5 s) into a private, seeded factory."""
    global _factory
    with _lock:
        if _factory is None:
            factory = DetectorFactory()
            factory.load_profile(PROFILES_DIRECTORY)
            factory.seed = 0
            _factory = factory
    return _factory


def language_probabilities(text: str, max_chars: int = DOC_CHARS, trials: int = 7) -> dict[str, float]:
    """langdetect's probabilities for the first `max_chars` characters; {} when there is nothing to judge."""
    sample = text[:max_chars]
    if not _LETTER.search(sample):
        return {}
    detector = _get_factory().create()
    detector.n_trial = trials
    detector.append(sample)
    try:
        return {lp.lang: float(lp.prob) for lp in detector.get_probabilities()}
    except LangDetectException:  # "No features in text": letters but no usable n-grams
        return {}


def _sample(indexes: list[int], k: int) -> list[int]:
    """k evenly spaced items of `indexes` (all of them when there are at most k)."""
    if len(indexes) <= k:
        return indexes
    step = len(indexes) / k
    return [indexes[int(i * step + step / 2)] for i in range(k)]


def detect_language(text: str, blocks: list[str] | None = None) -> dict[str, Any]:
    """The language of `text`, its probability, and the share of block characters in another language.

    `blocks` defaults to the non-empty lines of `text`. The result is
    `{"language": "en" | None, "probability": float | None, "mixed_share": float | None,
    "blocks_checked": int}`; language is None for empty text or text without letters.
    """
    if blocks is None:
        blocks = [line for line in text.splitlines() if line.strip()]
    probs = language_probabilities(text, DOC_CHARS)
    if not probs:
        return {"language": None, "probability": None, "mixed_share": None, "blocks_checked": 0}
    language, probability = max(probs.items(), key=lambda kv: kv[1])

    long_blocks = [i for i, b in enumerate(blocks) if len(b.strip()) >= MIN_BLOCK_CHARS]
    checked = _sample(long_blocks, MAX_BLOCKS)
    judged = other = 0
    for i in checked:
        block = blocks[i].strip()
        block_probs = language_probabilities(block, BLOCK_CHARS, BLOCK_TRIALS)
        if not block_probs:
            continue
        weight = len(block)
        judged += weight
        if block_probs.get(language, 0.0) < OTHER_LANGUAGE_MAX_P:
            other += weight
    mixed = round(other / judged, 4) if judged else None
    return {
        "language": language,
        "probability": round(probability, 4),
        "mixed_share": mixed,
        "blocks_checked": len(checked),
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
