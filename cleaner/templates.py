"""Cross-page evidence: blocks a site repeats on many of its pages (menus, footers, promos) are template.

Deterministic and explainable: each block is normalised (case, digits, spacing, punctuation) and hashed;
per source we count on how many distinct pages each hash occurs. A block on at least `min_pages` pages
and at least `min_share` of the source's pages is template, unless it mostly sits *inside* the article
(prose on both sides): sites that write every article to one outline ("Background", "Conclusion") repeat
those headings too, and they are body.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from cleaner.document import Block
from cleaner.prose import is_prose

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")


def normalise(text: str) -> str:
    """Case, digits, punctuation and spacing removed: "© 2019 Foo Inc." and "© 2020 foo inc" are one block."""
    return _NON_WORD.sub(" ", _DIGITS.sub("0", text.lower())).strip()


def block_hash(text: str) -> str:
    return hashlib.blake2b(normalise(text).encode("utf-8"), digest_size=8).hexdigest()


def source_key(doc: Any) -> str | None:
    """The source a document's template evidence is kept under: its source, else its URL's domain."""
    from cleaner.read import domain_of

    return doc.source or domain_of(doc.url) or None


class TemplateLearner:
    """Learns, per source, the blocks that repeat across that source's pages in a batch."""

    def __init__(self, min_pages: int = 3, min_share: float = 0.3) -> None:
        self.min_pages = min_pages
        self.min_share = min_share
        # source -> {"pages": n, "seen": set of page keys, "blocks": {hash: [pages, pages where inside prose]}}
        self.sites: dict[str, dict[str, Any]] = {}

    def observe(self, source: str, blocks: list[Block], page_key: str | None = None) -> None:
        """Count one page of `source`. The same page observed twice (same page_key or same text) counts once."""
        site = self.sites.setdefault(source, {"pages": 0, "seen": set(), "blocks": {}})
        texts = [b.text for b in blocks if normalise(b.text)]
        key = page_key or hashlib.blake2b("\n".join(texts).encode("utf-8"), digest_size=8).hexdigest()
        if key in site["seen"]:
            return
        site["seen"].add(key)
        site["pages"] += 1
        prose = [is_prose(t) for t in texts]
        inside: dict[str, bool] = {}
        for i, text in enumerate(texts):
            h = block_hash(text)
            surrounded = any(prose[max(0, i - 2):i]) and any(prose[i + 1:i + 3])
            inside[h] = inside.get(h, False) or surrounded
        for h, surrounded in inside.items():
            entry = site["blocks"].setdefault(h, [0, 0])
            entry[0] += 1
            entry[1] += int(surrounded)

    def is_template(self, source: str, text: str) -> str | None:
        """A reason when `text` is template for `source`, else None."""
        if not normalise(text):
            return None
        return self.is_template_hash(source, block_hash(text))

    def is_template_hash(self, source: str, h: str) -> str | None:
        site = self.sites.get(source)
        if not site:
            return None
        entry = site["blocks"].get(h)
        if not entry:
            return None
        pages, inside = entry
        total = site["pages"]
        share = pages / total
        if pages < self.min_pages or share < self.min_share:
            return None
        if inside * 2 > pages:
            return None  # mostly inside the article's prose: a recurring subheading, not chrome
        return (f"template: on {pages} of {total} pages of {source} ({share:.0%} ≥ {self.min_share:.0%}, "
                f"≥ {self.min_pages} pages)")

    def to_dict(self) -> dict[str, Any]:
        return {
            "min_pages": self.min_pages,
            "min_share": self.min_share,
            "sites": {s: {"pages": d["pages"], "seen": sorted(d["seen"]), "blocks": dict(sorted(d["blocks"].items()))}
                      for s, d in sorted(self.sites.items())},
        }

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> TemplateLearner:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        learner = cls(int(data["min_pages"]), float(data["min_share"]))
        for source, d in data["sites"].items():
            learner.sites[source] = {"pages": int(d["pages"]), "seen": set(d["seen"]),
                                     "blocks": {h: [int(a), int(b)] for h, (a, b) in d["blocks"].items()}}
        return learner


def learn_templates(
    inputs: list[str], output: str | Path | None = None, *, fields: Any = None, min_pages: int = 3,
    min_share: float = 0.3, update: bool = False, max_bytes: int | None = None,
) -> TemplateLearner:
    """Learn template blocks from a batch (the same INPUTS `cleaner clean` reads): every page is segmented and
    counted under its source. With `output`, the learner is written there as JSON (`cleaner clean --templates`
    reads it); with `update`, an existing file is extended (pages already counted are not counted twice), so
    the evidence is remembered from batch to batch. Deterministic: the same pages give the same file."""
    from cleaner.errors import DocumentError
    from cleaner.read import DEFAULT_MAX_BYTES, read_inputs
    from cleaner.segment import segment

    if update and output is not None and Path(output).exists():
        learner = load_templates(output)
    else:
        learner = TemplateLearner(min_pages, min_share)
    for item in read_inputs(inputs, fields=fields, max_bytes=max_bytes or DEFAULT_MAX_BYTES):
        if not hasattr(item, "blocks"):
            continue  # an unreadable input: `cleaner clean` reports it
        try:
            doc = segment(item)
        except (DocumentError, RecursionError):
            continue
        source = source_key(doc)
        if source and doc.blocks:
            learner.observe(source, doc.blocks, doc.url or None)
    if output is not None:
        learner.save(output)
    return learner


def load_templates(path: str | Path) -> TemplateLearner:
    """A learner saved by learn_templates / TemplateLearner.save; ValueError when the file is not one."""
    try:
        return TemplateLearner.load(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not a templates file written by `cleaner templates learn`: {exc}") from exc


def summary(learner: TemplateLearner) -> dict[str, Any]:
    """Per source: pages seen and how many distinct blocks count as template."""
    out = {}
    for source, site in sorted(learner.sites.items()):
        n = sum(1 for h in site["blocks"] if learner.is_template_hash(source, h))
        out[source] = {"pages": site["pages"], "template_blocks": n}
    return out
