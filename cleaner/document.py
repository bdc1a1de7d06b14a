"""The data that flows through the pipeline: a document, its blocks, and what was removed and why.

One concept: a `Document` is created by a reader, split into `Block`s by the segmenter, marked by the cleaner
(every removed block carries a `Removal` with the rule and a reason), scored, deduplicated, and finally turned
into an output record (`Document.to_record`) that validates against `schemas/record.schema.json`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

BlockKind = Literal["paragraph", "heading", "list_item", "line", "table", "quote"]


@dataclass
class Block:
    """A unit of the article's structure: one paragraph, heading, list item or short line."""

    text: str
    kind: BlockKind = "paragraph"
    # Extra evidence about the block (HTML: tag path, link density; text: blank line before/after).
    features: dict[str, Any] = field(default_factory=dict)


class Removal:
    """One removed block: its text, the id of the rule (or model) that removed it, and a reason a person reads.

    The reason may be given as a function: the model's reasons (a path attribution through its trees) are worked
    out when first read, so a caller that only wants the cleaned text does not pay for them."""

    __slots__ = ("text", "rule", "_reason", "block", "partial")

    def __init__(self, text: str, rule: str, reason: str | Callable[[], str], block: int, partial: bool = False):
        self.text = text
        self.rule = rule
        self._reason = reason
        self.block = block  # index of the block in Document.blocks
        self.partial = partial  # True when only this text was cut out of the block (an inline promo)

    @property
    def reason(self) -> str:
        if not isinstance(self._reason, str):
            self._reason = self._reason()
        return self._reason

    def __reduce__(self) -> tuple[Any, ...]:
        return Removal, (self.text, self.rule, self.reason, self.block, self.partial)  # pickled with its reason

    def _key(self) -> tuple[str, str, str, int, bool]:
        return self.text, self.rule, self.reason, self.block, self.partial

    def __eq__(self, other: object) -> bool:
        return self._key() == other._key() if isinstance(other, Removal) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it replaces

    def __repr__(self) -> str:
        return (f"Removal(text={self.text!r}, rule={self.rule!r}, reason={self.reason!r}, block={self.block!r}, "
                f"partial={self.partial!r})")

    def to_dict(self) -> dict[str, Any]:
        out = {"text": self.text, "rule": self.rule, "reason": self.reason, "block": self.block}
        if self.partial:
            out["partial"] = True
        return out


@dataclass
class Flag:
    """A quality flag: never a bare boolean, always the score, the threshold and the reasons with numbers."""

    flagged: bool
    score: float
    threshold: float
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "flagged": bool(self.flagged),
            "score": round(float(self.score), 4),
            "threshold": float(self.threshold),
            "reasons": list(self.reasons),
        }


@dataclass
class Document:
    """A document as it moves through read → segment → clean → score → dedup → write."""

    id: str
    input: str  # where it came from: a path, "path:line" for JSONL, or "-" for stdin
    format: Literal["text", "html"]
    raw: str  # decoded input text or HTML
    url: str | None = None
    source: str | None = None  # the site (domain or source name)
    title: str | None = None
    title_found: bool = False  # the title is a line the cleaner picked from the text: no title was given
    date: str | None = None  # ISO 8601
    language: str | None = None
    blocks: list[Block] = field(default_factory=list)
    removed: list[Removal] = field(default_factory=list)
    scores: dict[str, Any] = field(default_factory=dict)
    flags: dict[str, Flag] = field(default_factory=dict)
    dedup: dict[str, Any] | None = None
    verdict: dict[str, Any] = field(default_factory=lambda: {"is_article": True, "reasons": []})
    meta: dict[str, Any] = field(default_factory=dict)  # passthrough fields from the input

    @property
    def removed_indexes(self) -> set[int]:
        return set(self._removed_set())

    # (removed, len(removed), its last item, the indexes of the wholly removed blocks): _removed_set's cache. A
    # plain attribute, not a field (no annotation), and not reached through __dict__: asking for an instance's
    # __dict__ makes CPython 3.11+ give up its faster inline attribute values.
    _gone = None

    def _removed_set(self) -> set[int]:
        """The indexes of wholly removed blocks, kept up to date as `removed` grows: the cleaner asks for
        them once a block and once a removal, and rebuilding the set each time made a long page's
        cleaning quadratic. Rebuilt whenever `removed` is another list, or has changed length or last item."""
        removed = self.removed
        last = removed[-1] if removed else None
        cached = self._gone
        if cached is None or cached[0] is not removed or cached[1] != len(removed) or cached[2] is not last:
            if cached is not None and cached[0] is removed and cached[1] == len(removed) - 1 and last is not None \
                    and (len(removed) < 2 or removed[-2] is cached[2]):
                gone = cached[3]  # one removal appended since: add it
                if not last.partial:
                    gone.add(last.block)
            else:
                gone = {r.block for r in removed if not r.partial}
            cached = self._gone = (removed, len(removed), last, gone)
        return cached[3]

    def is_removed(self, index: int) -> bool:
        """Whether block `index` is wholly removed (`index in removed_indexes`, without copying the set). (The
        cache's check made here, without the call to _removed_set: the rules ask this of every block.)"""
        removed = self.removed
        cached = self._gone
        if cached is not None and cached[0] is removed and cached[1] == len(removed) \
                and cached[2] is (removed[-1] if removed else None):
            return index in cached[3]
        return index in self._removed_set()

    @property
    def kept_blocks(self) -> list[Block]:
        gone = self._removed_set()
        return [b for i, b in enumerate(self.blocks) if i not in gone]

    @property
    def text(self) -> str:
        """The cleaned body: kept blocks, one per line, in their original order."""
        return "\n".join(b.text for b in self.kept_blocks)

    def remove(self, index: int, rule: str, reason: str | Callable[[], str]) -> bool:
        """Mark block `index` removed unless an earlier rule already did; True when newly removed."""
        gone = self._removed_set()
        if index in gone:
            return False
        removed = self.removed
        removal = Removal(self.blocks[index].text, rule, reason, index)
        removed.append(removal)
        gone.add(index)  # (the cache follows: what _removed_set would make of the removal appended)
        self._gone = (removed, len(removed), removal, gone)
        return True

    def cut(self, index: int, start: int, rule: str, reason: str) -> None:
        """Cut the block's text from `start` to its end (a trailing inline promo); the rest of the block stays."""
        block = self.blocks[index]
        self.removed.append(Removal(block.text[start:].strip(), rule, reason, index, partial=True))
        block.text = block.text[:start].rstrip()

    def to_record(self) -> dict[str, Any]:
        text = self.text
        removed = sorted(self.removed, key=lambda r: r.block)
        whole = [r for r in removed if not r.partial]
        cut_chars = sum(len(r.text) for r in removed if r.partial)
        record: dict[str, Any] = {
            "id": self.id,
            "input": self.input,
            "format": self.format,
            "source": self.source,
            "url": self.url,
            "title": self.title,
            "date": self.date,
            "language": self.language,
            "text": text,
            "removed": [r.to_dict() for r in removed],
            "stats": {
                "chars_in": sum(len(b.text) for b in self.blocks) + cut_chars,
                "chars_out": len(text),
                "blocks_in": len(self.blocks),
                "blocks_out": len(self.blocks) - len(whole),
            },
            "verdict": self.verdict,
            "scores": self.scores,
            "flags": {name: flag.to_dict() for name, flag in self.flags.items()},
        }
        if self.dedup is not None:
            record["dedup"] = self.dedup
        if self.meta:
            record["meta"] = self.meta
        return record
