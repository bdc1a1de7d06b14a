"""Is what is left after cleaning an article? Index pages, teaser lists, error pages and near-empty pages
are not, and saying so (with the numbers) is more useful than emitting their scraps as an article.
"""

from __future__ import annotations

import re
from typing import Any

from cleaner.document import Block
from cleaner.prose import ends_sentence, is_prose, word_count

_ERROR = re.compile(
    r"\b(?:404|403|410|500|503)\b.{0,40}\b(?:error|not found|forbidden|gone|unavailable)\b|"
    r"\bpage (?:not found|cannot be found|could not be found|you requested|doesn'?t exist|does not exist|"
    r"is no longer available)|\bnot found\b|access denied|\bforbidden\b|are you a robot|captcha|"
    r"enable javascript|javascript is (?:disabled|required)|browser (?:is not supported|not supported)|"
    r"article (?:is no longer|has been removed)|content (?:is )?(?:not|no longer) available|"
    r"seite nicht gefunden|page introuvable|página no encontrada|pagina non trovata",
    re.I,
)

MIN_WORDS = 50  # below this, what is left is a caption or a stub, not an article
MIN_PROSE_WORDS = 80  # an article has at least a few sentences of running prose
TEASER_SHARE = 0.6  # index pages: most kept blocks are short link-like teasers
ERROR_MAX_WORDS = 300  # an error notice is short; a long article that mentions "404" is still an article


def _is_teaser(block: Block, n: int | None = None) -> bool:
    """A short headline-like line, or one that is mostly link text."""
    n = word_count(block.text) if n is None else n
    link = float(block.features.get("link_density", 0.0) or 0.0)
    return (link >= 0.5 and n <= 25) or (3 <= n <= 16 and not ends_sentence(block.text))


def article_verdict(blocks: list[Block], kept: list[bool], title: str | None) -> dict[str, Any]:
    """{"is_article": bool, "reasons": [...]} for the kept blocks of a document."""
    kept_blocks = [(b, word_count(b.text)) for b, k in zip(blocks, kept, strict=True) if k]  # counted once a block
    words = sum(c for _, c in kept_blocks)
    prose = [(b, c) for b, c in kept_blocks if is_prose(b.text, c)]
    prose_words = sum(c for _, c in prose)
    teasers = sum(_is_teaser(b, c) for b, c in kept_blocks)
    reasons: list[str] = []
    if words < MIN_WORDS:
        reasons.append(f"near-empty: {words} words kept of {sum(word_count(b.text) for b in blocks)} (< {MIN_WORDS})")
    head = " ".join([title or ""] + [b.text for b, _ in kept_blocks[:5]])
    m = _ERROR.search(head)
    if m and words < ERROR_MAX_WORDS:
        reasons.append(f"error page: '{m.group(0)}' with {words} words kept (< {ERROR_MAX_WORDS})")
    if kept_blocks and len(kept_blocks) >= 8:
        share = teasers / len(kept_blocks)
        if share >= TEASER_SHARE and prose_words < 2 * MIN_PROSE_WORDS:
            reasons.append(f"list of teasers: {teasers} of {len(kept_blocks)} kept blocks ({share:.0%} ≥ "
                           f"{TEASER_SHARE:.0%}) are short headline or link lines, {prose_words} words of prose")
    if words >= MIN_WORDS and prose_words < MIN_PROSE_WORDS and not reasons:
        reasons.append(f"no running prose: {len(prose)} prose blocks, {prose_words} words (< {MIN_PROSE_WORDS})")
    if not reasons:
        return {"is_article": True,
                "reasons": [f"article: {words} words kept, {len(prose)} prose blocks ({prose_words} words)"]}
    return {"is_article": False, "reasons": reasons}
